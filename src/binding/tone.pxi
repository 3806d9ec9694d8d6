# Tone family (lookup tables, gamma): bindings of src/tone.c. Included at the end of _core.pyx.

cdef extern from "core/imfilt.h":
    int imfilt_lut(const imfilt_image *src, imfilt_image *dst, const void *table,
                   size_t elem_size, size_t table_channels, int threads) nogil
    int imfilt_pow(const imfilt_image *src, imfilt_image *dst, double gamma, double gain,
                   int threads, int *negative) nogil
    int imfilt_any_negative(const imfilt_image *src, int threads, int *found) nogil


def lut(const uint8_t[:, :] src not None, uint8_t[:, :] dst not None, size_t width,
        size_t channels, int src_dtype, const uint8_t[::1] table not None, size_t elem_size,
        size_t table_channels, int threads):
    """dst = table[src] (table given as its raw bytes, entries of elem_size bytes)."""
    cdef imfilt_image s = _image(src, width, channels, src_dtype)
    cdef imfilt_image d = _image(dst, width, channels, src_dtype)
    cdef int st
    with nogil:
        st = imfilt_lut(&s, &d, &table[0], elem_size, table_channels, threads)
    _check(st, "lut")


def pow_f32(const uint8_t[:, :] src not None, uint8_t[:, :] dst not None, size_t width,
            size_t channels, double gamma, double gain, int threads):
    """dst = src ** gamma * gain (float32); returns True when src has a negative sample."""
    cdef imfilt_image s = _image(src, width, channels, 3)
    cdef imfilt_image d = _image(dst, width, channels, 3)
    cdef int st, neg = 0
    with nogil:
        st = imfilt_pow(&s, &d, gamma, gain, threads, &neg)
    _check(st, "pow")
    return neg != 0


def any_negative(const uint8_t[:, :] src not None, size_t width, size_t channels, int dtype,
                 int threads):
    cdef imfilt_image s = _image(src, width, channels, dtype)
    cdef int st, found = 0
    with nogil:
        st = imfilt_any_negative(&s, threads, &found)
    _check(st, "any_negative")
    return found != 0
