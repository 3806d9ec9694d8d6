"""imfilt.sobel, scharr, laplacian, sep_filter2d and filter2d(dtype=) against OpenCV: every
(input, output, ksize, order) and border on small images, the main cases on photographs, edge
cases, layouts, threads and SIMD levels.

Tolerances: integer outputs are bit-identical at scale=1, delta=0 wherever OpenCV's own sums
are exact (uint8 input, or every sum below 2**24); with other scale / delta both libraries sum
float32 products in different orders and round half to even, so they agree within 1. Float
outputs: both sum the same products in float32 (float64) in different orders, so they differ
by a few ulps of the sum of the products' magnitudes -- not of the result, which cancels --
hence the tolerance is rtol times that magnitude (filter |image| with |kernels|)."""
from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest

import imfilt
from _assert import assert_close, assert_identical
from simd_levels import each_level, results_fixture

CV_DEPTH = {"uint8": cv2.CV_8U, "uint16": cv2.CV_16U, "int16": cv2.CV_16S,
            "float32": cv2.CV_32F, "float64": cv2.CV_64F}
OUTPUTS = {"uint8": ("uint8", "int16", "float32", "float64"),
           "uint16": ("uint16", "float32", "float64"), "int16": ("int16", "float32", "float64"),
           "float32": ("float32", "float64"), "float64": ("float64",)}
CV_BORDER = {"reflect101": cv2.BORDER_REFLECT_101, "reflect": cv2.BORDER_REFLECT,
             "replicate": cv2.BORDER_REPLICATE, "constant": cv2.BORDER_CONSTANT,
             "wrap": cv2.BORDER_WRAP}
SOBEL_CASES = [(k, dy, dx) for k in (1, 3, 5, 7) for dy, dx in
               ((0, 1), (1, 0), (1, 1), (2, 0), (0, 2), (2, 1))] + [(-1, 0, 1), (-1, 1, 0)]
RTOL = {"float32": 2e-6, "float64": 1e-14}
RNG = np.random.default_rng(17)


def small(dtype, shape=(19, 23, 3)):
    """A random image spanning the dtype (floats: about +-100)."""
    if dtype in ("float32", "float64"):
        return (RNG.standard_normal(shape) * 100).astype(dtype)
    info = np.iinfo(dtype)
    return RNG.integers(info.min, int(info.max) + 1, shape).astype(dtype)


def cv_padded(fn, img, r, border, cval=0):
    """cv2 on a copyMakeBorder padding of r pixels, cropped: the reference for wrap and for a
    nonzero cval (cv2's derivatives take neither)."""
    p = cv2.copyMakeBorder(img, r, r, r, r, CV_BORDER[border], value=[cval] * 4)
    res = fn(p)
    return res[r:r + img.shape[0], r:r + img.shape[1]]


def cv_call(fn, img, border, r):
    if border == "wrap":
        return cv_padded(lambda p: fn(p, cv2.BORDER_REFLECT_101), img, r, border)
    return fn(img, CV_BORDER[border])


def magnitude(img, terms):
    """sum over terms of |ky| (x) |kx| correlated with |img| in float64: the scale of the
    rounding errors of a float sum of these products."""
    a = np.abs(img.astype(np.float64))
    return sum(cv2.sepFilter2D(a, cv2.CV_64F, np.abs(kx), np.abs(ky),
                               borderType=cv2.BORDER_REFLECT_101) for ky, kx in terms)


def bound(img, terms):
    return float(np.max(magnitude(np.full((1, 1), np.abs(img).max()), terms)))


def check(got, ref, img, terms, exact, context, rtol=None):
    """got against cv2's ref: identical when exact; integers within 1; floats within RTOL of
    the products' magnitude (module docstring)."""
    assert got.dtype == ref.dtype and got.shape == ref.shape, context
    if exact:
        assert_identical(got, ref, context=context)
    elif got.dtype.kind in "ui":
        assert_close(got, ref, rtol=0, atol=1, context=context)
    else:
        mag = magnitude(img, terms).reshape(ref.shape)
        err = np.abs(got.astype(np.float64) - ref.astype(np.float64))
        rtol = RTOL[got.dtype.name] if rtol is None else rtol
        worst = float(np.max(err - rtol * mag - 1e-30))
        assert worst <= 0, f"{context}: error beyond {rtol} x magnitude"


def sobel_terms(dy, dx, k):
    kx, ky = cv2.getDerivKernels(dx, dy, k)
    return [(ky.ravel(), kx.ravel())]


def int_exact(src, img, terms):
    """OpenCV's integer result is exact: uint8 input, or every sum below 2**24."""
    return src == "uint8" or bound(img, terms) < 2 ** 24


# ------------------------------------------------------------------- every combination, small
@pytest.mark.parametrize("src", list(OUTPUTS))
@pytest.mark.parametrize("border", list(CV_BORDER))
def test_sobel_matrix(src, border):
    img = small(src)
    for dst, (k, dy, dx) in itertools.product(OUTPUTS[src], SOBEL_CASES):
        got = imfilt.sobel(img, dy=dy, dx=dx, ksize=k, dtype=dst, border=border)
        ref = cv_call(lambda a, b: cv2.Sobel(a, CV_DEPTH[dst], dx, dy, ksize=k, borderType=b),
                      img, border, 4)
        terms = sobel_terms(dy, dx, k)
        exact = np.dtype(dst).kind in "ui" and int_exact(src, img, terms)
        check(got, ref, img, terms, exact, f"sobel {src}->{dst} k={k} dy={dy} dx={dx} {border}")


@pytest.mark.parametrize("src", list(OUTPUTS))
def test_sobel_scale_delta(src):
    img = small(src)
    for dst, (k, dy, dx) in itertools.product(OUTPUTS[src], SOBEL_CASES[::3]):
        for scale, delta in ((0.5, 3.25), (2.0, -7.0), (1 / 3, 0.5)):
            got = imfilt.sobel(img, dy=dy, dx=dx, ksize=k, scale=scale, delta=delta, dtype=dst)
            ref = cv2.Sobel(img, CV_DEPTH[dst], dx, dy, ksize=k, scale=scale, delta=delta)
            terms = [(ky * scale, kx) for ky, kx in sobel_terms(dy, dx, k)]
            check(got, ref, img, terms, False, f"sobel {src}->{dst} k={k} scale={scale}")


@pytest.mark.parametrize("src", list(OUTPUTS))
def test_laplacian_matrix(src):
    img = small(src)
    for dst, k, border in itertools.product(OUTPUTS[src], (1, 3, 5, 7), CV_BORDER):
        for scale, delta in ((1, 0), (0.5, 2.5)):
            def fn(a, b):
                if k <= 3 and src == "float32" and dst == "float64":
                    a = a.astype(np.float64)  # cv2's filter2D refuses float32 -> float64
                return cv2.Laplacian(a, CV_DEPTH[dst], ksize=k, scale=scale, delta=delta,
                                     borderType=b)
            got = imfilt.laplacian(img, ksize=k, dtype=dst, border=border, scale=scale,
                                   delta=delta)
            ref = cv_call(fn, img, border, 4)
            if k <= 3:
                kd = np.array([1.0, -2, 1]) * (1 if k == 1 else 2)
                terms = [(np.ones(3), np.abs(kd) * scale)] * 2
            else:
                kx2, ky2 = cv2.getDerivKernels(2, 0, k)
                terms = [(ky2.ravel() * scale, kx2.ravel()), (kx2.ravel() * scale, ky2.ravel())]
            exact = (scale == 1 and np.dtype(dst).kind in "ui" and int_exact(src, img, terms))
            # ksize >= 5: cv2 sums both terms in float32 unless the input is float64
            f32_work = k > 3 and src != "float64"
            check(got, ref, img, terms, exact, f"laplacian {src}->{dst} k={k} {border} {scale}",
                  RTOL["float32"] if f32_work else None)


SEP_KERNELS = (([1, 2, 1], [-1, 0, 1]), ([1, 4, 6, 4, 1], [1, 2, 3]), ([3], [1, -2, 1, 5]),
               ([0.25, 0.5, 0.25], [0.1, 0.2, 0.4, 0.2, 0.1]), ([-0.3, 1.7], [2.5, 0, -1.25]))


@pytest.mark.parametrize("src", list(OUTPUTS))
def test_sep_filter2d_matrix(src):
    img = small(src)
    for dst, (ky, kx), anchor in itertools.product(OUTPUTS[src], SEP_KERNELS, (None, (0, 0))):
        ky, kx = np.array(ky, np.float64), np.array(kx, np.float64)
        for delta in (0, 1.5):
            got = imfilt.sep_filter2d(img, ky, kx, anchor=anchor, delta=delta, dtype=dst)
            cv_anchor = (-1, -1) if anchor is None else anchor[::-1]
            ref = cv2.sepFilter2D(img, CV_DEPTH[dst], kx, ky, anchor=cv_anchor, delta=delta)
            integral = np.all(ky == np.round(ky)) and np.all(kx == np.round(kx))
            exact = (delta == 0 and integral and np.dtype(dst).kind in "ui"
                     and int_exact(src, img, [(ky, kx)]))
            check(got, ref, img, [(ky, kx)], exact,
                  f"sep_filter2d {src}->{dst} {list(ky)} {list(kx)} anchor={anchor} {delta}")


def test_sep_filter2d_default_dtype_is_the_input():
    img = small("uint8")
    assert imfilt.sep_filter2d(img, [1, 2, 1], [1, 0, -1]).dtype == np.uint8
    assert imfilt.sobel(img, dx=1).dtype == np.int16
    assert imfilt.sobel(small("uint16"), dx=1).dtype == np.float32
    assert imfilt.laplacian(small("float64")).dtype == np.float64


@pytest.mark.parametrize("k", (9, 15, 21, 31))
def test_sobel_large_apertures_u8(k):
    """OpenCV's 8-bit int32 sums wrap for large apertures; so do imfilt's."""
    img = small("uint8", (40, 45))
    for dy, dx in ((1, 0), (0, 2), (3, 1)):
        assert_identical(imfilt.sobel(img, dy=dy, dx=dx, ksize=k),
                         cv2.Sobel(img, cv2.CV_16S, dx, dy, ksize=k), context=f"k={k} {dy} {dx}")


# ------------------------------------------------------------------------------ photographs
@pytest.mark.parametrize("k,dy,dx", [(3, 0, 1), (3, 1, 0), (5, 0, 1), (5, 1, 0), (1, 1, 1),
                                     (7, 2, 0), (-1, 0, 1)])
def test_sobel_photographs(photos, k, dy, dx):
    for name, img in photos.items():
        for dst in ("int16", "float32"):
            assert_identical(imfilt.sobel(img, dy=dy, dx=dx, ksize=k, dtype=dst),
                             cv2.Sobel(img, CV_DEPTH[dst], dx, dy, ksize=k),
                             context=f"sobel {name} {dst} k={k} {dy} {dx}")
    img = (photos["astronaut"] / 255).astype(np.float32)
    check(imfilt.sobel(img, dy=dy, dx=dx, ksize=k), cv2.Sobel(img, cv2.CV_32F, dx, dy, ksize=k),
          img, sobel_terms(dy, dx, k), False, "sobel astronaut float32")


@pytest.mark.parametrize("k", (1, 3, 5))
def test_laplacian_scharr_photographs(photos, k):
    for name, img in photos.items():
        assert_identical(imfilt.laplacian(img, ksize=k), cv2.Laplacian(img, cv2.CV_16S, ksize=k),
                         context=f"laplacian {name} k={k}")
        assert_identical(imfilt.scharr(img, dy=k % 2 if k > 1 else 1),
                         cv2.Scharr(img, cv2.CV_16S, 1 - (k % 2 if k > 1 else 1),
                                    k % 2 if k > 1 else 1), context=f"scharr {name}")


def test_sep_filter2d_photograph_3x5_float32(astronaut):
    img = (astronaut / 255).astype(np.float32)
    ky, kx = np.array([1.0, 2, 1]) / 4, np.array([1.0, -2, 0, 2, -1]) / 8
    check(imfilt.sep_filter2d(img, ky, kx), cv2.sepFilter2D(img, -1, kx, ky), img, [(ky, kx)],
          False, "sep_filter2d astronaut")


# ------------------------------------------------------------------------------- edge cases
@pytest.mark.parametrize("shape", ((1, 1), (1, 7), (6, 1), (2, 2), (3, 40, 1), (5, 4, 2)))
def test_tiny_images_every_border(shape):
    img = small("uint8", shape)
    for border, (k, dy, dx) in itertools.product(CV_BORDER, SOBEL_CASES[::2]):
        ref = cv_call(lambda a, b: cv2.Sobel(a, cv2.CV_16S, dx, dy, ksize=k, borderType=b),
                      img, border, 4)
        assert_identical(imfilt.sobel(img, dy=dy, dx=dx, ksize=k, border=border),
                         ref.reshape(img.shape), context=f"{shape} {border} k={k}")


def test_constant_images_and_cval():
    for dtype in OUTPUTS:
        img = np.full((9, 11), 7, dtype)
        assert not np.any(imfilt.sobel(img, dx=1)) and not np.any(imfilt.laplacian(img, ksize=5))
    img = small("uint8", (12, 13))
    got = imfilt.sobel(img, dy=1, dx=1, border="constant", cval=200)
    ref = cv_padded(lambda p: cv2.Sobel(p, cv2.CV_16S, 1, 1), img, 2, "constant", 200)
    assert_identical(got, ref)


@pytest.mark.parametrize("channels", (1, 2, 3, 4, 5))
def test_channels(channels):
    img = small("uint8", (17, 21, channels))
    ref = np.stack([cv2.Sobel(np.ascontiguousarray(img[:, :, c]), cv2.CV_16S, 1, 0, ksize=5)
                    for c in range(channels)], axis=2)
    assert_identical(imfilt.sobel(img, dx=1, ksize=5), ref)
    assert_identical(imfilt.laplacian(img, ksize=3),
                     np.stack([cv2.Laplacian(np.ascontiguousarray(img[:, :, c]), cv2.CV_16S,
                                             ksize=3) for c in range(channels)], axis=2))


def test_layouts_out_and_aliasing():
    base = small("uint8", (40, 50, 3))
    ref = imfilt.sobel(np.ascontiguousarray(base[::-2, 1::2]), dy=1, ksize=3)
    assert_identical(imfilt.sobel(base[::-2, 1::2], dy=1, ksize=3), ref)   # views, negative
    ro = np.ascontiguousarray(base[::-2, 1::2])
    ro.setflags(write=False)
    assert_identical(imfilt.sobel(ro, dy=1), ref)
    f = small("float32", (20, 30))
    assert_identical(imfilt.sobel(f.astype(">f4"), dx=1), imfilt.sobel(f, dx=1))
    out = np.empty_like(f)
    res = imfilt.sobel(f, dx=1, out=out)
    assert res is out and np.array_equal(out, imfilt.sobel(f, dx=1))
    g = f.copy()
    imfilt.sep_filter2d(g, [1, 2, 1], [1, 0, -1], out=g)                 # in place
    assert_identical(g, imfilt.sep_filter2d(f, [1, 2, 1], [1, 0, -1]))
    with pytest.raises(ValueError, match="dtype"):
        imfilt.sobel(base, dx=1, out=np.empty(base.shape, np.uint8))


def test_threads_identical():
    img = small("uint8", (300, 257, 3))
    fimg = small("float32", (300, 257))
    for fn in (lambda a, t: imfilt.sobel(a, dx=1, ksize=5, threads=t),
               lambda a, t: imfilt.laplacian(a, ksize=7, threads=t),
               lambda a, t: imfilt.sep_filter2d(a, [0.2, 0.3, 0.5], [1, -3, 2], threads=t)):
        for a in (img, fimg):
            assert_identical(fn(a, 2), fn(a, 1))


def test_filter2d_dtype():
    img = small("uint8", (25, 31))
    lap = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], np.float64)
    assert_identical(imfilt.filter2d(img, lap, dtype="int16"), cv2.filter2D(img, cv2.CV_16S, lap))
    sob = np.outer([1, 2, 1], [-1, 0, 1]).astype(np.float64)
    assert_identical(imfilt.filter2d(img, sob, dtype=np.int16, delta=3),
                     cv2.filter2D(img, cv2.CV_16S, sob, delta=3))
    f = small("float32", (25, 31))
    assert_close(imfilt.filter2d(f, lap, dtype="float64"),
                 cv2.filter2D(f.astype(np.float64), -1, lap), rtol=1e-12, atol=1e-9)
    assert imfilt.filter2d(img, lap).dtype == np.uint8


# ----------------------------------------------------------------------------------- errors
@pytest.mark.parametrize("call,word", [
    (lambda a: imfilt.sobel(a), "dy and dx"),
    (lambda a: imfilt.sobel(a, dx=1, ksize=4), "ksize"),
    (lambda a: imfilt.sobel(a, dx=3, ksize=3), "dx"),
    (lambda a: imfilt.sobel(a, dy=5, ksize=5), "dy"),
    (lambda a: imfilt.sobel(a, dx=1, ksize=33), "ksize"),
    (lambda a: imfilt.scharr(a, dx=1, dy=1), "dy"),
    (lambda a: imfilt.laplacian(a, ksize=2), "ksize"),
    (lambda a: imfilt.sep_filter2d(a, [], [1]), "kernel_y"),
    (lambda a: imfilt.sep_filter2d(a, [1], [[1, 2]]), "kernel_x"),
    (lambda a: imfilt.sep_filter2d(a, [1, np.nan], [1]), "kernel_y"),
    (lambda a: imfilt.sobel(a, dx=1, dtype="uint16"), "uint8"),
    (lambda a: imfilt.sobel(a.astype(np.float32), dx=1, dtype="int16"), "float32"),
    (lambda a: imfilt.filter2d(a, np.ones((3, 3)), dtype="uint16"), "uint16"),
])
def test_errors(call, word):
    with pytest.raises(ValueError, match=word):
        call(small("uint8", (8, 8)))


# ------------------------------------------------------------------------------ SIMD levels
simd_results = results_fixture("deriv")


def test_simd_levels_agree(simd_results):
    """Integer work is exact at every level; float work fuses its multiply-adds wherever the
    level has FMA (AVX2, AVX-512) and rounds twice at baseline, so floats agree within RTOL."""
    for level, res, base in each_level(simd_results):
        for key, got in res.items():
            ref = base[key]
            if got.dtype.kind in "ui" or key.startswith("u8"):
                assert_identical(got, ref, context=f"{level} {key}")
            else:
                # the errors scale with the products' magnitude, of the order of the largest
                # result
                assert_close(got, ref, rtol=0, atol=1e-5 * float(np.abs(ref).max()),
                             context=f"{level} {key}")
