"""Bad input through the shared argument normaliser (imfilt/_normalize.py), via the public
filters gaussian and mean: every error names the argument and the allowed values."""
from __future__ import annotations

import math
import re
import time

import numpy as np
import pytest

import imfilt
from _assert import assert_identical
from references import ALL_BORDERS, DTYPES, as_dtype

SUPPORTED = ("uint8", "uint16", "int16", "float32", "float64")


def _gaussian(img, **kw):
    return imfilt.gaussian(img, 1.0, **kw)


def _mean(img, **kw):
    return imfilt.mean(img, 3, **kw)


FILTERS = {"gaussian": _gaussian, "mean": _mean}


@pytest.fixture
def small():
    return np.arange(6 * 7, dtype=np.uint8).reshape(6, 7)


# --------------------------------------------------------------------------- dtypes
BAD_IMAGES = {
    "float16": np.zeros((4, 5), np.float16),
    "complex64": np.zeros((4, 5), np.complex64),
    "complex128": np.zeros((4, 5), np.complex128),
    "object": np.zeros((4, 5), object),
    "bool": np.zeros((4, 5), bool),
    "int64": np.zeros((4, 5), np.int64),
    "int32": np.zeros((4, 5), np.int32),
    "int8": np.zeros((4, 5), np.int8),
    "uint32": np.zeros((4, 5), np.uint32),
    "big-endian int64": np.zeros((4, 5), ">i8"),
    "str": np.zeros((4, 5), "U3"),
    "None": None,
}


@pytest.mark.parametrize("fname", FILTERS)
@pytest.mark.parametrize("kind", BAD_IMAGES)
def test_unsupported_dtype_is_typeerror_listing_dtypes(fname, kind):
    with pytest.raises(TypeError) as exc:
        FILTERS[fname](BAD_IMAGES[kind])
    msg = str(exc.value)
    for name in SUPPORTED:
        assert name in msg, f"{kind}: message does not list {name}: {msg}"


@pytest.mark.parametrize("fname", FILTERS)
def test_python_lists_are_not_silently_cast(fname):
    # a nested list of Python ints becomes int64: refused like any other int64 array
    with pytest.raises(TypeError, match="uint8"):
        FILTERS[fname]([[1, 2, 3], [4, 5, 6]])


@pytest.mark.parametrize("fname", FILTERS)
def test_lists_of_floats_work(fname):
    # a nested list of Python floats is float64, a supported dtype
    img = np.arange(12, dtype=np.float64).reshape(3, 4) / 7
    res = FILTERS[fname](img.tolist())
    assert res.dtype == np.float64
    assert_identical(res, FILTERS[fname](img), context=fname)


# --------------------------------------------------------------------------- ndim
@pytest.mark.parametrize("fname", FILTERS)
@pytest.mark.parametrize("shape", ((), (7,), (2, 3, 4, 3), (1, 2, 3, 4, 5)))
def test_bad_ndim_is_valueerror_naming_image(fname, shape):
    with pytest.raises(ValueError) as exc:
        FILTERS[fname](np.zeros(shape, np.uint8))
    assert "image" in str(exc.value)
    assert "(H, W)" in str(exc.value) or "dimension" in str(exc.value)


# --------------------------------------------------------------------------- sigma / ksize
@pytest.mark.parametrize("sigma", (-1.0, -0.5, (1.0, -2.0), (-1e-9, 1.0), math.nan,
                                   (math.nan, 1.0), math.inf, -math.inf, (1.0, math.inf)))
def test_bad_sigma(small, sigma):
    with pytest.raises(ValueError, match="sigma"):
        imfilt.gaussian(small, sigma)
    with pytest.raises(ValueError, match="sigma"):
        imfilt.gaussian(small, sigma, ksize=5)


@pytest.mark.parametrize("sigma,ksize", ((0, 0), (0, None), (0.0, (0, 0)), ((0, 1.0), 0),
                                         ((1.0, 0), (5, 0))))
def test_sigma_zero_and_ksize_zero(small, sigma, ksize):
    with pytest.raises(ValueError) as exc:
        imfilt.gaussian(small, sigma, ksize=ksize)
    assert "sigma" in str(exc.value) and "ksize" in str(exc.value)


def test_default_sigma_needs_ksize(small):
    with pytest.raises(ValueError, match="ksize"):
        imfilt.gaussian(small)
    # ... and with a ksize the default sigma (0) derives sigma from it
    assert imfilt.gaussian(small, ksize=3).shape == small.shape


@pytest.mark.parametrize("ksize", (2, 4, (3, 4), (6, 5), -3, (3, -1), 2.0))
def test_bad_ksize(small, ksize):
    with pytest.raises(ValueError, match="ksize"):
        imfilt.gaussian(small, 1.0, ksize=ksize)


@pytest.mark.parametrize("ksize", (3.5, "3", (3, 5, 7), [3]))
def test_malformed_ksize(small, ksize):
    with pytest.raises((TypeError, ValueError), match="ksize"):
        imfilt.gaussian(small, 1.0, ksize=ksize)


@pytest.mark.parametrize("sigma", (1e9, (1e9, 1.0), (1.0, 1e9), 1e300))
def test_absurd_sigma_refused_at_once(sigma):
    img = np.zeros((2000, 2000), np.uint8)
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="sigma"):
        imfilt.gaussian(img, sigma)
    elapsed = time.perf_counter() - t0
    # informative only (no timing assertion, which would be flaky): it raises, and fast
    print(f"sigma={sigma} refused in {elapsed * 1e3:.2f} ms")


def test_absurd_ksize_refused(small):
    with pytest.raises(ValueError, match="ksize"):
        imfilt.gaussian(small, 0, ksize=10 ** 9 + 1)


# --------------------------------------------------------------------------- size
@pytest.mark.parametrize("size", (0, -1, (3, 0), (0, 3), (-2, 5), (5, -7)))
def test_bad_size(small, size):
    with pytest.raises(ValueError, match="size"):
        imfilt.mean(small, size)


@pytest.mark.parametrize("size", (2.5, "3", None, (1, 2, 3), math.nan))
def test_malformed_size(small, size):
    with pytest.raises((TypeError, ValueError), match="size"):
        imfilt.mean(small, size)


def test_integral_float_size_is_accepted(small):
    assert_identical(imfilt.mean(small, 3.0), imfilt.mean(small, 3))
    assert_identical(imfilt.mean(small, (np.int64(3), 5)), imfilt.mean(small, (3, 5)))


def test_normalize_must_be_bool(small):
    with pytest.raises(TypeError, match="normalize"):
        imfilt.mean(small, 3, normalize="yes")


# --------------------------------------------------------------------------- border
@pytest.mark.parametrize("fname", FILTERS)
@pytest.mark.parametrize("border", ("reflect_1O1", "circular", "zeros", "", "edge",
                                    "symmetric"))
def test_unknown_border_lists_valid(small, fname, border):
    with pytest.raises(ValueError) as exc:
        FILTERS[fname](small, border=border)
    msg = str(exc.value)
    assert "border" in msg
    for name in ALL_BORDERS:
        assert name in msg, f"message does not list {name}: {msg}"


@pytest.mark.parametrize("fname", FILTERS)
@pytest.mark.parametrize("border", (None, 3, b"wrap"))
def test_border_not_a_string(small, fname, border):
    with pytest.raises((TypeError, ValueError), match="border"):
        FILTERS[fname](small, border=border)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("alias,canonical", (("mirror", "reflect101"), ("nearest", "replicate")))
def test_scipy_border_aliases(camera, dtype, alias, canonical):
    img = as_dtype(camera[:50, :61], dtype)
    assert_identical(imfilt.gaussian(img, 2.0, border=alias),
                     imfilt.gaussian(img, 2.0, border=canonical))
    assert_identical(imfilt.mean(img, (4, 7), border=alias),
                     imfilt.mean(img, (4, 7), border=canonical))


def test_border_names_case_insensitive(small):
    assert_identical(imfilt.mean(small, 3, border="Wrap"), imfilt.mean(small, 3, border="wrap"))


# --------------------------------------------------------------------------- cval
def test_cval_validation(small):
    with pytest.raises(TypeError, match="cval"):
        imfilt.gaussian(small, 1.0, border="constant", cval="zero")
    with pytest.raises(ValueError, match="cval"):
        imfilt.gaussian(small, 1.0, border="constant", cval=math.nan)
    # out-of-range cval saturates like OpenCV's border value
    a = imfilt.mean(small, 3, border="constant", cval=1000)
    b = imfilt.mean(small, 3, border="constant", cval=255)
    assert_identical(a, b)


# --------------------------------------------------------------------------- threads
@pytest.mark.parametrize("fname", FILTERS)
@pytest.mark.parametrize("threads", (0, -1, -8))
def test_bad_threads_value(small, fname, threads):
    with pytest.raises(ValueError, match="threads"):
        FILTERS[fname](small, threads=threads)


@pytest.mark.parametrize("fname", FILTERS)
@pytest.mark.parametrize("threads", (1.5, "2", True))
def test_bad_threads_type(small, fname, threads):
    with pytest.raises((TypeError, ValueError), match="threads"):
        FILTERS[fname](small, threads=threads)


@pytest.mark.parametrize("threads", (1, 2, 7, 10 ** 6, np.int32(2)))
def test_good_threads(camera, threads):
    assert_identical(imfilt.gaussian(camera, 1.0, threads=threads),
                     imfilt.gaussian(camera, 1.0, threads=1))


# --------------------------------------------------------------------------- out
@pytest.mark.parametrize("fname", FILTERS)
def test_out_read_only(small, fname):
    out = np.empty_like(small)
    out.setflags(write=False)
    with pytest.raises(ValueError, match="out"):
        FILTERS[fname](small, out=out)


@pytest.mark.parametrize("fname", FILTERS)
@pytest.mark.parametrize("shape", ((6, 8), (7, 6), (6, 7, 1), (6,), (6, 7, 3)))
def test_out_wrong_shape(small, fname, shape):
    with pytest.raises(ValueError, match="out"):
        FILTERS[fname](small, out=np.empty(shape, small.dtype))


@pytest.mark.parametrize("fname", FILTERS)
@pytest.mark.parametrize("dtype", (np.uint16, np.float32, np.int8, np.int64))
def test_out_wrong_dtype(small, fname, dtype):
    with pytest.raises(ValueError, match="out"):
        FILTERS[fname](small, out=np.empty(small.shape, dtype))


def test_out_dtype_for_unnormalized_mean(small):
    with pytest.raises(ValueError, match="int64"):
        imfilt.mean(small, 3, normalize=False, out=np.empty(small.shape, np.uint8))
    f = small.astype(np.float32)
    with pytest.raises(ValueError, match="float64"):
        imfilt.mean(f, 3, normalize=False, out=np.empty(f.shape, np.float32))


@pytest.mark.parametrize("out", ([[0] * 7] * 6, "out", 3))
def test_out_not_an_array(small, out):
    with pytest.raises(TypeError, match="out"):
        imfilt.gaussian(small, 1.0, out=out)


def test_failed_call_leaves_out_untouched(small):
    out = np.full(small.shape, 7, np.uint8)
    with pytest.raises(ValueError):
        imfilt.gaussian(small, -1.0, out=out)
    with pytest.raises(ValueError):
        imfilt.mean(small, 3, border="bogus", out=out)
    assert np.all(out == 7)


# --------------------------------------------------------------------------- keyword-only
def test_keyword_only_parameters(small):
    with pytest.raises(TypeError):
        imfilt.gaussian(small, 1.0, 5)        # ksize is keyword-only
    with pytest.raises(TypeError):
        imfilt.mean(small, 3, False)          # normalize is keyword-only


def test_error_messages_name_the_argument(small):
    """A sample of messages, checked as a whole: the argument's name comes first."""
    cases = [(lambda: imfilt.gaussian(small, -1), r"\bsigma\b"),
             (lambda: imfilt.gaussian(small, 1, ksize=4), r"\bksize\b"),
             (lambda: imfilt.mean(small, 0), r"\bsize\b"),
             (lambda: imfilt.mean(small, 3, threads=0), r"\bthreads\b"),
             (lambda: imfilt.mean(small, 3, border="x"), r"\bborder\b")]
    for fn, pattern in cases:
        with pytest.raises(ValueError) as exc:
            fn()
        assert re.search(pattern, str(exc.value)), str(exc.value)


# --------------------------------------------------------------------------- scalar validators
@pytest.mark.parametrize("value", (math.nan, math.inf, -math.inf, np.float32("nan"),
                                   np.array(math.inf)))
def test_non_finite_numbers_are_value_errors(small, value):
    """One rule for every numeric argument: NaN and inf are ValueErrors naming it."""
    calls = {"sigma": lambda: imfilt.gaussian(small, value),
             "ksize": lambda: imfilt.gaussian(small, 1.0, ksize=value),
             "size": lambda: imfilt.mean(small, value),
             "threads": lambda: imfilt.mean(small, 3, threads=value),
             "cval": lambda: imfilt.mean(small, 3, border="constant", cval=value),
             "delta": lambda: imfilt.filter2d(small, np.ones((3, 3)), delta=value),
             "gamma": lambda: imfilt.gamma(small, value),
             "gain": lambda: imfilt.gamma(small, 1.0, value)}
    for name, call in calls.items():
        with pytest.raises(ValueError, match=name):
            call()


def test_float_image_cval_may_be_non_finite(small):
    """cval is a pixel value: a float image takes inf and NaN (an integer image refuses them)."""
    f = small.astype(np.float32)
    assert np.isposinf(imfilt.minimum(f, 3, border="constant", cval=np.inf)).sum() == 0
    assert np.isnan(imfilt.mean(f, 3, border="constant", cval=np.nan)[0]).all()


def test_integer_arguments_refuse_fractions_and_bools():
    from imfilt import _normalize as N
    assert N.integer(np.int64(7), "n") == 7 and N.integer(np.array(3), "n") == 3
    for bad in (1.5, 2.0, True, "3", None):
        with pytest.raises(TypeError, match="n must be an int"):
            N.integer(bad, "n")
    with pytest.raises(ValueError, match="n must be >= 1 and <= 4"):
        N.integer(5, "n", minimum=1, maximum=4)
    assert N.real(np.float32(0.5), "x") == 0.5 and N.real(2, "x") == 2.0
    with pytest.raises(TypeError, match="x must be a real number"):
        N.real(1j, "x")


def test_one_element_pairs_only_where_asked():
    from imfilt import _normalize as N
    assert N.pair((3,), "stride", integer=True, single=True) == (3, 3)
    with pytest.raises(ValueError, match="size"):
        N.pair((3,), "size", integer=True)


def test_lazy_arrays_refused_before_any_work(small):
    da = pytest.importorskip("dask.array")
    lazy = da.from_array(small, chunks=5)
    for call in (lambda: imfilt.gaussian(lazy, 1.0), lambda: imfilt.mean(lazy, 3),
                 lambda: imfilt.maximum(small, footprint=da.ones((3, 3), chunks=2)),
                 lambda: imfilt.filter2d(small, da.ones((3, 3), chunks=2))):
        with pytest.raises(TypeError, match="imfilt.dask"):
            call()
