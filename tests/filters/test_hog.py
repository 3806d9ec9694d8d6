"""HOG: imfilt.hog / hog_blocks against cv2.HOGDescriptor, imfilt.hog_skimage against
skimage.feature.hog, a NumPy reference of the block grid, dtypes, geometry errors, threads,
SIMD levels."""
from __future__ import annotations

import math
import subprocess
import sys
import tempfile
import textwrap
import warnings

import cv2
import numpy as np
import pytest
import skimage.color
import skimage.data
import skimage.draw
import skimage.feature
import skimage.filters

import imfilt
from _assert import assert_close, assert_identical
from references import CV2_IS_REFERENCE
from simd_levels import each_level, run_levels

# CI must fail, not skip, when the cv2 in the environment lacks HOG (opencv-python 5 moved it
# to contrib; the test extra installs opencv-contrib-python-headless).
HOGDescriptor = cv2.HOGDescriptor


def cv_hog(img, win=(128, 64), block=(16, 16), stride=(8, 8), cell=(8, 8), nbins=9, sigma=None,
           thr=0.2, gamma=True, signed=False, win_stride=None, padding=(0, 0)):
    """cv2's descriptors for (height, width) sizes; winStride (0, 0) = OpenCV's default."""
    h = HOGDescriptor(win[::-1], block[::-1], stride[::-1], cell[::-1], nbins, 1,
                      -1.0 if sigma is None else sigma, 0, thr, gamma, 64, signed)
    ws = (0, 0) if win_stride is None else win_stride[::-1]
    return h.compute(np.ascontiguousarray(img), ws, padding[::-1])


def im_hog(img, win=(128, 64), block=(16, 16), stride=(8, 8), cell=(8, 8), nbins=9, sigma=None,
           thr=0.2, gamma=True, signed=False, win_stride=None, padding=(0, 0), **kw):
    return imfilt.hog(img, win_size=win, block_size=block, block_stride=stride, cell_size=cell,
                      nbins=nbins, win_sigma=sigma, l2hys_threshold=thr, gamma_correction=gamma,
                      signed=signed, win_stride=win_stride, padding=padding, **kw)


def check_cv(img, **cfg):
    ref = cv_hog(img, **cfg)
    got = im_hog(img, **cfg)
    assert got.dtype == np.float32 and got.ndim == 2
    assert got.size == ref.size, (got.shape, ref.shape)
    assert_close(got.ravel(), ref, rtol=0, atol=1e-4, context=dict(input=img, **cfg))
    return got


@pytest.fixture(scope="module")
def gray(astronaut):
    return cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY)


# ------------------------------------------------------------------------- OpenCV semantics
CV_CONFIGS = [
    dict(),
    dict(gamma=False),
    dict(signed=True),
    dict(nbins=7),
    dict(nbins=12, signed=True, gamma=False),
    dict(sigma=2.5),
    dict(sigma=9.0, nbins=4),
    dict(win=(64, 64), block=(24, 16), stride=(8, 8), cell=(12, 8)),
    dict(win=(48, 32), block=(12, 12), stride=(6, 4), cell=(6, 6), nbins=18),
    dict(win=(32, 32), block=(32, 32), stride=(8, 8), cell=(8, 8)),
    dict(win=(40, 24), block=(8, 8), stride=(4, 4), cell=(4, 4), nbins=1),
    dict(win=(33, 21), block=(9, 7), stride=(3, 2), cell=(3, 7)),
]


# When the reference itself differs by platform, the test compares with cv2 where cv2 is the
# reference and with an independent NumPy implementation of the same formula elsewhere.
# cv2 with nbins=1 is such a case: with one bin OpenCV keeps only the second of a pixel's two
# votes, weight frac(angle / pi - 0.5), which jumps from 0 to ~1 at angle = pi/2 (a vertical
# gradient, dx == 0, common in 8-bit images). The float32 `angle * (1 / pi) - 0.5` is exactly 0
# there when multiplied and subtracted separately (x86-64 wheels: vote dropped) and -6e-9 when
# fused into an FMA (aarch64 wheels: vote kept). imfilt never fuses (bit-identical on every
# platform) and so equals x86-64's cv2.
CV2_SEPARATE_MULTIPLY_ADD = CV2_IS_REFERENCE  # the x86-64 wheels (references' platform rule)


def check_cv_window(img, **cfg):
    """One window (the whole image): cv2 where cv2 is the reference; for nbins=1 also the NumPy
    reference on every platform, and only it where cv2 fuses the multiply-add."""
    if cfg.get("nbins", 9) != 1 or CV2_SEPARATE_MULTIPLY_ADD:
        check_cv(img, **cfg)
    if cfg.get("nbins", 9) == 1:
        blocks = numpy_hog_blocks(img, block=cfg.get("block", (16, 16)),
                                  stride=cfg.get("stride", (8, 8)), cell=cfg.get("cell", (8, 8)),
                                  nbins=1, signed=cfg.get("signed", False),
                                  gamma=cfg.get("gamma", True), sigma=cfg.get("sigma"),
                                  thr=cfg.get("thr", 0.2))
        got = im_hog(img, **cfg)
        assert got.shape == (1, blocks.size)
        assert_close(got[0], blocks.transpose(1, 0, 2).ravel(), rtol=0, atol=1e-5,
                     context=dict(input=img, **cfg))


@pytest.mark.parametrize("cfg", CV_CONFIGS, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()) or "default")
@pytest.mark.parametrize("photo", ["camera", "astronaut", "coffee", "chelsea"])
def test_cv_single_window(photos, photo, cfg):
    win = cfg.get("win", (128, 64))
    img = photos[photo]
    y0, x0 = (37, 61) if photo != "chelsea" else (101, 203)
    check_cv_window(img[y0:y0 + win[0], x0:x0 + win[1]], **cfg)


def test_cv_nbins1_vertical_gradient_vote():
    # the platform-dependent case itself: a vertical ramp (dx == 0 everywhere inside) has all its
    # gradients at exactly 90 degrees, where x86-64's cv2 (and imfilt) drop the one-bin vote
    img = np.tile((np.arange(64) * 3).astype(np.uint8)[:, None], (1, 32))
    got = im_hog(img, win=(64, 32), block=(16, 16), stride=(8, 8), cell=(8, 8), nbins=1,
                 gamma=False)
    assert got.shape == (1, 3 * 7 * 4) and not got.any()
    check_cv_window(img, win=(64, 32), nbins=1, gamma=False)


@pytest.mark.parametrize("cfg", [
    dict(win_stride=(8, 8)),
    dict(win_stride=(8, 8), padding=(8, 8)),
    dict(win_stride=(16, 8), padding=(3, 5)),           # padding rounded up to gcd multiples
    dict(win_stride=(4, 4)),                            # grid at gcd(4, 8) = 4
    dict(win_stride=(12, 8), padding=(16, 4)),
    dict(win_stride=None, padding=(8, 0)),              # default winStride = cell size
    dict(win=(48, 32), block=(12, 12), stride=(6, 4), cell=(6, 6), nbins=12, sigma=2.5,
         win_stride=(6, 4), padding=(6, 8)),
    dict(win=(16, 24), block=(8, 8), stride=(4, 4), cell=(4, 4), nbins=18, signed=True,
         gamma=False, win_stride=(4, 4), padding=(20, 30)),   # padding larger than the image
])
@pytest.mark.parametrize("photo", ["camera", "coffee"])
def test_cv_dense_windows(photos, photo, cfg):
    img = photos[photo][100:271, 150:279]
    if cfg.get("padding", (0, 0))[0] >= 20:
        img = img[:31, :45]
    check_cv(img, **cfg)


def test_cv_rgb_ties_and_tail_columns(coffee):
    # widths not multiple of 4 put columns in OpenCV's scalar tail (different tie rule)
    for w in (64, 65, 66, 67):
        img = np.ascontiguousarray(coffee[40:168, 200:200 + w])
        check_cv(img, win=(128, 64), win_stride=(8, 1), gamma=False)
    # equal colour channels in places, opposite gradients with equal magnitude
    img = np.zeros((64, 67, 3), np.uint8)
    img[:, :, 0] = np.arange(67)[None, :] * 3
    img[:, :, 1] = np.arange(64)[:, None] * 3
    img[:, :, 2] = 200 - np.arange(67)[None, :] * 3
    img[20:40, 20:40] = 90
    check_cv(img, win=(64, 64), win_stride=(8, 1), gamma=False)


def test_cv_tiny_image_with_padding(coffee):
    check_cv(coffee[:5, :7], win=(16, 16), block=(8, 8), stride=(8, 8), cell=(8, 8),
             padding=(8, 8))
    check_cv(coffee[:1, :1], win=(8, 8), block=(8, 8), stride=(8, 8), cell=(4, 4),
             padding=(4, 4))


def test_cv_threshold_in_fresh_process(tmp_path):
    # OpenCV keeps the threshold of its vector loop in a function-static variable: only the first
    # HOG call of a process uses the threshold it is given. Compare in a fresh process.
    script = textwrap.dedent("""
        import sys, numpy as np, cv2, skimage.data, imfilt
        img = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2GRAY)[50:228, 100:200].copy()
        t = float(sys.argv[1])
        ref = cv2.HOGDescriptor((64, 128), (16, 16), (8, 8), (8, 8), 9, 1, -1.0, 0, t, True,
                                64, False).compute(img, (8, 8), (0, 0))
        got = imfilt.hog(img, l2hys_threshold=t, win_stride=8).ravel()
        print(float(np.abs(got - ref).max()))
    """)
    for t in (0.1, 0.35):
        proc = subprocess.run([sys.executable, "-c", script, str(t)], capture_output=True,
                              text=True, timeout=300, cwd=tempfile.gettempdir())
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert float(proc.stdout.strip().splitlines()[-1]) <= 1e-4


def test_cv_dense_is_gather_of_blocks(camera):
    img = camera[:200, :160]
    grid = imfilt.hog_blocks(img, padding=(8, 8))
    desc = im_hog(img, win_stride=(8, 8), padding=(8, 8))
    nwx = (160 + 16 - 64) // 8 + 1
    for w in (0, 5, nwx + 3, desc.shape[0] - 1):
        wy, wx = divmod(w, nwx)
        win = grid[wy:wy + 15, wx:wx + 7]               # (15, 7, 36) blocks of the window
        assert_identical(desc[w], win.transpose(1, 0, 2).ravel())


# --------------------------------------------------------------- NumPy reference of the grid
def _fast_atan_deg(y, x):
    """OpenCV's scalar fast atan2 in float32, degrees."""
    f = np.float32
    k = f(180 / math.pi)
    p1, p3 = f(0.9997878412794807) * k, f(-0.3258083974640975) * k
    p5, p7 = f(0.1555786518463281) * k, f(-0.04432655554792128) * k
    ax, ay = np.abs(x), np.abs(y)
    c = np.minimum(ax, ay) / (np.maximum(ax, ay) + f(np.finfo(np.float64).eps))
    c2 = c * c
    a = (((p7 * c2 + p5) * c2 + p3) * c2 + p1) * c
    a = np.where(ax >= ay, a, f(90) - a)
    a = np.where(x < 0, f(180) - a, a)
    return np.where(y < 0, f(360) - a, a).astype(f)


def numpy_hog_blocks(img, block=(16, 16), stride=(8, 8), cell=(8, 8), nbins=9, signed=False,
                     gamma=True, sigma=None, thr=0.2, pad=(0, 0)):
    """Plain NumPy block grid: per block, per pixel, per cell weights (naive loops over blocks)."""
    f = np.float32
    x = img.astype(f)
    if x.ndim == 2:
        x = x[:, :, None]
    if gamma:
        x = np.sqrt(x)
    H, W = x.shape[:2]
    GH, GW = H + 2 * pad[0], W + 2 * pad[1]

    def refl(i, n):
        if n == 1:
            return 0
        p = 2 * n - 2
        r = i % p
        return r if r < n else p - r
    ym = np.array([refl(i - 1 - pad[0], H) for i in range(GH + 2)])
    xm = np.array([refl(i - 1 - pad[1], W) for i in range(GW + 2)])
    X = x[ym][:, xm]                                     # framed image with a 1-pixel ring
    dx = X[1:-1, 2:] - X[1:-1, :-2]
    dy = X[2:, 1:-1] - X[:-2, 1:-1]
    m = dx * dx + dy * dy
    best = np.argmax(m, axis=2)                          # first maximum (vector-body rule)
    tail = GW - GW % 4
    last = m.shape[2] - 1 - np.argmax(m[:, :, ::-1], axis=2)
    best[:, tail:] = last[:, tail:]
    dx = np.take_along_axis(dx, best[..., None], 2)[..., 0]
    dy = np.take_along_axis(dy, best[..., None], 2)[..., 0]
    mag = np.sqrt(dx * dx + dy * dy)
    ang = _fast_atan_deg(dy, dx) * f(math.pi / 180)
    scale = f(nbins / (2 * math.pi)) if signed else f(nbins / math.pi)
    a = ang * scale - f(0.5)
    h0 = np.floor(a).astype(int)
    fr = a - h0.astype(f)
    w0, w1 = mag * (f(1) - fr), mag * fr
    h0 %= nbins
    h1 = (h0 + 1) % nbins
    if nbins == 1:                    # OpenCV overwrites the first vote with the second
        w0 = np.zeros_like(w0)
    bh, bw = block
    ch, cw = cell
    ncy, ncx = bh // ch, bw // cw
    s = f(sigma if sigma else (bh + bw) / 8)
    gs = f(1) / (s * s * f(2))
    ii, jj = np.arange(bh, dtype=f), np.arange(bw, dtype=f)
    G = np.exp(-((ii[:, None] - f(bh / 2)) ** 2 + (jj[None, :] - f(bw / 2)) ** 2) * gs)
    cyp = (ii + f(0.5)) / f(ch) - f(0.5)
    cxp = (jj + f(0.5)) / f(cw) - f(0.5)
    wy = np.zeros((bh, ncy), f)
    wx = np.zeros((bw, ncx), f)
    for i, p in enumerate(cyp):
        c0 = int(np.floor(p))
        for c, wt in ((c0, 1 - (p - c0)), (c0 + 1, p - c0)):
            if 0 <= c < ncy:
                wy[i, c] = wt
    for j, p in enumerate(cxp):
        c0 = int(np.floor(p))
        for c, wt in ((c0, 1 - (p - c0)), (c0 + 1, p - c0)):
            if 0 <= c < ncx:
                wx[j, c] = wt
    nby, nbx = (GH - bh) // stride[0] + 1, (GW - bw) // stride[1] + 1
    out = np.zeros((nby, nbx, ncx * ncy * nbins), f)
    for by in range(nby):
        for bx in range(nbx):
            sl = np.s_[by * stride[0]:by * stride[0] + bh, bx * stride[1]:bx * stride[1] + bw]
            hist = np.zeros((ncx, ncy, nbins), np.float64)
            for cx in range(ncx):
                for cy in range(ncy):
                    wgt = G * wy[:, cy][:, None] * wx[:, cx][None, :]
                    np.add.at(hist[cx, cy], h0[sl].ravel(), (wgt * w0[sl]).ravel())
                    np.add.at(hist[cx, cy], h1[sl].ravel(), (wgt * w1[sl]).ravel())
            v = hist.ravel().astype(f)
            v = np.minimum(v / (np.sqrt((v * v).sum()) + f(0.1) * v.size), f(thr))
            out[by, bx] = v / (np.sqrt((v * v).sum()) + f(1e-3))
    return out


@pytest.mark.parametrize("cfg", [
    dict(),
    dict(pad=(8, 16), signed=True, gamma=False),
    dict(block=(12, 8), stride=(4, 8), cell=(6, 4), nbins=5, sigma=3.0, pad=(3, 1)),
    dict(block=(8, 8), stride=(4, 4), cell=(4, 4), nbins=1),
])
def test_blocks_numpy_reference(chelsea, cfg):
    img = chelsea[60:110, 90:157]
    ref = numpy_hog_blocks(img, **cfg)
    got = imfilt.hog_blocks(img, block_size=cfg.get("block", (16, 16)),
                            block_stride=cfg.get("stride", (8, 8)),
                            cell_size=cfg.get("cell", (8, 8)), nbins=cfg.get("nbins", 9),
                            signed=cfg.get("signed", False), gamma_correction=cfg.get("gamma", True),
                            win_sigma=cfg.get("sigma"), padding=cfg.get("pad", (0, 0)))
    assert got.shape == ref.shape
    assert_close(got, ref, rtol=0, atol=1e-5, context=cfg)


# -------------------------------------------------------------------------- dtypes, layouts
def test_cv_dtypes_same_values(coffee):
    img = coffee[:140, :90]
    ref = im_hog(img, win_stride=8)
    for dt in (np.uint16, np.float32, np.float64):
        assert_identical(im_hog(img.astype(dt), win_stride=8), ref, context=dt)
    # uint16 over its range and fractional floats: the same arithmetic on the raw values
    # (not scale-invariant: L2-Hys adds 0.1 * length to the norm, an absolute epsilon)
    u16 = img.astype(np.uint16) * 257
    for gamma in (False, True):
        assert_identical(im_hog(u16, win_stride=8, gamma=gamma),
                         im_hog(u16.astype(np.float32), win_stride=8, gamma=gamma))
    f = img.astype(np.float64) / 3
    assert_identical(im_hog(f, win_stride=8), im_hog(f.astype(np.float32), win_stride=8))
    assert_close(imfilt.hog_blocks(f), numpy_hog_blocks(f), rtol=1e-7, atol=1e-5)


def test_cv_bad_dtypes_and_values(camera):
    for dt in (np.int16, np.int8, np.int32, np.complex64, bool):
        with pytest.raises(TypeError, match="uint8, uint16, float32, float64"):
            imfilt.hog(camera[:128, :64].astype(dt))
    neg = camera[:128, :64].astype(np.float32) - 250
    with pytest.raises(ValueError, match="negative"):
        imfilt.hog(neg)
    assert imfilt.hog(neg, gamma_correction=False).shape == (1, 3780)
    # NaN / inf: OpenCV's HOG takes 8-bit images only, so there is no float behaviour to
    # follow; refused (hog_skimage propagates NaN as scikit-image does)
    for dt in (np.float32, np.float64):
        for bad in (np.nan, np.inf, -np.inf):
            img = camera[:128, :64].astype(dt)
            img[5, 7] = bad
            for gamma in (True, False):
                with pytest.raises(ValueError, match="image must be finite"):
                    imfilt.hog(img, gamma_correction=gamma)
                with pytest.raises(ValueError, match="image must be finite"):
                    imfilt.hog_blocks(img, gamma_correction=gamma)


def test_cv_layouts(astronaut):
    img = astronaut[:200, :150]
    ref = im_hog(img, win_stride=8)
    for v in (img[::-1][::-1], np.asfortranarray(img), img.astype(">u2").astype(np.uint8)):
        assert_identical(im_hog(v, win_stride=8), ref)
    flipped = np.ascontiguousarray(img[::-1])
    assert_identical(im_hog(img[::-1], win_stride=8), im_hog(flipped, win_stride=8))
    ro = img.copy()
    ro.setflags(write=False)
    assert_identical(im_hog(ro, win_stride=8), ref)


@pytest.mark.parametrize("kw, match", [
    (dict(block_size=(16, 12), cell_size=(8, 8)), r"block_size \(16, 12\) must be a multiple of cell_size \(8, 8\)"),
    (dict(win_size=(128, 60)), r"win_size \(128, 60\) minus block_size \(16, 16\) must be a multiple of block_stride \(8, 8\)"),
    (dict(win_size=(8, 64)), r"block_size \(16, 16\) is larger than win_size \(8, 64\)"),
    (dict(win_size=(600, 64)), r"smaller than win_size \(600, 64\)"),
    (dict(nbins=0), "nbins"),
    (dict(nbins=256), "nbins"),
    (dict(win_stride=(0, 8)), "win_stride"),
    (dict(padding=-1), "padding"),
])
def test_cv_bad_geometry(camera, kw, match):
    with pytest.raises(ValueError, match=match):
        imfilt.hog(camera[:512, :512], **kw)


def test_cv_bad_types(camera):
    with pytest.raises(TypeError):
        imfilt.hog(camera, signed=1)
    with pytest.raises(TypeError):
        imfilt.hog(camera, nbins=9.0)
    with pytest.raises(TypeError):
        imfilt.hog(None)
    with pytest.raises(ValueError):
        imfilt.hog(camera[None])
    assert imfilt.hog_blocks(np.zeros((0, 5), np.uint8)).shape == (0, 0, 36)


def test_visualize(camera):
    desc, pic = imfilt.hog(camera[:128, :64], visualize=True)
    assert_identical(desc, imfilt.hog(camera[:128, :64]))
    assert pic.shape == (128, 64, 3) and pic.dtype == np.uint8
    assert pic[..., 1].mean() > pic[..., 0].mean()       # glyphs drawn in green


# --------------------------------------------------------------------- scikit-image semantics
SK_CONFIGS = [
    dict(),
    dict(block_norm="L1"),
    dict(block_norm="L1-sqrt", transform_sqrt=True),
    dict(block_norm="L2", transform_sqrt=True),
    dict(block_norm="L2-Hys", transform_sqrt=True, orientations=6),
    dict(orientations=7, pixels_per_cell=(7, 9), cells_per_block=(2, 1)),
    dict(orientations=4, pixels_per_cell=(16, 16), cells_per_block=(1, 1)),
    dict(orientations=12, pixels_per_cell=(5, 5), cells_per_block=(2, 3), feature_vector=False),
]


def sk_pair(img, **kw):
    """(scikit-image's result, imfilt's) of the same call, warnings (sqrt of negatives) off."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return skimage.feature.hog(img, **kw), imfilt.hog_skimage(img, **kw)


def check_sk(img, **kw):
    """hog_skimage is skimage.feature.hog bit for bit: descriptor and picture, NaN for NaN."""
    ref, got = sk_pair(img, **kw)
    if kw.get("visualize"):
        (ref, rimg), (got, gimg) = ref, got
        assert_identical(gimg, rimg, equal_nan=True, context=dict(picture=img, **kw))
    assert_identical(got, ref, equal_nan=True, context=dict(descriptor=img, **kw))
    return got


@pytest.mark.parametrize("cfg", SK_CONFIGS, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()) or "default")
@pytest.mark.parametrize("photo", ["camera", "astronaut", "coffee", "chelsea"])
def test_sk_photos(photos, photo, cfg):
    img = photos[photo][:241, :263]
    check_sk(img, channel_axis=-1 if img.ndim == 3 else None, **cfg)


@pytest.mark.parametrize("dtype", ["uint16", "float32", "float64"])
@pytest.mark.parametrize("sqrt", [False, True])
def test_sk_dtypes(coffee, dtype, sqrt):
    img = coffee[:200, :230]
    if dtype == "uint16":
        x = img.astype(np.uint16) * 257 + 3
    else:
        x = (img / 255.0).astype(dtype)
    check_sk(x, channel_axis=2, transform_sqrt=sqrt, block_norm="L2")
    check_sk(np.ascontiguousarray(x[..., 1]), transform_sqrt=sqrt)


def test_sk_channel_axis_and_visualize(astronaut, camera):
    chw = np.moveaxis(astronaut[:150, :170], -1, 0)
    check_sk(chw, channel_axis=0, visualize=True)
    check_sk(astronaut[:150, :170], channel_axis=2, visualize=True, orientations=7,
             pixels_per_cell=(12, 10))
    check_sk(camera[:100, :90], visualize=True, pixels_per_cell=(4, 4))
    check_sk(camera[:64, :64][..., None], channel_axis=-1)


# the glyph lines: each cell's endpoints are truncated from its own float64 centre +- radius *
# cos, which differs between cells where the cosine is ~1e-16 (odd orientations, centres below 8)
SWEEP_ORIENTATIONS = (1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 13, 15)
SWEEP_CELLS = ((2, 2), (3, 3), (4, 4), (5, 7), (6, 6), (7, 7), (8, 8), (10, 10), (12, 9),
               (16, 16), (32, 32), (1, 4), (4, 1), (2, 5))
SWEEP_SHAPES = ((40, 44, np.float64), (33, 36, np.float32))


def test_sk_picture_sweep():
    for shape in SWEEP_SHAPES:
        img = np.random.default_rng(sum(shape[:2])).random(shape[:2]).astype(shape[2])
        for cell in SWEEP_CELLS:
            if cell[0] > shape[0] or cell[1] > shape[1]:
                continue
            for n in SWEEP_ORIENTATIONS:
                kw = dict(orientations=n, pixels_per_cell=cell, cells_per_block=(1, 1),
                          visualize=True)
                if cell[1] == 1 and n % 2:
                    # skimage.draw indexes column -1 and `width` here (IndexError); imfilt
                    # leaves out the glyph pixels outside the image
                    with pytest.raises(IndexError):
                        skimage.feature.hog(img, **kw)
                    _, pic = imfilt.hog_skimage(img, **kw)
                    assert pic.shape == img.shape and np.isfinite(pic).all()
                    continue
                check_sk(img, **kw)


def test_sk_issue_reproducer():
    img = np.random.default_rng(0).random((96, 96))
    check_sk(img, orientations=9, pixels_per_cell=(10, 10), cells_per_block=(1, 1),
             visualize=True)


@pytest.mark.parametrize("orientations", [4, 8, 12, 16])
def test_sk_cells_summed_in_raster_order(camera, orientations):
    # camera / 255: many gradients lie within 1e-9 degree of a bin edge (|dx| ~ |dy| after the
    # division), binned by NumPy's arctan2; their cells are still summed in raster order
    img = camera[:200, :256] / 255.0
    out = check_sk(img, orientations=orientations, visualize=True, block_norm="L1")
    for threads in (1, 2, 3):               # the second pass splits its cell rows too
        assert_identical(imfilt.hog_skimage(img, orientations=orientations, block_norm="L1",
                                            threads=threads), out, context=f"threads={threads}")


def test_sk_nan_and_inf_propagate():
    rng = np.random.default_rng(3)
    img = rng.random((64, 72))
    img[10, 20] = np.nan
    img[30, 5], img[40, 40] = np.inf, -np.inf
    img[50, 50], img[52, 60] = 1e300, -1e300          # squares overflow, np.hypot does not
    for norm in ("L1", "L1-sqrt", "L2", "L2-Hys"):
        out = check_sk(img, block_norm=norm, pixels_per_cell=(8, 8), cells_per_block=(2, 2),
                       visualize=True)
        assert np.isnan(out).any()
    rgb = rng.random((64, 64, 3))
    rgb[10, 20, 1] = np.nan                             # np.argmax picks the NaN channel
    rgb[30, 30, 0] = np.inf
    for dt, huge in ((np.float64, 1e200), (np.float32, 3e38)):
        x = rgb.astype(dt)
        x[31, 31, 2] = huge
        check_sk(x, channel_axis=-1, pixels_per_cell=(8, 8), cells_per_block=(2, 2),
                 visualize=True)
    # transform_sqrt of negative values: NaN, as np.sqrt
    check_sk(rng.random((64, 64)) - 0.3, transform_sqrt=True, pixels_per_cell=(8, 8),
             cells_per_block=(2, 2), visualize=True)


# scikit-image's own tests (skimage/feature/tests/test_hog.py, 0.26), each comparing imfilt with
# skimage.feature.hog on the same call
def test_sk_port_output_size(astronaut):
    img = skimage.img_as_float(astronaut[:256, :].mean(axis=2))
    fd = check_sk(img, orientations=9, pixels_per_cell=(8, 8), cells_per_block=(1, 1),
                  block_norm="L1")
    assert len(fd) == 9 * (256 // 8) * (512 // 8)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("norm", ["L1", "L2-Hys"])
def test_sk_port_output_correctness(astronaut, dtype, norm):
    img = skimage.color.rgb2gray(astronaut).astype(dtype, copy=False)
    out = check_sk(img, orientations=9, pixels_per_cell=(8, 8), cells_per_block=(3, 3),
                   block_norm=norm, feature_vector=True, transform_sqrt=False)
    assert out.dtype == dtype


def test_sk_port_cell_size_mismatch_and_odd_cell(camera):
    fd = check_sk(camera[:150, :200], orientations=9, pixels_per_cell=(8, 8),
                  cells_per_block=(1, 1), block_norm="L1")
    assert len(fd) == 9 * (150 // 8) * (200 // 8)
    img = np.zeros((3, 3))
    img[2, 2] = 1
    out = check_sk(img, pixels_per_cell=(3, 3), cells_per_block=(1, 1), block_norm="L1")
    np.testing.assert_almost_equal(out, [0.5, 0, 0, 0, 0.5, 0, 0, 0, 0], decimal=1)


def test_sk_port_basic_orientations_and_data_types():
    image0 = np.zeros((35, 35))
    image0[35 // 2:] = 100
    for rot in range(4):
        image_float = np.rot90(image0, rot)
        for img in (image_float, image_float.astype(np.uint8)):
            for sqrt in (False, True):
                check_sk(img, orientations=4, pixels_per_cell=(8, 8), cells_per_block=(1, 1),
                         visualize=True, transform_sqrt=sqrt, block_norm="L1")


def test_sk_port_orientations_circle():
    image = np.zeros((100, 100))
    rr, cc = skimage.draw.disk((50, 50), 33)
    image[rr, cc] = 100
    image = skimage.filters.gaussian(image, sigma=2, mode="reflect")
    for orientations in range(2, 15):
        check_sk(image, orientations=orientations, pixels_per_cell=(8, 8),
                 cells_per_block=(1, 1), visualize=True, transform_sqrt=False, block_norm="L1")


def test_sk_port_visualization_orientation():
    image = np.zeros((11, 11))
    image[11 // 2:] = 1
    _, hog_image = imfilt.hog_skimage(image, orientations=3, pixels_per_cell=(11, 11),
                                      cells_per_block=(1, 1), visualize=True, block_norm="L1")
    check_sk(image, orientations=3, pixels_per_cell=(11, 11), cells_per_block=(1, 1),
             visualize=True, block_norm="L1")
    assert (hog_image[[i for i in range(11) if i != 5], :] == 0).all()
    assert (hog_image[5, 1:-1] > 0).all()


@pytest.mark.parametrize("shape, channel_axis", [((3, 3, 3), None), ((3, 3), -1),
                                                 ((3, 3, 3, 3), -1)])
def test_sk_port_errors(shape, channel_axis):
    with pytest.raises(ValueError):
        imfilt.hog_skimage(np.eye(4), block_norm="Linf")
    with pytest.raises(ValueError):
        imfilt.hog_skimage(np.zeros(shape), channel_axis=channel_axis, block_norm="L1")
    imfilt.hog_skimage(np.zeros((24, 24)), pixels_per_cell=(8, 8), cells_per_block=(3, 3))
    with pytest.raises(ValueError, match=".*image is too small given"):
        imfilt.hog_skimage(np.zeros((23, 23)), pixels_per_cell=(8, 8), cells_per_block=(3, 3))


@pytest.mark.parametrize("channel_axis", [0, 1, -1, -2])
def test_sk_port_equivariance_channel_axis(astronaut, channel_axis):
    img = astronaut[:64, :32].copy()
    img[:, :, (1, 2)] = 0
    img = np.moveaxis(img, -1, channel_axis)
    ref = check_sk(img, channel_axis=channel_axis, block_norm="L1")
    for n in (1, 2):
        rolled = np.roll(img, n, axis=channel_axis)
        assert_identical(check_sk(rolled, channel_axis=channel_axis, block_norm="L1"), ref)
    full = astronaut.copy()
    full[:, :, (1, 2)] = 0
    check_sk(np.roll(full, 1, axis=2), channel_axis=-1, block_norm="L1")


def test_sk_errors(camera):
    with pytest.raises(ValueError, match="at least: 24 rows and 24 cols"):
        imfilt.hog_skimage(camera[:20, :40])
    with pytest.raises(ValueError, match="two spatial dimensions"):
        imfilt.hog_skimage(np.zeros((30, 30, 3)))
    with pytest.raises(ValueError, match="normalization"):
        imfilt.hog_skimage(camera, block_norm="L3")
    with pytest.raises(TypeError):
        imfilt.hog_skimage(camera.astype(np.int16))


# ---------------------------------------------------------------------- threads, SIMD levels
def test_threads_bit_identical(coffee):
    big = np.ascontiguousarray(np.tile(coffee, (2, 2, 1)))
    a = imfilt.hog_blocks(big, padding=8, threads=1)
    assert_identical(a, imfilt.hog_blocks(big, padding=8, threads=2))
    assert_identical(a, imfilt.hog_blocks(big, padding=8, threads=3))
    s = imfilt.hog_skimage(big, channel_axis=2, transform_sqrt=True, threads=1)
    assert_identical(s, imfilt.hog_skimage(big, channel_axis=2, transform_sqrt=True, threads=2))


def test_simd_levels_bit_identical(tmp_path):
    # floats too, by design: src/hog/hog_isa.c turns off FMA contraction, so every level performs
    # the same IEEE operations in the same order (the tolerance is zero on purpose)
    for lv, res, base in each_level(run_levels("hog", tmp_path)):
        for k, v in base.items():
            assert_identical(res[k], v, context=(lv, k))
