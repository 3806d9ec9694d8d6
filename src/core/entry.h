/* Argument checks shared by the C entry points. The Python layer has validated everything
   already; these only keep a direct C call with bad arguments from reading out of bounds. */
#ifndef IMFILT_ENTRY_H
#define IMFILT_ENTRY_H
#include "imfilt.h"

/* Input and output images of the same shape (and dtype, when `same_dtype`), with a valid input
   pixel type: IMFILT_OK, IMFILT_EINVAL or IMFILT_EDTYPE. */
static inline int imfilt_check_images(const imfilt_image *src, const imfilt_image *dst,
                                      int same_dtype) {
    if (!src || !dst) return IMFILT_EINVAL;
    if (src->height != dst->height || src->width != dst->width || src->channels != dst->channels)
        return IMFILT_EINVAL;
    if (same_dtype && src->dtype != dst->dtype) return IMFILT_EINVAL;
    if (src->dtype < 0 || src->dtype > IMFILT_F64 || dst->dtype < 0 || dst->dtype >= IMFILT_NTYPES)
        return IMFILT_EDTYPE;
    return IMFILT_OK;
}

/* A kh x kw window anchored at (ay, ax) inside it. */
static inline int imfilt_check_window(size_t kh, size_t kw, size_t ay, size_t ax) {
    return kh == 0 || kw == 0 || ay >= kh || ax >= kw ? IMFILT_EINVAL : IMFILT_OK;
}

static inline int imfilt_check_border(int border) {
    return border < IMFILT_BORDER_REFLECT101 || border > IMFILT_BORDER_WRAP ? IMFILT_EINVAL
                                                                           : IMFILT_OK;
}

static inline int imfilt_is_empty(const imfilt_image *im) {
    return im->height == 0 || im->width == 0 || im->channels == 0;
}

#endif
