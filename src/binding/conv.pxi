# Convolution family (src/conv.c): conv2d on contiguous NCHW arrays, filter2d on images.
# Included at the end of _core.pyx; uses its _image / _check helpers.

cdef extern from "core/imfilt.h":
    int imfilt_conv2d(const void *x, const void *w, const void *bias, void *y, int dtype,
                      size_t n, size_t c, size_t h, size_t wd, size_t cout, size_t kh, size_t kw,
                      size_t groups, size_t sh, size_t sw, size_t ph, size_t pw, size_t dh,
                      size_t dw, size_t oh, size_t ow, int threads) nogil
    int imfilt_filter2d(const imfilt_image *src, imfilt_image *dst, const double *k, size_t kh,
                        size_t kw, size_t ay, size_t ax, double delta, int border, double cval,
                        int threads) nogil


def conv2d(const uint8_t[::1] x not None, const uint8_t[::1] w not None, const uint8_t[::1] bias,
           uint8_t[::1] y not None, int dtype, tuple xshape, tuple wshape, size_t groups,
           tuple stride, tuple padding, tuple dilation, tuple oshape, int threads):
    """x, w, bias (or None), y: flat byte views of contiguous native arrays; shapes as
    (n, c, h, w), (cout, cin/groups, kh, kw), (oh, ow); stride, padding (top, left), dilation
    as (height, width) pairs."""
    cdef size_t n = xshape[0], c = xshape[1], h = xshape[2], wd = xshape[3]
    cdef size_t cout = wshape[0], kh = wshape[2], kw = wshape[3]
    cdef size_t sh = stride[0], sw = stride[1], ph = padding[0], pw = padding[1]
    cdef size_t dh = dilation[0], dw = dilation[1], oh = oshape[0], ow = oshape[1]
    cdef const void *bp = NULL
    if bias is not None and bias.shape[0] > 0:
        bp = <const void *>&bias[0]
    cdef int st
    with nogil:
        st = imfilt_conv2d(&x[0], &w[0], bp, &y[0], dtype, n, c, h, wd, cout, kh, kw, groups,
                           sh, sw, ph, pw, dh, dw, oh, ow, threads)
    _check(st, "conv2d")


def filter2d(cnp.ndarray src not None, cnp.ndarray dst not None, cnp.ndarray kernel not None,
             size_t ay, size_t ax, double delta, int border, double cval, int threads):
    """src, dst: images the C core reads in place (N.c_rows); kernel: C-contiguous float64."""
    cdef imfilt_image s = _array_image(src)
    cdef imfilt_image d = _array_image(dst)
    cdef const double *k = <const double *>cnp.PyArray_DATA(kernel)
    cdef size_t kh = cnp.PyArray_DIMS(kernel)[0], kw = cnp.PyArray_DIMS(kernel)[1]
    cdef int st
    with nogil:
        st = imfilt_filter2d(&s, &d, k, kh, kw, ay, ax, delta, border, cval, threads)
    _check(st, "filter2d")
