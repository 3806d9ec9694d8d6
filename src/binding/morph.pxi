# Minimum / maximum (src/morph.c): one entry for rectangles and footprints.

cdef extern from "core/imfilt.h":
    enum: IMFILT_MORPH_MIN, IMFILT_MORPH_MAX
    int imfilt_morph(const imfilt_image *src, imfilt_image *dst, const uint8_t *footprint,
                     size_t kh, size_t kw, size_t ay, size_t ax, int op,
                     int border, double cval, int threads) nogil


def morph(const uint8_t[:, :] src not None, uint8_t[:, :] dst not None,
          size_t width, size_t channels, int dtype, const uint8_t[:, ::1] footprint,
          size_t kh, size_t kw, size_t ay, size_t ax, int op, int border, double cval,
          int threads):
    """footprint None: the kh x kw rectangle; else a C-contiguous kh x kw 0/1 mask."""
    cdef imfilt_image s = _image(src, width, channels, dtype)
    cdef imfilt_image d = _image(dst, width, channels, dtype)
    cdef const uint8_t *fp = NULL
    cdef int st
    if footprint is not None:
        fp = &footprint[0, 0]
    with nogil:
        st = imfilt_morph(&s, &d, fp, kh, kw, ay, ax, op, border, cval, threads)
    _check(st, "morph")
