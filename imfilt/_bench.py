"""Benchmark imfilt against OpenCV (and scipy.ndimage, Pillow where they have the filter).

Run ``python bench/run.py --help`` (or ``python -c "import imfilt._bench as b; b.main()"``).

Method (see bench/README.md): everything runs in one process; for every case and size the
libraries *and* the thread settings are interleaved round-robin (imfilt, cv2, scipy, Pillow,
copy, for each thread setting, repeated for N rounds; the library order is shuffled (seeded)
from round to round), so slow drifts of the machine hit all of them alike. Every timed call is
preceded by the same settling step, a copy of the image into a new array that is dropped, so no
library inherits the cache and allocator state another one left (--no-settle: it does, and a
library's time then depends on which one ran before it; see bench/README.md). Each row reports the best and the median of the rounds; the ratio column is
imfilt_best / cv2_best (below 1.0: imfilt is faster). Before any timing the outputs of imfilt and
cv2 are compared (uint8 bit-exact, float32 max abs diff < 1e-5 on [0, 1] data) and a row whose
outputs differ is marked.
"""
from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import random
import statistics
import sys
import time
from typing import NamedTuple, Optional

import numpy as np

DEFAULT_SIZES = "1920x1080,1283x721"
DEFAULT_ROUNDS = 30
QUICK_ROUNDS = 5
FLOAT_TOL = 1e-5


class Case(NamedTuple):
    """One benchmark row family. `reference` is the library the ratio divides by and the
    outputs are checked against; `size` ("WxH") pins the image size instead of --sizes;
    `tol` is the check's max abs difference (0: bit-exact)."""
    name: str
    kind: str            # key of BUILDERS
    param: object        # the filter's main parameter (sigma, size, gamma, ...)
    dtype: str = "uint8"
    channels: int = 1
    reference: str = "cv2"
    size: Optional[str] = None
    tol: float = 0.0


CASES = [
    Case("gaussian_s1", "gaussian", 1.0),
    Case("gaussian_s2", "gaussian", 2.0),
    Case("gaussian_s5", "gaussian", 5.0),
    Case("gaussian_s2_rgb", "gaussian", 2.0, channels=3),
    Case("gaussian_s2_f32", "gaussian", 2.0, "float32", tol=FLOAT_TOL),
    Case("mean_3", "mean", 3),
    Case("mean_5", "mean", 5),
    Case("mean_31", "mean", 31),
    # HOG (issue 5): one 64x128 window; dense windows (stride 8) over 640x480; whole images
    # against skimage.feature.hog
    Case("hog_window", "hog", "window", size="64x128", tol=1e-4),
    Case("hog_window_rgb", "hog", "window", channels=3, size="64x128", tol=1e-4),
    Case("hog_dense", "hog", "dense", size="640x480", tol=1e-4),
    Case("hog_skimage", "hog_skimage", 9, "uint8", reference="skimage"),
    Case("hog_skimage_640", "hog_skimage", 9, "uint8", reference="skimage", size="640x480"),
    # convolution (issue 6): conv cases build their own NCHW tensors from param =
    # (N, C, H, W, kernel, groups, C_out, stride); size is the tensor's "WxH"
    Case("conv_dw3_32x112", "conv2d", (1, 32, 112, 112, 3, 32, 32, 1), "float32",
         reference="torch", size="112x112", tol=1e-4),
    Case("conv_dw3_64x112", "conv2d", (1, 64, 112, 112, 3, 64, 64, 1), "float32",
         reference="torch", size="112x112", tol=1e-4),
    Case("conv_dw3_128x56", "conv2d", (1, 128, 56, 56, 3, 128, 128, 1), "float32",
         reference="torch", size="56x56", tol=1e-4),
    Case("conv_dw3s2_32x112", "conv2d", (1, 32, 112, 112, 3, 32, 32, 2), "float32",
         reference="torch", size="112x112", tol=1e-4),
    Case("conv_dw3_32x112_cv2loop", "conv2d_cv2loop", (1, 32, 112, 112, 3, 32, 32, 1),
         "float32", reference="cv2", size="112x112", tol=1e-4),
    Case("conv_dense3_64x56", "conv2d", (1, 64, 56, 56, 3, 1, 64, 1), "float32",
         reference="torch", size="56x56", tol=1e-4),
    Case("conv_pw1_64to128x56", "conv2d", (1, 64, 56, 56, 1, 1, 128, 1), "float32",
         reference="torch", size="56x56", tol=1e-4),
    Case("filter2d_5_f32", "filter2d", 5, "float32", tol=2e-5),
    Case("filter2d_11_f32", "filter2d", 11, "float32", tol=2e-5),
    Case("filter2d_5_u8", "filter2d", 5, "uint8", tol=1),
    # minimum / maximum (imfilt.morphology) vs cv2.erode / cv2.dilate
    Case("maximum_3", "maximum", 3),
    Case("maximum_15", "maximum", 15),
    Case("maximum_31", "maximum", 31),
    Case("maximum_63", "maximum", 63),
    Case("minimum_5", "minimum", 5),
    Case("maximum_ellipse_15", "maximum_ellipse", 15),
    Case("maximum_3_f32", "maximum", 3, "float32"),
    # tone (issue 4): gamma via cached tables vs cv2.LUT with the same table; float32 vs NumPy
    Case("gamma_u8", "gamma", 2.2),
    Case("gamma_u8_rgb", "gamma", 2.2, channels=3),
    Case("gamma_u16", "gamma", 2.2, "uint16"),
    Case("gamma_f32", "gamma", 2.2, "float32", reference="numpy", tol=1e-6),
    Case("lut_u8", "lut", "shared"),
    Case("lut_u8_rgb_perchannel", "lut", "per-channel", channels=3),
    # median (issue 3)
    Case("median_3", "median", 3),
    Case("median_5", "median", 5),
    Case("median_9", "median", 9),
    Case("median_15", "median", 15),
    Case("median_31", "median", 31),
    Case("median_63", "median", 63),
    Case("median_5_f32", "median", 5, "float32"),
    Case("median_7_f32", "median", 7, "float32", reference="scipy", size="640x480"),
]

# Column order of the timings; a library appears in the table when some case times it.
LIBS = ("imfilt", "cv2", "scipy", "pillow", "numpy", "skimage", "torch", "copy")


# ----------------------------------------------------------------------------- inputs

def _parse_sizes(text):
    sizes = []
    for item in text.split(","):
        item = item.strip().lower()
        if not item:
            continue
        try:
            w, h = (int(v) for v in item.split("x"))
        except ValueError:
            raise argparse.ArgumentTypeError(f"size {item!r} is not WIDTHxHEIGHT") from None
        if w < 1 or h < 1:
            raise argparse.ArgumentTypeError(f"size {item!r} must be positive")
        sizes.append((w, h))
    if not sizes:
        raise argparse.ArgumentTypeError("no sizes given")
    return sizes


def _parse_threads(text):
    """'1,all' -> [(label, cv2 thread count, imfilt threads argument)]."""
    ncpu = os.cpu_count() or 1
    out = []
    for item in text.split(","):
        item = item.strip().lower()
        if not item:
            continue
        if item == "all":
            out.append(("all", ncpu, None))
        else:
            try:
                n = int(item)
            except ValueError:
                raise argparse.ArgumentTypeError(
                    f"thread setting {item!r} is neither an integer nor 'all'") from None
            if n < 1:
                raise argparse.ArgumentTypeError(f"thread count must be >= 1, got {n}")
            out.append((str(n), n, n))
    if not out:
        raise argparse.ArgumentTypeError("no thread settings given")
    return out


def _base_images():
    """(gray uint8, RGB uint8, label): skimage's camera and astronaut photographs when
    available, else imfilt._sample's generated picture, else a deterministic synthetic scene."""
    try:
        from skimage import data
        return np.ascontiguousarray(data.camera()), np.ascontiguousarray(data.astronaut()), \
            "skimage.data camera/astronaut"
    except Exception:  # pragma: no cover - skimage is a bench extra
        pass
    try:  # imfilt's own generated, photo-like picture
        from ._sample import sample_image
        rgb = np.ascontiguousarray(sample_image(720, 1280))
        gray = np.ascontiguousarray(
            np.rint(rgb @ np.array([0.299, 0.587, 0.114])).clip(0, 255).astype(np.uint8))
        return gray, rgb, "imfilt._sample.sample_image"
    except Exception:  # pragma: no cover
        pass
    rng = np.random.default_rng(12345)
    yy, xx = np.mgrid[0:512, 0:512].astype(np.float64)
    scene = 96 + 60 * np.sin(xx / 37.0) * np.cos(yy / 23.0) + 0.15 * xx
    scene[(xx - 300) ** 2 + (yy - 200) ** 2 < 90 ** 2] = 230
    scene[100:400, 60:90] = 20
    scene += rng.normal(0, 6, scene.shape)
    gray = np.clip(scene, 0, 255).astype(np.uint8)
    rgb = np.stack([gray, np.roll(gray, 40, axis=1), 255 - gray], axis=-1)
    return gray, np.ascontiguousarray(rgb), "synthetic"


def _make_input(cv2, bases, dtype, channels, w, h):
    gray, rgb, _ = bases
    src = gray if channels == 1 else rgb if channels == 3 else np.dstack([rgb, gray] * 2)[..., :channels]
    img = cv2.resize(src, (w, h), interpolation=cv2.INTER_LINEAR if (w < src.shape[1] or
                                                                      h < src.shape[0])
                     else cv2.INTER_CUBIC)
    img = np.ascontiguousarray(img)
    if dtype in ("float32", "float64"):
        img = img.astype(dtype) / np.dtype(dtype).type(255.0)
    elif dtype == "uint16":
        img = img.astype(np.uint16) * np.uint16(257)
    elif dtype == "int16":
        img = (img.astype(np.int16) - 128) * np.int16(100)
    return img


def _cv2_gaussian_radius(sigma, dtype):
    """Half the kernel size cv2.GaussianBlur(ksize=(0, 0)) uses."""
    n = int(round(sigma * (3 if dtype == "uint8" else 4) * 2 + 1)) | 1
    return n // 2


# ----------------------------------------------------------------------------- functions

def _gaussian_fns(case, img, threads, mods):
    import imfilt
    sigma = float(case.param)
    cv2, ndi, PIL = mods["cv2"], mods.get("scipy"), mods.get("pillow")
    fns = {"imfilt": lambda: imfilt.gaussian(img, sigma, threads=threads),
           "cv2": lambda: cv2.GaussianBlur(img, (0, 0), sigma)}
    if ndi is not None:
        truncate = _cv2_gaussian_radius(sigma, case.dtype) / sigma
        sig = (sigma, sigma, 0.0) if img.ndim == 3 else sigma
        fns["scipy"] = lambda: ndi.gaussian_filter(img, sig, truncate=truncate, mode="mirror")
    if PIL is not None and img.dtype == np.uint8:
        Image, ImageFilter = PIL
        pim, flt = Image.fromarray(img), ImageFilter.GaussianBlur(sigma)
        fns["pillow"] = lambda: pim.filter(flt)
    return fns


def _mean_fns(case, img, threads, mods):
    import imfilt
    k = int(case.param)
    cv2, ndi, PIL = mods["cv2"], mods.get("scipy"), mods.get("pillow")
    fns = {"imfilt": lambda: imfilt.mean(img, k, threads=threads),
           "cv2": lambda: cv2.blur(img, (k, k))}
    if ndi is not None:
        size = (k, k, 1) if img.ndim == 3 else k
        fns["scipy"] = lambda: ndi.uniform_filter(img, size, mode="mirror")
    if PIL is not None and img.dtype == np.uint8 and k % 2 == 1:
        Image, ImageFilter = PIL
        pim, flt = Image.fromarray(img), ImageFilter.BoxBlur(k // 2)
        fns["pillow"] = lambda: pim.filter(flt)
    return fns


def _hog_fns(case, img, threads, mods):
    """OpenCV HOG with its defaults (64x128 window, 16x16 blocks, 8x8 stride and cells, 9
    bins, gamma on): one window, or every window at stride 8 ('dense')."""
    import imfilt
    cv2 = mods["cv2"]
    hog = cv2.HOGDescriptor((64, 128), (16, 16), (8, 8), (8, 8), 9, 1, -1.0, 0, 0.2, True,
                            64, False)
    img = np.ascontiguousarray(img)
    return {"imfilt": lambda: imfilt.hog(img, win_stride=8, threads=threads).ravel(),
            "cv2": lambda: hog.compute(img, (8, 8), (0, 0))}


def _hog_skimage_fns(case, img, threads, mods):
    import imfilt
    import skimage.feature
    ca = -1 if img.ndim == 3 else None
    n = int(case.param)
    return {"imfilt": lambda: imfilt.hog_skimage(img, n, channel_axis=ca, threads=threads),
            "skimage": lambda: skimage.feature.hog(img, n, channel_axis=ca)}
# ------------------------------------------------------------------ convolution (issue 6)

def _conv_setup(case, mods):
    """NCHW input, weight and bias from case.param = (N, C, H, W, k, groups, C_out, stride),
    seeded; weights scaled by 1/sqrt(fan-in) so outputs stay O(1). Registers torch in mods so
    that the harness sets its thread count."""
    import torch
    mods.setdefault("torch", torch)
    n, c, h, w, k, groups, cout, stride = case.param
    rng = np.random.default_rng(6)
    dt = np.dtype(case.dtype)
    x = rng.random((n, c, h, w)).astype(dt)
    wt = (rng.standard_normal((cout, c // groups, k, k)) / np.sqrt(c // groups * k * k)).astype(dt)
    b = rng.standard_normal(cout).astype(dt)
    oh, ow = (h + 2 * (k // 2) - k) // stride + 1, (w + 2 * (k // 2) - k) // stride + 1
    FLOPS[(case.name, f"{w}x{h}")] = 2 * n * cout * (c // groups) * k * k * oh * ow
    return torch, x, wt, b


def _conv2d_fns(case, img, threads, mods):
    import imfilt
    torch, x, wt, b = _conv_setup(case, mods)
    import torch.nn.functional as F
    k, groups, stride = case.param[4], case.param[5], case.param[7]
    tx, tw, tb = (torch.from_numpy(a) for a in (x, wt, b))

    def ref():
        with torch.no_grad():
            return F.conv2d(tx, tw, tb, stride=stride, padding=k // 2, groups=groups)

    dst = np.empty_like(x)
    return {"imfilt": lambda: imfilt.conv2d(x, wt, b, stride=stride, padding=k // 2,
                                            groups=groups, threads=threads),
            "torch": ref, "copy": lambda: np.copyto(dst, x)}


def _conv2d_cv2loop_fns(case, img, threads, mods):
    """Depthwise conv2d vs cv2.filter2D looped over the channels (zero border, no bias)."""
    import imfilt
    _, x, wt, _ = _conv_setup(case, mods)
    cv2 = mods["cv2"]
    k = case.param[4]
    n, c = x.shape[:2]
    res = np.empty_like(x)
    planes = [np.ascontiguousarray(x[0, i]) for i in range(c)]
    kernels = [np.ascontiguousarray(wt[i, 0]) for i in range(c)]

    def ref():
        for i in range(c):
            cv2.filter2D(planes[i], -1, kernels[i], dst=res[0, i], borderType=cv2.BORDER_CONSTANT)
        return res

    dst = np.empty_like(x)
    return {"imfilt": lambda: imfilt.conv2d(x, wt, padding=k // 2, groups=c, threads=threads),
            "cv2": ref, "copy": lambda: np.copyto(dst, x)}


def _filter2d_fns(case, img, threads, mods):
    """A seeded, non-separable k x k kernel (normalised) on the bench photograph."""
    import imfilt
    cv2 = mods["cv2"]
    k = int(case.param)
    kern = np.random.default_rng(k).standard_normal((k, k))
    kern = (kern / np.abs(kern).sum() * 2).astype(np.float32)
    FLOPS[(case.name, f"{img.shape[1]}x{img.shape[0]}")] = 2 * img.size * k * k
    return {"imfilt": lambda: imfilt.filter2d(img, kern, threads=threads),
            "cv2": lambda: cv2.filter2D(img, -1, kern)}
def _morph_fns(case, img, threads, mods):
    """minimum / maximum with a k x k rectangle, or (maximum_ellipse) cv2's k x k ellipse as
    the footprint of both; scipy with the equivalent border (cv2's default ignores the
    outside: constant at the value that never wins)."""
    import imfilt
    k = int(case.param)
    cv2, ndi = mods["cv2"], mods.get("scipy")
    is_max = case.kind.startswith("maximum")
    ours = imfilt.maximum if is_max else imfilt.minimum
    theirs = cv2.dilate if is_max else cv2.erode
    if case.kind == "maximum_ellipse":
        se = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
        fns = {"imfilt": lambda: ours(img, footprint=se, threads=threads),
               "cv2": lambda: theirs(img, se)}
        fp = se.astype(bool)
    else:
        se = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
        fns = {"imfilt": lambda: ours(img, k, threads=threads),
               "cv2": lambda: theirs(img, se)}
        fp = None
    if ndi is not None and k <= 15:  # scipy is O(k) per pixel with a footprint: keep it short
        if img.dtype.kind == "f":
            cval = -np.inf if is_max else np.inf
        else:
            info = np.iinfo(img.dtype)
            cval = info.min if is_max else info.max
        sfn = ndi.maximum_filter if is_max else ndi.minimum_filter
        if fp is None:
            size = (k, k, 1) if img.ndim == 3 else k
            fns["scipy"] = lambda: sfn(img, size=size, mode="constant", cval=cval)
        else:
            f3 = fp[:, :, None] if img.ndim == 3 else fp
            fns["scipy"] = lambda: sfn(img, footprint=f3, mode="constant", cval=cval)
    return fns


# ----------------------------------------------------------------------------- tone

def _gamma_fns(case, img, threads, mods):
    """gamma: imfilt (which finds its cached table inside the call) against cv2.LUT with the
    same table built beforehand; float images against numpy.power (and x ** gamma)."""
    import imfilt
    g = float(case.param)
    cv2, np_ = mods["cv2"], mods["numpy"]
    fns = {"imfilt": lambda: imfilt.gamma(img, g, threads=threads)}
    if img.dtype.kind == "u":
        maxval = np_.iinfo(img.dtype).max
        table = np_.minimum(np_.rint(maxval * (np_.linspace(0, 1, maxval + 1) ** g)),
                            maxval).astype(img.dtype)
        fns["cv2"] = lambda: cv2.LUT(img, table)
        fns["numpy"] = lambda: table[img]
    else:
        g32 = img.dtype.type(g)
        fns["numpy"] = lambda: np_.power(img, g32)
    return fns


def _lut_fns(case, img, threads, mods):
    """lut: a random uint8 table, shared by the channels or one column per channel."""
    import imfilt
    cv2 = mods["cv2"]
    rng = np.random.default_rng(4)
    ch = img.shape[2] if img.ndim == 3 else 1
    if case.param == "per-channel":
        table = rng.integers(0, 256, (256, ch), dtype=np.uint8)
        cv_table = np.ascontiguousarray(table).reshape(1, 256, ch)
        ref_np = lambda: table[img, np.arange(ch)]  # noqa: E731
    else:
        table = cv_table = rng.integers(0, 256, 256, dtype=np.uint8)
        ref_np = lambda: table[img]  # noqa: E731
    return {"imfilt": lambda: imfilt.lut(img, table, threads=threads),
            "cv2": lambda: cv2.LUT(img, cv_table), "numpy": ref_np}


def _median_fns(case, img, threads, mods):
    import imfilt
    k = int(case.param)
    cv2, ndi = mods["cv2"], mods.get("scipy")
    fns = {"imfilt": lambda: imfilt.median(img, k, threads=threads)}
    if k <= 5 or img.dtype == np.uint8:  # cv2 refuses wider types above 5
        fns["cv2"] = lambda: cv2.medianBlur(img, k)
    if case.reference == "scipy":  # scipy (and Pillow) take seconds at 1080p: reference only
        if ndi is None:
            import scipy.ndimage as ndi
        size = (k, k, 1) if img.ndim == 3 else k
        fns["scipy"] = lambda: ndi.median_filter(img, size, mode="nearest")
    return fns


# kind -> (case, image, threads argument, {library name: module or None}) -> {library: callable}.
# Each filter family adds its builder here; the callables take no arguments.
BUILDERS = {
    "gaussian": _gaussian_fns,
    "mean": _mean_fns,
    "hog": _hog_fns,
    "hog_skimage": _hog_skimage_fns,
    "conv2d": _conv2d_fns,
    "conv2d_cv2loop": _conv2d_cv2loop_fns,
    "filter2d": _filter2d_fns,
    "maximum": _morph_fns,
    "minimum": _morph_fns,
    "maximum_ellipse": _morph_fns,
    "gamma": _gamma_fns,
    "lut": _lut_fns,
    "median": _median_fns,
}


def _functions(case, img, threads_arg, mods):
    """Callables per library for one case, plus the memory-bandwidth floor (a builder that
    makes its own input may provide its own "copy")."""
    fns = BUILDERS[case.kind](case, img, threads_arg, mods)
    if "copy" not in fns:
        dst = np.empty_like(img)
        fns["copy"] = lambda: np.copyto(dst, img)
    return fns


# (case name, size) -> floating-point operations of one call, for the GFLOP/s column; filled
# by builders that know it
FLOPS = {}


def _set_threads(mods, n):
    """The reference libraries' thread counts (torch when a builder has registered it)."""
    mods["cv2"].setNumThreads(n)
    if "torch" in mods:
        mods["torch"].set_num_threads(n)


def _as_array(res):
    return np.asarray(res)


def _max_abs_diff(a, b):
    a = _as_array(a)
    b = _as_array(b)
    if a.shape != b.shape:
        return None
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))


def _check(case, fns):
    """Agreement of imfilt with the case's reference (and, for information only, of the other
    libraries with the reference)."""
    ref = _as_array(fns[case.reference]())
    info = {}
    try:
        got = fns["imfilt"]()
    except Exception as e:  # report the row, do not time a broken filter
        del fns["imfilt"]
        info.update(check="error", agree=False, max_abs_diff=None, imfilt_error=repr(e))
        got = None
    if got is None:
        pass
    elif case.tol == 0:
        ok = (isinstance(got, np.ndarray) and got.shape == ref.shape and got.dtype == ref.dtype
              and bool(np.array_equal(got, ref)))
        info["check"] = "exact"
    else:
        d = _max_abs_diff(got, ref)
        ok = isinstance(got, np.ndarray) and d is not None and d <= case.tol
        info["check"] = f"max_abs_diff<={case.tol:g}"
    if got is not None:
        info["agree"] = bool(ok)
        info["max_abs_diff"] = _max_abs_diff(got, ref)
    for lib in LIBS:
        if lib not in ("imfilt", "copy", case.reference) and lib in fns:
            try:
                info[f"{lib}_max_abs_diff"] = _max_abs_diff(fns[lib](), ref)
            except Exception as e:  # pragma: no cover - report, keep going
                info[f"{lib}_max_abs_diff"] = None
                info[f"{lib}_error"] = repr(e)
                del fns[lib]
    return info


# ----------------------------------------------------------------------------- timing

def _round_order(libs, rnd):
    """The order of the libraries in round `rnd`: a shuffle seeded by the round number. A
    library's time depends on who ran just before it (after scipy or Pillow the input has left
    the caches; after another filter of the same image it is warm), and a rotation keeps the
    cyclic neighbours -- imfilt would always follow the last library, cv2 always imfilt.
    Shuffled, every library follows each of the others in some rounds, and the best round of
    each is a fair one; the seed keeps runs repeatable."""
    return random.Random(rnd).sample(list(libs), len(libs))


def _time_case(case, img, thread_settings, rounds, mods, settle=True):
    """One case at one size: check each thread setting, then time everything interleaved.
    `settle`: before every timed call, copy the image into a new array and drop it, so every
    library starts from the same state (the input in cache, the allocator's newest block of
    the image's size just written) instead of the one the previous library left."""
    per_thread = []
    cv2 = mods["cv2"]
    for label, ncv, targ in thread_settings:
        fns = _functions(case, img, targ, mods)
        _set_threads(mods, ncv)
        info = _check(case, fns)
        for f in fns.values():  # warm-up (caches, thread pools, page faults of outputs)
            f()
        per_thread.append((label, ncv, targ, fns, info, {lib: [] for lib in fns}))

    perf = time.perf_counter
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        present = [lib for lib in LIBS if any(lib in p[3] for p in per_thread)]
        for rnd in range(rounds):
            order = _round_order(present, rnd)
            for label, ncv, targ, fns, info, times in per_thread:
                _set_threads(mods, ncv)
                for lib in order:
                    f = fns.get(lib)
                    if f is None:
                        continue
                    if settle:
                        np.copy(img)
                    t0 = perf()
                    f()
                    times[lib].append(perf() - t0)
        # imfilt alone, call after call (its threads stay awake) after 30 ms of warm-up calls:
        # the scaling of the library itself, apart from the VM's wake-up of an idle vCPU that
        # the interleaved rounds pay
        b2b = {}
        for label, ncv, targ, fns, info, times in per_thread:
            f = fns.get("imfilt")
            if f is None:
                continue
            warm = perf() + 0.03  # an idle vCPU can run slow for tens of ms after it wakes
            while True:
                f()
                if perf() > warm:
                    break
            best = None
            for _ in range(min(rounds, 10)):
                t0 = perf()
                f()
                dt = perf() - t0
                best = dt if best is None else min(best, dt)
            b2b[label] = best
    finally:
        if was_enabled:
            gc.enable()

    rows = []
    h, w = img.shape[:2]
    for label, ncv, targ, fns, info, times in per_thread:
        row = {
            "case": case.name, "filter": case.kind, "param": case.param,
            "reference": case.reference,
            "size": f"{w}x{h}", "width": w, "height": h,
            "dtype": case.dtype, "channels": case.channels,
            "threads": label, "threads_n": ncv, "rounds": rounds,
        }
        for lib in LIBS:
            ts = times.get(lib)
            row[f"{lib}_best_ms"] = min(ts) * 1e3 if ts else None
            row[f"{lib}_median_ms"] = statistics.median(ts) * 1e3 if ts else None
        ok = row["imfilt_best_ms"] is not None
        ref = case.reference
        row["ratio"] = row["imfilt_best_ms"] / row[f"{ref}_best_ms"] if ok else None
        row["imfilt_b2b_best_ms"] = b2b[label] * 1e3 if b2b.get(label) else None
        row["ratio_median"] = row["imfilt_median_ms"] / row[f"{ref}_median_ms"] if ok else None
        flops = FLOPS.get((case.name, f"{w}x{h}"))
        row["gflops"] = flops / row["imfilt_best_ms"] / 1e6 if (flops and ok) else None
        row.update(info)
        rows.append(row)
    return rows


def _add_speedups(rows):
    """imfilt (and cv2) best at 1 thread / best at this row's setting, same case and size;
    imfilt_b2b: the same from imfilt's back-to-back calls."""
    one = {(r["case"], r["size"]): r for r in rows if r["threads"] == "1"}
    for r in rows:
        base = one.get((r["case"], r["size"]))
        for lib in ("imfilt", "cv2", "imfilt_b2b"):
            if base is None or not r[f"{lib}_best_ms"] or not base[f"{lib}_best_ms"]:
                r[f"{lib}_speedup"] = None
            else:
                r[f"{lib}_speedup"] = base[f"{lib}_best_ms"] / r[f"{lib}_best_ms"]


# ----------------------------------------------------------------------------- output

def _fmt(v, nd=None):
    if v is None:
        return "-"
    if v != v:  # nan
        return "nan"
    if nd is not None:
        return f"{v:.{nd}f}"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    if v >= 1:
        return f"{v:.2f}"
    return f"{v:.3f}"


def _table(rows):
    others = [lib for lib in LIBS if lib not in ("imfilt", "cv2")
              and any(r.get(f"{lib}_best_ms") is not None for r in rows)]
    gf = any(r.get("gflops") for r in rows)
    head = (["case", "size", "dtype", "thr", "imfilt best/med", "cv2 best/med", "ratio", "vs"]
            + others + ["imfilt 1T/xT", "cv2 1T/xT", "imfilt 1T/xT b2b"]
            + (["GFLOP/s"] if gf else []))
    lines = []
    for r in rows:
        ratio = _fmt(r["ratio"], 2)
        if "imfilt_error" in r:
            ratio += " ERROR"
        elif not r["agree"]:
            ratio += " MISMATCH"
        elif r["ratio"] > 1.0:
            ratio += " *"
        dt = r["dtype"] + (f"x{r['channels']}" if r["channels"] > 1 else "")
        sp = "" if r["threads"] == "1" else _fmt(r.get("imfilt_speedup"), 2)
        spc = "" if r["threads"] == "1" else _fmt(r.get("cv2_speedup"), 2)
        spb = "" if r["threads"] == "1" else _fmt(r.get("imfilt_b2b_speedup"), 2)
        lines.append([
            r["case"], r["size"], dt, r["threads"],
            f"{_fmt(r['imfilt_best_ms'])}/{_fmt(r['imfilt_median_ms'])}",
            f"{_fmt(r['cv2_best_ms'])}/{_fmt(r['cv2_median_ms'])}",
            ratio, r["reference"], *[_fmt(r.get(f"{lib}_best_ms")) for lib in others], sp, spc,
            spb,
        ] + ([_fmt(r.get("gflops"), 1)] if gf else []))
    widths = [max(len(head[i]), *(len(l[i]) for l in lines)) if lines else len(head[i])
              for i in range(len(head))]
    left = {0, 1, 2, 3, 7}

    def fmt_line(cells):
        return "  ".join(c.ljust(widths[i]) if i in left else c.rjust(widths[i])
                         for i, c in enumerate(cells)).rstrip()

    out = [fmt_line(head), fmt_line(["-" * w for w in widths])]
    prev = None
    for r, l in zip(rows, lines):
        if prev is not None and r["case"] != prev:
            out.append("")
        prev = r["case"]
        out.append(fmt_line(l))
    return "\n".join(out)


def _plot(rows, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"--plot: matplotlib is not installed; skipping {path}")
        return False
    rows = [r for r in rows if r["ratio"] is not None]
    labels = [f"{r['case']} {r['size']} t={r['threads']}" for r in rows]
    ratios = [r["ratio"] for r in rows]
    colors = ["tab:red" if not r["agree"] else ("tab:orange" if r["ratio"] > 1.0
                                                 else "tab:green") for r in rows]
    fig, ax = plt.subplots(figsize=(8, 0.28 * len(rows) + 1.5))
    ypos = np.arange(len(rows))
    ax.barh(ypos, ratios, color=colors)
    ax.axvline(1.0, color="k", lw=1)
    ax.set_yticks(ypos)
    ax.set_yticklabels(labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("imfilt best / reference best  (< 1: imfilt faster)")
    ax.set_title("imfilt vs the references (OpenCV unless noted)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"wrote {path}")
    return True


# ----------------------------------------------------------------------------- main

def _build_parser():
    ap = argparse.ArgumentParser(
        prog="imfilt-bench",
        description="Time imfilt against cv2 (and scipy.ndimage, Pillow) in one process, "
                    "interleaved, after checking that imfilt and cv2 agree.")
    ap.add_argument("--quick", action="store_true",
                    help=f"{QUICK_ROUNDS} rounds instead of {DEFAULT_ROUNDS}")
    ap.add_argument("--rounds", type=int, default=None,
                    help="rounds of the round-robin (overrides --quick)")
    ap.add_argument("--threads", type=_parse_threads, default=_parse_threads("1,all"),
                    metavar="LIST", help="comma-separated thread settings: integers and/or "
                                         "'all' (default: 1,all)")
    ap.add_argument("--sizes", type=_parse_sizes, default=_parse_sizes(DEFAULT_SIZES),
                    metavar="WxH,...", help=f"image sizes (default: {DEFAULT_SIZES})")
    ap.add_argument("--filter", action="append", default=None, metavar="NAME",
                    help="only cases whose name contains NAME (comma-separated or repeated), "
                         "e.g. 'mean', 'gaussian_s2', 'f32'")
    ap.add_argument("--no-others", action="store_true",
                    help="time only imfilt, cv2 and the copy floor (skip scipy and Pillow)")
    ap.add_argument("--no-settle", action="store_true",
                    help="time each call in whatever state the previous library left (by "
                         "default every timed call follows the same copy of the image)")
    ap.add_argument("--json", metavar="PATH", help="write rows and metadata as JSON")
    ap.add_argument("--plot", metavar="PNG", help="bar chart of the ratios (needs matplotlib)")
    ap.add_argument("--list", action="store_true", help="list the case names and exit")
    return ap


def _select(filters):
    if not filters:
        return list(CASES)
    words = [w.strip() for f in filters for w in f.split(",") if w.strip()]
    return [c for c in CASES if any(w in c.name for w in words)]


def main(argv=None) -> int:
    args = _build_parser().parse_args(argv)
    if args.list:
        for c in CASES:
            print(c.name)
        return 0
    try:
        import cv2
    except ImportError:
        print("imfilt bench: OpenCV (cv2) is required as the reference; install "
              "opencv-python-headless (pip install 'imfilt[bench]')", file=sys.stderr)
        return 2
    import imfilt

    mods = {"cv2": cv2, "numpy": np}
    if not args.no_others:
        try:
            import scipy.ndimage as ndi
            mods["scipy"] = ndi
        except ImportError:
            print("note: scipy not installed; scipy column left empty")
        try:
            from PIL import Image, ImageFilter
            mods["pillow"] = (Image, ImageFilter)
        except ImportError:
            print("note: Pillow not installed; pillow column left empty")

    cases = _select(args.filter)
    if not cases:
        print(f"no case matches {args.filter!r}; cases: {', '.join(c.name for c in CASES)}",
              file=sys.stderr)
        return 2
    rounds = args.rounds if args.rounds is not None else (
        QUICK_ROUNDS if args.quick else DEFAULT_ROUNDS)
    if rounds < 1:
        print("--rounds must be >= 1", file=sys.stderr)
        return 2

    cfg = imfilt.config()
    bases = _base_images()
    cv2_threads_before = cv2.getNumThreads()
    print(f"imfilt {cfg.get('version')} (SIMD {cfg.get('isa_active')}, OpenMP "
          f"{'yes' if cfg.get('openmp') else 'no'}, {cfg.get('max_threads')} threads), "
          f"cv2 {cv2.__version__}, cpu_count {os.cpu_count()}; images: {bases[2]}; "
          f"{rounds} rounds, interleaved; times in ms (best/median); ratio = imfilt/cv2 best")
    t_start = time.perf_counter()
    rows = []
    try:
        for case in cases:
            sizes = [_parse_sizes(case.size)[0]] if case.size else args.sizes
            for (w, h) in sizes:
                img = _make_input(cv2, bases, case.dtype, case.channels, w, h)
                rows.extend(_time_case(case, img, args.threads, rounds, mods,
                                       settle=not args.no_settle))
    finally:
        cv2.setNumThreads(cv2_threads_before)
    elapsed = time.perf_counter() - t_start
    _add_speedups(rows)

    print(_table(rows))
    print(f"({elapsed:.1f} s; '*' = imfilt slower than cv2; 1T/xT = best at 1 thread / best at "
          f"this setting; copy = np.copyto of the same image, a memory-bandwidth floor)")
    bad = [r for r in rows if not r["agree"]]
    if bad:
        print(f"MISMATCH: imfilt and cv2 outputs differ in {len(bad)} row(s): "
              + ", ".join(sorted({f"{r['case']} {r['size']} t={r['threads']}" for r in bad})))
        for err in sorted({r["imfilt_error"] for r in bad if "imfilt_error" in r}):
            print(f"  imfilt raised {err}")

    if args.json:
        meta = {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "imfilt_config": cfg,
            "cv2_version": cv2.__version__,
            "scipy_version": _version("scipy") if "scipy" in mods else None,
            "pillow_version": _version("PIL") if "pillow" in mods else None,
            "numpy_version": np.__version__,
            "python": platform.python_version(),
            "platform": platform.platform(),
            "machine": platform.machine(),
            "cpu_count": os.cpu_count(),
            "cpu_affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
            else None,
            "loadavg_after": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
            "images": bases[2],
            "git": _git_state(),
            "rounds": rounds,
            "settle": not args.no_settle,
            "threads": [t[0] for t in args.threads],
            "sizes": [f"{w}x{h}" for w, h in args.sizes],
            "elapsed_s": elapsed,
            "argv": list(argv) if argv is not None else sys.argv[1:],
        }
        with open(args.json, "w") as f:
            json.dump({"metadata": meta, "rows": rows}, f, indent=1, default=_json_default)
        print(f"wrote {args.json}")
    if args.plot:
        _plot(rows, args.plot)
    return 1 if bad else 0


def _git_state():
    """Commit and dirty files of the source tree imfilt was imported from (None outside git):
    with an editable install, uncommitted kernel edits are what gets measured."""
    import subprocess
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        head = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10,
                               check=True).stdout.splitlines()
        return {"head": head, "modified": [line[3:] for line in dirty]}
    except Exception:
        return None


def _version(mod):
    try:
        return __import__(mod).__version__
    except Exception:
        return None


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
