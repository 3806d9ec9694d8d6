"""Image files as the command line reads and writes them: 16-bit colour exactly (Pillow
truncates it, imfilt decodes it itself), EXIF orientation, the decompression-bomb guard, and no
partial file after a failure. Codec tests run in-process; the rest through `python -m imfilt`."""
from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import tempfile
import zlib

import cv2
import numpy as np
import pytest
import skimage.data
from PIL import Image, ImageOps
from _assert import assert_identical

import imfilt
from imfilt.cli import imageio as io, png


def run(*args, cwd=None):
    """`python -m imfilt ARGS` outside the checkout (so the installed package is imported)."""
    return subprocess.run([sys.executable, "-m", "imfilt", *map(str, args)],
                          cwd=cwd or tempfile.gettempdir(), capture_output=True, text=True,
                          timeout=120)


def cv2_rgb(a):
    """RGB(A) <-> OpenCV's BGR(A)."""
    return np.ascontiguousarray(a[..., [2, 1, 0, 3][:a.shape[2]]])


def imread16(path):
    return cv2_rgb(cv2.imread(str(path), cv2.IMREAD_UNCHANGED))


def with_exif_orientation(png_bytes, orientation):
    """The PNG with an eXIf chunk (little-endian TIFF header, one Orientation entry) before its
    first IDAT; Pillow reads it, as do browsers."""
    tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 1) + \
        struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack("<I", 0)
    chunk = struct.pack(">I", len(tiff)) + b"eXIf" + tiff + struct.pack(
        ">I", zlib.crc32(b"eXIf" + tiff))
    at = png_bytes.index(b"IDAT") - 4
    return png_bytes[:at] + chunk + png_bytes[at:]


@pytest.fixture(scope="module")
def rgb16():
    """16-bit colour with different high and low bytes everywhere, so any 8-bit round trip
    fails: the astronaut scaled to 16 bits plus a deterministic low-byte pattern."""
    a = skimage.data.astronaut()[:120, :170].astype(np.uint16) * 257
    rng = np.random.default_rng(7)
    return a ^ rng.integers(0, 256, a.shape, dtype=np.uint16)


# ------------------------------------------------------------------------------ codec, in-process

@pytest.mark.parametrize("strip_bytes", [4 << 20, 100])   # one strip; a few rows per strip
@pytest.mark.parametrize("shape", [(37, 53, 3), (20, 11, 4), (9, 13, 2), (1, 1, 3), (6, 1, 4),
                                   (1, 9, 3), (14, 17)])
def test_png_codec_round_trip_every_row_filter(shape, strip_bytes, monkeypatch):
    monkeypatch.setattr(png, "_STRIP_BYTES", strip_bytes)
    rng = np.random.default_rng(sum(shape))
    a = rng.integers(0, 65536, shape, dtype=np.uint16)
    a[: shape[0] // 2] = (np.arange(shape[1]) * 300).reshape((1, -1) + (1,) * (len(shape) - 2))
    alpha = len(shape) == 3 and shape[2] in (2, 4)
    for types in (None, rng.integers(0, 5, shape[0]), np.full(shape[0], 3),
                  np.full(shape[0], 4)):
        data = png.encode_png(a, alpha, filter_types=types)
        path = os.path.join(tempfile.mkdtemp(), "x.png")
        with open(path, "wb") as f:
            f.write(data)
        got, got_alpha, _ = png.read_png(path)
        assert got.dtype == np.uint16 and got_alpha == alpha
        assert_identical(got, a)
        if len(shape) == 2 or shape[2] != 2:        # OpenCV has no gray+alpha
            ref = cv2.imread(path, cv2.IMREAD_UNCHANGED)
            assert_identical(ref if len(shape) == 2 else cv2_rgb(ref), a)


@pytest.mark.parametrize("strip_bytes", [4 << 20, 1000])
def test_png_reader_decodes_files_written_by_opencv(tmp_path, rgb16, strip_bytes, monkeypatch):
    monkeypatch.setattr(png, "_STRIP_BYTES", strip_bytes)  # rows above come from another strip
    for a in (rgb16, np.dstack([rgb16, rgb16[..., 1] ^ 0x1234])):
        cv2.imwrite(str(tmp_path / "cv.png"), cv2_rgb(a))  # libpng's adaptive row filters
        pic = io.read_image(str(tmp_path / "cv.png"))
        assert pic.alpha == (a.shape[2] == 4) and pic.format == "PNG"
        assert_identical(pic.pixels, a)
        assert not np.array_equal(np.asarray(Image.open(tmp_path / "cv.png")),
                                  a.astype(np.uint8))  # what Pillow alone would give


def test_png_reader_rejects_damage(tmp_path, rgb16):
    good = png.encode_png(rgb16, False)
    bad_data = bytearray(good)
    bad_data[good.index(b"IDAT") + 10] ^= 0xFF       # zlib may notice first, or the CRC
    bad_crc = bytearray(good)
    idat = good.index(b"IDAT")
    bad_crc[idat + 4 + struct.unpack(">I", good[idat - 4:idat])[0]] ^= 0xFF   # the CRC itself
    ihdr = bytearray(good[12:29])
    ihdr[-1] = 1                                              # Adam7 interlacing
    interlaced = good[:12] + bytes(ihdr) + struct.pack(">I", zlib.crc32(ihdr)) + good[33:]
    cases = {"data.png": (bytes(bad_data), "CRC|corrupt PNG image data"),
             "crc.png": (bytes(bad_crc), "CRC"), "short.png": (good[:len(good) // 2], "truncated"),
             "interlaced.png": (interlaced, "interlac")}
    for name, (data, message) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises((io.ImageFileError, OSError), match=message):
            io.read_image(str(tmp_path / name))


def test_orientation_matches_pillow():
    a = np.arange(3 * 5 * 3, dtype=np.uint8).reshape(3, 5, 3)
    for orientation in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        im = Image.fromarray(a)
        im.info["exif"] = exif.tobytes()
        im.getexif()[0x0112] = orientation
        want = np.asarray(ImageOps.exif_transpose(im))
        assert_identical(io.orient(a, orientation), want, context=orientation)


def test_write_atomic_leaves_nothing_after_a_failure(tmp_path):
    def failing(f):
        f.write(b"half an image")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        io.write_atomic(str(tmp_path / "new.png"), failing, overwrite=False)
    (tmp_path / "old.png").write_bytes(b"precious")
    with pytest.raises(OSError, match="disk full"):
        io.write_atomic(str(tmp_path / "old.png"), failing, overwrite=True)
    assert os.listdir(tmp_path) == ["old.png"]
    assert (tmp_path / "old.png").read_bytes() == b"precious"


def test_16_bit_colour_is_never_written_truncated(rgb16):
    for ext in (".tif", ".jpg", ".bmp", ".webp"):
        with pytest.raises(io.ImageFileError, match="16-bit colour"):
            io.encode("x" + ext, rgb16, False, {})
    with pytest.raises(io.ImageFileError, match="float32"):
        io.encode("x.png", np.zeros((4, 4), np.float32), False, {})


# ------------------------------------------------------------------------------ through the CLI

def test_16_bit_gray_rgb_rgba_ppm_and_exif_png_stay_exact(tmp_path, rgb16):
    src = tmp_path / "in"
    src.mkdir()
    gray16 = rgb16[..., 1]
    rgba16 = np.dstack([rgb16, rgb16[..., 0] ^ 0x0F0F])
    Image.fromarray(gray16).save(src / "gray16.png")                 # Pillow: mode I;16
    cv2.imwrite(str(src / "rgb16.png"), cv2_rgb(rgb16))              # as a camera tool would
    cv2.imwrite(str(src / "rgba16.png"), cv2_rgb(rgba16))
    cv2.imwrite(str(src / "rgb16.ppm"), cv2_rgb(rgb16))              # P6, maxval 65535
    (src / "rot16.png").write_bytes(with_exif_orientation(png.encode_png(rgb16, False), 6))
    cv2.imwrite(str(src / "rgb16.tif"), cv2_rgb(rgb16))              # refused: cannot be exact
    r = run("gaussian", src, "-o", tmp_path / "out", "--sigma", "1.5", "--json")
    assert r.returncode == 1, r.stderr
    files = {os.path.basename(f["input"]): f for f in json.loads(r.stdout)["files"]}
    assert files["rgb16.tif"]["status"] == "error" and "16" in files["rgb16.tif"]["error"]
    assert "rgb16.tif" in r.stderr
    assert not (tmp_path / "out" / "rgb16.tif").exists()
    assert {n: f["dtype"] for n, f in files.items() if f["status"] == "ok"} == dict.fromkeys(
        ["gray16.png", "rgb16.png", "rgba16.png", "rgb16.ppm", "rot16.png"], "uint16")
    out = tmp_path / "out"
    g = lambda a: imfilt.gaussian(a, 1.5)  # noqa: E731
    assert_identical(np.asarray(Image.open(out / "gray16.png")), g(gray16))
    assert_identical(imread16(out / "rgb16.png"), g(rgb16))
    got = imread16(out / "rgba16.png")
    assert_identical(got[..., :3], g(rgb16))
    assert_identical(got[..., 3], rgba16[..., 3])      # alpha unfiltered
    assert_identical(imread16(out / "rgb16.ppm"), g(rgb16))
    upright = np.ascontiguousarray(np.rot90(rgb16, -1))
    assert files["rot16.png"]["shape"] == [170, 120, 3]
    assert_identical(imread16(out / "rot16.png"), g(upright))
    # 16-bit colour into a format that cannot hold it: refused, nothing written
    r = run("mean", src / "rgb16.png", "-o", tmp_path / "x.tif", "--size", "3")
    assert r.returncode == 1 and "16-bit colour" in r.stderr
    assert not (tmp_path / "x.tif").exists()


def test_exif_rotated_jpeg(tmp_path):
    photo = skimage.data.chelsea()[:200, :300]                        # not square
    exif = Image.Exif()
    exif[0x0112] = 8                                                  # rotate 90° counter-cw
    Image.fromarray(photo).save(tmp_path / "cat.jpg", exif=exif, quality=98)
    with Image.open(tmp_path / "cat.jpg") as im:
        decoded = np.asarray(im).copy()                               # Pillow's decoding
    upright = np.ascontiguousarray(np.rot90(decoded, 1))
    r = run("mean", tmp_path / "cat.jpg", "-o", tmp_path / "cat.png", "--size", "5", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["files"][0]["shape"] == [300, 200, 3]
    assert_identical(np.asarray(Image.open(tmp_path / "cat.png")), imfilt.mean(upright, 5))
    r = run("mean", tmp_path / "cat.jpg", "-o", tmp_path / "raw.png", "--size", "5",
            "--no-exif-transpose")
    assert r.returncode == 0, r.stderr
    assert_identical(np.asarray(Image.open(tmp_path / "raw.png")), imfilt.mean(decoded, 5))


def test_max_pixels_guard_and_non_images(tmp_path):
    Image.fromarray(np.zeros((40, 50), np.uint8)).save(tmp_path / "small.png")   # 2000 px
    Image.fromarray(np.zeros((100, 100), np.uint8)).save(tmp_path / "big.png")   # 10000 px
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "fake.eps").write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 1 1\n")
    r = run("mean", "small.png", "big.png", "notes.txt", "fake.eps", "-o", "out", "--size", "3",
            "--max-pixels", "5000", "--json", cwd=tmp_path)
    assert r.returncode == 1
    status = {f["input"]: f for f in json.loads(r.stdout)["files"]}
    assert status["small.png"]["status"] == "ok"
    assert "--max-pixels" in status["big.png"]["error"]
    assert "(10,000 pixels) exceeds the limit of 5,000 pixels" in status["big.png"]["error"]
    assert "not an image" in status["notes.txt"]["error"]
    assert "not an image" in status["fake.eps"]["error"]              # no Ghostscript call
    assert sorted(os.listdir(tmp_path / "out")) == ["small.png"]
    r = run("mean", "big.png", "-o", "big_out.png", "--size", "3", "--max-pixels", "0",
            cwd=tmp_path)
    assert r.returncode == 0, r.stderr


def test_max_pixels_default_is_the_number_the_help_shows(tmp_path):
    # A header claiming 10000 x 10000 (10^8 pixels, over Pillow's 89,478,485 but under twice
    # it) is refused from the header alone, naming the limit as --help shows it.
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", 10000, 10000, 8, 0, 0, 0, 0)
    (tmp_path / "huge.png").write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) +
                                        chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))
    limit = f"{Image.MAX_IMAGE_PIXELS:,}"
    assert limit == "89,478,485"
    assert f"default {limit}" in " ".join(run("mean", "--help").stdout.split())
    r = run("mean", "huge.png", "-o", "o.png", "--size", "3", cwd=tmp_path)
    assert r.returncode == 1
    assert f"10000x10000 image (100,000,000 pixels) exceeds the limit of {limit} pixels" \
        in r.stderr


_MEMORY_PROBE = """
import sys
import numpy as np
from imfilt import cli
from imfilt.cli import png

def status(field):  # bytes, from /proc/self/status (Linux)
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(field + ":"))

def peak():  # VmHWM, not ru_maxrss: a child's ru_maxrss starts at its parent's RSS (fork)
    return status("VmHWM")

def reset():  # resident now, after resetting the high-water mark to it (Linux >= 4.0):
    with open("/proc/self/clear_refs", "w") as f:   # imports and np.load peaked higher before
        f.write("5")
    return status("VmRSS")

step, folder = sys.argv[1:]
if step == "make":   # smooth picture + noise in the low bits, 3000 x 2000 RGB uint16
    import cv2
    h, w = 3000, 2000
    rng = np.random.default_rng(3)
    y, x, c = np.ogrid[:h, :w, :3]
    a = (x * 30 + y * 7 + c * 900 + rng.integers(0, 300, (h, w, 3))).astype(np.uint16)
    np.save(folder + "/a.npy", a)
    cv2.imwrite(folder + "/cv.png", a[..., ::-1])      # libpng: adaptive filters, small IDATs
    cv2.imwrite(folder + "/rgb8.png", (a >> 8).astype(np.uint8))   # 8 bits: Pillow's path
    cv2.imwrite(folder + "/tiny.png", a[:16, :16, ::-1])     # the CLI's fixed cost, 16-bit
    cv2.imwrite(folder + "/tiny8.png", (a[:16, :16] >> 8).astype(np.uint8))
elif step == "write":
    a = np.load(folder + "/a.npy")
    base = reset()
    with open(folder + "/ours.png", "wb") as f:
        png.write_png(f, a, False)
    print(peak() - base)
elif step == "read":
    base = reset()
    pixels, _, _ = png.read_png(folder + "/cv.png")
    print(peak() - base)
elif step in ("cli", "cli8", "tiny", "tiny8"):   # read, a chain of two filters, write
    name = {"cli": "cv", "cli8": "rgb8"}.get(step, step)
    base = reset()
    assert cli.main(["run", folder + f"/{name}.png", "-o", folder + f"/{name}_out.png",
                     "mean:3", "gaussian:1", "-q"]) == 0
    print(peak() - base)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc/self/clear_refs")
def test_16_bit_colour_png_memory_is_bounded(tmp_path):
    # 3000 x 2000 RGB uint16 (34 MiB), each step in a fresh process: writing holds a strip, not
    # a copy of the image; reading holds the result plus a strip; the CLI (read, filter, write)
    # at most three times the image (beyond what the same run costs on a 16x16 image: imports,
    # thread stacks). The files decode identically with OpenCV and Pillow.
    def probe(step):
        r = subprocess.run([sys.executable, "-c", _MEMORY_PROBE, step, str(tmp_path)],
                           capture_output=True, text=True, timeout=300,
                           cwd=tempfile.gettempdir())
        assert r.returncode == 0, r.stderr
        return int(r.stdout or 0)

    probe("make")
    a = np.load(tmp_path / "a.npy")
    assert probe("write") < 0.25 * a.nbytes
    assert probe("read") < 1.25 * a.nbytes
    assert probe("cli") - probe("tiny") < 3 * a.nbytes
    assert probe("cli8") - probe("tiny8") < 3 * a.nbytes // 2     # the 8-bit image's size
    mine, alpha, _ = png.read_png(str(tmp_path / "ours.png"))
    assert not alpha
    assert_identical(mine, a)
    assert_identical(png.read_png(str(tmp_path / "cv.png"))[0], a)
    assert_identical(imread16(tmp_path / "ours.png"), a)
    assert_identical(np.asarray(Image.open(tmp_path / "ours.png")),
                     (a >> 8).astype(np.uint8))     # Pillow: the high bytes
    assert_identical(png.read_png(str(tmp_path / "cv_out.png"))[0],
                     imfilt.gaussian(imfilt.mean(a, 3), 1.0))
    rgb8 = np.asarray(Image.open(tmp_path / "rgb8.png"))
    assert_identical(np.asarray(Image.open(tmp_path / "rgb8_out.png")),
                     imfilt.gaussian(imfilt.mean(rgb8, 3), 1.0))
