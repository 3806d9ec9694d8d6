"""The other builds a user's machine may make of this checkout: without OpenMP (Apple clang,
clang without libomp, or IMFILT_OPENMP=OFF) and with clang. Each is built into a temporary
folder and the thread-sensitive test files run against it in a subprocess: threads 1, 2 and 4
give identical images, equal to cv2 (a build that ignored `threads` when splitting rows once
left half of every image uncomputed)."""
from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
# test files whose cases compare thread counts and compare with cv2 / scipy for every family
VARIANT_TESTS = ["tests/filters/test_smooth.py", "tests/filters/test_morphology.py",
                 "tests/filters/test_median.py", "tests/filters/test_conv.py",
                 "tests/filters/test_tone.py", "tests/filters/test_hog.py",
                 "tests/api/test_interrupt.py"]
# the subprocess imports imfilt from the variant folder only (an editable install's import
# hook would otherwise win over sys.path)
RUNNER = """
import sys
sys.path.insert(0, sys.argv[1])
sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in type(f).__module__]
import imfilt, pytest
assert imfilt.__file__.startswith(sys.argv[1]), imfilt.__file__
print(imfilt.config())
sys.exit(pytest.main(sys.argv[2:]))
"""


def build_variant(tmp_path, cc=None, defines=()):
    """Build a wheel of this checkout (no build isolation: the test extra has the build
    requirements) and unpack it; returns the folder holding the package."""
    env = dict(os.environ)
    if cc:
        env["CC"] = cc
    cmd = [sys.executable, "-m", "pip", "wheel", "-q", "--no-build-isolation", "--no-deps",
           "-w", str(tmp_path / "wheel"), f"-Cbuild-dir={tmp_path / 'build'}", str(ROOT)]
    cmd += [f"-Ccmake.define.{d}" for d in defines]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    site = tmp_path / "site"
    (wheel,) = (tmp_path / "wheel").glob("imfilt-*.whl")
    zipfile.ZipFile(wheel).extractall(site)
    return site


def run_tests(site):
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run([sys.executable, "-c", RUNNER, str(site), "-q", "-x",
                           "-p", "no:cacheprovider", "-m", "not slow", *VARIANT_TESTS],
                          env=env, capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]


def test_build_without_openmp(tmp_path):
    site = build_variant(tmp_path, defines=["IMFILT_OPENMP=OFF"])
    probe = subprocess.run([sys.executable, "-c", RUNNER, str(site), "--co", "-q",
                            "tests/builds/test_builds.py"], capture_output=True, text=True,
                           cwd=ROOT)
    assert "'openmp': False" in probe.stdout, probe.stdout[-2000:] + probe.stderr[-2000:]
    run_tests(site)


def _clang():
    for name in ("clang", "clang-19", "clang-18", "clang-17", "clang-16", "clang-15", "clang-14"):
        if shutil.which(name):
            return name
    return None


@pytest.mark.skipif(_clang() is None, reason="no clang on PATH (apt-get install clang)")
def test_build_with_clang(tmp_path):
    site = build_variant(tmp_path, cc=_clang())
    probe = subprocess.run([sys.executable, "-c", RUNNER, str(site), "--co", "-q",
                            "tests/builds/test_builds.py"], capture_output=True, text=True,
                           cwd=ROOT)
    assert "'compiler': 'Clang" in probe.stdout, probe.stdout[-2000:] + probe.stderr[-2000:]
    run_tests(site)
