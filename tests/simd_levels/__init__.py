"""Results of one filter family at every SIMD level this machine supports.

Each family module here (smooth.py, median.py, ...) defines results(): name -> array.
run_level.py runs one in a subprocess with IMFILT_CPU set; run_levels does that once per
level and each_level yields them for comparison with the baseline level.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

import imfilt

RUN_LEVEL = Path(__file__).with_name("run_level.py")


def results_fixture(family):
    """A module-scoped `simd_results` fixture: run_levels(family) once per test module."""
    @pytest.fixture(scope="module", name="simd_results")
    def simd_results(tmp_path_factory):
        return run_levels(family, tmp_path_factory.mktemp(f"simd_{family}"))
    return simd_results


def run_levels(family, tmp):
    """{level: (imfilt.config() of that run, {name: array})} for `family`, run once per
    SIMD level this machine supports; baseline always included."""
    out = {}
    for level in ("baseline", "avx2", "avx512"):
        if level not in imfilt.config()["isa_supported"]:
            continue
        path = tmp / f"{family}_{level}.npz"
        # started outside the checkout, so it imports the installed package
        proc = subprocess.run([sys.executable, str(RUN_LEVEL), family, str(path)],
                              env=dict(os.environ, IMFILT_CPU=level), cwd=tempfile.gettempdir(),
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, f"IMFILT_CPU={level}: {proc.stderr[-3000:]}"
        out[level] = (json.loads(proc.stdout.strip().splitlines()[-1]), dict(np.load(path)))
    assert "baseline" in out
    return out


def each_level(results):
    """(level, arrays, baseline arrays) for every level run by run_levels, after the checks
    every family shares: the run reported the level it was asked for, and it produced the
    baseline's arrays (same names, dtypes and shapes)."""
    _, base = results["baseline"]
    for level, (info, res) in results.items():
        assert info["isa_active"] == level, (level, info)
        assert res.keys() == base.keys(), level
        for key, ref in base.items():
            assert res[key].dtype == ref.dtype and res[key].shape == ref.shape, (level, key)
        yield level, res, base
