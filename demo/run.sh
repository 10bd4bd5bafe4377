#!/usr/bin/env bash
# The one-command demo: install locust-gate with the demo extra into .venv, then seed the
# demo API, start it, wait for health, run Locust headless, check the thresholds, stop it.
# Pass extra flags through, e.g.:  DEMO_SLOWDOWN=search=3 bash demo/run.sh --users 5
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
  { echo "error: Python 3.11 or newer is needed (set PYTHON=python3.11)" >&2; exit 2; }
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[demo]' 2>&1 \
  | grep -v "is ignored: it is neither a file nor a directory" >&2 || true
exec .venv/bin/locust-gate run "$@"
