"""The exact PNG codec: 8- and 16-bit PNG read and written a strip of rows at a time.

Pillow truncates 16-bit colour PNG to 8 bits and cannot write it, so imfilt runs zlib itself,
with the row filters in C (src/png/png.c). Beyond the pixels themselves, reading and writing hold
one strip (about _STRIP_BYTES) and one IDAT piece, never a copy of the image.
"""
from __future__ import annotations

import struct
import zlib

import numpy as np


class ImageFileError(ValueError):
    """A file that cannot be read or written exactly; the message says why and what to do."""


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}   # colour type -> samples per pixel
_STRIP_BYTES = 1 << 20                     # rows filtered / unfiltered at a time
_PIECE_BYTES = 1 << 20                     # file bytes read at a time
# zlib's run-length strategy (as OpenCV's PNG writer): on 16-bit photos, whose low bytes are
# mostly noise, it compresses as well as the default strategy at level 6 in a fifth of the time
# (9000x9000 RGB: 0.70 of the raw size either way); on smooth pictures it is within a few % of it.
_PNG_STRATEGY = zlib.Z_RLE


def strip_rows(row_bytes):
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
        self.rows = strip_rows(self.row_bytes)
        self.strip = np.empty((self.rows, self.row_bytes + 1), np.uint8)
        self.flat = self.strip.reshape(-1)
        self.filled = 0                       # bytes of the strip filled
        self.y = 0                            # rows of `out` done
        self.inflater = zlib.decompressobj()

    def feed(self, data):
        from .. import _core
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


def png_layout(a, alpha):
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
    from .. import _core
    a = np.asarray(pixels)
    depth, colour = png_layout(a, alpha)
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
    step, prev = strip_rows(row_bytes), None
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
