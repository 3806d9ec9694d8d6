"""imfilt.gamma and imfilt.lut: exactness against skimage.exposure.adjust_gamma, cv2.LUT,
table[image] and NumPy's power; every dtype, channel count, table dtype, SIMD level; threads;
views, aliasing; bad input."""
from __future__ import annotations


import cv2
import math

import numpy as np
import pytest
from skimage import exposure

import imfilt
from _assert import assert_identical
from references import as_dtype
from simd_levels import each_level, results_fixture

GAMMAS = (0.0, 0.3, 1 / 2.2, 0.5, 1.0, 2.0, 2.2, 5.0)
NUMERIC = ("bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
           "float16", "float32", "float64", "longdouble", "complex64", "complex128",
           "clongdouble")
RNG = np.random.default_rng(20240)


# --------------------------------------------------------------------------- NumPy references
def np_gamma_table(dtype, g, k):
    """The documented formula: saturate(round_half_even(maxval * gain * (x / maxval) ** gamma))
    with x / maxval as numpy.linspace(0, 1, maxval + 1) (skimage's construction)."""
    maxval = np.iinfo(dtype).max
    t = maxval * k * (np.linspace(0, 1, maxval + 1) ** g)
    return np.minimum(np.rint(t), maxval).astype(dtype)


def np_lut(img, table):
    table = np.asarray(table)
    if table.ndim == 1:
        return table[img]
    return table[img, np.arange(img.shape[2])]


def random_table(dtype, shape):
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return RNG.integers(0, 2, shape).astype(bool)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return RNG.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)
    v = RNG.normal(0, 1e3, shape)
    if dtype.kind == "c":
        v = v + 1j * RNG.normal(0, 1e3, shape)
    return v.astype(dtype)


def photo_variants(photos):
    cam = photos["camera"]
    ast = photos["astronaut"]
    return {
        "gray": cam,
        "rgb": ast,
        "coffee": photos["coffee"],
        "chelsea_odd": photos["chelsea"][:, :451],
        "rgba": np.dstack([ast, cam]),
        "2ch": np.ascontiguousarray(ast[:, :, :2]),
        "5ch": np.dstack([ast, ast[:, :, :2]]),
        "neg_strides": ast[::-1, ::-1],
        "col_strided": cam[:, ::3],
        "fortran": np.asfortranarray(cam[:77, :131]),
        "1x1": cam[:1, :1],
        "1xN": cam[:1, :301],
        "Nx1": cam[:97, :1],
    }


# --------------------------------------------------------------------------- gamma, integers
@pytest.mark.parametrize("g", GAMMAS)
def test_gamma_uint8_equals_skimage(photos, g):
    for name, img in photo_variants(photos).items():
        for k in (1.0, 0.6, 1.7):
            got = imfilt.gamma(img, g, k)
            assert got.dtype == np.uint8 and got.shape == img.shape
            assert_identical(got, exposure.adjust_gamma(img, g, k), context=(name, g, k))


def test_gamma_uint8_equals_cv2_lut_with_same_table(photos):
    table = np_gamma_table(np.uint8, 2.2, 1.0)
    for img in (photos["camera"], photos["astronaut"]):
        assert_identical(imfilt.gamma(img, 2.2), cv2.LUT(img, table))


@pytest.mark.parametrize("g", (0.0, 1 / 2.2, 1.0, 2.2, 7.5))
def test_gamma_uint16_formula(photos, g):
    for name in ("camera", "astronaut"):
        img = as_dtype(photos[name], np.uint16)
        for k in (1.0, 0.8, 1.3):
            ref = np_gamma_table(np.uint16, g, k)[img]
            assert_identical(imfilt.gamma(img, g, k), ref, context=(name, g, k))


def test_gamma_tables_are_cached():
    from imfilt.tone import _gamma_table
    img = np.zeros((4, 4), np.uint8)
    imfilt.gamma(img, 1.2345, 0.5)
    before = _gamma_table.cache_info().hits
    imfilt.gamma(img, 1.2345, 0.5)
    assert _gamma_table.cache_info().hits == before + 1
    assert _gamma_table.cache_info().maxsize is not None  # bounded


def test_gamma_huge_gain_saturates():
    img = np.arange(256, dtype=np.uint8).reshape(16, 16)
    got = imfilt.gamma(img, 2.0, 1e300)  # 255 * gain overflows to inf; inf * 0 -> 0
    assert got[0, 0] == 0 and np.all(got.ravel()[1:] == 255)


# --------------------------------------------------------------------------- gamma, floats
def _rel_err(got, ref):
    got = got.astype(np.float64)
    ref = ref.astype(np.float64)
    fin = np.isfinite(ref) & (np.abs(ref) >= np.finfo(np.float32).tiny)
    return float(np.max(np.abs(got[fin] - ref[fin]) / np.abs(ref[fin]), initial=0.0))


def _defined_f32(x, g, k):
    """The float32 results imfilt defines exactly, whatever the CPU or NumPy build (README):
    gamma 0 -> 1, 0.5 -> sqrt(x), 1 -> x, 2 -> x * x, each times float32(gain); for other
    gammas the IEEE 754 / C99 pow values at 0, -0 (+0 unless gamma is an odd integer), 1, inf
    and NaN. Elsewhere None: there only the tolerance applies."""
    x = np.asarray(x, np.float32)
    k = np.float32(k)
    with np.errstate(all="ignore"):
        if g == 0.0:
            return np.ones_like(x) * k
        if g == 0.5:
            return np.sqrt(x) * k
        if g == 1.0:
            return x * k
        if g == 2.0:
            return x * x * k
    return None


def _pow_specials_f32(x, g, k):
    """C99 pow (Python's math.pow) at the special inputs; NaN marks the ordinary ones."""
    out = np.full(x.shape, np.nan, np.float64)
    special = (x == 0) | (x == 1) | np.isinf(x)
    g32 = float(np.float32(g))
    out[special] = [math.pow(float(v), g32) for v in x[special]]
    return np.float32(out) * np.float32(k), special


def test_gamma_float32_sweep():
    """Dense sweep over every float32 binade (subnormals, 0, 1, the largest values) for
    gammas up to the polynomial's limit (16) and beyond (libm path), against the float64
    truth: within 1e-6 relative (README; 4e-7 at 2.2 and 1/2.2), and exact where imfilt
    defines the value (specials, gamma 0 / 0.5 / 1 / 2). Not against numpy.power's float32,
    whose last bit depends on the CPU and the NumPy version."""
    bits = np.arange(0, 0x7F800000, 4093, dtype=np.uint32)
    x = np.concatenate([bits.view(np.float32),
                        np.array([0.0, -0.0, 1.0, np.inf, np.nan, 1e-45, 1.1754942e-38,
                                  1.1754944e-38, 0.99999994, 1.0000001, 3.4028235e38],
                                 np.float32)]).reshape(1, -1)
    worst = {}
    f32max = float(np.finfo(np.float32).max)
    for g in (1e-6, 0.1, 1 / 2.2, 0.5, 1.0, 1.5, 2.0, 2.2, 3.0, 8.0, 16.0, 16.5, 40.0):
        for k in (1.0, 0.7):
            got = imfilt.gamma(x, g, k)
            assert got.dtype == np.float32
            with np.errstate(all="ignore"):  # imfilt: float32(x ** g) * float32(k)
                tpow = x.astype(np.float64) ** np.float64(np.float32(g))
                truth = tpow * np.float64(np.float32(k))
            defined = _defined_f32(x, g, k)
            if defined is not None:
                assert_identical(got, defined, equal_nan=True, context=g)
                assert_identical(np.signbit(got), np.signbit(defined), context=g)
                continue
            spec, special = _pow_specials_f32(x, g, k)
            assert_identical(got[special], spec[special], equal_nan=True, context=g)
            assert_identical(np.signbit(got[special]), np.signbit(spec[special]), context=g)
            assert np.isnan(got[np.isnan(x)]).all()
            # ordinary inputs: zero / overflow exactly where the truth is far from the edges
            ordinary = ~special & ~np.isnan(x)
            t, o, tp = truth[ordinary], got[ordinary], tpow[ordinary]
            assert np.all(o[tp > f32max * (1 + 1e-6)] == np.inf), g
            fin = tp < f32max * (1 - 1e-6)
            assert np.all(np.isfinite(o[fin])), g
            assert np.all(o[t > 2.0 ** -148] > 0), g
            err = _rel_err(o[fin], t[fin])
            worst[g] = max(worst.get(g, 0.0), err)
            assert err <= 1e-6, (g, k, err)
            # subnormal results: within a few units of the smallest subnormal of the truth
            sub = (t > 0) & (t < np.finfo(np.float32).tiny)
            if sub.any():
                assert np.max(np.abs(o[sub] - t[sub])) <= 4 * 2.0 ** -149, g
    assert worst[2.2] < 4e-7 and worst[1 / 2.2] < 4e-7, worst


@pytest.mark.parametrize("dtype", ("float32", "float64"))
def test_gamma_float_photos(photos, dtype):
    for name, img8 in photo_variants(photos).items():
        img = as_dtype(img8, dtype) if img8.flags.c_contiguous else as_dtype(img8, dtype)[...]
        for g, k in ((2.2, 1.0), (1 / 2.2, 0.9), (3.0, 2.0)):
            got = imfilt.gamma(img, g, k)
            if dtype == "float64":
                assert_identical(got, img ** g * k, context=name)
            else:
                ref = np.power(img, np.float32(g)) * np.float32(k)
                assert _rel_err(got, ref) <= 5e-7, name
                assert_identical(got == 0, ref == 0)


def test_gamma_float_specials():
    """The special values imfilt defines (README), on every CPU and NumPy build: float32 by
    _defined_f32 / C99 pow, float64 by NumPy's own power (imfilt calls it)."""
    x = np.array([[0.0, -0.0, np.inf, np.nan, 1.0, 2.0, 1e-300]])
    for g in (0.0, 1.0, 3.0, 2.2, 0.5, 2.0):
        a = x.astype(np.float64)
        with np.errstate(all="ignore"):
            assert_identical(imfilt.gamma(a, g), a ** g, equal_nan=True, context=g)
        a = x.astype(np.float32)
        got = imfilt.gamma(a, g)
        ref = _defined_f32(a, g, 1.0)
        if ref is None:
            ref, special = _pow_specials_f32(a, g, 1.0)
            ref[~special] = got[~special]  # 2.0 ** 2.2: the tolerance (test_gamma_float32_sweep)
            assert _rel_err(got[:, 5:6], np.float64(2.0) ** np.float64(np.float32(g))) <= 1e-6
        assert_identical(got, ref, equal_nan=True, context=g)
        assert_identical(np.signbit(got[:, :2]), np.signbit(ref[:, :2]), context=g)
    assert np.all(imfilt.gamma(x.astype(np.float32), 0.0) == 1)  # 0, inf, NaN ** 0 are 1
    assert np.all(imfilt.gamma(x, 0.0) == 1)


def test_gamma_every_dtype_out_and_inplace(photos):
    base = photos["astronaut"][:123, :301]
    for dtype in ("uint8", "uint16", "float32", "float64"):
        img = as_dtype(base, dtype)
        ref = imfilt.gamma(img, 1.7, 0.9)
        out = np.empty_like(img)
        assert imfilt.gamma(img, 1.7, 0.9, out=out) is out
        assert_identical(out, ref, context=dtype)
        work = img.copy()
        assert imfilt.gamma(work, 1.7, 0.9, out=work) is work
        assert_identical(work, ref, context=dtype)
        big = as_dtype(base, dtype).astype(np.dtype(dtype).newbyteorder(">"))
        assert_identical(imfilt.gamma(big, 1.7, 0.9), ref, context=dtype)


# --------------------------------------------------------------------------- lut
@pytest.mark.parametrize("tdtype", NUMERIC)
def test_lut_uint8_every_table_dtype(photos, tdtype):
    for name, img in photo_variants(photos).items():
        ch = img.shape[2] if img.ndim == 3 else 1
        shared = random_table(tdtype, 256)
        got = imfilt.lut(img, shared)
        assert got.dtype == shared.dtype and got.shape == img.shape
        assert_identical(got, shared[img], context=(name, tdtype))
        per = random_table(tdtype, (256, ch))
        assert_identical(imfilt.lut(img, per), np_lut(img, per) if ch > 1 else per[:, 0][img],
                         context=(name, tdtype))


@pytest.mark.parametrize("tdtype", ("uint8", "int8", "uint16", "int16", "int32", "float32",
                                    "float64"))
def test_lut_equals_cv2(photos, tdtype):
    for img in (photos["camera"], photos["astronaut"], photos["chelsea"]):
        table = random_table(tdtype, 256)
        assert_identical(imfilt.lut(img, table), cv2.LUT(img, table), context=tdtype)
        if img.ndim == 3:
            per = random_table(tdtype, (256, 3))
            ref = cv2.LUT(img, np.ascontiguousarray(per).reshape(1, 256, 3))
            assert_identical(imfilt.lut(img, per), ref, context=tdtype)
            assert_identical(imfilt.lut(img, per.reshape(1, 256, 3)), ref)


@pytest.mark.parametrize("tdtype", ("uint8", "uint16", "int32", "float64", "complex128"))
def test_lut_uint16_images(photos, tdtype):
    for img8 in (photos["camera"][:200], photos["astronaut"][:150, ::-1]):
        img = as_dtype(img8, np.uint16)
        table = random_table(tdtype, 65536)
        assert_identical(imfilt.lut(img, table), table[img])
        if img.ndim == 3:
            per = random_table(tdtype, (65536, 3))
            assert_identical(imfilt.lut(img, per), np_lut(img, per))
    img = as_dtype(photos["camera"][:64], np.uint16)
    table = random_table("uint16", 65536)
    assert_identical(imfilt.lut(img, table), cv2.LUT(img, table))


def test_lut_odd_widths_and_tails():
    """Every length around the 32/64/128-sample vector tails, for 1..4 channel tables."""
    for ch in (1, 2, 3, 4):
        for w in list(range(1, 70)) + [127, 128, 129, 191, 255, 257]:
            img = RNG.integers(0, 256, (3, w, ch) if ch > 1 else (3, w), dtype=np.uint8)
            for tdtype in ("uint8", "uint16", "float32", "float64"):
                per = random_table(tdtype, (256, ch))
                assert_identical(imfilt.lut(img, per),
                                 np_lut(img, per) if ch > 1 else per[:, 0][img],
                                 context=(ch, w, tdtype))


def test_lut_views_byteorder_readonly(photos):
    img = photos["astronaut"]
    table = random_table("float32", 256)
    for view in (img[::-1], img[:, ::-1], img[::2, 1::3], np.asfortranarray(img)):
        assert_identical(imfilt.lut(view, table), table[view])
    ro = img.copy()
    ro.setflags(write=False)
    assert_identical(imfilt.lut(ro, table), table[ro])
    big = table.astype(">f4")
    assert_identical(imfilt.lut(img, big), table[img])
    img16 = as_dtype(photos["camera"], np.uint16)
    t16 = random_table("int32", 65536)
    assert_identical(imfilt.lut(img16.astype(">u2"), t16), t16[img16])
    with pytest.raises(TypeError, match="int64"):  # a nested list is int64: no silent cast
        imfilt.lut(img[:, :, 0].tolist(), table)
    empty = np.zeros((0, 5, 3), np.uint8)
    assert imfilt.lut(empty, table).shape == (0, 5, 3)


def test_misaligned_arrays():
    """Images, tables and outputs at odd addresses (np.frombuffer with an offset)."""
    def odd(a):
        buf = np.zeros(a.nbytes + 1, np.uint8)
        v = np.frombuffer(buf, a.dtype, a.size, offset=1).reshape(a.shape)
        v[...] = a
        assert not v.flags.aligned
        return v
    img16 = RNG.integers(0, 65536, (37, 53, 3), dtype=np.uint16)
    t16 = random_table("float32", 65536)
    ref = t16[img16]
    assert_identical(imfilt.lut(odd(img16), odd(t16)), ref)
    out = odd(np.zeros_like(ref))
    imfilt.lut(img16, t16, out=out)
    assert_identical(out, ref)
    f = RNG.random((41, 67)).astype(np.float32)
    assert _rel_err(imfilt.gamma(odd(f), 2.2), np.power(f, np.float32(2.2))) <= 5e-7
    out = odd(np.zeros_like(f))
    imfilt.gamma(f, 2.2, out=out)
    assert _rel_err(out, np.power(f, np.float32(2.2))) <= 5e-7


def test_lut_inplace_and_overlaps(photos):
    img = photos["astronaut"]
    table = random_table("uint8", 256)
    ref = table[img]
    work = img.copy()
    assert imfilt.lut(work, table, out=work) is work
    assert_identical(work, ref)
    # the same elements through another view object: still in place, still exact
    work = img.copy()
    imfilt.lut(work, table, out=work[...])
    assert_identical(work, ref)
    # reversed view of the output over the input: elements differ, a temporary is used
    work = img.copy()
    imfilt.lut(work, table, out=work[::-1, ::-1])
    assert_identical(work[::-1, ::-1], ref)
    # partial overlaps: out shifted by one row / one sample against the input
    flat = RNG.integers(0, 256, 100 * 77 + 1, dtype=np.uint8)
    src = flat[:-1].reshape(100, 77)
    expect = table[src]
    imfilt.lut(src, table, out=flat[1:].reshape(100, 77))
    assert_identical(flat[1:].reshape(100, 77), expect)
    buf = RNG.integers(0, 256, (101, 64), dtype=np.uint8)
    src, dst = buf[:-1], buf[1:]
    expect = table[src]
    imfilt.lut(src, table, out=dst)
    assert_identical(buf[1:], expect)
    # uint16 in place
    img16 = as_dtype(photos["camera"], np.uint16)
    t16 = random_table("uint16", 65536)
    ref16 = t16[img16]
    assert_identical(imfilt.lut(img16, t16, out=img16), ref16)


def test_threads_bit_identical(photos):
    big8 = cv2.resize(photos["astronaut"], (1100, 700))
    cases = [(imfilt.lut, big8, random_table("uint8", (256, 3))),
             (imfilt.lut, big8, random_table("float32", 256)),
             (imfilt.lut, as_dtype(big8, np.uint16), random_table("uint16", 65536)),
             (imfilt.gamma, big8, 2.2), (imfilt.gamma, as_dtype(big8, np.float32), 2.2),
             (imfilt.gamma, as_dtype(big8, np.float64), 2.2)]
    for fn, img, arg in cases:
        one = fn(img, arg, threads=1)
        for t in (2, 3, None):
            assert_identical(fn(img, arg, threads=t), one, context=(fn.__name__, img.dtype, t))


# --------------------------------------------------------------------------- bad input
def test_bad_input():
    img = np.zeros((8, 8), np.uint8)
    for bad in (-1.0, float("nan"), float("inf"), -1e-300):
        with pytest.raises(ValueError, match="gamma"):
            imfilt.gamma(img, bad)
        with pytest.raises(ValueError, match="gain"):
            imfilt.gamma(img, 1.0, bad)
    for bad in ("2", None, True, [1.0], 1 + 2j):
        with pytest.raises(TypeError, match="gamma"):
            imfilt.gamma(img, bad)
    with pytest.raises(TypeError, match="int16"):
        imfilt.gamma(np.zeros((4, 4), np.int16), 2.0)
    for dt in (np.int32, np.complex64, object):
        with pytest.raises(TypeError, match="supported"):
            imfilt.gamma(np.zeros((4, 4), dt), 2.0)
    with pytest.raises(ValueError, match="dimensions"):
        imfilt.gamma(np.zeros(5, np.uint8), 2.0)
    for dtype in (np.float32, np.float64):
        a = np.ones((40, 40), dtype)
        a[17, 3] = -0.5
        keep = a.copy()
        with pytest.raises(ValueError, match="negative"):
            imfilt.gamma(a, 2.2)
        with pytest.raises(ValueError, match="negative"):
            imfilt.gamma(a, 2.2, out=a)
        assert_identical(a, keep)  # in place: the input is untouched on error
        with pytest.raises(ValueError, match="negative"):
            imfilt.gamma(a, 40.0)  # the libm path checks too
    # lut
    for dt in (np.int8, np.int16, np.float32, np.uint32):
        with pytest.raises(TypeError, match="uint8, uint16"):
            imfilt.lut(np.zeros((4, 4), dt), np.arange(256))
    for table in (np.arange(255), np.arange(257), np.arange(65536), np.zeros((256, 2)),
                  np.zeros((3, 256)), np.zeros((256, 4, 2))):
        with pytest.raises(ValueError, match="table"):
            imfilt.lut(np.zeros((4, 4, 3), np.uint8), table)
    with pytest.raises(ValueError, match="table"):
        imfilt.lut(np.zeros((4, 4), np.uint16), np.arange(256))
    for table in (np.array(["a"] * 256), np.empty(256, object), None):
        with pytest.raises(TypeError, match="table"):
            imfilt.lut(img, table)
    with pytest.raises(ValueError, match="out"):
        imfilt.lut(img, np.arange(256, dtype=np.uint8), out=np.zeros((8, 8), np.uint16))
    with pytest.raises(ValueError, match="threads"):
        imfilt.lut(img, np.arange(256), threads=0)


# --------------------------------------------------------------------------- SIMD levels
simd_results = results_fixture("tone")


def test_simd_levels_agree(simd_results):
    for level, res, base in each_level(simd_results):
        for key, ref in base.items():
            got = res[key]
            if key.startswith("gamma32"):
                assert _rel_err(got, ref) <= 1e-6, (level, key)  # float32 pow: tolerance
            else:
                assert_identical(got, ref, equal_nan=True, context=(level, key))


def test_simd_levels_match_references(simd_results):
    import skimage.data
    ast = skimage.data.astronaut()[:203, :389]
    for level, (_, res) in simd_results.items():
        assert_identical(res["gamma8"], exposure.adjust_gamma(ast, 2.2), context=level)
        f = ast.astype(np.float32) / 255
        for g in (0.45, 2.2, 0.5, 2.0, 20.0):
            assert _rel_err(res[f"gamma32/{g}"], np.power(f, np.float32(g))) <= 5e-7, (level, g)


def test_bench_rows_agree(capsys):
    """The tone bench cases run and imfilt agrees with each case's reference."""
    from imfilt import bench as _bench
    names = [c.name for c in _bench.CASES]
    for name in ("gamma_u8", "gamma_u8_rgb", "gamma_u16", "gamma_f32", "lut_u8",
                 "lut_u8_rgb_perchannel"):
        assert name in names
    rc = _bench.main(["--rounds", "1", "--filter", "gamma,lut", "--sizes", "67x45",
                      "--threads", "1", "--no-others"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "MISMATCH" not in out
