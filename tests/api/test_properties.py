"""Hypothesis property tests: every filter on random shapes (including 0 and 1), dtypes,
channels, memory layouts (negative strides, Fortran order, big-endian, column steps),
parameters and borders equals a NumPy reference (or cv2 / skimage / torch) within its stated
tolerance, and never crashes. Bounded example counts keep the default run fast.

Examples: under CI (CI set) the draw is derandomized, so a CI run tests the same examples as
every other CI run of the same code and a red CI is reproducible locally with CI=true;
elsewhere every run draws new examples. IMFILT_FUZZ_SCALE multiplies every example count
(e.g. IMFILT_FUZZ_SCALE=50 for a fuzzing campaign, tools/sanitize.sh for one under ASan)."""
from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import imfilt
from _assert import assert_close, assert_identical
from references import np_gaussian_fixed, np_pad

SETTINGS = dict(deadline=None, suppress_health_check=list(HealthCheck),
                derandomize=bool(os.environ.get("CI")))
FUZZ_SCALE = float(os.environ.get("IMFILT_FUZZ_SCALE", "1"))


def examples(n):
    """The example count for a test whose default is n."""
    return max(1, round(n * FUZZ_SCALE))


BORDERS = ("reflect101", "reflect", "replicate", "constant", "wrap")
DTYPES = ("uint8", "uint16", "int16", "float32", "float64")
LAYOUTS = ("c", "flip", "fortran", "big", "colstep")


def make(draw, dtype, max_side=12, min_side=0, channels=(None, 1, 3)):
    h = draw(st.integers(min_side, max_side))
    w = draw(st.integers(min_side, max_side))
    c = draw(st.sampled_from(channels))
    shape = (h, w) if c is None else (h, w, c)
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        a = (rng.standard_normal(shape) * 50).astype(dtype)
    else:
        info = np.iinfo(dtype)
        lo, hi = draw(st.sampled_from([(info.min, info.max), (0, 3), (info.max - 2, info.max)]))
        a = rng.integers(max(lo, info.min), int(hi) + 1, size=shape).astype(dtype)
    layout = draw(st.sampled_from(LAYOUTS))
    return a, layout


def lay(a, layout):
    """The same values in another memory layout."""
    if layout == "flip":
        return a[::-1, ::-1].copy()[::-1, ::-1]
    if layout == "fortran":
        return np.asfortranarray(a)
    if layout == "big":
        return a.astype(a.dtype.newbyteorder(">"))
    if layout == "colstep":
        return np.repeat(a, 2, axis=1)[:, ::2]
    return a


def windows(img, kh, kw, border, cval, ay=None, ax=None, dtype=np.float64):
    """All (kh, kw) windows of the padded image: shape (H, W, [C,] kh, kw)."""
    pad = np_pad(img, kh, kw, border, cval, dtype, top=ay, left=ax)
    v = np.lib.stride_tricks.sliding_window_view(pad, (kh, kw), axis=(0, 1))
    return v


def sat(x, dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return x.astype(dtype)
    info = np.iinfo(dtype)
    return np.clip(np.rint(x), info.min, info.max).astype(dtype)


def check_exact(got, exp):
    assert_identical(got, exp, equal_nan=True)


def check_close(got, exp, rtol, atol):
    assert got.dtype == exp.dtype, (got.dtype, exp.dtype)
    assert_close(got, exp, rtol=rtol, atol=atol)


def float_tol(dtype, scale):
    return (1e-4 * scale + 1e-4) if np.dtype(dtype) == np.float32 else (1e-10 * scale + 1e-10)


@st.composite
def image_case(draw, dtypes=DTYPES, **kw):
    dtype = draw(st.sampled_from(dtypes))
    a, layout = make(draw, dtype, **kw)
    return a, layout


# ------------------------------------------------------------------------ gaussian
@settings(max_examples=examples(40), **SETTINGS)
@given(case=image_case(), k=st.sampled_from([1, 3, 5, 7, 9, 15, 31]),
       k2=st.sampled_from([1, 3, 5, 11]), sigma=st.sampled_from([0.0, 0.6, 1.3, 2.7]),
       border=st.sampled_from(BORDERS), cval=st.integers(-5, 300), threads=st.sampled_from([1, 2]))
def test_gaussian(case, k, k2, sigma, border, cval, threads):
    a, layout = case
    res = imfilt.gaussian(lay(a, layout), sigma, ksize=(k, k2), border=border, cval=cval,
                          threads=threads)
    if a.size == 0:
        assert res.shape == a.shape
        return
    from imfilt.smooth import gaussian_kernel
    if a.dtype in (np.uint8, np.uint16):
        # uint8 / uint16: OpenCV's exact fixed-point recipe
        info = np.iinfo(a.dtype)
        cv = np.clip(cval, info.min, info.max)
        check_exact(res, np_gaussian_fixed(a, sigma, (k, k2), border, cv))
        return
    if a.dtype == np.int16:
        # int16: OpenCV's float32 kernel, summed exactly and rounded to the nearest integer
        # (cv2 sums in float32 and is within 0.5005 of the same value: within 1 of imfilt)
        ky = gaussian_kernel(k, sigma).astype(np.float32).astype(np.float64)
        kx = gaussian_kernel(k2, sigma).astype(np.float32).astype(np.float64)
        cv = float(np.clip(cval, -32768, 32767))
        exact = np.einsum("...ij,i,j->...", windows(a, k, k2, border, cv), ky, kx)
        assert res.dtype == np.int16
        assert np.all(np.abs(res - np.clip(exact, -32768, 32767)) <= 0.5 + 1e-9)
        return
    ky, kx = gaussian_kernel(k, sigma), gaussian_kernel(k2, sigma)
    v = windows(a, k, k2, border, float(cval))
    exp = np.einsum("...ij,i,j->...", v, ky, kx)
    check_close(res, exp.astype(a.dtype), 0, float_tol(a.dtype, np.abs(a).max()))


# ------------------------------------------------------------------------ mean
@settings(max_examples=examples(40), **SETTINGS)
@given(case=image_case(), kh=st.integers(1, 9), kw=st.integers(1, 25),
       border=st.sampled_from(BORDERS), cval=st.integers(-5, 300),
       normalize=st.booleans(), threads=st.sampled_from([1, 2]))
def test_mean(case, kh, kw, border, cval, normalize, threads):
    a, layout = case
    res = imfilt.mean(lay(a, layout), (kh, kw), normalize=normalize, border=border, cval=cval,
                      threads=threads)
    if a.size == 0:
        assert res.shape == a.shape
        return
    if a.dtype.kind in "ui":
        info = np.iinfo(a.dtype)
        cv = int(np.clip(cval, info.min, info.max))
        s = windows(a, kh, kw, border, cv, dtype=np.int64).sum(axis=(-1, -2))
        if not normalize:
            check_exact(res, s.astype(np.int64))
        else:
            from references import np_box_mean
            check_exact(res, np_box_mean(a, kh, kw, border, cv))
        return
    s = windows(a, kh, kw, border, float(cval)).sum(axis=(-1, -2))
    tol = float_tol(a.dtype, np.abs(a).max() * (kh * kw if not normalize else 1))
    if normalize:
        check_close(res, (s / (kh * kw)).astype(a.dtype), 0, tol)
    else:
        check_close(res, s, 0, tol)


# ------------------------------------------------------------------------ median
@settings(max_examples=examples(40), **SETTINGS)
@given(case=image_case(), kh=st.sampled_from([1, 3, 5, 7, 9, 13, 31]),
       kw=st.sampled_from([1, 3, 5, 7, 11]), border=st.sampled_from(BORDERS),
       cval=st.integers(-5, 300), threads=st.sampled_from([1, 2]))
def test_median(case, kh, kw, border, cval, threads):
    a, layout = case
    res = imfilt.median(lay(a, layout), (kh, kw), border=border, cval=cval, threads=threads)
    if a.size == 0:
        assert res.shape == a.shape
        return
    dt = a.dtype
    cv = int(np.clip(cval, np.iinfo(dt).min, np.iinfo(dt).max)) if dt.kind in "ui" else cval
    v = windows(a, kh, kw, border, cv, dtype=dt if dt.kind == "f" else np.int64)
    flat = np.sort(v.reshape(v.shape[:-2] + (-1,)), axis=-1)
    check_exact(res, flat[..., kh * kw // 2].astype(dt))


# ------------------------------------------------------------------------ minimum / maximum
@settings(max_examples=examples(40), **SETTINGS)
@given(case=image_case(), kh=st.integers(1, 9), kw=st.integers(1, 17),
       border=st.sampled_from((None,) + BORDERS), cval=st.integers(-5, 300),
       use_fp=st.booleans(), fp_seed=st.integers(0, 1000), op=st.sampled_from(["min", "max"]),
       threads=st.sampled_from([1, 2]))
def test_min_max(case, kh, kw, border, cval, use_fp, fp_seed, op, threads):
    a, layout = case
    fp = None
    mask = np.ones((kh, kw), bool)
    if use_fp:
        mask = np.random.default_rng(fp_seed).random((kh, kw)) < 0.6
        mask[kh // 2, kw // 2] = True       # never an empty window, even with border=None
        fp = mask
    fn = imfilt.minimum if op == "min" else imfilt.maximum
    res = fn(lay(a, layout), (kh, kw), footprint=fp, border=border, cval=cval, threads=threads)
    if a.size == 0:
        assert res.shape == a.shape
        return
    dt = a.dtype
    if border is None:
        b, cv = "constant", (np.inf if op == "min" else -np.inf)
    else:
        b = border
        cv = int(np.clip(cval, np.iinfo(dt).min, np.iinfo(dt).max)) if dt.kind in "ui" else cval
    v = windows(a, kh, kw, b, cv)
    v = np.where(mask, v, np.inf if op == "min" else -np.inf)
    exp = v.min(axis=(-1, -2)) if op == "min" else v.max(axis=(-1, -2))
    check_exact(res, exp.astype(dt))


# ------------------------------------------------------------------------ gamma / lut
@settings(max_examples=examples(40), **SETTINGS)
@given(case=image_case(dtypes=("uint8", "uint16", "float32", "float64")),
       g=st.sampled_from([0.0, 0.3, 0.5, 1.0, 1.7, 2.0, 4.4, 20.0]),
       gain=st.sampled_from([0.0, 0.5, 1.0, 1.3]), threads=st.sampled_from([1, 2]))
def test_gamma(case, g, gain, threads):
    a, layout = case
    a = np.abs(a)
    res = imfilt.gamma(lay(a, layout), g, gain, threads=threads)
    if a.dtype.kind == "u":
        m = np.iinfo(a.dtype).max
        table = np.minimum(np.rint(m * gain * np.linspace(0, 1, m + 1) ** g), m).astype(a.dtype)
        check_exact(res, table[a])
        if a.dtype == np.uint8 and a.size:
            import skimage.exposure
            check_exact(res, skimage.exposure.adjust_gamma(a, g, gain))
        return
    with np.errstate(over="ignore"):      # float32 ** 20 overflows to inf, as in imfilt
        exp = np.power(np.ascontiguousarray(a), a.dtype.type(g)) * a.dtype.type(gain)
    if a.dtype == np.float64:
        check_exact(res, exp)
    else:
        check_close(res, exp, 1e-6, 1e-30)


@settings(max_examples=examples(30), **SETTINGS)
@given(case=image_case(dtypes=("uint8", "uint16")),
       tdtype=st.sampled_from(["uint8", "int16", "float32", "float64", "complex64", "bool"]),
       per_channel=st.booleans(), seed=st.integers(0, 1000), threads=st.sampled_from([1, 2]))
def test_lut(case, tdtype, per_channel, seed, threads):
    a, layout = case
    n = 256 if a.dtype == np.uint8 else 65536
    c = a.shape[2] if a.ndim == 3 else 1
    rng = np.random.default_rng(seed)
    shape = (n, c) if per_channel and a.ndim == 3 else (n,)
    table = (rng.standard_normal(shape) * 100).astype(tdtype)
    res = imfilt.lut(lay(a, layout), table, threads=threads)
    exp = table[a] if table.ndim == 1 else table[a, np.arange(c)]
    check_exact(res, exp.astype(table.dtype))


# ------------------------------------------------------------------------ filter2d
@settings(max_examples=examples(40), **SETTINGS)
@given(case=image_case(), kh=st.integers(1, 7), kw=st.integers(1, 7),
       sep=st.booleans(), seed=st.integers(0, 1000), border=st.sampled_from(BORDERS),
       cval=st.integers(-5, 300), delta=st.sampled_from([0.0, 0.5, -3.0]),
       threads=st.sampled_from([1, 2]), anchor=st.booleans())
def test_filter2d(case, kh, kw, sep, seed, border, cval, delta, threads, anchor):
    a, layout = case
    rng = np.random.default_rng(seed)
    if sep:
        k = np.outer(rng.integers(-3, 4, kh), rng.integers(-3, 4, kw)).astype(np.float64)
    else:
        k = np.round(rng.standard_normal((kh, kw)), 2)
    ay, ax = (rng.integers(0, kh), rng.integers(0, kw)) if anchor else (kh // 2, kw // 2)
    res = imfilt.filter2d(lay(a, layout), k, anchor=(ay, ax), delta=delta, border=border,
                          cval=cval, threads=threads)
    if a.size == 0:
        assert res.shape == a.shape
        return
    dt = a.dtype
    cv = int(np.clip(cval, np.iinfo(dt).min, np.iinfo(dt).max)) if dt.kind in "ui" else cval
    v = windows(a, kh, kw, border, cv, ay, ax)
    exp = np.einsum("...ij,ij->...", v, k) + delta
    if dt.kind in "ui":
        # float32 accumulation, then round half to even: within 1 of the exact value
        d = np.abs(res.astype(np.float64) - sat(exp, dt).astype(np.float64))
        assert d.max() <= 1, d.max()
    else:
        scale = np.abs(a).max() * np.abs(k).sum() + abs(delta)
        check_close(res, exp.astype(dt), 0, float_tol(dt, scale) * 4)


# ------------------------------------------------------------------------ conv2d
@settings(max_examples=examples(30), **SETTINGS)
@given(seed=st.integers(0, 10**6), dtype=st.sampled_from(["float32", "float64"]),
       n=st.sampled_from([None, 1, 2]), c=st.integers(1, 4), h=st.integers(1, 12),
       w=st.integers(1, 12), kh=st.integers(1, 4), kw=st.integers(1, 4),
       gmode=st.sampled_from(["1", "depthwise", "all"]), mult=st.integers(1, 2),
       stride=st.sampled_from([1, 2, (1, 3)]), dilation=st.sampled_from([1, 2]),
       padding=st.sampled_from([0, 1, (2, 0), "same", "valid"]), bias=st.booleans(),
       layout=st.sampled_from(LAYOUTS[:4]), threads=st.sampled_from([1, 2]))
def test_conv2d(seed, dtype, n, c, h, w, kh, kw, gmode, mult, stride, dilation, padding, bias,
                layout, threads):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    groups = {"1": 1, "depthwise": c, "all": c}[gmode]
    cout = (c * mult) if gmode == "depthwise" else (mult * groups if gmode == "all" else mult)
    xs = (c, h, w) if n is None else (n, c, h, w)
    x = rng.standard_normal(xs).astype(dtype)
    wt = rng.standard_normal((cout, c // groups, kh, kw)).astype(dtype)
    b = rng.standard_normal(cout).astype(dtype) if bias else None
    if padding == "same" and stride != 1:
        padding = 0
    kwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    tx = torch.from_numpy(x if n is not None else x[None]).double()
    try:
        ref = torch.nn.functional.conv2d(tx, torch.from_numpy(wt).double(),
                                         None if b is None else torch.from_numpy(b).double(),
                                         **kwargs).numpy()
    except RuntimeError:
        with pytest.raises(ValueError):
            imfilt.conv2d(lay(x, layout), wt, b, threads=threads, **kwargs)
        return
    res = imfilt.conv2d(lay(x, layout), wt, b, threads=threads, **kwargs)
    if n is None:
        ref = ref[0]
    scale = np.abs(wt).sum() * max(1.0, np.abs(x).max()) + (0 if b is None else np.abs(b).max())
    check_close(res, ref.astype(dtype), 0, float_tol(dtype, scale))


# ------------------------------------------------------------------------ HOG
@settings(max_examples=examples(25), **SETTINGS)
@given(seed=st.integers(0, 10**6), cell=st.sampled_from([(4, 4), (8, 8), (4, 8)]),
       cells=st.sampled_from([(1, 1), (2, 2), (2, 1)]), stride_cells=st.sampled_from([1, 2]),
       nbins=st.sampled_from([1, 4, 9]), signed=st.booleans(), gamma=st.booleans(),
       extra=st.tuples(st.integers(0, 3), st.integers(0, 3)), channels=st.sampled_from([1, 3]),
       layout=st.sampled_from(LAYOUTS))
def test_hog_vs_opencv(seed, cell, cells, stride_cells, nbins, signed, gamma, extra, channels,
                       layout):
    import cv2
    ch, cw = cell
    bh, bw = ch * cells[0], cw * cells[1]
    sy, sx = ch * stride_cells, cw * stride_cells
    wh, ww = bh + sy * extra[0], bw + sx * extra[1]
    rng = np.random.default_rng(seed)
    H, W = wh + int(rng.integers(0, 12)), ww + int(rng.integers(0, 12))
    img = rng.integers(0, 256, (H, W) if channels == 1 else (H, W, 3), dtype=np.uint8)
    got = imfilt.hog(lay(img, layout), win_size=(wh, ww), block_size=(bh, bw),
                     block_stride=(sy, sx), cell_size=(ch, cw), nbins=nbins, signed=signed,
                     gamma_correction=gamma, win_stride=(sy, sx))
    if nbins == 1:        # cv2 5.0's HOGDescriptor.compute segfaults with nbins=1
        assert np.isfinite(got).all() and got.shape[1] == (bh // ch) * (bw // cw) * (
            (wh - bh) // sy + 1) * ((ww - bw) // sx + 1)
        return
    d = cv2.HOGDescriptor((ww, wh), (bw, bh), (sx, sy), (cw, ch), nbins, 1, -1, 0, 0.2, gamma,
                          64, signed)
    ref = d.compute(img, (sx, sy), (0, 0)).ravel()
    assert got.dtype == np.float32
    assert_close(got.ravel(), ref, rtol=0, atol=1e-4)


@settings(max_examples=examples(25), **SETTINGS)
@given(seed=st.integers(0, 10**6), dtype=st.sampled_from(["uint8", "float32", "float64"]),
       ppc=st.sampled_from([(2, 2), (4, 4), (3, 5), (8, 8)]),
       cpb=st.sampled_from([(1, 1), (2, 2), (3, 1)]), orient=st.sampled_from([1, 4, 9]),
       norm=st.sampled_from(["L1", "L1-sqrt", "L2", "L2-Hys"]), sqrt=st.booleans(),
       colour=st.booleans(), layout=st.sampled_from(LAYOUTS),
       size=st.tuples(st.integers(0, 30), st.integers(0, 30)))
def test_hog_skimage_vs_skimage(seed, dtype, ppc, cpb, orient, norm, sqrt, colour, layout, size):
    import skimage.feature
    rng = np.random.default_rng(seed)
    H, W = ppc[0] * cpb[0] + size[0], ppc[1] * cpb[1] + size[1]
    shape = (H, W, 3) if colour else (H, W)
    img = rng.integers(0, 256, shape).astype(dtype)
    if dtype != "uint8":
        img /= 255
    kw = dict(orientations=orient, pixels_per_cell=ppc, cells_per_block=cpb, block_norm=norm,
              transform_sqrt=sqrt, channel_axis=-1 if colour else None)
    got = imfilt.hog_skimage(lay(img, layout), **kw)
    ref = skimage.feature.hog(img, **kw)
    assert_identical(got, ref, context=dict(input=img, layout=layout, **kw))  # bit-identical
