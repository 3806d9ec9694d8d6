"""imfilt.gaussian and imfilt.mean against OpenCV, plain NumPy references, edge cases,
threads and SIMD levels."""
from __future__ import annotations

import os
import subprocess
import tempfile
import sys

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import imfilt
from _assert import assert_close, assert_identical
from references import (ALL_BORDERS, DTYPES, as_dtype, border_index, cv_gaussian, cv_mean,
                        np_box_mean, np_box_sum, np_gaussian_fixed, np_pad, tolerance,
                        wrap_reference)
from simd_levels import each_level, results_fixture

SIGMAS = (0.3, 0.5, 0.8, 1.0, 1.3, 2.0, 3.7, 5.0, 8.0)
KSIZES = (1, 3, 5, 7, 9, 11, 15)
MEAN_SIZES = (2, 3, 5, (2, 7), (7, 2), 16, 17, 31, (1, 40), (40, 1), (15, 20))


def cval_for(dtype):
    """A nonzero border value inside each dtype's range (on the [0, 1] scale for floats)."""
    return {"uint8": 37, "uint16": 40001, "int16": -1234, "float32": 0.37,
            "float64": 0.37}[np.dtype(dtype).name]


def multichannel(photo, c):
    """A (H, W, c) image of real photo content for any channel count c."""
    base = [photo[:, :, 0], photo[:, :, 1], photo[:, :, 2], 255 - photo[:, :, 1],
            photo[:, :, 2] // 2 + photo[:, :, 0] // 2, photo[::-1, :, 0], photo[:, ::-1, 2]]
    return np.ascontiguousarray(np.stack([base[i % len(base)] for i in range(c)], axis=2))


# =========================================================================== Gaussian vs cv2
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sigma", SIGMAS)
def test_gaussian_sigma_gray(camera, dtype, sigma):
    img = as_dtype(camera, dtype)
    got = imfilt.gaussian(img, sigma)
    assert got.dtype == img.dtype and got.shape == img.shape
    assert_close(got, cv_gaussian(img, sigma), rtol=0, atol=tolerance(dtype),
                 context=f"gaussian sigma={sigma} {dtype} camera")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sigma", (0.6, 1.7, 4.0))
def test_gaussian_sigma_rgb(astronaut, dtype, sigma):
    img = as_dtype(astronaut, dtype)
    assert_close(imfilt.gaussian(img, sigma), cv_gaussian(img, sigma), rtol=0,
                 atol=tolerance(dtype), context=f"gaussian sigma={sigma} {dtype} astronaut")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sigma", ((0.7, 2.5), (3.0, 0.4), (1.0, 6.0), (5.5, 1.2)))
def test_gaussian_sigma_per_axis(coffee, dtype, sigma):
    img = as_dtype(coffee, dtype)
    assert_close(imfilt.gaussian(img, sigma), cv_gaussian(img, sigma), rtol=0,
                 atol=tolerance(dtype), context=f"gaussian sigma={sigma} (y, x) {dtype} coffee")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ksize", KSIZES)
def test_gaussian_ksize_fixed_tables(chelsea, dtype, ksize):
    img = as_dtype(chelsea, dtype)
    got = imfilt.gaussian(img, 0, ksize=ksize)
    assert_close(got, cv_gaussian(img, 0, ksize), rtol=0, atol=tolerance(dtype),
                 context=f"gaussian ksize={ksize} sigma=0 {dtype}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ksize,sigma", [((3, 9), 0), ((1, 7), 0), ((11, 5), 0),
                                         (7, 3.0), ((5, 13), (0.9, 2.2)), (21, 1.0),
                                         ((0, 9), (1.5, 0))])
def test_gaussian_ksize_and_sigma(camera, dtype, ksize, sigma):
    img = as_dtype(camera[100:300, 50:351], dtype)
    assert_close(imfilt.gaussian(img, sigma, ksize=ksize), cv_gaussian(img, sigma, ksize),
                 rtol=0, atol=tolerance(dtype),
                 context=f"gaussian ksize={ksize} sigma={sigma} {dtype}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("border", ALL_BORDERS)
@pytest.mark.parametrize("sigma", (1.2, 3.0))
def test_gaussian_borders_rgb(chelsea, dtype, border, sigma):
    img = as_dtype(chelsea[:120, :171], dtype)
    assert_close(imfilt.gaussian(img, sigma, border=border), cv_gaussian(img, sigma,
                                                                         border=border),
                 rtol=0, atol=tolerance(dtype),
                 context=f"gaussian border={border} sigma={sigma} {dtype}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("border", ALL_BORDERS)
def test_gaussian_borders_gray_ksize(camera, dtype, border):
    img = as_dtype(camera[:97, :133], dtype)
    got = imfilt.gaussian(img, 0, ksize=(5, 9), border=border)
    assert_close(got, cv_gaussian(img, 0, (5, 9), border=border), rtol=0, atol=tolerance(dtype),
                 context=f"gaussian ksize=(5, 9) border={border} {dtype}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("channels", (1, 3))
def test_gaussian_constant_cval(coffee, dtype, channels):
    img = as_dtype(coffee[:80, :111], dtype)
    if channels == 1:
        img = np.ascontiguousarray(img[:, :, 1])
    cval = cval_for(dtype)
    got = imfilt.gaussian(img, 2.0, border="constant", cval=cval)
    assert_close(got, cv_gaussian(img, 2.0, border="constant", cval=cval), rtol=0,
                 atol=tolerance(dtype), context=f"gaussian constant cval={cval} {dtype}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("channels", (1, 2, 4, 5, 7, 16))
def test_gaussian_channels(astronaut, dtype, channels):
    img = as_dtype(multichannel(astronaut[:150, :211], channels), dtype)
    if channels == 1:
        assert img.shape == (150, 211, 1)
    got = imfilt.gaussian(img, 1.6)
    assert got.shape == img.shape
    assert_close(got, cv_gaussian(img, 1.6), rtol=0, atol=tolerance(dtype),
                 context=f"gaussian {channels} channels {dtype}")


@pytest.mark.parametrize("border", ALL_BORDERS)
def test_gaussian_channels_5_borders(astronaut, border):
    img = multichannel(astronaut[:64, :77], 5)
    got = imfilt.gaussian(img, (2.0, 1.0), border=border, cval=99)
    assert_identical(got, cv_gaussian(img, (2.0, 1.0), border=border, cval=99),
                     context=f"gaussian 5 channels border={border}")


def test_gaussian_default_sigma_is_cv2_default(camera):
    # default arguments follow OpenCV: ksize and sigma rules
    img = camera[:64, :64]
    assert_identical(imfilt.gaussian(img, 1.0), cv2.GaussianBlur(img, (0, 0), 1.0),
                     context="defaults")


# =========================================================================== mean vs cv2
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size", MEAN_SIZES)
def test_mean_sizes_rgb(coffee, dtype, size):
    img = as_dtype(coffee[:200, :301], dtype)
    got = imfilt.mean(img, size)
    assert got.dtype == img.dtype and got.shape == img.shape
    assert_close(got, cv_mean(img, size), rtol=0, atol=tolerance(dtype, "mean"),
                 context=f"mean size={size} {dtype}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size", (1, 3, 4, 16, 17, 25, 31, (31, 9), (257, 1), (1, 257), (2, 1), 64))
def test_mean_sizes_gray(camera, dtype, size):
    img = as_dtype(camera, dtype)
    assert_close(imfilt.mean(img, size), cv_mean(img, size), rtol=0,
                 atol=tolerance(dtype, "mean"), context=f"mean size={size} {dtype} camera")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("border", ALL_BORDERS)
@pytest.mark.parametrize("size", (4, 17, (3, 8)))
def test_mean_borders(chelsea, dtype, border, size):
    img = as_dtype(chelsea[:90, :131], dtype)
    cval = cval_for(dtype)
    got = imfilt.mean(img, size, border=border, cval=cval)
    assert_close(got, cv_mean(img, size, border=border, cval=cval), rtol=0,
                 atol=tolerance(dtype, "mean"),
                 context=f"mean size={size} border={border} {dtype}")


@pytest.mark.parametrize("size", (3, 6, 17, (2, 31)))
def test_mean_wrap_is_copymakeborder_reference(camera, size):
    img = camera[:100, :150]
    kh, kw = (size, size) if np.isscalar(size) else size
    ref = wrap_reference(lambda a: cv2.blur(a, (kw, kh)), img, kh, kw)
    assert_identical(imfilt.mean(img, size, border="wrap"), ref, context=f"mean wrap size={size}")


def _cv_blur_wrap_padded(img, kh, kw):
    """cv2.blur on the copyMakeBorder(BORDER_WRAP) padding of the whole (multichannel) image,
    cropped: OpenCV's row tails then sit at the end of the padded rows."""
    t, left = kh // 2, kw // 2
    padded = cv2.copyMakeBorder(img, t, kh - 1 - t, left, kw - 1 - left, cv2.BORDER_WRAP)
    res = cv2.blur(padded, (kw, kh)).reshape(padded.shape)
    return res[t:t + img.shape[0], left:left + img.shape[1]]


@pytest.mark.parametrize("dtype", ("uint8", "uint16", "int16"))
def test_mean_wrap_row_tails_are_the_padded_rows(dtype):
    """Issue 14: OpenCV rounds the last (row samples mod 8 | 16) of each row differently; with
    border='wrap' that row is the padded one, so imfilt's image row end holds body samples
    (300x451 uint16, (2, 15): columns 448-450 were 1 off). Strip engine and folded kernels."""
    rng = np.random.default_rng(14)
    info = np.iinfo(dtype)
    shapes = [(300, 451), (40, 77, 3), (12, 9, 4), (9, 3, 3), (5, 1, 2), (3, 2), (2, 3, 3)]
    for shape in shapes:
        img = rng.integers(info.min, int(info.max) + 1, size=shape).astype(dtype)
        if dtype == "uint8":   # bright windows show the wrapping int32 tail
            img[rng.random(shape) < 0.6] = 255
        for size in ((2, 15), (1, 2), (2, 2), (3, 16), (17, 17), (2, 9), (1, 6), (2, 40),
                     (40, 3)):
            assert_identical(imfilt.mean(img, size, border="wrap"),
                         _cv_blur_wrap_padded(img, *size), context=f"mean wrap {shape} {size}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("channels", (1, 4, 5, 6))
def test_mean_channels(astronaut, dtype, channels):
    img = as_dtype(multichannel(astronaut[:120, :99], channels), dtype)
    tol = tolerance(dtype, "mean")
    if channels > 4 and np.dtype(dtype).kind in "ui":
        # cv2 has no blur beyond 4 channels: the reference filters channel groups, whose rows
        # end their 8-lane SIMD body elsewhere than imfilt's full interleaved row does, so
        # OpenCV's float32-body / double-tail rounding may differ by 1 there
        tol = max(tol, 1)
    assert_close(imfilt.mean(img, (5, 6)), cv_mean(img, (5, 6)), rtol=0, atol=tol,
                 context=f"mean {channels} channels {dtype}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("border", ALL_BORDERS)
@pytest.mark.parametrize("size", (3, (2, 7), 17, (1, 40)))
def test_mean_unnormalized_sums(chelsea, dtype, border, size):
    img = as_dtype(chelsea[:70, :93], dtype)
    got = imfilt.mean(img, size, normalize=False, border=border)
    want_dtype = np.int64 if np.dtype(dtype).kind in "ui" else np.float64
    assert got.dtype == want_dtype and got.shape == img.shape
    ref = cv_mean(img, size, border=border, normalize=False)
    tol = 0 if np.dtype(dtype).kind in "ui" else 1e-9
    assert_close(got, ref, rtol=0, atol=tol,
                 context=f"mean normalize=False size={size} border={border} {dtype}")


@pytest.mark.parametrize("dtype,size", [("uint8", (4, 4)), ("uint8", (1, 300)),
                                        ("uint8", (17, 17)), ("uint16", (1, 14)),
                                        ("uint16", (2, 7)), ("int16", (1, 14)),
                                        ("int16", (15, 20))])
@pytest.mark.parametrize("width", (5, 15, 47, 65))
def test_mean_rounding_every_column(dtype, size, width):
    """Random data has many sums whose quotient is near x.5, so every column's rounding rule
    (including the columns at the right edge of each row) is exercised."""
    rng = np.random.default_rng(width)
    info = np.iinfo(dtype)
    img = rng.integers(max(int(info.min), -30000), min(int(info.max), 30000) + 1,
                       size=(300, width)).astype(dtype)
    assert_identical(imfilt.mean(img, size), cv_mean(img, size),
                     context=f"mean size={size} width={width} {dtype}")


@pytest.mark.parametrize("pixels,dtype,size,expected", [
    # cv2 scales the last (W*C) % 8 elements of each row in double, the rest in float32:
    # a 1-pixel-wide image is all "tail", so the quotient is rounded from the double product.
    # sum 415389: double 415389 * (1/26) = 15976.5 -> 15976 (half to even);
    # float32 gives 15976.502 -> 15977
    ((22978, 8975), "int16", (2, 13), 15976),
    # sum 4350: double 4350 * (1/300) = 14.500000000000002 -> 15; float32 gives 14.5 -> 14
    ((14, 15), "uint8", (2, 150), 15),
])
def test_mean_minimal_rounding_cases(pixels, dtype, size, expected):
    img = np.array(pixels, dtype).reshape(2, 1)
    kh, kw = size
    assert np.all(cv2.blur(img, (kw, kh)) == expected)      # what OpenCV returns
    assert_identical(imfilt.mean(img, size), np.full((2, 1), expected, dtype),
                     context=f"mean {img.ravel().tolist()} {dtype} size={size}")


@pytest.mark.parametrize("width", (7, 16, 17, 31, 40, 65, 100))
@pytest.mark.parametrize("size,channels", [((1, 2), 1), ((2, 1), 1), ((1, 2), 3), ((2, 1), 4)])
def test_mean_8bit_overflow_body_and_tail(width, size, channels):
    """OpenCV's 8-bit box rounding of a 1x2 window of 255s: (510 + 2) * 2^22 = 2^31 gives 255
    in its uint32 SIMD body and wraps to 0 in its int32 scalar tail (the last n % 16 samples
    of each row). Saturated stays saturated only where OpenCV says so."""
    img = np.full((6, width, channels), 255, np.uint8).squeeze()
    kh, kw = size
    ref = cv2.blur(img, (kw, kh))
    assert_identical(imfilt.mean(img, size), ref,
                     context=f"255s width={width} {size} C={channels}")
    # the same rows on a real photograph's saturated areas
    assert_identical(imfilt.mean(img[::-1], size), ref[::-1], context="negative stride")


def test_box8_mulhi_equals_opencv_rounding_on_every_sum():
    """The 16-bit restatement of OpenCV's 8-bit box rounding (one multiply-high per lane) is
    found for every area the integer trick serves, and equals it on every possible window sum,
    checked exhaustively here (the helper itself only compares the step positions)."""
    from imfilt.smooth import _mean_plan
    for area in range(2, 257):
        rule = _mean_plan("B", 1, area, True)[1]
        d, m = rule["box_delta"], rule["box_mul"]
        m16, sh = rule["box_mul16"], rule["box_shift16"]
        assert m16 > 0, f"area {area}: no 16-bit form"
        t = np.arange(255 * area + 1, dtype=np.int64) + d
        assert t[-1] < 2 ** 16
        assert_identical(np.minimum((t * m16) >> (16 + sh), 255), np.minimum((t * m) >> 23, 255),
                         context=f"area {area}")


def test_mean_unnormalized_no_overflow():
    img = np.full((40, 50), 65535, np.uint16)
    s = imfilt.mean(img, 31, normalize=False)
    assert s.dtype == np.int64 and np.all(s == 65535 * 31 * 31)
    img = np.full((40, 50), -32768, np.int16)
    assert np.all(imfilt.mean(img, (40, 9), normalize=False) == -32768 * 40 * 9)


# =========================================================================== NumPy references
@pytest.mark.parametrize("sigma,ksize", [(1.0, 0), (2.3, 0), (0, 7), ((0.8, 3.1), 0)])
def test_numpy_reference_matches_cv2(camera, sigma, ksize):
    """The plain NumPy references reproduce cv2 (so they are valid references)."""
    img8 = camera[:60, :70]
    assert_identical(np_gaussian_fixed(img8, sigma, ksize, "reflect101"),
                 cv_gaussian(img8, sigma, ksize), context="numpy gaussian u8 vs cv2")
    img16 = as_dtype(img8, np.uint16)
    assert_identical(np_gaussian_fixed(img16, sigma, ksize, "reflect101"),
                 cv_gaussian(img16, sigma, ksize), context="numpy gaussian u16 vs cv2")
    for size in ((3, 3), (2, 7), (17, 17), (16, 16), (1, 300)):
        assert_identical(np_box_mean(img8, *size, "reflect"), cv_mean(img8, size, "reflect"),
                         context=f"numpy box u8 {size} vs cv2")
        for img in (img16, as_dtype(img8, np.int16)):
            assert_identical(np_box_mean(img, *size, "replicate"),
                         cv_mean(img, size, "replicate"), context=f"numpy box {img.dtype} {size}")


@pytest.mark.parametrize("border", ALL_BORDERS)
def test_numpy_padding_matches_copymakeborder(border):
    img = np.arange(1, 4, dtype=np.int64).reshape(1, 3)
    for n in (1, 2, 3):
        line = img[:, :n].astype(np.uint8)
        for k in (3, 7, 15):
            ref = cv2.copyMakeBorder(line, 0, 0, k // 2, k - 1 - k // 2,
                                     {"reflect101": cv2.BORDER_REFLECT_101,
                                      "reflect": cv2.BORDER_REFLECT,
                                      "replicate": cv2.BORDER_REPLICATE,
                                      "constant": cv2.BORDER_CONSTANT,
                                      "wrap": cv2.BORDER_WRAP}[border], value=9)
            got = np_pad(line, 1, k, border, cval=9)
            assert_identical(got, ref.astype(np.int64), context=dict(border=border, n=n, k=k))


def _small_images(draw, dtype, max_side=12, max_height=None):
    h = draw(st.integers(1, max_height or max_side))
    w = draw(st.integers(1, max_side))
    c = draw(st.sampled_from((0, 1, 3)))
    shape = (h, w) if c == 0 else (h, w, c)
    seed = draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng(seed)
    info = np.iinfo(dtype)
    kind = draw(st.sampled_from(("random", "extremes", "smooth")))
    if kind == "random":
        return rng.integers(info.min, int(info.max) + 1, size=shape).astype(dtype)
    if kind == "extremes":
        return rng.choice(np.array([info.min, info.max], dtype), size=shape)
    base = rng.integers(info.min, int(info.max) + 1)
    return np.clip(base + rng.integers(-3, 4, size=shape), info.min, info.max).astype(dtype)


@st.composite
def gaussian_cases(draw):
    dtype = draw(st.sampled_from((np.uint8, np.uint16)))
    img = _small_images(draw, dtype)
    border = draw(st.sampled_from(ALL_BORDERS))
    if draw(st.booleans()):
        sigma = (draw(st.floats(0.3, 4.0)), draw(st.floats(0.3, 4.0)))
        ksize = 0
    else:
        ksize = (draw(st.sampled_from((1, 3, 5, 7, 9, 11, 13))),
                 draw(st.sampled_from((1, 3, 5, 7, 9, 11, 13))))
        sigma = draw(st.sampled_from((0.0, 0.7, 2.5)))
    cval = int(draw(st.integers(0, int(np.iinfo(dtype).max))))
    return img, sigma, ksize, border, cval


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gaussian_cases())
def test_gaussian_fixed_point_vs_numpy(case):
    img, sigma, ksize, border, cval = case
    got = imfilt.gaussian(img, sigma, ksize=ksize or None, border=border, cval=cval)
    ref = np_gaussian_fixed(img, sigma, ksize, border, cval)
    assert_identical(got, ref, context=f"gaussian {img.dtype} {img.shape} sigma={sigma} "
                                       f"ksize={ksize} border={border} cval={cval}")


@st.composite
def box_cases(draw):
    dtype = draw(st.sampled_from((np.uint8, np.uint8, np.uint16, np.int16)))
    img = _small_images(draw, dtype, max_height=48)
    size = (draw(st.integers(1, 20)), draw(st.integers(1, 20)))
    border = draw(st.sampled_from(ALL_BORDERS))
    info = np.iinfo(dtype)
    cval = int(draw(st.integers(int(info.min), int(info.max))))
    return img, size, border, cval


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(box_cases())
def test_box_vs_numpy(case):
    img, size, border, cval = case
    what = f"mean {img.dtype} {img.shape} size={size} border={border} cval={cval}"
    sums = imfilt.mean(img, size, normalize=False, border=border, cval=cval)
    assert_identical(sums, np_box_sum(img, *size, border, cval), context=what + " normalize=False")
    got = imfilt.mean(img, size, border=border, cval=cval)
    assert_identical(got, np_box_mean(img, *size, border, cval), context=what)


# =========================================================================== edge cases
TINY_SHAPES = ((1, 1), (1, 2), (2, 1), (1, 9), (9, 1), (2, 3), (3, 2), (5, 7), (1, 1, 3),
               (2, 5, 3), (6, 1, 4))


def _tiny(shape, dtype):
    rng = np.random.default_rng(sum(shape))
    return as_dtype(rng.integers(0, 256, size=shape).astype(np.uint8), dtype)


@pytest.mark.parametrize("dtype", ("uint8", "uint16", "int16", "float32"))
@pytest.mark.parametrize("border", ALL_BORDERS)
@pytest.mark.parametrize("shape", TINY_SHAPES)
def test_gaussian_tiny_and_kernel_larger_than_image(shape, border, dtype):
    img = _tiny(shape, dtype)
    cvals = (0, cval_for(dtype)) if border == "constant" else (0,)  # 0: cv2 directly
    for cval in cvals:
        for sigma, ksize in ((1.0, None), (3.0, None), (0, 15), ((5.0, 0.5), None)):
            got = imfilt.gaussian(img, sigma, ksize=ksize, border=border, cval=cval)
            ref = cv_gaussian(img, sigma, ksize or 0, border=border, cval=cval)
            assert_close(got, ref, rtol=0, atol=tolerance(dtype),
                         context=f"gaussian {shape} sigma={sigma} ksize={ksize} "
                                 f"border={border} cval={cval} {dtype}")


def test_gaussian_int16_issue_case():
    """cv2 filters int16 in float32 with float kernels: the fixed-point kernel was 2 off here."""
    img = np.array([[11192, 19988, -31284, 20181, -2042, 1004, 8535]], np.int16)
    assert imfilt.gaussian(img, 0, ksize=15)[0, 6] == cv2.GaussianBlur(img, (15, 15), 0)[0, 6]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sigma,ksize", [(1e-300, None), (5e-324, None), (1e-160, None),
                                         (1e-300, 5), ((1e-300, 2.0), None),
                                         ((2.0, 5e-324), 7)])
def test_gaussian_sigma_whose_square_underflows(camera, dtype, sigma, ksize):
    """cv2's kernel for such a sigma is the centre tap alone (the image, for ksize 1)."""
    img = as_dtype(camera[:23, :31], dtype)
    got = imfilt.gaussian(img, sigma, ksize=ksize)
    assert_close(got, cv_gaussian(img, sigma, ksize or 0), rtol=0, atol=tolerance(dtype),
                 context=f"gaussian sigma={sigma} ksize={ksize}")
    if np.isscalar(sigma):
        assert_identical(got, img, context=f"gaussian sigma={sigma} ksize={ksize}")


@pytest.mark.parametrize("border", ALL_BORDERS)
def test_gaussian_int16_full_range_within_1(border):
    """Full-range int16 noise (the worst case for kernel rounding), thin, small and 300x400
    images, every odd ksize 3..31: within 1 of cv2 (which sums in float32)."""
    rng = np.random.default_rng(14)
    shapes = [(1, 7), (7, 1), (2, 9), (5, 3), (13, 17), (3, 40, 2), (300, 400)]
    worst = 0
    for shape in shapes:
        img = rng.integers(-32768, 32768, size=shape).astype(np.int16)
        for ksize in range(3, 33, 2) if shape != (300, 400) else (3, 11, 21, 31):
            for sigma in (0, ksize / 5):
                cval = -20000 if border == "constant" else 0
                got = imfilt.gaussian(img, sigma, ksize=ksize, border=border, cval=cval)
                ref = cv_gaussian(img, sigma, ksize, border=border, cval=cval)
                worst = max(worst, int(np.abs(got.astype(np.int32) - ref).max()))
    assert worst <= 1, f"int16 gaussian {border}: max |imfilt - cv2| = {worst}"


@pytest.mark.parametrize("dtype", ("uint8", "int16", "float64"))
@pytest.mark.parametrize("border", ALL_BORDERS)
@pytest.mark.parametrize("shape", TINY_SHAPES)
def test_mean_tiny_and_kernel_larger_than_image(shape, border, dtype):
    img = _tiny(shape, dtype)
    cvals = (0, cval_for(dtype)) if border == "constant" else (0,)  # 0: cv2 directly
    for cval in cvals:
        for size in (3, 4, 15, (20, 1), (1, 33), 25):
            got = imfilt.mean(img, size, border=border, cval=cval)
            ref = cv_mean(img, size, border=border, cval=cval)
            assert_close(got, ref, rtol=0, atol=tolerance(dtype, "mean"),
                         context=f"mean {shape} size={size} border={border} cval={cval} {dtype}")


def test_huge_kernel_on_tiny_image():
    """DESIGN/issue: a huge size on a tiny image returns quickly and correctly."""
    img = (np.arange(12, dtype=np.uint8).reshape(3, 4) * 20)
    assert_identical(imfilt.mean(img, 1001), cv2.blur(img, (1001, 1001)),
                     context="mean 1001 on 3x4")
    assert_identical(imfilt.gaussian(img, 300.0), cv2.GaussianBlur(img, (0, 0), 300.0),
                     context="gaussian sigma=300 on 3x4")
    # 20001 x 20001 window on a 3x4 image: cv2 answers in ~0.1 s
    assert_identical(imfilt.mean(img, 20001), cv2.blur(img, (20001, 20001)),
                     context="mean 20001 on 3x4")


@pytest.mark.parametrize("dtype", ("uint8", "uint16", "int16"))
@pytest.mark.parametrize("size", ((181, 181), (182, 181), (256, 257), (1, 40000), (300, 300)))
def test_mean_large_areas_sum_in_double(dtype, size):
    """cv2 sums windows above 2**15 (uint16) / 2**16 (int16) / 2**23 (uint8) samples in double
    and rounds the double product on the whole row (no float32 body)."""
    rng = np.random.default_rng(size[0])
    info = np.iinfo(dtype)
    img = rng.integers(info.min, int(info.max) + 1, size=(300, 403)).astype(dtype)
    assert_identical(imfilt.mean(img, size), cv_mean(img, size), context=f"mean {dtype} {size}")


def _box_counts(n, k, border):
    """counts[x, c]: how many taps of a k-box anchored at k // 2 over output x read pixel c
    (plain NumPy over all k positions), and how many read the constant."""
    counts = np.zeros((n, n), np.int64)
    outside = np.zeros(n, np.int64)
    for x in range(n):
        idx = border_index(np.arange(x - k // 2, x - k // 2 + k), n, border)
        counts[x] = np.bincount(idx[idx >= 0], minlength=n)
        outside[x] = np.count_nonzero(idx < 0)
    return counts, outside


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("border", ALL_BORDERS)
def test_mean_window_of_a_million_on_a_small_image(dtype, border):
    """README: a kernel much larger than a small image is folded and stays exact: a
    (10**6 + 1)-box on 8x8 (cv2.blur takes minutes and overflows there) against exact integer
    sums (Python ints) and OpenCV's double rounding for such areas."""
    k = 10**6 + 1
    rng = np.random.default_rng(7)
    img = as_dtype(rng.integers(0, 256, (8, 7, 2)).astype(np.uint8), dtype)
    cval = cval_for(dtype) if border == "constant" else 0
    cy, oy = _box_counts(8, k, border)
    cx, ox = _box_counts(7, k, border)
    x = img.astype(object) if dtype not in ("float32", "float64") else img.astype(np.float64)
    cval_v = float(cval) if img.dtype.kind == "f" else int(cval)
    sums = np.einsum("yr,xc,rch->yxh", cy.astype(object), cx.astype(object), x)
    inside = np.outer(k - oy, k - ox).astype(object)
    sums = sums + (k * k - inside)[:, :, None] * cval_v
    got_sums = imfilt.mean(img, k, border=border, cval=cval, normalize=False)
    got = imfilt.mean(img, k, border=border, cval=cval)
    if img.dtype.kind == "f":
        assert_close(got_sums, sums.astype(np.float64), rtol=1e-12, atol=0, context="sums")
        assert_close(got, (sums / (k * k)).astype(np.float64), rtol=1e-6, atol=0,
                     context="means")
        return
    assert_identical(got_sums, sums.astype(np.int64), context="sums")
    info = np.iinfo(img.dtype)
    ref = np.clip(np.rint(sums.astype(np.float64) * (1.0 / (k * k))), info.min, info.max)
    assert_identical(got, ref.astype(img.dtype), context="means")


def test_huge_windows_bounded_by_work_not_size():
    img = np.arange(12, dtype=np.uint16).reshape(3, 4) * 5000
    # a (1, 2**40) row box on a 3x4 image is 4 columns' worth of work
    row = imfilt.mean(img, (1, 2**40), border="wrap", normalize=False)
    assert_identical(row, np.repeat(img.astype(np.int64).sum(1, keepdims=True) * (2**40 // 4),
                                    4, axis=1))
    with pytest.raises(ValueError, match="size"):
        imfilt.mean(img, 2**40)           # 2**80 samples: beyond exact int64 sums
    with pytest.raises(ValueError, match="size"):
        imfilt.mean(np.zeros((1, 3000), np.uint8), 70000)   # not a small image: the strip engine


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("width", (1, 15, 17, 31, 33, 63, 65, 127, 129))
def test_odd_widths(astronaut, dtype, width):
    """Widths around SIMD vector lengths (tails)."""
    img = as_dtype(astronaut[:23, :width], dtype)
    assert_close(imfilt.gaussian(img, 1.5), cv_gaussian(img, 1.5), rtol=0, atol=tolerance(dtype),
                 context=f"gaussian width {width} {dtype}")
    assert_close(imfilt.mean(img, 5), cv_mean(img, 5), rtol=0, atol=tolerance(dtype, "mean"),
                 context=f"mean width {width} {dtype}")
    gray = np.ascontiguousarray(img[:, :, 0])
    assert_close(imfilt.gaussian(gray, 0.9), cv_gaussian(gray, 0.9), rtol=0, atol=tolerance(dtype),
                 context=f"gaussian gray width {width} {dtype}")


def _layouts(img):
    """Equivalent views of (copies of) img in unusual memory layouts: name -> (view, dense)."""
    out = {}
    big = np.concatenate([img, img], axis=1)
    out["negative strides"] = (img[::-1, ::-1].copy()[::-1, ::-1], img)
    flipped = np.ascontiguousarray(img[::-1, ::-1])
    out["flipped view"] = (flipped[::-1, ::-1], img)
    out["fortran"] = (np.asfortranarray(img), img)
    out["column step 2"] = (big[:, ::2], np.ascontiguousarray(big[:, ::2]))
    out["row step 3"] = (big[::3], np.ascontiguousarray(big[::3]))
    out["sub-rectangle"] = (big[3:-4, 5:-6], np.ascontiguousarray(big[3:-4, 5:-6]))
    if img.ndim == 3:
        out["channel reversed"] = (img[:, :, ::-1], np.ascontiguousarray(img[:, :, ::-1]))
        out["one channel of rgb"] = (img[:, :, 1], np.ascontiguousarray(img[:, :, 1]))
    if img.dtype.itemsize > 1:
        be = img.astype(img.dtype.newbyteorder(">"))
        out["big-endian"] = (be, img)
    ro = img.copy()
    ro.setflags(write=False)
    out["read-only"] = (ro, img)
    return out


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("channels", (1, 3))
def test_memory_layouts(chelsea, dtype, channels):
    img = as_dtype(chelsea[:61, :83], dtype)
    if channels == 1:
        img = np.ascontiguousarray(img[:, :, 2])
    for name, (view, dense) in _layouts(img).items():
        assert_identical(np.asarray(view, dense.dtype), dense, context=name)
        for fn, args, kw in ((imfilt.gaussian, (1.7,), {}), (imfilt.gaussian, (0,),
                                                             {"ksize": (3, 7)}),
                             (imfilt.mean, (6,), {}), (imfilt.mean, ((3, 5),),
                                                   {"border": "wrap"})):
            got = fn(view, *args, **kw)
            want = fn(dense, *args, **kw)
            assert got.shape == dense.shape, name
            assert got.dtype.newbyteorder("=") == np.dtype(dtype), (name, got.dtype)
            assert_identical(got, want, context=f"{fn.__name__} {name} {dtype}")
        # and the layouts still agree with cv2
        assert_close(imfilt.gaussian(view, 1.7), cv_gaussian(dense, 1.7), rtol=0,
                     atol=tolerance(dtype), context=f"gaussian {name} {dtype} vs cv2")
        if name != "read-only":
            assert_identical(np.asarray(view, dense.dtype), dense,
                             context=f"{name}: input modified")


@pytest.mark.parametrize("dtype", DTYPES)
def test_out_argument(coffee, dtype):
    img = as_dtype(coffee[:50, :71], dtype)
    ref = imfilt.gaussian(img, 2.0)
    out = np.empty_like(img)
    res = imfilt.gaussian(img, 2.0, out=out)
    assert res is out
    assert_identical(out, ref, context="out=")
    # a non-contiguous out (every other column of a bigger buffer)
    buf = np.zeros((50, 142, 3), img.dtype)
    res = imfilt.gaussian(img, 2.0, out=buf[:, ::2])
    assert_identical(buf[:, ::2], ref, context="strided out")
    assert np.all(buf[:, 1::2] == 0), "strided out wrote outside its view"
    # mean normalize=False into an int64/float64 out
    sums_ref = imfilt.mean(img, 4, normalize=False)
    sums = np.empty(img.shape, sums_ref.dtype)
    assert imfilt.mean(img, 4, normalize=False, out=sums) is sums
    assert_identical(sums, sums_ref, context="mean sums out=")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ("gaussian", "mean", "mean_wrap"))
def test_out_aliases_input(astronaut, dtype, op):
    img = as_dtype(astronaut[:80, :97], dtype)
    fn = {"gaussian": lambda a, **k: imfilt.gaussian(a, 3.0, **k),
          "mean": lambda a, **k: imfilt.mean(a, 9, **k),
          "mean_wrap": lambda a, **k: imfilt.mean(a, (4, 11), border="wrap", **k)}[op]
    ref = fn(img.copy())
    work = img.copy()
    res = fn(work, out=work)
    assert res is work
    assert_identical(work, ref, context=f"{op} out=input {dtype}")
    # partial overlap: out is the input shifted by one row inside one buffer
    buf = np.concatenate([img, img[:1]], axis=0)
    src, dst = buf[:-1], buf[1:]
    ref2 = fn(src.copy())
    fn(src, out=dst)
    assert_identical(dst, ref2, context=f"{op} overlapping out {dtype}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", ((0, 5), (5, 0), (0, 0), (0, 4, 3), (3, 0, 3), (4, 4, 0)))
def test_empty_images(dtype, shape):
    img = np.zeros(shape, dtype)
    for res in (imfilt.gaussian(img, 1.0), imfilt.gaussian(img, 0, ksize=5, border="wrap"),
                imfilt.mean(img, 3), imfilt.mean(img, 4, border="wrap")):
        assert res.shape == shape and res.dtype == img.dtype
    s = imfilt.mean(img, 3, normalize=False)
    assert s.shape == shape


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("border", ALL_BORDERS)
def test_constant_stays_constant(dtype, border):
    value = {"uint8": 77, "uint16": 40000, "int16": -12345, "float32": 0.3,
             "float64": 0.3}[dtype]
    img = np.full((37, 41, 3), value, dtype)
    tol = 0 if np.dtype(dtype).kind in "ui" else (1e-6 if dtype == "float32" else 1e-14)
    cval = value if border == "constant" else 0
    for sigma in (0.5, 1.0, 2.0, 6.0, (0.4, 9.0)):
        assert_close(imfilt.gaussian(img, sigma, border=border, cval=cval), img, rtol=0, atol=tol,
                     context=f"constant gaussian sigma={sigma} {border} {dtype}")
    for k in (1, 7, 9, (9, 1), 25, 31):
        assert_close(imfilt.gaussian(img, 0, ksize=k, border=border, cval=cval), img, rtol=0,
                     atol=tol, context=f"constant gaussian ksize={k} {border} {dtype}")
    for size in (2, 3, 16, 17, 31, (1, 40), 60):
        assert_close(imfilt.mean(img, size, border=border, cval=cval), img, rtol=0, atol=tol,
                     context=f"constant mean size={size} {border} {dtype}")


@pytest.mark.parametrize("dtype,value", (("uint8", 255), ("uint16", 65535), ("int16", 32767),
                                         ("int16", -32768)))
def test_saturated_stays_saturated(dtype, value):
    img = np.full((33, 47), value, dtype)
    for sigma in (0.3, 0.8, 1.0, 2.0, 3.3, 7.0):
        assert np.all(imfilt.gaussian(img, sigma) == value), f"gaussian sigma={sigma}"
    for k in (3, 5, 7, 9, 11, 15):
        assert np.all(imfilt.gaussian(img, 0, ksize=k) == value), f"gaussian ksize={k}"
    for size in (2, 3, 5, 15, 16, 17, 31, 40):
        assert np.all(imfilt.mean(img, size) == value), f"mean size={size}"


# =========================================================================== threads
@pytest.fixture(scope="module")
def full_hd(astronaut):
    return cv2.resize(astronaut, (1920, 1080), interpolation=cv2.INTER_LINEAR)


@pytest.mark.parametrize("dtype", DTYPES)
def test_threads_bit_identical(full_hd, dtype):
    gray = as_dtype(np.ascontiguousarray(full_hd[:, :, 1]), dtype)
    for fn, args, kw in ((imfilt.gaussian, (2.0,), {}),
                         (imfilt.gaussian, ((0.9, 4.5),), {"border": "wrap"}),
                         (imfilt.mean, (5,), {}),
                         (imfilt.mean, (31,), {"border": "reflect"}),
                         (imfilt.mean, ((4, 9),), {"normalize": False})):
        one = fn(gray, *args, threads=1, **kw)
        two = fn(gray, *args, threads=2, **kw)
        three = fn(gray, *args, threads=3, **kw)
        assert_identical(one, two, context=f"{fn.__name__}{args}{kw} {dtype}: 1 vs 2 threads")
        assert_identical(one, three, context=f"{fn.__name__}{args}{kw} {dtype}: 1 vs 3 threads")


@pytest.mark.parametrize("dtype", ("uint8", "float32"))
def test_threads_bit_identical_rgb(full_hd, dtype):
    img = as_dtype(full_hd, dtype)
    one = imfilt.gaussian(img, 2.0, threads=1)
    assert_identical(one, imfilt.gaussian(img, 2.0, threads=2), context="2 threads")
    assert_identical(one, imfilt.gaussian(img, 2.0), context="threads=None: all cores")
    if dtype == "uint8":
        assert_identical(one, cv2.GaussianBlur(img, (0, 0), 2.0), context="1080p RGB vs cv2")


# =========================================================================== SIMD levels
simd_results = results_fixture("smooth")


def test_simd_levels_report_requested_level(simd_results):
    assert "baseline" in simd_results
    for level, (info, _) in simd_results.items():
        assert info["isa_active"] == level, (level, info)
        assert info["isa_requested"] == level


def test_simd_levels_agree(simd_results):
    for level, res, base in each_level(simd_results):
        for key, ref in base.items():
            got = res[key]
            if ref.dtype.kind in "ui":
                assert_identical(got, ref, context=f"{level} vs baseline: {key}")
            else:
                tol = 1e-5 if ref.dtype == np.float32 else 1e-12
                assert_close(got, ref, rtol=0, atol=tol, context=f"{level} vs baseline: {key}")


def test_simd_float_results_do_not_depend_on_position(simd_results):
    """Row tails take the vector body's rounding (fused multiply-adds where the level has
    FMA): a sample's bits do not depend on the image width."""
    for level, (_, res) in simd_results.items():
        for key, moved in res.items():
            if key.startswith("position/"):
                assert moved[0] == 0, f"{level}: {key}: {moved[0]} samples changed with the width"


def test_simd_levels_match_cv2(simd_results):
    """Every level, not just the default one, is exact with OpenCV for uint8/uint16."""
    photo = __import__("skimage.data").data.astronaut()[:83, :517]
    for level, (_, res) in simd_results.items():
        assert_identical(res["uint8/rgb/g1.5/reflect101"], cv2.GaussianBlur(photo, (0, 0), 1.5),
                         context=f"{level}: uint8 gaussian vs cv2")
        assert_identical(res["uint8/rgb/m17"], cv2.blur(photo, (17, 17)),
                         context=f"{level}: uint8 mean 17 vs cv2")
        assert_identical(res["uint8/gray/m(2, 7)"],
                         cv2.blur(np.ascontiguousarray(photo[:, :, 0]), (7, 2)),
                         context=f"{level}: uint8 mean (2, 7) vs cv2")


def test_unknown_imfilt_cpu_fails_clearly():
    env = dict(os.environ, IMFILT_CPU="pentium4-turbo")
    # cwd outside the checkout: `-c` puts the cwd first on sys.path
    proc = subprocess.run([sys.executable, "-c", "import imfilt"], env=env,
                          cwd=tempfile.gettempdir(), capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert "IMFILT_CPU" in last and "pentium4-turbo" in last, proc.stderr[-2000:]
    assert "baseline" in last, f"the message should list the valid levels: {last}"
