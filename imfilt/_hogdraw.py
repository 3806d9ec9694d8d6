"""HOG pictures: scikit-image's glyph image (`skimage_picture`, equal to the hog_image of
skimage.feature.hog) and an OpenCV-style rendering of a block grid (`hog_picture`)."""
from __future__ import annotations

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


def _ends(centres, d):
    """int(centre + d), int(centre - d) per cell: Python's int() of the float64 sums, as
    scikit-image writes them (d is -dc along rows, dr along columns; -x is exact)."""
    return np.trunc((centres + d, centres - d)).astype(np.intp)


def _axis_groups(centres, ends):
    """Cells along one axis grouped by their line's end offsets from the centre: {(offset0,
    offset1): cell indices}, ascending."""
    groups = {}
    for i, key in enumerate(zip((ends[0] - centres).tolist(), (ends[1] - centres).tolist())):
        groups.setdefault(key, []).append(i)
    return groups


def _cells_at(idx, base, step, offset):
    """(picture index, values index) of the cells `idx` along one axis: a strided slice when
    they are consecutive (the usual case), index arrays otherwise."""
    if idx[-1] - idx[0] + 1 == len(idx):
        start = idx[0] * step + base + offset
        return (slice(start, start + (len(idx) - 1) * step + 1, step),
                slice(idx[0], idx[-1] + 1))
    idx = np.asarray(idx)
    return idx * step + base + offset, idx


def draw_glyphs(picture, values, cell, radius, angles):
    """picture[line(cell, o)] += values[cell_row, cell_col, o] for every cell and orientation,
    as scikit-image draws its HOG picture: per cell a line from int(centre - (dc, -dr)) to
    int(centre + (dc, -dr)), (dr, dc) = radius * (sin, cos)(angle), with each cell's own
    float64 endpoints truncated (where the cosine is ~1e-16 the truncation differs between
    cells), pixels of skimage.draw.line, sums per pixel in scikit-image's order (cells in
    raster order, then orientations)."""
    ch, cw = cell
    ncy, ncx, n = values.shape
    H, W = picture.shape
    if not (ncy and ncx and n):
        return
    rows = np.arange(ncy) * ch + ch // 2
    cols = np.arange(ncx) * cw + cw // 2
    dr_arr = radius * np.sin(angles)             # scikit-image's expressions, arrays as it
    dc_arr = radius * np.cos(angles)
    if radius >= 0:
        # every line stays inside its cell: per pixel, the sums run over orientations only
        _draw_cells(picture, values, cell, rows, cols, dr_arr, dc_arr, None)
        return
    # radius -1 (a 1-pixel cell side): lines reach the neighbouring cells, so the votes are
    # gathered and added in scikit-image's order, unbuffered, a band of cell rows at a time
    # (bands in order); pixels outside the image, where scikit-image raises IndexError, are
    # left out
    band = max(1, (1 << 20) // (ncx * n))
    for b0 in range(0, ncy, band):
        votes = []
        sub = slice(b0, min(b0 + band, ncy))
        _draw_cells(picture, values[sub], cell, rows[sub], cols, dr_arr, dc_arr, votes)
        key, pr, pc, val = (np.concatenate(v) for v in zip(*votes))
        order = np.argsort(key, kind="stable")       # cells in raster order, then orientations
        pr, pc, val = pr[order], pc[order], val[order]
        inside = (pr >= 0) & (pr < H) & (pc >= 0) & (pc < W)
        np.add.at(picture, (pr[inside], pc[inside]), val[inside])


def _draw_cells(picture, values, cell, rows, cols, dr_arr, dc_arr, votes):
    """draw_glyphs for the cells at rows x cols (centres): stamped per orientation, or, when
    `votes` is a list, appended to it as (order key, row, column, value) arrays."""
    ch, cw = cell
    ncx, n = values.shape[1:]
    for o in range(n):
        rgroups = _axis_groups(rows, _ends(rows, -dc_arr[o]))
        cgroups = _axis_groups(cols, _ends(cols, dr_arr[o]))
        for (r0, r1), ridx in rgroups.items():
            for (c0, c1), cidx in cgroups.items():
                for pr, pc in zip(*line_pixels(r0, c0, r1, c1)):
                    if votes is not None:
                        i, j = np.meshgrid(ridx, cidx, indexing="ij")
                        votes.append((((i * ncx + j) * n + o).ravel(), (rows[i] + pr).ravel(),
                                      (cols[j] + pc).ravel(), values[i, j, o].ravel()))
                        continue
                    prow, vrow = _cells_at(ridx, rows[0], ch, pr)
                    pcol, vcol = _cells_at(cidx, cols[0], cw, pc)
                    if isinstance(prow, slice) or isinstance(pcol, slice):
                        picture[prow, pcol] += values[vrow, vcol, o]
                    else:
                        picture[np.ix_(prow, pcol)] += values[np.ix_(vrow, vcol)][..., o]


def skimage_picture(cells, shape, cell, dtype):
    """skimage.feature.hog's hog_image from the (n_cells_y, n_cells_x, orientations) cell
    histograms: per cell and orientation a line through the cell centre, perpendicular to the
    middle of the bin, adding the bin's value to its pixels."""
    ch, cw = cell
    n = cells.shape[2]
    pic = np.zeros(shape, dtype)
    radius = min(ch, cw) // 2 - 1
    mids = np.pi * (np.arange(n) + 0.5) / n
    draw_glyphs(pic, cells.astype(np.float64), (ch, cw), radius, mids)
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
        draw_glyphs(glyph, cells / peak, (ch, cw), radius, theta)
    pic = np.empty((H, W, 3), np.float64)
    dim = 0.4 * gray
    pic[..., 0] = dim + 255.0 * 0.3 * glyph
    pic[..., 1] = dim + 255.0 * glyph
    pic[..., 2] = dim + 255.0 * 0.3 * glyph
    return np.clip(np.rint(pic), 0, 255).astype(np.uint8)
