"""Ctrl-C during a long call: the C loops poll Python's signal handlers (from the calling
thread, at most every 20 ms) and stop between rows or tiles, so the call raises
KeyboardInterrupt long before it would have finished, and the process stays healthy.
Each case runs in a subprocess that builds its input, then sends itself SIGINT 0.2 s into a
call of a few seconds (building the input inside the call's timer let SIGINT land in np.tile on
a loaded machine: a vacuous pass); `out` starts as a sentinel no result can take, and sentinel
samples left over prove the call stopped early (no timing is asserted)."""
from __future__ import annotations

import signal
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="POSIX signals")

SCRIPT = r"""
import os, signal, sys, threading, time
import numpy as np, imfilt
# a parent started in the background (`cmd &`) passes SIGINT ignored; Ctrl-C is what is tested
signal.signal(signal.SIGINT, signal.default_int_handler)
threads = int(sys.argv[2])
rng = np.random.default_rng(0)
u8 = (rng.random((2000, 2000)) * 255).astype(np.uint8)
inputs = {
    "median_u16_255": lambda: u8.astype(np.uint16),
    "median_f32_63": lambda: np.tile(u8.astype(np.float32), (1, 2)),
}
calls = {
    "median_u16_255": lambda a, out: imfilt.median(a, 255, out=out, threads=threads),
    "median_f32_63": lambda a, out: imfilt.median(a, 63, out=out, threads=threads),
    "gaussian_f64": lambda a, out: imfilt.gaussian(a, 60, out=out, threads=threads),
    "maximum_footprint": lambda a, out: imfilt.maximum(a, footprint=footprint, out=out, threads=threads),
    "filter2d_f64": lambda a, out: imfilt.filter2d(a, kernel, out=out, threads=threads),
}
image = inputs.get(sys.argv[1], lambda: np.tile(u8.astype(np.float64), (2, 2)))()
footprint = np.random.default_rng(1).random((61, 61)) < 0.5
kernel = np.random.default_rng(2).random((61, 61))
SENTINEL = 65535 if image.dtype == np.uint16 else -1.0  # inputs are 0..254, every result >= 0
out = np.full(image.shape, SENTINEL, image.dtype)
def interrupt():
    time.sleep(0.2)
    os.kill(os.getpid(), signal.SIGINT)
threading.Thread(target=interrupt, daemon=True).start()
try:
    calls[sys.argv[1]](image, out)
    print("finished")
except KeyboardInterrupt:
    untouched = int((out == SENTINEL).sum())
    print("interrupted", untouched)
# healthy afterwards: the same filter on a small image equals its uninterrupted result
small = u8[:64, :64].astype(np.float32)
assert np.array_equal(imfilt.median(small, 5, threads=threads), imfilt.median(small, 5, threads=1))
print("healthy")
"""

CASES = ["median_u16_255", "median_f32_63", "gaussian_f64", "maximum_footprint", "filter2d_f64"]


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("case", CASES)
def test_ctrl_c_stops_a_long_call(case, threads):
    proc = subprocess.run([sys.executable, "-c", SCRIPT, case, str(threads)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.split()
    assert lines[0] == "interrupted", proc.stdout
    assert int(lines[1]) > 0, "the call ran to the end before raising"
    assert lines[-1] == "healthy"
