/* The one place where border modes are defined. Every filter maps an out-of-range coordinate
   through imfilt_border_index(); the pictures show a line "abcd" (n = 4) extended to the left
   and right. Coordinates arbitrarily far outside (kernel >> image) follow the same pattern
   periodically, so 1-pixel lines and huge kernels need no special case in the kernels. */
#ifndef IMFILT_BORDER_H
#define IMFILT_BORDER_H
#include <stddef.h>
#include "imfilt.h"

static inline ptrdiff_t imfilt_mod(ptrdiff_t i, ptrdiff_t n) {
    ptrdiff_t r = i % n;
    return r < 0 ? r + n : r;
}

/* Returns the in-range index that coordinate i reads, or -1 for "use the constant". */
static inline ptrdiff_t imfilt_border_index(ptrdiff_t i, ptrdiff_t n, int mode) {
    if (i >= 0 && i < n) return i;
    switch (mode) {
    case IMFILT_BORDER_REFLECT101: {
        /*  dcb|abcd|cba   mirror about the edge pixels, period 2n-2; a 1-pixel line is constant */
        if (n == 1) return 0;
        ptrdiff_t p = 2 * n - 2, r = imfilt_mod(i, p);
        return r < n ? r : p - r;
    }
    case IMFILT_BORDER_REFLECT: {
        /*  cba|abcd|dcb   mirror about the edges themselves, period 2n */
        ptrdiff_t p = 2 * n, r = imfilt_mod(i, p);
        return r < n ? r : p - 1 - r;
    }
    case IMFILT_BORDER_REPLICATE:
        /*  aaa|abcd|ddd   clamp */
        return i < 0 ? 0 : n - 1;
    case IMFILT_BORDER_WRAP:
        /*  bcd|abcd|abc   periodic, period n */
        return imfilt_mod(i, n);
    case IMFILT_BORDER_CONSTANT:
    default:
        /*  000|abcd|000   the caller substitutes cval */
        return -1;
    }
}
#endif
