/* Separable drivers (imfilt.gaussian, imfilt.mean): Gaussian-style correlation and box sums.
   They own the traversal, not the arithmetic: the strip driver sep_<work type>
   (separable_drv_tmpl.h) runs the row pass into a small ring of kernel-height rows, then the
   column pass out of it. Borders come from core/border.h only, threads from
   core/parallel.h; the hot loops from the ISA table (separable.h). 8-bit means go to
   src/box8/ first. */
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include "core/imfilt.h"
#include "core/entry.h"
#include "core/border.h"
#include "separable.h"
#include "core/parallel.h"
#include "core/prefetch.h"
#include "box8/box8.h"

IMFILT_ISA_DECLARE(imfilt_separable_table, imfilt_separable);
const imfilt_separable_table *imfilt_separable_active(void) {
    return IMFILT_ISA_ACTIVE(imfilt_separable_table, imfilt_separable);
}

/* Column tiles keep the ring of row-pass outputs within ~L1: the column pass reads kh rows
   for every output row, and from L2 that traffic, not the arithmetic, would bound the speed. */
#define IMFILT_TILE_BYTES (24 * 1024)
#define IMFILT_MIN_TILE_SAMPLES 256

/* What a strip driver sums: the correlation with the caller's taps, or box sums (all-ones
   taps, the column pass as a running sum). */
typedef enum { SEP_TAPS = 0, SEP_BOX = 1 } sep_kind;

/* k[i] == k[n - 1 - i] for every i, n odd: the loops then add the mirrored rows first. */
static int taps_symmetric(const double *k, size_t n) {
    if (!(n & 1)) return 0;
    for (size_t i = 0; i < n / 2; i++)
        if (k[i] != k[n - 1 - i]) return 0;
    return 1;
}

/* The double-product rounding of OpenCV's scalar row tails (see imfilt_out_rule.tail_block). */
static void store_round_double(const double *v, void *dst, size_t n, int dtype, double scale) {
    for (size_t i = 0; i < n; i++) {
        double r = nearbyint(v[i] * scale); /* half to even in the default rounding mode */
        switch (dtype) {
        case IMFILT_U8: ((uint8_t *)dst)[i] = (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r); break;
        case IMFILT_U16: ((uint16_t *)dst)[i] = (uint16_t)(r < 0 ? 0 : r > 65535 ? 65535 : r); break;
        case IMFILT_I16: ((int16_t *)dst)[i] = (int16_t)(r < -32768 ? -32768 : r > 32767 ? 32767 : r); break;
        default: break;
        }
    }
}

/* Taps that the exact uint16 row pass can take: integers >= 0 summing to at most 256 (every
   partial sum of 8-bit pixels then stays below 2^16). */
static int taps_fit_u8(const double *k, size_t n) {
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(k[i] >= 0 && k[i] <= 256 && k[i] == (double)(long)k[i])) return 0;
        sum += k[i];
    }
    return sum <= 256;
}

#include "separable/bordered_row_instances.h"
#include "separable/separable_drv_instances.h"

static int check_args(const imfilt_image *src, const imfilt_image *dst, size_t k1, size_t a1,
                      size_t k2, size_t a2) {
    int st = imfilt_check_window(k2, k1, a2, a1);
    return st ? st : imfilt_check_images(src, dst, 0);
}

int imfilt_sepfilter(const imfilt_image *src, imfilt_image *dst,
                     const double *kx, size_t kw, size_t ax,
                     const double *ky, size_t kh, size_t ay,
                     int border, double cval, int work,
                     const imfilt_out_rule *rule, int threads) {
    int st = check_args(src, dst, kw, ax, kh, ay);
    if (st) return st;
    if (src->height == 0 || src->width == 0 || src->channels == 0) return IMFILT_OK;
    if (rule->mode == IMFILT_OUT_BOX8) return IMFILT_EINVAL; /* a box rule, not a kernel rule */
    if (work == IMFILT_WORK_F64) return sep_f64(src, dst, kx, kw, ax, ky, kh, ay, border, cval,
                                                rule, threads, SEP_TAPS);
    if (work == IMFILT_WORK_F32) return sep_f32(src, dst, kx, kw, ax, ky, kh, ay, border, cval,
                                                rule, threads, SEP_TAPS);
    return IMFILT_EINVAL; /* uint16 lanes only hold box sums */
}

int imfilt_boxfilter(const imfilt_image *src, imfilt_image *dst,
                     size_t kw, size_t ax, size_t kh, size_t ay,
                     int border, double cval, int work,
                     const imfilt_out_rule *rule, int threads) {
    int st = check_args(src, dst, kw, ax, kh, ay);
    if (st) return st;
    if (src->height == 0 || src->width == 0 || src->channels == 0) return IMFILT_OK;
    /* 8-bit means take the fused path (src/box8/box8.c); the 8-bit rounding exists only there */
    int fused = imfilt_box8(src, dst, kw, ax, kh, ay, border, cval, rule, threads);
    if (fused >= 0) return fused;
    if (rule->mode == IMFILT_OUT_BOX8) return IMFILT_EINVAL;
    if (work == IMFILT_WORK_F64) return sep_f64(src, dst, NULL, kw, ax, NULL, kh, ay, border, cval,
                                                rule, threads, SEP_BOX);
    if (work == IMFILT_WORK_F32) return sep_f32(src, dst, NULL, kw, ax, NULL, kh, ay, border, cval,
                                                rule, threads, SEP_BOX);
    /* uint16 lanes: 8-bit input, area <= 256 (every sum < 2^16) */
    if (src->dtype != IMFILT_U8 || kw * kh > 256 || (dst->dtype != IMFILT_U8 && dst->dtype != IMFILT_I64))
        return IMFILT_EINVAL;
    return sep_u16(src, dst, NULL, kw, ax, NULL, kh, ay, border, cval, rule, threads, SEP_BOX);
}
