"""Kernels far larger than the image: fold the kernel onto the image first.

A window of k >> n samples reads each image pixel many times (the border pattern repeats), so
the separable filter equals out = rule(My @ X @ Mx^T + constant-border terms) where M[x, c]
sums the kernel weights that land on pixel c. Computing M costs O(n k) and the products
O(n^3) -- for a tiny image that is instant where the strip engine would do O(k^2) work per row.
Integer weights stay exact in float64 (every sum < 2**53), so the OpenCV-exact rules hold."""
from __future__ import annotations

import numpy as np

from . import _core

# Fold an axis when its kernel exceeds twice the image plus this margin, and the image is small
# enough for dense n x n matrices.
FOLD_MARGIN = 16
FOLD_MAX_SIDE = 2048


def should_fold(shape, kh, kw):
    h, w = shape[0], shape[1]
    huge = kh > 2 * h + FOLD_MARGIN or kw > 2 * w + FOLD_MARGIN
    return huge and max(h, w) <= FOLD_MAX_SIDE


def fold_matrix(weights, anchor, n, border):
    """(M, const): M[x, c] = sum of weights[t] with border(x - anchor + t) == c, const[x] =
    the weights that fall on the constant border."""
    k = len(weights)
    idx = np.empty(k + n - 1, np.intp)
    _core.border_indices(-anchor, n, border, idx)
    M = np.zeros((n, n))
    const = np.zeros(n)
    for x in range(n):
        sl = idx[x:x + k]
        inside = sl >= 0
        M[x] = np.bincount(sl[inside], weights=weights[inside], minlength=n)
        const[x] = weights[~inside].sum()
    return M, const


def apply_rule(v, rule, out_dtype):
    """The C engine's output rules (src/imfilt.h imfilt_out_mode) on float64 sums."""
    out_dtype = np.dtype(out_dtype)
    mode, scale = rule.get("mode", 0), rule.get("scale", 1.0)
    if out_dtype.kind == "f":
        return (v * scale).astype(out_dtype)
    info = np.iinfo(out_dtype)
    if mode == 1:    # floor shift
        r = np.floor((v + rule["bias"]) * scale)
    elif mode == 2:  # round half to even
        if rule.get("scale_in_float"):
            r = np.rint(v.astype(np.float32) * np.float32(scale)).astype(np.float64)
            block = rule.get("tail_block", 0)
            if block:  # OpenCV's scalar row tail rounds the double product
                flat, rflat = v.reshape(v.shape[0], -1), r.reshape(r.shape[0], -1)
                start = flat.shape[1] - flat.shape[1] % block
                rflat[:, start:] = np.rint(flat[:, start:] * scale)
        else:
            r = np.rint(v * scale)
    elif mode == 3:  # OpenCV's 8-bit box: uint32 in the row body, wrapping int32 in the tail
        t = ((v.astype(np.int64) + rule["box_delta"]) * rule["box_mul"]) & 0xFFFFFFFF
        r = t >> 23
        wrapped = np.where(t >= 2 ** 31, t - 2 ** 32, t) >> 23
        flat, rflat = wrapped.reshape(v.shape[0], -1), r.reshape(r.shape[0], -1)
        start = flat.shape[1] - flat.shape[1] % rule["tail_block"]
        rflat[:, start:] = flat[:, start:]
    else:
        r = np.trunc(v * scale)
    return np.clip(r, info.min, info.max).astype(out_dtype)


def folded_separable(arr, kx, ky, ax, ay, border, cval, rule, out_dtype):
    """The separable filter of `arr` computed through folded kernels (see module doc)."""
    x = arr.astype(np.float64)
    if x.ndim == 2:
        x = x[:, :, None]
    h, w = x.shape[:2]
    mx, cx = fold_matrix(np.asarray(kx, np.float64), ax, w, border)
    my, cy = fold_matrix(np.asarray(ky, np.float64), ay, h, border)
    rows = np.einsum("xc,ych->yxh", mx, x) + (cx * cval)[None, :, None]
    total = np.einsum("yr,rxh->yxh", my, rows) + (cy * cval * float(np.sum(kx)))[:, None, None]
    res = apply_rule(total, rule, out_dtype)
    return res.reshape(arr.shape)
