/* The separable family's table of hot row loops, one instance per ISA level
   (separable_isa.c compiled once per level with different flags), chosen once at import by
   src/core/dispatch.c. The drivers in separable.c decide what to compute; these loops only
   decide how fast. */
#ifndef IMFILT_SEPARABLE_H
#define IMFILT_SEPARABLE_H
#include "core/imfilt.h"
#include "core/isa.h"

/* Float box sums restart at row multiples of this, so results never depend on the strips
   (the Dask adapter reads it through the binding: its blocks start on the same rows). */
#define IMFILT_BOX_RESTART_ROWS 64

typedef struct imfilt_separable_table {
    const char *name;
    /* dst[i] = (W)src[i] for each input pixel type */
    void (*load_f32[IMFILT_NTYPES])(const void *src, float *dst, size_t n);
    void (*load_f64[IMFILT_NTYPES])(const void *src, double *dst, size_t n);
    /* dst[i] = rule(src[i]) for each output pixel type */
    void (*store_f32[IMFILT_NTYPES])(const float *src, void *dst, size_t n, const imfilt_out_rule *r);
    void (*store_f64[IMFILT_NTYPES])(const double *src, void *dst, size_t n, const imfilt_out_rule *r);
    /* dst[x] = sum_j k[j] * rows[j][x]; sym: k[j] == k[ks-1-j] (ks odd) halves the multiplies */
    void (*conv_f32)(const float *const *rows, const float *k, size_t ks, int sym, float *dst, size_t n);
    void (*conv_f64)(const double *const *rows, const double *k, size_t ks, int sym, double *dst, size_t n);
    /* dst[x] = sum_{t<k} src[x + t*step] by log2(k) doubling passes (t1, t2: scratch) */
    void (*boxsum_f32)(const float *src, float *dst, float *t1, float *t2, size_t n, size_t step, size_t k);
    void (*boxsum_f64)(const double *src, double *dst, double *t1, double *t2, size_t n, size_t step, size_t k);
    /* acc[x] += add[x] - sub[x]: the running column sum of the box filter */
    void (*slide_f32)(float *acc, const float *add, const float *sub, size_t n);
    void (*slide_f64)(double *acc, const double *add, const double *sub, size_t n);
    /* uint16 lanes for 8-bit box sums (area <= 256); conv_u16 sums rows (ones kernel) */
    void (*load_u16[IMFILT_NTYPES])(const void *src, uint16_t *dst, size_t n);
    void (*store_u16[IMFILT_NTYPES])(const uint16_t *src, void *dst, size_t n, const imfilt_out_rule *r);
    void (*conv_u16)(const uint16_t *const *rows, const uint16_t *k, size_t ks, int sym, uint16_t *dst, size_t n);
    void (*boxsum_u16)(const uint16_t *src, uint16_t *dst, uint16_t *t1, uint16_t *t2, size_t n, size_t step, size_t k);
    void (*slide_u16)(uint16_t *acc, const uint16_t *add, const uint16_t *sub, size_t n);
    /* dst[x] = sum_j k[j] * ext[x + j * step] for uint8 rows and integer taps >= 0 summing to
       at most 256 (exact in uint16 lanes; the uint8 Gaussian's row pass, rows_u8.h) */
    void (*rowconv_u8_f32)(const uint8_t *ext, const uint16_t *k, size_t ks, int sym,
                           size_t step, float *dst, size_t n);
    /* dst[x] = floor((sum_j k[j] * rows[j][x] + 2^15) / 2^16) for exact integer sums in
       [0, 255 * 2^16]: the uint8 Gaussian's column pass and store in one loop (rows_u8.h) */
    void (*colconv_u8_f32)(const float *const *rows, const float *k, size_t ks, int sym,
                           uint8_t *dst, size_t n);
} imfilt_separable_table;

const imfilt_separable_table *imfilt_separable_active(void); /* the active level's table */

/* A strip's tile width in pixels: tile_samples (the caller's cache budget) per C channels, a
   multiple of 64 samples when it can be, the whole row when the rest would be under kw. */
static inline size_t imfilt_tile_width(size_t tile_samples, size_t min_samples, size_t C,
                                       size_t width, size_t kw) {
    if (tile_samples < min_samples) tile_samples = min_samples;
    size_t tw = tile_samples / C;
    if (tw >= 64) tw -= tw % 64;
    if (tw < 1) tw = 1;
    if (tw >= width || width - tw < kw) tw = width;
    return tw;
}

#endif
