"""Scalar arguments: numbers, (height, width) pairs and windows, borders, cval, threads, and
the limits on the work a call may ask for. `number` is the one check under every numeric
argument (pairs check each item with it)."""
from __future__ import annotations

import math
import numbers

import numpy as np

from .. import _core

# The C core's border codes (imfilt_border, declared in src/binding/_core.pxd).
_B = _core.imfilt_border
BORDER_CODES = {"reflect101": int(_B.IMFILT_BORDER_REFLECT101), "reflect": int(_B.IMFILT_BORDER_REFLECT),
                "replicate": int(_B.IMFILT_BORDER_REPLICATE), "constant": int(_B.IMFILT_BORDER_CONSTANT),
                "wrap": int(_B.IMFILT_BORDER_WRAP)}
BORDER_ALIASES = {"mirror": "reflect101", "nearest": "replicate", "reflect_101": "reflect101",
                  "grid-wrap": "wrap", "grid-constant": "constant"}
BORDERS = tuple(BORDER_CODES)

# Refuse work that could only exhaust memory or time, before anything is allocated.
MAX_KERNEL = 1 << 16          # taps per axis of an explicit kernel
MAX_SCRATCH_BYTES = 1 << 31   # per-thread ring of row-pass outputs
MAX_OUTPUT_BYTES = 1 << 34    # outputs whose size the arguments choose (conv2d, HOG): 16 GiB
MAX_THREADS = 1024            # larger counts are capped

# the compiled fast path (src/binding/fast.pxi) takes exactly these names and limits
_core.fast_setup({**BORDER_CODES, **{a: BORDER_CODES[t] for a, t in BORDER_ALIASES.items()}},
                 MAX_KERNEL, MAX_SCRATCH_BYTES, MAX_THREADS)

_INT_RANGES = {np.dtype(t): (float(np.iinfo(t).min), float(np.iinfo(t).max))
               for t in ("uint8", "uint16", "int16")}


def is_number(v):
    """A real number: Python's, NumPy's or any numbers.Real; bools are not numbers here."""
    if type(v) in (int, float):
        return True
    return (isinstance(v, (numbers.Real, np.floating, np.integer))
            and not isinstance(v, (bool, np.bool_)))


def number(value, name, *, minimum=None, integral=False, finite=True, allow_zero=False,
           quoted=None):
    """A real scalar (a 0-d array too) -> float, or int when `integral` (a float must then be a
    whole number). TypeError if it is not a number; ValueError if it is fractional where
    `integral`, NaN or infinite (unless not `finite`), or below `minimum` (0 passes too with
    `allow_zero`). `quoted`: the whole argument the value is an item of (a pair), which the
    messages then quote."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    shown = value if quoted is None else quoted
    if not is_number(value):
        what = "be a real number" if quoted is None else "contain numbers"
        raise TypeError(f"{name} must {what}, got {shown!r}")
    if integral:
        if isinstance(value, (float, np.floating)):
            if not (math.isfinite(value) and float(value).is_integer()):
                raise ValueError(f"{name} must be integers, got {shown!r}")
        v = int(value)
    else:
        v = float(value)
        if finite and not math.isfinite(v):
            raise ValueError(f"{name} must be finite, got {shown!r}")
    if minimum is not None and v < minimum and not (allow_zero and v == 0):
        raise ValueError(f"{name} must be >= {minimum}, got {shown!r}")
    return v


def real(value, name, *, minimum=None):
    """A finite real scalar -> float (`number`), at least `minimum` if given."""
    # the common case: a finite float (x - x is NaN for NaN and infinities)
    if type(value) is float and value - value == 0.0 and (minimum is None or value >= minimum):
        return value
    return number(value, name, minimum=minimum)


def integer(value, name, *, minimum=None, maximum=None):
    """An int scalar -> int: TypeError for bools, fractional and non-numbers, ValueError for NaN
    and infinities (non-finite numbers are ValueErrors everywhere) and values out of range."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, (float, np.floating)) and not math.isfinite(value):
        raise ValueError(f"{name} must be a finite int, got {value!r}")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{name} must be an int, got {value!r}")
    v = int(value)
    if (minimum is not None and v < minimum) or (maximum is not None and v > maximum):
        hi = f" and <= {maximum}" if maximum is not None else ""
        raise ValueError(f"{name} must be >= {minimum}{hi}, got {v}")
    return v


def boolean(value, name):
    """True or False (NumPy's bools too); anything else is a TypeError."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def pair(value, name, *, integer, minimum=None, allow_zero=False, single=False):
    """A scalar or a (height, width) pair -> a tuple of two numbers, each checked by `number`
    (`integer`: whole numbers, as ints). `single`: a one-element sequence stands for both axes
    too (torch's rule for conv2d)."""
    t = type(value)
    if (t is int if integer else t is float and value - value == 0.0) and (
            minimum is None or value >= minimum or (allow_zero and value == 0)):
        return (value, value)  # the common cases: an int size, a finite float sigma
    if value is None:
        raise TypeError(f"{name} must be a number or a (height, width) pair, got None")
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a number or a (height, width) pair, got {value!r}")
    if is_number(value) or (isinstance(value, np.ndarray) and value.ndim == 0):
        items = (value, value)
    else:
        try:
            items = tuple(value)
        except TypeError:
            raise TypeError(f"{name} must be a number or a (height, width) pair, "
                            f"got {value!r}") from None
        if single and len(items) == 1:
            items = items * 2
        if len(items) != 2:
            raise ValueError(f"{name} must be a number or a (height, width) pair"
                             f"{' (or a one-element sequence)' if single else ''}, "
                             f"got {value!r}")
    return tuple([number(v, name, minimum=minimum, integral=integer, allow_zero=allow_zero,
                         quoted=value) for v in items])


def window(value, name, odd=False):
    """A window size: a positive int or (height, width) pair, odd if asked, at most MAX_KERNEL
    per axis."""
    if type(value) is int and 1 <= value <= MAX_KERNEL and (value & 1 or not odd):
        return (value, value)  # the common case
    kh, kw = pair(value, name, integer=True, minimum=1)
    if odd and (kh % 2 == 0 or kw % 2 == 0):
        raise ValueError(f"{name} must be odd, got {value!r}")
    if kh > MAX_KERNEL or kw > MAX_KERNEL:
        raise ValueError(f"{name} {(kh, kw)} exceeds the largest window, {MAX_KERNEL}")
    return kh, kw


def odd_pair(value, name):
    """A window of odd sizes, e.g. a median's."""
    return window(value, name, True)


def border_code(border, name="border"):
    """A border mode's name (case-insensitive, scipy's aliases too) -> its C code."""
    if not isinstance(border, str):
        raise TypeError(f"{name} must be a string, one of {', '.join(BORDERS)} "
                        f"(aliases: {', '.join(BORDER_ALIASES)}), got {border!r}")
    key = BORDER_ALIASES.get(border.lower(), border.lower())
    if key not in BORDER_CODES:
        raise ValueError(f"{name}={border!r} is not a border mode; valid: {', '.join(BORDERS)} "
                         f"(aliases: {', '.join(BORDER_ALIASES)})")
    return BORDER_CODES[key]


def cval_arg(cval, dtype):
    """The constant border value in the image's (native) type: integers saturate and round half
    to even, as OpenCV's saturate_cast does with the border value; a float image takes any
    value, NaN and inf included."""
    if type(cval) is float or type(cval) is int:
        v = float(cval)  # the common case
    else:
        if isinstance(cval, np.ndarray) and cval.ndim == 0:
            cval = cval.item()
        v = number(cval, "cval", finite=False)
    if dtype.kind in "ui":
        if not math.isfinite(v):
            raise ValueError(f"cval must be finite for an integer image ({dtype}), got {cval!r}")
        lo, hi = _INT_RANGES.get(dtype) or (float(np.iinfo(dtype).min), float(np.iinfo(dtype).max))
        v = float(min(max(round(v), lo), hi))
    return v


def threads_arg(threads):
    """None -> 0 (all cores, as OpenMP sees them); otherwise a positive int, capped."""
    if threads is None:
        return 0
    if type(threads) is not int:
        threads = integer(threads, "threads")
    if threads < 1:
        raise ValueError(f"threads must be >= 1 (or None for all cores), got {threads}")
    return min(threads, MAX_THREADS)


def check_scratch(nbytes, message, *values):
    """Refuse a call whose per-thread scratch would exceed MAX_SCRATCH_BYTES, before anything
    is allocated: ValueError(message.format(*values, gib=the scratch in GiB))."""
    if nbytes > MAX_SCRATCH_BYTES:
        raise ValueError(message.format(*values, gib=nbytes / 2**30))


def check_output(nbytes, message, *values):
    """The same for an output larger than MAX_OUTPUT_BYTES."""
    if nbytes > MAX_OUTPUT_BYTES:
        raise ValueError(message.format(*values, gib=nbytes / 2**30))
