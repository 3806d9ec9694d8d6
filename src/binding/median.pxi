# Median filter binding (src/median/median.c): one C call, GIL released. The C driver chooses
# the algorithm; Python reads the one limit it refuses by (MEDIAN_TILE_MAX) from here.

cdef extern from "core/imfilt.h":
    int imfilt_median(const imfilt_image *src, imfilt_image *dst, size_t kh, size_t kw,
                      int border, double cval, int threads) nogil

cdef extern from "median/median.h":
    enum: IMFILT_MEDIAN_TILE_MAX

MEDIAN_TILE_MAX = IMFILT_MEDIAN_TILE_MAX


def median(const uint8_t[:, :] src not None, uint8_t[:, :] dst not None,
           size_t width, size_t channels, int dtype, size_t kh, size_t kw,
           int border, double cval, int threads):
    cdef imfilt_image s = _image(src, width, channels, dtype)
    cdef imfilt_image d = _image(dst, width, channels, dtype)
    cdef int st
    with nogil:
        st = imfilt_median(&s, &d, kh, kw, border, cval, threads)
    _check(st, "median")
