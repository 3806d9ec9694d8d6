"""Array assertions that say where two arrays differ.

A failure names the number of differing elements, the first (assert_identical) or worst
(assert_close) index with both values there, the shapes and dtypes, and the caller's context
(the input and parameters the result came from). `context` is a string, or a tuple / mapping
whose arrays are shown by shape and dtype rather than printed.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"array{value.shape} {value.dtype}"
    return repr(value)


def _context(context):
    if context is None:
        return ""
    if isinstance(context, Mapping):
        text = ", ".join(f"{k}={_describe(v)}" for k, v in context.items())
    elif isinstance(context, tuple):
        text = ", ".join(_describe(v) for v in context)
    else:
        text = str(context)
    return f"[{text}] "


def _layouts(actual, expected):
    return (f"actual {actual.shape} {actual.dtype}, expected {expected.shape} "
            f"{expected.dtype}")


def _at(flat_index, shape):
    return tuple(int(i) for i in np.unravel_index(flat_index, shape))


def _values(actual, expected, index):
    return f"{index}: actual {actual[index].item()!r}, expected {expected[index].item()!r}"


def assert_identical(actual, expected, *, equal_nan=False, context=None):
    """Same shape, same dtype, same values. NaN never equals NaN (as np.array_equal) unless
    `equal_nan`, where a NaN must sit at the same index in both."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    where = _context(context)
    if actual.shape != expected.shape or actual.dtype != expected.dtype:
        raise AssertionError(f"{where}shape or dtype differ: {_layouts(actual, expected)}")
    differ = actual != expected
    if equal_nan and actual.dtype.kind in "fc":
        differ &= ~(np.isnan(actual) & np.isnan(expected))
    count = int(np.count_nonzero(differ))
    if count:
        first = _at(int(np.flatnonzero(differ)[0]), differ.shape)
        raise AssertionError(f"{where}{count} of {differ.size} elements differ; first at "
                             f"{_values(actual, expected, first)}; "
                             f"{_layouts(actual, expected)}")


def assert_close(actual, expected, *, rtol, atol, context=None):
    """Same shape and |actual - expected| <= atol + rtol * |expected| everywhere (in float64);
    equal values (infinities included) and NaNs at the same index pass, a NaN against a number
    fails. The dtypes may differ (a result against a float64 reference)."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    where = _context(context)
    if actual.shape != expected.shape:
        raise AssertionError(f"{where}shapes differ: {_layouts(actual, expected)}")
    a = actual.astype(np.float64)
    e = expected.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(a - e)
        allowed = atol + rtol * np.abs(e)
        ok = (a == e) | (diff <= allowed) | (np.isnan(a) & np.isnan(e))
    bad = ~ok
    count = int(np.count_nonzero(bad))
    if count:
        # the worst is the largest excess over the allowance; a NaN mismatch is worst of all
        excess = np.where(bad, np.nan_to_num(diff - allowed, nan=np.inf, posinf=np.inf),
                          -np.inf)
        worst = _at(int(np.argmax(excess)), bad.shape)
        raise AssertionError(f"{where}{count} of {bad.size} elements beyond atol={atol:g} + "
                             f"rtol={rtol:g} * |expected|; worst at "
                             f"{_values(actual, expected, worst)} (|diff| {diff[worst]:g}); "
                             f"{_layouts(actual, expected)}")
