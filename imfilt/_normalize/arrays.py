"""Array arguments: images (and the dtypes each family takes), `out`, the byte-row views the
binding passes to C, and the arrays that parametrise a filter (footprints, kernels, lookup
tables, conv2d operands)."""
from __future__ import annotations

import math

import numpy as np

from .. import _core
from .scalars import MAX_KERNEL

SUPPORTED_DTYPES = ("uint8", "uint16", "int16", "float32", "float64")
HOG_DTYPES = ("uint8", "uint16", "float32", "float64")
GAMMA_DTYPES = HOG_DTYPES
LUT_DTYPES = ("uint8", "uint16")
CONV_DTYPES = ("float32", "float64")
# The C core's dtype codes (imfilt_dtype, declared in src/binding/_core.pxd).
_D = _core.imfilt_dtype
DTYPE_CODES = {np.dtype(np.uint8): int(_D.IMFILT_U8), np.dtype(np.uint16): int(_D.IMFILT_U16),
               np.dtype(np.int16): int(_D.IMFILT_I16), np.dtype(np.float32): int(_D.IMFILT_F32),
               np.dtype(np.float64): int(_D.IMFILT_F64), np.dtype(np.int64): int(_D.IMFILT_I64)}
# Entries per lookup table, by image dtype.
TABLE_LENGTHS = {np.dtype(np.uint8): 256, np.dtype(np.uint16): 65536}

# each tuple of dtype names as a set of native dtypes (dtype.name is slow to compute)
_DTYPE_SETS = {names: frozenset(np.dtype(t) for t in names)
               for names in (SUPPORTED_DTYPES, HOG_DTYPES, LUT_DTYPES, CONV_DTYPES)}
_GAMMA_SET = _DTYPE_SETS[GAMMA_DTYPES]
_CONV_SHAPES = {1: "(C_out,)", 3: "(C, H, W)", 4: "(N, C, H, W)"}


def native(dtype):
    """The dtype in the machine's byte order (what C reads after byte_rows)."""
    return dtype if dtype.isnative else dtype.newbyteorder("=")


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
    if (type(image) is np.ndarray and image.ndim in (2, 3)
            and image.dtype in _DTYPE_SETS.get(dtypes, ())):
        return image  # the common case, without the generic checks below
    if image is None:
        raise TypeError(f"{name} must be an array, got None; supported dtypes: "
                        f"{', '.join(dtypes)}")
    arr = as_array(image, name)
    if arr.dtype.kind not in "uif" or arr.dtype.newbyteorder("=").name not in dtypes:
        raise TypeError(f"{name} has unsupported dtype {arr.dtype}{' for ' + what if what else ''}"
                        f"; supported dtypes: {', '.join(dtypes)}")
    check_ndim(arr.shape, name)
    return arr


def check_ndim(shape, name="image"):
    """An image's shape: (H, W) or (H, W, C)."""
    if len(shape) not in (2, 3):
        raise ValueError(f"{name} must have 2 dimensions (H, W) or 3 (H, W, C), "
                         f"got shape {shape}")


def lut_image(image):
    """An image `lut` can index a table with: uint8 or uint16."""
    return check_image(image, "image", dtypes=LUT_DTYPES, what="lut")


def gamma_dtype(arr):
    """The native dtype of an image `gamma` takes: uint8, uint16 (through a table), float32 or
    float64 (>= 0, which the C core checks while it computes)."""
    dt = arr.dtype if arr.dtype.isnative else arr.dtype.newbyteorder("=")
    if dt in _GAMMA_SET:
        if arr.ndim not in (2, 3):
            check_ndim(arr.shape)
        return dt
    if dt.kind in "uif" and dt.name in SUPPORTED_DTYPES:
        raise TypeError(f"image has dtype {dt}, which gamma does not support (no [0, max] "
                        f"range to normalise by); supported dtypes: {', '.join(GAMMA_DTYPES)}")
    raise TypeError(f"image has unsupported dtype {arr.dtype}; supported dtypes: "
                    f"{', '.join(GAMMA_DTYPES)}")


def hog_image(image, name="image"):
    """An image HOG takes: uint8, uint16, float32 or float64 with 1 to 64 channels."""
    arr = check_image(image, name, dtypes=HOG_DTYPES, what="HOG")
    if arr.ndim == 3 and not 1 <= arr.shape[2] <= 64:
        raise ValueError(f"{name} must have 1 to 64 channels, got {arr.shape[2]}")
    return arr


def hog_values(arr, gamma):
    """OpenCV's HOG takes 8-bit images only: a float image must be finite (NaN and inf have no
    OpenCV HOG to follow, so they are refused rather than given arbitrary bins), and
    non-negative under gamma correction."""
    if arr.dtype.kind != "f" or not arr.size:
        return
    lo, hi = arr.min(), arr.max()
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError("image must be finite for hog: it contains NaN or inf (OpenCV's HOG "
                         "takes 8-bit images; hog_skimage propagates NaN as scikit-image)")
    if gamma and lo < 0:
        raise ValueError("gamma_correction takes the square root of the intensities: a float "
                         "image must not have negative values (or pass gamma_correction=False)")


def footprint_mask(footprint):
    """A 2-D structuring element -> its uint8 mask (1 where nonzero), with a nonzero cell."""
    fp = as_array(footprint, "footprint")
    if fp.ndim != 2:
        raise ValueError(f"footprint must be a 2-D array, got shape {fp.shape}")
    if fp.dtype.kind not in "biuf":
        raise TypeError(f"footprint must be a boolean or numeric array, got dtype {fp.dtype}")
    if fp.size == 0 or fp.shape[0] > MAX_KERNEL or fp.shape[1] > MAX_KERNEL:
        raise ValueError(f"footprint shape {fp.shape} must be between 1 and {MAX_KERNEL} "
                         f"per axis")
    if fp.dtype.kind == "f" and np.isnan(fp).any():
        raise ValueError("footprint must not contain NaN")
    mask = np.ascontiguousarray(fp != 0, dtype=np.uint8)
    if not mask.any():
        raise ValueError("footprint has no nonzero cell: the window would be empty")
    return mask


def kernel2d(kernel):
    """A filter2d kernel -> contiguous float64 (kh, kw), finite, 1 to MAX_KERNEL per axis."""
    k = as_array(kernel, "kernel")
    if k.dtype.kind not in "uif" and k.dtype != np.bool_:
        raise TypeError(f"kernel must be a real numeric array, got dtype {k.dtype}")
    if k.ndim != 2:
        raise ValueError(f"kernel must be 2-D (kh, kw), got shape {k.shape}")
    if k.shape[0] < 1 or k.shape[1] < 1:
        raise ValueError(f"kernel must not be empty, got shape {k.shape}")
    if k.shape[0] > MAX_KERNEL or k.shape[1] > MAX_KERNEL:
        raise ValueError(f"kernel shape {k.shape} exceeds the largest kernel, {MAX_KERNEL}")
    k = np.ascontiguousarray(k, dtype=np.float64)
    if not np.all(np.isfinite(k)):
        raise ValueError("kernel must be finite")
    return k


# The output dtypes each input dtype may be filtered to (OpenCV's ddepth table, Sobel /
# sepFilter2D / filter2D / Laplacian).
OUTPUT_DTYPES = {np.dtype(k): tuple(np.dtype(t) for t in v) for k, v in {
    "uint8": ("uint8", "int16", "float32", "float64"),
    "uint16": ("uint16", "float32", "float64"),
    "int16": ("int16", "float32", "float64"),
    "float32": ("float32", "float64"),
    "float64": ("float64",)}.items()}


def output_dtype(dtype, image_dtype, default):
    """The output dtype a filter's `dtype=` names for an image of `image_dtype` (None: the
    family's `default`), one of OUTPUT_DTYPES[image_dtype]; else ValueError naming both."""
    if dtype is None:
        return np.dtype(default)
    try:
        d = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must name a NumPy dtype, got {dtype!r}") from None
    d = native(d)
    allowed = OUTPUT_DTYPES[image_dtype]
    if d not in allowed:
        raise ValueError(f"dtype={d} is not an output dtype for a {image_dtype} image; allowed: "
                         f"{', '.join(t.name for t in allowed)}")
    return d


def kernel1d(kernel, name):
    """A 1-D kernel (sep_filter2d's kernel_y / kernel_x) -> contiguous float64, non-empty, at
    most MAX_KERNEL taps, finite; ValueError naming the argument."""
    k = as_array(kernel, name)
    if k.dtype.kind not in "uif" and k.dtype != np.bool_:
        raise TypeError(f"{name} must be a real numeric array, got dtype {k.dtype}")
    if k.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {k.shape}")
    if k.shape[0] < 1:
        raise ValueError(f"{name} must not be empty")
    if k.shape[0] > MAX_KERNEL:
        raise ValueError(f"{name} has {k.shape[0]} taps, more than the largest kernel, "
                         f"{MAX_KERNEL}")
    k = np.ascontiguousarray(k, dtype=np.float64)
    if not np.all(np.isfinite(k)):
        raise ValueError(f"{name} must be finite")
    return k


def lut_table(table, image):
    """The table for `image` as a contiguous native (entries, C) or (entries,) array."""
    tab = as_array(table, "table")
    if tab.dtype.kind not in "biufc":
        raise TypeError(f"table must have a numeric dtype (bool, integer, float or complex), "
                        f"got {tab.dtype}")
    image_dtype = native(image.dtype)
    channels = image.shape[2] if image.ndim == 3 else 1
    n = TABLE_LENGTHS[image_dtype]
    shape = tab.shape
    # accepted: (n,), cv2's (1, n) and (n, 1), per channel (n, C), (1, n, C), (n, 1, C)
    if tab.ndim == 2 and shape[0] == 1 and shape[1] == n:
        tab = tab.reshape(n)
    elif tab.ndim == 3 and 1 in shape[:2] and shape[0] * shape[1] == n:
        tab = tab.reshape(n, shape[2])
    if tab.ndim not in (1, 2) or tab.shape[0] != n:
        raise ValueError(f"table must have {n} entries for a {image_dtype} image: shape ({n},) "
                         f"or ({n}, channels); got shape {shape}")
    if tab.ndim == 2:
        if tab.shape[1] == 1:
            tab = tab.reshape(n)
        elif tab.shape[1] != channels:
            raise ValueError(f"table has {tab.shape[1]} per-channel columns (shape {shape}) but "
                             f"the image has {channels} channel(s); give ({n},) or ({n}, "
                             f"{channels})")
    tab = np.ascontiguousarray(tab.astype(native(tab.dtype), copy=False))
    return tab if tab.flags.aligned else tab.copy()


def conv_operand(a, name, ndims, dtype=None):
    """A conv2d operand: a float32/float64 array of one of the ranks `ndims`, as a contiguous,
    aligned array of `dtype` (default: its own, native)."""
    arr = as_array(a, name)
    if arr.dtype.kind != "f" or native(arr.dtype).name not in CONV_DTYPES:
        raise TypeError(f"{name} has unsupported dtype {arr.dtype}; conv2d supports "
                        f"{', '.join(CONV_DTYPES)}")
    if arr.ndim not in ndims:
        shapes = dict(_CONV_SHAPES)
        if name == "weight":
            shapes[4] = "(C_out, C_in / groups, kh, kw)"
        raise ValueError(f"{name} must have shape " + " or ".join(shapes[d] for d in ndims)
                         + f", got shape {arr.shape}")
    arr = np.ascontiguousarray(arr, dtype=native(arr.dtype) if dtype is None else dtype)
    return arr if arr.flags.aligned else arr.copy()   # C loads assume natural alignment


def _rows_contiguous(a):
    """True when each row (the (W,) or (W, C) sub-array) is one contiguous run."""
    return a.shape[0] == 0 or a[0].flags.c_contiguous


def c_rows(arr):
    """`arr` as the C core reads it in place: native-endian, aligned, each row a contiguous
    run of width * channels elements; copies only when that is impossible (big-endian or
    misaligned data, strided columns). Negative or padded row strides are kept as they are."""
    if arr.flags.c_contiguous and arr.dtype.isnative and arr.flags.aligned:  # common, fast
        return arr
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    if not arr.flags.aligned:  # C may vectorise assuming natural alignment: copy
        arr = arr.copy()
    if not _rows_contiguous(arr):
        arr = np.ascontiguousarray(arr)
    return arr


def byte_rows(arr):
    """A 2-D uint8 view (rows x row bytes) of `arr` as c_rows gives it."""
    arr = c_rows(arr)
    return arr.reshape(arr.shape[0], math.prod(arr.shape[1:])).view(np.uint8)


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
    if out is None:
        res = np.empty(shape, dtype)
        return res, res
    dtype = np.dtype(dtype)
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
    """Copy what the kernel wrote into `out` when it wrote a temporary (prepare_out)."""
    if target is not result:
        result[...] = target
    return result
