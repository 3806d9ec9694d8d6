"""Gaussian and mean (box) filters, with OpenCV's kernel rules and rounding."""
from __future__ import annotations

import functools
import math

import numpy as np

from . import _core, _fold
from . import _normalize as N
from ._docs import fill
from ._normalize import gaussian_ksize  # noqa: F401 (OpenCV's kernel rules are public here)
from ._typing import Border, Image, ImageLike, Number, Optional, Out, Sigma, Size, Threads

# cv2's fixed kernels for sigma <= 0 (getGaussianKernel's small-kernel table)
_SMALL_GAUSSIAN = {
    1: [1.0],
    3: [0.25, 0.5, 0.25],
    5: [0.0625, 0.25, 0.375, 0.25, 0.0625],
    7: [0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125],
    9: [4 / 256, 13 / 256, 30 / 256, 51 / 256, 60 / 256, 51 / 256, 30 / 256, 13 / 256, 4 / 256],
}

# the C core's output rules and work types (src/binding/_core.pxd)
OUT_CAST, OUT_FLOOR_SHIFT, OUT_ROUND, OUT_BOX8 = (int(m) for m in _core.imfilt_out_mode)
WORK_F32, WORK_F64, WORK_U16 = (int(w) for w in _core.imfilt_work)
_WORK_BYTES = {WORK_F32: 4, WORK_F64: 8, WORK_U16: 2}


def gaussian_kernel(n, sigma):
    """The float64 1-D kernel cv2.getGaussianKernel(n, sigma) returns."""
    if sigma <= 0 and n in _SMALL_GAUSSIAN:
        return np.array(_SMALL_GAUSSIAN[n], np.float64)
    s = sigma if sigma > 0 else 0.3 * ((n - 1) * 0.5 - 1) + 0.8
    scale = -0.5 / (s * s) if s * s > 0 else -math.inf
    if math.isinf(scale):  # sigma's square underflows: cv2's kernel is then the centre tap alone
        k = np.zeros(n)
        k[n // 2] = 1.0
        return k
    x = np.arange(n, dtype=np.float64) - (n - 1) * 0.5
    k = np.exp(scale * x * x)
    return k * (1.0 / k.sum())


def fixed_point_kernel(k, bits):
    """Quantise a symmetric odd kernel to integers summing to exactly 2**bits by error diffusion
    over one half, mirrored, centre taking the remainder (OpenCV's bit-exact Gaussian)."""
    n = len(k)
    mult = float(1 << bits)
    half, err = [], 0.0
    for i in range(n // 2):
        adj = k[i] * mult + err
        v = round(adj)  # Python's round is half to even, like cvRound
        err = adj - v
        half.append(v)
    centre = (1 << bits) - 2 * sum(half)
    return np.array(half + [centre] + half[::-1], np.float64)


def _check_scratch(shape, kh, kw, work):
    """Refuse a strip-engine call whose per-thread scratch (kh + 4 bordered rows of the work
    type) would be absurd, before allocating."""
    channels = shape[2] if len(shape) == 3 else 1
    N.check_scratch((shape[1] + kw) * channels * (kh + 4) * _WORK_BYTES[work],
                    "kernel of {}x{} on a {}-pixel-wide image needs {gib:.1f} GiB of scratch "
                    "per thread; refusing", kh, kw, shape[1])


def run_separable(arr, kx, ky, ax, ay, border, cval, work, rule, out, out_dtype,
                  threads, box=False):
    """The separable engine on checked arguments (gaussian, mean, rank-1 filter2d kernels):
    out handling, the fold for kernels far larger than the image, one binding call."""
    shape = arr.shape
    target, result = N.prepare_out(out, shape, out_dtype, arr)
    if arr.size == 0:
        return result
    channels = shape[2] if arr.ndim == 3 else 1
    kh, kw = (len(ky), len(kx)) if not box else (ky, kx)
    if _fold.should_fold(shape, kh, kw):
        target[...] = _fold.folded_separable(arr, kx, ky, ax, ay, border, cval, rule, out_dtype)
        return N.finish(target, result)
    _check_scratch(shape, kh, kw, work)
    src = N.byte_rows(arr)
    dst = N.byte_rows(target)
    sc, dc = N.DTYPE_CODES[N.native(arr.dtype)], N.DTYPE_CODES[np.dtype(out_dtype)]
    if box:
        _core.boxfilter(src, dst, shape[1], channels, sc, dc, kx, ax, ky, ay, border, cval,
                        work, rule, threads)
    else:
        _core.sepfilter(src, dst, shape[1], channels, sc, dc, kx, ax, ky, ay, border, cval,
                        work, rule, threads)
    return N.finish(target, result)


@functools.lru_cache(maxsize=256)
def _gaussian_plan(dtype_char, kh, kw, sy, sx):
    """Kernels, output rule and work type for one (dtype, size, sigma): cached, since the
    error-diffusion quantisation costs more than filtering a small image."""
    dtype = np.dtype(dtype_char)
    ky, kx = gaussian_kernel(kh, sy), gaussian_kernel(kw, sx)
    if dtype == np.uint8:
        kx, ky = fixed_point_kernel(kx, 8), fixed_point_kernel(ky, 8)
        rule = dict(mode=OUT_FLOOR_SHIFT, bias=2.0 ** 15, scale=2.0 ** -16)
        work = WORK_F32  # exact: every sum is an integer < 2**24
    elif dtype == np.uint16:
        kx, ky = fixed_point_kernel(kx, 16), fixed_point_kernel(ky, 16)
        rule = dict(mode=OUT_FLOOR_SHIFT, bias=2.0 ** 31, scale=2.0 ** -32)
        work = WORK_F64  # exact: every sum is an integer < 2**53
    elif dtype == np.int16:
        # OpenCV filters int16 in float32 with the float32 kernel (no fixed point) and rounds
        # half to even: the same kernel summed in float64 is within 1 of it everywhere
        kx, ky = kx.astype(np.float32).astype(np.float64), ky.astype(np.float32).astype(np.float64)
        rule = dict(mode=OUT_ROUND, scale=1.0)
        work = WORK_F64
    else:
        rule = dict(mode=OUT_CAST, scale=1.0)
        work = WORK_F64 if dtype == np.float64 else WORK_F32
    kx.setflags(write=False)
    ky.setflags(write=False)
    return kx, ky, rule, work


@fill()
def gaussian(image: ImageLike, sigma: Sigma = 0.0, *, ksize: Optional[Size] = None,
             border: Border = "reflect101", cval: Number = 0.0, out: Out = None,
             threads: Threads = None) -> Image:
    """Gaussian blur, equal to cv2.GaussianBlur.

    Parameters
    ----------
    {IMAGE}
    sigma : float or (sigma_y, sigma_x)
        Standard deviation in pixels. 0 derives it from ksize as OpenCV does
        (0.3 * ((ksize - 1) / 2 - 1) + 0.8, fixed tables for ksize 3, 5, 7, 9).
    ksize : int or (height, width), optional
        Odd kernel size; None or 0 derives it from sigma: round(sigma * 2 * (3 for uint8,
        else 4) + 1) | 1.
    {BORDER}
    {OUT}

    {RETURNS_SAME}

    Notes
    -----
    uint8 and uint16 are bit-identical to OpenCV: the kernels are quantised to integers
    summing to 2**8 (2**16) and the result is (sum + 2**15) >> 16 ((sum + 2**31) >> 32),
    computed exactly (uint8: the row pass in uint16 lanes, every row sum below 2**16, the
    column pass in float32, every partial sum an integer below 2**24; uint16: below 2**53 in
    float64). int16 sums OpenCV's float32 kernel in float64 and rounds half to even (OpenCV
    sums in float32: within 1); float32 and float64 filter in their own precision.
    """
    return _core.fast_gaussian(_GAUSSIAN, image, sigma, ksize, border, cval, out, threads)


def _gaussian(image, sigma, ksize, border, cval, out, threads):
    """gaussian's checked arguments, its cached kernels, the separable engine."""
    arr = N.check_image(image)
    dtype = N.native(arr.dtype)
    sigmas, ksizes = N.gaussian_args(sigma, ksize)
    border_c = N.border_code(border)
    cval_v = N.cval_arg(cval, dtype)
    nthreads = N.threads_arg(threads)
    kh, kw = N.gaussian_sizes(sigmas, ksizes, dtype, ksize)
    if arr.size and not _fold.should_fold(arr.shape, kh, kw):
        # refuse before the (O(ksize) Python) kernel quantisation of a huge kernel
        _check_scratch(arr.shape, kh, kw, WORK_F64 if dtype.itemsize > 1 and dtype != np.float32
                       else WORK_F32)
    kx, ky, rule, work = _gaussian_plan(dtype.char, kh, kw, *sigmas)
    return run_separable(arr, kx, ky, kw // 2, kh // 2, border_c, cval_v, work, rule,
                         out, dtype, nthreads)


def _gaussian_fast_plan(dtype, sigma, ksize):
    """The fast path's plan for one (dtype, sigma, ksize): sizes, kernels, rule, work and output
    dtype; None when the arguments need `_gaussian`'s messages."""
    sigmas, ksizes = N.gaussian_args(sigma, ksize)
    try:
        kh, kw = N.gaussian_sizes(sigmas, ksizes, dtype, ksize)
    except ValueError:
        return None
    kx, ky, rule, work = _gaussian_plan(dtype.char, kh, kw, *sigmas)
    return kh, kw, kx, ky, rule, work, dtype


_GAUSSIAN = _core.Route(_gaussian, _gaussian_fast_plan)


def box8_mulhi(area, delta, mul):
    """OpenCV's 8-bit box rounding min(((s + delta) * mul) >> 23, 255) of a window sum
    s <= 255 * area, restated for 16-bit lanes as min(((s + delta) * mul16) >> (16 + shift), 255)
    with mul16 < 2^16 (one vpmulhuw and a shift instead of 32-bit products); (0, 0) if no
    such pair exists. Proof of equality on the whole domain: both sides are nondecreasing
    step functions of t = s + delta, so they are equal iff each output q <= 255 is first
    reached at the same t (clipped to the domain)."""
    lo, hi = delta, 255 * area + delta  # hi < 2^16 for area <= 256

    def first(q, m, shift):  # the least t in [lo, hi + 1] with (t * m) >> shift >= q
        return min(max(-(-(q << shift) // m), lo), hi + 1)

    want = [first(q, mul, 23) for q in range(1, 256)]
    for shift in range(16):
        c = mul / 2.0 ** (7 - shift)
        for m16 in sorted(range(max(1, int(c) - 1), min(int(c) + 3, 1 << 16)),
                          key=lambda m: abs(m - c)):
            if all(first(q, m16, 16 + shift) == w for q, w in zip(range(1, 256), want)):
                return m16, shift
    return 0, 0


# The largest window cv2's box filter sums in int32 (createBoxFilter); above it, in double.
_BOX_INT_SUM_AREA = {np.dtype(np.uint8): 1 << 23, np.dtype(np.uint16): 1 << 15,
                     np.dtype(np.int16): 1 << 16}


@functools.lru_cache(maxsize=256)
def _mean_plan(dtype_char, kh, kw, normalize):
    """Work type, output rule and output dtype of one (dtype, size, normalize): cached."""
    dtype = np.dtype(dtype_char)
    area = kh * kw
    maxabs = {np.dtype(np.uint8): 255, np.dtype(np.uint16): 65535, np.dtype(np.int16): 32768}
    exact_in_float = dtype in maxabs and area * maxabs[dtype] < 2 ** 24
    if dtype == np.uint8 and area <= 256:
        work = WORK_U16  # every window sum fits 16 bits: twice the lanes of float
    else:
        work = WORK_F32 if exact_in_float else WORK_F64
    if not normalize:
        out_dtype = np.dtype(np.int64) if dtype.kind in "ui" else np.dtype(np.float64)
        rule = dict(mode=OUT_CAST, scale=1.0)
    else:
        out_dtype = dtype
        if area == 1:
            rule = dict(mode=OUT_CAST, scale=1.0)  # OpenCV copies a 1x1 window
        elif dtype == np.uint8 and area <= 256:
            # OpenCV's multiplier: 2**23 / area rounded to nearest, the rounding moved into delta
            mul, rem = divmod(1 << 23, area)
            delta = area // 2
            if 2 * rem < area:
                delta += 1
            else:
                mul += 1
            # OpenCV's SIMD body rounds in uint32, its scalar tail (n % 16 samples per row)
            # in wrapping int32: tail_block=16 reproduces both
            mul16, shift16 = box8_mulhi(area, delta, mul)
            rule = dict(mode=OUT_BOX8, box_delta=delta, box_mul=mul, tail_block=16,
                        box_mul16=mul16, box_shift16=shift16)
        elif dtype.kind in "ui" and area > _BOX_INT_SUM_AREA[dtype]:
            # OpenCV sums such windows in double and rounds the double product everywhere
            rule = dict(mode=OUT_ROUND, scale=1.0 / area)
        elif dtype.kind in "ui":
            # OpenCV rounds float32(sum) * float32(1 / area) in its 8-lane SIMD body and the
            # double product in the scalar tail of each row: tail_block=8 reproduces both
            rule = dict(mode=OUT_ROUND, scale=1.0 / area, scale_in_float=1, tail_block=8)
        else:
            rule = dict(mode=OUT_CAST, scale=1.0 / area)
    return work, rule, out_dtype


@fill()
def mean(image: ImageLike, size: Size, *, normalize: bool = True, border: Border = "reflect101",
         cval: Number = 0.0, out: Out = None, threads: Threads = None) -> Image:
    """Mean (box) filter, equal to cv2.blur / cv2.boxFilter(ddepth=-1).

    Parameters
    ----------
    {IMAGE}
    size : int or (height, width)
        Window size, any positive size; even sizes anchor at size // 2 like OpenCV.
    normalize : bool, keyword-only
        True: the window mean in the input's dtype. False: the window sums, as int64 for integer
        images and float64 for float images (wide enough never to overflow).
    {BORDER}
    {OUT}

    Returns
    -------
    ndarray of the input's shape: its dtype, or int64 / float64 sums when not normalize.

    Notes
    -----
    Running sums (O(1) per pixel down the columns, O(log size) along the rows). uint8 is
    bit-identical to OpenCV: for areas up to 256 its integer rounding
    ((sum + delta) * floor_or_ceil(2**23 / area)) >> 23, above 256 round-half-even of
    float32(sum) * float32(1 / area); uint16 and int16 likewise use float32(sum) * float32(1 / area).
    Float images sum in float64.
    """
    return _core.fast_mean(_MEAN, image, size, normalize, border, cval, out, threads)


def mean_with_tails(image, size, normalize=True, border="reflect101", cval=0.0, out=None,
                    threads=None, tail_pad=None):
    """`mean`, with OpenCV's scalar row tails (see _mean_plan) placed as if each row had
    tail_pad = (before, after) more pixels. None: as cv2 does on this border -- border='wrap'
    is cv2 run on a copyMakeBorder padding of (size // 2, size - 1 - size // 2) pixels, the
    others on the image itself. imfilt.dask places the tails of its blocks with it."""
    arr = N.check_image(image)
    kh, kw = N.pair(size, "size", integer=True, minimum=1)
    normalize = N.boolean(normalize, "normalize")
    border_c = N.border_code(border)
    dtype = N.native(arr.dtype)
    cval_v = N.cval_arg(cval, dtype)
    nthreads = N.threads_arg(threads)
    N.box_limits(kh, kw, arr.shape)
    work, rule, out_dtype = _mean_plan(dtype.char, kh, kw, normalize)
    if "tail_block" in rule:
        if tail_pad is None:
            wrap = border_c == N.BORDER_CODES["wrap"]
            tail_pad = (kw // 2, kw - 1 - kw // 2) if wrap else (0, 0)
        if any(tail_pad):
            channels = arr.shape[2] if arr.ndim == 3 else 1
            rule = dict(rule, tail_pad=(tail_pad[0] * channels, tail_pad[1] * channels))
    return run_separable(arr, kw, kh, kw // 2, kh // 2, border_c, cval_v, work, rule,
                         out, out_dtype, nthreads, box=True)


def _mean_fast_plan(dtype, kh, kw, normalize):
    """The fast path's plan for one (dtype, window, normalize), in _gaussian_fast_plan's form."""
    work, rule, out_dtype = _mean_plan(dtype.char, kh, kw, normalize)
    return kh, kw, None, None, rule, work, out_dtype


_MEAN = _core.Route(mean_with_tails, _mean_fast_plan)
