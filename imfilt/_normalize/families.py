"""Arguments checked together, one family's each: the Gaussian's sigma and ksize, a mean
window beyond MAX_KERNEL, filter2d's anchor, conv2d's padding and shapes, HOG's cells, blocks
and windows."""
from __future__ import annotations

import math

import numpy as np

from .. import _core
from .arrays import as_array, hog_image
from .scalars import MAX_KERNEL, boolean, check_output, integer, pair, real

# Codes shared with src/core/imfilt.h (imfilt_hog_norm); L2-Hys-cv is OpenCV's variant.
_H = _core.imfilt_hog_norm  # declared in src/binding/_core.pxd
HOG_NORMS = {"L2-Hys-cv": int(_H.IMFILT_HOG_NORM_L2HYS_CV), "L1": int(_H.IMFILT_HOG_NORM_L1),
             "L1-sqrt": int(_H.IMFILT_HOG_NORM_L1SQRT), "L2": int(_H.IMFILT_HOG_NORM_L2),
             "L2-Hys": int(_H.IMFILT_HOG_NORM_L2HYS)}
SKIMAGE_NORMS = ("L1", "L1-sqrt", "L2", "L2-Hys")
MAX_NBINS = 255                 # OpenCV keeps bins in a byte


# ---------------------------------------------------------------------------------- smooth
def gaussian_ksize(sigma, dtype):
    """OpenCV's kernel size for ksize 0: round(sigma * (3 for uint8 else 4) * 2 + 1) | 1."""
    return int(round(sigma * (3 if np.dtype(dtype) == np.uint8 else 4) * 2 + 1)) | 1


def gaussian_args(sigma, ksize):
    """((sigma_y, sigma_x), (kh, kw)) as given: sigmas >= 0, sizes >= 1 or 0 (None: 0), the
    0s to derive (gaussian_sizes)."""
    sigmas = pair(sigma, "sigma", integer=False, minimum=0.0)
    ksizes = pair(0 if ksize is None else ksize, "ksize", integer=True, minimum=1,
                  allow_zero=True)
    return sigmas, ksizes


def gaussian_sizes(sigmas, ksizes, dtype, ksize):
    """The Gaussian's (kh, kw) from gaussian_args: odd given sizes, at most MAX_KERNEL; a size
    of 0 is derived from its sigma as OpenCV does (which then must be positive and need at most
    MAX_KERNEL taps). `ksize`: the argument as given, for the messages."""
    sizes = []
    for k, s, axis in ((ksizes[0], sigmas[0], "height"), (ksizes[1], sigmas[1], "width")):
        if k == 0:
            if s <= 0:
                raise ValueError("sigma and ksize cannot both be 0: give a positive sigma or "
                                 "an odd ksize")
            limit = (MAX_KERNEL - 1) / (2 * (3 if dtype == np.uint8 else 4))
            if s > limit:
                raise ValueError(f"sigma={s:g} ({axis}) needs a kernel of more than "
                                 f"{MAX_KERNEL} taps; the largest sigma is {limit:g}")
            k = gaussian_ksize(s, dtype)
        elif k % 2 == 0:
            raise ValueError(f"ksize must be odd (or 0 to derive it from sigma), got {ksize!r}")
        elif k > MAX_KERNEL:
            raise ValueError(f"ksize {k} exceeds the largest kernel, {MAX_KERNEL}")
        sizes.append(k)
    return sizes[0], sizes[1]


def box_limits(kh, kw, shape):
    """A mean window above MAX_KERNEL per axis only where it folds onto a small image
    (imfilt/_fold.py), and then of at most MAX_FOLDED_AREA samples."""
    if kh > MAX_KERNEL or kw > MAX_KERNEL:
        from .. import _fold  # imported here: _fold imports this package
        if not (math.prod(shape) and _fold.should_fold(shape, kh, kw)):
            raise ValueError(f"size {(kh, kw)} exceeds the largest window, {MAX_KERNEL} "
                             f"per axis (any size on images of at most {_fold.FOLD_MAX_SIDE} "
                             "pixels a side)")
        if kh * kw > _fold.MAX_FOLDED_AREA:
            raise ValueError(f"size {(kh, kw)} exceeds the largest window, "
                             f"{_fold.MAX_FOLDED_AREA} samples in all")


# -------------------------------------------------------------------------------- filter2d
def anchor(value, kh, kw):
    """filter2d's (y, x) anchor inside a kh x kw kernel; None and -1 entries: the centre."""
    if value is None:
        return kh // 2, kw // 2
    ay, ax = pair(value, "anchor", integer=True)
    ay = kh // 2 if ay == -1 else ay
    ax = kw // 2 if ax == -1 else ax
    if not (0 <= ay < kh and 0 <= ax < kw):
        raise ValueError(f"anchor={value!r} (y, x) must lie inside the {kh}x{kw} kernel "
                         "(or be -1 for the centre)")
    return ay, ax


# ----------------------------------------------------------------------------- derivatives
def deriv_args(dy, dx, ksize):
    """sobel's (dy, dx, ksize) as cv2.Sobel takes them: orders >= 0, not both 0; ksize -1
    (Scharr: one first derivative), 1 or 3 (orders <= 2), or odd 5..31 (orders < ksize)."""
    dy = integer(dy, "dy", minimum=0)
    dx = integer(dx, "dx", minimum=0)
    ksize = integer(ksize, "ksize")
    if dx + dy == 0:
        raise ValueError("dy and dx are both 0: a derivative filter needs an order >= 1")
    if ksize == -1:
        if dx + dy != 1:
            raise ValueError(f"ksize=-1 (Scharr) computes one first derivative: dy + dx must "
                             f"be 1, got dy={dy}, dx={dx}")
    elif ksize < 1 or ksize > 31 or ksize % 2 == 0:
        raise ValueError(f"ksize must be -1 (Scharr) or odd in 1..31, got {ksize}")
    else:
        limit = max(ksize, 3)
        for name, order in (("dy", dy), ("dx", dx)):
            if order >= limit:
                raise ValueError(f"{name}={order} must be < {limit} for ksize={ksize}")
    return dy, dx, ksize


def laplacian_ksize(ksize):
    """laplacian's aperture: odd in 1..31, as cv2.Laplacian."""
    ksize = integer(ksize, "ksize")
    if ksize < 1 or ksize > 31 or ksize % 2 == 0:
        raise ValueError(f"ksize must be odd in 1..31, got {ksize}")
    return ksize


# ---------------------------------------------------------------------------------- conv2d
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
    ph, pw = pair(padding, "padding", integer=True, minimum=0, single=True)
    return ph, ph, pw, pw


def conv2d_shapes(x_shape, w_shape, bias, groups):
    """x (N, C, H, W), weight (C_out, C / groups, kh, kw) and bias (C_out,) agree."""
    c, (cout, cin_g, kh, kw) = x_shape[1], w_shape
    if c % groups:
        raise ValueError(f"groups={groups} must divide the input channels, x has {c}")
    if cout % groups:
        raise ValueError(f"groups={groups} must divide the output channels, weight has {cout}")
    if cin_g != c // groups:
        raise ValueError(f"weight has {cin_g} input channels per group (shape {w_shape}), "
                         f"but x has {c} channels and groups={groups}: expected {c // groups}")
    if kh < 1 or kw < 1:
        raise ValueError(f"weight must have a kernel of at least 1x1, got shape {w_shape}")
    if bias is not None and bias.shape != (cout,):
        raise ValueError(f"bias must have shape ({cout},) (one value per output channel), "
                         f"got {bias.shape}")


def conv2d_output(x_shape, w_shape, itemsize, stride, padding, dilation):
    """((top, left) padding, (H_out, W_out)) of a conv2d whose kernel fits the padded input and
    whose output fits MAX_OUTPUT_BYTES."""
    n, _, h, w = x_shape
    cout, _, kh, kw = w_shape
    (sh, sw), (dh, dw) = stride, dilation
    pt, pb, pl, pr = conv_padding(padding, stride, dilation, kh, kw)
    # (H + 2P - D * (K - 1) - 1) // S + 1, with 2P the total padding
    oh = (h + pt + pb - dh * (kh - 1) - 1) // sh + 1
    ow = (w + pl + pr - dw * (kw - 1) - 1) // sw + 1
    if oh < 1 or ow < 1:
        raise ValueError(f"kernel of {kh}x{kw} with dilation {(dh, dw)} spans "
                         f"{dh * (kh - 1) + 1}x{dw * (kw - 1) + 1}, larger than the padded "
                         f"input {h + pt + pb}x{w + pl + pr}")
    check_output(n * cout * oh * ow * itemsize, "output of shape {} would take {gib:.1f} GiB "
                 "(padding={!r}); refusing", (n, cout, oh, ow), padding)
    return (pt, pl), (oh, ow)


# ------------------------------------------------------------------------------------- HOG
def hog_params(block_size, block_stride, cell_size, nbins, signed, gamma_correction,
               win_sigma, l2hys_threshold):
    """OpenCV's HOG parameters, checked, as the C core's dict."""
    bh, bw = pair(block_size, "block_size", integer=True, minimum=1)
    sy, sx = pair(block_stride, "block_stride", integer=True, minimum=1)
    ch, cw = pair(cell_size, "cell_size", integer=True, minimum=1)
    nbins = integer(nbins, "nbins", minimum=1, maximum=MAX_NBINS)
    signed = boolean(signed, "signed")
    gamma = boolean(gamma_correction, "gamma_correction")
    if bh % ch or bw % cw:
        raise ValueError(f"block_size {(bh, bw)} must be a multiple of cell_size {(ch, cw)}")
    sigma = None if win_sigma is None else real(win_sigma, "win_sigma")
    if sigma is None or sigma <= 0:
        sigma = (bw + bh) / 8.0        # OpenCV's default (winSigma <= 0)
    threshold = real(l2hys_threshold, "l2hys_threshold")
    return dict(nbins=nbins, signed=int(signed), gamma=int(gamma),
                cell=(ch, cw), block=(bh, bw), stride=(sy, sx), win_sigma=sigma,
                norm=HOG_NORMS["L2-Hys-cv"], threshold=threshold)


def hog_grid(shape, params, pad):
    """(blocks down, blocks across, block length) of the block grid over an image of `shape`
    framed by `pad`; refuses grids that mostly read padding or exceed MAX_OUTPUT_BYTES."""
    H, W = shape[:2]
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
    check_output(nby * nbx * L * 4, "the block grid would take {gib:.1f} GiB; refusing")
    return nby, nbx, L


def _align(v, a):
    """OpenCV's alignSize: (v + a - 1) & -a. That rounds up to a multiple of `a` only for
    powers of two (e.g. 6 -> 10 for a = 6); compute() pads by it all the same."""
    return (v + a - 1) & -a


def _hog_window_plan(win_size, block_size, block_stride, cell_size, nbins, signed,
                     gamma_correction, win_sigma, l2hys_threshold, win_stride, padding):
    params = hog_params(block_size, block_stride, cell_size, nbins, signed, gamma_correction,
                        win_sigma, l2hys_threshold)
    wh, ww = pair(win_size, "win_size", integer=True, minimum=1)
    bh, bw = params["block"]
    sy, sx = params["stride"]
    if bh > wh or bw > ww:
        raise ValueError(f"block_size {(bh, bw)} is larger than win_size {(wh, ww)}")
    if (wh - bh) % sy or (ww - bw) % sx:
        raise ValueError(f"win_size {(wh, ww)} minus block_size {(bh, bw)} must be a multiple "
                         f"of block_stride {(sy, sx)}")
    wsy, wsx = params["cell"]          # OpenCV's default winStride (also for (0, 0))
    if win_stride is not None:
        ws = pair(win_stride, "win_stride", integer=True, minimum=1, allow_zero=True)
        if ws != (0, 0):
            if 0 in ws:
                raise ValueError(f"win_stride must be positive, got {win_stride!r}")
            wsy, wsx = ws
    py, px = pair(padding, "padding", integer=True, minimum=0)
    gy, gx = math.gcd(wsy, sy), math.gcd(wsx, sx)
    py, px = _align(py, gy), _align(px, gx)
    nbi, nbj = (wh - bh) // sy + 1, (ww - bw) // sx + 1
    L = (bh // params["cell"][0]) * (bw // params["cell"][1]) * params["nbins"]
    grid_params = dict(params, stride=(gy, gx), block_stride=(sy, sx), pad=(py, px))
    # one window whose blocks are the whole grid: the core writes it in window order
    window_params = dict(grid_params, column_major=1) if (gy, gx) == (sy, sx) else None
    return (grid_params, (wh, ww), (wsy, wsx), (gy, gx), (py, px), (nbi, nbj), L,
            window_params)


_HOG_PLANS: dict = {}  # hog_window_plan's arguments -> their plan


def hog_window_plan(*args):
    """`hog`'s checked geometry: (C params of its block grid, window size, window stride, grid
    stride, aligned padding, blocks per window (y, x), block length, C params that write one
    window whose blocks are the whole grid, or None). Cached: it costs more than a 64x128
    window's HOG."""
    # cache key with the types (True == 1 and 8 == 8.0 must not share a validation)
    key = (args, tuple(map(type, args)),
           tuple([tuple(map(type, v)) for v in args if type(v) is tuple]))
    try:
        plan = _HOG_PLANS.get(key)
    except TypeError:                  # unhashable arguments (lists, arrays): no cache
        return _hog_window_plan(*args)
    if plan is None:
        plan = _hog_window_plan(*args)
        if len(_HOG_PLANS) > 256:
            _HOG_PLANS.clear()
        _HOG_PLANS[key] = plan
    return plan


def hog_windows(shape, plan):
    """(windows down, windows across) of `hog` on an image of `shape`: at least one window fits
    the padded image, and the descriptors fit MAX_OUTPUT_BYTES."""
    _, (wh, ww), (wsy, wsx), _, (py, px), (nbi, nbj), L, _ = plan
    H, W = shape[:2]
    if H + 2 * py < wh or W + 2 * px < ww:
        raise ValueError(f"image of {H}x{W} pixels (plus padding {(py, px)} on each side) is "
                         f"smaller than win_size {(wh, ww)}")
    nwy, nwx = (H + 2 * py - wh) // wsy + 1, (W + 2 * px - ww) // wsx + 1
    check_output(nwy * nwx * nbi * nbj * L * 4, "{} windows of {} floats would take "
                 "{gib:.1f} GiB; refusing", nwy * nwx, nbi * nbj * L)
    return nwy, nwx


def skimage_image(image, channel_axis):
    """hog_skimage's image: (M, N), or (M, N, C) with the channels at `channel_axis` (moved
    last), scikit-image's rules and messages."""
    arr = as_array(image, "image")
    if channel_axis is not None:
        channel_axis = integer(channel_axis, "channel_axis")
        if arr.ndim != 3:
            raise ValueError("Only images with two spatial dimensions are supported; with "
                             f"channel_axis, image must have 3 dimensions, got {arr.shape}")
        arr = np.moveaxis(arr, int(channel_axis), -1)
    elif arr.ndim == 1 or arr.ndim == 0:
        arr = np.atleast_2d(arr)
    if channel_axis is None and arr.ndim != 2:
        raise ValueError("Only images with two spatial dimensions are supported. If using "
                         "with color/multichannel images, specify `channel_axis`.")
    return hog_image(arr)


def skimage_norm(block_norm):
    """scikit-image's block_norm name -> its C code."""
    if block_norm not in SKIMAGE_NORMS:
        raise ValueError("Selected block normalization method is invalid: "
                         f"{block_norm!r}; valid: 'L1', 'L1-sqrt', 'L2', 'L2-Hys'")
    return HOG_NORMS[block_norm]


def skimage_cells(shape, cell, block):
    """(cells down, cells across) of hog_skimage: at least one block of cells fits."""
    (ch, cw), (br, bc) = cell, block
    ncy, ncx = shape[0] // ch, shape[1] // cw
    if ncy - br + 1 <= 0 or ncx - bc + 1 <= 0:
        raise ValueError("The input image is too small given the values of pixels_per_cell "
                         f"and cells_per_block. It should have at least: {br * ch} rows and "
                         f"{bc * cw} cols.")
    return ncy, ncx
