"""HOG descriptors: OpenCV's HOGDescriptor.compute (`hog`, `hog_blocks`) and
skimage.feature.hog (`hog_skimage`), one C core (src/hog/hog.c) for both."""
from __future__ import annotations

import numpy as np

from . import _core
from . import _normalize as N
from ._docs import fill
from ._typing import Image, ImageLike, Optional, Pair, Threads, Tuple, Union


def _src(arr):
    """The image arguments of the HOG bindings: byte rows, width, channels, dtype code."""
    channels = arr.shape[2] if arr.ndim == 3 else 1
    return N.byte_rows(arr), arr.shape[1], channels, N.DTYPE_CODES[N.native(arr.dtype)]


# ---------------------------------------------------------------------------------- OpenCV
def _blocks(arr, params, pad, threads):
    """The block grid of a checked image and parameters, framed by `pad`: one C call."""
    out = np.empty(N.hog_grid(arr.shape, params, pad), np.float32)
    if out.size:
        p = params if params.get("pad") == pad else dict(params, pad=pad)
        _core.hog_blocks(*_src(arr), p, out.reshape(-1), threads)
    return out


@fill()
def hog_blocks(image: ImageLike, *, block_size: Pair = (16, 16), block_stride: Pair = (8, 8),
               cell_size: Pair = (8, 8), nbins: int = 9, signed: bool = False,
               gamma_correction: bool = True, win_sigma: Optional[float] = None,
               l2hys_threshold: float = 0.2, padding: Pair = (0, 0),
               threads: Threads = None) -> Image:
    """The L2-Hys-normalised histogram of every block of the image, each computed once.

    Blocks sit at every `block_stride` step of the image framed by `padding` pixels on each
    side (read with reflect101 addressing, as OpenCV's HOGDescriptor does). Every block equals
    the corresponding block of ``cv2.HOGDescriptor.compute``; `hog` gathers its windows from
    this grid.

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, C)
        uint8 (as OpenCV; gray or colour), uint16, float32 or float64; {LAYOUT} Other dtypes
        raise TypeError. Non-uint8 images use the same arithmetic on the raw values: intensities
        are converted to float32, gamma_correction takes their square root (float images must
        then be non-negative), the gradient is [-1, 0, 1] of those values. Float images must
        be finite (NaN or inf: ValueError; OpenCV has no float HOG to follow). With several
        channels each pixel uses the channel of largest gradient magnitude (OpenCV's rule).
    block_size, block_stride, cell_size : int or (height, width)
        In pixels; block_size must be a multiple of cell_size.
    nbins : int
        Orientation bins (1..255), over 180 degrees (or 360 when `signed`).
    signed : bool
        OpenCV's signedGradient.
    gamma_correction : bool
        Square root of the intensities before differencing (OpenCV's gammaCorrection).
    win_sigma : float or None
        Sigma of the gaussian weighting pixels within a block (centred at block_size / 2);
        None or <= 0: (block_h + block_w) / 8, OpenCV's default.
    l2hys_threshold : float
        The L2-Hys clipping value.
    padding : int or (height, width)
        Pixels added on each side of the image (OpenCV's compute pads the same way).
    {THREADS}

    Returns
    -------
    ndarray, float32, shape (n_blocks_y, n_blocks_x, block_length)
        n_blocks = (size + 2 * padding - block) // stride + 1; block_length =
        nbins * cells per block, cells in OpenCV's column-major order (cell x outer, cell y
        inner), then bins.
    """
    return _hog_blocks(image, block_size, block_stride, cell_size, nbins, signed,
                       gamma_correction, win_sigma, l2hys_threshold, padding, threads)


def _hog_blocks(image, block_size, block_stride, cell_size, nbins, signed, gamma_correction,
                win_sigma, l2hys_threshold, padding, threads):
    """hog_blocks' checked image and parameters; the grid in one C call."""
    arr = N.hog_image(image)
    params = N.hog_params(block_size, block_stride, cell_size, nbins, signed, gamma_correction,
                          win_sigma, l2hys_threshold)
    pad = N.pair(padding, "padding", integer=True, minimum=0)
    nthreads = N.threads_arg(threads)
    N.hog_values(arr, params["gamma"])
    return _blocks(arr, params, pad, nthreads)


@fill()
def hog(image: ImageLike, *, win_size: Pair = (128, 64), block_size: Pair = (16, 16),
        block_stride: Pair = (8, 8), cell_size: Pair = (8, 8), nbins: int = 9,
        signed: bool = False, gamma_correction: bool = True, win_sigma: Optional[float] = None,
        l2hys_threshold: float = 0.2, win_stride: Optional[Pair] = None, padding: Pair = (0, 0),
        threads: Threads = None,
        visualize: bool = False) -> Union[Image, Tuple[Image, Image]]:
    """HOG descriptors of every detection window, equal to cv2.HOGDescriptor.compute.

    ``hog(img, win_size=(h, w), ...).ravel()`` equals ``cv2.HOGDescriptor((w, h), (block_w,
    block_h), (stride_w, stride_h), (cell_w, cell_h), nbins, 1, win_sigma or -1, 0,
    l2hys_threshold, gamma_correction, 64, signed).compute(img, (win_stride_w,
    win_stride_h), (pad_w, pad_h))`` (within 1e-4; float summation order differs). Sizes
    here are (height, width).

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, C)
        See `hog_blocks` for dtypes and channels.
    win_size : int or (height, width)
        Detection window; (win_size - block_size) must be a multiple of block_stride.
    block_size, block_stride, cell_size, nbins, signed, gamma_correction, win_sigma,
    l2hys_threshold : see `hog_blocks`.
    win_stride : int or (height, width) or None
        Step between windows; None: cell_size (OpenCV's default).
    padding : int or (height, width)
        Pixels added on each side, aligned as OpenCV's compute does: (pad + g - 1) & -g with
        g = gcd(win_stride, block_stride) (a multiple of g when g is a power of two); windows
        start at -padding.
    {THREADS}
    visualize : bool, keyword-only
        Also return an RGB uint8 picture: per cell, the block-averaged histogram drawn as
        oriented line glyphs over a dimmed copy of the (unpadded) image (`hog_picture`).

    Returns
    -------
    ndarray, float32, shape (n_windows, descriptor_length)
        Windows row-major (left to right, then down); inside a window blocks column-major,
        inside a block cells column-major, then bins (OpenCV's order). The blocks are computed
        once (`hog_blocks`) and gathered into the windows.
    (descriptors, picture) when visualize is True.

    Raises
    ------
    ValueError
        Invalid geometry (block not a multiple of cell, window minus block not a multiple of
        block_stride, block larger than the window), an image smaller than a window after
        padding, or a float image holding NaN or inf.
    """
    return _core.fast_hog(_HOG, image, win_size, block_size, block_stride, cell_size, nbins,
                          signed, gamma_correction, win_sigma, l2hys_threshold, win_stride,
                          padding, threads, visualize)


# The argument objects of hog's last call and their plan: repeated calls with the same
# (immutable) objects skip even the plan cache's key (a 64x128 window takes ~50 us).
_last_plan = ((), None)
_IMMUTABLE = (int, float, bool, type(None))


def _immutable(args):
    """True when every argument is a number, a bool, None or a tuple of numbers."""
    return all(type(a) in _IMMUTABLE or (type(a) is tuple and all(type(v) in _IMMUTABLE
                                                                    for v in a)) for a in args)


def _plan(args):
    """N.hog_window_plan of hog's geometry arguments, the last call's when they are the same
    objects."""
    global _last_plan
    last, plan = _last_plan
    if len(last) == len(args) and all(a is b for a, b in zip(args, last)):
        return plan
    plan = N.hog_window_plan(*args)
    if _immutable(args):
        _last_plan = (args, plan)
    return plan


def _hog(image, win_size, block_size, block_stride, cell_size, nbins, signed, gamma_correction,
         win_sigma, l2hys_threshold, win_stride, padding, threads, visualize):
    """hog's checked image and (cached) geometry; one window whose blocks are the whole grid
    is computed straight into its descriptor, any other call gathers windows from the grid."""
    arr = N.hog_image(image)
    plan = _plan((win_size, block_size, block_stride, cell_size, nbins, signed,
                  gamma_correction, win_sigma, l2hys_threshold, win_stride, padding))
    params, (wh, ww), (wsy, wsx), (gy, gx), (py, px), (nbi, nbj), L, window_params = plan
    nthreads = N.threads_arg(threads)
    if arr.dtype.kind == "f":
        N.hog_values(arr, params["gamma"])
    nwy, nwx = N.hog_windows(arr.shape, plan)
    H, W = arr.shape[:2]
    (sy, sx) = params["block_stride"]
    if (window_params is not None and not visualize and nwy == nwx == 1
            and (H + 2 * py - wh) // sy == 0 and (W + 2 * px - ww) // sx == 0):
        # one window, its blocks are the whole grid: computed straight into the descriptor
        desc = np.empty((1, nbj * nbi * L), np.float32)
        _core.hog_blocks(*_src(arr), window_params, desc.reshape(-1), nthreads)
        return desc
    # the block grid at stride gcd(win_stride, block_stride), column-major: every window's
    # blocks are on it, each computed once; the windows are copied from it in OpenCV's order
    # by threads (a window's block column is one run of the grid when the strides agree)
    nby, nbx, _ = N.hog_grid(arr.shape, params, (py, px))
    grid = np.empty((nbx, nby, L), np.float32)
    _core.hog_blocks(*_src(arr), dict(params, column_major=1), grid.reshape(-1), nthreads)
    desc = np.empty((nwy * nwx, nbj * nbi * L), np.float32)
    if desc.size:
        step = (wsy // gy * L, wsx // gx * nby * L, sx // gx * nby * L, sy // gy * L)
        _core.hog_windows(grid.reshape(-1), step, nwy, nwx, nbj, nbi, L, desc.reshape(-1),
                          nthreads)
    bh, bw = params["block"]
    if visualize:
        from ._hogdraw import hog_picture
        blocks = _blocks(arr, dict(params, stride=(sy, sx)), (0, 0), nthreads)
        pic = hog_picture(arr, blocks, block_size=(bh, bw), block_stride=(sy, sx),
                          cell_size=params["cell"], signed=bool(params["signed"]))
        return desc, pic
    return desc


def _hog_fast_plan(*args):
    """The fast path's plan of hog's geometry arguments; None when the normaliser refuses
    them (the handler _hog then raises its own error)."""
    try:
        return N.hog_window_plan(*args)
    except (TypeError, ValueError, OverflowError):
        return None


_HOG = _core.Route(_hog, _hog_fast_plan)


# ---------------------------------------------------------------------------- scikit-image
@fill()
def hog_skimage(image: ImageLike, orientations: int = 9, pixels_per_cell: Pair = (8, 8),
                cells_per_block: Pair = (3, 3), block_norm: str = "L2-Hys",
                visualize: bool = False, transform_sqrt: bool = False,
                feature_vector: bool = True, *, channel_axis: Optional[int] = None,
                threads: Threads = None) -> Union[Image, Tuple[Image, Image]]:
    """HOG of a whole image, equal to skimage.feature.hog bit for bit (same shapes/dtypes).

    Parameters
    ----------
    image : ndarray
        (M, N), or (M, N, C) with `channel_axis`; uint8, uint16, float32 or float64 (computed
        in float64, float32 for float32 images, as scikit-image).
    orientations, pixels_per_cell, cells_per_block, block_norm, visualize, transform_sqrt,
    feature_vector, channel_axis : as skimage.feature.hog ('L1', 'L1-sqrt', 'L2', 'L2-Hys').
    {THREADS}

    Returns
    -------
    out : ndarray (n_blocks_row, n_blocks_col, b_row, b_col, orientations), or raveled
        float64 (float32 for float32 images).
    hog_image : ndarray (M, N), when visualize: the same glyph picture as scikit-image.

    Notes
    -----
    Gradients [-1, 0, 1] (0 on the first/last row and column), channel of largest magnitude,
    hard binning of degrees(arctan2) mod 180 into [180 i / n, 180 (i + 1) / n), cell value =
    float32 sums of magnitudes in raster order / cell area, as scikit-image's loop (a pixel
    whose orientation lies within 1e-9 degrees of a bin edge is binned with NumPy's arctan2,
    as scikit-image). NaN and inf propagate as in scikit-image: a NaN gradient orientation
    adds its magnitude to every bin of its cell, and a block holding NaN is NaN.
    """
    return _hog_skimage(image, orientations, pixels_per_cell, cells_per_block, block_norm,
                        visualize, transform_sqrt, feature_vector, channel_axis, threads)


def _hog_skimage(image, orientations, pixels_per_cell, cells_per_block, block_norm, visualize,
                 transform_sqrt, feature_vector, channel_axis, threads):
    """hog_skimage's checked arguments; the cell histograms, then their blocks, in C."""
    arr = N.skimage_image(image, channel_axis)
    n = N.integer(orientations, "orientations", minimum=1, maximum=0xFFEF)
    ch, cw = N.pair(pixels_per_cell, "pixels_per_cell", integer=True, minimum=1)
    br, bc = N.pair(cells_per_block, "cells_per_block", integer=True, minimum=1)
    norm = N.skimage_norm(block_norm)
    visualize = N.boolean(visualize, "visualize")
    transform_sqrt = N.boolean(transform_sqrt, "transform_sqrt")
    feature_vector = N.boolean(feature_vector, "feature_vector")
    nthreads = N.threads_arg(threads)
    ncy, ncx = N.skimage_cells(arr.shape, (ch, cw), (br, bc))
    H, W = arr.shape[:2]
    nby, nbx = ncy - br + 1, ncx - bc + 1
    out_dtype = np.float32 if N.native(arr.dtype) == np.float32 else np.float64
    params = dict(nbins=n, gamma=int(transform_sqrt), cell=(ch, cw), block=(br, bc),
                  norm=norm, threshold=0.2,
                  out_dtype=N.DTYPE_CODES[np.dtype(out_dtype)])
    cells = _skimage_cells(arr, params, nthreads).reshape(ncy, ncx, n)
    out = np.empty((nby, nbx, br, bc, n), out_dtype)
    _core.hog_cell_blocks(cells.reshape(-1), ncy, ncx, params, out.reshape(-1).view(np.uint8),
                          nthreads)
    if feature_vector:
        out = out.ravel()
    if visualize:
        from ._hogdraw import skimage_picture
        return out, skimage_picture(cells, (H, W), (ch, cw), out_dtype)
    return out


def _skimage_cells(arr, params, threads):
    """scikit-image's cell histograms (float32, divided by the cell area), each cell summed in
    raster order as its loop does. The C core bins every pixel it can; the few whose
    orientation lies on a bin edge to within 1e-9 degree (other than the exact multiples of
    45 degrees) are binned with NumPy's arctan2, the function scikit-image uses, whose last bit
    can differ from libm's: the core lists them, and sums the cell rows holding them again with
    NumPy's orientations."""
    H, W = arr.shape[:2]
    (ch, cw), n = params["cell"], params["nbins"]
    ncy, ncx = H // ch, W // cw
    cells = np.empty(ncy * ncx * n, np.float32)
    src = _src(arr)
    none = np.empty(0, np.int64)
    listed = _core.hog_cells(*src, params, cells, none, none.view(np.float64), threads)
    if listed:
        rec = np.frombuffer(listed, np.float64).reshape(-1, 4)
        pos = rec[:, 0].astype(np.int64) * W + rec[:, 1].astype(np.int64)
        order = np.argsort(pos, kind="stable")
        # contiguous operands, as scikit-image's whole-array call (NumPy's SIMD arctan2 runs
        # on loadable strides only)
        dy = np.ascontiguousarray(rec[order, 2])
        dx = np.ascontiguousarray(rec[order, 3])
        orient = np.ascontiguousarray(np.rad2deg(np.arctan2(dy, dx)) % 180)
        _core.hog_cells(*src, params, cells, np.ascontiguousarray(pos[order]), orient, threads)
    cells /= np.float32(ch * cw)
    return cells
