"""Rank filters: median."""
from __future__ import annotations

from . import _core
from . import _normalize as N
from ._docs import fill
from ._typing import Border, Image, ImageLike, Number, Out, Size, Threads


@fill()
def median(image: ImageLike, size: Size, *, border: Border = "replicate", cval: Number = 0.0,
           out: Out = None, threads: Threads = None) -> Image:
    """Median filter, equal to cv2.medianBlur (and scipy.ndimage.median_filter).

    Parameters
    ----------
    {IMAGE}
    size : int or (height, width)
        Odd window size; each channel is filtered on its own.
    {BORDER}
        The default, 'replicate', is what cv2.medianBlur does.
    {OUT}

    Returns
    -------
    {SAME}

    Notes
    -----
    Exact for every dtype, size and border: equal to cv2.medianBlur where OpenCV supports the
    case (replicate border; uint8 any size; uint16, int16, float32 at 3 and 5) and to
    scipy.ndimage.median_filter(mode='mirror' / 'reflect' / 'nearest' / 'constant' / 'wrap')
    everywhere else. NaN orders above +inf, as numpy.sort does: each output is the middle
    sample of its window in that order, so it is NaN exactly when more than half of the
    window's samples are NaN (the result is then the canonical quiet NaN); -0.0 orders below
    +0.0. (cv2 and scipy give unspecified results with NaN.)

    Algorithms: sorting networks on sorted columns for 3x3 and 5x5 (and 7x7 except uint8),
    one pixel per SIMD lane; Perreault-Hebert O(1) histograms for larger uint8 windows; for
    larger uint16 / int16 / float windows a rank transform (each tile sorted once, values replaced by
    dense 16-bit ranks) feeding Huang's sliding histogram with two-level counts.
    """
    return _core.fast_median(_MEDIAN, image, size, border, cval, out, threads)


def _median(image, size, border, cval, out, threads):
    """Validates the call and makes the one C call; the C driver chooses the algorithm
    (median_plan in src/median/median.c)."""
    arr = N.check_image(image)
    kh, kw = N.odd_pair(size, "size")
    border_c = N.border_code(border)
    dtype = arr.dtype.newbyteorder("=")
    cval_v = N.cval_arg(cval, dtype)
    nthreads = N.threads_arg(threads)
    channels = arr.shape[2] if arr.ndim == 3 else 1
    scratch = kh * (arr.shape[1] + kw) * channels * max(2, dtype.itemsize) * 2
    if scratch > N.MAX_SCRATCH_BYTES:
        raise ValueError(f"size {(kh, kw)} on a {arr.shape[1]}-pixel-wide image needs "
                         f"{scratch / 2**30:.1f} GiB of scratch per thread; refusing")
    target, result = N.prepare_out(out, arr.shape, dtype, arr)
    if arr.size == 0:
        return result
    if not arr.dtype.isnative:
        arr = arr.astype(dtype)
    tile = _core.MEDIAN_TILE_MAX  # float windows above it rank the whole image (and cval) at once
    if dtype.kind == "f" and kh * kw > tile and arr.size + 1 > tile:
        raise ValueError(f"size {(kh, kw)}: float windows above {tile} samples are "
                         f"supported only on images of at most {tile - 1} samples")
    _core.median(N.byte_rows(arr), N.byte_rows(target), arr.shape[1], channels,
                 N.DTYPE_CODES[dtype], kh, kw, border_c, cval_v, nthreads)
    return N.finish(target, result)


_MEDIAN = _core.Route(_median)
