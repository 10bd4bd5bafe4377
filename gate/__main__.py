"""`python -m gate` runs the same CLI as the `locust-gate` console script."""

import sys

from gate.cli import main

if __name__ == "__main__":
    sys.exit(main())
