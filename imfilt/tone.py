"""Gamma correction and lookup tables: skimage.exposure.adjust_gamma and cv2.LUT, exact."""
from __future__ import annotations

import functools

import numpy as np

from . import _core
from . import _normalize as N
from ._docs import fill
from ._typing import Image, ImageLike, Out, Threads

_F32 = np.dtype(np.float32)
# byte sizes the C core copies as opaque entries
_ENTRY_SIZES = (1, 2, 4, 8, 16)
# float64 gamma runs NumPy's own power in row strips on this many threads at most
_F64_MIN_PARALLEL = 1 << 18
_F64_STRIP = 1 << 17  # samples per strip (1 MB)
_pool = None


@functools.lru_cache(maxsize=64)
def _gamma_table(dtype_char, g, k):
    """The exact table for an integer type: saturate(round_half_even(maxval * gain *
    linspace(0, 1, maxval + 1) ** gamma)) in float64, as skimage.exposure.adjust_gamma builds
    it for uint8. (maxval * gain overflowing to inf times 0 ** gamma, NaN, gives 0.)"""
    dtype = np.dtype(dtype_char)
    maxval = N.TABLE_LENGTHS[dtype] - 1
    with np.errstate(all="ignore"):
        t = maxval * k * (np.linspace(0, 1, maxval + 1) ** g)
        t = np.minimum(np.rint(t), maxval)
    t[np.isnan(t)] = 0
    t = t.astype(dtype)
    t.setflags(write=False)
    return t, t.view(np.uint8)


def _apply(arr, dtype, tab, out, nthreads, tab_bytes=None):
    """The lookup of a checked image (`dtype`: its native dtype) in a checked table: out
    handling, byte views, one C call (NumPy gathers entries wider than the C core copies)."""
    channels = arr.shape[2] if arr.ndim == 3 else 1
    target, result = N.prepare_out(out, arr.shape, tab.dtype, arr, elementwise=True)
    if arr.size == 0:
        return result
    if tab.dtype.itemsize not in _ENTRY_SIZES:  # e.g. complex256: let NumPy gather
        idx = arr.astype(dtype, copy=False)
        if tab.ndim == 1:
            target[...] = tab[idx]
        else:
            target[...] = tab[idx, np.arange(channels)]
        return N.finish(target, result)
    _core.lut(N.byte_rows(arr), N.byte_rows(target), arr.shape[1], channels,
              N.DTYPE_CODES[dtype],
              tab.reshape(-1).view(np.uint8) if tab_bytes is None else tab_bytes,
              tab.dtype.itemsize, 1 if tab.ndim == 1 else channels, nthreads)
    return N.finish(target, result)


@fill()
def lut(image: ImageLike, table: ImageLike, *, out: Out = None, threads: Threads = None) -> Image:
    """Look every sample up in a table: out = table[image], equal to cv2.LUT.

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, C)
        uint8 (256-entry tables) or uint16 (65536-entry tables).
        {LAYOUT}
    table : array_like
        Any numeric dtype (bool, integers, floats, complex); the result takes its dtype. Shape
        (N,) — one table for every channel — or (N, C) — one column per channel (also accepted:
        OpenCV's (1, N), (N, 1), (1, N, C)); N is 256 for uint8 images, 65536 for uint16.
    {OUT_ARRAY} When out is the image itself (a
        table of the image's dtype) the lookup runs in place, without a temporary.
    {THREADS}

    Returns
    -------
    ndarray of the image's shape and the table's dtype.

    Notes
    -----
    uint8 images with byte tables use AVX-512 VBMI byte permutes (vpermi2b) or AVX2 pshufb;
    wider entries (up to 8 bytes) and up to 4 per-channel tables are looked up byte plane by
    byte plane with AVX-512; everything else (uint16 images included) is a scalar gather.
    Exact: every output is a copy of a table entry. Entries wider than 16 bytes
    (clongdouble) are gathered by NumPy.
    """
    return _core.fast_lut(_LUT, image, table, out, threads)


def _lut(image, table, out, threads):
    """lut's checked image, table and threads; the lookup."""
    arr = N.lut_image(image)
    return _apply(arr, N.native(arr.dtype), N.lut_table(table, arr), out, N.threads_arg(threads))


_LUT = _core.Route(_lut)


def _numpy_gamma(arr, g, k, target, nthreads, check):
    """float64: NumPy's own power (SIMD, SVML where NumPy has it) is both the reference and the
    fastest exact path. Strip-mined: each ~1 MB strip is checked for negative pixels (in C)
    and then raised to the power while still in cache, so the check costs little; large
    images run the strips on threads (NumPy releases the GIL), which cannot change any value.
    Returns True when a negative pixel was found (strips before it may have been written)."""
    h = arr.shape[0]
    width, channels = arr.shape[1], (arr.shape[2] if arr.ndim == 3 else 1)
    rows = max(1, _F64_STRIP // max(1, width * channels))
    strips = [(a, min(a + rows, h)) for a in range(0, h, rows)]

    def run(part):
        for a, b in part:
            x = arr[a:b]
            if check and _core.any_negative(N.byte_rows(x), width, channels, 4, 1):
                return True
            t = target[a:b]
            if not x.flags.c_contiguous:
                # NumPy's SIMD power (its last bit differs from the strided loop's) runs only
                # on contiguous input: a strip-sized copy keeps views bit-identical
                x = np.ascontiguousarray(x)
            np.power(x, g, out=t)
            if k != 1.0:
                np.multiply(t, k, out=t)
        return False

    nt = nthreads if nthreads > 0 else max(1, _core.config()["max_threads"])
    nt = min(nt, len(strips))
    if nt <= 1 or arr.size < _F64_MIN_PARALLEL:
        return run(strips)
    global _pool
    if _pool is None:
        from concurrent.futures import ThreadPoolExecutor
        _pool = ThreadPoolExecutor(max_workers=max(2, nt), thread_name_prefix="imfilt-gamma")
    nt = min(nt, _pool._max_workers)
    parts = [strips[len(strips) * i // nt:len(strips) * (i + 1) // nt] for i in range(nt)]
    return any([f.result() for f in [_pool.submit(run, p) for p in parts]])


@fill()
def gamma(image: ImageLike, gamma: float, gain: float = 1.0, *, out: Out = None,
          threads: Threads = None) -> Image:
    """Gamma correction: gain * image ** gamma on the image's [0, max] range, equal to
    skimage.exposure.adjust_gamma for uint8.

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, C)
        uint8, uint16, float32 or float64; float images must be >= 0 (NaN and inf are
        allowed). {LAYOUT}
    gamma : float
        Finite exponent >= 0.
    gain : float
        Finite multiplier >= 0.
    {OUT}

    Returns
    -------
    ndarray of the image's shape and dtype.

    Notes
    -----
    uint8 / uint16: out = saturate(round_half_even(maxval * gain * (x / maxval) ** gamma)),
    computed in float64 into a table (cached per dtype, gamma and gain) and applied with
    `lut`; uint8 is bit-identical to skimage.exposure.adjust_gamma.
    float32: x ** float32(gamma) * float32(gain) by a vectorised exp2/log2 polynomial,
    within 8e-7 relative of numpy.power (2.3e-7 for gamma <= 3; measured over a dense sweep of
    every float32 binade); gamma 0, 0.5, 1 and 2 are bit-identical to NumPy (which uses 1,
    sqrt, x and x * x there); gammas above 16 use libm's double pow.
    float64: NumPy's own x ** gamma * gain, bit-identical.
    Zero, inf and NaN follow C's pow, as NumPy does: 0 ** 0 == 1, NaN ** 0 == 1, inf ** g ==
    inf. When a ValueError is raised for negative pixels, `out` may be partly written (never
    the image itself when out is the image).
    int16 raises TypeError: it has no [0, max] range to normalise by; convert first.
    """
    return _core.fast_gamma(_GAMMA, image, gamma, gain, out, threads)


def _gamma(image, gamma, gain, out, threads):
    """gamma's checked arguments; integer images through a cached table (`_apply`), float32
    in C, float64 with NumPy's power; negative pixels refused as they are met."""
    arr = N.as_array(image, "image")
    g = N.real(gamma, "gamma", minimum=0)
    k = N.real(gain, "gain", minimum=0)
    nthreads = N.threads_arg(threads)
    dt = N.gamma_dtype(arr)
    if dt in N.TABLE_LENGTHS:
        table, table_bytes = _gamma_table(dt.char, g, k)
        return _apply(arr, dt, table, out, nthreads, table_bytes)
    channels = arr.shape[2] if arr.ndim == 3 else 1
    target, result = N.prepare_out(out, arr.shape, dt, arr, elementwise=True)
    if arr.size == 0:
        return result
    if dt == _F32:
        neg = _core.pow_f32(N.byte_rows(arr), N.byte_rows(target), arr.shape[1], channels,
                            g, k, nthreads)
    elif target is arr:  # in place: refuse negative pixels before overwriting any
        neg = _core.any_negative(N.byte_rows(arr), arr.shape[1], channels, 4, nthreads)
        if not neg:
            _numpy_gamma(arr, g, k, target, nthreads, check=False)
    else:
        neg = _numpy_gamma(arr, g, k, target, nthreads, check=True)
    if neg:
        raise ValueError("image has negative values; gamma needs a non-negative image")
    return N.finish(target, result)


_GAMMA = _core.Route(_gamma, _gamma_table)
