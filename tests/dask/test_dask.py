"""imfilt.dask: every filter on dask arrays equals the in-memory function bit for bit, for every
border and chunking; the graph is picklable and runs on a distributed cluster; a 20000 x 20000
image streams through with bounded memory (slow)."""
from __future__ import annotations

import os
import pickle
import time

import dask
import dask.array as da
import numpy as np
import pytest

import imfilt
import imfilt.dask as idk
from _assert import assert_identical

BORDERS = ("reflect101", "reflect", "replicate", "constant", "wrap")

# (filter, keyword arguments) -- each a different halo shape: symmetric, asymmetric (even sizes,
# off-centre anchors), wider than tall, rank-1 and general kernels, pointwise
_RNG = np.random.default_rng(8)
KERNEL_3x5 = _RNG.normal(size=(3, 5))
KERNEL_4x4 = _RNG.uniform(-0.2, 0.4, size=(4, 4))
SOBEL = np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]])
CROSS_4x3 = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 1], [0, 1, 0]], bool)
CASES = [
    ("gaussian", dict(sigma=1.5)),
    ("gaussian", dict(sigma=(0.8, 2.0), ksize=(3, 9))),
    ("mean", dict(size=(4, 7))),
    ("mean", dict(size=(1, 2))),
    ("mean", dict(size=5, normalize=False)),
    ("median", dict(size=5)),
    ("median", dict(size=(3, 7))),
    ("minimum", dict(size=(4, 5))),
    ("maximum", dict(size=3)),
    ("minimum", dict(footprint=CROSS_4x3)),
    ("maximum", dict(footprint=CROSS_4x3.T)),
    ("filter2d", dict(kernel=KERNEL_3x5, anchor=(0, 4))),
    ("filter2d", dict(kernel=KERNEL_4x4, delta=3)),
    ("filter2d", dict(kernel=SOBEL)),
    ("sobel", dict(dx=1)),
    ("sobel", dict(dy=2, dx=1, ksize=5, dtype="float64")),
    ("scharr", dict(dy=1, scale=0.5, delta=3)),
    ("laplacian", dict(ksize=1)),
    ("laplacian", dict(ksize=7)),
    ("sep_filter2d", dict(kernel_y=[1, 2, 1], kernel_x=KERNEL_3x5[0], anchor=(2, 1))),
]
POINTWISE = [
    ("gamma", dict(gamma=0.45, gain=1.1)),
    ("lut", dict(table=_RNG.integers(0, 256, 256).astype(np.uint8))),
    ("lut", dict(table=np.linspace(-1, 1, 256))),
]
CHUNKINGS = {
    "regular": (16, 16),
    "uneven": ((5, 20, 1, 11), (30, 2, 21)),
    "tiny": (3, 4),            # smaller than most halos here: merged as needed
}


def case_id(case):
    name, kw = case
    short = {k: (f"{np.shape(v)}" if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    return f"{name}{short}"


@pytest.fixture(scope="module")
def gray(chelsea):
    """A 37 x 53 crop of a photograph, with saturated pixels: windows of 255s make OpenCV's
    box rounding wrap in its scalar row tail, which the adapter must reproduce at the seams."""
    g = chelsea[100:137, 200:253, 1].copy()
    g[5:20, 30:50] = 255
    return g


@pytest.fixture(scope="module")
def rgb(chelsea):
    c = chelsea[60:97, 150:205].copy()   # 37 x 55 x 3 (55 * 3 = 165 samples, not a multiple of 16)
    c[10:30, 40:55] = 255
    return c


def run_both(name, img, chunks, **kw):
    x = da.from_array(img, chunks=chunks)
    lazy = getattr(idk, name)(x, **kw)
    assert isinstance(lazy, da.Array)
    got = lazy.compute(scheduler="sync")
    want = getattr(imfilt, name)(img, **kw)
    return lazy, got, want


def assert_same(got, want):
    assert_identical(got, want, equal_nan=True)


# --------------------------------------------------------------------------- exactness
@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize("case", CASES, ids=case_id)
@pytest.mark.parametrize("chunking", list(CHUNKINGS))
def test_equal_in_memory_gray(case, border, chunking, gray):
    name, kw = case
    img = gray[:21, 10:39] if chunking == "tiny" else gray   # fewer tiny chunks: fewer tasks
    lazy, got, want = run_both(name, img, CHUNKINGS[chunking], border=border, cval=77, **kw)
    assert_same(got, want)


@pytest.mark.parametrize("case", [c for c in CASES if c[0] in ("minimum", "maximum")],
                         ids=case_id)
@pytest.mark.parametrize("chunking", list(CHUNKINGS))
def test_equal_in_memory_ignore_border(case, chunking, gray):
    """minimum/maximum's default border=None: outside pixels are ignored."""
    name, kw = case
    _, got, want = run_both(name, gray, CHUNKINGS[chunking], **kw)
    assert_same(got, want)


@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_equal_in_memory_rgb(case, border, rgb):
    """Colour chunked only in space (uneven, smaller than the halo at the seams)."""
    name, kw = case
    _, got, want = run_both(name, rgb, ((9, 3, 25), (1, 30, 24), 3), border=border, cval=-5,
                            **kw)
    assert_same(got, want)


@pytest.mark.parametrize("case", CASES[:3] + CASES[5:6], ids=case_id)
def test_channel_chunks_are_merged(case, rgb):
    name, kw = case
    lazy, got, want = run_both(name, rgb, (16, 16, 1), **kw)
    assert lazy.chunks[2] == (3,)
    assert_same(got, want)


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "int16", "float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_equal_in_memory_dtypes(case, dtype, gray):
    img = gray.astype(dtype)
    if dtype == "uint16":
        img = img * np.uint16(257) + np.uint16(3)
    elif dtype == "int16":
        img = (img.astype(np.int16) - 128) * np.int16(250)
    elif img.dtype.kind == "f":
        img = img / img.dtype.type(255)
        img[3, 4] = np.nan if case[0] in ("median", "minimum", "maximum") else img[3, 4]
    name, kw = case
    for border in ("reflect101", "wrap"):
        _, got, want = run_both(name, img, ((11, 26), (17, 17, 19)), border=border, **kw)
        assert_same(got, want)


@pytest.mark.parametrize("case", POINTWISE, ids=case_id)
@pytest.mark.parametrize("chunking", list(CHUNKINGS))
def test_pointwise(case, chunking, gray, rgb):
    name, kw = case
    for img in (gray, rgb):
        chunks = CHUNKINGS[chunking]
        if isinstance(chunks[1], tuple) and sum(chunks[1]) != img.shape[1]:
            # the colour crop is wider: the last column chunk takes the difference
            chunks = (chunks[0], chunks[1][:-1] + (chunks[1][-1] + img.shape[1] - sum(chunks[1]),))
        if img.ndim == 3:
            chunks = chunks + (1,)
        lazy, got, want = run_both(name, img, chunks, **kw)
        assert_same(got, want)


def test_pointwise_dtypes(gray):
    for img in (gray.astype(np.uint16) * np.uint16(257), gray / np.float32(255), gray / 255.0):
        _, got, want = run_both("gamma", img, ((10, 27), (20, 33)), gamma=2.2, gain=0.9)
        assert_same(got, want)
    tab = np.arange(65536, dtype=np.float32)[::-1] / 7
    _, got, want = run_both("lut", gray.astype(np.uint16) * np.uint16(200), (10, 20), table=tab)
    assert_same(got, want)


@pytest.mark.parametrize("border", BORDERS)
def test_bright_row_tails(border):
    """OpenCV's box rounding differs in the last (row samples mod 16) of each row (wrapping
    int32 vs uint32) and only shows on near-saturated windows: every seam must keep each sample
    on its in-memory side of that line."""
    rng = np.random.default_rng(0)
    for shape in ((40, 75), (40, 77, 3)):
        img = np.full(shape, 255, np.uint8)
        img[rng.random(shape) < 0.05] = 250
        chunks = (16, 20) + shape[2:]
        for size in ((1, 2), (2, 3), 4):
            _, got, want = run_both("mean", img, chunks, size=size, border=border)
            assert_same(got, want)
    u16 = rng.integers(65000, 65536, (40, 75)).astype(np.uint16)
    for size in ((1, 2), 3):
        _, got, want = run_both("mean", u16, (16, 20), size=size, border=border)
        assert_same(got, want)


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "int16"])
def test_wrap_row_tails_of_the_padded_rows(dtype):
    """With border='wrap' OpenCV's row tails sit at the end of the padded row (imfilt.mean's
    tail_pad); every block, inner or last, must keep that placement."""
    rng = np.random.default_rng(1)
    info = np.iinfo(dtype)
    for shape, chunk_list in (((30, 451), [(11, 100), (30, (70, 1, 99, 93, 188))]),
                              ((20, 77, 3), [(7, 20, 3), (20, 33, 3)])):
        img = rng.integers(info.min, int(info.max) + 1, size=shape).astype(dtype)
        if dtype == "uint8":
            img[rng.random(shape) < 0.6] = 255
        for size in ((2, 15), (1, 2), (2, 2), (3, 16), (2, 9)):
            for chunks in chunk_list:
                _, got, want = run_both("mean", img, chunks, size=size, border="wrap")
                assert_same(got, want)


@pytest.mark.parametrize("border", BORDERS)
def test_halo_larger_than_image(border, gray):
    """Kernels larger than the image repeat the border pattern, as in memory."""
    small = gray[:9, :14]
    for name, kw in [("gaussian", dict(sigma=6.0)), ("mean", dict(size=(25, 40))),
                     ("mean", dict(size=(3, 31))), ("median", dict(size=(21, 3))),
                     ("maximum", dict(size=(2, 30))),
                     ("filter2d", dict(kernel=np.ones((1, 33)) / 33))]:
        for img in (small, small.astype(np.float32), gray[:1, :1], gray[:1, :40]):
            _, got, want = run_both(name, img, (4, 5), border=border, **kw)
            assert_same(got, want)


def test_reach_halo_across_many_chunks(gray):
    """A halo wider than several chunks (chunks are merged up to the halo)."""
    big = np.tile(gray, (3, 3))
    lazy, got, want = run_both("gaussian", big, (8, 8), sigma=3.0, border="wrap")
    assert min(lazy.chunks[0]) >= 9 and min(lazy.chunks[1]) >= 9
    assert_same(got, want)


def test_output_chunks_follow_input(gray):
    """Chunks are kept when they hold the halo (the last column chunk also holds the image's
    row tail: at least 64 pixels)."""
    x = da.from_array(np.tile(gray, (1, 3)), chunks=((10, 27), (20, 75, 64)))
    assert idk.gaussian(x, 1.0).chunks == x.chunks
    assert idk.mean(x, 3).chunks == x.chunks
    assert idk.gamma(x, 2.0).chunks == x.chunks


def test_numpy_input_and_threads(gray):
    want = imfilt.gaussian(gray, 2.0, border="wrap")
    for threads in (1, 2, None):
        got = idk.gaussian(gray, 2.0, border="wrap", threads=threads).compute()
        assert_same(got, want)


def test_empty_image():
    x = da.zeros((0, 5), np.uint8, chunks=2)
    assert idk.gaussian(x, 1.0).compute().shape == (0, 5)
    assert idk.median(da.zeros((4, 0, 3), np.float32, chunks=2), 3).compute().shape == (4, 0, 3)


# --------------------------------------------------------------------------- validation
def _bad_calls(x):
    return [
        (TypeError, lambda: idk.gaussian(x.astype(np.int32), 1.0)),
        (ValueError, lambda: idk.gaussian(da.zeros((4, 4, 3, 2), np.uint8), 1.0)),
        (ValueError, lambda: idk.gaussian(x, 0, ksize=0)),
        (ValueError, lambda: idk.gaussian(x, 1.0, ksize=4)),
        (ValueError, lambda: idk.gaussian(x, 1.0, border="bogus")),
        (ValueError, lambda: idk.mean(x, 0)),
        (ValueError, lambda: idk.median(x, 4)),
        (ValueError, lambda: idk.minimum(x, 3, footprint=np.zeros((3, 3)))),
        (ValueError, lambda: idk.filter2d(x, np.ones((3, 3)), anchor=(3, 0))),
        (ValueError, lambda: idk.filter2d(x, np.ones(3))),
        (ValueError, lambda: idk.lut(x, np.arange(10))),
        (TypeError, lambda: idk.gamma(x.astype(np.int16), 2.0)),
        (ValueError, lambda: idk.mean(x, 3, threads=0)),
        (TypeError, lambda: idk.mean(x, 3, threads=1.5)),
    ]


def test_bad_input_raises_at_graph_construction(gray):
    """Arguments are checked when the graph is built: nothing is computed."""
    calls = []

    def forbid(*a, **k):
        calls.append(a)
        raise AssertionError("computed")

    x = da.from_array(gray, chunks=16)
    with dask.config.set(scheduler=forbid):
        for exc, call in _bad_calls(x):
            with pytest.raises(exc):
                call()
    assert not calls


# --------------------------------------------------------------------------- distribution
def test_graph_pickles(gray):
    """Every task is made of module-level functions and partials: plain pickle, no
    cloudpickle, round-trips the whole graph, which then computes the same result."""
    x = da.from_array(gray, chunks=((10, 27), (20, 33)))
    for name, kw in CASES[::3] + POINTWISE[:2]:
        lazy = getattr(idk, name)(x, **kw)
        graph = dict(lazy.__dask_graph__())
        clone = pickle.loads(pickle.dumps(graph))
        got = dask.get(clone, lazy.__dask_keys__())
        got = np.block([list(row) for row in got])
        assert_same(got, getattr(imfilt, name)(gray, **kw))


def test_local_cluster_two_processes(astronaut):
    from dask.distributed import Client, LocalCluster

    img = np.tile(astronaut, (2, 2, 1))                 # 1024 x 1024 x 3
    img16 = (img[..., 0].astype(np.uint16) * 257)
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        pids = set(client.run(os.getpid).values())
        assert len(pids) == 2 and os.getpid() not in pids
        x = da.from_array(img, chunks=(300, 400, 3))
        got = idk.gaussian(x, 2.0, border="wrap").compute()
        assert_same(got, imfilt.gaussian(img, 2.0, border="wrap"))
        got = idk.median(x, 5).compute()
        assert_same(got, imfilt.median(img, 5))
        y = da.from_array(img16, chunks=(256, 333))
        got = idk.mean(y, (4, 7), border="reflect").compute()
        assert_same(got, imfilt.mean(img16, (4, 7), border="reflect"))


# --------------------------------------------------------------------------- big image (slow)
class NpyFile:
    """A 2-D .npy file dask reads chunk by chunk with plain reads (a memmap handed to
    da.from_array would be pickled whole into the graph, and mapped pages would count in the
    workers' resident memory)."""

    def __init__(self, path):
        mm = np.load(path, mmap_mode="r")
        self.path, self.shape, self.dtype, self.ndim = str(path), mm.shape, mm.dtype, mm.ndim
        self.offset = mm.offset

    def __getitem__(self, key):
        ys, xs = key
        y0, y1, _ = ys.indices(self.shape[0])
        x0, x1, _ = xs.indices(self.shape[1])
        out = np.empty((y1 - y0, x1 - x0), self.dtype)
        row = self.shape[1] * self.dtype.itemsize
        with open(self.path, "rb", buffering=0) as f:
            for i, y in enumerate(range(y0, y1)):
                f.seek(self.offset + y * row + x0 * self.dtype.itemsize)
                f.readinto(memoryview(out[i]).cast("B"))
        return out


def _write_block(block, path, offset, width, block_info=None):
    """Store one result chunk into the output .npy file with plain writes."""
    (y0, y1), (x0, x1) = block_info[0]["array-location"][:2]
    block = np.ascontiguousarray(block)
    with open(path, "r+b", buffering=0) as f:
        for i, y in enumerate(range(y0, y1)):
            f.seek(offset + (y * width + x0) * block.itemsize)
            f.write(memoryview(block[i]).cast("B"))
    return np.zeros((1, 1), np.int64)


def _peak_rss_mb(reset=False):
    """The process's peak resident memory (VmHWM, MB); reset=True restarts the peak from the
    current RSS (a forked worker otherwise inherits its parent's peak)."""
    if reset:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) / 1024


@pytest.mark.slow
def test_big_image_bounded_memory(tmp_path):
    """20000 x 20000 uint8 (400 MB) on disk -> gaussian sigma 2 -> on disk, on 1 and 2 worker
    processes; each worker's peak RSS must stay far below the image size."""
    import sys

    import cloudpickle
    from dask.distributed import Client, LocalCluster

    # the workers cannot import this test module: ship its helpers by value
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    H = W = 20000
    src = tmp_path / "in.npy"
    img = np.lib.format.open_memmap(src, mode="w+", dtype=np.uint8, shape=(H, W))
    rng = np.random.default_rng(1)
    tile = rng.integers(0, 256, (1000, W), dtype=np.uint8)
    for y in range(0, H, 1000):
        img[y:y + 1000] = np.roll(tile, y // 1000 * 37, axis=1)
    img.flush()
    del img
    chunk = 1000
    for workers in (1, 2):
        dst = tmp_path / f"out{workers}.npy"
        mm = np.lib.format.open_memmap(dst, mode="w+", dtype=np.uint8, shape=(H, W))
        offset = mm.offset
        del mm
        with LocalCluster(n_workers=workers, processes=True, threads_per_worker=1,
                          memory_limit="2GiB", dashboard_address=None) as cluster, \
                Client(cluster) as client:
            client.run(lambda: imfilt.gaussian(np.zeros((9, 9), np.uint8), 1.0))   # warm up
            base = client.run(_peak_rss_mb, True)
            x = da.from_array(NpyFile(src), chunks=chunk)
            y = idk.gaussian(x, 2.0)
            w = y.map_blocks(_write_block, str(dst), offset, W, chunks=(1, 1), dtype=np.int64)
            t = time.perf_counter()
            w.sum().compute()
            dt = time.perf_counter() - t
            peak = client.run(_peak_rss_mb)
        growth = max(peak[k] - base[k] for k in peak)
        print(f"\n{workers} worker(s): {H * W / dt / 1e6:.0f} Mpixel/s ({dt:.1f} s), worker "
              f"peak RSS {max(peak.values()):.0f} MB (after import {max(base.values()):.0f} MB, "
              f"growth {growth:.0f} MB), image {H * W / 2**20:.0f} MB")
        assert growth < 0.5 * H * W / 2**20
    # exactness on windows: the four corners (true edges) and a seam crossing
    src_a = np.load(src, mmap_mode="r")
    out = np.load(tmp_path / "out2.npy", mmap_mode="r")
    assert_identical(out, np.load(tmp_path / "out1.npy", mmap_mode="r"))
    m = 300
    for ys in (slice(0, m), slice(H - m, H), slice(chunk - m // 2, chunk + m // 2)):
        for xs in (slice(0, m), slice(W - m, W), slice(3 * chunk - m // 2, 3 * chunk + m // 2)):
            y0 = max(ys.start - 20, 0)
            x0 = max(xs.start - 20, 0)
            crop = np.ascontiguousarray(src_a[y0:min(ys.stop + 20, H), x0:min(xs.stop + 20, W)])
            ref = imfilt.gaussian(crop, 2.0)
            want = ref[ys.start - y0:ys.stop - y0, xs.start - x0:xs.stop - x0]
            assert_identical(out[ys, xs], want)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float_box_sums_restart_rows(dtype, chelsea):
    """Float box sums run down the columns and restart every 64 image rows: blocks starting
    anywhere (here at rows 0, 70, 71, 150, 213) must sum in the same order as memory."""
    img = chelsea[:260, :90, 2].astype(dtype) / 7
    img[::9] *= 1000      # large values make the running-sum roundings visible
    for border in BORDERS:
        for size in ((4, 7), 5, (2, 1)):
            chunks = ((70, 1, 79, 63, 47), (40, 50))
            _, got, want = run_both("mean", img, chunks, size=size, border=border)
            assert_same(got, want)
            _, got, want = run_both("mean", img, (33, 30), size=size, normalize=False,
                                    border=border)
            assert_same(got, want)


@pytest.mark.parametrize("dtype", ["float32", "float64", "uint16"])
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_simd_row_tails(case, dtype):
    """The SIMD loops finish each row with a scalar tail (the last row samples mod 4 vectors),
    which FMA contraction makes differ in the last bit: on a wide image with many column seams
    every block must keep each sample on its in-memory side of the tail."""
    rng = np.random.default_rng(3)
    img = rng.random((24, 283)) * 1000      # 283 = 27 mod 32 and mod 64: long tails
    img = img.astype(dtype)
    name, kw = case
    for border in ("reflect101", "wrap"):
        _, got, want = run_both(name, img, (13, (70, 1, 99, 93, 20)), border=border, **kw)
        assert_same(got, want)
