# PNG row filters: bindings of src/png/png.c for imfilt/cli/png.py's exact 16-bit colour codec.
# Included at the end of _core.pyx.

cdef extern from "png/png.h":
    int imfilt_png_unfilter(const uint8_t *src, ptrdiff_t src_stride, uint8_t *dst,
                            ptrdiff_t dst_stride, size_t nrows, size_t row_bytes, size_t bpp,
                            const uint8_t *prev, size_t *bad_row) nogil
    int imfilt_png_filter(const uint8_t *raw, ptrdiff_t raw_stride, uint8_t *out,
                          ptrdiff_t out_stride, size_t nrows, size_t row_bytes, size_t bpp,
                          const uint8_t *prev, const uint8_t *types) nogil


def png_unfilter(const uint8_t[:, ::1] src not None, uint8_t[:, ::1] dst not None, size_t bpp,
                 const uint8_t[::1] prev):
    """Reconstruct PNG rows: src (n, 1 + row_bytes) as inflated (type byte first) -> dst
    (n, row_bytes); prev is the reconstructed row above, or None for the image's first row.
    Returns -1, or the index of the first row whose filter type is not 0..4."""
    cdef size_t n = src.shape[0], row_bytes = dst.shape[1], bad = 0
    cdef const uint8_t *above = NULL
    cdef int st
    if dst.shape[0] != n or src.shape[1] != row_bytes + 1 or bpp < 1 or row_bytes < 1:
        raise ValueError("png_unfilter: src must be (n, 1 + row_bytes), dst (n, row_bytes)")
    if prev is not None:
        if prev.shape[0] != row_bytes:
            raise ValueError("png_unfilter: prev must have row_bytes bytes")
        above = &prev[0]
    if n == 0:
        return -1
    with nogil:
        st = imfilt_png_unfilter(&src[0, 0], src.strides[0], &dst[0, 0], dst.strides[0], n,
                                 row_bytes, bpp, above, &bad)
    if st == IMFILT_EINVAL:  # a row with an unknown filter type
        return <Py_ssize_t>bad
    _check(st, "png_unfilter")
    return -1


def png_filter(const uint8_t[:, ::1] raw not None, uint8_t[:, ::1] out not None, size_t bpp,
               const uint8_t[::1] prev, const uint8_t[::1] types):
    """Filter PNG rows: raw (n, row_bytes) -> out (n, 1 + row_bytes), type byte first. prev: the
    raw row above, or None for the image's first row; types: one 0..4 per row, or None to
    choose per row (smallest sum of absolute signed bytes)."""
    cdef size_t n = raw.shape[0], row_bytes = raw.shape[1]
    cdef const uint8_t *above = NULL
    cdef const uint8_t *fixed = NULL
    cdef int st
    if out.shape[0] != n or out.shape[1] != row_bytes + 1 or bpp < 1 or row_bytes < 1:
        raise ValueError("png_filter: raw must be (n, row_bytes), out (n, 1 + row_bytes)")
    if prev is not None:
        if prev.shape[0] != row_bytes:
            raise ValueError("png_filter: prev must have row_bytes bytes")
        above = &prev[0]
    if types is not None:
        if types.shape[0] != n:
            raise ValueError("png_filter: types must have one entry per row")
        if n:
            fixed = &types[0]
    if n == 0:
        return
    with nogil:
        st = imfilt_png_filter(&raw[0, 0], raw.strides[0], &out[0, 0], out.strides[0], n,
                               row_bytes, bpp, above, fixed)
    if st == IMFILT_EINVAL:  # a row with an unknown filter type
        raise ValueError("png_filter: filter types are 0..4")
    _check(st, "png_filter")
