/* Median filter hot loops, compiled once per ISA level (IMFILT_VEC_BYTES, IMFILT_ISA_SUFFIX):
   sorting networks on every key type (median_tmpl.h), the 3x3 uint8 kernels that read image
   rows in place, Huang's sliding histogram on 16-bit keys, and the Perreault-Hebert O(1)
   column-histogram engine for uint8 (median_ph_tmpl.h). */
#include <string.h>
#include <stdint.h>
#include "median.h"
#include "simd/vec.h"
#include "simd/edge8.h"
#include "median_networks.h"

#include "median/median_instances.h"

/* ------------------------------------------------------------------------------------------
   Huang (1979) sliding histogram on 16-bit keys, with two-level counts (256 coarse bins of 256
   fine bins) and a median pointer kept across steps: each step adds and removes one window
   column (O(rows)), then moves the pointer first over coarse bins, then over fine bins.
   Rows carry weights (how often the window reads that row), so kernels far taller than the
   image cost O(image rows), not O(kernel rows). */
static void hist16(const uint16_t *const *rows, const uint32_t *wts, size_t nrows, size_t step,
                   size_t kw, size_t total, size_t n, uint16_t *out, size_t ostep, uint16_t xo,
                   uint32_t *counts) {
    uint32_t *fine = counts, *coarse = counts + 65536;
    const size_t t = (total - 1) / 2;
    size_t m = 0, below_c = 0, f = 0, below_f = 0;
#define H_ADD(v, w) do { unsigned v_ = (v), c_ = v_ >> 8; uint32_t w_ = (w); fine[v_] += w_; \
        coarse[c_] += w_; if (c_ < m) below_c += w_; \
        else if (c_ == m && (v_ & 255u) < f) below_f += w_; } while (0)
#define H_SUB(v, w) do { unsigned v_ = (v), c_ = v_ >> 8; uint32_t w_ = (w); fine[v_] -= w_; \
        coarse[c_] -= w_; if (c_ < m) below_c -= w_; \
        else if (c_ == m && (v_ & 255u) < f) below_f -= w_; } while (0)
    for (size_t i = 0; i < nrows; i++)
        for (size_t j = 0; j < kw; j++) H_ADD(rows[i][j * step], wts[i]);
    for (size_t x = 0; x < n; x++) {
        if (x > 0) {
            size_t xs = (x - 1) * step, xa = (x - 1 + kw) * step;
            for (size_t i = 0; i < nrows; i++) {
                H_SUB(rows[i][xs], wts[i]);
                H_ADD(rows[i][xa], wts[i]);
            }
        }
        while (below_c > t) { m--; below_c -= coarse[m]; f = 256; below_f = coarse[m]; }
        while (below_c + coarse[m] <= t) { below_c += coarse[m]; m++; f = 0; below_f = 0; }
        const uint32_t *base = fine + (m << 8);
        while (below_c + below_f > t) { f--; below_f -= base[f]; }
        while (below_c + below_f + base[f] <= t) { below_f += base[f]; f++; }
        out[x * ostep] = (uint16_t)(((m << 8) | f) ^ xo);
    }
    /* leave the counts zeroed for the next call */
    for (size_t i = 0; i < nrows; i++)
        for (size_t j = 0; j < kw; j++) {
            unsigned v = rows[i][(n - 1 + j) * step];
            fine[v] -= wts[i]; coarse[v >> 8] -= wts[i];
        }
#undef H_ADD
#undef H_SUB
}

/* ---------------------------------------------------------------------------- Perreault-Hebert */
typedef struct {
    imfilt_u16x16 hc, seg; /* coarse kernel histogram; fine segment of coarse bin `cur` */
    size_t cur;            /* 16: none */
    uint16_t hf[256];
    ptrdiff_t last[16];
} ph_state;
/* the per-step registers of a walk, kept apart from ph_state's arrays so that the compiler
   keeps them in registers instead of spilling the whole state every step */
typedef struct {
    imfilt_u16x16 hc, seg;
    size_t cur;
} ph_regs;

#include "median/median_ph_instances.h"

#if defined(__AVX512VBMI__) && defined(__AVX512BW__)
/* The 3x3 uint8 median of one output row straight from three unpadded image rows of n samples
   (src/simd/edge8.h: no copy; left / right: the rows' one-pixel borders).
   Each 64-byte vector of each row is loaded and its columns sorted (low, middle, high) once,
   in registers; the neighbours at +step and +2*step come from one two-source byte permute
   (vpermt2b) each. Left edge, branch-free interior, right edge; same network as mednet3_u8. */
static void med3_rows_u8(const uint8_t *const *rows, const imf_edge8 *left,
                         const imf_edge8 *right, uint8_t cv, size_t step, size_t n,
                         uint8_t *dst) {
    const __m512i id = imf_lane_index8();
    const __m512i i1 = _mm512_add_epi8(id, _mm512_set1_epi8((char)step));
    const __m512i i2 = _mm512_add_epi8(id, _mm512_set1_epi8((char)(2 * step)));
    const uint8_t *r0 = rows[0], *r1 = rows[1], *r2 = rows[2];
    __m512i L[3], R[3]; /* each row's one-pixel borders */
    for (size_t i = 0; i < 3; i++) {
        L[i] = imf_edge8_vector(rows[i], left, cv);
        R[i] = imf_edge8_vector(rows[i], right, cv);
    }
    __m512i l0, m0, h0, l3, m3, h3;
#define SORT3(a, b, c, l, m, h) do { \
        __m512i lo_ = _mm512_min_epu8(a, b), hi_ = _mm512_max_epu8(a, b), mid_ = _mm512_max_epu8(lo_, c); \
        l = _mm512_min_epu8(lo_, c); m = _mm512_min_epu8(mid_, hi_); h = _mm512_max_epu8(mid_, hi_); \
    } while (0)
#define EDGE1(i, p) imf_padded8_load(rows[i], L[i], R[i], step, step, n, p, id)
#define EDGE3(p) SORT3(EDGE1(0, p), EDGE1(1, p), EDGE1(2, p), l3, m3, h3)
#define MED3_STORE(x, full) do { \
        __m512i l = _mm512_max_epu8(_mm512_max_epu8(l0, _mm512_permutex2var_epi8(l0, i1, l3)), \
                                    _mm512_permutex2var_epi8(l0, i2, l3)); \
        __m512i h = _mm512_min_epu8(_mm512_min_epu8(h0, _mm512_permutex2var_epi8(h0, i1, h3)), \
                                    _mm512_permutex2var_epi8(h0, i2, h3)); \
        __m512i a = m0, b = _mm512_permutex2var_epi8(m0, i1, m3); \
        __m512i c = _mm512_permutex2var_epi8(m0, i2, m3); \
        __m512i md = _mm512_max_epu8(_mm512_min_epu8(a, b), _mm512_min_epu8(_mm512_max_epu8(a, b), c)); \
        __m512i r = _mm512_max_epu8(_mm512_min_epu8(l, md), _mm512_min_epu8(_mm512_max_epu8(l, md), h)); \
        if (full) _mm512_storeu_si512(dst + (x), r); \
        else _mm512_mask_storeu_epi8(dst + (x), imf_lanes_below((ptrdiff_t)(n - (x))), r); \
        l0 = l3; m0 = m3; h0 = h3; \
    } while (0)
    EDGE3(0);
    l0 = l3; m0 = m3; h0 = h3;
    size_t x = 0;
    for (; x + 128 <= n + step; x += 64) { /* P-vector x + 64 lies inside the image */
        const size_t q = x + 64 - step;
        SORT3(_mm512_loadu_si512(r0 + q), _mm512_loadu_si512(r1 + q), _mm512_loadu_si512(r2 + q),
              l3, m3, h3);
        MED3_STORE(x, 1);
    }
    for (; x < n; x += 64) {
        EDGE3(x + 64);
        MED3_STORE(x, x + 64 <= n);
    }
#undef SORT3
#undef EDGE1
#undef EDGE3
#undef MED3_STORE
}
#define MED3_ROWS_U8 med3_rows_u8
#else
#define MED3_ROWS_U8 NULL
#endif

#if IMFILT_VEC_BYTES <= 32 /* levels without masked byte loads; the head copy holds 128 bytes */
/* The 3x3 uint8 median of a band of nout output rows from nout + 2 padded rows (output x of
   band row i reads P[i .. i + 2][x .. x + 2 * step]; P readable one vector past P[n + 2 * step]),
   horizontal first: each input row's three-sample windows are sorted once (low, middle, high)
   and shared by the three output rows that read them; a vector of columns walks down the band
   with the last rows' sorted windows in registers, two output rows per step sharing their
   middle pair of rows (med3(max of lows, med3 of middles, min of highs), Paeth): 16 min/max
   per output vector and no shuffles. Same result as mednet3_u8. */
static inline imfilt_vu8 med3_vu8(imfilt_vu8 a, imfilt_vu8 b, imfilt_vu8 c) {
    return imfilt_vmax_u8(imfilt_vmin_u8(a, b), imfilt_vmin_u8(imfilt_vmax_u8(a, b), c));
}

/* One vector of columns x of the band, walked down; `full`: all its lanes are outputs. */
static inline __attribute__((always_inline)) void med3_band_walk(
        const uint8_t *const *P, size_t nout, size_t step, size_t x, size_t n,
        uint8_t *const *dst, int full) {
#define HSORT(p, l, m, h) do { \
        const uint8_t *p_ = (p); \
        imfilt_vu8 a_ = ld_u8(p_), b_ = ld_u8(p_ + step), c_ = ld_u8(p_ + 2 * step); \
        imfilt_vu8 lo_ = imfilt_vmin_u8(a_, b_), hi_ = imfilt_vmax_u8(a_, b_); \
        imfilt_vu8 mid_ = imfilt_vmax_u8(lo_, c_); \
        l = imfilt_vmin_u8(lo_, c_); m = imfilt_vmin_u8(mid_, hi_); h = imfilt_vmax_u8(mid_, hi_); \
    } while (0)
#define PUT(d, v) do { if (full) st_u8((d) + x, v); else put_u8(d, x, n, v); } while (0)
    imfilt_vu8 l0, m0, h0, l1, m1, h1, l2, m2, h2;
    HSORT(P[0] + x, l0, m0, h0);
    HSORT(P[1] + x, l1, m1, h1);
    size_t i = 0;
    for (; i + 2 <= nout; i += 2) {
        HSORT(P[i + 2] + x, l2, m2, h2);
        const imfilt_vu8 lp = imfilt_vmax_u8(l1, l2), hp = imfilt_vmin_u8(h1, h2);
        const imfilt_vu8 mlo = imfilt_vmin_u8(m1, m2), mhi = imfilt_vmax_u8(m1, m2);
        PUT(dst[i], med3_vu8(imfilt_vmax_u8(lp, l0), imfilt_vmax_u8(mlo, imfilt_vmin_u8(mhi, m0)),
                             imfilt_vmin_u8(hp, h0)));
        HSORT(P[i + 3] + x, l1, m1, h1);
        PUT(dst[i + 1], med3_vu8(imfilt_vmax_u8(lp, l1),
                                 imfilt_vmax_u8(mlo, imfilt_vmin_u8(mhi, m1)),
                                 imfilt_vmin_u8(hp, h1)));
        l0 = l2; m0 = m2; h0 = h2;
    }
    if (i < nout) {
        HSORT(P[i + 2] + x, l2, m2, h2);
        PUT(dst[i], med3_vu8(imfilt_vmax_u8(imfilt_vmax_u8(l0, l1), l2), med3_vu8(m0, m1, m2),
                             imfilt_vmin_u8(imfilt_vmin_u8(h0, h1), h2)));
    }
#undef HSORT
#undef PUT
}

static void med3_padded_u8(const uint8_t *const *P, size_t nout, size_t step, size_t n,
                           uint8_t *const *dst) {
    size_t x = 0;
    for (; x + IMFILT_VLANES(uint8_t) <= n; x += IMFILT_VLANES(uint8_t)) {
        /* a band's rows are too many streams for the hardware prefetcher: fetch each row's
           line 512 bytes ahead, once per cache line */
        if (x % 64 == 0) {
            for (size_t i = 0; i < nout + 2; i++) __builtin_prefetch(P[i] + x + 512);
        }
        med3_band_walk(P, nout, step, x, n, dst, 1);
    }
    if (x < n) med3_band_walk(P, nout, step, x, n, dst, 0);
}
#define MED3_PADDED_U8 med3_padded_u8
#define MED3_PADDED_MAX_STEP 4
#else
#define MED3_PADDED_U8 NULL
#define MED3_PADDED_MAX_STEP 0
#endif

const imfilt_median_table IMFILT_ISA_TABLE(imfilt_median) = {
    .name = IMFILT_ISA_LEVEL_NAME,
    .colsort = {{colsort3_u8, colsort5_u8, colsort7_u8}, {colsort3_u16, colsort5_u16, colsort7_u16},
                {colsort3_i16, colsort5_i16, colsort7_i16}, {colsort3_i32, colsort5_i32, colsort7_i32},
                {colsort3_i64, colsort5_i64, colsort7_i64}},
    .mednet = {{mednet3_u8, mednet5_u8, mednet7_u8}, {mednet3_u16, mednet5_u16, mednet7_u16},
               {mednet3_i16, mednet5_i16, mednet7_i16}, {mednet3_i32, mednet5_i32, mednet7_i32},
               {mednet3_i64, mednet5_i64, mednet7_i64}},
    .med3_rows_u8 = MED3_ROWS_U8,
    .med3_padded_u8 = MED3_PADDED_U8,
    .med3_padded_max_step = MED3_PADDED_MAX_STEP,
    .hist16 = hist16,
    .ph_update = {ph_update_c8, ph_update_c16},
    .ph_row = {ph_row_c8, ph_row_c16},
};
