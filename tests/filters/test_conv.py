"""conv2d vs torch.nn.functional.conv2d and a NumPy float64 reference; filter2d vs
cv2.filter2D (and a NumPy reference) on real photographs; separable detection, threads,
SIMD levels, bad input."""
import json

import cv2
import numpy as np
import pytest

try:
    import torch
    import torch.nn.functional as F
except ImportError:   # torch 2.13 has no wheel for every Python (none for 3.9): its comparisons skip
    torch = None

import imfilt
from imfilt.convolution import conv_padding, separable_factors
from _assert import assert_close, assert_identical
from references import CV_BORDER, as_dtype, border_index, per_channel
from simd_levels import each_level, results_fixture

if torch is not None:
    torch.set_num_threads(2)
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")
RNG = np.random.default_rng(6)


# ------------------------------------------------------------------------------ references

def np_conv2d(x, w, b=None, stride=(1, 1), pads=(0, 0, 0, 0), dilation=(1, 1), groups=1):
    """Plain float64 conv2d: zero-pad (top, bottom, left, right), then one einsum per tap."""
    x = np.asarray(x, np.float64)
    w = np.asarray(w, np.float64)
    n, c, h, wd = x.shape
    cout, cin, kh, kw = w.shape
    pt, pb, pl, pr = pads
    (sh, sw), (dh, dw) = stride, dilation
    xp = np.zeros((n, c, h + pt + pb, wd + pl + pr))
    xp[:, :, pt:pt + h, pl:pl + wd] = x
    oh = (h + pt + pb - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + pl + pr - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, cout, oh, ow))
    cpg = cout // groups
    for g in range(groups):
        xg = xp[:, g * cin:(g + 1) * cin]
        wg = w[g * cpg:(g + 1) * cpg]
        for ky in range(kh):
            for kx in range(kw):
                patch = xg[:, :, ky * dh:ky * dh + sh * (oh - 1) + 1:sh,
                           kx * dw:kx * dw + sw * (ow - 1) + 1:sw]
                out[:, g * cpg:(g + 1) * cpg] += np.einsum("nchw,oc->nohw", patch, wg[:, :, ky, kx])
    if b is not None:
        out += np.asarray(b, np.float64)[None, :, None, None]
    return out


def torch_conv2d(x, w, b=None, **kw):
    with torch.no_grad():
        return F.conv2d(torch.from_numpy(np.ascontiguousarray(x)),
                        torch.from_numpy(np.ascontiguousarray(w)),
                        None if b is None else torch.from_numpy(b), **kw).numpy()


def check_conv2d(got, x, w, b=None, tol=2e-5, what="", **kw):
    """`got` against the float64 NumPy reference and, when torch is installed, against torch;
    kw are conv2d's stride, padding, dilation and groups."""
    pair = imfilt._normalize.pair
    stride = pair(kw.get("stride", 1), "stride", integer=True, single=True)
    dilation = pair(kw.get("dilation", 1), "dilation", integer=True, single=True)
    pads = conv_padding(kw.get("padding", 0), stride, dilation, *w.shape[2:])
    ref = np_conv2d(x if x.ndim == 4 else x[None], w, b, stride, pads, dilation,
                    kw.get("groups", 1))
    assert_rel(got, ref if x.ndim == 4 else ref[0], tol, f"numpy {what}")
    if torch is not None:
        assert_rel(got, torch_conv2d(x, w, b, **kw), tol, f"torch {what}")


def assert_rel(got, ref, rel, what=""):
    got, ref = np.asarray(got), np.asarray(ref)
    assert got.shape == ref.shape, (what, got.shape, ref.shape)
    if ref.size == 0:
        return
    scale = max(1.0, float(np.max(np.abs(ref))))
    d = float(np.max(np.abs(got.astype(np.float64) - ref.astype(np.float64))))
    assert d <= rel * scale, f"{what}: max |diff| {d:g} > {rel:g} * {scale:g}"


def conv_tol(dtype):
    return 2e-5 if np.dtype(dtype) == np.float32 else 1e-12


def np_filter2d(img, k, anchor, delta, border, cval=0.0):
    """float64 correlation with border.h's index pictures (references.border_index), then
    round half to even and saturate for integer images."""
    img = np.asarray(img)
    k = np.asarray(k, np.float64)
    kh, kw = k.shape
    ay, ax = anchor
    h, w = img.shape[:2]
    rows = border_index(np.arange(-ay, h + kh - 1 - ay), h, border)
    cols = border_index(np.arange(-ax, w + kw - 1 - ax), w, border)
    src = img.astype(np.float64)
    pad = src[np.clip(rows, 0, h - 1)][:, np.clip(cols, 0, w - 1)]
    if border == "constant":
        pad[rows < 0] = cval
        pad[:, cols < 0] = cval
    acc = np.full(src.shape, float(delta))
    for j in range(kh):
        for i in range(kw):
            acc += k[j, i] * pad[j:j + h, i:i + w]
    if img.dtype.kind in "ui":
        info = np.iinfo(img.dtype)
        return np.clip(np.rint(acc), info.min, info.max).astype(img.dtype)
    return acc.astype(img.dtype)


def cv_filter2d(img, k, anchor=None, delta=0.0, border="reflect101", cval=0.0):
    """cv2.filter2D with imfilt's (y, x) anchor; wrap and constant != 0 through
    copyMakeBorder + filter + crop; channel by channel beyond 4 channels."""
    kh, kw = k.shape
    ay, ax = anchor if anchor is not None else (kh // 2, kw // 2)
    kf = np.asarray(k, np.float64)

    def one(ch):
        if border == "wrap" or (border == "constant" and cval != 0):
            h, w = ch.shape[:2]
            padded = cv2.copyMakeBorder(ch, ay, kh - 1 - ay, ax, kw - 1 - ax, CV_BORDER[border],
                                        value=[cval] * 4)  # a bare scalar pads channel 0 only
            res = cv2.filter2D(padded, -1, kf, anchor=(ax, ay), delta=delta)
            return res[ay:ay + h, ax:ax + w]
        return cv2.filter2D(ch, -1, kf, anchor=(ax, ay), delta=delta,
                            borderType=CV_BORDER[border])

    img = np.asarray(img)
    if img.ndim == 3 and (img.shape[2] > 4 or img.shape[2] == 1):
        return per_channel(one, img)
    return one(np.ascontiguousarray(img))


def f2d_tol(dtype):
    dtype = np.dtype(dtype)
    if dtype.kind in "ui":
        return 1
    return 2e-5 if dtype == np.float32 else 1e-10


def assert_f2d(got, ref, dtype, what=""):
    got, ref = np.asarray(got), np.asarray(ref)
    assert got.dtype == ref.dtype and got.shape == ref.shape, (what, got.dtype, got.shape)
    if np.dtype(dtype).kind in "ui":
        d = int(np.max(np.abs(got.astype(np.int64) - ref.astype(np.int64)))) if got.size else 0
        assert d <= 1, f"{what}: max |diff| {d} > 1"
    else:
        assert_rel(got, ref, f2d_tol(dtype), what)


# ---------------------------------------------------------------------------------- conv2d

# (x shape, weight shape, groups, stride, padding, dilation)
CONV_CASES = [
    ((1, 8, 16, 16), (8, 1, 3, 3), 8, 1, 1, 1),           # depthwise
    ((2, 6, 17, 23), (6, 1, 3, 3), 6, 2, 1, 1),           # depthwise, stride 2, odd sizes
    ((1, 4, 19, 37), (12, 1, 3, 3), 4, 1, 1, 1),          # depthwise, multiplier 3
    ((1, 4, 19, 37), (12, 1, 3, 3), 4, 2, 0, 1),
    ((2, 5, 21, 20), (5, 1, 5, 5), 5, 1, 2, 1),           # depthwise 5x5
    ((1, 5, 21, 20), (5, 1, 5, 5), 5, 2, (2, 1), 1),
    ((1, 3, 22, 25), (3, 1, 3, 3), 3, 1, 2, 2),           # dilated
    ((1, 3, 22, 25), (3, 1, 7, 2), 3, (3, 2), (1, 3), (1, 2)),
    ((1, 3, 9, 70), (3, 1, 3, 3), 3, 3, 1, 1),            # stride 3
    ((1, 2, 5, 5), (16, 1, 3, 3), 2, 1, 1, 1),            # multiplier 8: the GEMM path
    ((1, 16, 13, 14), (24, 16, 3, 3), 1, 1, 1, 1),        # dense
    ((2, 16, 13, 14), (24, 16, 3, 3), 1, 2, 1, 1),
    ((1, 7, 33, 35), (9, 7, 3, 3), 1, (1, 2), (0, 1), (2, 1)),
    ((1, 3, 40, 41), (5, 3, 5, 5), 1, 1, 2, 1),
    ((1, 8, 12, 12), (16, 8, 1, 1), 1, 1, 0, 1),          # pointwise
    ((2, 33, 9, 11), (65, 33, 1, 1), 1, 1, 0, 1),         # pointwise, odd counts and tail
    ((1, 8, 12, 13), (16, 8, 1, 1), 1, 2, 0, 1),          # strided 1x1
    ((1, 8, 12, 13), (16, 8, 1, 1), 1, 1, 1, 1),          # padded 1x1
    ((2, 12, 15, 16), (24, 3, 3, 3), 4, 1, 1, 1),         # grouped
    ((1, 12, 15, 16), (8, 6, 3, 3), 2, 2, 1, 1),
    ((1, 12, 15, 16), (12, 6, 1, 1), 2, 1, 0, 1),         # grouped pointwise
    # strided 1x1 with a single output column / row: the stride of a length-1 output axis is
    # normalised to 1, which must not select the pointwise path (output plane != input plane;
    # this once wrote past the output, found by the property test in CI)
    ((1, 3, 10, 2), (2, 3, 1, 1), 1, (1, 3), 0, 1),
    ((2, 4, 2, 9), (5, 4, 1, 1), 1, (3, 1), 0, 1),
    ((1, 4, 2, 2), (4, 1, 1, 1), 4, (2, 3), 0, 2),
    ((1, 1, 1, 1), (1, 1, 1, 1), 1, 1, 0, 1),             # 1x1 image
    ((1, 2, 1, 9), (3, 2, 1, 3), 1, 1, 0, 1),             # 1xN image
    ((1, 2, 3, 3), (3, 2, 3, 3), 1, 1, 0, 1),             # kernel = image
    ((1, 3, 2, 2), (4, 3, 5, 5), 1, 1, 2, 1),             # kernel > image, padded
    ((3, 4, 10, 10), (4, 4, 3, 3), 1, 1, "same", 1),
    ((1, 4, 10, 11), (4, 4, 4, 2), 1, 1, "same", (1, 3)),  # even kernel: extra pad after
    ((1, 4, 10, 11), (6, 2, 3, 3), 2, 1, "valid", 1),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CONV_CASES, ids=[str(i) for i in range(len(CONV_CASES))])
def test_conv2d_vs_torch_and_numpy(case, dtype):
    xs, ws, groups, stride, padding, dilation = case
    x = RNG.standard_normal(xs).astype(dtype)
    w = RNG.standard_normal(ws).astype(dtype)
    b = RNG.standard_normal(ws[0]).astype(dtype)
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    got = imfilt.conv2d(x, w, b, **kw)
    assert got.dtype == np.dtype(dtype)
    check_conv2d(got, x, w, b, conv_tol(dtype), str(case), **kw)
    check_conv2d(imfilt.conv2d(x, w, **kw), x, w, None, conv_tol(dtype), f"no bias {case}", **kw)


def test_conv2d_unbatched_and_layouts():
    x = RNG.standard_normal((6, 20, 21)).astype(np.float32)
    w = RNG.standard_normal((6, 1, 3, 3)).astype(np.float32)
    got = imfilt.conv2d(x, w, padding=1, groups=6)
    assert got.shape == (6, 20, 21)
    check_conv2d(got, x, w, padding=1, groups=6)
    # negative strides, Fortran order, big-endian, read-only: same result
    for xv in (np.asfortranarray(x), x[:, ::-1, ::-1].copy()[:, ::-1, ::-1],
               x.astype(">f4"), np.array(x)):
        xv.setflags(write=False)
        assert_identical(imfilt.conv2d(xv, w, padding=1, groups=6), got)
    # float64 weights on a float32 input are converted to float32
    assert_identical(imfilt.conv2d(x, w.astype(np.float64), padding=1, groups=6), got)
    # a big dense case (many channels, wide rows, K > L1)
    x = RNG.standard_normal((1, 96, 9, 150)).astype(np.float32)
    w = RNG.standard_normal((40, 96, 3, 3)).astype(np.float32)
    check_conv2d(imfilt.conv2d(x, w, padding=1), x, w, padding=1)


@pytest.mark.parametrize("kw", [dict(stride=(2,)), dict(padding=(1,)), dict(dilation=(2,)),
                                dict(stride=[3], padding=[2], dilation=[2]),
                                dict(padding="same", dilation=(2,)),
                                dict(stride=(2,), padding=(1, 0), dilation=(1, 2))])
def test_conv2d_one_element_tuples_like_torch(kw):
    """torch takes an int, or a sequence of 1 or 2 ints, for stride / padding / dilation."""
    x = RNG.standard_normal((2, 4, 13, 15)).astype(np.float32)
    w = RNG.standard_normal((6, 4, 3, 3)).astype(np.float32)
    check_conv2d(imfilt.conv2d(x, w, **kw), x, w, what=f"{kw}", **kw)


@pytest.mark.parametrize("kw", [dict(stride=()), dict(padding=()), dict(dilation=(1, 1, 1)),
                                dict(stride=(2, 2, 2))])
def test_conv2d_tuple_lengths_torch_refuses(kw):
    x = RNG.standard_normal((1, 2, 9, 9)).astype(np.float32)
    w = RNG.standard_normal((2, 2, 3, 3)).astype(np.float32)
    if torch is not None:
        with pytest.raises(RuntimeError):
            torch_conv2d(x, w, **kw)
    with pytest.raises(ValueError, match=next(iter(kw))):
        imfilt.conv2d(x, w, **kw)


def test_conv2d_wide_rows_are_chunked():
    x = RNG.standard_normal((1, 2, 5, 2600)).astype(np.float32)
    w = RNG.standard_normal((2, 1, 3, 3)).astype(np.float32)
    check_conv2d(imfilt.conv2d(x, w, padding=1, groups=2), x, w, padding=1, groups=2)
    w = RNG.standard_normal((3, 2, 3, 3)).astype(np.float32)
    check_conv2d(imfilt.conv2d(x, w, padding=1, stride=(1, 2)), x, w, padding=1, stride=(1, 2))


def test_conv2d_empty():
    w = np.ones((4, 2, 3, 3), np.float32)
    assert imfilt.conv2d(np.zeros((0, 2, 5, 5), np.float32), w).shape == (0, 4, 3, 3)
    b = np.arange(3, dtype=np.float64)
    got = imfilt.conv2d(np.zeros((1, 0, 5, 5)), np.zeros((3, 0, 3, 3)), b)
    assert_identical(got, np.broadcast_to(b[None, :, None, None], (1, 3, 3, 3)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_conv2d_threads_identical(dtype):
    cases = [((1, 16, 64, 70), (16, 1, 3, 3), 16, 1), ((1, 16, 64, 70), (32, 1, 3, 3), 16, 2),
             ((2, 16, 40, 41), (32, 16, 3, 3), 1, 1), ((2, 32, 48, 48), (40, 32, 1, 1), 1, 1),
             ((1, 3, 200, 130), (3, 1, 3, 3), 3, 1)]  # few planes: row bands
    for xs, ws, groups, stride in cases:
        x = RNG.standard_normal(xs).astype(dtype)
        w = RNG.standard_normal(ws).astype(dtype)
        b = RNG.standard_normal(ws[0]).astype(dtype)
        pad = ws[2] // 2
        one = imfilt.conv2d(x, w, b, padding=pad, groups=groups, stride=stride, threads=1)
        for t in (2, 3):
            got = imfilt.conv2d(x, w, b, padding=pad, groups=groups, stride=stride, threads=t)
            assert_identical(got, one, context=dict(x=x, w=w, stride=stride, threads=t))


def test_conv2d_bad_input():
    x = np.zeros((1, 4, 8, 8), np.float32)
    w = np.zeros((4, 4, 3, 3), np.float32)
    with pytest.raises(TypeError, match="x has unsupported dtype"):
        imfilt.conv2d(x.astype(np.int32), w)
    with pytest.raises(TypeError, match="x has unsupported dtype"):
        imfilt.conv2d(x.astype(np.float16), w)
    with pytest.raises(TypeError, match="weight has unsupported dtype"):
        imfilt.conv2d(x, w.astype(np.int64))
    with pytest.raises(TypeError, match="bias"):
        imfilt.conv2d(x, w, np.zeros(4, np.int8))
    with pytest.raises(TypeError, match="x must be an array"):
        imfilt.conv2d(None, w)
    with pytest.raises(ValueError, match="x must have shape"):
        imfilt.conv2d(x[0, 0], w)
    with pytest.raises(ValueError, match="weight must have shape"):
        imfilt.conv2d(x, w[0])
    with pytest.raises(ValueError, match="expected 2"):
        imfilt.conv2d(x, np.zeros((4, 4, 3, 3), np.float32), groups=2)
    with pytest.raises(ValueError, match="channels"):
        imfilt.conv2d(x, np.zeros((4, 3, 3, 3), np.float32))
    with pytest.raises(ValueError, match="groups=3 must divide the input channels"):
        imfilt.conv2d(x, np.zeros((3, 1, 3, 3), np.float32), groups=3)
    with pytest.raises(ValueError, match="groups=2 must divide the output channels"):
        imfilt.conv2d(x, np.zeros((3, 2, 3, 3), np.float32), groups=2)
    with pytest.raises(ValueError, match="groups must be >= 1"):
        imfilt.conv2d(x, w, groups=0)
    with pytest.raises(TypeError, match="groups"):
        imfilt.conv2d(x, w, groups=1.5)
    with pytest.raises(ValueError, match="stride must be >= 1"):
        imfilt.conv2d(x, w, stride=0)
    with pytest.raises(ValueError, match="dilation must be >= 1"):
        imfilt.conv2d(x, w, dilation=(1, -1))
    with pytest.raises(ValueError, match="padding must be >= 0"):
        imfilt.conv2d(x, w, padding=-1)
    with pytest.raises(ValueError, match="padding='full'"):
        imfilt.conv2d(x, w, padding="full")
    with pytest.raises(ValueError, match="strided"):
        imfilt.conv2d(x, w, padding="same", stride=2)
    with pytest.raises(ValueError, match="larger than the padded input"):
        imfilt.conv2d(x, np.zeros((4, 4, 9, 3), np.float32))
    with pytest.raises(ValueError, match="larger than the padded input"):
        imfilt.conv2d(x, w, dilation=5)
    with pytest.raises(ValueError, match="bias must have shape"):
        imfilt.conv2d(x, w, np.zeros(5, np.float32))
    with pytest.raises(ValueError, match="threads"):
        imfilt.conv2d(x, w, threads=0)
    if torch is not None:  # torch agrees that these are errors
        with pytest.raises(RuntimeError):
            torch_conv2d(x, np.zeros((4, 4, 9, 3), np.float32))


# -------------------------------------------------------------------------------- filter2d

def photo(photos, dtype, name="astronaut", crop=(137, 203)):
    img = photos[name][:crop[0], :crop[1]]
    return as_dtype(img, dtype)


K5 = np.random.default_rng(5).standard_normal((5, 5)) / 5
K37 = np.random.default_rng(37).standard_normal((3, 7)) / 4


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "int16", "float32", "float64"])
@pytest.mark.parametrize("border", ["reflect101", "reflect", "replicate", "constant", "wrap"])
def test_filter2d_vs_cv2(photos, dtype, border):
    for name, k, anchor, delta in (("astronaut", K5, None, 0.0),
                                   ("camera", K37, (2, 1), 7.25),
                                   ("coffee", K37.T.copy(), (0, 2), -3.0)):
        img = photo(photos, dtype, name)
        got = imfilt.filter2d(img, k, anchor=anchor, delta=delta, border=border)
        ref = cv_filter2d(img, k, anchor, delta, border)
        assert_f2d(got, ref, dtype, f"{dtype} {border} {name} {k.shape} {anchor}")
        if name == "camera":
            assert_f2d(got, np_filter2d(img, k, anchor, delta, border), dtype, "numpy ref")


@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_filter2d_large_kernels(photos, dtype):
    img = photo(photos, dtype, "chelsea", (120, 190))
    for ks in ((11, 11), (31, 31), (15, 4)):
        k = np.random.default_rng(sum(ks)).standard_normal(ks) / np.sqrt(np.prod(ks))
        got = imfilt.filter2d(img, k, border="reflect")
        assert_f2d(got, cv_filter2d(img, k, border="reflect"), dtype, f"{ks}")


def test_filter2d_channels_and_constant_cval(photos):
    rgb = photo(photos, "float32")
    for c in (1, 4, 5):
        img = np.ascontiguousarray(np.dstack([rgb] * 2)[:, :, :c])
        got = imfilt.filter2d(img, K37, border="constant", cval=0.25, delta=1.0)
        assert got.shape == img.shape
        assert_f2d(got, cv_filter2d(img, K37, None, 1.0, "constant", 0.25), "float32", f"{c} ch")
    u8 = photo(photos, "uint8")
    got = imfilt.filter2d(u8, K5, border="constant", cval=300)  # saturates to 255
    assert_f2d(got, np_filter2d(u8, K5, (2, 2), 0, "constant", 255), "uint8", "cval")


def test_filter2d_edge_sizes():
    for shape in ((1, 1), (1, 9), (7, 1), (3, 5), (2, 2, 3)):
        img = (np.arange(np.prod(shape)).reshape(shape) * 17 % 251).astype(np.uint8)
        for ks in ((3, 3), (9, 9), (1, 5), (4, 2)):
            k = np.random.default_rng(ks[0] * 7 + ks[1]).standard_normal(ks)
            for border in ("reflect101", "reflect", "replicate", "constant", "wrap"):
                got = imfilt.filter2d(img, k, border=border, cval=9)
                assert_f2d(got, np_filter2d(img, k, (ks[0] // 2, ks[1] // 2), 0, border, 9),
                           "uint8", f"{shape} {ks} {border}")
                f = img.astype(np.float64)
                assert_f2d(imfilt.filter2d(f, k, border=border, cval=9),
                           np_filter2d(f, k, (ks[0] // 2, ks[1] // 2), 0, border, 9), "float64",
                           f"f64 {shape} {ks} {border}")
    assert imfilt.filter2d(np.zeros((0, 5), np.uint8), K5).shape == (0, 5)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_in_place_and_copied_rows_agree(dtype):
    """A row of the work type that fits one column tile (FILTER2D_TILE_BYTES over kh + 1
    rows) is one bordered tile; wider rows are read in place between bordered edge tiles: the
    same arithmetic, so the interior of a narrow crop equals the interior of the whole image
    bit for bit (200 columns fit one tile for both kernels and dtypes, 3000 do not)."""
    img = np.random.default_rng(2).standard_normal((600, 3000)).astype(dtype)
    for k in (K5, K37):
        whole = imfilt.filter2d(img, k, delta=0.5, threads=2)
        crop = imfilt.filter2d(img[100:300, 200:400], k, delta=0.5, threads=1)
        assert_identical(crop[18:-18, 18:-18], whole[118:282, 218:382], context=(dtype, k.shape))


def test_separable_detection(photos, monkeypatch):
    sobel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], np.float64)
    ky, kx = separable_factors(sobel)
    assert_identical(np.outer(ky, kx), sobel)
    g = cv2.getGaussianKernel(7, 1.5)
    ky, kx = separable_factors(g @ cv2.getGaussianKernel(5, 1.0).T)
    assert ky.shape == (7,) and kx.shape == (5,)
    assert separable_factors(K5) is None
    assert separable_factors(np.array([[1.0, 2.0], [3.0, 4.0]])) is None
    assert separable_factors(np.zeros((3, 3))) is None
    assert separable_factors(np.ones((1, 5))) is None  # 1-D kernels go direct
    # separable kernels never reach the 2-D kernel, and still equal cv2
    calls = []
    real = imfilt.convolution._core.filter2d
    monkeypatch.setattr(imfilt.convolution._core, "filter2d",
                        lambda *a: (calls.append(1), real(*a)))
    for dtype in ("uint8", "int16", "float32", "float64"):
        img = photo(photos, dtype)
        for k, delta in ((sobel, 0.0), (sobel, 3.5), (np.outer([1, 4, 6, 4, 1], [1, 2, 1]) / 64, 0)):
            got = imfilt.filter2d(img, k, delta=delta, anchor=(1, 0))
            assert_f2d(got, cv_filter2d(img, k, (1, 0), delta), dtype, f"sep {dtype} {delta}")
            out = np.empty_like(img)
            assert imfilt.filter2d(img, k, delta=delta, out=out) is out
    assert not calls
    imfilt.filter2d(photo(photos, "uint8"), K5)
    assert calls


def test_filter2d_threads_views_and_out(photos):
    img = photos["astronaut"]
    one = imfilt.filter2d(img, K5, threads=1)
    assert_identical(imfilt.filter2d(img, K5, threads=2), one)
    f = as_dtype(img, "float32")
    assert_identical(imfilt.filter2d(f, K37, threads=2), imfilt.filter2d(f, K37, threads=1))
    # negative strides, Fortran order, read-only: same as a contiguous copy
    view = img[::-1, ::-1]
    assert_identical(imfilt.filter2d(view, K5), imfilt.filter2d(np.ascontiguousarray(view), K5))
    fo = np.asfortranarray(img)
    fo.setflags(write=False)
    assert_identical(imfilt.filter2d(fo, K5), one)
    # out aliasing the input
    a = img.copy()
    res = imfilt.filter2d(a, K5, out=a)
    assert res is a
    assert_identical(a, one)


@pytest.mark.parametrize("dtype", ("float32", "float64"))
@pytest.mark.parametrize("border", ("reflect101", "reflect", "replicate", "constant"))
def test_filter2d_zero_coefficients_skip_nan_like_cv2(dtype, border):
    """cv2.filter2D (direct path, kernels below its DFT size) sums only the nonzero
    coefficients: a NaN or inf under a zero weight never reaches the output. imfilt does the
    same on its direct and its separable (rank-1) paths; finite values are unchanged."""
    rng = np.random.default_rng(9)
    img = rng.random((41, 67)).astype(dtype)
    img[rng.random(img.shape) < 0.02] = np.nan
    img[rng.random(img.shape) < 0.01] = np.inf
    img[rng.random(img.shape) < 0.01] = -np.inf
    kernels = {"laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
               "sobel (rank 1)": [[1, 0, -1], [2, 0, -2], [1, 0, -1]],
               "centre tap": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
               "sparse 5x7": np.where(rng.random((5, 7)) < 0.5, rng.standard_normal((5, 7)), 0),
               "ring (rank 1 with gaps)": np.outer([1, 0, 2, 0, 1], [1, 0, 0, 3]),
               "zeros": np.zeros((3, 3))}
    for name, k in kernels.items():
        k = np.asarray(k, np.float64)
        for delta in (0.0, 0.5):
            got = imfilt.filter2d(img, k, delta=delta, border=border, cval=0.25)
            ref = cv_filter2d(img, k, delta=delta, border=border, cval=0.25)
            assert_identical(np.isnan(got), np.isnan(ref), context=f"{name}: NaN positions")
            finite = np.isfinite(ref)
            assert_identical(np.isinf(got), np.isinf(ref), context=f"{name}: inf positions")
            assert_identical(got[np.isinf(ref)], ref[np.isinf(ref)], context=f"{name}: infs")
            assert_close(got[finite], ref[finite], rtol=2e-5, atol=2e-5, context=name)


def test_filter2d_bad_input(photos):
    img = photos["camera"][:20, :20]
    with pytest.raises(TypeError, match="unsupported dtype"):
        imfilt.filter2d(img.astype(np.int32), K5)
    with pytest.raises(ValueError, match="kernel must be 2-D"):
        imfilt.filter2d(img, np.ones(3))
    with pytest.raises(ValueError, match="kernel must not be empty"):
        imfilt.filter2d(img, np.ones((0, 3)))
    with pytest.raises(TypeError, match="kernel must be a real numeric"):
        imfilt.filter2d(img, np.ones((3, 3), complex))
    with pytest.raises(TypeError, match="kernel must be"):
        imfilt.filter2d(img, None)
    with pytest.raises(ValueError, match="kernel must be finite"):
        imfilt.filter2d(img, np.full((3, 3), np.nan))
    with pytest.raises(ValueError, match="anchor"):
        imfilt.filter2d(img, K5, anchor=(5, 0))
    with pytest.raises(ValueError, match="anchor"):
        imfilt.filter2d(img, K5, anchor=(0, -2))
    with pytest.raises(TypeError, match="delta"):
        imfilt.filter2d(img, K5, delta="1")
    with pytest.raises(ValueError, match="border"):
        imfilt.filter2d(img, K5, border="mirrorish")
    with pytest.raises(ValueError, match="out has shape"):
        imfilt.filter2d(img, K5, out=np.empty((3, 3), np.uint8))
    # a separable kernel with delta (filtered in float, then rounded): out is checked first
    sep = np.outer([1.0, 2.0, 1.0], [1.0, 2.0, 1.0]) / 16
    read_only = np.empty(img.shape, img.dtype)
    read_only.setflags(write=False)
    for bad in (np.empty((3, 3), img.dtype), np.empty(img.shape, np.float32), read_only):
        with pytest.raises(ValueError, match="out"):
            imfilt.filter2d(img, sep, delta=2, out=bad)
    # anchor -1 means the centre, as in OpenCV
    assert_identical(imfilt.filter2d(img, K5, anchor=(-1, -1)), imfilt.filter2d(img, K5))


# ------------------------------------------------------------------------------ SIMD levels

simd_results = results_fixture("conv")


def test_simd_levels_agree_and_match_references(simd_results):
    for level, res, base in each_level(simd_results):
        for key, got in res.items():
            if key.endswith(("/x", "/w", "/b")):
                continue
            ref = base[key]
            if key.startswith("f2d"):
                assert_f2d(got, ref, got.dtype, f"{level} vs baseline {key}")
            else:
                assert_rel(got, ref, conv_tol(got.dtype), f"{level} vs baseline {key}")
                ws = res[key + "/w"].shape
                g = 1 if ws[1] == res[key + "/x"].shape[1] else res[key + "/x"].shape[1] // ws[1]
                s = 2 if "s2" in key else 1
                check_conv2d(got, res[key + "/x"], res[key + "/w"], res[key + "/b"],
                             conv_tol(got.dtype), f"{level} {key}",
                             padding=ws[2] // 2, groups=g, stride=s)
        img = __import__("skimage.data").data.astronaut()[:91, :133]
        assert_f2d(res["f2d/uint8/sep"], cv2.filter2D(img, -1, np.outer([1, 2, 1], [1, 0, -1])
                                                     .astype(np.float64)), "uint8", level)


def test_bench_conv_cases_agree(tmp_path, capsys):
    pytest.importorskip("torch")  # the harness times conv2d against torch
    from imfilt import bench as _bench
    out = tmp_path / "bench.json"
    rc = _bench.main(["--rounds", "1", "--threads", "1", "--sizes", "97x61", "--filter",
                      "conv_dw3_128x56,conv_dw3s2,cv2loop,conv_pw1,filter2d_5", "--json", str(out)])
    assert rc == 0, capsys.readouterr().out
    rows = json.loads(out.read_text())["rows"]
    assert {r["case"] for r in rows} == {"conv_dw3_128x56", "conv_dw3s2_32x112",
                                         "conv_dw3_32x112_cv2loop", "conv_pw1_64to128x56",
                                         "filter2d_5_f32", "filter2d_5_u8"}
    for r in rows:
        assert r["agree"] is True and r["gflops"] > 0, r
