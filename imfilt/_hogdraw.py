"""HOG pictures: scikit-image's glyph image (`skimage_picture`, equal to the hog_image of
skimage.feature.hog) and an OpenCV-style rendering of a block grid (`hog_picture`)."""
from __future__ import annotations

import math

import numpy as np


def line_pixels(r0, c0, r1, c1):
    """Pixels of the segment (r0, c0)-(r1, c1), both ends included, by Bresenham's integer
    algorithm in the variant skimage.draw.line uses (steps along the major axis, the error
    term starting at 2 * minor - major)."""
    dr, dc = abs(r1 - r0), abs(c1 - c0)
    sr = 1 if r1 - r0 > 0 else -1
    sc = 1 if c1 - c0 > 0 else -1
    steep = dr > dc
    r, c = (c0, r0) if steep else (r0, c0)
    if steep:
        dr, dc, sr, sc = dc, dr, sc, sr
    d = 2 * dr - dc
    rr, cc = [], []
    for _ in range(dc):
        if steep:
            rr.append(c)
            cc.append(r)
        else:
            rr.append(r)
            cc.append(c)
        while d >= 0:
            r += sr
            d -= 2 * dc
        c += sc
        d += 2 * dr
    rr.append(r1)
    cc.append(c1)
    return rr, cc


def _glyph_offsets(ch, cw, n, radius, angles):
    """Per orientation: the (row, col) offsets of its line from the cell centre, for lines
    drawn between centre -/+ (radius * cos, radius * sin) as scikit-image draws them (its int()
    truncation of positive coordinates is a floor, the same for every cell)."""
    r0c, c0c = ch // 2, cw // 2              # the first cell's centre; coordinates stay > 0
    out = []
    for a in angles:
        dr = radius * math.sin(a)
        dc = radius * math.cos(a)
        rr, cc = line_pixels(int(r0c - dc), int(c0c + dr), int(r0c + dc), int(c0c - dr))
        out.append([(r - r0c, c - c0c) for r, c in zip(rr, cc)])
    return out


def _stamp(picture, values, offsets, ch, cw):
    """picture[centre(cell) + offset] += values[cell, o] for every cell, orientation o in order,
    every offset of o's glyph (one strided slice per offset)."""
    ncy, ncx, n = values.shape
    for o in range(n):
        v = values[:, :, o]
        for dr, dc in offsets[o]:
            r0, c0 = ch // 2 + dr, cw // 2 + dc
            picture[r0:r0 + (ncy - 1) * ch + 1:ch, c0:c0 + (ncx - 1) * cw + 1:cw] += v


def skimage_picture(cells, shape, cell, dtype):
    """skimage.feature.hog's hog_image from the (n_cells_y, n_cells_x, orientations) cell
    histograms: per cell and orientation a line through the cell centre, perpendicular to the
    middle of the bin, adding the bin's value to its pixels."""
    ch, cw = cell
    n = cells.shape[2]
    pic = np.zeros(shape, dtype)
    radius = min(ch, cw) // 2 - 1
    mids = np.pi * (np.arange(n) + 0.5) / n
    _stamp(pic, cells.astype(np.float64), _glyph_offsets(ch, cw, n, radius, mids), ch, cw)
    return pic


def hog_picture(image, blocks, *, block_size=(16, 16), block_stride=(8, 8), cell_size=(8, 8),
                signed=False, padding=(0, 0)):
    """OpenCV-style HOG picture: RGB uint8, the image dimmed to grey, and per cell one line per
    orientation bin through the cell centre, along the edge direction (perpendicular to the
    bin's gradient angle), brightness proportional to the bin's value averaged over every
    block containing the cell (from `hog_blocks(image, ...)` of the same geometry)."""
    arr = np.asarray(image)
    H, W = arr.shape[:2]
    gray = arr.astype(np.float64)
    if gray.ndim == 3:
        gray = gray.mean(axis=2)
    top = gray.max() if gray.size else 1.0
    gray = gray * (255.0 / top) if top > 0 else gray
    ch, cw = cell_size
    bh, bw = block_size
    sy, sx = block_stride
    py, px = padding
    nby, nbx, L = blocks.shape
    ncy_b, ncx_b = bh // ch, bw // cw
    n = L // (ncy_b * ncx_b)
    ncy, ncx = H // ch, W // cw
    acc = np.zeros((ncy + 1, ncx + 1, n))
    cnt = np.zeros((ncy + 1, ncx + 1, 1))
    for cx in range(ncx_b):
        for cy in range(ncy_b):
            # image cell holding this block cell (blocks start at -padding)
            iy = (np.arange(nby) * sy + cy * ch - py) // ch
            ix = (np.arange(nbx) * sx + cx * cw - px) // cw
            vy, vx = (iy >= 0) & (iy < ncy), (ix >= 0) & (ix < ncx)
            k = (cx * ncy_b + cy) * n
            sub = blocks[np.ix_(vy, vx)][:, :, k:k + n]
            yy, xx = np.ix_(iy[vy], ix[vx])
            np.add.at(acc, (yy, xx), sub)
            np.add.at(cnt, (yy, xx), 1.0)
    cells = (acc / np.maximum(cnt, 1.0))[:ncy, :ncx]
    peak = cells.max() if cells.size else 0.0
    glyph = np.zeros((H, W))
    if ncy and ncx and peak > 0:
        span = 2 * np.pi if signed else np.pi
        theta = (np.arange(n) + 0.5) * span / n            # bin centres, gradient angle
        # the glyph runs along the edge, perpendicular to the gradient: in (row, col)
        # coordinates the direction (cos theta, -sin theta) -> radius * (sin(a), cos(a)) form
        radius = max(min(ch, cw) // 2 - 1, 0)
        offsets = _glyph_offsets(ch, cw, n, radius, theta)
        _stamp(glyph, cells / peak, offsets, ch, cw)
    pic = np.empty((H, W, 3), np.float64)
    dim = 0.4 * gray
    pic[..., 0] = dim + 255.0 * 0.3 * glyph
    pic[..., 1] = dim + 255.0 * glyph
    pic[..., 2] = dim + 255.0 * 0.3 * glyph
    return np.clip(np.rint(pic), 0, 255).astype(np.uint8)
