# Derivative family (src/deriv/deriv.c): sobel, scharr, laplacian, sep_filter2d, filter2d with
# an output dtype. Included by _core.pyx; uses its _array_image / _check helpers.

cdef extern from "core/imfilt.h":
    int imfilt_deriv(const imfilt_image *src, imfilt_image *dst, size_t nterms,
                     const double *const *kx, const double *const *ky, size_t kw, size_t ax,
                     size_t kh, size_t ay, double delta, int border, double cval, int work,
                     int threads) nogil


def deriv(cnp.ndarray src not None, cnp.ndarray dst not None, tuple terms, size_t ax, size_t ay,
          double delta, int border, double cval, int work, int threads):
    """src, dst: images the C core reads in place (N.c_rows); terms: one or two (ky, kx) pairs
    of C-contiguous float64 kernels, every ky of one length and every kx of one length."""
    cdef const double *kx[2]
    cdef const double *ky[2]
    cdef size_t nterms = len(terms), t
    cdef cnp.ndarray a
    for t in range(nterms):
        a = terms[t][0]
        ky[t] = <const double *>cnp.PyArray_DATA(a)
        a = terms[t][1]
        kx[t] = <const double *>cnp.PyArray_DATA(a)
    cdef size_t kh = cnp.PyArray_DIMS(<cnp.ndarray>terms[0][0])[0]
    cdef size_t kw = cnp.PyArray_DIMS(<cnp.ndarray>terms[0][1])[0]
    cdef imfilt_image s = _array_image(src)
    cdef imfilt_image d = _array_image(dst)
    cdef int st
    with nogil:
        st = imfilt_deriv(&s, &d, nterms, kx, ky, kw, ax, kh, ay, delta, border, cval, work,
                          threads)
    _check(st, "deriv")
