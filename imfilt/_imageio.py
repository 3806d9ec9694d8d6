"""Image files <-> NumPy arrays for the command line, exactly or not at all.

Pillow reads and writes almost everything, but it silently truncates 16-bit colour (PNG, PPM,
TIFF) to 8 bits, and it cannot write 16-bit colour at all. So:

- 16-bit colour PNG (RGB, RGBA, gray+alpha) is decoded and written here, a strip of rows at a
  time (zlib, with the row filters in C: src/png/png.c), so the memory beyond the pixels is one
  strip; 16-bit colour PPM likewise (raw big-endian samples);
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
    step = _strip_rows(first.nbytes)
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


# ------------------------------------------------------------------------------ PNG, exactly
# Streamed a strip of rows at a time: beyond the pixels themselves, reading and writing hold
# one strip (about _STRIP_BYTES) and one IDAT piece, never a copy of the image. The row
# filters run in C (src/png/png.c); zlib does the rest.

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}   # colour type -> samples per pixel
_STRIP_BYTES = 1 << 20                     # rows filtered / unfiltered at a time
_PIECE_BYTES = 1 << 20                     # file bytes read at a time
# zlib's run-length strategy (as OpenCV's PNG writer): on 16-bit photos, whose low bytes are
# mostly noise, it compresses as well as the default strategy at level 6 in a fifth of the time
# (9000x9000 RGB: 0.70 of the raw size either way); on smooth pictures it is within a few % of it.
_PNG_STRATEGY = zlib.Z_RLE


def _strip_rows(row_bytes):
    return max(1, _STRIP_BYTES // (row_bytes + 1))


def _png_chunks(f, keep=(b"IHDR", b"eXIf")):
    """(kind, data) for each chunk of the PNG stream `f` (after the signature), CRCs checked.
    IDAT data comes in pieces of at most _PIECE_BYTES (several per chunk); the data of chunks
    not in `keep` is b"" (read, checked, dropped); the last chunk is IEND."""
    while True:
        head = f.read(8)
        if len(head) < 8:
            raise ImageFileError("truncated PNG file (no IEND chunk)")
        length, kind = struct.unpack(">I4s", head)
        crc, left, parts = zlib.crc32(kind), length, []
        while left:
            piece = f.read(min(left, _PIECE_BYTES))
            if not piece:
                raise ImageFileError("truncated PNG file")
            crc, left = zlib.crc32(piece, crc), left - len(piece)
            if kind == b"IDAT":
                yield kind, piece
            elif kind in keep:
                parts.append(piece)
        stored = f.read(4)
        if len(stored) < 4:
            raise ImageFileError("truncated PNG file")
        if crc != struct.unpack(">I", stored)[0]:
            raise ImageFileError(f"corrupt PNG file (bad CRC in its {kind.decode('latin-1')} "
                                 f"chunk)")
        if kind != b"IDAT":
            yield kind, b"".join(parts)
        if kind == b"IEND":
            return


class _PngRows:
    """Inflates IDAT data and reconstructs the rows into `out` (H, row_bytes) uint8, a strip
    at a time."""

    def __init__(self, out, bpp):
        self.out, self.bpp = out, bpp
        self.row_bytes = out.shape[1]
        self.rows = _strip_rows(self.row_bytes)
        self.strip = np.empty((self.rows, self.row_bytes + 1), np.uint8)
        self.flat = self.strip.reshape(-1)
        self.filled = 0                       # bytes of the strip filled
        self.y = 0                            # rows of `out` done
        self.inflater = zlib.decompressobj()

    def feed(self, data):
        from . import _core
        while data and self.y < len(self.out):
            n = min(self.rows, len(self.out) - self.y)
            room = n * (self.row_bytes + 1) - self.filled
            try:
                got = self.inflater.decompress(data, room)
            except zlib.error as e:
                raise ImageFileError(f"corrupt PNG image data ({e})") from None
            self.flat[self.filled:self.filled + len(got)] = np.frombuffer(got, np.uint8)
            self.filled += len(got)
            data = self.inflater.unconsumed_tail
            if self.filled < n * (self.row_bytes + 1):
                if self.inflater.eof:
                    break
                continue
            y = self.y
            bad = _core.png_unfilter(self.strip[:n], self.out[y:y + n], self.bpp,
                                     self.out[y - 1] if y else None)
            if bad >= 0:
                raise ImageFileError(f"corrupt PNG image data (row filter type "
                                     f"{self.strip[bad, 0]})")
            self.y, self.filled = y + n, 0

    def check_complete(self):
        if self.y < len(self.out):
            raise ImageFileError("truncated PNG image data")


def read_png(path):
    """Decode a PNG of bit depth 8 or 16 without interlacing -> (pixels, alpha flag, raw EXIF
    bytes or None), exactly: uint16 for 16-bit files. Holds the pixels plus one strip."""
    with open(path, "rb") as f:
        if f.read(8) != _PNG_SIGNATURE:
            raise ImageFileError("not a PNG file")
        rows = pixels = exif = None
        for kind, data in _png_chunks(f):
            if kind == b"IHDR" and pixels is None:
                pixels, bpp = _png_allocate(data)
                rows = _PngRows(pixels.view(np.uint8).reshape(len(pixels), -1), bpp)
            elif kind == b"IDAT":
                if rows is None:
                    raise ImageFileError("corrupt PNG file (image data before its header)")
                rows.feed(data)
            elif kind == b"eXIf":
                exif = data
    if rows is None:
        raise ImageFileError("corrupt PNG file (no IHDR chunk)")
    rows.check_complete()
    if not pixels.dtype.isnative:  # big-endian samples as stored: swap in place, no copy
        pixels = pixels.byteswap(inplace=True).view(pixels.dtype.newbyteorder())
    channels = pixels.shape[2]
    return (pixels[..., 0] if channels == 1 else pixels), channels in (2, 4), exif


def _png_allocate(ihdr):
    """The (H, W, C) array a PNG's pixels are decoded into (its samples' own byte order) and
    the bytes per pixel, from the IHDR chunk."""
    if len(ihdr) != 13:
        raise ImageFileError("corrupt PNG file (bad IHDR chunk)")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", ihdr)
    if depth not in (8, 16) or colour not in _PNG_CHANNELS or not width or not height:
        raise ImageFileError(f"PNG bit depth {depth}, colour type {colour}, {width}x{height}: "
                             f"not decoded here")
    if interlace:
        raise ImageFileError("interlaced 16-bit colour PNG: imfilt decodes 16-bit colour PNG "
                             "itself (Pillow truncates it) and does not implement interlacing; "
                             "re-save the file without interlacing")
    channels = _PNG_CHANNELS[colour]
    dtype = np.dtype(">u2") if depth == 16 else np.dtype(np.uint8)
    return np.empty((height, width, channels), dtype), channels * dtype.itemsize


def _png_layout(a, alpha):
    """(bit depth, colour type) of a PNG holding `a`; raises ImageFileError when none can."""
    channels = 1 if a.ndim == 2 else a.shape[2]
    colour = {1: 0, 2: 4, 3: 2, 4: 6}.get(channels)
    if a.ndim not in (2, 3) or colour is None or (channels in (2, 4)) != bool(alpha) \
            or a.dtype not in (np.uint8, np.uint16):
        raise ImageFileError(f"cannot write {a.dtype} with {channels} channels as PNG")
    return a.dtype.itemsize * 8, colour


def _png_chunk(f, kind, body):
    f.write(struct.pack(">I", len(body)) + kind)
    f.write(body)
    f.write(struct.pack(">I", zlib.crc32(body, zlib.crc32(kind))))


def write_png(f, pixels, alpha, options=None, filter_types=None):
    """Write a uint8 or uint16 (H, W[, C]) array, C in 1..4 (2 and 4 need `alpha`), as PNG to
    the binary file `f`, a strip of rows at a time. Each row gets the filter libpng's heuristic
    picks unless `filter_types` (one 0..4 per row) says otherwise; icc_profile and dpi are
    kept."""
    from . import _core
    a = np.asarray(pixels)
    depth, colour = _png_layout(a, alpha)
    h, w = a.shape[:2]
    f.write(_PNG_SIGNATURE)
    _png_chunk(f, b"IHDR", struct.pack(">IIBBBBB", w, h, depth, colour, 0, 0, 0))
    options = options or {}
    if options.get("icc_profile"):
        _png_chunk(f, b"iCCP", b"ICC Profile\0\0" + zlib.compress(options["icc_profile"]))
    if options.get("dpi"):
        ppm = [max(1, round(float(d) / 0.0254)) for d in options["dpi"]]
        _png_chunk(f, b"pHYs", struct.pack(">IIB", ppm[0], ppm[1], 1))
    big_endian = a.dtype.newbyteorder(">")
    samples = 1 if a.ndim == 2 else a.shape[2]
    bpp, row_bytes = samples * a.dtype.itemsize, w * samples * a.dtype.itemsize
    types = None if filter_types is None else np.asarray(filter_types, np.uint8)
    deflater = zlib.compressobj(6, zlib.DEFLATED, 15, 8, _PNG_STRATEGY)
    step, prev = _strip_rows(row_bytes), None
    filtered = np.empty((step, row_bytes + 1), np.uint8)
    for y in range(0, h, step):
        n = min(step, h - y)
        raw = np.ascontiguousarray(a[y:y + n], big_endian).view(np.uint8).reshape(n, row_bytes)
        _core.png_filter(raw, filtered[:n], bpp, prev,
                         None if types is None else types[y:y + n])
        data = deflater.compress(filtered[:n])
        if data:
            _png_chunk(f, b"IDAT", data)
        prev = raw[-1].copy()
    _png_chunk(f, b"IDAT", deflater.flush())
    _png_chunk(f, b"IEND", b"")


def encode_png(pixels, alpha, options=None, filter_types=None):
    """The PNG file write_png writes, as bytes (for tests and small images)."""
    import io
    buffer = io.BytesIO()
    write_png(buffer, pixels, alpha, options, filter_types)
    return buffer.getvalue()


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
    step = _strip_rows(w * 6)
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
        _png_layout(a, alpha)  # refused here, before any file is created
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
