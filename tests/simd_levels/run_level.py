"""Run one family's SIMD-level cases: `python run_level.py FAMILY OUT.npz` imports FAMILY.py
from this folder, saves its results() to OUT.npz and prints imfilt.config() as a JSON line.
The level is the one IMFILT_CPU selects (simd_levels.run_levels sets it per run)."""
import importlib
import json
import sys

import numpy as np

import imfilt


def main(family, out_path):
    results = importlib.import_module(family).results()
    np.savez(out_path, **results)
    print(json.dumps(imfilt.config()))


if __name__ == "__main__":
    main(*sys.argv[1:])
