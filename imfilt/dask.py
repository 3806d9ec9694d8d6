"""imfilt on Dask arrays: every filter, lazily, chunk by chunk, equal to the in-memory result.

    import dask.array as da, imfilt.dask
    big = da.from_zarr("scan.zarr")                  # (H, W) or (H, W, C), any chunks
    imfilt.dask.gaussian(big, 2.0).to_zarr("out.zarr")

Each function has the in-memory function's signature (without `out`), takes an array (a
dask.array, or anything dask.array.asarray accepts) and returns a lazy dask.array of the same
shape. The result equals the in-memory function applied to the whole image **bit for bit**, for
every border (wrap included) and any chunking. How:

1. The image is padded at its true edges with the border rule itself (index arrays from
   src/core/border.h via `_core.border_indices`, so kernels larger than the image repeat the pattern
   exactly as in memory; `constant` uses the cval as the filter converts it; minimum/maximum's
   default border=None pads with the value that never wins).
2. Chunks are merged where they are smaller than the halo; the channel axis is one chunk.
3. `dask.array.overlap` adds the exact halo of each filter -- (before, after) per axis, which is
   asymmetric for even windows and off-centre anchors -- with boundary='none'.
4. Each block is filtered by the in-memory function (threads=1 by default, as the workers already
   run in parallel) and trimmed. The block's own border rule only touches the trimmed halo, with
   exceptions handled in `_block`: the last (row length mod 8 or 16) samples of a row are rounded
   differently (OpenCV's scalar tail, reproduced for bit-exactness), so the processed row of
   every block has the same position relative to the image's row end; float box sums
   restart every 64 image rows, so blocks start their sums on those rows.

Images whose halo exceeds their size are filtered in one task (they are small by definition).
Everything in the graph is a module-level function or a functools.partial of one: picklable for
dask.distributed. Arguments are validated eagerly (bad input raises here, not at compute time).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

try:
    import dask.array as da
    from dask.array.overlap import overlap as _overlap
except ImportError as e:  # dask is an optional extra; say which one
    raise ImportError(f"imfilt.dask needs dask.array, which is not installed here ({e}); "
                      f"install it with: pip install 'imfilt[dask]'", name=e.name) from e

from . import _core
from . import _normalize as N
from ._docs import F
from ._typing import (Any, Border, DType, ImageLike, Number, Sigma, Size,  # dask arrays: Any
                      Tuple)

__all__ = ["gaussian", "mean", "median", "minimum", "maximum", "gamma", "lut", "filter2d",
           "sobel", "scharr", "laplacian", "sep_filter2d"]

# Column alignment of the processed block rows. The last (row samples mod T) samples of a row
# are rounded differently from the rest by OpenCV's scalar tail, which the integer outputs
# reproduce (T = 8, 16). ALIGN is a multiple of every T. (The float SIMD loops' own row tails
# take the vector body's arithmetic, so they never depend on the position: tested.)
ALIGN = 64
# The longest such tail, in pixels: the last column chunk is at least this wide, so the image's
# tail never straddles two column blocks.
TAIL_MAX = 64
_WRAP = "wrap"


# --------------------------------------------------------------------------- reach per filter
# Each takes the image dtype and the bound keyword arguments of the in-memory call and returns
# ((before_y, after_y), (before_x, after_x)): how far a result pixel reads up/down, left/right.

def _window(k):
    """A window of k anchored at k // 2 (OpenCV's rule, asymmetric for even k)."""
    return (k // 2, k - 1 - k // 2)


def _size_reach(dtype, kw):
    kh, kw_ = N.pair(kw["size"], "size", integer=True, minimum=1)
    return _window(kh), _window(kw_)


def _gaussian_reach(dtype, kw):
    sigmas, ksizes = N.gaussian_args(kw["sigma"], kw["ksize"])
    kh, kw_ = N.gaussian_sizes(sigmas, ksizes, dtype, kw["ksize"])
    return _window(kh), _window(kw_)


def _morph_reach(dtype, kw):
    if kw["footprint"] is not None:
        fh, fw = np.shape(kw["footprint"])
        return _window(fh), _window(fw)
    return _size_reach(dtype, kw)


def _filter2d_reach(dtype, kw):
    kh, kw_ = np.shape(kw["kernel"])
    ay, ax = N.anchor(kw["anchor"], kh, kw_)
    return (ay, kh - 1 - ay), (ax, kw_ - 1 - ax)


def _sobel_reach(dtype, kw):
    from .derivatives import deriv_kernel
    dy, dx, ksize = N.deriv_args(kw["dy"], kw["dx"], kw.get("ksize", -1))
    ry, rx = len(deriv_kernel(dy, ksize)) // 2, len(deriv_kernel(dx, ksize)) // 2
    return (ry, ry), (rx, rx)


def _laplacian_reach(dtype, kw):
    r = max(N.laplacian_ksize(kw["ksize"]) // 2, 1)
    return (r, r), (r, r)


def _sep_filter2d_reach(dtype, kw):
    kh, kw_ = (len(N.kernel1d(kw[k], k)) for k in ("kernel_y", "kernel_x"))
    ay, ax = N.anchor(kw["anchor"], kh, kw_)
    return (ay, kh - 1 - ay), (ax, kw_ - 1 - ax)


# Float box sums run down the columns and restart at image rows that are multiples of this
# (IMFILT_BOX_RESTART_ROWS, read through the binding): blocks must start their sums on the same rows.
BOX_RESTART_ROWS = _core.BOX_RESTART_ROWS


def _box_phase(dtype, kw):
    return BOX_RESTART_ROWS if dtype.kind == "f" else 1


@dataclass(frozen=True)
class _Spec:
    reach: Optional[Callable]      # None: pointwise (no halo, no border)
    ignore: Optional[str] = None   # border=None means "ignore outside pixels" ('min' / 'max')
    row_phase: Callable = lambda dtype, kw: 1   # period of row-position-dependent rounding


SPECS = {
    "gaussian": _Spec(_gaussian_reach),
    "mean": _Spec(_size_reach, row_phase=_box_phase),
    "median": _Spec(_size_reach),
    "minimum": _Spec(_morph_reach, ignore="min"),
    "maximum": _Spec(_morph_reach, ignore="max"),
    "filter2d": _Spec(_filter2d_reach),
    "sobel": _Spec(_sobel_reach),
    "scharr": _Spec(_sobel_reach),
    "laplacian": _Spec(_laplacian_reach),
    "sep_filter2d": _Spec(_sep_filter2d_reach),
    "gamma": _Spec(None),
    "lut": _Spec(None),
}


def _filter(name):
    import imfilt
    return getattr(imfilt, name)


# --------------------------------------------------------------------------- tasks
def _whole(image, name, kwargs):
    """One task: the in-memory filter on the whole image (images smaller than their halo)."""
    return _filter(name)(image, **kwargs)


def _block(block, name, kwargs, depth, width, row_starts, row_phase, tail_pad=(0, 0),
           block_info=None):
    """Filter one overlapped block and return its chunk of the result.

    The block is the chunk plus its halo (image padding included at the image edges), laid out
    so that every rule depending on a sample's position sees the same position as in memory;
    the filter then runs with border='wrap' and the block's own border only reaches trimmed
    samples.
    - Columns: OpenCV-exact integer rules round the last (row samples mod 8|16) of a row
      differently (OpenCV's scalar tail). Inner column blocks get junk columns in front so their
      row length is a multiple of ALIGN: no kept sample is in a tail. The last column block
      moves its right halo (the image padding) to the front and wraps into it, so its processed
      row ends at the image's last column, and junk columns make its length congruent to the
      image width mod ALIGN: the tail covers the same samples as in memory. With the image
      border 'wrap', OpenCV's row is the image padded by the halo (tail_pad), so the inner
      blocks' junk makes that padded length a multiple of ALIGN instead.
    - Rows (row_phase > 1, float box sums): the running column sums restart at image rows that
      are multiples of row_phase. The processed block starts at such a row r0 and its top halo
      (rows r0 - before .. r0) moves to the bottom, read by wrapping: every running sum
      starts and proceeds as in memory.
    """
    (by, ay), (bx, ax) = depth
    info = block_info[0]
    ly, lx = info["chunk-location"][:2]
    h = row_starts[ly + 1] - row_starts[ly]
    w = block.shape[1] - bx - ax
    # rows
    if row_phase > 1:
        y0 = row_starts[ly]
        top = by if ly == 0 else by + row_phase - 1     # halo rows above the chunk
        r0 = top - y0 % row_phase                        # block index of the restart row
        block = np.concatenate([block[r0:], block[r0 - by:r0]], axis=0) if by else block[r0:]
        y_keep = y0 % row_phase
    else:
        y_keep = by
    # columns
    parts = []
    if lx == info["num-chunks"][1] - 1:
        core = block[:, :block.shape[1] - ax]
        junk = (width - ax - core.shape[1]) % ALIGN
        if ax:
            parts.append(block[:, block.shape[1] - ax:])
        x_keep = ax + junk + bx
    else:
        core = block
        junk = (-(block.shape[1] + tail_pad[0] + tail_pad[1])) % ALIGN
        x_keep = junk + bx
    if junk:
        parts.append(np.zeros((block.shape[0], junk) + block.shape[2:], block.dtype))
    parts.append(core)
    work = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)
    if name == "mean":  # the only filter with OpenCV's row tails: place them as in memory
        from .smooth import mean_with_tails
        res = mean_with_tails(work, tail_pad=tail_pad, **kwargs)
    else:
        res = _filter(name)(work, **kwargs)
    if res.shape[:2] == (h, w):
        return res
    return res[y_keep:y_keep + h, x_keep:x_keep + w].copy()  # don't keep the halo alive


# --------------------------------------------------------------------------- graph building
def _merge_chunks(chunks, minimum, last_minimum=1):
    """Merge neighbouring chunks until each is >= minimum and the last >= last_minimum."""
    out = []
    for c in chunks:
        if out and out[-1] < minimum:
            out[-1] += c
        else:
            out.append(c)
    while len(out) > 1 and (out[-1] < minimum or out[-1] < last_minimum):
        tail = out.pop()
        out[-1] += tail
    return tuple(out)


def _edge(x, axis, start, count, mode, cval):
    """`count` samples along `axis` starting at coordinate `start` (outside the image), read
    with border `mode` -- the periodic rule of src/core/border.h, whatever the count."""
    if mode == N.BORDER_CODES["constant"]:
        chunks = list(x.chunks)
        chunks[axis] = (count,)
        shape = list(x.shape)
        shape[axis] = count
        return da.full(tuple(shape), cval, dtype=x.dtype, chunks=tuple(chunks))
    idx = np.empty(count, np.intp)
    _core.border_indices(start, x.shape[axis], mode, idx)
    return da.take(x, idx, axis=axis)


def _pad(x, axis, before, after, mode, cval):
    parts = []
    if before:
        parts.append(_edge(x, axis, -before, before, mode, cval))
    parts.append(x)
    if after:
        parts.append(_edge(x, axis, x.shape[axis], after, mode, cval))
    return parts[0] if len(parts) == 1 else da.concatenate(parts, axis=axis)


def _edge_rule(spec, dtype, kwargs):
    """(border code, pad value) of the true image edge, as the in-memory filter reads it."""
    border = kwargs.get("border")
    if border is None and spec.ignore:
        if dtype.kind == "f":
            return N.BORDER_CODES["constant"], (np.inf if spec.ignore == "min" else -np.inf)
        info = np.iinfo(dtype)
        return N.BORDER_CODES["constant"], (info.max if spec.ignore == "min" else info.min)
    code = N.border_code(border)
    return code, N.cval_arg(kwargs.get("cval", 0), dtype)


def _sample_call(name, x, kwargs):
    """Validate every argument now with the in-memory function on a tiny image of the same
    dtype and channels; return the result's dtype."""
    N.check_ndim(x.shape)
    sample = np.zeros((1, 1) + tuple(x.shape[2:]), x.dtype)
    return _filter(name)(sample, **kwargs).dtype


def _run(name, array, kwargs, threads):
    spec = SPECS[name]
    x = array if isinstance(array, da.Array) else da.asarray(array)
    kwargs = dict(kwargs, threads=threads)
    out_dtype = _sample_call(name, x, kwargs)
    if x.ndim == 3 and len(x.chunks[2]) > 1:
        x = x.rechunk({2: -1}, method="tasks")
    H, W = x.shape[:2]
    if x.size == 0:
        return da.empty(x.shape, dtype=out_dtype, chunks=x.chunks)
    dtype = x.dtype.newbyteorder("=")
    if spec.reach is None:
        depth = ((0, 0), (0, 0))
    else:
        depth = spec.reach(dtype, kwargs)
    (by, ay), (bx, ax) = depth
    if max(by, ay) > H or max(bx, ax) > W:
        # halo larger than the image: small by definition, filter it whole, as in memory
        whole = x.rechunk({0: -1, 1: -1}, method="tasks")
        return whole.map_blocks(functools.partial(_whole, name=name, kwargs=kwargs),
                                dtype=out_dtype, meta=np.empty((0,) * x.ndim, out_dtype))
    phase = spec.row_phase(dtype, kwargs) if spec.reach is not None else 1
    top = by + phase - 1                     # halo above a chunk, for the row phase too
    rows = _merge_chunks(x.chunks[0], max(top, ay, 1))
    if len(rows) == 1:
        top = by
    cols = _merge_chunks(x.chunks[1], max(bx, ax, 1), last_minimum=min(TAIL_MAX, W))
    out_chunks = (rows, cols) + x.chunks[2:]
    tail_pad = (0, 0)
    if spec.reach is not None:
        mode, cval = _edge_rule(spec, dtype, kwargs)
        if name == "mean" and mode == N.BORDER_CODES[_WRAP]:
            tail_pad = (bx, ax)   # OpenCV's wrap row: the image padded by the halo
        kwargs = dict(kwargs, border=_WRAP)
        x = _pad(_pad(x, 0, by, ay, mode, cval), 1, bx, ax, mode, cval)
    prow = ((rows[0] + by + ay,) if len(rows) == 1
            else (rows[0] + by,) + rows[1:-1] + (rows[-1] + ay,))
    pcol = ((cols[0] + bx + ax,) if len(cols) == 1
            else (cols[0] + bx,) + cols[1:-1] + (cols[-1] + ax,))
    x = x.rechunk((prow, pcol) + x.chunks[2:], method="tasks")
    if top or ay or bx or ax:
        extra = {2: 0} if x.ndim == 3 else {}
        x = _overlap(x, depth={0: (top, ay), 1: (bx, ax), **extra},
                     boundary={i: "none" for i in range(x.ndim)})
    row_starts = tuple(int(v) for v in np.concatenate([[0], np.cumsum(rows)]))
    fn = functools.partial(_block, name=name, kwargs=kwargs, depth=depth, width=W,
                           row_starts=row_starts, row_phase=phase, tail_pad=tail_pad)
    return x.map_blocks(fn, chunks=out_chunks, dtype=out_dtype,
                        meta=np.empty((0,) * x.ndim, out_dtype))


# --------------------------------------------------------------------------- public API
_COMMON = """
    The result is a lazy dask.array equal, bit for bit, to imfilt.{name} on the whole image,
    for every border and any chunking. threads: OpenMP threads inside each task (default 1:
    the workers already run in parallel). No `out`: store the result with dask
    (`.to_zarr`, `dask.array.store`, `.compute()`)."""


def _doc(name: str) -> Callable[[F], F]:
    def deco(fn: F) -> F:
        fn.__doc__ = (f"imfilt.{name} on a dask array: see imfilt.{name} for the arguments.\n"
                      + _COMMON.format(name=name))
        return fn
    return deco


@_doc("gaussian")
def gaussian(image: Any, sigma: Sigma = 0.0, *, ksize: Optional[Size] = None,
             border: Border = "reflect101", cval: Number = 0.0, threads: int = 1) -> Any:
    return _run("gaussian", image, dict(sigma=sigma, ksize=ksize, border=border, cval=cval),
                threads)


@_doc("mean")
def mean(image: Any, size: Size, *, normalize: bool = True, border: Border = "reflect101",
         cval: Number = 0.0, threads: int = 1) -> Any:
    return _run("mean", image, dict(size=size, normalize=normalize, border=border, cval=cval),
                threads)


@_doc("median")
def median(image: Any, size: Size, *, border: Border = "replicate", cval: Number = 0.0,
           threads: int = 1) -> Any:
    return _run("median", image, dict(size=size, border=border, cval=cval), threads)


@_doc("minimum")
def minimum(image: Any, size: Size = 3, *, footprint: Optional[ImageLike] = None,
            border: Optional[Border] = None, cval: Number = 0, threads: int = 1) -> Any:
    return _run("minimum", image, dict(size=size, footprint=footprint, border=border,
                                       cval=cval), threads)


@_doc("maximum")
def maximum(image: Any, size: Size = 3, *, footprint: Optional[ImageLike] = None,
            border: Optional[Border] = None, cval: Number = 0, threads: int = 1) -> Any:
    return _run("maximum", image, dict(size=size, footprint=footprint, border=border,
                                       cval=cval), threads)


@_doc("filter2d")
def filter2d(image: Any, kernel: ImageLike, *, anchor: Optional[Tuple[int, int]] = None,
             delta: Number = 0, border: Border = "reflect101", cval: Number = 0,
             threads: int = 1) -> Any:
    return _run("filter2d", image, dict(kernel=kernel, anchor=anchor, delta=delta,
                                        border=border, cval=cval), threads)


@_doc("sobel")
def sobel(image: Any, *, dy: int = 0, dx: int = 0, ksize: int = 3, scale: Number = 1.0,
          delta: Number = 0.0, dtype: DType = None, border: Border = "reflect101",
          cval: Number = 0, threads: int = 1) -> Any:
    return _run("sobel", image, dict(dy=dy, dx=dx, ksize=ksize, scale=scale, delta=delta,
                                     dtype=dtype, border=border, cval=cval), threads)


@_doc("scharr")
def scharr(image: Any, *, dy: int = 0, dx: int = 0, scale: Number = 1.0, delta: Number = 0.0,
           dtype: DType = None, border: Border = "reflect101", cval: Number = 0,
           threads: int = 1) -> Any:
    return _run("scharr", image, dict(dy=dy, dx=dx, scale=scale, delta=delta, dtype=dtype,
                                      border=border, cval=cval), threads)


@_doc("laplacian")
def laplacian(image: Any, *, ksize: int = 1, scale: Number = 1.0, delta: Number = 0.0,
              dtype: DType = None, border: Border = "reflect101", cval: Number = 0,
              threads: int = 1) -> Any:
    return _run("laplacian", image, dict(ksize=ksize, scale=scale, delta=delta, dtype=dtype,
                                         border=border, cval=cval), threads)


@_doc("sep_filter2d")
def sep_filter2d(image: Any, kernel_y: ImageLike, kernel_x: ImageLike, *,
                 anchor: Optional[Tuple[int, int]] = None, delta: Number = 0.0,
                 dtype: DType = None, border: Border = "reflect101", cval: Number = 0,
                 threads: int = 1) -> Any:
    return _run("sep_filter2d", image, dict(kernel_y=kernel_y, kernel_x=kernel_x,
                                            anchor=anchor, delta=delta, dtype=dtype,
                                            border=border, cval=cval), threads)


@_doc("gamma")
def gamma(image: Any, gamma: float, gain: float = 1.0, *, threads: int = 1) -> Any:
    return _run("gamma", image, dict(gamma=gamma, gain=gain), threads)


@_doc("lut")
def lut(image: Any, table: ImageLike, *, threads: int = 1) -> Any:
    return _run("lut", image, dict(table=table), threads)
