"""Kernels far larger than the image: fold the kernel onto the image first.

A window of k >> n samples reads each image pixel many times (the border pattern repeats), so
the separable filter equals out = rule(My @ X @ Mx^T + constant-border terms) where M[x, c]
sums the kernel weights that land on pixel c. M comes from the kernel's sums per residue of the
border's period (reflect, reflect101, wrap) or its prefix sums (replicate, constant): O(k) for
a kernel of taps, O(1) per entry for a box of any size, then O(n^2) -- so a box of 10**6 on a
small image costs what the image costs, where the strip engine would do O(k) work per row.
Integer images stay exact: every product is an integer computed exactly (in float64 below
2**53, in two 8-bit halves combined in int64 above), so the OpenCV-exact rules hold."""
from __future__ import annotations

import numpy as np

from . import _core
from . import _normalize as N

# Fold an axis when its kernel exceeds twice the image plus this margin, and the image is small
# enough for dense n x n matrices.
FOLD_MARGIN = 16
FOLD_MAX_SIDE = 2048
# The largest folded box (samples in the window): 255 * area < 2**53 keeps each 8-bit half of
# an integer image exact in float64, 65535 * area < 2**63 the combined int64 sum.
MAX_FOLDED_AREA = 1 << 45


def should_fold(shape, kh, kw):
    h, w = shape[0], shape[1]
    huge = kh > 2 * h + FOLD_MARGIN or kw > 2 * w + FOLD_MARGIN
    return huge and max(h, w) <= FOLD_MAX_SIDE


class _Taps:
    """A 1-D kernel: explicit weights, or a box of `k` ones (any k, never materialised)."""

    def __init__(self, kernel):
        if isinstance(kernel, (int, np.integer)):
            self.k, self.w = int(kernel), None
        else:
            self.w = np.asarray(kernel, np.float64)
            self.k = len(self.w)
            self.cum = np.concatenate(([0.0], np.cumsum(self.w)))

    def total(self):
        return float(self.k) if self.w is None else float(self.w.sum())

    def at(self, t):
        """Weights at tap indices t (0 outside the kernel)."""
        inside = (t >= 0) & (t < self.k)
        if self.w is None:
            return inside.astype(np.float64)
        return np.where(inside, self.w[np.clip(t, 0, self.k - 1)], 0.0)

    def below(self, j):
        """Sum of the weights of taps 0 .. j-1 (j clipped to 0 .. k)."""
        j = np.clip(j, 0, self.k)
        return j.astype(np.float64) if self.w is None else self.cum[j]

    def residues(self, period):
        """res[q] = sum of the weights of taps t with t % period == q."""
        if self.w is None:
            q = np.arange(period)
            return (self.k // period + (q < self.k % period)).astype(np.float64)
        return np.bincount(np.arange(self.k) % period, weights=self.w, minlength=period)


_PERIOD = {N.BORDER_CODES["reflect101"]: lambda n: max(2 * n - 2, 1),
           N.BORDER_CODES["reflect"]: lambda n: 2 * n,
           N.BORDER_CODES["wrap"]: lambda n: n}


def fold_matrix(taps, anchor, n, border):
    """(M, const): M[x, c] = sum of the weights of taps t with border(x - anchor + t) == c,
    const[x] = the weights that fall on the constant border."""
    M = np.zeros((n, n))
    const = np.zeros(n)
    x = np.arange(n)
    if border in _PERIOD:  # the border maps position p through p mod period
        period = _PERIOD[border](n)
        pixel = np.empty(period, np.intp)
        _core.border_indices(0, n, border, pixel)
        res = taps.residues(period)
        q = np.arange(period)
        for xi in range(n):
            M[xi] = np.bincount(pixel, weights=res[(q - xi + anchor) % period], minlength=n)
        return M, const
    # replicate / constant: inside taps one by one, the taps beyond each end summed
    start = anchor - x                       # tap index reading pixel 0
    M[:] = taps.at(start[:, None] + x[None, :])
    left = taps.below(start)                 # taps reading positions < 0
    right = taps.total() - taps.below(start + n)
    if border == N.BORDER_CODES["replicate"]:
        M[:, 0] += left
        M[:, n - 1] += right
    else:
        const[:] = left + right
    return M, const


def tail_from(rule, n):
    """First sample of a row of n that OpenCV's scalar tail rounds (src/core/imfilt.h
    imfilt_tail_from): the last (length mod tail_block) samples of the row as OpenCV saw it,
    tail_pad = (before, after) samples longer (wrap is OpenCV run on a padded copy)."""
    before, after = rule.get("tail_pad", (0, 0))
    length = before + n + after
    return min(max(length - length % rule["tail_block"] - before, 0), n)


def apply_rule(v, rule, out_dtype):
    """The C engine's output rules (src/core/imfilt.h imfilt_out_mode) on exact sums."""
    out_dtype = np.dtype(out_dtype)
    mode, scale = rule.get("mode", 0), rule.get("scale", 1.0)
    if out_dtype.kind == "f":
        return (v * scale).astype(out_dtype)
    if mode == 0 and scale == 1.0 and out_dtype == np.int64:
        return v.astype(np.int64)  # window sums (normalize=False), exact beyond 2**53
    info = np.iinfo(out_dtype)
    if mode == 1:    # floor shift
        r = np.floor((v + rule["bias"]) * scale)
    elif mode == 2:  # round half to even
        if rule.get("scale_in_float"):
            r = np.rint(v.astype(np.float32) * np.float32(scale)).astype(np.float64)
            block = rule.get("tail_block", 0)
            if block:  # OpenCV's scalar row tail rounds the double product
                flat, rflat = v.reshape(v.shape[0], -1), r.reshape(r.shape[0], -1)
                start = tail_from(rule, flat.shape[1])
                rflat[:, start:] = np.rint(flat[:, start:] * scale)
        else:
            r = np.rint(v * scale)
    elif mode == 3:  # OpenCV's 8-bit box: uint32 in the row body, wrapping int32 in the tail
        t = ((v.astype(np.int64) + rule["box_delta"]) * rule["box_mul"]) & 0xFFFFFFFF
        r = t >> 23
        wrapped = np.where(t >= 2 ** 31, t - 2 ** 32, t) >> 23
        flat, rflat = wrapped.reshape(v.shape[0], -1), r.reshape(r.shape[0], -1)
        start = tail_from(rule, flat.shape[1])
        rflat[:, start:] = flat[:, start:]
    else:
        r = np.trunc(v * scale)
    return np.clip(r, info.min, info.max).astype(out_dtype)


def _fold_sums(x, cval, mx, cx, my, cy, row_weight):
    """My @ x @ Mx^T per channel plus the constant border's share, in float64; x is (C, h, w)."""
    rows = x @ mx.T + cx * cval
    return my @ rows + (cy * (cval * row_weight))[:, None]


def folded_separable(arr, kx, ky, ax, ay, border, cval, rule, out_dtype):
    """The separable filter of `arr` computed through folded kernels (see module doc); kx, ky
    are weight arrays or, for a box, its int sizes."""
    tx, ty = _Taps(kx), _Taps(ky)
    x = arr.reshape(arr.shape[0], arr.shape[1], -1).transpose(2, 0, 1)  # (C, h, w)
    h, w = x.shape[1:]
    mx, cx = fold_matrix(tx, ax, w, border)
    my, cy = fold_matrix(ty, ay, h, border)
    row_weight = tx.total()
    weight = abs(row_weight) * abs(ty.total())
    if arr.dtype.kind in "ui" and weight * max(abs(int(x.min())), int(x.max()), abs(cval)) >= 2**53:
        # two 8-bit halves, each sum exact in float64 (255 * weight < 2**53), combined in int64
        xi = x.astype(np.int64)
        c = int(cval)
        halves = [(xi >> 8, c >> 8), (xi & 255, c & 255)]
        hi, lo = (_fold_sums(p.astype(np.float64), float(pc), mx, cx, my, cy, row_weight)
                  for p, pc in halves)
        total = hi.astype(np.int64) * 256 + lo.astype(np.int64)
    else:
        total = _fold_sums(x.astype(np.float64), cval, mx, cx, my, cy, row_weight)
    # C order: the rules reshape rows in place
    res = apply_rule(np.ascontiguousarray(total.transpose(1, 2, 0)), rule, out_dtype)
    return res.reshape(arr.shape)
