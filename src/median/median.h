/* The median filter's table type (one table per ISA level: median_isa.c compiled once per
   level, chosen once at import) and the constants the driver (median.c) and the binding share.
   The driver owns the choice of algorithm, traversal, borders and threads. */
#ifndef IMFILT_MEDIAN_H
#define IMFILT_MEDIAN_H
#include <stddef.h>
#include <stdint.h>
#include "core/imfilt.h"
#include "core/isa.h"
#include "simd/edge8.h"

/* Samples of one rank-transform tile: its dense ranks fit 16 bits. Float windows of more
   samples rank the whole image at once (image plus cval at most this many samples; the
   Python layer refuses larger images with this number, read through the binding). */
#define IMFILT_MEDIAN_TILE_MAX 65536

/* Key types: every dtype is filtered as integers whose order is the value order.
   u8, u16, i16: the values themselves; float32 / float64: int32 / int64 keys (see median.c,
   NaN above +inf). Key type index == dtype code (U8, U16, I16, F32 -> i32, F64 -> i64). */
#define IMFILT_MEDIAN_NKEYS 5
/* The sorting networks' index in the table: window 3x3, 5x5, 7x7. */
typedef enum {
    IMFILT_MEDIAN_NET3, IMFILT_MEDIAN_NET5, IMFILT_MEDIAN_NET7, IMFILT_MEDIAN_NNETS
} imfilt_median_net;

/* Per-thread column histograms of the uint8 Perreault-Hebert engine (median_ph_tmpl.h). */
typedef struct {
    size_t ncols;      /* columns = width * channels */
    void *fine;        /* ncols x 256 column histograms (uint8 counts if kh <= 255, else uint16) */
    void *coarse;      /* ncols x 16 */
} imf_ph_cols;

typedef struct imfilt_median_table {
    const char *name;
    /* ranks[r][x] = rank r of rows[0..k-1][x] for x < n (n may be rounded up to a vector) */
    void (*colsort[IMFILT_MEDIAN_NKEYS][IMFILT_MEDIAN_NNETS])(const void *const *rows,
                                                             void *const *ranks, size_t n);
    /* dst[x] = median of ranks[i][x + j * step] (i, j < k) for x < n; ranks are column-sorted */
    void (*mednet[IMFILT_MEDIAN_NKEYS][IMFILT_MEDIAN_NNETS])(const void *const *ranks,
                                                            size_t step, void *dst, size_t n);
    /* 3x3 uint8 of one output row straight from 3 unpadded image rows of n >= 64 samples,
       step (channels) < 32, with one-pixel borders left / right (src/simd/edge8.h). NULL where
       the level has no such kernel. */
    void (*med3_rows_u8)(const uint8_t *const *rows, const imf_edge8 *left,
                         const imf_edge8 *right, uint8_t cv, size_t step, size_t n,
                         uint8_t *dst);
    /* The same for a band of nout output rows from nout + 2 border-padded rows P (output x
       of band row i reads P[i .. i + 2][x .. x + 2 * step], P readable 64 bytes past P[n]),
       step <= med3_padded_max_step: levels without masked byte loads (the driver pads only
       the rows' ends, see med3_padded_strip). NULL: none. */
    void (*med3_padded_u8)(const uint8_t *const *P, size_t nout, size_t step, size_t n,
                           uint8_t *const *dst);
    size_t med3_padded_max_step;
    /* Huang's sliding histogram on 16-bit keys with two-level counts: out[x * ostep] = median
       of the multiset {rows[i][(x + j) * step] taken wts[i] times : i < nrows, j < kw}
       (total = kw * sum(wts) samples), x < n, each result xor xor_out; counts: 65536 + 256
       uint32 scratch, zero on entry and on return. */
    void (*hist16)(const uint16_t *const *rows, const uint32_t *wts, size_t nrows, size_t step,
                   size_t kw, size_t total, size_t n, uint16_t *out, size_t ostep,
                   uint16_t xor_out, uint32_t *counts);
    /* Perreault-Hebert for uint8: column histograms add row `add` and remove row `sub`
       (NULL: nothing) over ncols columns; [0]: uint8 counts, [1]: uint16 counts */
    void (*ph_update[2])(imf_ph_cols *cols, const uint8_t *add, const uint8_t *sub);
    /* one output row of the uint8 engine, channel-interleaved: fp[c * pw + j], cp[c * pw + j]
       (j < pw = width + kw - 1) point at the fine (256) and coarse (16) column histograms of
       padded column j, channel c (built once per strip by the driver, see ph_strip) */
    void (*ph_row[2])(const void *const *fp, const void *const *cp, size_t width,
                      size_t channels, size_t kh, size_t kw, uint8_t *out);
} imfilt_median_table;

#endif
