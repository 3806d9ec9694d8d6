"""The bench rows: each Case, and the callables that run it in every library it is timed in."""
from __future__ import annotations

from typing import NamedTuple, Optional

import numpy as np

FLOAT_TOL = 1e-5


class Case(NamedTuple):
    """One benchmark row family. `reference` is the library the ratio divides by and the
    outputs are checked against; `size` ("WxH") pins the image size instead of --sizes;
    `tol` is the check's max abs difference (0: bit-exact); `target` the ratio the row must
    not exceed (issue 16: 1.0, tighter for the rows it names)."""
    name: str
    kind: str            # key of BUILDERS
    param: object        # the filter's main parameter (sigma, size, gamma, ...)
    dtype: str = "uint8"
    channels: int = 1
    reference: str = "cv2"
    size: Optional[str] = None
    tol: float = 0.0
    target: float = 1.0


CASES = [
    *(Case(f"gaussian_s{s}", "gaussian", float(s)) for s in (1, 2, 5)),
    Case("gaussian_s2_rgb", "gaussian", 2.0, channels=3),
    Case("gaussian_s2_f32", "gaussian", 2.0, "float32", tol=FLOAT_TOL),
    *(Case(f"mean_{k}", "mean", k) for k in (3, 5, 31)),
    # HOG (issue 5): one 64x128 window; dense windows (stride 8) over 640x480; whole images
    # against skimage.feature.hog
    Case("hog_window", "hog", "window", size="64x128", tol=1e-4, target=0.5),
    Case("hog_window_rgb", "hog", "window", channels=3, size="64x128", tol=1e-4, target=0.5),
    Case("hog_dense", "hog", "dense", size="640x480", tol=1e-4, target=0.2),
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
    *(Case(f"maximum_{k}", "maximum", k, target=0.7 if k == 31 else 1.0)
      for k in (3, 15, 31, 63)),
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
    *(Case(f"median_{k}", "median", k, target=0.33 if k >= 9 else 1.0)
      for k in (3, 5, 9, 15, 31, 63)),
    Case("median_5_f32", "median", 5, "float32"),
    Case("median_7_f32", "median", 7, "float32", reference="scipy", size="640x480"),
    # derivatives (issue 17): param (dy, dx, ksize, output dtype); ksize -1 is Scharr
    *(Case(f"sobel_{d}{k}_u8", "sobel", (int(d == "dy"), int(d == "dx"), k, "int16"))
      for k in (3, 5) for d in ("dx", "dy")),
    Case("scharr_dx_u8", "scharr", (0, 1, -1, "int16")),
    *(Case(f"laplacian_{k}_u8", "laplacian", k) for k in (1, 3)),
    Case("sobel_dx3_f32", "sobel", (0, 1, 3, "float32"), "float32", tol=1e-4),
    Case("sobel_dx3_u8_to_f32", "sobel", (0, 1, 3, "float32")),
    Case("sep_filter2d_3x5_f32", "sep_filter2d", (3, 5), "float32", tol=1e-5),
]

# The tiny-image overhead section: one call of each filter with its default arguments on
# images where the call, not the kernel, is the cost; references are cv2 (gamma and lut:
# cv2.LUT with a table built beforehand).
OVERHEAD_CASES = [
    Case("gaussian_s1", "gaussian", 1.0),
    Case("gaussian_s1_f32", "gaussian", 1.0, "float32", tol=FLOAT_TOL),
    Case("mean_3", "mean", 3),
    Case("median_3", "median", 3),
    Case("minimum_3", "minimum", 3),
    Case("maximum_3", "maximum", 3),
    Case("filter2d_3_u8", "filter2d", 3, "uint8", tol=1),
    Case("filter2d_3_f32", "filter2d", 3, "float32", tol=2e-5),
    Case("gamma_u8", "gamma", 2.2),
    Case("lut_u8", "lut", "shared"),
]

# overhead section size -> the ratio imfilt / cv2 per call must not exceed (issue 16)
OVERHEAD_TARGETS = {"8x8": 1.5, "64x64": 1.0}

# Column order of the timings; a library appears in the table when some case times it.
LIBS = ("imfilt", "cv2", "scipy", "pillow", "numpy", "skimage", "torch", "copy")

# (case name, size) -> floating-point operations of one call, for the GFLOP/s column; filled
# by builders that know it
FLOPS = {}


def _cv2_gaussian_radius(sigma, dtype):
    """Half the kernel size cv2.GaussianBlur(ksize=(0, 0)) uses."""
    n = int(round(sigma * (3 if dtype == "uint8" else 4) * 2 + 1)) | 1
    return n // 2


# ----------------------------------------------------------------------------- builders

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
def _deriv_fns(case, img, threads, mods):
    """sobel / scharr (param: dy, dx, ksize, output dtype), laplacian (ksize, uint8 -> int16)
    and sep_filter2d (param: kernel lengths; a seeded smoothing-by-derivative pair)."""
    import imfilt
    cv2 = mods["cv2"]
    if case.kind == "laplacian":
        k = int(case.param)
        return {"imfilt": lambda: imfilt.laplacian(img, ksize=k, threads=threads),
                "cv2": lambda: cv2.Laplacian(img, cv2.CV_16S, ksize=k)}
    if case.kind == "sep_filter2d":
        rng = np.random.default_rng(17)
        ky, kx = (rng.standard_normal(n) / n for n in case.param)
        return {"imfilt": lambda: imfilt.sep_filter2d(img, ky, kx, threads=threads),
                "cv2": lambda: cv2.sepFilter2D(img, -1, kx, ky)}
    dy, dx, k, odt = case.param
    depth = {"int16": cv2.CV_16S, "float32": cv2.CV_32F}[odt]
    return {"imfilt": lambda: imfilt.sobel(img, dy=dy, dx=dx, ksize=k, dtype=odt,
                                           threads=threads),
            "cv2": lambda: cv2.Sobel(img, depth, dx, dy, ksize=k)}


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
    "sobel": _deriv_fns,
    "scharr": _deriv_fns,
    "laplacian": _deriv_fns,
    "sep_filter2d": _deriv_fns,
}


def functions(case, img, threads_arg, mods):
    """Callables per library for one case, plus the memory-bandwidth floor (a builder that
    makes its own input may provide its own "copy")."""
    fns = BUILDERS[case.kind](case, img, threads_arg, mods)
    if "copy" not in fns:
        dst = np.empty_like(img)
        fns["copy"] = lambda: np.copyto(dst, img)
    return fns
