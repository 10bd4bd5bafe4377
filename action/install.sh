#!/usr/bin/env bash
# Create locust-gate's own virtual environment (it never touches the caller's Python
# packages) and install the pinned dependencies into it. Only runs on a cache miss.
set -euo pipefail
: "${LGA_PYTHON:?}" "${LGA_VENV:?}" "${LGA_KEY:?}"
requirements="$GITHUB_ACTION_PATH/action/requirements.txt"
count="$(grep -cE '^[A-Za-z0-9]' "$requirements")"
started=$SECONDS
echo "locust-gate: creating $LGA_VENV and installing $count pinned packages (cold cache)"
"$LGA_PYTHON" -m venv --clear "$LGA_VENV"
echo "::group::pip install -r action/requirements.txt"
"$LGA_VENV/bin/python" -m pip install --disable-pip-version-check --no-input \
  --progress-bar off -r "$requirements"
echo "::endgroup::"
echo "$LGA_KEY" > "$LGA_VENV/.locust-gate-key"
echo "locust-gate: installed in $((SECONDS - started)) s"
