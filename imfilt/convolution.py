"""Convolution: conv2d (torch.nn.functional.conv2d on NCHW arrays) and filter2d
(cv2.filter2D on images)."""
from __future__ import annotations

import numpy as np

from . import _core
from . import _normalize as N
from ._docs import fill
from .smooth import OUT_CAST, OUT_ROUND, WORK_F32, WORK_F64, _run_separable
from ._typing import Border, Image, ImageLike, Number, Optional, Out, Pair, Threads, Tuple, Union

CONV_DTYPES = ("float32", "float64")
MAX_OUTPUT_BYTES = 1 << 34      # refuse outputs over 16 GiB before allocating


# ------------------------------------------------------------------------------------ conv2d

def _conv_operand(a, name, ndims, dtype=None):
    """A float32/float64 ndarray of one of the allowed ranks; converted to `dtype` if given."""
    arr = N.as_array(a, name)
    if arr.dtype.kind != "f" or arr.dtype.newbyteorder("=").name not in CONV_DTYPES:
        raise TypeError(f"{name} has unsupported dtype {arr.dtype}; conv2d supports "
                        f"{', '.join(CONV_DTYPES)}")
    if arr.ndim not in ndims:
        shapes = {1: "(C_out,)", 3: "(C, H, W)", 4: "(N, C, H, W)"}
        if name == "weight":
            shapes[4] = "(C_out, C_in / groups, kh, kw)"
        raise ValueError(f"{name} must have shape " + " or ".join(shapes[d] for d in ndims)
                         + f", got shape {arr.shape}")
    dt = np.dtype(dtype) if dtype is not None else arr.dtype.newbyteorder("=")
    arr = np.ascontiguousarray(arr, dtype=dt)
    return arr if arr.flags.aligned else arr.copy()   # C loads assume natural alignment


def conv_padding(padding, stride, dilation, kh, kw):
    """(top, bottom, left, right) zero padding for an int, a pair, 'same' or 'valid'
    (torch's rules: 'same' puts the odd extra sample at the bottom / right)."""
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "valid":
            return 0, 0, 0, 0
        if mode == "same":
            if stride != (1, 1):
                raise ValueError("padding='same' is not supported for strided convolutions "
                                 f"(stride={stride}); give explicit padding")
            th, tw = dilation[0] * (kh - 1), dilation[1] * (kw - 1)
            return th // 2, th - th // 2, tw // 2, tw - tw // 2
        raise ValueError(f"padding={padding!r} must be an int, a (height, width) pair, "
                         "'same' or 'valid'")
    ph, pw = N.pair(padding, "padding", integer=True, minimum=0, single=True)
    return ph, ph, pw, pw


def conv_output_size(size, pad_total, dilation, k, stride):
    """(H + 2P - D * (K - 1) - 1) // S + 1, with 2P the total padding."""
    return (size + pad_total - dilation * (k - 1) - 1) // stride + 1


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
    threads : int or None, keyword-only
        OpenMP threads over batch, channels and row bands; None uses all cores. The result is
        bit-identical for any thread count.

    Returns
    -------
    ndarray (N, C_out, H_out, W_out) (or without N), H_out = (H + 2P - D*(kh - 1) - 1) // S + 1.

    Notes
    -----
    Depthwise convolutions run a native NCHW kernel vectorised along the width with register
    tiles of output rows; dense, grouped and 1x1 convolutions a register-blocked GEMM
    micro-kernel on zero-padded input rows. Every output is bias + the taps summed in
    (channel, kernel row, kernel column) order in x's precision.
    """
    xa = _conv_operand(x, "x", (3, 4))
    dtype = xa.dtype
    wa = _conv_operand(weight, "weight", (4,), dtype)
    ba = None if bias is None else _conv_operand(bias, "bias", (1,), dtype)
    groups = N.integer(groups, "groups", minimum=1)
    sh, sw = N.pair(stride, "stride", integer=True, minimum=1, single=True)
    dh, dw = N.pair(dilation, "dilation", integer=True, minimum=1, single=True)
    nthreads = N.threads_arg(threads)
    unbatched = xa.ndim == 3
    if unbatched:
        xa = xa[None]
    n, c, h, w = xa.shape
    cout, cin_g, kh, kw = wa.shape
    if c % groups:
        raise ValueError(f"groups={groups} must divide the input channels, x has {c}")
    if cout % groups:
        raise ValueError(f"groups={groups} must divide the output channels, weight has {cout}")
    if cin_g != c // groups:
        raise ValueError(f"weight has {cin_g} input channels per group (shape {wa.shape}), "
                         f"but x has {c} channels and groups={groups}: expected {c // groups}")
    if kh < 1 or kw < 1:
        raise ValueError(f"weight must have a kernel of at least 1x1, got shape {wa.shape}")
    if ba is not None and ba.shape != (cout,):
        raise ValueError(f"bias must have shape ({cout},) (one value per output channel), "
                         f"got {ba.shape}")
    pt, pb, pl, pr = conv_padding(padding, (sh, sw), (dh, dw), kh, kw)
    oh = conv_output_size(h, pt + pb, dh, kh, sh)
    ow = conv_output_size(w, pl + pr, dw, kw, sw)
    if oh < 1 or ow < 1:
        raise ValueError(f"kernel of {kh}x{kw} with dilation {(dh, dw)} spans "
                         f"{dh * (kh - 1) + 1}x{dw * (kw - 1) + 1}, larger than the padded "
                         f"input {h + pt + pb}x{w + pl + pr}")
    # a stride only matters when there are two outputs along its axis (torch-equal either way);
    # this keeps every stride below the padded extent, so the C scratch sizes cannot overflow
    sh, sw = (sh if oh > 1 else 1), (sw if ow > 1 else 1)
    isz = dtype.itemsize
    if n * cout * oh * ow * isz > MAX_OUTPUT_BYTES:
        raise ValueError(f"output of shape {(n, cout, oh, ow)} would take "
                         f"{n * cout * oh * ow * isz / 2**30:.1f} GiB (padding={padding!r}); "
                         "refusing")
    # per-thread scratch of the C drivers (phase-split row rings, src/conv/conv_drv_tmpl.h), bounded
    # from above: rows kept x stride phases x chunk length
    chunk = min(ow, 2048) + dw * (kw - 1) // sw + 64
    ring_rows = max((8 * sh + dh * (kh - 1) + 1), cin_g * kh)
    scratch = ring_rows * sw * chunk * isz
    if scratch > N.MAX_SCRATCH_BYTES:
        raise ValueError(f"stride {(sh, sw)}, dilation {(dh, dw)} and a {kh}x{kw} kernel over "
                         f"{cin_g} channels need {scratch / 2**30:.1f} GiB of scratch per "
                         "thread; refusing")
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

def _kernel_arg(kernel):
    k = N.as_array(kernel, "kernel")
    if k.dtype.kind not in "uif" and k.dtype != np.bool_:
        raise TypeError(f"kernel must be a real numeric array, got dtype {k.dtype}")
    if k.ndim != 2:
        raise ValueError(f"kernel must be 2-D (kh, kw), got shape {k.shape}")
    if k.shape[0] < 1 or k.shape[1] < 1:
        raise ValueError(f"kernel must not be empty, got shape {k.shape}")
    if k.shape[0] > N.MAX_KERNEL or k.shape[1] > N.MAX_KERNEL:
        raise ValueError(f"kernel shape {k.shape} exceeds the largest kernel, {N.MAX_KERNEL}")
    k = np.ascontiguousarray(k, dtype=np.float64)
    if not np.all(np.isfinite(k)):
        raise ValueError("kernel must be finite")
    return k


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


def _anchor_arg(anchor, kh, kw):
    if anchor is None:
        return kh // 2, kw // 2
    ay, ax = N.pair(anchor, "anchor", integer=True)
    ay = kh // 2 if ay == -1 else ay
    ax = kw // 2 if ax == -1 else ax
    if not (0 <= ay < kh and 0 <= ax < kw):
        raise ValueError(f"anchor={anchor!r} (y, x) must lie inside the {kh}x{kw} kernel "
                         "(or be -1 for the centre)")
    return ay, ax


@fill()
def filter2d(image: ImageLike, kernel: ImageLike, *, anchor: Optional[Tuple[int, int]] = None,
             delta: Number = 0, border: Border = "reflect101", cval: Number = 0, out: Out = None,
             threads: Threads = None) -> Image:
    """2-D correlation with an arbitrary kernel, equal to cv2.filter2D(image, -1, kernel).

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

    Returns
    -------
    {SAME}

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
    arr = N.check_image(image)
    k = _kernel_arg(kernel)
    kh, kw = k.shape
    ay, ax = _anchor_arg(anchor, kh, kw)
    delta = N.real(delta, "delta")
    border_c = N.border_code(border)
    dtype = arr.dtype.newbyteorder("=")
    cval_v = N.cval_arg(cval, dtype)
    nthreads = N.threads_arg(threads)

    if not k.any():
        # no coefficient to sum: delta, except that OpenCV keeps the first (zero) coefficient,
        # so NaN and inf under it give NaN
        first = np.zeros_like(k)
        first[0, 0] = 1.0
        target, result = N.prepare_out(out, arr.shape, dtype, arr)
        tap = filter2d(arr, first, anchor=(ay, ax), border=border, cval=cval, threads=threads)
        with np.errstate(invalid="ignore"):
            res = tap.astype(np.float64) * 0.0 + delta
        if dtype.kind in "ui":
            info = np.iinfo(dtype)
            res = np.clip(np.rint(res), info.min, info.max)
        target[...] = res.astype(dtype)
        return N.finish(target, result)

    factors = separable_factors(k)
    if factors is not None:
        ky, kx = factors
        work = WORK_F64 if dtype == np.float64 else WORK_F32
        if delta == 0:
            rule = dict(mode=OUT_ROUND if dtype.kind in "ui" else OUT_CAST, scale=1.0)
            return _run_separable(arr, kx, ky, ax, ay, border_c, cval_v, work, rule, out,
                                  dtype, nthreads)
        # delta goes in before the rounding: filter to float, add, then round and saturate
        # (out is validated first, so a bad out fails before any filtering)
        target, result = N.prepare_out(out, arr.shape, dtype, arr)
        tdtype = np.float64 if dtype == np.float64 else np.float32
        tmp = _run_separable(arr, kx, ky, ax, ay, border_c, cval_v, work,
                             dict(mode=OUT_CAST, scale=1.0), None, tdtype, nthreads)
        tmp += tdtype(delta)
        if dtype.kind in "ui":
            info = np.iinfo(dtype)
            np.rint(tmp, out=tmp)
            np.clip(tmp, info.min, info.max, out=tmp)
        target[...] = tmp.astype(dtype)
        return N.finish(target, result)

    target, result = N.prepare_out(out, arr.shape, dtype, arr)
    if arr.size == 0:
        return result
    channels = arr.shape[2] if arr.ndim == 3 else 1
    scratch = (kh + 2) * (min(arr.shape[1], 2048) + kw) * channels * 8
    if scratch > N.MAX_SCRATCH_BYTES:
        raise ValueError(f"kernel of {kh}x{kw} needs {scratch / 2**30:.1f} GiB of scratch per "
                         "thread; refusing")
    src, dst = N.byte_rows(arr), N.byte_rows(target)
    _core.filter2d(src, dst, arr.shape[1], channels, N.DTYPE_CODES[dtype], k, ay, ax, delta,
                   border_c, cval_v, nthreads)
    return N.finish(target, result)
