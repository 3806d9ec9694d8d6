"""References for the imfilt test-suite: OpenCV (cv2) applied to real photographs from
skimage.data, plain NumPy re-implementations of the exact integer formulas (see
../shared/REFERENCE.md), and the platform rule saying where cv2 is the reference."""
from __future__ import annotations

import platform

import cv2
import numpy as np
import skimage.data

cv2.setNumThreads(2)

# imfilt border name -> OpenCV constant (wrap is built with copyMakeBorder, see wrap_reference)
CV_BORDER = {
    "reflect101": cv2.BORDER_REFLECT_101,
    "reflect": cv2.BORDER_REFLECT,
    "replicate": cv2.BORDER_REPLICATE,
    "constant": cv2.BORDER_CONSTANT,
    "wrap": cv2.BORDER_WRAP,
}
CV_BORDERS = ("reflect101", "reflect", "replicate", "constant")  # cv2 filters take these directly
ALL_BORDERS = CV_BORDERS + ("wrap",)
DTYPES = ("uint8", "uint16", "int16", "float32", "float64")


# --------------------------------------------------------------------------- photographs
def photograph(name):
    """A photograph from skimage.data: camera (512, 512), astronaut (512, 512, 3), coffee
    (400, 600, 3), chelsea (300, 451, 3); all uint8."""
    return getattr(skimage.data, name)()


def as_dtype(img8, dtype):
    """A uint8 photograph converted to `dtype` with a range that exercises the type:
    uint16 spans 0..65535 (with non-multiple-of-257 low bits), int16 spans about -32000..32000,
    floats are in [0, 1]."""
    dtype = np.dtype(dtype)
    x = img8.astype(np.int64)
    if dtype == np.uint8:
        return img8.copy()
    if dtype == np.uint16:
        # make the low byte vary too (a plain *257 keeps everything a multiple of 257)
        rng = np.random.default_rng(0)
        return np.clip(x * 257 - rng.integers(0, 257, size=x.shape), 0, 65535).astype(np.uint16)
    if dtype == np.int16:
        return ((x - 128) * 250 + 7).astype(np.int16)
    return (x / 255.0).astype(dtype)


def tolerance(dtype, op="gaussian"):
    """Allowed max |imfilt - cv2| per dtype (0 = bit-identical)."""
    dtype = np.dtype(dtype)
    if dtype == np.uint8 or dtype == np.uint16:
        return 0
    if dtype == np.int16:
        return 1 if op == "gaussian" else 0
    if dtype == np.float32:
        return 1e-5
    return 1e-12


# --------------------------------------------------------------------------- cv2 references
def per_channel(fn, img):
    """Apply a 2-D cv2 function to each channel separately (any channel count) and stack."""
    img = np.asarray(img)
    if img.ndim == 2:
        return fn(np.ascontiguousarray(img))
    outs = [np.asarray(fn(np.ascontiguousarray(img[:, :, c]))) for c in range(img.shape[2])]
    return np.stack(outs, axis=2)


def cv_apply(fn, img):
    """cv2 handles 1..4 channels natively; more go channel by channel. (H, W, 1) stays 3-D."""
    img = np.asarray(img)
    if img.ndim == 3 and (img.shape[2] > 4 or img.shape[2] == 1):
        return per_channel(fn, img)
    return fn(np.ascontiguousarray(img))


def pad_reference(fn, img, ky, kx, border, cval=0.0):
    """Pad with cv2.copyMakeBorder(border, value=cval), run `fn` (which must not look beyond
    the padding), crop. Window of size k anchored at k // 2: pad k // 2 before and
    k - 1 - k // 2 after."""
    top, left = ky // 2, kx // 2
    bottom, right = ky - 1 - top, kx - 1 - left
    h, w = img.shape[:2]

    def one(ch):
        padded = cv2.copyMakeBorder(ch, top, bottom, left, right, CV_BORDER[border],
                                    value=cval)
        res = np.asarray(fn(padded))
        return res[top:top + h, left:left + w]

    return per_channel(one, img)


def wrap_reference(fn, img, ky, kx):
    """The wrap-border reference: copyMakeBorder(BORDER_WRAP), filter, crop."""
    return pad_reference(fn, img, ky, kx, "wrap")


# When a reference's own result depends on the platform, a test compares with it where it is
# the reference and with an independent NumPy implementation of the same formula elsewhere
# (README, Testing). cv2's x86-64 wheels are the reference; its aarch64 wheels route some uint8
# Gaussians (ksize 15, sigma 0) to KleidiCV, 1 off OpenCV's bit-exact fixed point on 8% of
# pixels, and return NaN from float32 erode/dilate for nearly every window holding a NaN.
CV2_IS_REFERENCE = platform.machine().lower() in ("x86_64", "amd64", "i386", "i686")


def cv_gaussian(img, sigma=0.0, ksize=0, border="reflect101", cval=0.0):
    """cv2.GaussianBlur with imfilt's (height, width) argument order; wrap and constant with a
    nonzero cval go through pad_reference. uint8 off x86-64: OpenCV's fixed-point formula in
    NumPy (see CV2_IS_REFERENCE)."""
    sy, sx = (sigma, sigma) if np.isscalar(sigma) else sigma
    kh, kw = (ksize, ksize) if np.isscalar(ksize) else ksize
    dtype = np.asarray(img).dtype
    if dtype == np.uint8 and not CV2_IS_REFERENCE:
        return np_gaussian_fixed(np.asarray(img), sigma, ksize, border,
                                 np.clip(cval, 0, 255))
    # the kernel sizes cv2 will use (needed for padding)
    mult = 3 if dtype == np.uint8 else 4
    rh = kh if kh > 0 else (int(round(sy * mult * 2 + 1)) | 1)
    rw = kw if kw > 0 else (int(round(sx * mult * 2 + 1)) | 1)

    def blur(a, b=cv2.BORDER_REFLECT_101):
        return cv2.GaussianBlur(a, (kw, kh), sigmaX=sx, sigmaY=sy, borderType=b)

    if border == "wrap" or (border == "constant" and cval != 0):
        return pad_reference(blur, img, rh, rw, border, cval)
    return cv_apply(lambda a: blur(a, CV_BORDER[border]), img)


def cv_mean(img, size, border="reflect101", cval=0.0, normalize=True):
    kh, kw = (size, size) if np.isscalar(size) else size

    def box(a, b=cv2.BORDER_REFLECT_101):
        if normalize:
            return cv2.blur(a, (kw, kh), borderType=b)
        return cv2.boxFilter(a, cv2.CV_64F, (kw, kh), normalize=False, borderType=b)

    if border == "wrap" or (border == "constant" and cval != 0):
        return pad_reference(box, img, kh, kw, border, cval)
    return cv_apply(lambda a: box(a, CV_BORDER[border]), img)


# --------------------------------------------------------------------------- NumPy references
def border_index(p, n, border):
    """Map (possibly out-of-range) indices p into 0..n-1 following each border's picture;
    -1 for the constant border. Periodic, so it is valid when the kernel is longer than the
    line (reflect101 of a 1-pixel line is that pixel)."""
    p = np.asarray(p, dtype=np.int64)
    if border == "replicate":
        return np.clip(p, 0, n - 1)
    if border == "wrap":
        return np.mod(p, n)
    if border == "constant":
        return np.where((p >= 0) & (p < n), p, -1)
    if border == "reflect":                      # cba|abcd|dcb
        q = np.mod(p, 2 * n)
        return np.where(q >= n, 2 * n - 1 - q, q)
    if border == "reflect101":                   # dcb|abcd|cba
        if n == 1:
            return np.zeros_like(p)
        q = np.mod(p, 2 * n - 2)
        return np.where(q >= n, 2 * n - 2 - q, q)
    raise ValueError(border)


def np_pad(img, ky, kx, border, cval=0.0, dtype=np.int64, top=None, left=None):
    """Pad like pad_reference, in plain NumPy (independent of cv2): `top` / `left` rows and
    columns before (default ky // 2, kx // 2), the rest of ky - 1 / kx - 1 after."""
    img = np.asarray(img)
    h, w = img.shape[:2]
    top = ky // 2 if top is None else top
    left = kx // 2 if left is None else left
    rows = border_index(np.arange(-top, h + ky - 1 - top), h, border)
    cols = border_index(np.arange(-left, w + kx - 1 - left), w, border)
    src = img.astype(dtype)
    out = src[np.clip(rows, 0, h - 1)][:, np.clip(cols, 0, w - 1)]
    if border == "constant":
        out[rows < 0] = cval
        out[:, cols < 0] = cval
    return out


def np_separable_int(img, ky, kx, border, cval=0.0):
    """Exact integer separable correlation sum Σ_j ky[j] Σ_i kx[i] x[y+j-ay, x+i-ax]."""
    ky = np.asarray(ky, np.int64)
    kx = np.asarray(kx, np.int64)
    h, w = img.shape[:2]
    pad = np_pad(img, len(ky), len(kx), border, cval)
    t = np.zeros((pad.shape[0], w) + pad.shape[2:], np.int64)
    for i, c in enumerate(kx):
        t += c * pad[:, i:i + w]
    acc = np.zeros((h, w) + pad.shape[2:], np.int64)
    for j, c in enumerate(ky):
        acc += c * t[j:j + h]
    return acc


def np_gaussian_fixed(img, sigma, ksize, border, cval=0.0):
    """The uint8 (2**8 kernels, (acc + 2**15) >> 16) and uint16 (2**16 kernels,
    (acc + 2**31) >> 32) fixed-point Gaussian, from the REFERENCE recipe."""
    from imfilt.smooth import fixed_point_kernel, gaussian_kernel, gaussian_ksize
    sy, sx = (sigma, sigma) if np.isscalar(sigma) else sigma
    kh, kw = (ksize, ksize) if np.isscalar(ksize) else ksize
    kh = kh or gaussian_ksize(sy, img.dtype)
    kw = kw or gaussian_ksize(sx, img.dtype)
    bits = 8 if img.dtype == np.uint8 else 16
    ky = fixed_point_kernel(gaussian_kernel(kh, sy), bits).astype(np.int64)
    kx = fixed_point_kernel(gaussian_kernel(kw, sx), bits).astype(np.int64)
    assert ky.sum() == 1 << bits and kx.sum() == 1 << bits
    acc = np_separable_int(img, ky, kx, border, cval)
    shift = 2 * bits
    return ((acc + (1 << (shift - 1))) >> shift).astype(img.dtype)


def np_box_sum(img, kh, kw, border, cval=0.0):
    return np_separable_int(img, np.ones(kh, np.int64), np.ones(kw, np.int64), border, cval)


def _tail_start(n, block, kw, border, img):
    """First sample of OpenCV's scalar row tail (the last (length mod block) samples of the row
    it filters) in a row of n samples; with wrap, cv2 filters the copyMakeBorder padding, so
    the tail is at the end of the row padded by kw // 2 and kw - 1 - kw // 2 pixels."""
    if border != "wrap":
        return n - n % block
    c = n // img.shape[1] if img.shape[1] else 1
    before, after = kw // 2 * c, (kw - 1 - kw // 2) * c
    length = before + n + after
    return min(max(length - length % block - before, 0), n)


def np_box_mean(img, kh, kw, border, cval=0.0):
    """cv2.blur on uint8 / uint16 / int16, as measured on cv2 5.0 (x86-64):
    - area 1: a copy;
    - uint8, area <= 256: the integer trick ((s + delta) * scale) >> 23, saturated; uint32 in
      the SIMD body, wrapping int32 in the scalar tail of each row (with wrap, of the padded
      row cv2 filters);
    - otherwise the column pass scales in float32, round(float32(s) * float32(1/area)), in its
      8-lane SIMD body, but in double, round(s * (1.0/area)), in its scalar tail: the last
      (W*C) % 8 elements of every row (each row seen as W*C interleaved elements); areas
      above 2**15 (uint16), 2**16 (int16), 2**23 (uint8) sum in double and round the double
      product everywhere.
    Rounding is half to even everywhere (cvRound), then saturation."""
    img = np.asarray(img)
    s = np_box_sum(img, kh, kw, border, cval)
    d = kh * kw
    info = np.iinfo(img.dtype)
    if d == 1:
        return img.copy()
    if img.dtype == np.uint8 and d <= 256:
        f = float(1 << 23) / d
        scale = int(np.floor(f))
        delta = d // 2
        if f - scale < 0.5:
            delta += 1
        else:
            scale += 1
        # uint32 in the 16-lane SIMD body, saturated (a 1x2 window of 255s gives 256: 255);
        # wrapping int32 in the scalar tail, the last (W*C) % 16 elements of a row (there
        # 256 << 23 wraps negative: 0)
        t = ((s.astype(np.int64) + delta) * scale).reshape(s.shape[0], -1)
        r = t >> 23
        tail = _tail_start(t.shape[1], 16, kw, border, img)
        r[:, tail:] = (((t[:, tail:] + 2 ** 31) % 2 ** 32) - 2 ** 31) >> 23
        return np.clip(r, 0, 255).astype(np.uint8).reshape(img.shape)
    h, w = img.shape[:2]
    flat = s.reshape(h, -1)
    n = flat.shape[1]
    if d > {np.dtype(np.uint8): 1 << 23, np.dtype(np.uint16): 1 << 15}.get(img.dtype, 1 << 16):
        n = 0  # cv2 sums such windows in double: the double product everywhere
    body = _tail_start(n, 8, kw, border, img)
    r = np.empty(flat.shape, np.float64)
    r[:, :body] = np.rint(flat[:, :body].astype(np.float32) * np.float32(1.0 / d))
    r[:, body:] = np.rint(flat[:, body:] * (1.0 / d))
    return np.clip(r, info.min, info.max).astype(img.dtype).reshape(img.shape)
