# Median filter binding (src/median.c): one C call, GIL released.

cdef extern from "core/imfilt.h":
    int imfilt_median(const imfilt_image *src, imfilt_image *dst, size_t kh, size_t kw,
                      int border, double cval, int threads) nogil


def median(const uint8_t[:, :] src not None, uint8_t[:, :] dst not None,
           size_t width, size_t channels, int dtype, size_t kh, size_t kw,
           int border, double cval, int threads):
    cdef imfilt_image s = _image(src, width, channels, dtype)
    cdef imfilt_image d = _image(dst, width, channels, dtype)
    cdef int st
    with nogil:
        st = imfilt_median(&s, &d, kh, kw, border, cval, threads)
    _check(st, "median")
