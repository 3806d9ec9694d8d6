"""The compiled fast path (src/binding/fast.pxi) against the normaliser it falls back to: for
common and unusual inputs alike, a public call gives exactly what the family's Python handler
(route.slow) gives on the same arguments -- the same array, bit for bit, written into the
same `out`, or the same exception with the same message."""
from __future__ import annotations

import numpy as np
import pytest

import imfilt
from imfilt import _core, convolution, morphology, rank, smooth, tone
from _assert import assert_identical

RNG = np.random.default_rng(16)
U8 = RNG.integers(0, 256, (9, 11)).astype(np.uint8)
F32 = (RNG.random((9, 11)) * 10 - 2).astype(np.float32)
F32[2, 3] = np.nan
K3 = RNG.random((3, 3)) - 0.3
TABLE = RNG.random(256)

# name: (public function, its route, positional and keyword arguments in the handler's order,
# the handler's trailing constants, defaults of the filter's own arguments)
_SPECS = {
    "gaussian": (imfilt.gaussian, smooth._GAUSSIAN, ("image", "sigma"),
                 ("ksize", "border", "cval", "out", "threads"), (),
                 dict(sigma=1.0, ksize=None, border="reflect101", cval=0.0)),
    "mean": (imfilt.mean, smooth._MEAN, ("image", "size"),
             ("normalize", "border", "cval", "out", "threads"), (),
             dict(size=3, normalize=True, border="reflect101", cval=0.0)),
    "median": (imfilt.median, rank._MEDIAN, ("image", "size"),
               ("border", "cval", "out", "threads"), (),
               dict(size=3, border="replicate", cval=0.0)),
    "maximum": (imfilt.maximum, morphology._MORPH, ("image", "size"),
                ("footprint", "border", "cval", "out", "threads"), (morphology.MORPH_MAX,),
                dict(size=3, footprint=None, border=None, cval=0.0)),
    "minimum": (imfilt.minimum, morphology._MORPH, ("image", "size"),
                ("footprint", "border", "cval", "out", "threads"), (morphology.MORPH_MIN,),
                dict(size=3, footprint=None, border="constant", cval=7.0)),
    "filter2d": (imfilt.filter2d, convolution._FILTER2D, ("image", "kernel"),
                 ("anchor", "delta", "border", "cval", "out", "threads"), (),
                 dict(kernel=K3, anchor=None, delta=0.0, border="reflect101", cval=0.0)),
    "lut": (imfilt.lut, tone._LUT, ("image", "table"), ("out", "threads"), (),
            dict(table=TABLE)),
    "gamma": (imfilt.gamma, tone._GAMMA, ("image", "gamma", "gain"), ("out", "threads"), (),
              dict(gamma=0.7, gain=1.0)),
}


def _calls(fn, route, positional, keywords, constants, defaults):
    """(the public call, the handler's call, defaults), each call taking the arguments dict."""
    def public(a):
        return fn(*[a[k] for k in positional], **{k: a[k] for k in keywords})

    def handler(a):
        return route.slow(*[a[k] for k in positional + keywords], *constants)
    return public, handler, defaults


FILTERS = {name: _calls(*spec) for name, spec in _SPECS.items()}
INTEGER_ONLY = ("lut", "gamma")  # the default image of these is uint8


class _Subclass(np.ndarray):
    pass


def _misaligned(a):
    buf = np.empty(a.nbytes + 1, np.uint8)[1:]
    m = buf.view(a.dtype).reshape(a.shape)
    m[...] = a
    return m


def _readonly(a):
    a = a.copy()
    a.setflags(write=False)
    return a


# images: each a function of the family's default image (uint8 or float32), made afresh per call
IMAGES = {
    "contiguous": lambda a: a.copy(),
    "rgb": lambda a: np.ascontiguousarray(np.stack([a, a[::-1], a[:, ::-1]], -1)),
    "row-strided view": lambda a: np.pad(a, ((0, 0), (2, 3)))[:, 2:-3],
    "column-strided view": lambda a: np.repeat(a, 2, axis=1)[:, ::2],
    "negative row stride": lambda a: a[::-1],
    "negative column stride": lambda a: a[:, ::-1],
    "fortran order": lambda a: np.asfortranarray(a),
    "big-endian": lambda a: a.astype(a.dtype.newbyteorder(">")),
    "read-only": _readonly,
    "misaligned": _misaligned,
    "uint16": lambda a: np.clip(np.nan_to_num(a) * 100, 0, None).astype(np.uint16),
    "int16": lambda a: np.nan_to_num(a).astype(np.int16) - 100,
    "float64": lambda a: a.astype(np.float64),
    "one row": lambda a: a[:1].copy(),
    "one column": lambda a: a[:, :1].copy(),
    "empty": lambda a: a[:0].copy(),
    "bool": lambda a: a > 3,
    "int64": lambda a: np.nan_to_num(a).astype(np.int64),
    "float16": lambda a: a.astype(np.float16),
    "1-D": lambda a: a[0].copy(),
    "4-D": lambda a: a[None, :, :, None].copy(),
    "list": lambda a: a.tolist(),
    "ndarray subclass": lambda a: a.view(_Subclass),
    "None": lambda a: None,
}

# outs: a function of the image (as made above) and the expected output's shape and dtype
OUTS = {
    "new": lambda img, shape, dtype: np.empty(shape, dtype),
    "wrong shape": lambda img, shape, dtype: np.empty((shape[0] + 1,) + shape[1:], dtype),
    "wrong dtype": lambda img, shape, dtype: np.empty(shape, np.int32),
    "read-only": lambda img, shape, dtype: _readonly(np.empty(shape, dtype)),
    "the image": lambda img, shape, dtype: img,
    "the image upside down": lambda img, shape, dtype: img[::-1],
    "column-strided": lambda img, shape, dtype: np.empty(shape[:1] + (2 * shape[1],) + shape[2:],
                                                         dtype)[:, ::2],
    "big-endian": lambda img, shape, dtype: np.empty(shape, np.dtype(dtype).newbyteorder(">")),
    "list": lambda img, shape, dtype: [[0]],
}

# one argument changed from the defaults at a time: name -> values
ARGS = {
    "sigma": [1, 2.5, 0.0, np.float32(1.5), np.float64(0.8), -1.0, float("nan"), float("inf"),
              "1", None, (1.0, 2.0), 2 ** 70, 1e9],
    "ksize": [3, 0, (3, 5), 4, -1, np.int64(5), 2 ** 40 + 1, 3.0],
    "size": [1, 5, (3, 5), (2, 4), np.int64(3), 3.0, True, 0, -1, 2, 2 ** 70, "3", None, [3, 3],
             (3,), 65537],
    "normalize": [False, np.bool_(True), 1, None],
    "border": ["reflect", "replicate", "constant", "wrap", "mirror", "nearest", "grid-wrap",
               "Reflect", "REFLECT101", "bogus", None, 3, b"wrap"],
    "cval": [2.5, -3, 300, 1e300, np.float64(3.5), np.uint8(7), float("nan"), float("inf"),
             True, "1", None, 2 ** 70],
    "threads": [1, 2, 3000, np.int32(2), 0, -1, 1.5, True, "2", 2 ** 70],
    "footprint": [np.ones((3, 3), bool), np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]])],
    "kernel": [np.outer([1.0, 2, 1], [1.0, 0, -1]), np.zeros((3, 3)), K3.astype(np.float32),
               np.asfortranarray(K3), K3.tolist(), np.ones((1, 5)), np.ones((5, 1)) / 5,
               np.array([[np.nan, 1.0], [1.0, 1.0]]), np.ones((17, 17)), np.ones((40, 1)),
               K3.astype(">f8"), np.ones((0, 3)), np.ones(3), np.array([[1, 2], [3, 4]])],
    "anchor": [(0, 0), (-1, -1), (5, 5)],
    "delta": [1.5, 2, np.float32(0.5), float("nan"), "1"],
    "table": [TABLE.astype(np.uint8), TABLE.astype(np.float32), TABLE.astype(">f8"),
              TABLE.astype(np.complex128), TABLE.astype(bool), TABLE[:255], TABLE[::-1],
              np.tile(TABLE, 2)[::2], TABLE.reshape(1, 256), np.stack([TABLE] * 3, 1),
              TABLE.astype(object), TABLE.tolist()],
    "gamma": [0, 1, 2.2, np.float32(0.5), -1.0, float("inf"), "2", None],
    "gain": [0.0, 2, 1e300, np.float64(0.5), -1, float("nan")],
}


def _outcome(call, args):
    try:
        return call(args)
    except Exception as e:  # noqa: BLE001 (the exception is the outcome compared)
        return e


def _compare(name, make_args, context):
    """Run the public function and its handler on fresh, equal arguments; same outcome."""
    public, handler, _ = FILTERS[name]
    fast_args, slow_args = make_args(), make_args()
    fast, slow = _outcome(public, fast_args), _outcome(handler, slow_args)
    if isinstance(slow, Exception) or isinstance(fast, Exception):
        assert type(fast) is type(slow) and str(fast) == str(slow), (context, fast, slow)
        return
    assert_identical(fast, slow, equal_nan=True, context=context)
    assert fast.tobytes() == slow.tobytes(), context  # NaN payloads and signed zeros too
    if isinstance(fast_args["out"], np.ndarray):
        assert (fast is fast_args["out"]) == (slow is slow_args["out"]), context
        assert_identical(fast_args["out"], slow_args["out"], equal_nan=True, context=context)
    assert_identical(np.asarray(fast_args["image"]), np.asarray(slow_args["image"]),
                     equal_nan=True, context=context)


def _base(name):
    return U8 if name in INTEGER_ONLY else F32


def _args(name, image, **changed):
    args = dict(FILTERS[name][2], image=image, out=None, threads=None)
    args.update(changed)
    return args


@pytest.mark.parametrize("name", FILTERS)
@pytest.mark.parametrize("image", IMAGES)
def test_images(name, image):
    _compare(name, lambda: _args(name, IMAGES[image](_base(name))), (name, image))
    _compare(name, lambda: _args(name, IMAGES[image](U8)), (name, image, "uint8"))


@pytest.mark.parametrize("name", FILTERS)
@pytest.mark.parametrize("out", OUTS)
@pytest.mark.parametrize("image", ["contiguous", "rgb", "row-strided view", "big-endian"])
def test_outs(name, out, image):
    def make():
        img = IMAGES[image](_base(name))
        if name == "mean":
            dtype = img.dtype.newbyteorder("=")
        elif name == "lut":
            dtype = TABLE.dtype
        else:
            dtype = img.dtype.newbyteorder("=")
        return _args(name, img, out=OUTS[out](img, img.shape, dtype))
    _compare(name, make, (name, out, image))


@pytest.mark.parametrize("name", FILTERS)
def test_out_one_row_below_the_image(name):
    def make():
        buf = np.zeros((U8.shape[0] + 1,) + U8.shape[1:], _base(name).dtype)
        buf[:-1] = _base(name)
        out = buf[1:] if name != "lut" else buf[1:].astype(TABLE.dtype)
        return _args(name, buf[:-1], out=out)
    _compare(name, make, name)


@pytest.mark.parametrize("name, arg", [(n, a) for a in ARGS for n in FILTERS
                                       if a in FILTERS[n][2] or a == "threads"])
def test_arguments(name, arg):
    for value in ARGS[arg]:
        for image in (_base(name), U8, np.stack([U8] * 3, -1)):
            _compare(name, lambda: _args(name, image.copy(), **{arg: value}),
                     (name, arg, value, image.dtype, image.shape))


@pytest.mark.parametrize("name", ["gaussian", "mean", "gamma"])
def test_cached_plans_follow_their_parameters(name):
    """Plans are cached per parameters: interleaved calls with other parameters, dtypes and
    borders each give the handler's result."""
    arg = {"gaussian": "sigma", "mean": "size", "gamma": "gamma"}[name]
    values = {"gaussian": [1.0, 2.0, 0.5, 1.0, 1], "mean": [3, (3, 5), 5, 3, (5, 3)],
              "gamma": [0.5, 2.0, 0.5, 1.0, 0.0]}[name]
    for _ in range(2):
        for v in values:
            for img in (U8, U8.astype(np.uint16), F32, U8.astype(np.int16)):
                for border in ("reflect101", "wrap", "constant"):
                    changed = {arg: v}
                    if "border" in FILTERS[name][2]:
                        changed["border"] = border
                    _compare(name, lambda: _args(name, img.copy(), **changed),
                             (name, v, img.dtype, border))


def _refuse(*args):
    raise AssertionError("a common call reached the normaliser")


@pytest.mark.parametrize("image", ["contiguous", "rgb", "row-strided view", "uint16", "int16",
                                   "float64", "read-only"])
def test_common_calls_take_the_fast_path(image):
    """Routes whose handler refuses: common calls are computed without it, equal to the
    public functions (which may take either path)."""
    img = IMAGES[image](F32)
    u8 = IMAGES[image](U8) if image not in ("uint16", "int16", "float64") else U8
    out = np.empty_like(img)
    checks = [
        (_core.fast_gaussian(_core.Route(_refuse, smooth._gaussian_fast_plan), img, 1.0, None,
                             "reflect101", 0.0, None, 1), imfilt.gaussian(img, 1.0)),
        (_core.fast_gaussian(_core.Route(_refuse, smooth._gaussian_fast_plan), img, 1, 5, "wrap",
                             2, out, None), imfilt.gaussian(img, 1, ksize=5, border="wrap",
                                                            cval=2)),
        (_core.fast_mean(_core.Route(_refuse, smooth._mean_fast_plan), img, (3, 5), True,
                         "wrap", 0.0, None, 2), imfilt.mean(img, (3, 5), border="wrap")),
        (_core.fast_median(_core.Route(_refuse), img, 3, "replicate", 0.0, None, None),
         imfilt.median(img, 3)),
        (_core.fast_morph(_core.Route(_refuse), img, 3, None, None, 0.0, None, None,
                          morphology.MORPH_MAX), imfilt.maximum(img, 3)),
        (_core.fast_morph(_core.Route(_refuse), img, (2, 3), None, "constant", 5.5, None, None,
                          morphology.MORPH_MIN),
         imfilt.minimum(img, (2, 3), border="constant", cval=5.5)),
        (_core.fast_filter2d(_core.Route(_refuse), img, K3, None, 1.5, "reflect", 0.0, None, 1),
         imfilt.filter2d(img, K3, delta=1.5, border="reflect")),
        (_core.fast_filter2d(_core.Route(_refuse), img, np.outer([1.0, 2, 1], [1.0, 0, -1]), None,
                             0, "reflect101", 0.0, None, 1),
         imfilt.filter2d(img, np.outer([1.0, 2, 1], [1.0, 0, -1]))),
        (_core.fast_lut(_core.Route(_refuse), u8, TABLE, None, None), imfilt.lut(u8, TABLE)),
        (_core.fast_gamma(_core.Route(_refuse, tone._gamma_table), u8, 0.5, 2.0, None, None),
         imfilt.gamma(u8, 0.5, 2.0)),
    ]
    for i, (fast, public) in enumerate(checks):
        assert_identical(fast, public, equal_nan=True, context=(image, i))


_WIN = RNG.integers(0, 256, (32, 24, 3)).astype(np.uint8)
_HOG_IMAGES = {
    "gray": _WIN[..., 0].copy(), "rgb": _WIN, "uint16": _WIN.astype(np.uint16) * 200,
    "float32": _WIN[..., 1].astype(np.float32),
    "float64 nan": np.where(_WIN[..., 0] > 9, _WIN[..., 0], np.nan),
    "negative": _WIN[..., 2].astype(np.float64) - 3, "int16": _WIN[..., 0].astype(np.int16),
    "view": _WIN[:, ::-1, 0], "two windows": RNG.integers(0, 256, (40, 24)).astype(np.uint8),
    "list": _WIN[..., 0].tolist(),
}
_HOG_ARGS = dict(win_size=(32, 24), block_size=(16, 16), block_stride=(8, 8),
                 cell_size=(8, 8), nbins=9, signed=False, gamma_correction=True, win_sigma=None,
                 l2hys_threshold=0.2, win_stride=8, padding=(0, 0), threads=1, visualize=False)


@pytest.mark.parametrize("image", list(_HOG_IMAGES))
@pytest.mark.parametrize("change", [{}, dict(gamma_correction=False), dict(padding=4),
                                    dict(nbins=np.int64(9)), dict(block_stride=(8, 4)),
                                    dict(win_size=(30, 24)), dict(threads=0),
                                    dict(cell_size=[8, 8]), dict(signed=True, win_sigma=2.5)])
def test_hog_fast_path_matches_its_handler(image, change):
    """hog's fast path (one window whose blocks are the whole grid) against its handler."""
    from imfilt import features
    a = dict(_HOG_ARGS, **change)
    img = _HOG_IMAGES[image]

    def run(call):
        try:
            return call()
        except (TypeError, ValueError) as e:
            return type(e), str(e)
    fast = run(lambda: imfilt.hog(img, **a))
    slow = run(lambda: features._HOG.slow(img, *a.values()))
    if isinstance(slow, tuple):
        assert fast == slow
    else:
        assert_identical(fast, slow)


def test_filter2d_float32_kernel_equals_its_float64_widening():
    """float32 kernels (cv2 users' usual type) take the fast path widened exactly: the same
    result as the float64 kernel, and the normaliser's error for a non-finite one."""
    import numpy as np
    import imfilt
    rng = np.random.default_rng(4)
    for dtype in (np.uint8, np.float32):
        img = (rng.random((37, 29)) * 255).astype(dtype)
        for shape in ((3, 3), (1, 5), (5, 1)):
            k = rng.standard_normal(shape).astype(np.float32)
            a = imfilt.filter2d(img, k, delta=0.25 if shape == (3, 3) else 0.0)
            b = imfilt.filter2d(img, k.astype(np.float64), delta=0.25 if shape == (3, 3) else 0.0)
            assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
    bad = np.ones((3, 3), np.float32)
    bad[1, 1] = np.nan
    with pytest.raises(ValueError) as e32:
        imfilt.filter2d(img, bad)
    with pytest.raises(ValueError) as e64:
        imfilt.filter2d(img, bad.astype(np.float64))
    assert str(e32.value) == str(e64.value)
