#!/usr/bin/env bash
# Run one of the Action's steps (`python -m gate.action STEP`) in locust-gate's own
# virtual environment, with the `gate` package taken from the Action's own files.
set -euo pipefail
: "${LGA_VENV:?}"
src="$LGA_VENV/locust-gate-src"
mkdir -p "$src"
ln -sfn "$GITHUB_ACTION_PATH/gate" "$src/gate"   # only `gate` becomes importable
for site in "$LGA_VENV"/lib/python3*/site-packages; do
  echo "$src" > "$site/locust-gate-action.pth"
done
exec "$LGA_VENV/bin/python" -m gate.action "$@"
