"""The command line, run as users run it (`python -m imfilt ...` in a subprocess) on real image
files written here with Pillow; outputs are compared with OpenCV on the same arrays."""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
import sys
import types

import cv2
import numpy as np
import pytest
import skimage.data
from PIL import Image
from _assert import assert_close, assert_identical

from imfilt import cli
from imfilt.cli import imageio as _imageio
from imfilt.cli.demo import sample_image


def run(*args, cwd=None):
    """`python -m imfilt ARGS` -> CompletedProcess with text stdout/stderr. The default cwd is
    outside the checkout, so `-m imfilt` finds the installed package, not the source folder."""
    return subprocess.run([sys.executable, "-m", "imfilt", *map(str, args)],
                          cwd=cwd or tempfile.gettempdir(),
                          capture_output=True, text=True, timeout=120)


def read(path):
    with Image.open(path) as im:
        return np.asarray(im).copy(), im.mode


def gauss(a, sigma, ksize=(0, 0), border=cv2.BORDER_REFLECT_101):
    """cv2.GaussianBlur with (height, width) sigma/ksize, as the CLI takes them."""
    sy, sx = (sigma, sigma) if np.isscalar(sigma) else sigma
    return cv2.GaussianBlur(a, (ksize[1], ksize[0]), sigmaX=sx, sigmaY=sy, borderType=border)


@pytest.fixture(scope="module")
def photos():
    astronaut = skimage.data.astronaut()                 # (512, 512, 3) uint8
    camera = skimage.data.camera()                       # (512, 512) uint8
    # 16-bit with varying low bytes, so a uint8 round trip could not pass by accident
    camera16 = (camera.astype(np.uint16) * 257) ^ np.uint16(0x5A)
    return {"astronaut": astronaut, "camera": camera, "camera16": camera16}


@pytest.fixture
def files(tmp_path, photos):
    """A folder of real image files: RGB PNG, grayscale PNG, 16-bit PNG."""
    d = tmp_path / "in"
    d.mkdir()
    Image.fromarray(photos["astronaut"]).save(d / "astronaut.png")
    Image.fromarray(photos["camera"]).save(d / "camera.png")
    Image.fromarray(photos["camera16"]).save(d / "camera16.png")  # mode I;16 -> 16-bit PNG
    return d


# ------------------------------------------------------------------------------ single files

def test_single_file_gaussian_rgb_bit_exact(files, tmp_path, photos):
    out = tmp_path / "blurred.png"
    r = run("gaussian", files / "astronaut.png", "-o", out, "--sigma", "2")
    assert r.returncode == 0, r.stderr
    got, mode = read(out)
    assert mode == "RGB"
    assert_identical(got, gauss(photos["astronaut"], 2.0))
    assert "astronaut.png" in r.stderr and r.stdout == ""  # progress on stderr only


def test_uint16_png_stays_16_bit_and_bit_exact(files, tmp_path, photos):
    out = tmp_path / "c16.png"
    r = run("gaussian", files / "camera16.png", "-o", out, "--sigma", "1.5,3",
            "--border", "replicate")
    assert r.returncode == 0, r.stderr
    got, mode = read(out)
    assert mode.startswith("I;16") and got.dtype == np.uint16
    assert_identical(got, gauss(photos["camera16"], (1.5, 3.0), border=cv2.BORDER_REPLICATE))


def test_mean_and_ksize_pairs_are_height_width(files, tmp_path, photos):
    r = run("mean", files / "camera.png", "-o", tmp_path / "m.png", "--size", "3,7")
    assert r.returncode == 0, r.stderr
    assert_identical(read(tmp_path / "m.png")[0],
                     cv2.blur(photos["camera"], (7, 3)))  # cv2 takes (w, h)
    r = run("gaussian", files / "camera.png", "-o", tmp_path / "k.png", "--ksize", "5,9")
    assert r.returncode == 0, r.stderr
    assert_identical(read(tmp_path / "k.png")[0], gauss(photos["camera"], 0.0, ksize=(5, 9)))


def test_alpha_passes_through_and_exif_orientation_applied(tmp_path, photos):
    rgb = photos["astronaut"][:300]                             # not square: rotation shows
    alpha = np.tile(np.arange(512, dtype=np.uint8)[None, :] // 2, (300, 1))
    exif = Image.Exif()
    exif[0x0112] = 6                                            # "rotate 90° clockwise"
    Image.fromarray(np.dstack([rgb, alpha])).save(tmp_path / "rgba.png", exif=exif)
    r = run("mean", tmp_path / "rgba.png", "-o", tmp_path / "out.png", "--size", "5")
    assert r.returncode == 0, r.stderr
    got, mode = read(tmp_path / "out.png")
    assert mode == "RGBA" and got.shape == (512, 300, 4)
    upright = np.ascontiguousarray(np.rot90(rgb, -1))
    assert_identical(got[..., :3], cv2.blur(upright, (5, 5)))
    assert_identical(got[..., 3], np.rot90(alpha, -1))


def test_float32_and_int32_tiffs(tmp_path, photos):
    f32 = photos["camera"].astype(np.float32) / 255
    Image.fromarray(f32).save(tmp_path / "f.tif")                      # mode F
    Image.fromarray(photos["camera16"].astype(np.int32)).save(tmp_path / "i.tif")  # mode I
    r = run("gaussian", tmp_path / "f.tif", tmp_path / "i.tif", "-o", tmp_path / "out",
            "--sigma", "2")
    assert r.returncode == 0, r.stderr
    got, mode = read(tmp_path / "out" / "f.tif")
    assert mode == "F"
    assert_close(got, gauss(f32, 2.0), rtol=1e-7, atol=1e-5)
    got, _ = read(tmp_path / "out" / "i.tif")
    # 32-bit integers that fit are read exactly as uint16 and written back as 16-bit
    assert_identical(got, gauss(photos["camera16"], 2.0))


def test_mode_i_image_converts_exactly_to_uint16(photos):
    # Some Pillow versions read 16-bit PNGs as mode "I" (int32); Pillow cannot write such PNGs
    # any more, so check the conversion itself.
    pixels, alpha = _imageio.pillow_to_array(Image.fromarray(photos["camera16"].astype(np.int32)))
    assert pixels.dtype == np.uint16 and not alpha
    assert_identical(pixels, photos["camera16"])
    with pytest.raises(ValueError, match="uint16"):
        _imageio.pillow_to_array(Image.fromarray(np.array([[-1, 70000]], np.int32)))


# ------------------------------------------------------------------------------ many files

def test_folder_in_folder_out_recursive_with_json(files, tmp_path, photos):
    (files / "sub").mkdir()
    Image.fromarray(photos["camera"][::2, ::2]).save(files / "sub" / "small.png")
    (files / "notes.txt").write_text("not an image, skipped by extension")
    r = run("gaussian", files, "-o", tmp_path / "out", "--sigma", "1", "-r", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["succeeded"] == 4 and doc["failed"] == 0
    by_name = {os.path.basename(f["input"]): f for f in doc["files"]}
    assert set(by_name) == {"astronaut.png", "camera.png", "camera16.png", "small.png"}
    a = by_name["astronaut.png"]
    assert a["status"] == "ok" and a["error"] is None and a["ms"] >= 0
    assert a["shape"] == [512, 512, 3] and a["dtype"] == "uint8"
    assert a["parameters"]["sigma"] == 1.0 and a["parameters"]["border"] == "reflect101"
    assert by_name["camera16.png"]["dtype"] == "uint16"
    assert os.path.samefile(by_name["small.png"]["output"], tmp_path / "out" / "sub" / "small.png")
    assert_identical(read(tmp_path / "out" / "camera.png")[0], gauss(photos["camera"], 1.0))
    assert_identical(read(tmp_path / "out" / "sub" / "small.png")[0],
                     gauss(np.ascontiguousarray(photos["camera"][::2, ::2]), 1.0))


def test_outputs_inside_the_input_folder_are_not_filtered_again(files):
    for _ in range(2):
        r = run("mean", files, "-o", files / "out", "--size", "3", "-r", "--overwrite", "--json")
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["succeeded"] == 3
    assert sorted(os.listdir(files / "out")) == ["astronaut.png", "camera.png", "camera16.png"]


def test_two_inputs_with_one_output_name_is_a_usage_error(files, tmp_path):
    (tmp_path / "other").mkdir()
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "other" / "camera.png")
    r = run("mean", files / "camera.png", tmp_path / "other" / "camera.png", "-o",
            tmp_path / "out", "--size", "3")
    assert r.returncode == 2 and "both" in r.stderr
    assert not (tmp_path / "out").exists()


def test_glob_expanded_by_imfilt_writes_a_folder(files, tmp_path, photos):
    # No shell here, so the patterns reach imfilt unexpanded. The first matches one file, but a
    # pattern always means "folder out"; the second keeps the paths below its fixed part.
    (files / "deep" / "er").mkdir(parents=True)
    Image.fromarray(photos["camera"][:64, :64]).save(files / "deep" / "er" / "c.png")
    r = run("mean", str(files / "astro*.png"), str(files / "**" / "c.png"), "-o",
            tmp_path / "g", "--size", "31")
    assert r.returncode == 0, r.stderr
    assert sorted(os.listdir(tmp_path / "g")) == ["astronaut.png", "deep"]
    assert os.listdir(tmp_path / "g" / "deep" / "er") == ["c.png"]
    assert_identical(read(tmp_path / "g" / "astronaut.png")[0],
                     cv2.blur(photos["astronaut"], (31, 31)))


def test_corrupt_file_fails_but_good_file_is_written(files, tmp_path, photos):
    (files / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n this is not really a PNG")
    r = run("gaussian", files / "broken.png", files / "camera.png", "-o", tmp_path / "out",
            "--sigma", "1", "--json")
    assert r.returncode == 1
    assert "broken.png" in r.stderr
    statuses = {os.path.basename(f["input"]): f["status"] for f in json.loads(r.stdout)["files"]}
    assert statuses == {"broken.png": "error", "camera.png": "ok"}
    assert_identical(read(tmp_path / "out" / "camera.png")[0], gauss(photos["camera"], 1.0))
    assert sorted(os.listdir(tmp_path / "out")) == ["camera.png"]  # no temporaries left


# ------------------------------------------------------------------------------ overwriting

def test_refuses_to_overwrite_unless_asked(files, tmp_path, photos):
    out = tmp_path / "o.png"
    out.write_bytes(b"precious")
    r = run("gaussian", files / "camera.png", "-o", out, "--sigma", "1")
    assert r.returncode != 0 and "--overwrite" in r.stderr
    assert out.read_bytes() == b"precious"
    r = run("gaussian", files / "camera.png", "-o", out, "--sigma", "1", "--overwrite")
    assert r.returncode == 0, r.stderr
    assert_identical(read(out)[0], gauss(photos["camera"], 1.0))
    assert os.listdir(tmp_path).count("o.png") == 1 and len(os.listdir(tmp_path)) == 2


# ------------------------------------------------------------------------------ usage errors

@pytest.mark.parametrize("args, message", [
    (["--sigma", "1", "--border", "sideways"], "border"),
    (["--sigma=-1"], "sigma"),
    (["--sigma", "1,2,3"], "sigma"),
    (["--ksize", "4"], "odd"),
    (["--sigma", "1", "--threads", "0"], "threads"),
    (["--sigma", "1", "-o", "out.unknownext"], "out.unknownext"),
    ([], "gaussian needs a sigma or a ksize: give --sigma S or --ksize K"),  # no 0 given
    (["--sigma", "0"], "sigma and ksize cannot both be 0"),                  # a 0 given
    (["--sigma", "1", "--quality", "90"], "--quality applies to JPEG and WebP"),  # .png out
    (["--sigma", "1", "-o", "out.jpg", "--quality", "0"], "--quality: expected an integer from 1"),
    (["--sigma", "1", "-o", "out.webp", "--quality", "101"], "1 to 100"),
])
def test_bad_options_exit_2_before_reading(files, tmp_path, monkeypatch, capsys, args,
                                           message):
    # In-process: cli.main is what `python -m imfilt` and the console script call (the
    # subprocess tests below check the exit status of a real process).
    monkeypatch.chdir(tmp_path)
    out = ["-o", "out.png"] if "-o" not in args else []
    assert cli.main(["gaussian", str(files / "camera.png"), *out, *args]) == 2
    assert message in capsys.readouterr().err
    assert not any(p.suffix for p in tmp_path.iterdir() if p.is_file())  # nothing written


def test_missing_output_and_unknown_command_exit_2(files):
    r = run("gaussian", files / "camera.png", "--sigma", "1")
    assert r.returncode == 2 and "-o" in r.stderr
    assert run("sharpen", files / "camera.png").returncode == 2
    r = run("gausian", files / "camera.png", "-o", "x.png", "--sigma", "1")
    assert r.returncode == 2 and "unknown command 'gausian' (did you mean 'gaussian'?)" in r.stderr
    assert run().returncode == 2


def test_required_options_show_as_required(capsys):
    # Required options are not in brackets in the usage line, and missing ones are named.
    assert cli.main(["mean", "--help"]) == 0
    usage = capsys.readouterr().out.splitlines()[0]
    assert "--size N" in usage and "[--size N]" not in usage
    assert cli.main(["gaussian", "--help"]) == 0
    assert "(--sigma S | --ksize K | both)" in capsys.readouterr().out.splitlines()[0]
    assert cli.main(["mean", "x.png", "-o", "y.png"]) == 2
    assert "required: --size" in capsys.readouterr().err
    assert cli.main(["lut", "x.png", "-o", "y.png"]) == 2
    assert "required: --table" in capsys.readouterr().err


def test_usage_error_with_json_writes_a_json_document(files, tmp_path):
    r = run("mean", files / "camera.png", "-o", tmp_path / "o.png", "--json")   # no --size
    assert r.returncode == 2 and "--size" in r.stderr
    doc = json.loads(r.stdout)
    assert doc["exit_status"] == 2 and "--size" in doc["error"] and doc["files"] == []
    r = run("run", files / "camera.png", "-o", tmp_path / "o.png", "median:4", "--json")
    assert r.returncode == 2 and "median:4" in json.loads(r.stdout)["error"]
    assert not (tmp_path / "o.png").exists()


def test_closed_stdout_ends_quietly(files, tmp_path):
    # `imfilt ... --json | head -1`: the reader leaves early; no traceback, SIGPIPE's status.
    for args in (["info", "--json"],
                 ["mean", files, "-o", tmp_path / "out", "--size", "3", "--json", "-q"]):
        p = subprocess.Popen([sys.executable, "-m", "imfilt", *map(str, args)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             cwd=tempfile.gettempdir())
        p.stdout.close()
        err = p.stderr.read().decode()
        p.wait(timeout=120)
        p.stderr.close()
        assert p.returncode == 141 and err == "", err
    assert len(os.listdir(tmp_path / "out")) == 3      # the work itself was done


def test_jpeg_and_webp_quality(files, tmp_path, photos):
    # --quality Q writes what Pillow writes with quality=Q (default 95).
    for ext, fmt in ((".jpg", "JPEG"), (".webp", "WEBP")):
        sizes = {}
        for q in (None, 40):
            out = tmp_path / f"q{q}{ext}"
            r = run("mean", files / "astronaut.png", "-o", out, "--size", "3",
                    *(["--quality", q] if q else []))
            assert r.returncode == 0, r.stderr
            ref = tmp_path / f"ref{q}{ext}"
            Image.fromarray(cv2.blur(photos["astronaut"], (3, 3))).save(ref, format=fmt,
                                                                         quality=q or 95)
            assert_identical(read(out)[0], read(ref)[0])
            sizes[q] = out.stat().st_size
        assert sizes[40] < sizes[None]


def test_rerun_without_overwrite_says_the_outputs_exist(files, tmp_path):
    out = tmp_path / "out"
    assert run("mean", files, "-o", out, "--size", "3").returncode == 0
    r = run("mean", files, "-o", out, "--size", "3")
    assert r.returncode == 1
    summary = r.stderr.strip().splitlines()[-1]
    assert summary == ("imfilt mean: 3 of 3 files not written because their outputs exist; "
                       "--overwrite replaces them, --skip-existing leaves them and counts "
                       "them as skipped")
    assert "failed" not in r.stderr
    r = run("mean", files, "-o", out, "--size", "3", "--skip-existing", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["skipped"] == 3


def test_dask_module_names_the_extra_when_dask_is_missing():
    hide = ("import sys, importlib.abc\n"
            "class Hide(importlib.abc.MetaPathFinder):\n"
            "    def find_spec(self, name, path, target=None):\n"
            "        if name.split('.')[0] == 'dask':\n"
            "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
            "sys.meta_path.insert(0, Hide())\n"
            "try:\n"
            "    import imfilt.dask\n"
            "except ImportError as e:\n"
            "    print(type(e).__name__, e.name, type(e.__cause__).__name__, e, sep='|')\n")
    r = subprocess.run([sys.executable, "-c", hide], capture_output=True, text=True,
                       cwd=tempfile.gettempdir(), timeout=120)
    kind, name, cause, message = r.stdout.strip().split("|")
    assert (kind, name, cause) == ("ImportError", "dask", "ModuleNotFoundError"), r.stderr
    assert "pip install 'imfilt[dask]'" in message and "No module named 'dask'" in message


def test_missing_input_exits_1(tmp_path):
    r = run("mean", tmp_path / "nope.png", "-o", tmp_path / "o.png", "--size", "3")
    assert r.returncode == 1 and "nope.png" in r.stderr
    assert not (tmp_path / "o.png").exists()


# ------------------------------------------------------------------------------ info, demo, bench

def test_info_reports_simd_levels():
    r = run("info")
    assert r.returncode == 0, r.stderr
    assert "SIMD" in r.stdout and "baseline" in r.stdout
    assert json.loads(run("info", "--json").stdout)["isa_active"]


def test_demo_writes_pngs_and_contact_sheet(tmp_path):
    r = run("demo", "-o", tmp_path / "demo")
    assert r.returncode == 0, r.stderr
    names = set(os.listdir(tmp_path / "demo"))
    expected = {"sample.png", "contact_sheet.png", "gaussian_sigma1.png", "gaussian_sigma2.png",
                "gaussian_sigma5.png", "mean_5.png", "mean_31.png"}
    assert expected <= names
    assert all(line.count("ms") == 1 for line in r.stdout.splitlines()
               if line.startswith(("gaussian", "mean")))
    sample, _ = read(tmp_path / "demo" / "sample.png")
    assert_identical(read(tmp_path / "demo" / "gaussian_sigma2.png")[0], gauss(sample, 2.0))
    sheet, mode = read(tmp_path / "demo" / "contact_sheet.png")
    assert mode == "RGB" and sheet.shape[0] > 2 * 240 and sheet.shape[1] > 3 * 320
    # A second run must not silently replace the files.
    assert run("demo", "-o", tmp_path / "demo").returncode == 0  # re-run regenerates


def test_bench_forwards_remaining_arguments(monkeypatch):
    seen = []
    fake = types.ModuleType("imfilt.bench")
    fake.main = lambda argv: seen.append(argv) or 3
    monkeypatch.setitem(sys.modules, "imfilt.bench", fake)
    assert cli.main(["bench", "--quick", "--sizes", "64x48", "-x"]) == 3
    assert seen == [["--quick", "--sizes", "64x48", "-x"]]


def test_sample_image_is_generated_and_deterministic():
    a = sample_image(120, 160)
    assert a.shape == (120, 160, 3) and a.dtype == np.uint8
    assert_identical(a, sample_image(120, 160))
    assert a.std() > 20                                   # has content, not a flat field
    assert "generated" in sample_image.__doc__


def test_bench_quick_json_and_plot_through_the_cli(tmp_path):
    r = run("bench", "--quick", "--rounds", "1", "--filter", "gaussian_s1", "--sizes", "64x48",
            "--threads", "1", "--no-others", "--json", tmp_path / "b.json", "--plot",
            tmp_path / "b.png")
    assert r.returncode == 0, r.stdout + r.stderr
    rows = json.loads((tmp_path / "b.json").read_text())["rows"]
    assert rows and all(row["agree"] for row in rows)
    try:
        import matplotlib  # noqa: F401 - the optional extra draws the chart
        assert (tmp_path / "b.png").stat().st_size > 0
    except ImportError:
        assert "matplotlib" in r.stdout + r.stderr
