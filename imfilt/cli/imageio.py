"""Image files <-> NumPy arrays for the command line, exactly or not at all.

Pillow reads and writes almost everything, but it silently truncates 16-bit colour (PNG, PPM,
TIFF) to 8 bits, and it cannot write 16-bit colour at all. So:

- 16-bit colour PNG (RGB, RGBA, gray+alpha) is decoded and written by png.py, a strip of rows
  at a time (zlib, with the row filters in C: src/png/png.c), so the memory beyond the pixels is one
  strip; 16-bit colour PPM likewise, here (raw big-endian samples);
- any other file whose samples Pillow would narrow (16-bit colour TIFF, float64 TIFF, ...) is
  refused with a message that says so. Nothing truncated is ever returned or written.

Only raster formats are accepted (`READ_FORMATS`, `WRITE_FORMATS`): Pillow can also open EPS
(through Ghostscript) and write PDF, which have no place in an image-filter command line.
Pillow's decompression-bomb guard applies to every file, including the ones decoded here, since
they are opened by Pillow first to read their header.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field

import numpy as np

from .png import ImageFileError, png_layout, read_png, strip_rows, write_png

# Formats Pillow decodes without narrowing samples (or where narrowing is detected below).
READ_FORMATS = ("PNG", "JPEG", "MPO", "TIFF", "BMP", "DIB", "GIF", "WEBP", "PPM", "TGA", "PCX",
                "QOI")
WRITE_FORMATS = ("PNG", "JPEG", "TIFF", "BMP", "WEBP", "PPM", "TGA")
# Pillow's JPEG/WebP default quality (75) visibly degrades a filtered photo.
DEFAULT_QUALITY = 95
QUALITY_FORMATS = ("JPEG", "WEBP")


@dataclass
class Picture:
    """Pixels as read: (H, W) or (H, W, C); when `alpha`, the last channel is alpha."""
    pixels: np.ndarray
    alpha: bool = False
    options: dict = field(default_factory=dict)   # save options carried over: icc_profile, dpi
    format: str = ""


def _pillow():
    from PIL import Image
    Image.init()  # load every plugin so the extension and format tables are complete
    return Image


def image_extensions(formats=READ_FORMATS, writable=False):
    """File extensions (lower case, with the dot) of `formats` that Pillow supports."""
    Image = _pillow()
    table = Image.SAVE if writable else Image.OPEN
    return {ext for ext, fmt in Image.registered_extensions().items()
            if fmt in formats and fmt in table}


def output_format(path):
    """The format written for `path` (from its extension), or None when it is not one of
    WRITE_FORMATS."""
    Image = _pillow()
    fmt = Image.registered_extensions().get(os.path.splitext(path)[1].lower())
    return fmt if fmt in WRITE_FORMATS and fmt in Image.SAVE else None


# ------------------------------------------------------------------------------ reading

def read_image(path, *, exif_transpose=True, max_pixels=None):
    """Read `path` as a Picture, with the EXIF orientation applied unless `exif_transpose` is
    False. Raises ImageFileError (or Pillow's OSError) for files it cannot read exactly, and for
    images of more than `max_pixels` pixels (0 or None: no limit of ours; Pillow's own
    decompression-bomb guard applies unless Image.MAX_IMAGE_PIXELS is None)."""
    Image = _pillow()
    with open(path, "rb") as f:
        head = f.read(64)
    try:
        im = Image.open(path, formats=[f for f in READ_FORMATS if f in Image.OPEN])
    except Image.DecompressionBombError as e:
        raise ImageFileError(f"{e} (raise --max-pixels if you trust the file)") from None
    except Image.UnidentifiedImageError:
        raise ImageFileError(f"not an image file imfilt reads (formats: "
                             f"{', '.join(READ_FORMATS)})") from None
    with im:
        width, height = im.size
        if max_pixels and width * height > max_pixels:  # only the header has been read
            raise ImageFileError(f"{width}x{height} image ({width * height:,} pixels) exceeds "
                                 f"the limit of {max_pixels:,} pixels (raise --max-pixels if "
                                 f"you trust the file; 0: no limit)")
        frames = getattr(im, "n_frames", 1)
        if frames > 1 and im.format != "MPO":  # MPO: camera JPEG + preview; frame 0 is the photo
            raise ImageFileError(f"{im.format} file with {frames} frames; imfilt filters single "
                                 f"images (split the frames first)")
        options = {k: im.info[k] for k in ("icc_profile", "dpi") if k in im.info}
        fmt = im.format or ""
        exact = _exact_reader(im, head)
        if exact is not None:
            pixels, alpha, exif = exact(path)
            orientation = _orientation(exif) if exif else 1
        else:
            _refuse_narrowed(im)
            orientation = int(im.getexif().get(0x0112, 1) or 1)
            im.load()
            pixels, alpha = pillow_to_array(im)
        im.close()  # frees Pillow's copy of the pixels before orient makes its own
    if exif_transpose and 1 < orientation <= 8:
        pixels = orient(pixels, orientation)
    return Picture(pixels, alpha, options, fmt)


def _exact_reader(im, head):
    """A reader for files Pillow would narrow and imfilt decodes itself, else None."""
    if im.format == "PNG" and len(head) >= 29 and head[12:16] == b"IHDR":
        depth, colour = head[24], head[25]
        if depth == 16 and colour in (2, 4, 6):
            return read_png
    if im.format == "PPM" and im.mode == "RGB" and head.startswith(b"P6"):
        with open(im.filename, "rb") as f:
            magic, _, _, maxval, _ = _ppm_header(f.read(1 << 20))
        if maxval > 255:
            return read_ppm16
    return None


def _orientation(exif):
    """The Orientation tag of raw EXIF bytes (1 when absent or unreadable)."""
    Image = _pillow()
    try:
        tags = Image.Exif()
        tags.load(exif)
        value = int(tags.get(0x0112, 1))
    except Exception:  # noqa: BLE001 - a damaged EXIF block means no orientation, as in Pillow
        return 1
    return value if 1 <= value <= 8 else 1


def _refuse_narrowed(im):
    """Refuse TIFFs whose samples Pillow narrows: 16-bit colour, float64, 32-bit colour."""
    if im.format != "TIFF":
        return
    tags = im.tag_v2
    bits = tags.get(258, (1,))
    bits = bits if isinstance(bits, tuple) else (bits,)
    samples = tags.get(277, 1)
    if max(bits) > 8 and (samples > 1 or max(bits) > 32):
        raise ImageFileError(
            f"{'x'.join(map(str, bits))}-bit TIFF with {samples} samples per pixel: Pillow "
            f"reads it only with its samples narrowed, and imfilt never filters truncated data; "
            f"convert it to a 16-bit PNG (imfilt reads those exactly) or to 8 bits")


# Pillow modes read as they are (after np.asarray) and the dtype they give.
_DIRECT_MODES = {"L": np.uint8, "RGB": np.uint8, "LA": np.uint8, "RGBA": np.uint8,
                 "I;16": np.uint16, "I;16L": np.uint16, "I;16B": np.uint16, "I;16N": np.uint16,
                 "I;16S": np.int16, "I;16BS": np.int16, "F": np.float32}


def pillow_to_array(im):
    """Pillow image -> (pixels, alpha flag). Palette, bilevel and other colour modes become
    L, RGB or RGBA (8 bit), which holds them exactly."""
    mode = im.mode
    if mode in ("P", "PA"):
        mode = "RGBA" if mode == "PA" or "transparency" in im.info else "RGB"
    elif mode == "1":
        mode = "L"
    elif mode == "I":
        # 32-bit integers: what Pillow returns for some 16-bit files. Exact when they fit.
        a = _pillow_rows(im, mode)
        if a.size and (a.min() < 0 or a.max() > 65535):
            raise ImageFileError(f"32-bit integer image with values {a.min()}..{a.max()} does "
                                 f"not fit in uint16; imfilt reads 8-bit, 16-bit and float32 "
                                 f"images")
        return a.astype(np.uint16), False
    elif mode not in _DIRECT_MODES:
        mode = "RGBA" if "A" in im.getbands() or "a" in im.getbands() else "RGB"
    a = _pillow_rows(im, mode)
    return a.astype(np.dtype(_DIRECT_MODES[mode]).newbyteorder("="), copy=False), \
        mode in ("LA", "RGBA")


def _pillow_rows(im, mode):
    """np.asarray(im.convert(mode)), converted a strip of rows at a time into one array: done
    whole, Pillow holds two more copies on the way (the conversion, then tobytes' pieces and
    their join), which made reading an RGB image peak at 3.3 times its size."""
    width, height = im.size

    def rows(y, n):
        part = im.crop((0, y, width, y + n))
        return np.asarray(part if part.mode == mode else part.convert(mode))

    if not width or not height:
        return rows(0, height)
    first = rows(0, 1)
    out = np.empty((height,) + first.shape[1:], first.dtype)
    step = strip_rows(first.nbytes)
    for y in range(0, height, step):
        out[y:y + step] = rows(y, min(step, height - y))
    return out


def orient(a, orientation):
    """Apply an EXIF orientation (1..8) to an (H, W[, C]) array, as ImageOps.exif_transpose."""
    if orientation in (5, 6, 7, 8):
        a = a.swapaxes(0, 1)                    # transpose first, then flip
        orientation = {5: 1, 6: 2, 7: 3, 8: 4}[orientation]
    if orientation in (2, 3):
        a = a[:, ::-1]
    if orientation in (3, 4):
        a = a[::-1]
    return np.ascontiguousarray(a)


# ------------------------------------------------------------------------------ PPM, exactly

def _ppm_header(data):
    """(magic, width, height, maxval, offset of the samples) of a binary PNM header."""
    fields, pos = [], 0
    while len(fields) < 4:
        while pos < len(data) and data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            while pos < len(data) and data[pos:pos + 1] not in (b"\n", b"\r"):
                pos += 1
            continue
        start = pos
        while pos < len(data) and not data[pos:pos + 1].isspace() and data[pos:pos + 1] != b"#":
            pos += 1
        if start == pos:
            raise ImageFileError("truncated PNM header")
        fields.append(data[start:pos])
    try:
        return fields[0], int(fields[1]), int(fields[2]), int(fields[3]), pos + 1
    except ValueError:
        raise ImageFileError("corrupt PNM header") from None


def read_ppm16(path):
    """A binary PPM (P6) with maxval > 255: big-endian 16-bit samples, returned as stored.
    Read straight into the result (no copy of the file in memory)."""
    with open(path, "rb") as f:
        magic, w, h, maxval, offset = _ppm_header(f.read(1 << 20))
        if magic != b"P6" or os.fstat(f.fileno()).st_size < offset + w * h * 6:
            raise ImageFileError("truncated 16-bit PPM file")
        f.seek(offset)
        pixels = np.fromfile(f, np.dtype(">u2"), w * h * 3).reshape(h, w, 3)
    if not pixels.dtype.isnative:
        pixels = pixels.byteswap(inplace=True).view(pixels.dtype.newbyteorder())
    return pixels, False, None


def write_ppm16(f, pixels):
    """A binary PPM (P6, maxval 65535) of a uint16 (H, W, 3) array, a strip at a time."""
    h, w = pixels.shape[:2]
    f.write(b"P6\n%d %d\n65535\n" % (w, h))
    step = strip_rows(w * 6)
    for y in range(0, h, step):
        f.write(np.ascontiguousarray(pixels[y:y + step], ">u2").data)


# ------------------------------------------------------------------------------ writing

def encode(path, pixels, alpha, options, quality=None):
    """(format, write(file)) for `pixels` saved as `path`; raises ImageFileError when the
    format cannot hold the data exactly (checked before any file is created). `quality`
    (1..100, default DEFAULT_QUALITY) applies to JPEG and WebP."""
    fmt = output_format(path)
    if fmt is None:
        raise ImageFileError(f"cannot write {os.path.basename(path)!r}: not a writable image "
                             f"format (use one of {', '.join(sorted(_writable_names()))})")
    a = np.asarray(pixels)
    colour16 = a.dtype == np.uint16 and a.ndim == 3
    if colour16 and fmt == "PNG":
        png_layout(a, alpha)  # refused here, before any file is created
        return fmt, lambda f: write_png(f, a, alpha, options)
    if colour16 and fmt == "PPM" and a.shape[2] == 3:
        return fmt, lambda f: write_ppm16(f, a)
    if colour16:
        raise ImageFileError(f"cannot write 16-bit colour as {fmt} exactly (Pillow would "
                             f"truncate it); use .png" + (" or .ppm" if not alpha else ""))
    Image = _pillow()
    try:
        im = Image.fromarray(np.ascontiguousarray(a))
    except TypeError:
        raise ImageFileError(f"cannot write a {a.dtype} image with shape {a.shape}") from None
    if im.mode not in _WRITABLE_MODES.get(fmt, ()):
        what = {"I;16": "16-bit", "F": "float32", "I;16S": "int16"}.get(im.mode, im.mode)
        good = [e for e, modes in _WRITABLE_MODES.items() if im.mode in modes]
        raise ImageFileError(f"cannot write {what} data as {fmt}"
                             + (f"; use {' or '.join(_EXTENSION[g] for g in good)}" if good
                                else ""))
    save = dict(options)
    if fmt in QUALITY_FORMATS:
        save["quality"] = DEFAULT_QUALITY if quality is None else quality
    return fmt, lambda f: im.save(f, format=fmt, **save)


_WRITABLE_MODES = {"PNG": ("L", "LA", "RGB", "RGBA", "I;16"),
                   "TIFF": ("L", "LA", "RGB", "RGBA", "I;16", "F", "I;16S"),
                   "PPM": ("L", "RGB", "I;16"),
                   "JPEG": ("L", "RGB"), "BMP": ("L", "RGB", "RGBA"), "WEBP": ("RGB", "RGBA"),
                   "TGA": ("L", "LA", "RGB", "RGBA")}
_EXTENSION = {"PNG": ".png", "TIFF": ".tif", "PPM": ".ppm", "JPEG": ".jpg", "BMP": ".bmp",
              "WEBP": ".webp", "TGA": ".tga"}


def _writable_names():
    return {_EXTENSION[f] for f in WRITE_FORMATS}


def write_atomic(path, write, overwrite):
    """Call write(file) on a temporary in the destination folder, then move it into place, so
    readers never see a half-written file and a failure leaves no partial output."""
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{secrets.token_hex(4)}.tmp")
    # 0o666 and os.open (not mkstemp's 0o600) so the output gets the usual umask permissions.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        _move_into_place(tmp, path, overwrite)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _move_into_place(tmp, path, overwrite):
    if overwrite:
        os.replace(tmp, path)
        return
    # A hard link fails if `path` appeared meanwhile (another process), where os.replace would
    # silently clobber it; fall back to check-then-replace where links are not supported.
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise FileExistsError(f"{path} exists (use --overwrite to replace it)") from None
    except OSError:
        if os.path.exists(path):
            raise FileExistsError(f"{path} exists (use --overwrite to replace it)") from None
        os.replace(tmp, path)


def write_image(path, pixels, alpha=False, options=None, overwrite=False, quality=None):
    """Write an (H, W[, C]) array as `path` (format from the extension), atomically."""
    _, write = encode(path, pixels, alpha, options or {}, quality)
    write_atomic(path, write, overwrite)
