"""imfilt.median against cv2.medianBlur, scipy.ndimage.median_filter and a plain NumPy
reference (np.sort of every window), edge cases, NaN policy, threads and SIMD levels."""
from __future__ import annotations


import cv2
import numpy as np
import pytest
import scipy.ndimage as ndi
from numpy.lib.stride_tricks import sliding_window_view

import imfilt
from _assert import assert_identical
from references import ALL_BORDERS, DTYPES, as_dtype, np_pad
from simd_levels import each_level, results_fixture

SCIPY_MODE = {"reflect101": "mirror", "reflect": "reflect", "replicate": "nearest",
              "constant": "constant", "wrap": "wrap"}
CVAL = {"uint8": 37, "uint16": 40001, "int16": -1234, "float32": 0.37, "float64": 0.37}


def np_median(img, size, border="replicate", cval=0):
    """Plain NumPy reference: pad per the border's picture, sort every window (np.sort: NaN
    last), take the middle sample."""
    kh, kw = (size, size) if np.isscalar(size) else size
    img = np.asarray(img)
    pad = np_pad(img, kh, kw, border, cval, dtype=img.dtype)
    win = sliding_window_view(pad, (kh, kw), axis=(0, 1))      # (H, W, [C], kh, kw)
    flat = win.reshape(win.shape[:-2] + (kh * kw,))
    return np.sort(flat, axis=-1)[..., (kh * kw - 1) // 2]


def sp_median(img, size, border="replicate", cval=0):
    kh, kw = (size, size) if np.isscalar(size) else size
    fsize = (kh, kw) if img.ndim == 2 else (kh, kw, 1)
    return ndi.median_filter(img, size=fsize, mode=SCIPY_MODE[border], cval=cval)


def same(got, exp, what=""):
    assert_identical(got, exp, equal_nan=True, context=what)


def four_channels(rgb, gray):
    return np.ascontiguousarray(np.dstack([rgb, gray[: rgb.shape[0], : rgb.shape[1]]]))


# --------------------------------------------------------------------------- cv2, exact
@pytest.mark.parametrize("k", [3, 5, 7, 9, 15, 31, 63])
def test_uint8_photos_equal_cv2(photos, k):
    cam, ast = photos["camera"], photos["astronaut"]
    imgs = [cam, photos["coffee"], four_channels(ast, cam)]
    if k <= 15:
        imgs.append(ast)
    for img in imgs:
        same(imfilt.median(img, k), cv2.medianBlur(img, k), f"k={k} {img.shape}")


@pytest.mark.parametrize("dtype", ["uint16", "int16", "float32"])
@pytest.mark.parametrize("k", [3, 5])
def test_wide_dtypes_equal_cv2(photos, dtype, k):
    for img in (photos["chelsea"], photos["camera"][:200, :333]):
        x = as_dtype(img, dtype)
        same(imfilt.median(x, k), cv2.medianBlur(x, k), f"{dtype} k={k} {img.shape}")


# --------------------------------------------------------------------------- scipy grid
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("border", ALL_BORDERS)
def test_grid_equals_scipy(photos, dtype, border):
    gray = as_dtype(photos["camera"][100:161, 200:267], dtype)          # 61 x 67
    rgb = as_dtype(photos["chelsea"][50:83, 100:141], dtype)            # 33 x 41 x 3
    for img in (gray, rgb):
        for size in (1, 3, 5, 7, 9, (3, 7), (7, 3), (1, 5), (5, 1), 15, (9, 21)):
            got = imfilt.median(img, size, border=border, cval=CVAL[dtype])
            same(got, sp_median(img, size, border, CVAL[dtype]), f"{dtype} {border} {size}")


@pytest.mark.parametrize("dtype", DTYPES)
def test_large_kernels_photo(photos, dtype):
    img = as_dtype(photos["astronaut"][:70, :90], dtype)
    for size in (25, (41, 11), 71):
        same(imfilt.median(img, size, border="reflect101"), sp_median(img, size, "reflect101"),
             f"{dtype} {size}")


# --------------------------------------------------------------------------- NumPy reference
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("border", ALL_BORDERS)
def test_edge_shapes_numpy_reference(dtype, border):
    rng = np.random.default_rng(7)
    for shape in [(1, 1), (1, 9), (9, 1), (3, 4), (2, 3, 3), (5, 7, 4), (1, 1, 3)]:
        a = as_dtype(rng.integers(0, 256, shape).astype(np.uint8), dtype)
        for size in (3, 5, 7, 9, (1, 3), (5, 3), 17):
            got = imfilt.median(a, size, border=border, cval=CVAL[dtype])
            same(got, np_median(a, size, border, CVAL[dtype]), f"{shape} {size}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("border", ALL_BORDERS)
def test_kernel_much_larger_than_image(dtype, border):
    rng = np.random.default_rng(8)
    a = as_dtype(rng.integers(0, 256, (3, 4)).astype(np.uint8), dtype)
    same(imfilt.median(a, 255, border=border, cval=CVAL[dtype]),
         np_median(a, 255, border, CVAL[dtype]), "255 on 3x4")
    b = as_dtype(rng.integers(0, 256, (2, 3, 2)).astype(np.uint8), dtype)
    same(imfilt.median(b, (301, 257), border=border, cval=CVAL[dtype]),
         np_median(b, (301, 257), border, CVAL[dtype]), "(301, 257) on 2x3x2")


def test_huge_kernel_tiny_image():
    """A 2001 window on a 3x4 image (no timing assertion: its cost is measured in bench/)."""
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    for dtype in DTYPES:
        b = a.astype(dtype)
        same(imfilt.median(b, 2001, border="wrap"), np_median(b, 2001, "wrap"), f"2001 wrap {dtype}")


@pytest.mark.parametrize("dtype", DTYPES)
def test_random_values_numpy_reference(dtype):
    """Full-range values (ties rare) on every algorithm: networks, histograms, ranks."""
    rng = np.random.default_rng(9)
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "ui" else None
    for shape in [(23, 37), (17, 19, 3)]:
        if info is not None:
            a = rng.integers(info.min, info.max, shape, endpoint=True).astype(dtype)
        else:
            a = (rng.standard_normal(shape) * 1e3).astype(dtype)
        for size in (3, 5, 7, 9, 11, (3, 9)):
            same(imfilt.median(a, size, border="reflect"), np_median(a, size, "reflect"),
                 f"{shape} {size}")


# --------------------------------------------------------------------------- NaN policy
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("size", [3, 5, 7, 9, (3, 11), 1])
def test_nan_orders_above_inf(dtype, size):
    rng = np.random.default_rng(10)
    a = rng.standard_normal((31, 29)).astype(dtype)
    pick = rng.random(a.shape)
    a[pick < 0.3] = np.nan
    neg_nan = -np.abs(np.array(np.nan, dtype))             # a NaN with the sign bit set
    assert np.signbit(neg_nan)
    a[(pick >= 0.3) & (pick < 0.4)] = neg_nan
    a[(pick >= 0.4) & (pick < 0.45)] = np.inf
    a[(pick >= 0.45) & (pick < 0.5)] = -np.inf
    a[(pick >= 0.5) & (pick < 0.55)] = -0.0
    for border in ("replicate", "constant", "wrap"):
        got = imfilt.median(a, size, border=border, cval=np.nan if border == "constant" else 0)
        exp = np_median(a, size, border, np.nan if border == "constant" else 0)
        same(got, exp, f"{border}")
        assert np.isnan(got).any() and not np.isnan(got).all()


def test_nan_policy_examples():
    a = np.array([[np.nan, 1.0, 2.0]], np.float32)
    # [NaN(cval), NaN, 1] -> sorted [1, NaN, NaN] -> NaN; [NaN, 1, 2] -> [1, 2, NaN] -> 2;
    # [1, 2, NaN(cval)] -> 2
    got = imfilt.median(a, (1, 3), border="constant", cval=np.nan)
    assert np.isnan(got[0, 0]) and got[0, 1] == 2.0 and got[0, 2] == 2.0
    b = np.array([[np.inf, np.nan, -np.inf]])
    assert imfilt.median(b, (1, 3), border="wrap")[0].tolist() == [np.inf] * 3


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_signed_zero_order_in_windows_larger_than_a_tile(dtype):
    """-0.0 orders below +0.0 on the whole-image rank route too (windows of more than
    65536 samples): a window of almost only the +0.0 border is +0.0, and the reverse."""
    neg, pos = np.full((3, 4), -0.0, dtype), np.full((3, 4), 0.0, dtype)
    assert not np.signbit(imfilt.median(neg, (301, 257), border="constant", cval=0.0)).any()
    assert np.signbit(imfilt.median(pos, (301, 257), border="constant", cval=-0.0)).all()


# --------------------------------------------------------------------------- layouts, out
@pytest.mark.parametrize("dtype", DTYPES)
def test_views_and_out(photos, dtype):
    img = as_dtype(photos["coffee"][:90, :121], dtype)
    for size in (3, 5, 9):
        exp = imfilt.median(np.ascontiguousarray(img), size, border="reflect")
        for view in (img[::-1], img[:, ::-1], img[::-1, ::-1, ::-1], np.asfortranarray(img),
                     img[::2, ::3], img.astype(img.dtype.newbyteorder(">"))):
            got = imfilt.median(view, size, border="reflect")
            exp_v = np_median(view, size, "reflect")
            same(got, exp_v.astype(exp_v.dtype.newbyteorder("=")), f"view {size}")
        ro = img.copy()
        ro.setflags(write=False)
        same(imfilt.median(ro, size, border="reflect"), exp, "read-only")
        alias = img.copy()
        res = imfilt.median(alias, size, border="reflect", out=alias)
        assert res is alias
        same(alias, exp, "out aliasing input")
        out = np.empty_like(img)
        assert imfilt.median(img, size, border="reflect", out=out) is out
        same(out, exp, "out")


def test_empty_images():
    for shape in [(0, 5), (5, 0), (0, 0, 3)]:
        assert imfilt.median(np.zeros(shape, np.uint8), 3).shape == shape


# --------------------------------------------------------------------------- threads
def test_threads_bit_identical(photos):
    img = photos["astronaut"]
    for dtype in DTYPES:
        x = as_dtype(img, dtype)
        sizes = (3, 5, 9, 21) if dtype == "uint8" else (3, 9)
        for size in sizes:
            one = imfilt.median(x, size, threads=1)
            two = imfilt.median(x, size, threads=2)
            three = imfilt.median(x, size, threads=3)
            same(two, one, f"{dtype} {size} t2")
            same(three, one, f"{dtype} {size} t3")


# --------------------------------------------------------------------------- SIMD levels
simd_results = results_fixture("median")


def test_simd_levels_identical(simd_results):
    for level, res, base in each_level(simd_results):
        for key, ref in base.items():
            same(res[key], ref, f"{level}: {key}")


def test_simd_levels_match_cv2(simd_results):
    photo = __import__("skimage.data").data.astronaut()[:83, :517]
    for level, (_, res) in simd_results.items():
        for size in (3, 5, 9, 17):
            same(res[f"uint8/rgb/{size}/replicate"], cv2.medianBlur(photo, size),
                 f"{level} {size}")


# --------------------------------------------------------------------------- bad input
def test_bad_input():
    img = np.zeros((8, 8), np.uint8)
    for size in (2, 4, (3, 4), (4, 3)):
        with pytest.raises(ValueError, match="size"):
            imfilt.median(img, size)
    for size in (0, -1, -3, (0, 3)):
        with pytest.raises(ValueError, match="size"):
            imfilt.median(img, size)
    for size in (2.5, "3", None):
        with pytest.raises((TypeError, ValueError), match="size"):
            imfilt.median(img, size)
    with pytest.raises(ValueError, match="size"):
        imfilt.median(img, (3, 5, 7))
    with pytest.raises(ValueError, match="size"):
        imfilt.median(img, 1 << 20)
    with pytest.raises(TypeError, match="uint8"):
        imfilt.median(np.zeros((4, 4), np.int32), 3)
    with pytest.raises(TypeError):
        imfilt.median(np.zeros((4, 4), bool), 3)
    with pytest.raises(ValueError, match="border"):
        imfilt.median(img, 3, border="mirrorball")
    with pytest.raises(ValueError, match="image"):
        imfilt.median(np.zeros((2, 2, 2, 2), np.uint8), 3)
    with pytest.raises(ValueError, match="threads"):
        imfilt.median(img, 3, threads=0)
    with pytest.raises(ValueError, match="out"):
        imfilt.median(img, 3, out=np.zeros((8, 9), np.uint8))
    with pytest.raises(ValueError, match="out"):
        imfilt.median(img, 3, out=np.zeros((8, 8), np.uint16))
    assert imfilt.median(img, 3.0).shape == img.shape            # integral floats are fine
    assert imfilt.median(img, 3, border="nearest").shape == img.shape


def test_scipy_aliases_and_default_border(photos):
    img = photos["camera"][:50, :60]
    same(imfilt.median(img, 5), imfilt.median(img, 5, border="nearest"), "default replicate")
    same(imfilt.median(img, 5, border="mirror"), imfilt.median(img, 5, border="reflect101"), "")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_many_distinct_values_small_tiles(dtype):
    """More than 65536 distinct values in a rank tile: the tile is split into small ones."""
    rng = np.random.default_rng(11)
    a = rng.standard_normal((300, 300)).astype(dtype)
    for border in ("reflect", "constant"):
        got = imfilt.median(a, (9, 11), border=border, cval=0.25, threads=1)
        same(got, np_median(a, (9, 11), border, 0.25), border)
        same(imfilt.median(a, (9, 11), border=border, cval=0.25, threads=2), got, "threads")
