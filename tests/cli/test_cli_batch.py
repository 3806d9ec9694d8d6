"""Batches through `python -m imfilt`: a folder of 50 images with --jobs 2, failures inside a
batch, overwriting rules, progress on a terminal, chains, and usage errors of `run`."""
from __future__ import annotations

import json
import os
import pty
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
from imfilt.cli.plan import cpu_count


def run(*args, cwd=None, stderr_tty=False):
    """`python -m imfilt ARGS` outside the checkout (so the installed package is imported);
    with `stderr_tty`, stderr is a pseudo-terminal, as in an interactive shell."""
    cmd = [sys.executable, "-m", "imfilt", *map(str, args)]
    cwd = cwd or tempfile.gettempdir()
    if not stderr_tty:
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)
    leader, follower = pty.openpty()
    try:
        p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=follower)
        os.close(follower)
        chunks = []
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        stdout = p.stdout.read().decode()
        p.wait(timeout=120)
    finally:
        os.close(leader)
    return subprocess.CompletedProcess(cmd, p.returncode, stdout,
                                       b"".join(chunks).decode(errors="replace"))


def read(path):
    with Image.open(path) as im:
        return np.asarray(im).copy()


@pytest.fixture(scope="module")
def fifty(tmp_path_factory):
    """50 small crops of real photographs in nested folders: gray, RGB, RGBA, 16-bit gray."""
    root = tmp_path_factory.mktemp("fifty") / "photos"
    photos = [skimage.data.astronaut(), skimage.data.coffee(), skimage.data.chelsea()]
    camera = skimage.data.camera()
    rng = np.random.default_rng(3)
    made = {}
    for i in range(50):
        h, w = rng.integers(24, 80, 2)
        y, x = rng.integers(0, 200, 2)
        kind = i % 4
        if kind == 0:
            a = camera[y:y + h, x:x + w]
        elif kind == 1:
            a = photos[i % 3][y:y + h, x:x + w]
        elif kind == 2:
            rgb = photos[i % 3][y:y + h, x:x + w]
            a = np.dstack([rgb, rng.integers(0, 256, (h, w), dtype=np.uint8)])
        else:
            a = camera[y:y + h, x:x + w].astype(np.uint16) * 251 + 3
        rel = os.path.join(f"set{i % 3}", f"img{i:02d}.png") if i % 5 else f"img{i:02d}.png"
        os.makedirs(root / os.path.dirname(rel), exist_ok=True)
        a = np.ascontiguousarray(a)
        Image.fromarray(a).save(root / rel)
        made[rel] = a
    return root, made


def expected_mean(a, size):
    if a.ndim == 3 and a.shape[2] == 4:                     # alpha passes through
        return np.dstack([imfilt.mean(np.ascontiguousarray(a[..., :3]), size), a[..., 3]])
    return imfilt.mean(a, size)


def test_fifty_images_two_jobs_with_a_corrupt_and_a_missing_file(fifty, tmp_path):
    root, made = fifty
    (tmp_path / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(200)))
    out = tmp_path / "out"
    r = run("mean", root, tmp_path / "corrupt.png", tmp_path / "missing.png", "-o", out,
            "--size", "3,5", "-r", "--jobs", "2", "--json")
    assert r.returncode == 1
    doc = json.loads(r.stdout)
    assert (doc["succeeded"], doc["failed"], doc["jobs"]) == (50, 2, 2)
    assert doc["threads"] == max(1, cpu_count() // 2)    # cores shared by the 2 jobs
    by_input = {f["input"]: f for f in doc["files"]}
    assert by_input[str(tmp_path / "corrupt.png")]["status"] == "error"
    assert "no such file" in by_input[str(tmp_path / "missing.png")]["error"]
    for name in ("corrupt.png", "missing.png"):
        assert name in r.stderr.splitlines()[-1]             # the summary names the failures
    for rel, a in made.items():
        report = by_input[str(root / rel)]
        assert report["status"] == "ok" and report["shape"] == list(a.shape)
        assert report["dtype"] == str(a.dtype) and report["ms"] >= 0
        assert report["parameters"]["size"] == [3, 5]
        assert_identical(read(out / rel), expected_mean(a, (3, 5)), context=rel)
    written = [os.path.relpath(os.path.join(d, f), out) for d, _, fs in os.walk(out) for f in fs]
    assert sorted(written) == sorted(made)                   # no temporaries, no partial files

    # Again without --overwrite: every file refused, nothing touched. On a terminal the
    # progress is one counter line; --skip-existing makes the re-run a success.
    before = {rel: os.stat(out / rel).st_mtime_ns for rel in made}
    r = run("mean", root, "-o", out, "--size", "3", "-r", "-j", "2", stderr_tty=True)
    assert r.returncode == 1 and "--overwrite" in r.stderr
    try:
        import tqdm  # noqa: F401 - optional: the bar is tqdm's when it is installed
        assert "50/50" in r.stderr
    except ImportError:
        assert "\rimfilt mean: 50/50 files, 50 failed" in r.stderr
    r = run("mean", root, "-o", out, "--size", "3", "-r", "-j", "2", "--skip-existing",
            "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["skipped"] == 50
    assert before == {rel: os.stat(out / rel).st_mtime_ns for rel in made}


def test_failed_overwrite_keeps_the_old_output(tmp_path):
    (tmp_path / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    (tmp_path / "out.png").write_bytes(b"previous result")
    r = run("gaussian", "corrupt.png", "-o", "out.png", "--sigma", "1", "--overwrite",
            cwd=tmp_path)
    assert r.returncode == 1 and "corrupt.png" in r.stderr
    assert (tmp_path / "out.png").read_bytes() == b"previous result"
    assert sorted(os.listdir(tmp_path)) == ["corrupt.png", "out.png"]


def test_run_chain_with_pairs_borders_and_filter_alpha(tmp_path):
    rgba = np.dstack([skimage.data.coffee()[:90, :130],
                      np.full((90, 130), 200, np.uint8)])
    Image.fromarray(rgba).save(tmp_path / "c.png")
    r = run("run", "c.png", "gaussian:sigma=1,2,border=wrap", "mean:3x5", "-o", "c_out.png",
            "--filter-alpha", "--threads", "1", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    steps = json.loads(r.stdout)["parameters"]
    assert steps[0] == {"filter": "gaussian", "parameters": {
        "sigma": [1.0, 2.0], "ksize": None, "border": "wrap", "cval": 0.0}}
    assert steps[1]["parameters"]["size"] == [3, 5]
    want = imfilt.mean(imfilt.gaussian(rgba, (1.0, 2.0), border="wrap"), (3, 5))
    assert_identical(read(tmp_path / "c_out.png"), want)   # alpha filtered too


@pytest.mark.parametrize("items, message", [
    (["c.png"], "no steps"),
    (["gaussian:1"], "no inputs"),
    (["c.png", "gaussian:1", "c.png"], "step 'c.png': inputs go before the steps"),
    (["c.png", "gausian:2"], "step 'gausian:2': unknown filter 'gausian' (did you mean "
                             "'gaussian'?)"),
    (["c.png", "medain"], "unknown filter 'medain' (did you mean 'median'?)"),
    (["c.png", "hog"], "step 'hog': hog is not a chain step"),
    (["c.png", "median:4"], "step 'median:4': size must be odd, got 4"),
    (["c.png", "gamma:2", "median:3,border=sideways"], "step 'median:3,border=sideways': "),
    (["c.png", "mean"], "step 'mean': mean needs a size: give mean:SIZE"),
    (["c.png", "gaussian:border=wrap"], "gaussian needs a sigma or a ksize: give gaussian:SIGMA "
                                        "or gaussian:ksize=K"),
    (["c.png", "lut"], "lut:TABLE"),
    (["c.png", "gaussian:radius=3"], "no parameter 'radius'"),
    (["c.png", "mean:size=3,size=5"], "given twice"),
    (["c.png", "gaussian:1", "--jobs", "0"], "--jobs"),
    (["c.png", "mean:0"], "size"),
    (["c.png", "c.png", "mean:3", "-o", "out.png"], "names a file"),   # a folder is needed
])
def test_run_usage_errors(tmp_path, capsys, monkeypatch, items, message):
    # In-process (cli.main is what the console script calls): usage errors exit 2 before any
    # file is read; the first case also goes through a real subprocess below.
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "c.png")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", *items] + ([] if "-o" in items else ["-o", "out"])) == 2
    err = capsys.readouterr().err
    assert message in err
    if message.startswith("step"):
        assert "--" not in err   # chain errors in chain syntax, not option names
    assert sorted(os.listdir(tmp_path)) == ["c.png"]


def test_help_lists_every_command_and_step_syntax():
    r = run("--help")
    assert r.returncode == 0
    listing = r.stdout.split("COMMAND\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert [line.split()[0] for line in listing] == [
        "gaussian", "mean", "median", "minimum", "maximum", "gamma", "lut", "filter2d", "hog",
        "run", "info", "demo", "bench"]                   # one line each
    r = run("run", "--help")
    assert r.returncode == 0 and "NAME:KEY=V,KEY=V" in r.stdout
    r = run("run", "x.png", "-o", "y.png")
    assert r.returncode == 2 and "no steps" in r.stderr


def test_progress_uses_tqdm_when_installed(tmp_path, monkeypatch, capsys):
    # In-process, with a stand-in tqdm and a terminal-like stderr: the bar gets one update per
    # file and error lines go through tqdm.write, so they do not break the bar.
    import io
    import types

    calls = []

    class FakeBar:
        def __init__(self, **kw):
            calls.append(("open", kw["total"]))

        def update(self, n):
            calls.append(("update", n))

        def set_postfix(self, **kw):
            calls.append(("postfix", kw))

        def write(self, text, file=None):
            calls.append(("write", text))

        def close(self):
            calls.append(("close",))

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setitem(sys.modules, "tqdm", types.SimpleNamespace(tqdm=FakeBar))
    monkeypatch.setattr(sys, "stderr", Terminal())
    for i in range(3):
        Image.fromarray(np.full((8, 8), i, np.uint8)).save(tmp_path / f"{i}.png")
    (tmp_path / "3.png").write_bytes(b"broken")
    assert cli.main(["mean", str(tmp_path), "-o", str(tmp_path / "out"), "--size", "3"]) == 1
    assert calls[0] == ("open", 4) and calls[-1] == ("close",)
    assert [c for c in calls if c[0] == "update"] == [("update", 1)] * 4
    assert any(c[0] == "write" and "3.png" in c[1] for c in calls)
    assert ("postfix", {"failed": 1}) in calls
