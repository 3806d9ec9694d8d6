"""Convolution: conv2d (torch.nn.functional.conv2d on NCHW arrays) and filter2d
(cv2.filter2D on images)."""
from __future__ import annotations

import numpy as np

from . import _core
from . import _normalize as N
from ._docs import fill
from ._normalize import conv_padding  # noqa: F401 (torch's padding rule, public with conv2d)
from .smooth import OUT_CAST, OUT_ROUND, WORK_F32, WORK_F64, run_separable
from ._typing import (Border, DType, Image, ImageLike, Number, Optional, Out, Pair, Threads,
                      Tuple, Union)


# ------------------------------------------------------------------------------------ conv2d

@fill()
def conv2d(x: ImageLike, weight: ImageLike, bias: Optional[ImageLike] = None, *,
           stride: Pair = 1, padding: Union[Pair, str] = 0, dilation: Pair = 1, groups: int = 1,
           threads: Threads = None) -> Image:
    """2-D convolution (cross-correlation) on NCHW arrays, equal to
    torch.nn.functional.conv2d.

    Parameters
    ----------
    x : ndarray, shape (C, H, W) or (N, C, H, W)
        float32 or float64. The result has the same rank.
    weight : ndarray, shape (C_out, C / groups, kh, kw)
        Float; converted to x's dtype.
    bias : ndarray of shape (C_out,), optional
        Added to every output pixel of its channel (fused into the kernels).
    stride, dilation : int or (height, width), keyword-only
        Positive.
    padding : int, (height, width), 'same' or 'valid', keyword-only
        Zero padding on both sides. 'same' keeps the input size (only with stride 1; an odd
        total padding puts the extra row / column at the bottom / right, as torch does).
    groups : int, keyword-only
        C and C_out must both be multiples of it. groups == C is a depthwise convolution
        (C_out = C * multiplier).
    {THREADS}

    Returns
    -------
    ndarray (N, C_out, H_out, W_out) (or without N), H_out = (H + 2P - D*(kh - 1) - 1) // S + 1.

    Notes
    -----
    Depthwise convolutions run a native NCHW kernel vectorised along the width with register
    tiles of output rows; dense, grouped and 1x1 convolutions a register-blocked GEMM
    micro-kernel on zero-padded input rows. Every output is bias + the taps summed in
    (channel, kernel row, kernel column) order in x's precision. Threads share the batch,
    the channels and bands of rows.
    """
    return _conv2d(x, weight, bias, stride, padding, dilation, groups, threads)


def _conv2d(x, weight, bias, stride, padding, dilation, groups, threads):
    """conv2d's checked operands and geometry, one C call over the batch."""
    xa = N.conv_operand(x, "x", (3, 4))
    dtype = xa.dtype
    wa = N.conv_operand(weight, "weight", (4,), dtype)
    ba = None if bias is None else N.conv_operand(bias, "bias", (1,), dtype)
    groups = N.integer(groups, "groups", minimum=1)
    sh, sw = N.pair(stride, "stride", integer=True, minimum=1, single=True)
    dh, dw = N.pair(dilation, "dilation", integer=True, minimum=1, single=True)
    nthreads = N.threads_arg(threads)
    unbatched = xa.ndim == 3
    if unbatched:
        xa = xa[None]
    N.conv2d_shapes(xa.shape, wa.shape, ba, groups)
    (pt, pl), (oh, ow) = N.conv2d_output(xa.shape, wa.shape, dtype.itemsize, (sh, sw),
                                         padding, (dh, dw))
    n, c, h, w = xa.shape
    cout, cin_g, kh, kw = wa.shape
    # a stride only matters when there are two outputs along its axis (torch-equal either way);
    # this keeps every stride below the padded extent, so the C scratch sizes cannot overflow
    sh, sw = (sh if oh > 1 else 1), (sw if ow > 1 else 1)
    # per-thread scratch of the C drivers (phase-split row rings, src/conv/conv_drv_tmpl.h),
    # bounded from above: rows kept x stride phases x chunk length
    chunk = min(ow, 2048) + dw * (kw - 1) // sw + 64
    ring_rows = max((8 * sh + dh * (kh - 1) + 1), cin_g * kh)
    N.check_scratch(ring_rows * sw * chunk * dtype.itemsize,
                    "stride {}, dilation {} and a {}x{} kernel over {} channels need {gib:.1f} "
                    "GiB of scratch per thread; refusing", (sh, sw), (dh, dw), kh, kw, cin_g)
    out = np.empty((n, cout, oh, ow), dtype)
    if out.size == 0:
        pass
    elif xa.size == 0 or wa.size == 0:  # no taps: the bias alone
        out[...] = 0 if ba is None else ba[None, :, None, None]
    else:
        view = lambda a: a.reshape(-1).view(np.uint8)  # noqa: E731
        _core.conv2d(view(xa), view(wa), None if ba is None else view(ba), view(out),
                     N.DTYPE_CODES[dtype], (n, c, h, w), (cout, cin_g, kh, kw), groups,
                     (sh, sw), (pt, pl), (dh, dw), (oh, ow), nthreads)
    return out[0] if unbatched else out


# ---------------------------------------------------------------------------------- filter2d

def separable_factors(k):
    """(ky, kx) with outer(ky, kx) == k to within 1e-12 of max|k| when k has rank 1, else None.
    A row and a column of k itself are the factors (kx = the row through the largest entry,
    ky = that column divided by it), so integer kernels such as Sobel stay exact."""
    if k.shape[0] < 2 or k.shape[1] < 2:
        return None
    r, c = divmod(int(np.argmax(np.abs(k))), k.shape[1])
    pivot = k[r, c]
    if pivot == 0:
        return None
    kx = k[r, :].copy()
    ky = k[:, c] / pivot
    if np.max(np.abs(ky[:, None] * kx - k)) <= 1e-12 * abs(pivot):
        return np.ascontiguousarray(ky), np.ascontiguousarray(kx)
    return None


@fill()
def filter2d(image: ImageLike, kernel: ImageLike, *, anchor: Optional[Tuple[int, int]] = None,
             delta: Number = 0, border: Border = "reflect101", cval: Number = 0, out: Out = None,
             threads: Threads = None, dtype: DType = None) -> Image:
    """2-D correlation with an arbitrary kernel, equal to cv2.filter2D(image, ddepth, kernel).

    Parameters
    ----------
    {IMAGE}
    kernel : array_like, shape (kh, kw)
        Real weights (converted to float64); any size. Correlation, not convolution: the
        kernel is not flipped (as in OpenCV). Each channel is filtered separately.
    anchor : (y, x) pair, optional, keyword-only
        The kernel element over the output pixel, in NumPy (row, column) order -- OpenCV's
        anchor is (x, y). Default and -1 entries: the centre (kh // 2, kw // 2).
    delta : float, keyword-only
        Added to every result before rounding.
    {BORDER}
    {OUT}
    dtype : dtype, optional, keyword-only
        The output type (cv2's ddepth), as imfilt.sobel's; default the input's. Where cv2
        refuses the pair (float32 -> float64), the result is cv2's on the input converted.

    Returns
    -------
    ndarray of the input's shape and the output dtype.

    Notes
    -----
    Integer images accumulate in float32 and round half to even with saturation (OpenCV's
    saturate_cast): uint8 is within 1 of cv2.filter2D, which sums in another order (or by DFT
    for large kernels). float32 and smaller types accumulate in float32, float64 in float64.
    Rank-1 kernels (outer(ky, kx), detected exactly) run as two 1-D passes of the separable
    engine; other kernels as a direct SIMD correlation over a ring of bordered rows. Zero
    coefficients are skipped on both paths, as OpenCV does: a NaN or inf under a zero weight
    never reaches the output (an all-zero kernel gives delta, NaN where OpenCV's first tap
    reads a non-finite value).
    """
    if dtype is not None:
        return _filter2d(image, kernel, anchor, delta, border, cval, out, threads, dtype)
    return _core.fast_filter2d(_FILTER2D, image, kernel, anchor, delta, border, cval, out,
                               threads)


def _filter2d(image, kernel, anchor, delta, border, cval, out, threads, out_dtype=None):
    """filter2d's checked arguments, then the path for its kernel: all zero (delta), rank 1
    (the separable engine) or any other (the direct correlation)."""
    arr = N.check_image(image)
    k = N.kernel2d(kernel)
    kh, kw = k.shape
    ay, ax = N.anchor(anchor, kh, kw)
    delta = N.real(delta, "delta")
    border_c = N.border_code(border)
    dtype = N.native(arr.dtype)
    cval_v = N.cval_arg(cval, dtype)
    nthreads = N.threads_arg(threads)
    odt = N.output_dtype(out_dtype, dtype, dtype)
    if odt != dtype:
        return _filter2d_as(arr, k, ay, ax, delta, border, cval_v, out, threads, odt)
    if not k.any():
        return _zero_kernel(arr, k, ay, ax, delta, border, cval, out, threads)
    factors = separable_factors(k)
    if factors is not None:
        return _separable(arr, factors, ay, ax, delta, border_c, cval_v, out, nthreads)
    target, result = N.prepare_out(out, arr.shape, dtype, arr)
    if arr.size == 0:
        return result
    channels = arr.shape[2] if arr.ndim == 3 else 1
    N.check_scratch((kh + 2) * (min(arr.shape[1], 2048) + kw) * channels * 8,
                    "kernel of {}x{} needs {gib:.1f} GiB of scratch per thread; refusing",
                    kh, kw)
    _core.filter2d(N.c_rows(arr), N.c_rows(target), k, ay, ax, delta, border_c, cval_v,
                   nthreads)
    return N.finish(target, result)


_FILTER2D = _core.Route(_filter2d)


def _filter2d_as(arr, k, ay, ax, delta, border, cval_v, out, threads, odt):
    """filter2d into another dtype: a rank-1 kernel through the derivative driver (OpenCV's
    work types, delta before the rounding); any other kernel correlated in float32 (float64)
    on the converted input -- exact for integer images -- then rounded half to even and
    saturated, as cv2's 8-bit paths sum in float too."""
    from .derivatives import plan_terms, run_terms  # (derivatives imports nothing from here)
    factors = separable_factors(k)
    if factors is not None:
        plan = plan_terms(N.native(arr.dtype), odt, (factors,), ay, ax, delta)
        return run_terms(arr, plan, delta, N.border_code(border), cval_v, out, odt,
                         N.threads_arg(threads))
    work = np.float64 if np.float64 in (arr.dtype, odt) else np.float32
    target, result = N.prepare_out(out, arr.shape, odt, arr)
    tmp = _filter2d(arr.astype(work), k, (ay, ax), delta, border, cval_v, None, threads)
    if odt.kind in "ui":
        info = np.iinfo(odt)
        np.clip(np.rint(tmp, out=tmp), info.min, info.max, out=tmp)
    target[...] = tmp
    return N.finish(target, result)


def _zero_kernel(arr, k, ay, ax, delta, border, cval, out, threads):
    """No coefficient to sum: delta, except that OpenCV keeps the first (zero) coefficient, so
    NaN and inf under it give NaN."""
    dtype = N.native(arr.dtype)
    first = np.zeros_like(k)
    first[0, 0] = 1.0
    target, result = N.prepare_out(out, arr.shape, dtype, arr)
    tap = _filter2d(arr, first, (ay, ax), 0, border, cval, None, threads)
    with np.errstate(invalid="ignore"):
        res = tap.astype(np.float64) * 0.0 + delta
    if dtype.kind in "ui":
        info = np.iinfo(dtype)
        res = np.clip(np.rint(res), info.min, info.max)
    target[...] = res.astype(dtype)
    return N.finish(target, result)


def _separable(arr, factors, ay, ax, delta, border_c, cval_v, out, nthreads):
    """A rank-1 kernel outer(ky, kx): two 1-D passes of the separable engine."""
    ky, kx = factors
    dtype = N.native(arr.dtype)
    work = WORK_F64 if dtype == np.float64 else WORK_F32
    if delta == 0:
        rule = dict(mode=OUT_ROUND if dtype.kind in "ui" else OUT_CAST, scale=1.0)
        return run_separable(arr, kx, ky, ax, ay, border_c, cval_v, work, rule, out,
                             dtype, nthreads)
    # delta goes in before the rounding: filter to float, add, then round and saturate
    # (out is validated first, so a bad out fails before any filtering)
    target, result = N.prepare_out(out, arr.shape, dtype, arr)
    tdtype = np.float64 if dtype == np.float64 else np.float32
    tmp = run_separable(arr, kx, ky, ax, ay, border_c, cval_v, work,
                        dict(mode=OUT_CAST, scale=1.0), None, tdtype, nthreads)
    tmp += tdtype(delta)
    if dtype.kind in "ui":
        info = np.iinfo(dtype)
        np.rint(tmp, out=tmp)
        np.clip(tmp, info.min, info.max, out=tmp)
    target[...] = tmp.astype(dtype)
    return N.finish(target, result)
