"""The demo: a generated photo-like picture, each filter run on it and timed, a contact sheet."""
from __future__ import annotations

import os
import sys
import time

import numpy as np

from . import imageio as imio
from .errors import EXIT_FAILED, EXIT_OK, describe

# (label, file stem, imfilt function, positional arguments, keyword arguments). Filters not in
# this build of imfilt are skipped, so the demo shows whatever is available.
DEMO_FILTERS = [
    ("gaussian sigma=1", "gaussian_sigma1", "gaussian", (1.0,), {}),
    ("gaussian sigma=2", "gaussian_sigma2", "gaussian", (2.0,), {}),
    ("gaussian sigma=5", "gaussian_sigma5", "gaussian", (5.0,), {}),
    ("mean 5x5", "mean_5", "mean", (5,), {}),
    ("mean 31x31", "mean_31", "mean", (31,), {}),
    ("median 5x5", "median_5", "median", (5,), {}),
    ("minimum 5x5", "minimum_5", "minimum", (5,), {}),
    ("maximum 5x5", "maximum_5", "maximum", (5,), {}),
    ("gamma 0.5", "gamma_0.5", "gamma", (0.5,), {}),
    ("filter2d sharpen", "filter2d_sharpen", "filter2d",
     (np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], np.float32),), {}),
]


def run_demo(args):
    """`imfilt demo`: write the picture, each filter's result and the sheet into args.output."""
    import imfilt

    filters = [f for f in DEMO_FILTERS if hasattr(imfilt, f[2])]
    # the demo's folder holds only files the demo itself generates, so a re-run replaces them
    image = sample_image()
    imio.write_image(os.path.join(args.output, "sample.png"), image, overwrite=True)
    print(f"sample image {image.shape[1]}x{image.shape[0]} RGB uint8 -> "
          f"{os.path.join(args.output, 'sample.png')}")
    tiles, failed = [("original", image)], 0
    for label, stem, name, positional, keywords in filters:
        path = os.path.join(args.output, f"{stem}.png")
        try:
            result, ms = _best_time(getattr(imfilt, name), image, positional,
                                    dict(keywords, threads=args.threads))
            imio.write_image(path, result, overwrite=True)
        except Exception as e:  # noqa: BLE001 - show the other filters anyway
            print(f"{label:<20} error: {describe(e)}", file=sys.stderr)
            failed += 1
            continue
        print(f"{label:<20} {ms:8.2f} ms  -> {path}")
        tiles.append((label, result))
    sheet = os.path.join(args.output, "contact_sheet.png")
    image = contact_sheet(tiles)
    imio.write_atomic(sheet, lambda f: image.save(f, format="PNG"), True)
    print(f"contact sheet -> {sheet}")
    return EXIT_FAILED if failed else EXIT_OK


def _best_time(func, image, positional, keywords, repeats=3):
    """The result and the best of a few timings: the first call pays for page faults and
    thread start-up, which is not the filter's speed."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = func(image, *positional, **keywords)
        best = min(best, time.perf_counter() - t0)
    return result, best * 1e3


def contact_sheet(tiles, columns=3, thumb_width=320, pad=8, label_height=18):
    """A grid of labelled thumbnails, as a Pillow RGB image. `tiles`: (label, uint8 array)."""
    from PIL import Image, ImageDraw, ImageFont
    h, w = tiles[0][1].shape[:2]
    tw, th = thumb_width, max(1, round(h * thumb_width / w))
    rows = -(-len(tiles) // columns)
    sheet = Image.new("RGB", (columns * (tw + pad) + pad, rows * (th + label_height + pad) + pad),
                      (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default()
    for k, (label, arr) in enumerate(tiles):
        x = pad + (k % columns) * (tw + pad)
        y = pad + (k // columns) * (th + label_height + pad)
        thumb = Image.fromarray(arr).convert("RGB").resize((tw, th), Image.Resampling.LANCZOS)
        sheet.paste(thumb, (x, y))
        draw.text((x, y + th + 3), label, fill=(0, 0, 0), font=font)
    return sheet


# --------------------------------------------------------------------------------------------
# The picture

_SEED = 20240611  # fixed, so every call returns the same picture


def sample_image(height=480, width=640):
    """Return a deterministic, photo-like RGB picture as a ``(height, width, 3)`` uint8 array.

    The picture is *generated* here from a few formulas (NumPy) and Pillow's built-in bitmap
    font; nothing is downloaded or copied from a photograph, so there are no licence concerns.
    It has what exercises a smoothing filter: a smooth sky gradient with a soft sun, a mountain
    ridge and a house with sharp edges, a checkerboard, a line pattern whose frequency rises
    towards the right (a moire test), lines of small text, and mild noise from a fixed seed.
    The same arguments give the same array on every call and every machine (with the same
    Pillow version, which draws the text).
    """
    h, w = _positive_int(height, "height"), _positive_int(width, "width")
    # Normalised coordinates keep the layout the same at every size.
    y = (np.arange(h, dtype=np.float64) + 0.5)[:, None] / h
    x = (np.arange(w, dtype=np.float64) + 0.5)[None, :] / w
    horizon = 0.62

    img = np.empty((h, w, 3), np.float64)
    _sky(img, y, x, horizon)
    _ground(img, y, x, horizon)
    _mountains(img, y, x, horizon)
    _house(img, y, x, horizon)
    _checkerboard(img, y, x)
    _line_pattern(img, y, x)
    rng = np.random.default_rng(_SEED)
    img += rng.normal(0.0, 2.5, img.shape)  # sensor-like noise, a few grey levels
    out = np.clip(np.rint(img), 0, 255).astype(np.uint8)
    return _draw_text(out)


def _positive_int(v, name):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise ValueError(f"{name} must be a positive int, got {v!r}")
    return int(v)


def _paint(img, where, colour):
    """img[where] = colour, where `where` and `colour` broadcast against the (H, W) grid."""
    m = np.broadcast_to(where, img.shape[:2])
    img[m] = np.broadcast_to(np.asarray(colour, np.float64), img.shape)[m]


def _sky(img, y, x, horizon):
    # Deep blue at the top fading to a pale haze at the horizon, plus a sun with a soft glow.
    t = np.clip(y / horizon, 0.0, 1.0)
    top, haze = np.array([40.0, 90.0, 170.0]), np.array([200.0, 215.0, 230.0])
    img[:] = top + (haze - top) * (t ** 0.8)[..., None]
    aspect = img.shape[1] / img.shape[0]
    r = np.hypot((x - 0.78) * aspect, y - 0.2)
    glow = np.exp(-(r / 0.12) ** 2)[..., None]
    img += glow * (np.array([255.0, 235.0, 180.0]) - img) * 0.7
    disk = np.clip((0.055 - r) / 0.004, 0.0, 1.0)[..., None]  # anti-aliased edge
    img += disk * (np.array([255.0, 250.0, 225.0]) - img)


def _ground(img, y, x, horizon):
    # Grass that darkens towards the viewer, with gentle low-frequency variation.
    t = (y - horizon) / (1.0 - horizon)
    shade = 0.85 + 0.15 * np.sin(x * 9.0 + y * 4.0) * np.cos(x * 3.0 - y * 11.0)
    grass = np.stack(np.broadcast_arrays(90 - 40 * t, 140 - 60 * t, 60 - 30 * t), -1)
    _paint(img, y >= horizon, grass * shade[..., None])


def _mountains(img, y, x, horizon):
    # A jagged ridge (sum of sines) with a hard edge against the sky.
    ridge = horizon - 0.16 - 0.06 * np.sin(x * 11.0) - 0.03 * np.sin(x * 29.0 + 1.0) \
        - 0.015 * np.abs(np.sin(x * 71.0))
    inside = (y >= ridge) & (y < horizon)
    depth = np.clip((y - ridge) / 0.25, 0.0, 1.0)
    rock = np.stack(np.broadcast_arrays(95 + 20 * depth, 100 + 15 * depth, 120 - 10 * depth), -1)
    _paint(img, inside, rock)
    _paint(img, inside & (y < ridge + 0.025) & (x < 0.6), (235.0, 238.0, 245.0))


def _house(img, y, x, horizon):
    # Axis-aligned walls, a triangular roof and dark windows: straight sharp edges.
    x0, x1, y0, y1 = 0.08, 0.30, horizon - 0.08, horizon + 0.14
    wall = (x >= x0) & (x < x1) & (y >= y0) & (y < y1)
    _paint(img, wall, (225.0, 205.0, 170.0))
    cx, half = (x0 + x1) / 2, (x1 - x0) / 2 + 0.02
    roof = (y < y0) & (y >= y0 - 0.12) & (np.abs(x - cx) <= half * (y - (y0 - 0.12)) / 0.12)
    _paint(img, roof, (150.0, 45.0, 35.0))
    for wx in (x0 + 0.03, x1 - 0.08):
        window = (x >= wx) & (x < wx + 0.05) & (y >= y0 + 0.04) & (y < y0 + 0.10)
        _paint(img, window, (30.0, 40.0, 60.0))
    door = (x >= cx - 0.02) & (x < cx + 0.02) & (y >= y1 - 0.10) & (y < y1)
    _paint(img, door, (90.0, 55.0, 30.0))


def _checkerboard(img, y, x):
    # Black and white squares of 1/48 of the width: edges in both directions.
    x0, x1, y0, y1 = 0.40, 0.58, 0.80, 0.96
    h, w = img.shape[:2]
    cell = max(1, w // 48)
    rows, cols = np.arange(h)[:, None] // cell, np.arange(w)[None, :] // cell
    board = (x >= x0) & (x < x1) & (y >= y0) & (y < y1)
    white = board & ((rows + cols) % 2 == 0)
    _paint(img, board, (20.0, 20.0, 20.0))
    _paint(img, white, (240.0, 240.0, 240.0))


def _line_pattern(img, y, x):
    # Vertical stripes whose frequency rises left to right (a chirp): fine detail that a blur
    # removes progressively, the finest stripes first.
    x0, x1, y0, y1 = 0.64, 0.96, 0.72, 0.96
    box = (x >= x0) & (x < x1) & (y >= y0) & (y < y1)
    w = img.shape[1]
    u = (x - x0) / (x1 - x0)
    # cycles(u) = (3 + a u) u; its slope at u = 1, (3 + 2a) / (0.32 w), stays near 0.2 cycles
    # per pixel, well below Nyquist, so the stripes never alias.
    phase = 2 * np.pi * (3 + 0.03 * w * u) * u
    stripes = 128.0 + 110.0 * np.sin(phase)
    _paint(img, box, stripes[..., None])


def _draw_text(rgb):
    # Small text is the finest detail a photograph typically has; Pillow's bitmap font is
    # built in, so no font file is needed.
    from PIL import Image, ImageDraw, ImageFont

    im = Image.fromarray(rgb)
    draw = ImageDraw.Draw(im)
    font = (ImageFont.load_default_imagefont() if hasattr(ImageFont, "load_default_imagefont")
            else ImageFont.load_default())
    h, w = rgb.shape[:2]
    lines = ["imfilt sample image - generated, not photographed",
             "The quick brown fox jumps over the lazy dog 0123456789"]
    for i, line in enumerate(lines):
        draw.text((max(2, w // 40), max(2, h // 40) + 14 * i), line, fill=(255, 255, 255),
                  font=font)
    draw.text((max(2, w // 40), int(h * 0.80)), "ABC abc 123", fill=(10, 10, 10), font=font)
    return np.asarray(im, dtype=np.uint8).copy()
