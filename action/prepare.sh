#!/usr/bin/env bash
# The Action's first step of its own: choose the Python for locust-gate's virtual
# environment and compute the cache key of that environment. Outputs: python, venv, key,
# ready (the environment is already there, e.g. a second gate in the same job).
set -euo pipefail

python="${LGA_SETUP_PYTHON:-}"      # setup-python's python-path; empty: python-version ""
if [ -z "$python" ]; then
  python="$(command -v python3 || true)"
fi
if [ -z "$python" ] || ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "::error title=locust-gate::Python 3.11 or newer is needed (got '${python:-none}'); set the input python-version"
  exit 2
fi

venv="${RUNNER_TEMP:-/tmp}/locust-gate-venv"
requirements="$GITHUB_ACTION_PATH/action/requirements.txt"
# The key changes with the interpreter (path and version), the pinned packages and the OS.
read -r version digest < <("$python" - "$python" "$requirements" <<'PY'
import hashlib, platform, sys
h = hashlib.sha256(sys.argv[1].encode() + b"\0" + sys.version.encode() + b"\0")
h.update(open(sys.argv[2], "rb").read())
print(platform.python_version(), h.hexdigest()[:16])
PY
)
key="locust-gate-venv-v1-${RUNNER_OS:-$(uname -s)}-${RUNNER_ARCH:-$(uname -m)}-py${version}-${digest}"
ready=false
if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.locust-gate-key" 2>/dev/null)" = "$key" ]; then
  ready=true
fi
echo "locust-gate: Python $version ($python); environment $venv; cache key $key; ready: $ready"
{
  echo "python=$python"
  echo "venv=$venv"
  echo "key=$key"
  echo "ready=$ready"
} >> "${GITHUB_OUTPUT:-/dev/stdout}"
