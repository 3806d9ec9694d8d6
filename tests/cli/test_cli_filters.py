"""The command line of the filters beyond gaussian/mean (median, minimum, maximum, gamma, lut,
filter2d, hog) and of chains: each output file must equal the imfilt function called directly on
the same pixels with the same arguments (the functions' own exactness is tested elsewhere)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import pytest
import skimage.data
from PIL import Image
from _assert import assert_identical

import imfilt
from imfilt import cli


def run(*args, cwd=None):
    """`python -m imfilt ARGS` outside the checkout (so the installed package is imported)."""
    return subprocess.run([sys.executable, "-m", "imfilt", *map(str, args)],
                          cwd=cwd or tempfile.gettempdir(), capture_output=True, text=True,
                          timeout=120)


def read(path):
    with Image.open(path) as im:
        return np.asarray(im).copy()


@pytest.fixture(scope="module")
def images():
    camera = skimage.data.camera()[100:260, 150:330]                 # (160, 180) uint8
    rgb = skimage.data.astronaut()[40:200, 100:290]                  # (160, 190, 3)
    alpha = np.tile(np.arange(rgb.shape[1], dtype=np.uint8)[None] * 3, (rgb.shape[0], 1))
    camera16 = (camera.astype(np.uint16) * 257) ^ np.uint16(0x5A)
    return {"gray.png": camera, "rgb.png": np.ascontiguousarray(rgb),
            "rgba.png": np.dstack([rgb, alpha]), "gray16.png": camera16}


def make_folder(path, images, names):
    path.mkdir()
    for name in names:
        Image.fromarray(images[name]).save(path / name)
    return path


def expected(func, pixels, alpha_passes=True, **kwargs):
    """The function on the colour channels; alpha copied, as the CLI does by default."""
    if alpha_passes and pixels.ndim == 3 and pixels.shape[2] == 4:
        return np.dstack([func(np.ascontiguousarray(pixels[..., :3]), **kwargs),
                          pixels[..., 3]])
    return func(pixels, **kwargs)


ALL = ("gray.png", "rgb.png", "rgba.png", "gray16.png")
EIGHT_BIT = ("gray.png", "rgb.png", "rgba.png")


@pytest.mark.parametrize("name, options, kwargs, inputs", [
    ("median", ["--size", "5"], {"size": 5}, ALL),
    ("median", ["--size", "3", "--border", "reflect"], {"size": 3, "border": "reflect"},
     ("gray.png", "rgba.png")),
    ("minimum", ["--size", "3,5"], {"size": (3, 5)}, ALL),
    ("maximum", ["--size", "5x3", "--border", "constant", "--cval", "7"],
     {"size": (5, 3), "border": "constant", "cval": 7.0}, ALL),
    ("gamma", ["--gamma", "0.45"], {"gamma": 0.45}, ALL),
    ("gamma", ["--gamma", "2.2", "--gain", "0.8"], {"gamma": 2.2, "gain": 0.8}, EIGHT_BIT),
])
def test_filter_subcommands_equal_the_functions(tmp_path, images, name, options, kwargs,
                                                inputs):
    src = make_folder(tmp_path / "in", images, inputs)
    r = run(name, src, "-o", tmp_path / "out", *options, "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["command"] == name and doc["succeeded"] == len(inputs)
    for key, value in kwargs.items():
        assert doc["parameters"][key] == (list(value) if isinstance(value, tuple) else value)
    func = getattr(imfilt, name)
    for f in inputs:
        got = read(tmp_path / "out" / f)
        want = expected(func, images[f], **kwargs)
        assert got.dtype == want.dtype and got.shape == images[f].shape, f
        assert_identical(got, want, context=f)


def test_footprint_kernel_and_table_files(tmp_path, images):
    src = make_folder(tmp_path / "in", images, EIGHT_BIT)
    footprint = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], np.uint8)
    kernel = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0], [0, 0.5, 0]], np.float32)
    table = (255 - np.arange(256)).astype(np.uint8)
    np.save(tmp_path / "fp.npy", footprint)
    np.save(tmp_path / "k.npy", kernel)
    (tmp_path / "table.txt").write_text("\n".join(map(str, table)))  # text files work too
    checks = [
        ("minimum", ["--footprint", tmp_path / "fp.npy"], {"footprint": footprint}),
        ("filter2d", ["--kernel", tmp_path / "k.npy", "--anchor", "1,1", "--delta", "-3",
                      "--border", "replicate"],
         {"kernel": kernel, "anchor": (1, 1), "delta": -3.0, "border": "replicate"}),
        ("lut", ["--table", tmp_path / "table.txt"], {"table": table}),
    ]
    for name, options, kwargs in checks:
        out = tmp_path / f"out_{name}"
        r = run(name, src, "-o", out, *options, "--json")
        assert r.returncode == 0, r.stderr
        shown = json.loads(r.stdout)["parameters"]
        array_key = next(k for k in ("footprint", "kernel", "table") if k in kwargs)
        assert shown[array_key].endswith((".npy", ".txt"))  # the file, not the numbers
        for f in EIGHT_BIT:
            want = expected(getattr(imfilt, name), images[f], **kwargs)
            assert_identical(read(out / f), want, context=f"{name} {f}")


def test_chain_of_new_filters(tmp_path, images):
    src = make_folder(tmp_path / "in", images, ("rgba.png", "gray16.png"))
    r = run("run", src, "-o", tmp_path / "out", "gamma:0.45", "median:5,border=reflect",
            "gaussian:1.5", "maximum", "--json", "--filter-alpha")
    assert r.returncode == 0, r.stderr
    steps = json.loads(r.stdout)["parameters"]
    assert [s["filter"] for s in steps] == ["gamma", "median", "gaussian", "maximum"]
    assert steps[1]["parameters"]["border"] == "reflect" and steps[3]["parameters"]["size"] == 3
    for f in ("rgba.png", "gray16.png"):
        want = imfilt.gamma(images[f], 0.45)
        want = imfilt.median(want, 5, border="reflect")
        want = imfilt.maximum(imfilt.gaussian(want, 1.5))
        assert_identical(read(tmp_path / "out" / f), want, context=f)


def test_hog_descriptors_and_picture(tmp_path, images):
    src = make_folder(tmp_path / "in", images, ("gray.png", "rgb.png"))
    geometry = {"win_size": (64, 48), "block_size": (16, 16), "block_stride": (8, 8),
                "cell_size": (8, 8), "nbins": 9, "win_stride": (16, 24), "signed": True}
    r = run("hog", src, "-o", tmp_path / "desc", "--visualize", tmp_path / "pics",
            "--style", "skimage", "--win-size", "64,48", "--win-stride", "16x24", "--signed",
            "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["succeeded"] == 2 and doc["parameters"]["win_size"] == [64, 48]
    assert doc["parameters"]["signed"] is True and doc["parameters"]["nbins"] == 9
    for f in ("gray.png", "rgb.png"):
        stem = f[:-4]
        got = np.load(tmp_path / "desc" / f"{stem}.npy")
        want = imfilt.hog(images[f], **geometry)
        assert got.dtype == np.float32 and got.shape == want.shape
        assert_identical(got, want)
        _, picture = imfilt.hog_skimage(images[f], orientations=9, pixels_per_cell=(8, 8),
                                        cells_per_block=(2, 2), visualize=True,
                                        channel_axis=-1 if images[f].ndim == 3 else None)
        picture = np.clip(np.rint(picture * (255.0 / picture.max())), 0, 255).astype(np.uint8)
        assert_identical(read(tmp_path / "pics" / f"{stem}.png"), picture)
    # one input: -o names the .npy file itself; the default picture is OpenCV-style glyphs
    r = run("hog", src / "rgb.png", "-o", tmp_path / "one.npy", "--win-size", "64,48",
            "--visualize", tmp_path / "glyphs.png")
    assert r.returncode == 0, r.stderr
    want, glyphs = imfilt.hog(images["rgb.png"], win_size=(64, 48), visualize=True)
    assert_identical(np.load(tmp_path / "one.npy"), want)
    assert_identical(read(tmp_path / "glyphs.png"), glyphs)


@pytest.mark.parametrize("args, message", [
    (["median", "--size", "4"], "size"),                       # even size: the library says
    (["gamma", "--gamma", "-1"], "gamma"),
    (["filter2d", "--kernel", "missing.npy"], "missing.npy"),
    (["lut"], "--table"),                                      # required option
    (["hog", "-o", "desc.png"], ".npy"),
    (["run", "median:5", "gamma:x"], "gamma"),
])
def test_bad_parameters_exit_2_before_anything_is_written(tmp_path, images, monkeypatch,
                                                         capsys, args, message):
    # In-process (cli.main is what `python -m imfilt` runs), to keep the suite fast.
    Image.fromarray(images["gray.png"]).save(tmp_path / "gray.png")
    monkeypatch.chdir(tmp_path)
    command, options = args[0], args[1:]
    out = [] if "-o" in options else ["-o", "out.png"]
    assert cli.main([command, "gray.png", *out, *options]) == 2
    assert message in capsys.readouterr().err
    assert sorted(os.listdir(tmp_path)) == ["gray.png"]


def test_a_missing_filter_is_a_clear_usage_error(monkeypatch, capsys):
    # A build of imfilt without one of the filters still runs the others.
    monkeypatch.delattr(imfilt, "median")
    assert cli.main(["median", "x.png", "-o", "y.png", "--size", "3"]) == 2
    assert "this build of imfilt" in capsys.readouterr().err
    assert cli.main(["run", "x.png", "-o", "y.png", "gaussian:1", "median:3"]) == 2
    assert "has no median" in capsys.readouterr().err
