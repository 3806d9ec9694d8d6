"""imfilt.minimum / imfilt.maximum: exact against cv2.erode / cv2.dilate (rectangles, ellipses,
crosses, arbitrary footprints), scipy.ndimage.minimum_filter / maximum_filter (every border),
and a plain NumPy reference (every path, NaN policy); edge cases, threads, SIMD levels, bad
input."""
from __future__ import annotations


import cv2
import numpy as np
import pytest
import scipy.ndimage as ndi

import imfilt
from _assert import assert_identical
from references import ALL_BORDERS, CV2_IS_REFERENCE, CV_BORDER, DTYPES, as_dtype
from simd_levels import each_level, run_levels

SCIPY_MODE = {"reflect101": "mirror", "reflect": "reflect", "replicate": "nearest",
              "constant": "constant", "wrap": "wrap"}
OPS = {"minimum": (imfilt.minimum, cv2.erode, ndi.minimum_filter, np.fmin),
       "maximum": (imfilt.maximum, cv2.dilate, ndi.maximum_filter, np.fmax)}


# --------------------------------------------------------------------------- NumPy reference
def _border_index(i, n, mode):
    """Independent re-statement of the border pictures (see src/core/border.h): index or -1."""
    if 0 <= i < n:
        return i
    if mode == "reflect101":
        if n == 1:
            return 0
        p = 2 * n - 2
        r = i % p
        return r if r < n else p - r
    if mode == "reflect":
        p = 2 * n
        r = i % p
        return r if r < n else p - 1 - r
    if mode == "replicate":
        return 0 if i < 0 else n - 1
    if mode == "wrap":
        return i % n
    return -1


def neutral(dtype, op):
    dtype = np.dtype(dtype)
    info = np.finfo(dtype) if dtype.kind == "f" else np.iinfo(dtype)
    return info.min if op == "maximum" else info.max


def reference(img, footprint, op, border=None, cval=0):
    """Plain NumPy: op over every nonzero footprint cell of the border-extended image, anchor
    at the footprint's centre; NaN is ignored (np.fmin / np.fmax: NaN only if all are NaN)."""
    img = np.asarray(img)
    fp = np.asarray(footprint) != 0
    fh, fw = fp.shape
    ay, ax = fh // 2, fw // 2
    h, w = img.shape[:2]
    if border is None:
        border, cval = "constant", neutral(img.dtype, op)
    ri = [_border_index(y - ay, h, border) for y in range(h + fh - 1)]
    ci = [_border_index(x - ax, w, border) for x in range(w + fw - 1)]
    ext = np.full((h + fh - 1, w + fw - 1) + img.shape[2:], cval, img.dtype)
    rows = np.array([i for i in ri if i >= 0], dtype=np.intp)
    cols = np.array([i for i in ci if i >= 0], dtype=np.intp)
    rpos = np.array([k for k, i in enumerate(ri) if i >= 0], dtype=np.intp)
    cpos = np.array([k for k, i in enumerate(ci) if i >= 0], dtype=np.intp)
    if len(rows) and len(cols):
        ext[np.ix_(rpos, cpos)] = img[np.ix_(rows, cols)]
    fn = OPS[op][3]
    out = None
    for i, j in zip(*np.nonzero(fp)):
        win = ext[i:i + h, j:j + w]
        out = win.copy() if out is None else fn(out, win)
    return out


def assert_same(got, expected, what=""):
    assert_identical(got, expected, equal_nan=True, context=what)


def cv_morph(cvfn, img, kernel):
    """cv2 on 1..4 channels natively, more channel by channel."""
    if img.ndim == 3 and img.shape[2] > 4:
        return np.stack([cvfn(np.ascontiguousarray(img[..., c]), kernel)
                         for c in range(img.shape[2])], axis=2)
    res = cvfn(np.ascontiguousarray(img), kernel)
    return res.reshape(img.shape)


def scipy_fp(img, fp):
    return fp[:, :, None] if img.ndim == 3 else fp


# =========================================================================== vs cv2
RECT_SIZES = [1, 2, 3, 4, 5, (3, 8), (8, 3), 7, (1, 9), (9, 1), 15, 16, (31, 5), 33, 63]


@pytest.mark.parametrize("op", ["minimum", "maximum"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_rectangles_match_cv2(photos, op, dtype):
    fn, cvfn = OPS[op][:2]
    for name in ("camera", "coffee"):
        img = as_dtype(photos[name], dtype)[:151, :203]
        for size in RECT_SIZES:
            kh, kw = (size, size) if np.isscalar(size) else size
            got = fn(img, size)
            assert_same(got, cv_morph(cvfn, img, np.ones((kh, kw), np.uint8)),
                        f"{op} {name} {dtype} {size}")


@pytest.mark.parametrize("op", ["minimum", "maximum"])
def test_full_photos_uint8(photos, op):
    fn, cvfn = OPS[op][:2]
    for name, img in photos.items():
        for size in (3, 6, 21, (45, 2)):
            kh, kw = (size, size) if np.isscalar(size) else size
            assert_same(fn(img, size), cvfn(img, np.ones((kh, kw), np.uint8)), f"{name} {size}")


@pytest.mark.parametrize("op", ["minimum", "maximum"])
@pytest.mark.parametrize("shape", ["rect", "ellipse", "cross"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_structuring_elements_match_cv2(photos, op, shape, dtype):
    fn, cvfn = OPS[op][:2]
    code = {"rect": cv2.MORPH_RECT, "ellipse": cv2.MORPH_ELLIPSE, "cross": cv2.MORPH_CROSS}[shape]
    img = as_dtype(photos["chelsea"], dtype)[:120, :177]
    for k in ((3, 3), (5, 5), (7, 12), (15, 15), (4, 6), (21, 9)):
        se = cv2.getStructuringElement(code, k[::-1])   # cv2 sizes are (width, height)
        assert_same(fn(img, footprint=se), cv_morph(cvfn, img, se), f"{shape} {k}")
        gray = np.ascontiguousarray(img[..., 1])
        assert_same(fn(gray, footprint=se.astype(bool)), cvfn(gray, se), f"{shape} {k} gray")


@pytest.mark.parametrize("channels", [1, 3, 4])
def test_channels_match_cv2(astronaut, channels):
    img = np.ascontiguousarray(np.dstack([astronaut, astronaut[..., :1]])[:97, :131, :channels])
    se = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 7))
    for op in OPS:
        fn, cvfn = OPS[op][:2]
        assert_same(fn(img, 5), cv_morph(cvfn, img, np.ones((5, 5), np.uint8)), f"{op} {channels}")
        assert_same(fn(img, footprint=se), cv_morph(cvfn, img, se), f"{op} {channels} ellipse")
        assert_same(fn(img, (2, 17)), cv_morph(cvfn, img, np.ones((2, 17), np.uint8)))


# =========================================================================== borders
@pytest.mark.parametrize("op", ["minimum", "maximum"])
@pytest.mark.parametrize("border", ALL_BORDERS)
@pytest.mark.parametrize("dtype", ["uint8", "int16", "float32"])
def test_borders_match_scipy_and_cv2(camera, op, border, dtype):
    fn, cvfn, sfn, _ = OPS[op]
    img = as_dtype(camera, dtype)[40:127, 7:160]
    cval = {"uint8": 77, "int16": -1234, "float32": 0.3}[dtype]
    se = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 5))
    for size in (3, (5, 9), (4, 6), 17, (2, 40)):
        kh, kw = (size, size) if np.isscalar(size) else size
        got = fn(img, size, border=border, cval=cval)
        # scipy anchors even sizes at size // 2 as well (checked here)
        assert_same(got, sfn(img, size=(kh, kw), mode=SCIPY_MODE[border], cval=cval),
                    f"{border} {size} vs scipy")
        top, left = kh // 2, kw // 2
        padded = cv2.copyMakeBorder(img, top, kh - 1 - top, left, kw - 1 - left,
                                    CV_BORDER[border], value=cval)
        ref = cvfn(padded, np.ones((kh, kw), np.uint8))[top:top + img.shape[0],
                                                         left:left + img.shape[1]]
        assert_same(got, ref, f"{border} {size} vs cv2 copyMakeBorder")
    got = fn(img, footprint=se, border=border, cval=cval)
    assert_same(got, sfn(img, footprint=se.astype(bool), mode=SCIPY_MODE[border], cval=cval),
                f"{border} ellipse vs scipy")


def test_default_border_ignores_outside(camera):
    img = camera[:50, :60]
    for op in OPS:
        fn, _, sfn, _ = OPS[op]
        exp = sfn(img, size=(7, 4), mode="constant", cval=neutral(img.dtype, op))
        assert_same(fn(img, (7, 4)), exp, op)
        assert_same(fn(img, (7, 4), border=None), exp, op)


# =========================================================================== footprints
@pytest.mark.parametrize("op", ["minimum", "maximum"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_random_footprints(chelsea, op, dtype):
    fn, cvfn, sfn, _ = OPS[op]
    rng = np.random.default_rng([DTYPES.index(dtype), op == "maximum"])
    img = as_dtype(chelsea, dtype)[:64, :91]
    for fh, fw in ((1, 1), (1, 6), (6, 1), (3, 3), (4, 7), (8, 5), (11, 16), (25, 9)):
        fp = rng.random((fh, fw)) < rng.uniform(0.2, 0.9)
        fp.flat[rng.integers(fp.size)] = True
        assert_same(fn(img, footprint=fp), cv_morph(cvfn, img, fp.astype(np.uint8)),
                    f"{fp.shape} vs cv2")
        border = ALL_BORDERS[rng.integers(len(ALL_BORDERS))]
        g = fn(img, footprint=fp, border=border, cval=5)
        assert_same(g, reference(img, fp, op, border, 5), f"{fp.shape} {border} vs numpy")
        assert_same(g, sfn(img, footprint=scipy_fp(img, fp), mode=SCIPY_MODE[border], cval=5),
                    f"{fp.shape} {border} vs scipy")


@pytest.mark.parametrize("dtype", DTYPES)
def test_windows_outside_the_image(dtype):
    """A footprint that excludes its centre can leave a window with no image pixel: the
    default border gives cv2's constant there (type extreme; -+FLT_MAX / -+DBL_MAX)."""
    img = as_dtype(np.arange(30, dtype=np.uint8).reshape(5, 6) * 8, dtype)
    if np.dtype(dtype).kind == "f":
        img[2, 2] = -np.inf
        img[3, 3] = np.inf
    fp = np.zeros((7, 7), np.uint8)
    fp[0, 0] = fp[0, 6] = 1
    for op in OPS:
        fn, cvfn = OPS[op][:2]
        assert_same(fn(img, footprint=fp), cvfn(img, fp), op)
        assert_same(fn(img, 3), cvfn(img, np.ones((3, 3), np.uint8)), op)


def test_footprint_size_ignored_and_numeric(camera):
    fp = np.array([[0, 2, 0], [1, 1, 0], [0, 0, 0.5]])
    img = camera[:30, :40]
    assert_same(imfilt.maximum(img, 99, footprint=fp), reference(img, fp, "maximum"))
    full = np.ones((3, 5), bool)                       # a full footprint is the rectangle
    assert_same(imfilt.minimum(img, footprint=full), imfilt.minimum(img, (3, 5)))


def test_footprint_many_run_lengths():
    """A wide footprint with many distinct run lengths on a wide float64 image: the ring of
    run-length rows exceeds its budget, so run lengths are rounded to powers of two (each run
    = two overlapping power-of-two runs); still exact."""
    rng = np.random.default_rng(7)
    fh, fw = 80, 181
    fp = np.zeros((fh, fw), bool)
    for i in range(fh):
        a = rng.integers(0, fw - 1)
        fp[i, a:rng.integers(a + 1, fw + 1)] = True
    img = rng.random((5, 3000))
    img[2, 1500] = np.nan
    for op in OPS:
        got = OPS[op][0](img, footprint=fp, border="reflect")
        assert_same(got, reference(img, fp, op, "reflect"), op)


# =========================================================================== edge cases
@pytest.mark.parametrize("border", (None,) + ALL_BORDERS)
def test_tiny_images_and_huge_kernels(border):
    rng = np.random.default_rng(3)
    se = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9))
    for shape in ((1, 1), (1, 7), (7, 1), (3, 4), (2, 3, 3)):
        for dtype in ("uint8", "float64"):
            img = (rng.random(shape) * 200).astype(dtype)
            for op in OPS:
                fn = OPS[op][0]
                for size in (1, 2, 3, (4, 1), (1, 5), 8, 17, (61, 40), (255, 3), (2, 255)):
                    kh, kw = (size, size) if np.isscalar(size) else size
                    got = fn(img, size, border=border, cval=9)
                    assert_same(got, reference(img, np.ones((kh, kw)), op, border, 9),
                                f"{shape} {dtype} {op} {size} {border}")
                assert_same(fn(img, footprint=se, border=border, cval=9),
                            reference(img, se, op, border, 9), f"{shape} ellipse {border}")


def test_kernel_255_on_3x4_matches_cv2_and_scipy():
    img = np.arange(12, dtype=np.uint8).reshape(3, 4) * 17
    assert_same(imfilt.maximum(img, 255), cv2.dilate(img, np.ones((255, 255), np.uint8)))
    assert_same(imfilt.minimum(img, 255), cv2.erode(img, np.ones((255, 255), np.uint8)))
    for border in ALL_BORDERS:
        for op in OPS:
            assert_same(OPS[op][0](img, 255, border=border, cval=3),
                        OPS[op][2](img, size=255, mode=SCIPY_MODE[border], cval=3), border)


def test_empty_images():
    for shape in ((0, 5), (5, 0), (0, 0, 3)):
        img = np.zeros(shape, np.uint8)
        assert imfilt.maximum(img, 5).shape == shape
        assert imfilt.minimum(img, footprint=np.ones((2, 2))).shape == shape


def test_nan_in_a_few_rows():
    """Float rows without NaN take loops without the NaN rule, rows whose window holds one the
    exact loops: windows switch between the two down the image (signed zeros and infinities
    in both), and a NaN cval makes every window exact."""
    rng = np.random.default_rng(12)
    for dtype in ("float32", "float64"):
        img = rng.choice(np.array([-0.0, 0.0, 1.0, -1.0, np.inf, -np.inf], dtype), (60, 301))
        img[7, 100] = img[30, 0] = img[31, 300] = img[59, 5] = np.nan
        for op in OPS:
            fn = OPS[op][0]
            for size in (2, 3, (5, 1), (6, 9)):
                kh, kw = (size, size) if np.isscalar(size) else size
                for border, cval in (("reflect", 0), ("constant", 2), ("constant", np.nan)):
                    assert_same(fn(img, size, border=border, cval=cval, threads=1),
                                reference(img, np.ones((kh, kw)), op, border, cval),
                                f"{dtype} {op} {size} {border} {cval}")
                # the two loops give the same bits, signed zeros included: a NaN cval (every
                # window exact) against a number, on the pixels whose window stays inside
                exact = fn(img, size, border="constant", cval=np.nan)
                plain = fn(img, size, border="constant", cval=0)
                inner = np.s_[kh:-kh, kw:-kw]
                uint = np.dtype(f"u{img.itemsize}")
                assert_identical(plain[inner].view(uint), exact[inner].view(uint))


def test_nan_policy():
    """NaN is ignored (np.fmin / np.fmax over the window): a window gives NaN only when every
    sample in it is NaN, on every path."""
    rng = np.random.default_rng(11)
    for dtype in ("float32", "float64"):
        img = rng.standard_normal((40, 53)).astype(dtype)
        img[rng.random(img.shape) < 0.01] = np.nan
        img[10:20, 30:45] = np.nan      # windows that are all NaN
        img[0, 0] = np.inf
        img[5, 5] = -np.inf
        for op in OPS:
            fn = OPS[op][0]
            for size in (2, 3, 5, (9, 2), 13, (3, 40)):
                kh, kw = (size, size) if np.isscalar(size) else size
                assert_same(fn(img, size), reference(img, np.ones((kh, kw)), op), f"{size}")
                assert_same(fn(img, size, border="reflect"),
                            reference(img, np.ones((kh, kw)), op, "reflect"))
                assert_same(fn(img, size, border="constant", cval=np.nan),
                            reference(img, np.ones((kh, kw)), op, "constant", np.nan))
            se = cv2.getStructuringElement(cv2.MORPH_CROSS, (7, 7))
            assert_same(fn(img, footprint=se), reference(img, se, op))
        single = np.zeros((9, 9), dtype)
        single[4, 4] = np.nan
        assert_identical(imfilt.maximum(single, 3), np.zeros((9, 9), dtype))
        assert np.isnan(imfilt.minimum(np.full((4, 5), np.nan, dtype), 3, border="wrap")).all()


@pytest.mark.parametrize("dtype", ("float32", "float64"))
@pytest.mark.parametrize("op", OPS)
def test_nan_vs_cv2_and_scipy(dtype, op):
    """cv2.erode / dilate and scipy's minimum_filter / maximum_filter compare with < and >, so
    on a window holding a NaN their result depends on where the NaN sits (they disagree with
    each other and between float32 and float64). Where no NaN is in the window all three are
    equal; where one is, imfilt ignores it -- the result cv2 and scipy give on most such windows."""
    rng = np.random.default_rng(5)
    img = rng.standard_normal((60, 71)).astype(dtype)
    img[rng.random(img.shape) < 0.02] = np.nan
    fn, cvfn, ndfn, _ = OPS[op]
    got = fn(img, 3)
    cv_ref = cvfn(img, np.ones((3, 3), np.uint8))
    nd_ref = ndfn(img, size=3, mode="constant", cval=np.inf if op == "minimum" else -np.inf)
    touched = ndi.maximum_filter(np.isnan(img).astype(np.uint8), size=3).astype(bool)
    assert_identical(got[~touched], cv_ref[~touched])
    assert_identical(got[~touched], nd_ref[~touched])
    # NaN windows: imfilt is the nan-ignoring extremum, and agrees with most of cv2's and scipy's
    assert_same(got, reference(img, np.ones((3, 3)), op))
    assert not np.isnan(got).any()
    for ref in (cv_ref, nd_ref) if CV2_IS_REFERENCE else (nd_ref,):  # aarch64 cv2: NaN
        agree = np.count_nonzero(got[touched] == ref[touched])
        assert agree > 0.7 * np.count_nonzero(touched), (agree, np.count_nonzero(touched))


def test_negative_strides_fortran_bigendian_readonly(astronaut):
    img = astronaut[:80, :90]
    exp = imfilt.maximum(np.ascontiguousarray(img[::-1, ::-1]), (5, 8))
    assert_same(imfilt.maximum(img[::-1, ::-1], (5, 8)), exp)
    f = np.asfortranarray(img[..., 0])
    assert_same(imfilt.minimum(f, 4), cv2.erode(np.ascontiguousarray(f), np.ones((4, 4))))
    be = img.astype(">u2")
    assert_same(imfilt.maximum(be, 3), imfilt.maximum(img.astype(np.uint16), 3))
    ro = img.copy()
    ro.setflags(write=False)
    assert_same(imfilt.maximum(ro, 3), cv2.dilate(img, np.ones((3, 3), np.uint8)))
    strided = img[::2, ::3]
    assert_same(imfilt.minimum(strided, footprint=np.eye(3)),
                reference(strided, np.eye(3), "minimum"))


def test_out_argument_and_aliasing(camera):
    img = camera[:100, :120].copy()
    exp = cv2.dilate(img, np.ones((9, 9), np.uint8))
    out = np.empty_like(img)
    assert imfilt.maximum(img, 9, out=out) is out
    assert_same(out, exp)
    alias = img.copy()
    assert imfilt.maximum(alias, 9, out=alias) is alias
    assert_same(alias, exp)
    alias = img.copy()
    se = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
    imfilt.minimum(alias, footprint=se, out=alias)
    assert_same(alias, cv2.erode(img, se))
    flipped = img.copy()
    imfilt.maximum(flipped, 9, out=flipped[::-1])       # overlaps the input, reversed
    assert_same(flipped[::-1], exp)


# =========================================================================== threads
@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_threads_bit_identical(photos, dtype):
    img = np.ascontiguousarray(np.vstack([photos["coffee"]] * 2)[:, :, :3])
    img = as_dtype(img, dtype)
    if dtype == "float32":
        img = img - np.float32(0.5)   # signed zeros are not an issue: same order of ops
    se = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (11, 11))
    for op in OPS:
        fn = OPS[op][0]
        for kw in (dict(size=3), dict(size=(37, 5)), dict(size=64), dict(size=(150, 7)),
                   dict(footprint=se),
                   dict(size=(23, 23), border="wrap")):
            one = fn(img, threads=1, **kw)
            two = fn(img, threads=2, **kw)
            assert one.tobytes() == two.tobytes(), (op, kw)
            assert one.tobytes() == fn(img, **kw).tobytes()
        assert_same(fn(img, 37, threads=2), cv_morph(OPS[op][1], img, np.ones((37, 37))))


# =========================================================================== SIMD levels
def test_simd_levels_identical(tmp_path):
    for level, res, base in each_level(run_levels("morphology", tmp_path)):
        for key in base:
            assert res[key].tobytes() == base[key].tobytes(), f"{level} {key}"
    # and the default level is exact against cv2 on the same data
    photo = base["uint8/rgb/maximum/15"]
    import skimage.data
    src = skimage.data.astronaut()[:67, :517]
    assert_same(photo, cv2.dilate(src, np.ones((15, 15), np.uint8)))


# =========================================================================== bad input
def test_bad_input():
    img = np.zeros((10, 10), np.uint8)
    for fn in (imfilt.minimum, imfilt.maximum):
        with pytest.raises(ValueError, match="footprint"):
            fn(img, footprint=np.zeros((3, 3)))
        with pytest.raises(ValueError, match="footprint"):
            fn(img, footprint=np.ones((3, 3, 1)))
        with pytest.raises(ValueError, match="footprint"):
            fn(img, footprint=np.ones(3))
        with pytest.raises(ValueError, match="footprint"):
            fn(img, footprint=np.ones((0, 3)))
        with pytest.raises(ValueError, match="size"):
            fn(img, 0)
        with pytest.raises(ValueError, match="size"):
            fn(img, (3, -1))
        with pytest.raises(ValueError, match="size"):
            fn(img, 2.5)
        with pytest.raises(TypeError, match="size"):
            fn(img, "3")
        with pytest.raises(ValueError, match="size"):
            fn(img, 10**6)
        with pytest.raises(TypeError, match="uint8"):
            fn(img.astype(np.int32), 3)
        with pytest.raises(TypeError, match="uint8"):
            fn(img.astype(bool), 3)
        with pytest.raises(ValueError, match="border"):
            fn(img, 3, border="circular")
        with pytest.raises(ValueError, match="dimensions"):
            fn(np.zeros((2, 2, 2, 2), np.uint8), 3)
        with pytest.raises(ValueError, match="out"):
            fn(img, 3, out=np.zeros((10, 11), np.uint8))
        with pytest.raises(ValueError, match="out"):
            fn(img, 3, out=np.zeros((10, 10), np.uint16))
        with pytest.raises(ValueError, match="threads"):
            fn(img, 3, threads=0)
        with pytest.raises(ValueError, match="scratch"):
            fn(np.zeros((2, 60000), np.float64), (60000, 3))
