"""`python -m gate.action run|comment|save-baseline|finish`: the Action's steps."""

import sys

from gate.action.steps import main

if __name__ == "__main__":
    sys.exit(main())
