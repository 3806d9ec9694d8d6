#!/usr/bin/env python
"""Benchmark imfilt against OpenCV, scipy.ndimage and Pillow: ``python bench/run.py [args]``.

All the work is in ``imfilt.bench``; see bench/README.md or ``python bench/run.py --help``.
"""
import os
import sys

try:
    import imfilt.bench as bench
except ImportError:  # not installed: fall back to the source tree next to this script
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import imfilt.bench as bench

if __name__ == "__main__":
    sys.exit(bench.main(sys.argv[1:]))
