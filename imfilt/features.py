"""HOG descriptors: OpenCV's HOGDescriptor.compute (`hog`, `hog_blocks`) and
skimage.feature.hog (`hog_skimage`), one C core (src/hog/hog.c) for both."""
from __future__ import annotations

import math

import numpy as np

from . import _core
from . import _normalize as N
from ._typing import Image, ImageLike, Optional, Pair, Threads, Tuple, Union

HOG_DTYPES = ("uint8", "uint16", "float32", "float64")
_NORMS = {"L2-Hys-cv": 0, "L1": 1, "L1-sqrt": 2, "L2": 3, "L2-Hys": 4}
MAX_NBINS = 255                 # OpenCV keeps bins in a byte
MAX_OUTPUT_BYTES = 1 << 34      # refuse descriptors over 16 GiB before allocating


def _check_hog_image(image, name="image"):
    arr = N.check_image(image, name, dtypes=HOG_DTYPES, what="HOG")
    if arr.ndim == 3 and not 1 <= arr.shape[2] <= 64:
        raise ValueError(f"{name} must have 1 to 64 channels, got {arr.shape[2]}")
    return arr


def _bool_arg(v, name):
    if not isinstance(v, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {v!r}")
    return bool(v)


def _src(arr):
    channels = arr.shape[2] if arr.ndim == 3 else 1
    if arr.flags.c_contiguous and arr.dtype.isnative and arr.flags.aligned:  # common, cheap
        rows = arr.reshape(arr.shape[0], -1).view(np.uint8)
    else:
        rows = N.byte_rows(arr)
    return rows, arr.shape[1], channels, N.DTYPE_CODES[arr.dtype.newbyteorder("=")]


# ---------------------------------------------------------------------------------- OpenCV
def _cv_params(block_size, block_stride, cell_size, nbins, signed, gamma_correction,
               win_sigma, l2hys_threshold):
    bh, bw = N.pair(block_size, "block_size", integer=True, minimum=1)
    sy, sx = N.pair(block_stride, "block_stride", integer=True, minimum=1)
    ch, cw = N.pair(cell_size, "cell_size", integer=True, minimum=1)
    nbins = N.integer(nbins, "nbins", minimum=1, maximum=MAX_NBINS)
    signed = _bool_arg(signed, "signed")
    gamma = _bool_arg(gamma_correction, "gamma_correction")
    if bh % ch or bw % cw:
        raise ValueError(f"block_size {(bh, bw)} must be a multiple of cell_size {(ch, cw)}")
    sigma = None if win_sigma is None else N.real(win_sigma, "win_sigma")
    if sigma is None or sigma <= 0:
        sigma = (bw + bh) / 8.0        # OpenCV's default (winSigma <= 0)
    threshold = N.real(l2hys_threshold, "l2hys_threshold")
    return dict(nbins=nbins, signed=int(signed), gamma=int(gamma),
                cell=(ch, cw), block=(bh, bw), stride=(sy, sx), win_sigma=sigma,
                norm=_NORMS["L2-Hys-cv"], threshold=threshold)


def _check_float_values(arr, gamma):
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


def _blocks(arr, params, pad, threads):
    H, W = arr.shape[:2]
    bh, bw = params["block"]
    sy, sx = params["stride"]
    gh, gw = H + 2 * pad[0], W + 2 * pad[1]
    nby = (gh - bh) // sy + 1 if gh >= bh else 0
    nbx = (gw - bw) // sx + 1 if gw >= bw else 0
    L = (bh // params["cell"][0]) * (bw // params["cell"][1]) * params["nbins"]
    # the pixels the blocks read (each at most once per overlapping block): refuse a geometry
    # that mostly reads padding, e.g. padding=2**19 with 2**20-pixel blocks on a small image
    covered = ((nby - 1) * sy + bh) * ((nbx - 1) * sx + bw) if nby and nbx else 0
    if covered > max(16 * H * W, 1 << 32):
        raise ValueError(f"padding {pad} and block_size {(bh, bw)} make the blocks cover "
                         f"{covered:.3g} pixels for a {H}x{W} image; refusing")
    if nby * nbx * L * 4 > MAX_OUTPUT_BYTES:
        raise ValueError(f"the block grid would take {nby * nbx * L * 4 / 2**30:.1f} GiB; "
                         f"refusing")
    out = np.empty((nby, nbx, L), np.float32)
    if out.size:
        p = params if params.get("pad") == pad else dict(params, pad=pad)
        _core.hog_blocks(*_src(arr), p, out.reshape(-1), threads)
    return out


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
        uint8 (as OpenCV; gray or colour), uint16, float32 or float64. Other dtypes raise
        TypeError. Non-uint8 images use the same arithmetic on the raw values: intensities
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
    threads : int or None
        OpenMP threads over block rows; None uses all cores. Bit-identical for any count.

    Returns
    -------
    ndarray, float32, shape (n_blocks_y, n_blocks_x, block_length)
        n_blocks = (size + 2 * padding - block) // stride + 1; block_length =
        nbins * cells per block, cells in OpenCV's column-major order (cell x outer, cell y
        inner), then bins.
    """
    arr = _check_hog_image(image)
    params = _cv_params(block_size, block_stride, cell_size, nbins, signed, gamma_correction,
                        win_sigma, l2hys_threshold)
    pad = N.pair(padding, "padding", integer=True, minimum=0)
    nthreads = N.threads_arg(threads)
    _check_float_values(arr, params["gamma"])
    return _blocks(arr, params, pad, nthreads)


_PLANS = {}


def _cv_window_plan(win_size, block_size, block_stride, cell_size, nbins, signed,
                    gamma_correction, win_sigma, l2hys_threshold, win_stride, padding):
    """Validated geometry of `hog` (cached: it costs more than a 64x128 window's HOG)."""
    params = _cv_params(block_size, block_stride, cell_size, nbins, signed, gamma_correction,
                        win_sigma, l2hys_threshold)
    wh, ww = N.pair(win_size, "win_size", integer=True, minimum=1)
    bh, bw = params["block"]
    sy, sx = params["stride"]
    if bh > wh or bw > ww:
        raise ValueError(f"block_size {(bh, bw)} is larger than win_size {(wh, ww)}")
    if (wh - bh) % sy or (ww - bw) % sx:
        raise ValueError(f"win_size {(wh, ww)} minus block_size {(bh, bw)} must be a multiple "
                         f"of block_stride {(sy, sx)}")
    wsy, wsx = params["cell"]          # OpenCV's default winStride (also for (0, 0))
    if win_stride is not None:
        ws = N.pair(win_stride, "win_stride", integer=True, minimum=1, allow_zero=True)
        if ws != (0, 0):
            if 0 in ws:
                raise ValueError(f"win_stride must be positive, got {win_stride!r}")
            wsy, wsx = ws
    py, px = N.pair(padding, "padding", integer=True, minimum=0)
    gy, gx = math.gcd(wsy, sy), math.gcd(wsx, sx)
    py, px = _align(py, gy), _align(px, gx)
    nbi, nbj = (wh - bh) // sy + 1, (ww - bw) // sx + 1
    L = (bh // params["cell"][0]) * (bw // params["cell"][1]) * params["nbins"]
    grid_params = dict(params, stride=(gy, gx), block_stride=(sy, sx), pad=(py, px))
    # one window whose blocks are the whole grid: the core writes it in window order
    window_params = dict(grid_params, column_major=1) if (gy, gx) == (sy, sx) else None
    return (grid_params, (wh, ww), (wsy, wsx), (gy, gx), (py, px), (nbi, nbj), L,
            window_params)


def _align(v, a):
    """OpenCV's alignSize: (v + a - 1) & -a. That rounds up to a multiple of `a` only for
    powers of two (e.g. 6 -> 10 for a = 6); compute() pads by it all the same."""
    return (v + a - 1) & -a


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
    threads : int or None
        OpenMP threads; None uses all cores. Bit-identical for any count.
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
    arr = _check_hog_image(image)
    args = (win_size, block_size, block_stride, cell_size, nbins, signed, gamma_correction,
            win_sigma, l2hys_threshold, win_stride, padding)
    # cache key with the types (True == 1 and 8 == 8.0 must not share a validation)
    key = (args, tuple(map(type, args)),
           tuple([tuple(map(type, v)) for v in args if type(v) is tuple]))
    try:
        plan = _PLANS.get(key)
    except TypeError:                  # unhashable arguments (lists, arrays): no cache
        key = None
        plan = None
    if plan is None:
        plan = _cv_window_plan(*args)
        if key is not None:
            if len(_PLANS) > 256:
                _PLANS.clear()
            _PLANS[key] = plan
    params, (wh, ww), (wsy, wsx), (gy, gx), (py, px), (nbi, nbj), L, window_params = plan
    nthreads = threads if type(threads) is int and 1 <= threads <= 1024 else N.threads_arg(threads)
    if arr.dtype.kind == "f":
        _check_float_values(arr, params["gamma"])
    H, W = arr.shape[:2]
    if H + 2 * py < wh or W + 2 * px < ww:
        raise ValueError(f"image of {H}x{W} pixels (plus padding {(py, px)} on each side) is "
                         f"smaller than win_size {(wh, ww)}")
    nwy, nwx = (H + 2 * py - wh) // wsy + 1, (W + 2 * px - ww) // wsx + 1
    if nwy * nwx * nbi * nbj * L * 4 > MAX_OUTPUT_BYTES:
        raise ValueError(f"{nwy * nwx} windows of {nbi * nbj * L} floats would take "
                         f"{nwy * nwx * nbi * nbj * L * 4 / 2**30:.1f} GiB; refusing")
    (sy, sx) = params["block_stride"]
    if (window_params is not None and not visualize and nwy == nwx == 1
            and (H + 2 * py - wh) // sy == 0 and (W + 2 * px - ww) // sx == 0):
        # one window, its blocks are the whole grid: computed straight into the descriptor
        desc = np.empty((1, nbj * nbi * L), np.float32)
        _core.hog_blocks(*_src(arr), window_params, desc.reshape(-1), nthreads)
        return desc
    # the block grid at stride gcd(win_stride, block_stride): every window's blocks are on it,
    # each computed once; windows are strided views of it, copied in OpenCV's order
    grid = _blocks(arr, params, (py, px), nthreads)
    s0, s1, s2 = grid.strides
    view = np.ndarray((nwy, nwx, nbj, nbi, L), np.float32, grid, 0,
                      (wsy // gy * s0, wsx // gx * s1, sx // gx * s1, sy // gy * s0, s2))
    desc = np.empty((nwy * nwx, nbj * nbi * L), np.float32)
    np.copyto(desc.reshape(nwy, nwx, nbj, nbi, L), view)
    bh, bw = params["block"]
    if visualize:
        from ._hogdraw import hog_picture
        pic = hog_picture(arr, hog_blocks(arr, block_size=(bh, bw), block_stride=(sy, sx),
                                          cell_size=params["cell"], nbins=params["nbins"],
                                          signed=bool(params["signed"]),
                                          gamma_correction=bool(params["gamma"]),
                                          win_sigma=params["win_sigma"],
                                          l2hys_threshold=params["threshold"],
                                          threads=threads),
                          block_size=(bh, bw), block_stride=(sy, sx), cell_size=params["cell"],
                          signed=bool(params["signed"]))
        return desc, pic
    return desc


# ---------------------------------------------------------------------------- scikit-image
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
    threads : int or None, keyword-only
        OpenMP threads; None uses all cores. Bit-identical for any count.

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
    arr = N.as_array(image, "image")
    if channel_axis is not None:
        channel_axis = N.integer(channel_axis, "channel_axis")
        if arr.ndim != 3:
            raise ValueError("Only images with two spatial dimensions are supported; with "
                             f"channel_axis, image must have 3 dimensions, got {arr.shape}")
        arr = np.moveaxis(arr, int(channel_axis), -1)
    elif arr.ndim == 1 or arr.ndim == 0:
        arr = np.atleast_2d(arr)
    if channel_axis is None and arr.ndim != 2:
        raise ValueError("Only images with two spatial dimensions are supported. If using "
                         "with color/multichannel images, specify `channel_axis`.")
    arr = _check_hog_image(arr)
    n = N.integer(orientations, "orientations", minimum=1, maximum=0xFFEF)
    ch, cw = N.pair(pixels_per_cell, "pixels_per_cell", integer=True, minimum=1)
    br, bc = N.pair(cells_per_block, "cells_per_block", integer=True, minimum=1)
    if block_norm not in ("L1", "L1-sqrt", "L2", "L2-Hys"):
        raise ValueError("Selected block normalization method is invalid: "
                         f"{block_norm!r}; valid: 'L1', 'L1-sqrt', 'L2', 'L2-Hys'")
    visualize = _bool_arg(visualize, "visualize")
    transform_sqrt = _bool_arg(transform_sqrt, "transform_sqrt")
    feature_vector = _bool_arg(feature_vector, "feature_vector")
    nthreads = N.threads_arg(threads)
    H, W = arr.shape[:2]
    ncy, ncx = H // ch, W // cw
    nby, nbx = ncy - br + 1, ncx - bc + 1
    if nby <= 0 or nbx <= 0:
        raise ValueError("The input image is too small given the values of pixels_per_cell "
                         f"and cells_per_block. It should have at least: {br * ch} rows and "
                         f"{bc * cw} cols.")
    out_dtype = np.float32 if arr.dtype.newbyteorder("=") == np.float32 else np.float64
    params = dict(nbins=n, gamma=int(transform_sqrt), cell=(ch, cw), block=(br, bc),
                  norm=_NORMS[block_norm], threshold=0.2,
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
