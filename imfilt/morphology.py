"""Minimum and maximum filters (grey erosion / dilation), equal to cv2.erode / cv2.dilate."""
from __future__ import annotations

import numpy as np

from . import _core
from . import _normalize as N
from ._docs import fill
from ._typing import Border, Image, ImageLike, Number, Optional, Out, Size, Threads

MORPH_MIN, MORPH_MAX = 0, 1   # imfilt.h: IMFILT_MORPH_MIN / IMFILT_MORPH_MAX

_DOC = """{WHAT} filter: each output pixel is the {word} of the input over a window, equal to
    cv2.{CV2}.

    Parameters
    ----------
    {IMAGE}
    size : int or (height, width), default 3
        The rectangular window, any positive size; even sizes anchor at size // 2 (the window
        of output (y, x) starts at (y - h // 2, x - w // 2)), as in OpenCV and scipy.ndimage.
        Ignored when `footprint` is given.
    footprint : 2-D array, optional, keyword-only
        Arbitrary structuring element: the nonzero cells form the window, anchored at its centre
        (fh // 2, fw // 2), as cv2.{CV2} with anchor (-1, -1) (no reflection of the footprint).
        E.g. cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (w, h)). Must have at least one
        nonzero cell.
    border : str or None, keyword-only
        None (default): pixels outside the image are ignored, as cv2.{CV2}'s default border:
        a constant that never wins (the type's extreme for integers, -+FLT_MAX / -+DBL_MAX
        for floats, as OpenCV; a window that holds no image pixel, possible with a
        footprint that excludes its centre, gives that constant). Otherwise how pixels outside
        the image are read:
        {MODES}
    {CVAL}
    {OUT}

    {RETURNS_SAME}

    Notes
    -----
    Exact (the {word} is exact in every dtype). NaN is ignored: each window gives the {word}
    of its numbers (np.f{short} over the window), NaN only when every sample is NaN. cv2 and
    scipy.ndimage compare with < and >, so with a NaN in the window their result depends on
    its position; on windows without NaN they equal imfilt. Signed zeros compare equal, so
    either may be returned.
    Rectangles are separable and fused row by row (no full-size intermediate): van Herk /
    Gil-Werman down the columns (3 vector operations per sample whatever the height; direct
    for heights up to 6), then a doubling running extremum along an L1-resident row: uint8
    on AVX-512 VBMI, log2(width) radix-2 levels fused in registers (byte shuffles of vector
    pairs, one load and one store per vector; up to width 192, then radix-4 passes); other
    dtypes and SIMD levels, radix-4 passes (one for widths up to 6, two up to 16, three up
    to 64). Footprints are split into horizontal
    runs; each distinct run length is one running-extremum row per input row, and an output
    row costs one vector {word} per run. Results are bit-identical for any thread count and
    SIMD level.
"""


def _filter(image, size, footprint, border, cval, out, threads, op):
    """minimum and maximum: the checked arguments, the border that never wins for border=None,
    one C call (`op` chooses the extremum)."""
    arr = N.check_image(image)
    dtype = N.native(arr.dtype)
    if footprint is not None:
        mask = N.footprint_mask(footprint)
        kh, kw = mask.shape
        if mask.all():
            mask = None  # a full rectangle: the separable path
    else:
        kh, kw = N.window(size, "size")
        mask = None
    if border is None:
        border_c = N.BORDER_CODES["constant"]
        if dtype.kind == "f":
            # OpenCV's value: the largest finite float of the type (not inf), which shows
            # where a footprint window holds no image pixel, or next to -inf / +inf pixels
            big = float(np.finfo(dtype).max)
            cval_v = -big if op == MORPH_MAX else big
        else:
            info = np.iinfo(dtype)
            cval_v = float(info.min if op == MORPH_MAX else info.max)
    else:
        border_c = N.border_code(border)
        cval_v = N.cval_arg(cval, dtype)
    nthreads = N.threads_arg(threads)
    shape = arr.shape
    channels = shape[2] if arr.ndim == 3 else 1
    # scratch per thread: padded rows plus the van Herk suffix rows (rectangles) or the ring of
    # run-length rows (footprints, bounded in C by rounding run lengths to powers of two)
    rows = (kh + 4) if mask is None else kh * min(kw, 2 + kw.bit_length()) + 3
    N.check_scratch(rows * (shape[1] + kw) * channels * dtype.itemsize,
                    "a {}x{} window on a {}-pixel-wide image needs {gib:.1f} GiB of scratch "
                    "per thread; refusing", kh, kw, shape[1])
    target, result = N.prepare_out(out, shape, dtype, arr)
    if arr.size == 0:
        return result
    src = N.byte_rows(arr)
    dst = N.byte_rows(target)
    _core.morph(src, dst, shape[1], channels, N.DTYPE_CODES[dtype], mask, kh, kw,
                kh // 2, kw // 2, op, border_c, cval_v, nthreads)
    return N.finish(target, result)


_MORPH = _core.Route(_filter)


@fill(_DOC, WHAT="Minimum", word="minimum", CV2="erode", short="min")
def minimum(image: ImageLike, size: Size = 3, *, footprint: Optional[ImageLike] = None,
            border: Optional[Border] = None, cval: Number = 0, out: Out = None,
            threads: Threads = None) -> Image:
    return _core.fast_morph(_MORPH, image, size, footprint, border, cval, out, threads, MORPH_MIN)


@fill(_DOC, WHAT="Maximum", word="maximum", CV2="dilate", short="max")
def maximum(image: ImageLike, size: Size = 3, *, footprint: Optional[ImageLike] = None,
            border: Optional[Border] = None, cval: Number = 0, out: Out = None,
            threads: Threads = None) -> Image:
    return _core.fast_morph(_MORPH, image, size, footprint, border, cval, out, threads, MORPH_MAX)
