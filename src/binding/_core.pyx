# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""The binding: arrays in, one C call with the GIL released, one status mapping.
No filter logic lives here; imfilt/*.py has already validated and normalised everything.
Images arrive as 2-D byte views (rows x row bytes) plus a dtype code, so one signature
serves every pixel type (filter2d: the arrays as C reads them, N.c_rows). fast.pxi: the
compiled fast path of the image filters, which checks common calls itself."""

from libc.stdint cimport uint8_t, uint16_t, int32_t
from libc.stddef cimport ptrdiff_t
cimport numpy as cnp

cnp.import_array()

cdef extern from "core/imfilt.h":
    ctypedef struct imfilt_image:
        void *data
        ptrdiff_t row_stride
        size_t height, width, channels
        int dtype
    ctypedef struct imfilt_out_rule:
        int mode
        double bias, scale
        int32_t box_delta, box_mul
        uint16_t box_mul16
        int box_shift16
        int scale_in_float
        size_t tail_block
        size_t tail_pad[2]
    int imfilt_sepfilter(const imfilt_image *src, imfilt_image *dst,
                         const double *kx, size_t kw, size_t ax,
                         const double *ky, size_t kh, size_t ay,
                         int border, double cval, int work,
                         const imfilt_out_rule *rule, int threads) nogil
    int imfilt_boxfilter(const imfilt_image *src, imfilt_image *dst,
                         size_t kw, size_t ax, size_t kh, size_t ay,
                         int border, double cval, int work,
                         const imfilt_out_rule *rule, int threads) nogil
    const char *imfilt_isa_name()
    const char *imfilt_isa_built()
    const char *imfilt_isa_supported()
    int imfilt_isa_select(const char *request)
    const char *imfilt_compiler()
    int imfilt_openmp_enabled()
    int imfilt_max_threads()
    void imfilt_set_interrupt_hook(int (*hook)() noexcept nogil)

cdef extern from "separable/separable.h":
    enum: IMFILT_BOX_RESTART_ROWS

BOX_RESTART_ROWS = IMFILT_BOX_RESTART_ROWS

cdef extern from *:
    """
    /* The interrupt hook (src/core/parallel.h imfilt_stopped): run Python's signal handlers in the
       calling thread; a raising handler (Ctrl-C: KeyboardInterrupt) leaves its exception set
       and stops the call. Non-main threads: PyErr_CheckSignals does nothing. */
    static int imfilt_python_signals(void) {
        PyGILState_STATE g = PyGILState_Ensure();
        const int raised = PyErr_CheckSignals() != 0;
        PyGILState_Release(g);
        return raised;
    }
    """
    int imfilt_python_signals() noexcept nogil


cdef extern from "core/border.h":
    ptrdiff_t imfilt_border_index(ptrdiff_t i, ptrdiff_t n, int mode) nogil


def border_indices(Py_ssize_t start, Py_ssize_t n, int mode, Py_ssize_t[::1] out not None):
    """out[i] = the in-image index that coordinate start + i reads (-1: the constant), from
    src/core/border.h, the one definition of the border modes."""
    cdef Py_ssize_t i
    for i in range(out.shape[0]):
        out[i] = imfilt_border_index(start + i, n, mode)


cdef extern from "Python.h":
    void *PyErr_Occurred()

imfilt_set_interrupt_hook(imfilt_python_signals)


cdef int _check(int status, str what) except -1:
    """The one mapping from C status codes to Python exceptions."""
    if status == IMFILT_OK:
        return 0
    if status == IMFILT_EINTR:  # a signal handler raised (its exception is pending)
        if PyErr_Occurred() != NULL:
            return -1
        raise KeyboardInterrupt(f"{what}: interrupted")
    if status == IMFILT_ENOMEM:
        raise MemoryError(f"{what}: out of memory for scratch buffers")
    if status == IMFILT_EDTYPE:
        raise TypeError(f"{what}: unsupported dtype reached the C core")
    raise ValueError(f"{what}: invalid arguments reached the C core (status {status})")


cdef imfilt_image _image(const uint8_t[:, :] rows, size_t width, size_t channels, int dtype):
    cdef imfilt_image im
    im.data = <void *>&rows[0, 0]
    im.row_stride = rows.strides[0]
    im.height = rows.shape[0]
    im.width = width
    im.channels = channels
    im.dtype = dtype
    return im


cdef imfilt_image _array_image(cnp.ndarray a):
    """The image of an array whose rows the C core reads in place (N.c_rows: native, aligned,
    each row contiguous; its row stride as it is)."""
    cdef imfilt_image im
    im.data = cnp.PyArray_DATA(a)
    im.row_stride = cnp.PyArray_STRIDES(a)[0]
    im.height, im.width = cnp.PyArray_DIMS(a)[0], cnp.PyArray_DIMS(a)[1]
    im.channels = cnp.PyArray_DIMS(a)[2] if cnp.PyArray_NDIM(a) == 3 else 1
    im.dtype = _imfilt_dtype(cnp.PyArray_TYPE(a))
    return im


cdef imfilt_out_rule _rule(dict r):
    cdef imfilt_out_rule rule
    rule.mode = r.get("mode", 0)
    rule.bias = r.get("bias", 0.0)
    rule.scale = r.get("scale", 1.0)
    rule.box_delta = r.get("box_delta", 0)
    rule.box_mul = r.get("box_mul", 0)
    rule.box_mul16 = r.get("box_mul16", 0)
    rule.box_shift16 = r.get("box_shift16", 0)
    rule.scale_in_float = r.get("scale_in_float", 0)
    rule.tail_block = r.get("tail_block", 0)
    pad = r.get("tail_pad", (0, 0))
    rule.tail_pad[0] = pad[0]
    rule.tail_pad[1] = pad[1]
    return rule


cdef struct engine_call:
    imfilt_image src, dst
    imfilt_out_rule rule


cdef engine_call _engine_call(const uint8_t[:, :] src, uint8_t[:, :] dst, size_t width,
                              size_t channels, int src_dtype, int dst_dtype, dict rule):
    """The images and output rule shared by the separable engine's two entries."""
    cdef engine_call c
    c.src = _image(src, width, channels, src_dtype)
    c.dst = _image(dst, width, channels, dst_dtype)
    c.rule = _rule(rule)
    return c


def sepfilter(const uint8_t[:, :] src not None, uint8_t[:, :] dst not None,
              size_t width, size_t channels, int src_dtype, int dst_dtype,
              const double[::1] kx not None, size_t ax, const double[::1] ky not None, size_t ay,
              int border, double cval, int work, dict rule, int threads):
    cdef engine_call c = _engine_call(src, dst, width, channels, src_dtype, dst_dtype, rule)
    cdef int st
    with nogil:
        st = imfilt_sepfilter(&c.src, &c.dst, &kx[0], kx.shape[0], ax, &ky[0], ky.shape[0], ay,
                              border, cval, work, &c.rule, threads)
    _check(st, "sepfilter")


def boxfilter(const uint8_t[:, :] src not None, uint8_t[:, :] dst not None,
              size_t width, size_t channels, int src_dtype, int dst_dtype,
              size_t kw, size_t ax, size_t kh, size_t ay,
              int border, double cval, int work, dict rule, int threads):
    cdef engine_call c = _engine_call(src, dst, width, channels, src_dtype, dst_dtype, rule)
    cdef int st
    with nogil:
        st = imfilt_boxfilter(&c.src, &c.dst, kw, ax, kh, ay, border, cval, work, &c.rule, threads)
    _check(st, "boxfilter")


def select_isa(str request):
    """Choose the kernel table: the best level the CPU runs, capped at `request` ('' = no cap)."""
    if imfilt_isa_select(request.encode()) != 0:
        raise ValueError(f"IMFILT_CPU={request!r} is not a level built into this module; "
                         f"built: {imfilt_isa_built().decode()}")


def config():
    return {
        "isa_active": imfilt_isa_name().decode(),
        "isa_built": imfilt_isa_built().decode().split(","),
        "isa_supported": imfilt_isa_supported().decode().split(","),
        "compiler": imfilt_compiler().decode(),
        "openmp": bool(imfilt_openmp_enabled()),
        "max_threads": imfilt_max_threads(),
    }


# ----------------------------------------------------------------------------------------------
# Filter families: each binds its C entries in its own include file (src/binding/<family>.pxi), using
# _image, _check and the nogil pattern above; fast.pxi holds every filter's fast path.
include "hog.pxi"
include "conv.pxi"
include "morph.pxi"
include "tone.pxi"
include "median.pxi"
include "png.pxi"
include "deriv.pxi"
include "fast.pxi"
