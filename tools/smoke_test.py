"""Smoke test of an installed imfilt (a wheel, an sdist install): every public filter on a small
image, checked against plain-NumPy references computed here, thread counts compared, and the
version agreeing in `imfilt.__version__`, the installed metadata and `python -m imfilt info`.
Needs only NumPy (and imfilt's own dependencies): cibuildwheel's test command and
tests/builds/test_wheel.py run it in a fresh environment, from the source folder on purpose (the
source tree must hand the import over to the installed copy).

    python tools/smoke_test.py [--expect-openmp]
"""
from __future__ import annotations

import argparse
import importlib.metadata
import os
import subprocess
import sys

import numpy as np


def pad(image, before, after, mode):
    """NumPy padding with OpenCV's border names; before = (top, left), after = (bottom, right)."""
    numpy_mode = {"reflect101": "reflect", "reflect": "symmetric", "replicate": "edge"}[mode]
    return np.pad(image, tuple(zip(before, after)), mode=numpy_mode)


def windows(image, kh, kw, mode):
    """Every (kh, kw) window around each pixel (centred: odd sizes), shape (H, W, kh, kw)."""
    padded = pad(image, (kh // 2, kw // 2), (kh // 2, kw // 2), mode)
    return np.lib.stride_tricks.sliding_window_view(padded, (kh, kw))


def gaussian_kernel(ksize, sigma):
    """OpenCV's getGaussianKernel for a sigma > 0 (float64)."""
    x = np.arange(ksize) - (ksize - 1) / 2
    k = np.exp(-x * x / (2 * sigma * sigma))
    return k / k.sum()


def check(name, got, expected, atol=0.0):
    got, expected = np.asarray(got), np.asarray(expected)
    if got.shape != expected.shape or got.dtype != expected.dtype:
        raise AssertionError(f"{name}: {got.shape} {got.dtype} != {expected.shape} "
                             f"{expected.dtype}")
    err = float(np.max(np.abs(got.astype(np.float64) - expected.astype(np.float64)),
                       initial=0.0))
    if not err <= atol:
        raise AssertionError(f"{name}: max error {err} > {atol}")
    print(f"  ok  {name:<34} max |error| {err:.3g}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--expect-openmp", action="store_true",
                        help="fail unless the build uses OpenMP (the Linux wheels bundle it)")
    args = parser.parse_args(argv)

    import imfilt
    package_dir = os.path.dirname(os.path.abspath(imfilt.__file__))
    print(f"imfilt {imfilt.__version__} from {package_dir}")
    config = imfilt.show_config()

    # the version: one source, three places
    metadata_version = importlib.metadata.version("imfilt")
    info = subprocess.run([sys.executable, "-m", "imfilt", "info"], capture_output=True,
                          text=True, check=True).stdout
    assert imfilt.__version__ == metadata_version == config["version"], \
        (imfilt.__version__, metadata_version, config["version"])
    assert info.splitlines()[0] == f"imfilt {metadata_version}", info
    if args.expect_openmp:
        assert config["openmp"], "this build has no OpenMP"

    rng = np.random.default_rng(20)
    u8 = rng.integers(0, 256, (23, 31), dtype=np.uint8)
    f64 = rng.random((23, 31))
    f32 = f64.astype(np.float32)

    # gaussian: float64 against the separable NumPy sum, uint8 against its float result
    k = gaussian_kernel(11, 1.1)  # the size sigma 1.1 gives floats: round(1.1 * 8 + 1) | 1
    w = windows(f64, 11, 11, "reflect101")
    check("gaussian float64", imfilt.gaussian(f64, 1.1), np.einsum("ijkl,k,l->ij", w, k, k),
          1e-12)
    k7 = gaussian_kernel(7, 1.1)  # uint8 quantises the kernel to 1/256: within 1
    ref = np.einsum("ijkl,k,l->ij", windows(u8.astype(np.float64), 7, 7, "reflect101"), k7, k7)
    check("gaussian uint8 ksize 7", imfilt.gaussian(u8, 1.1, ksize=7),
          np.rint(ref).astype(np.uint8), 1)

    # mean: the float window average exactly as a float64 sum; uint8 rounds it
    w = windows(f64, 3, 5, "reflect")
    check("mean float64 3x5 reflect", imfilt.mean(f64, (3, 5), border="reflect"),
          w.mean(axis=(2, 3)), 1e-12)
    sums = windows(u8.astype(np.int64), 5, 5, "reflect101").sum(axis=(2, 3))
    check("mean uint8 5x5 (sums)", imfilt.mean(u8, 5, normalize=False), sums)
    check("mean uint8 5x5", imfilt.mean(u8, 5), np.floor(sums / 25 + 0.5).astype(np.uint8), 0)

    # rank filters: exact
    check("median uint8 5", imfilt.median(u8, 5),
          np.median(windows(u8, 5, 5, "replicate"), axis=(2, 3)).astype(np.uint8))
    check("median float32 3", imfilt.median(f32, 3),
          np.median(windows(f32, 3, 3, "replicate"), axis=(2, 3)).astype(np.float32))
    check("minimum uint8 3x5 replicate", imfilt.minimum(u8, (3, 5), border="replicate"),
          windows(u8, 3, 5, "replicate").min(axis=(2, 3)))
    check("maximum float64 5 reflect101", imfilt.maximum(f64, 5, border="reflect101"),
          windows(f64, 5, 5, "reflect101").max(axis=(2, 3)))

    # tone
    table = (255 - np.arange(256)).astype(np.uint8)
    check("lut uint8", imfilt.lut(u8, table), table[u8])
    check("gamma float64", imfilt.gamma(f64, 0.5, 2.0), 2.0 * f64 ** 0.5, 1e-15)
    gamma_u8 = np.rint(255 * (np.arange(256) / 255) ** 2.2).astype(np.uint8)
    check("gamma uint8", imfilt.gamma(u8, 2.2), gamma_u8[u8])

    # filter2d (correlation) and conv2d
    kernel = rng.standard_normal((3, 4))  # even width: anchor at (1, 2)
    padded = pad(f64, (1, 2), (1, 1), "reflect101")
    ref = np.einsum("ijkl,kl->ij",
                    np.lib.stride_tricks.sliding_window_view(padded, (3, 4)), kernel)
    check("filter2d float64 3x4", imfilt.filter2d(f64, kernel), ref, 1e-12)
    x = rng.standard_normal((2, 3, 9, 10))
    weight = rng.standard_normal((4, 3, 3, 3))
    bias = rng.standard_normal(4)
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    ref = np.einsum("ncijkl,ockl->noij",
                    np.lib.stride_tricks.sliding_window_view(xp, (3, 3), axis=(2, 3)), weight)
    check("conv2d float64 padding 1", imfilt.conv2d(x, weight, bias, padding=1),
          ref + bias[None, :, None, None], 1e-12)

    # HOG: shapes and values of OpenCV's default 64x128 window, scikit-image's layout
    person = rng.integers(0, 256, (128, 64), dtype=np.uint8)
    descriptor = imfilt.hog(person)
    assert descriptor.shape == (1, 3780) and descriptor.dtype == np.float32, descriptor.shape
    assert np.isfinite(descriptor).all() and 0 < descriptor.max() <= 1, descriptor.max()
    blocks = imfilt.hog_blocks(person)
    assert blocks.shape == (15, 7, 36), blocks.shape
    check("hog = its blocks (as a set)", np.sort(descriptor.ravel()), np.sort(blocks.ravel()))
    features = imfilt.hog_skimage(person)
    assert features.shape == (6 * 14 * 81,) and np.isfinite(features).all(), features.shape
    print(f"  ok  {'hog / hog_blocks / hog_skimage':<34} shapes and ranges")

    # threads: identical results (this runs the bundled OpenMP runtime where there is one)
    big = rng.integers(0, 65536, (600, 700), dtype=np.uint16)
    one = imfilt.gaussian(big, 2.0, threads=1)
    check("gaussian uint16 threads 1 = 2", imfilt.gaussian(big, 2.0, threads=2), one)
    check("median uint16 threads 1 = 4", imfilt.median(big, 5, threads=4),
          imfilt.median(big, 5, threads=1))

    print("smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
