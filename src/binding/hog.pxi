# HOG descriptors (src/hog/hog.c): OpenCV's block grid, scikit-image's cells and blocks.
# imfilt/features.py validates everything before these calls.

from libc.stdint cimport int64_t
from libc.stdlib cimport free

cdef extern from "core/imfilt.h":
    ctypedef struct imfilt_hog_params:
        size_t nbins
        int signed_gradient
        int gamma
        size_t pad_y, pad_x
        size_t cell_h, cell_w
        size_t block_h, block_w
        size_t stride_y, stride_x
        double win_sigma
        int norm
        double threshold
        int out_dtype
        int column_major
    int imfilt_hog_blocks(const imfilt_image *src, const imfilt_hog_params *p, float *out,
                          int threads) nogil
    int imfilt_hog_windows(const float *grid, const size_t step[4], size_t nwy, size_t nwx,
                           size_t nbj, size_t nbi, size_t len, float *out, int threads) nogil
    int imfilt_hog_cells(const imfilt_image *src, const imfilt_hog_params *p, float *cells,
                         const int64_t *pos, const double *orient, size_t npos, double **amb,
                         size_t *amb_count, int threads) nogil
    int imfilt_hog_cell_blocks(const float *cells, size_t ncy, size_t ncx,
                               const imfilt_hog_params *p, void *out, int threads) nogil


cdef imfilt_hog_params _hog_params(dict d):
    cdef imfilt_hog_params p
    p.nbins = d["nbins"]
    p.signed_gradient = d.get("signed", 0)
    p.gamma = d.get("gamma", 0)
    p.pad_y, p.pad_x = d.get("pad", (0, 0))
    p.cell_h, p.cell_w = d["cell"]
    p.block_h, p.block_w = d["block"]
    p.stride_y, p.stride_x = d.get("stride", (1, 1))
    p.win_sigma = d.get("win_sigma", 1.0)
    p.norm = d.get("norm", 0)
    p.threshold = d.get("threshold", 0.2)
    p.out_dtype = d.get("out_dtype", 3)
    p.column_major = d.get("column_major", 0)
    return p


def hog_blocks(const uint8_t[:, :] src not None, size_t width, size_t channels, int dtype,
               dict params, float[::1] out not None, int threads):
    cdef imfilt_image s = _image(src, width, channels, dtype)
    cdef imfilt_hog_params p = _hog_params(params)
    cdef int st
    if out.shape[0] == 0:
        return
    with nogil:
        st = imfilt_hog_blocks(&s, &p, &out[0], threads)
    _check(st, "hog_blocks")


def hog_windows(const float[::1] grid not None, tuple step, size_t nwy, size_t nwx, size_t nbj,
                size_t nbi, size_t length, float[::1] out not None, int threads):
    """Windows gathered from a block grid (see imfilt_hog_windows); step in floats. The
    caller guarantees every read lies in grid."""
    cdef size_t st4[4]
    cdef int st
    st4[0], st4[1], st4[2], st4[3] = step
    if out.shape[0] < nwy * nwx * nbj * nbi * length:
        raise ValueError("hog_windows: out too short")
    if out.shape[0] == 0:
        return
    with nogil:
        st = imfilt_hog_windows(&grid[0], st4, nwy, nwx, nbj, nbi, length, &out[0], threads)
    _check(st, "hog_windows")


def hog_cells(const uint8_t[:, :] src not None, size_t width, size_t channels, int dtype,
              dict params, float[::1] cells not None, const int64_t[::1] pos not None,
              const double[::1] orient not None, int threads):
    """Cell sums (see imfilt_hog_cells). Returns the pixels left for NumPy's arctan2 as bytes,
    4 float64 per pixel (y, x, dy, dx); pass their positions and orientations back in pos /
    orient to finish their cell rows."""
    cdef imfilt_image s = _image(src, width, channels, dtype)
    cdef imfilt_hog_params p = _hog_params(params)
    cdef size_t npos = pos.shape[0], count = 0
    cdef const int64_t *pp = &pos[0] if npos else NULL
    cdef const double *op = &orient[0] if npos else NULL
    cdef double *amb = NULL
    cdef int st
    if orient.shape[0] != npos:
        raise ValueError("hog_cells: pos and orient differ in length")
    if cells.shape[0] == 0:
        return b""
    with nogil:
        st = imfilt_hog_cells(&s, &p, &cells[0], pp, op, npos, &amb, &count, threads)
    try:
        _check(st, "hog_cells")
        return (<char *>amb)[:count * 4 * sizeof(double)] if count else b""
    finally:
        free(amb)


def hog_cell_blocks(const float[::1] cells not None, size_t ncy, size_t ncx, dict params,
                    uint8_t[::1] out not None, int threads):
    cdef imfilt_hog_params p = _hog_params(params)
    cdef int st
    if out.shape[0] == 0:
        return
    with nogil:
        st = imfilt_hog_cell_blocks(&cells[0], ncy, ncx, &p, <void *>&out[0], threads)
    _check(st, "hog_cell_blocks")
