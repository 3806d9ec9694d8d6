"""Image files <-> NumPy arrays for the command line, exactly or not at all.

Pillow reads and writes almost everything, but it silently truncates 16-bit colour (PNG, PPM,
TIFF) to 8 bits, and it cannot write 16-bit colour at all. So:

- 16-bit colour PNG (RGB, RGBA, gray+alpha) is decoded here (zlib + PNG unfiltering in NumPy)
  and written here (zlib, filter "Up"); 16-bit colour PPM likewise (raw big-endian samples);
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
import struct
import zlib
from dataclasses import dataclass, field

import numpy as np

# Formats Pillow decodes without narrowing samples (or where narrowing is detected below).
READ_FORMATS = ("PNG", "JPEG", "MPO", "TIFF", "BMP", "DIB", "GIF", "WEBP", "PPM", "TGA", "PCX",
                "QOI")
WRITE_FORMATS = ("PNG", "JPEG", "TIFF", "BMP", "WEBP", "PPM", "TGA")
# Pillow's JPEG/WebP default quality (75) visibly degrades a filtered photo.
DEFAULT_QUALITY = 95
QUALITY_FORMATS = ("JPEG", "WEBP")


class ImageFileError(ValueError):
    """A file that cannot be read or written exactly; the message says why and what to do."""


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
    from PIL import ImageOps
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
        exact = _exact_reader(im, head)
        if exact is not None:
            pixels, alpha, exif = exact(path)
            if exif_transpose and exif:
                pixels = orient(pixels, _orientation(exif))
            return Picture(pixels, alpha, options, im.format)
        _refuse_narrowed(im)
        if exif_transpose:
            im = ImageOps.exif_transpose(im)  # a loaded copy (or the image itself when upright)
        im.load()
        pixels, alpha = pillow_to_array(im)
        return Picture(pixels, alpha, options, getattr(im, "format", None) or "")


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
        im = im.convert("RGBA" if mode == "PA" or "transparency" in im.info else "RGB")
    elif mode == "1":
        im = im.convert("L")
    elif mode == "I":
        # 32-bit integers: what Pillow returns for some 16-bit files. Exact when they fit.
        a = np.asarray(im)
        if a.size and (a.min() < 0 or a.max() > 65535):
            raise ImageFileError(f"32-bit integer image with values {a.min()}..{a.max()} does "
                                 f"not fit in uint16; imfilt reads 8-bit, 16-bit and float32 "
                                 f"images")
        return a.astype(np.uint16), False
    elif mode not in _DIRECT_MODES:
        im = im.convert("RGBA" if "A" in im.getbands() or "a" in im.getbands() else "RGB")
    a = np.asarray(im)
    return a.astype(np.dtype(_DIRECT_MODES[im.mode]).newbyteorder("="), copy=False), \
        im.mode in ("LA", "RGBA")


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


# ------------------------------------------------------------------------------ PNG, exactly

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}   # colour type -> samples per pixel


def _png_chunks(data):
    pos = len(_PNG_SIGNATURE)
    while pos + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc = data[pos + 8 + length:pos + 12 + length]
        if len(body) != length or len(crc) != 4:
            raise ImageFileError("truncated PNG file")
        if zlib.crc32(kind + body) != struct.unpack(">I", crc)[0]:
            raise ImageFileError(f"corrupt PNG file (bad CRC in its {kind.decode('latin-1')} "
                                 f"chunk)")
        yield kind, body
        if kind == b"IEND":
            return
        pos += 12 + length
    raise ImageFileError("truncated PNG file (no IEND chunk)")


def read_png(path):
    """Decode a PNG of bit depth 8 or 16 without interlacing -> (pixels, alpha flag, raw EXIF
    bytes or None), exactly: uint16 for 16-bit files."""
    with open(path, "rb") as f:
        data = f.read()
    if not data.startswith(_PNG_SIGNATURE):
        raise ImageFileError("not a PNG file")
    header, idat, exif = None, [], None
    for kind, body in _png_chunks(data):
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"eXIf":
            exif = body
    if header is None:
        raise ImageFileError("corrupt PNG file (no IHDR chunk)")
    width, height, depth, colour, _, _, interlace = header
    if depth not in (8, 16) or colour not in _PNG_CHANNELS:
        raise ImageFileError(f"PNG bit depth {depth}, colour type {colour}: not decoded here")
    if interlace:
        raise ImageFileError("interlaced 16-bit colour PNG: imfilt decodes 16-bit colour PNG "
                             "itself (Pillow truncates it) and does not implement interlacing; "
                             "re-save the file without interlacing")
    channels = _PNG_CHANNELS[colour]
    bpp = channels * depth // 8
    stride = width * bpp
    expected = height * (stride + 1)
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(b"".join(idat), expected)  # never more than the image needs
    except zlib.error as e:
        raise ImageFileError(f"corrupt PNG image data ({e})") from None
    if len(raw) != expected:
        raise ImageFileError("truncated PNG image data")
    rows = np.frombuffer(raw, np.uint8).reshape(height, stride + 1)
    pixels = png_unfilter(rows[:, 0], rows[:, 1:].reshape(height, width, bpp))
    dtype = np.dtype(">u2") if depth == 16 else np.dtype(np.uint8)
    pixels = pixels.view(dtype).reshape(height, width, channels).astype(dtype.newbyteorder("="))
    if channels == 1:
        pixels = pixels[..., 0]
    return pixels, channels in (2, 4), exif


def png_unfilter(types, filtered):
    """Undo PNG's per-row filters. `types` (H,), `filtered` (H, W, bytes per pixel) uint8.

    Filters None/Sub/Up are undone row by row with vector operations. Average and Paeth depend
    on the reconstructed left neighbour, so for images that use them the rows are undone
    together along anti-diagonals (a wavefront: pixel (y, x) needs only (y, x-1), (y-1, x) and
    (y-1, x-1), all on earlier diagonals), which keeps each step a vector operation."""
    h, w, bpp = filtered.shape
    if h and types.max(initial=0) > 4:
        raise ImageFileError(f"corrupt PNG image data (row filter type {types.max()})")
    out = np.zeros((h + 1, w + 1, bpp), np.uint8)   # a zero row above, a zero column left
    if not np.isin(types, (3, 4)).any():
        for y in range(h):
            t, row = types[y], filtered[y]
            if t == 0:
                out[y + 1, 1:] = row
            elif t == 1:
                out[y + 1, 1:] = np.cumsum(row, axis=0, dtype=np.uint8)  # wraps mod 256
            else:
                out[y + 1, 1:] = row + out[y, 1:]
        return out[1:, 1:]
    f = filtered.astype(np.int16)
    t_all = types.astype(np.int16)
    for k in range(h + w - 1):
        y = np.arange(max(0, k - w + 1), min(h - 1, k) + 1)
        x = k - y
        a = out[y + 1, x].astype(np.int16)       # left
        b = out[y, x + 1].astype(np.int16)       # up
        c = out[y, x].astype(np.int16)           # up-left
        t = t_all[y][:, None]
        pa, pb, pc = np.abs(b - c), np.abs(a - c), np.abs(a + b - 2 * c)
        paeth = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
        pred = np.select([t == 1, t == 2, t == 3, t == 4], [a, b, (a + b) >> 1, paeth], 0)
        out[y + 1, x + 1] = (f[y, x] + pred) & 0xFF
    return out[1:, 1:]


def png_filter(pixels, types):
    """Apply PNG row filters (the inverse of png_unfilter); used by write_png and the tests.
    `pixels` (H, W, bytes per pixel) uint8, `types` (H,) of 0..4."""
    p = pixels.astype(np.int16)
    h, w, bpp = p.shape
    a = np.zeros_like(p)
    a[:, 1:] = p[:, :-1]
    b = np.zeros_like(p)
    b[1:] = p[:-1]
    c = np.zeros_like(p)
    c[1:, 1:] = p[:-1, :-1]
    pa, pb, pc = np.abs(b - c), np.abs(a - c), np.abs(a + b - 2 * c)
    paeth = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
    t = np.asarray(types)[:, None, None]
    pred = np.select([t == 1, t == 2, t == 3, t == 4], [a, b, (a + b) >> 1, paeth], 0)
    return ((p - pred) & 0xFF).astype(np.uint8)


def encode_png(pixels, alpha, options=None, filter_types=None):
    """PNG bytes for a uint8 or uint16 (H, W[, C]) array, C in 1..4 (2 and 4 need `alpha`).
    Rows use filter Up unless `filter_types` says otherwise; icc_profile and dpi are kept."""
    a = np.asarray(pixels)
    channels = 1 if a.ndim == 2 else a.shape[2]
    colour = {1: 0, 2: 4, 3: 2, 4: 6}.get(channels)
    if colour is None or (channels in (2, 4)) != bool(alpha) or a.dtype not in (np.uint8,
                                                                                np.uint16):
        raise ImageFileError(f"cannot write {a.dtype} with {channels} channels as PNG")
    depth = a.dtype.itemsize * 8
    h, w = a.shape[:2]
    data = np.ascontiguousarray(a, a.dtype.newbyteorder(">")).view(np.uint8).reshape(h, w, -1)
    types = np.full(h, 2, np.uint8) if filter_types is None else np.asarray(filter_types,
                                                                             np.uint8)
    rows = np.concatenate([types[:, None], png_filter(data, types).reshape(h, -1)], axis=1)

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body))

    parts = [_PNG_SIGNATURE, chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, colour, 0, 0,
                                                        0))]
    options = options or {}
    if options.get("icc_profile"):
        parts.append(chunk(b"iCCP", b"ICC Profile\0\0" + zlib.compress(options["icc_profile"])))
    if options.get("dpi"):
        ppm = [max(1, round(float(d) / 0.0254)) for d in options["dpi"]]
        parts.append(chunk(b"pHYs", struct.pack(">IIB", ppm[0], ppm[1], 1)))
    parts += [chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)), chunk(b"IEND", b"")]
    return b"".join(parts)


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
    """A binary PPM (P6) with maxval > 255: big-endian 16-bit samples, returned as stored."""
    with open(path, "rb") as f:
        data = f.read()
    magic, w, h, maxval, offset = _ppm_header(data)
    size = w * h * 3 * 2
    if magic != b"P6" or len(data) < offset + size:
        raise ImageFileError("truncated 16-bit PPM file")
    pixels = np.frombuffer(data, ">u2", w * h * 3, offset).reshape(h, w, 3)
    return pixels.astype(np.uint16), False, None


def encode_ppm16(pixels):
    h, w = pixels.shape[:2]
    return b"P6\n%d %d\n65535\n" % (w, h) + np.ascontiguousarray(pixels, ">u2").tobytes()


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
        data = encode_png(a, alpha, options)
        return fmt, lambda f: f.write(data)
    if colour16 and fmt == "PPM" and a.shape[2] == 3:
        data = encode_ppm16(a)
        return fmt, lambda f: f.write(data)
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
