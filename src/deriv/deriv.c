/* Derivative filters (imfilt.sobel, scharr, laplacian, sep_filter2d, filter2d with an output
   dtype): the driver. It owns checks, traversal, borders (src/core/border.h, rows bordered by
   separable's bordered_row_tmpl.h) and threads (imfilt_parallel_rows); the strip driver per
   work type is deriv_drv_tmpl.h, the arithmetic the ISA table's (deriv.h). Which work type
   reproduces OpenCV (int16 / int32 lanes for 8-bit images and integer kernels, float32 or
   float64 otherwise) is decided by the caller (imfilt/derivatives.py). */
#include <stdlib.h>
#include <string.h>
#include "core/imfilt.h"
#include "core/entry.h"
#include "core/border.h"
#include "separable/separable.h"
#include "deriv.h"
#include "core/parallel.h"
#include "core/prefetch.h"

IMFILT_ISA_DECLARE(imfilt_deriv_table, imfilt_deriv);
static const imfilt_deriv_table *imfilt_deriv_active(void) {
    return IMFILT_ISA_ACTIVE(imfilt_deriv_table, imfilt_deriv);
}

#define DERIV_MAX_TERMS 2
/* Column tiles keep each term's ring of row passes near L1: the column pass reads kh rows
   per output row. */
#define DERIV_TILE_BYTES (32 * 1024)
#define DERIV_MIN_TILE_SAMPLES 256
/* Images below this stay in L2 between calls: no software prefetch (measured: 512x512 uint8
   sobel 6% slower with it, 4K 9% faster) */
#define DERIV_PREFETCH_MIN_BYTES (1u << 20)

/* The offsets of k's nonzero taps (at least one: an all-zero kernel keeps its first, as
   OpenCV does); returns their count. */
static size_t deriv_nonzero_taps(const double *k, size_t n, size_t *off) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (k[i] != 0) off[m++] = i;
    if (m == 0) off[m++] = 0;
    return m;
}

#include "separable/bordered_row_instances.h"
#include "deriv/deriv_drv_instances.h"

int imfilt_deriv(const imfilt_image *src, imfilt_image *dst, size_t nterms,
                 const double *const *kx, const double *const *ky, size_t kw, size_t ax,
                 size_t kh, size_t ay, double delta, int border, double cval, int work,
                 int threads) {
    int st = imfilt_check_window(kh, kw, ay, ax);
    if (st) return st;
    if ((st = imfilt_check_images(src, dst, 0))) return st;
    if ((st = imfilt_check_border(border))) return st;
    if (nterms < 1 || nterms > DERIV_MAX_TERMS || dst->dtype >= IMFILT_I64) return IMFILT_EINVAL;
    if (src->height == 0 || src->width == 0 || src->channels == 0) return IMFILT_OK;
    switch (work) {
    case IMFILT_DERIV_I16:
    case IMFILT_DERIV_I32:
        if (src->dtype != IMFILT_U8) return IMFILT_EINVAL; /* integer lanes read uint8 rows */
        if (work == IMFILT_DERIV_I16)
            return deriv_i16(src, dst, nterms, kx, ky, kw, ax, kh, ay, delta, border, cval,
                             threads);
        return deriv_i32(src, dst, nterms, kx, ky, kw, ax, kh, ay, delta, border, cval, threads);
    case IMFILT_DERIV_F32:
        return deriv_f32(src, dst, nterms, kx, ky, kw, ax, kh, ay, delta, border, cval, threads);
    case IMFILT_DERIV_F64:
        return deriv_f64(src, dst, nterms, kx, ky, kw, ax, kh, ay, delta, border, cval, threads);
    default:
        return IMFILT_EINVAL;
    }
}
