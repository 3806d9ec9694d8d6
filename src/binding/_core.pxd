# The C core's enums, declared once for the binding and, as `cpdef enum`, readable from Python
# (`imfilt._core.IMFILT_BORDER_WRAP`, ...), so imfilt/*.py never copies a C number by hand.
# Cython reads this file into _core.pyx automatically (same name).

cdef extern from "core/imfilt.h":
    cpdef enum imfilt_status:
        IMFILT_OK
        IMFILT_ENOMEM
        IMFILT_EINVAL
        IMFILT_EDTYPE
        IMFILT_EINTR

    cpdef enum imfilt_dtype:
        IMFILT_U8
        IMFILT_U16
        IMFILT_I16
        IMFILT_F32
        IMFILT_F64
        IMFILT_I64
        IMFILT_NTYPES

    cpdef enum imfilt_border:
        IMFILT_BORDER_REFLECT101
        IMFILT_BORDER_REFLECT
        IMFILT_BORDER_REPLICATE
        IMFILT_BORDER_CONSTANT
        IMFILT_BORDER_WRAP

    cpdef enum imfilt_work:
        IMFILT_WORK_F32
        IMFILT_WORK_F64
        IMFILT_WORK_U16

    cpdef enum imfilt_deriv_work:
        IMFILT_DERIV_I16
        IMFILT_DERIV_I32
        IMFILT_DERIV_F32
        IMFILT_DERIV_F64

    cpdef enum imfilt_out_mode:
        IMFILT_OUT_CAST
        IMFILT_OUT_FLOOR_SHIFT
        IMFILT_OUT_ROUND
        IMFILT_OUT_BOX8

    cpdef enum imfilt_hog_norm:
        IMFILT_HOG_NORM_L2HYS_CV
        IMFILT_HOG_NORM_L1
        IMFILT_HOG_NORM_L1SQRT
        IMFILT_HOG_NORM_L2
        IMFILT_HOG_NORM_L2HYS
        IMFILT_HOG_NORM_NONE
