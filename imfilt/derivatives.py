"""Derivative filters: sobel, scharr, laplacian (cv2.Sobel, cv2.Scharr, cv2.Laplacian) and
sep_filter2d (cv2.sepFilter2D), with OpenCV's kernels, output dtypes and arithmetic."""
from __future__ import annotations

import functools
import math

import numpy as np

from . import _core, _docs
from . import _normalize as N
from ._docs import fill
from ._typing import Border, DType, Image, ImageLike, Number, Optional, Out, Threads, Tuple

# the C core's work types of the derivative driver (src/binding/_core.pxd)
WORK_I16, WORK_I32, WORK_F32_D, WORK_F64_D = (int(w) for w in _core.imfilt_deriv_work)

_U8, _I16, _F32, _F64 = (np.dtype(t) for t in ("uint8", "int16", "float32", "float64"))
# the derivatives' default output: signed or float, so no negative derivative is clipped
_DERIV_DEFAULT = {np.dtype(np.uint8): _I16, np.dtype(np.uint16): _F32, _I16: _F32,
                  _F32: _F32, _F64: _F64}
# cv2.Laplacian's 3x3 kernels (ksize 1 and 3) as two separable terms (ky, kx) each
_LAPLACE_TERMS = {
    1: (([0, 1, 0], [1, -2, 1]), ([1, -2, 1], [0, 1, 0])),
    3: (([1, 0, 1], [2, 0, 2]), ([0, 1, 0], [0, -8, 0])),
}

_DTYPE_DOC = """dtype : dtype, optional, keyword-only
        The output type (cv2's ddepth): uint8 -> uint8, int16, float32, float64; uint16 ->
        uint16, float32, float64; int16 -> int16, float32, float64; float32 -> float32,
        float64; float64 -> float64. Default: {}."""
_RETURNS = """Returns
    -------
    ndarray of the input's shape and the output dtype."""
_DERIV_DTYPE = _DTYPE_DOC.format("uint8 -> int16, uint16 and int16 -> float32,\n        "
                                 "floats keep their type (a negative derivative is never "
                                 "clipped)")


def _params(dtype_doc):
    """The parameters every derivative filter documents alike, with its dtype default."""
    return f"{_docs.IMAGE}\n    {dtype_doc}\n    {_docs.BORDER}\n    {_docs.OUT}"


def deriv_kernel(order, ksize):
    """The float64 1-D kernel of cv2.getDerivKernels for one axis: Scharr's for ksize -1,
    else the binomial smoothing (ksize - order - 1 times [1, 1]) differenced `order` times
    (ksize 1 with order > 0 is 3 taps, as cv2)."""
    if ksize == -1:
        return np.array([3.0, 10.0, 3.0] if order == 0 else [-1.0, 0.0, 1.0])
    n = 3 if ksize == 1 and order > 0 else ksize
    k = np.ones(1)
    for _ in range(n - 1 - order):
        k = np.convolve(k, [1.0, 1.0])
    for _ in range(order):
        k = np.convolve(k, [-1.0, 1.0])
    return k


def _as_ktype(k, ktype):
    """A kernel as OpenCV holds it: in float32 unless float64 is involved."""
    return k.astype(ktype).astype(np.float64) if ktype == _F32 else k


def _integral(k):
    return bool(np.all(k == np.round(k)))


def _int_symmetric(k, a):
    """OpenCV's getKernelType says KERNEL_INTEGER and (KERNEL_SYMMETRICAL or ASYMMETRICAL):
    integer taps, the anchor in the middle, k == k[::-1] or k == -k[::-1]."""
    return (_integral(k) and 2 * a + 1 == len(k)
            and (np.array_equal(k, k[::-1]) or np.array_equal(k, -k[::-1])))


def _work(src, dst, terms, delta, cv2_int, wide):
    """The work type that reproduces OpenCV: 8-bit images with integer taps and delta in
    int16 lanes where no partial sum can leave int16, else int32 lanes where OpenCV sums
    in int32 too (cv2_int: it wraps modulo 2^32 as they do) or where every sum stays below
    2^24 (OpenCV's float32 sums are then exact too); otherwise float32, or float64 when `wide`
    (None: when either type is float64, OpenCV's buffer depth max(CV_32F, sdepth, ddepth))."""
    if (src == _U8 and delta == math.floor(delta)
            and all(_integral(ky) and _integral(kx) for ky, kx in terms)):
        bound = 255 * sum(np.abs(ky).sum() * np.abs(kx).sum() for ky, kx in terms) + abs(delta)
        if bound <= 32767:
            return WORK_I16
        if cv2_int or bound < 2 ** 24:
            return WORK_I32
    return WORK_F64_D if (_F64 in (src, dst) if wide is None else wide) else WORK_F32_D


def plan_terms(src, dst, terms, ay, ax, delta, cv2_int=False, wide=None):
    """The derivative driver's plan for one or two separable terms (ky, kx) of equal sizes:
    (terms as contiguous read-only float64 arrays, ay, ax, work type)."""
    work = _work(src, dst, terms, delta, cv2_int, wide)
    terms = tuple((np.array(ky, np.float64), np.array(kx, np.float64)) for ky, kx in terms)
    for pair in terms:
        for k in pair:
            k.setflags(write=False)
    return terms, ay, ax, work


def run_terms(arr, plan, delta, border_c, cval_v, out, dtype, nthreads):
    """out = delta + the sum of the plan's separable correlations of `arr`, as `dtype`, on
    checked arguments: one call of the derivative driver (src/deriv/)."""
    terms, ay, ax, work = plan
    target, result = N.prepare_out(out, arr.shape, dtype, arr)
    if arr.size == 0:
        return result
    kh, kw = len(terms[0][0]), len(terms[0][1])
    channels = arr.shape[2] if arr.ndim == 3 else 1
    N.check_scratch((len(terms) * kh + 4) * (min(arr.shape[1], 4096) + kw) * channels * 8,
                    "a {}x{} kernel needs {gib:.1f} GiB of scratch per thread; refusing", kh, kw)
    _core.deriv(N.c_rows(arr), N.c_rows(target), terms, ax, ay, delta, border_c, cval_v,
                work, nthreads)
    return N.finish(target, result)


def _common(image, dtype, border, cval, threads, same=False):
    """The arguments every derivative filter checks alike; same: the default output dtype is
    the input's (else _DERIV_DEFAULT)."""
    arr = N.check_image(image)
    src = N.native(arr.dtype)
    odt = N.output_dtype(dtype, src, src if same else _DERIV_DEFAULT[src])
    return arr, src, odt, N.border_code(border), N.cval_arg(cval, src), N.threads_arg(threads)


@fill(PARAMS=_params(_DERIV_DTYPE), RETURNS=_RETURNS)
def sobel(image: ImageLike, *, dy: int = 0, dx: int = 0, ksize: int = 3, scale: Number = 1.0,
          delta: Number = 0.0, dtype: DType = None, border: Border = "reflect101",
          cval: Number = 0, out: Out = None, threads: Threads = None) -> Image:
    """Sobel derivative d^(dy+dx) / dy^dy dx^dx, equal to
    cv2.Sobel(image, ddepth, dx, dy, ksize, scale, delta, borderType).

    Parameters
    ----------
    {PARAMS}
    dy, dx : int, keyword-only
        Derivative orders along y (rows) and x (columns); not both 0. Keyword-only, so cv2's
        positional (dx, dy) cannot silently swap the axes.
    ksize : int, keyword-only
        1 (a 3-tap derivative without smoothing, as cv2), 3, 5, ..., 31, or -1 for Scharr's
        3x3. Orders must be below max(ksize, 3).
    scale, delta : float, keyword-only
        The result is scale * derivative + delta (scale folded into the kernel, as cv2).

    {RETURNS}

    Notes
    -----
    Integer outputs equal cv2 bit for bit at scale=1, delta=0 (uint8 input: exact integer
    sums, in int16 lanes where they fit, int32 otherwise, wrapping as cv2's); with other
    scale / delta within 1 (float32 sums rounded half to even). Float outputs from float
    inputs sum in float32 (float64) by fused multiply-adds, in another order than cv2.

    Examples
    --------
    >>> import numpy as np, imfilt
    >>> img = np.tile(np.arange(8, dtype=np.uint8) * 10, (4, 1))
    >>> imfilt.sobel(img, dx=1)[1, 2:5]
    array([80, 80, 80], dtype=int16)
    """
    return _sobel(image, dy, dx, ksize, scale, delta, dtype, border, cval, out, threads)


def _sobel(image, dy, dx, ksize, scale, delta, dtype, border, cval, out, threads):
    """sobel's (and scharr's) checked arguments, cv2's kernels, the derivative driver."""
    arr, src, odt, border_c, cval_v, nthreads = _common(image, dtype, border, cval, threads)
    dy, dx, ksize = N.deriv_args(dy, dx, ksize)
    scale = N.real(scale, "scale")
    delta = N.real(delta, "delta")
    plan = _sobel_plan(src.char, odt.char, dy, dx, ksize, scale, delta)
    return run_terms(arr, plan, delta, border_c, cval_v, out, odt, nthreads)


@functools.lru_cache(maxsize=256)
def _sobel_plan(src_char, odt_char, dy, dx, ksize, scale, delta):
    """cv2.Sobel's kernels (getDerivKernels in float32 unless float64 is involved, scale
    folded into the smoothing one) and work type, cached per arguments."""
    src, odt = np.dtype(src_char), np.dtype(odt_char)
    ktype = _F64 if _F64 in (src, odt) else _F32
    kx, ky = deriv_kernel(dx, ksize), deriv_kernel(dy, ksize)
    if scale != 1:  # cv2 scales the smoothing kernel (the y one when dx == 0)
        if dx == 0:
            kx = kx * ktype.type(scale) if ktype == _F32 else kx * scale
        else:
            ky = ky * ktype.type(scale) if ktype == _F32 else ky * scale
    kx, ky = _as_ktype(kx, ktype), _as_ktype(ky, ktype)
    cv2_int = src == _U8 and odt == _I16 and _integral(kx) and _integral(ky)
    return plan_terms(src, odt, ((ky, kx),), len(ky) // 2, len(kx) // 2, delta, cv2_int)


@fill(PARAMS=_params(_DERIV_DTYPE), RETURNS=_RETURNS)
def scharr(image: ImageLike, *, dy: int = 0, dx: int = 0, scale: Number = 1.0,
           delta: Number = 0.0, dtype: DType = None, border: Border = "reflect101",
           cval: Number = 0, out: Out = None, threads: Threads = None) -> Image:
    """Scharr's 3x3 first derivative, equal to cv2.Scharr(image, ddepth, dx, dy, scale,
    delta, borderType) (= sobel(ksize=-1)).

    Parameters
    ----------
    {PARAMS}
    dy, dx : int, keyword-only
        One of them 1, the other 0.
    scale, delta : float, keyword-only
        The result is scale * derivative + delta.

    {RETURNS}

    Examples
    --------
    >>> import numpy as np, imfilt
    >>> img = np.tile(np.arange(8, dtype=np.uint8) * 10, (4, 1))
    >>> imfilt.scharr(img, dx=1)[1, 2:5]
    array([320, 320, 320], dtype=int16)
    """
    return _sobel(image, dy, dx, -1, scale, delta, dtype, border, cval, out, threads)


@fill(PARAMS=_params(_DERIV_DTYPE), RETURNS=_RETURNS)
def laplacian(image: ImageLike, *, ksize: int = 1, scale: Number = 1.0, delta: Number = 0.0,
              dtype: DType = None, border: Border = "reflect101", cval: Number = 0,
              out: Out = None, threads: Threads = None) -> Image:
    """Laplacian d2/dy2 + d2/dx2, equal to cv2.Laplacian(image, ddepth, ksize, scale, delta,
    borderType).

    Parameters
    ----------
    {PARAMS}
    ksize : int, keyword-only
        Odd, 1..31. 1: the 3x3 kernel [[0, 1, 0], [1, -4, 1], [0, 1, 0]]; 3:
        [[2, 0, 2], [0, -8, 0], [2, 0, 2]]; larger: the sum of two ksize Sobel second
        derivatives.
    scale, delta : float, keyword-only
        The result is scale * laplacian + delta.

    {RETURNS}

    Notes
    -----
    Both terms run in one pass (one ring of row passes per term). uint8 input with scale=1,
    delta=0 is exact (integer lanes) and equals cv2 bit for bit.

    Examples
    --------
    >>> import numpy as np, imfilt
    >>> img = np.zeros((5, 5), np.uint8); img[2, 2] = 10
    >>> imfilt.laplacian(img)[1:4, 2]
    array([ 10, -40,  10], dtype=int16)
    """
    arr, src, odt, border_c, cval_v, nthreads = _common(image, dtype, border, cval, threads)
    ksize = N.laplacian_ksize(ksize)
    scale = N.real(scale, "scale")
    delta = N.real(delta, "delta")
    plan = _laplacian_plan(src.char, odt.char, ksize, scale, delta)
    return run_terms(arr, plan, delta, border_c, cval_v, out, odt, nthreads)


@functools.lru_cache(maxsize=256)
def _laplacian_plan(src_char, odt_char, ksize, scale, delta):
    """cv2.Laplacian's two terms and work type, cached per arguments."""
    src, odt = np.dtype(src_char), np.dtype(odt_char)
    ktype = _F64 if _F64 in (src, odt) else _F32
    if ksize in _LAPLACE_TERMS:  # cv2: filter2D with the 3x3 kernel times scale
        terms = [(np.array(ky, np.float64), np.array(kx, np.float64) * scale)
                 for ky, kx in _LAPLACE_TERMS[ksize]]
        wide = None
    else:  # cv2: d2/dx2 + d2/dy2 in float32 unless the input is float64, then scaled
        kd, ks = deriv_kernel(2, ksize), deriv_kernel(0, ksize)
        terms = [(ks * scale, kd), (kd * scale, ks)]
        wide = src == _F64
    terms = [(_as_ktype(ky, ktype), _as_ktype(kx, ktype)) for ky, kx in terms]
    r = len(terms[0][0]) // 2
    return plan_terms(src, odt, terms, r, r, delta, wide=wide)


@fill(PARAMS=_params(_DTYPE_DOC.format("the input's dtype")), RETURNS=_RETURNS)
def sep_filter2d(image: ImageLike, kernel_y: ImageLike, kernel_x: ImageLike, *,
                 anchor: Optional[Tuple[int, int]] = None, delta: Number = 0.0,
                 dtype: DType = None, border: Border = "reflect101", cval: Number = 0,
                 out: Out = None, threads: Threads = None) -> Image:
    """Separable correlation with kernel_y down the columns and kernel_x along the rows,
    equal to cv2.sepFilter2D(image, ddepth, kernel_x, kernel_y, anchor=(x, y), delta=delta,
    borderType=border) (imfilt's order: y first).

    Parameters
    ----------
    {PARAMS}
    kernel_y, kernel_x : array_like, 1-D
        Real, finite, non-empty.
    anchor : (y, x) pair, optional, keyword-only
        The kernel element over the output pixel; default and -1 entries: the centre.
    delta : float, keyword-only
        Added to every result before rounding.

    {RETURNS}

    Notes
    -----
    uint8 with integer kernels sums exactly in integer lanes (bit-identical to cv2);
    everything else in float32 (float64 when either type is float64) by fused
    multiply-adds, rounded half to even and saturated for integer outputs (cv2 sums in
    another order: integer outputs within 1).

    Examples
    --------
    >>> import numpy as np, imfilt
    >>> img = np.arange(25, dtype=np.float32).reshape(5, 5)
    >>> imfilt.sep_filter2d(img, [1, 2, 1], [-1, 0, 1])[2, 2]
    np.float32(8.0)
    """
    arr, src, odt, border_c, cval_v, nthreads = _common(image, dtype, border, cval, threads,
                                                        same=True)
    ky, kx = N.kernel1d(kernel_y, "kernel_y"), N.kernel1d(kernel_x, "kernel_x")
    ay, ax = N.anchor(anchor, len(ky), len(kx))
    delta = N.real(delta, "delta")
    ktype = _F64 if _F64 in (src, odt) else _F32
    ky, kx = _as_ktype(ky, ktype), _as_ktype(kx, ktype)
    cv2_int = (src == _U8 and odt == _I16 and _int_symmetric(ky, ay)
               and _int_symmetric(kx, ax))
    plan = plan_terms(src, odt, ((ky, kx),), ay, ax, delta, cv2_int)
    return run_terms(arr, plan, delta, border_c, cval_v, out, odt, nthreads)
