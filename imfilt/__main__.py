"""``python -m imfilt``: the command line (see imfilt.cli)."""
import sys

from .cli import main

sys.exit(main())
