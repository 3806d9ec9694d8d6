"""The one argument normaliser: every public filter passes its arguments through here before
the binding sees them (Python validates, C trusts)."""
from __future__ import annotations

import math
import numbers
import os

import numpy as np

SUPPORTED_DTYPES = ("uint8", "uint16", "int16", "float32", "float64")
# Codes shared with src/core/imfilt.h (imfilt_dtype).
DTYPE_CODES = {np.dtype(np.uint8): 0, np.dtype(np.uint16): 1, np.dtype(np.int16): 2,
               np.dtype(np.float32): 3, np.dtype(np.float64): 4, np.dtype(np.int64): 5}
# Codes shared with src/core/imfilt.h (imfilt_border).
BORDER_CODES = {"reflect101": 0, "reflect": 1, "replicate": 2, "constant": 3, "wrap": 4}
BORDER_ALIASES = {"mirror": "reflect101", "nearest": "replicate", "reflect_101": "reflect101",
                  "grid-wrap": "wrap", "grid-constant": "constant"}
BORDERS = tuple(BORDER_CODES)

# Refuse work that could only exhaust memory or time, before anything is allocated.
MAX_KERNEL = 1 << 16          # taps per axis of an explicit kernel
MAX_SCRATCH_BYTES = 1 << 31   # per-thread ring of row-pass outputs


_SUPPORTED_SET = frozenset(np.dtype(t) for t in SUPPORTED_DTYPES)
_INT_RANGES = {np.dtype(t): (float(np.iinfo(t).min), float(np.iinfo(t).max))
               for t in ("uint8", "uint16", "int16")}


def refuse_lazy(value, name):
    """A Dask array (or another Dask collection) is refused: np.asarray would compute it whole,
    silently. Detected by its type, without importing dask."""
    t = type(value)
    if t.__module__.split(".")[0] == "dask" or hasattr(t, "__dask_graph__"):
        raise TypeError(f"{name} is a lazy {t.__module__}.{t.__name__}; the in-memory functions "
                        "would compute it whole: use imfilt.dask (the same filters, chunk by "
                        "chunk), or pass an in-memory array (.compute())")


def as_array(value, name):
    """np.asarray(value) for an array argument, refusing None and lazy (Dask) arrays."""
    if type(value) is np.ndarray:
        return value
    if value is None:
        raise TypeError(f"{name} must be an array, got None")
    refuse_lazy(value, name)
    return np.asarray(value)


def check_image(image, name="image", dtypes=SUPPORTED_DTYPES, what=""):
    """Return `image` as an ndarray of one of `dtypes` (names) with 2 or 3 dimensions; `what`
    names the function in the message when its dtypes differ from the filters'."""
    if (type(image) is np.ndarray and image.ndim in (2, 3) and
            (image.dtype in _SUPPORTED_SET if dtypes is SUPPORTED_DTYPES
             else image.dtype.isnative and image.dtype.name in dtypes)):
        return image  # the common case, without the generic checks below
    if image is None:
        raise TypeError(f"{name} must be an array, got None; supported dtypes: "
                        f"{', '.join(dtypes)}")
    arr = as_array(image, name)
    if arr.dtype.kind not in "uif" or arr.dtype.newbyteorder("=").name not in dtypes:
        raise TypeError(f"{name} has unsupported dtype {arr.dtype}{' for ' + what if what else ''}"
                        f"; supported dtypes: {', '.join(dtypes)}")
    if arr.ndim not in (2, 3):
        raise ValueError(f"{name} must have 2 dimensions (H, W) or 3 (H, W, C), "
                         f"got shape {arr.shape}")
    return arr


def border_code(border, name="border"):
    if not isinstance(border, str):
        raise TypeError(f"{name} must be a string, one of {', '.join(BORDERS)} "
                        f"(aliases: {', '.join(BORDER_ALIASES)}), got {border!r}")
    key = BORDER_ALIASES.get(border.lower(), border.lower())
    if key not in BORDER_CODES:
        raise ValueError(f"{name}={border!r} is not a border mode; valid: {', '.join(BORDERS)} "
                         f"(aliases: {', '.join(BORDER_ALIASES)})")
    return BORDER_CODES[key]


def _is_number(v):
    if type(v) in (int, float):
        return True
    return isinstance(v, (numbers.Real, np.floating, np.integer)) and not isinstance(v, (bool, np.bool_))


def real(value, name, *, minimum=None):
    """A real scalar -> float: TypeError if it is not a number, ValueError if it is NaN, infinite
    or below `minimum`."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if not _is_number(value):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if minimum is not None and v < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return v


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


def pair(value, name, *, integer, minimum=None, allow_zero=False, single=False):
    """A scalar or a (height, width) pair -> a tuple of two numbers, validated. `single`: a
    one-element sequence stands for both axes too (torch's rule for conv2d)."""
    if type(value) is int and integer and (minimum is None or value >= minimum):
        return (value, value)  # the common case
    if value is None:
        raise TypeError(f"{name} must be a number or a (height, width) pair, got None")
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a number or a (height, width) pair, got {value!r}")
    if _is_number(value) or (isinstance(value, np.ndarray) and value.ndim == 0):
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
    out = []
    for v in items:
        if isinstance(v, np.ndarray) and v.ndim == 0:
            v = v.item()
        if not _is_number(v):
            raise TypeError(f"{name} must contain numbers, got {value!r}")
        if integer:
            if isinstance(v, (float, np.floating)):
                if not (math.isfinite(v) and float(v).is_integer()):
                    raise ValueError(f"{name} must be integers, got {value!r}")
            v = int(v)
        else:
            v = float(v)
            if not math.isfinite(v):
                raise ValueError(f"{name} must be finite, got {value!r}")
        if minimum is not None and v < minimum and not (allow_zero and v == 0):
            raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
        out.append(v)
    return tuple(out)


def odd_pair(value, name):
    """A scalar or (height, width) pair of odd positive integers, e.g. a median window."""
    kh, kw = pair(value, name, integer=True, minimum=1)
    if kh % 2 == 0 or kw % 2 == 0:
        raise ValueError(f"{name} must be odd, got {value!r}")
    if kh > MAX_KERNEL or kw > MAX_KERNEL:
        raise ValueError(f"{name} {(kh, kw)} exceeds the largest window, {MAX_KERNEL}")
    return kh, kw


def threads_arg(threads):
    """None -> 0 (all cores, as OpenMP sees them); otherwise a positive int."""
    if threads is None:
        return 0
    if type(threads) is not int:
        threads = integer(threads, "threads")
    if threads < 1:
        raise ValueError(f"threads must be >= 1 (or None for all cores), got {threads}")
    return min(threads, 1024)


def cval_arg(cval, dtype):
    """The constant border value in the image's type: integers saturate and round half to
    even, as OpenCV's saturate_cast does with the border value."""
    if isinstance(cval, np.ndarray) and cval.ndim == 0:
        cval = cval.item()
    if not _is_number(cval):
        raise TypeError(f"cval must be a real number, got {cval!r}")
    v = float(cval)
    if dtype.kind in "ui":
        if not math.isfinite(v):  # a float image takes any value, NaN and inf included
            raise ValueError(f"cval must be finite for an integer image ({dtype}), got {cval!r}")
        lo, hi = _INT_RANGES.get(dtype) or (float(np.iinfo(dtype).min), float(np.iinfo(dtype).max))
        v = float(min(max(round(v), lo), hi))
    return v


def _rows_contiguous(a):
    """True when each row (the (W,) or (W, C) sub-array) is one contiguous run."""
    return a.shape[0] == 0 or a[0].flags.c_contiguous


def byte_rows(arr):
    """A 2-D uint8 view (rows x row bytes) of a native-endian, aligned array whose rows are
    contiguous runs of width * channels elements; copies only when that is impossible
    (big-endian or misaligned data, strided columns). Negative or padded row strides are kept as they are."""
    if arr.flags.c_contiguous and arr.dtype.isnative and arr.flags.aligned:  # common, fast
        return arr.reshape(arr.shape[0], math.prod(arr.shape[1:])).view(np.uint8)
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    if not arr.flags.aligned:  # C may vectorise assuming natural alignment: copy
        arr = arr.copy()
    if not _rows_contiguous(arr):
        arr = np.ascontiguousarray(arr)
    h = arr.shape[0]
    row_elems = math.prod(arr.shape[1:])
    return arr.reshape(h, row_elems).view(np.uint8)


def same_elements(a, b):
    """True when a and b are the same elements of the same memory: same start, strides and
    item size (an elementwise kernel may then write b while reading a, sample by sample)."""
    return (a.shape == b.shape and a.dtype.itemsize == b.dtype.itemsize
            and a.strides == b.strides
            and a.__array_interface__["data"][0] == b.__array_interface__["data"][0])


def prepare_out(out, shape, dtype, image, elementwise=False):
    """Validate `out`; return (array the kernel writes, array to return). When `out` overlaps
    the input or cannot be written row by row, the kernel writes a private temporary that is
    copied into `out` afterwards, so aliasing never changes the result. `elementwise`: the
    kernel reads each sample before writing the same position, so `out` being exactly the
    input (same_elements) is written directly; any other overlap still gets a temporary."""
    dtype = np.dtype(dtype)
    if out is None:
        res = np.empty(shape, dtype)
        return res, res
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy.ndarray or None, got {type(out).__name__}")
    if out.shape != tuple(shape):
        raise ValueError(f"out has shape {out.shape}, expected {tuple(shape)}")
    if out.dtype != dtype:
        raise ValueError(f"out has dtype {out.dtype}, expected {dtype}")
    if not out.flags.writeable:
        raise ValueError("out is read-only")
    if not out.dtype.isnative or not out.flags.aligned or not _rows_contiguous(out):
        return np.empty(shape, dtype), out
    if np.shares_memory(out, image):
        if elementwise and image.dtype.isnative and same_elements(out, image):
            return out, out
        return np.empty(shape, dtype), out
    return out, out


def finish(target, result):
    if target is not result:
        result[...] = target
    return result


def cpu_request():
    return os.environ.get("IMFILT_CPU", "").strip().lower()
