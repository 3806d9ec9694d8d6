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

#if defined(__AVX2__) && IMFILT_VEC_BYTES == 32
/* The 3x3 uint8 median from three padded rows (P[x .. x + 2 * step] for output x; P readable
   64 bytes past the last output), AVX2: each 32-byte vector of each row is loaded and its
   columns sorted once; the neighbours at +step and +2*step come from the 16-byte lane-crossing
   permute of the vector and the next one (one per sorted row) and two byte-aligns. The align
   counts are immediates: one instance per step (channels) 1..4. Same network as mednet3_u8. */
/* _mm256_alignr_epi8 needs an immediate (clang checks before inlining, GCC after): a switch
   over the counts the 3x3 kernel uses, which folds away once `k` is a constant. */
static inline __attribute__((always_inline)) __m256i alignr_bytes_avx2(__m256i hi, __m256i lo,
                                                                       size_t k) {
    switch (k) {
    case 1: return _mm256_alignr_epi8(hi, lo, 1);
    case 2: return _mm256_alignr_epi8(hi, lo, 2);
    case 3: return _mm256_alignr_epi8(hi, lo, 3);
    case 4: return _mm256_alignr_epi8(hi, lo, 4);
    case 6: return _mm256_alignr_epi8(hi, lo, 6);
    default: return _mm256_alignr_epi8(hi, lo, 8);
    }
}

static inline __attribute__((always_inline)) void med3_padded_avx2(
        const uint8_t *const *P, const size_t step, size_t n, uint8_t *dst) {
#define SORT3(a, b, c, l, m, h) do { \
        __m256i lo_ = _mm256_min_epu8(a, b), hi_ = _mm256_max_epu8(a, b), mid_ = _mm256_max_epu8(lo_, c); \
        l = _mm256_min_epu8(lo_, c); m = _mm256_min_epu8(mid_, hi_); h = _mm256_max_epu8(mid_, hi_); \
    } while (0)
#define LOAD3(x, l, m, h) SORT3(_mm256_loadu_si256((const __m256i *)(p0 + (x))), \
                                _mm256_loadu_si256((const __m256i *)(p1 + (x))), \
                                _mm256_loadu_si256((const __m256i *)(p2 + (x))), l, m, h)
    const uint8_t *p0 = P[0], *p1 = P[1], *p2 = P[2];
    __m256i l0, m0, h0, l1, m1, h1;
    LOAD3(0, l0, m0, h0);
    for (size_t x = 0; x < n; x += 32) {
        LOAD3(x + 32, l1, m1, h1);
        const __m256i lm = _mm256_permute2x128_si256(l0, l1, 0x21);
        const __m256i mm = _mm256_permute2x128_si256(m0, m1, 0x21);
        const __m256i hm = _mm256_permute2x128_si256(h0, h1, 0x21);
        __m256i l = _mm256_max_epu8(_mm256_max_epu8(l0, alignr_bytes_avx2(lm, l0, step)),
                                    alignr_bytes_avx2(lm, l0, 2 * step));
        __m256i h = _mm256_min_epu8(_mm256_min_epu8(h0, alignr_bytes_avx2(hm, h0, step)),
                                    alignr_bytes_avx2(hm, h0, 2 * step));
        __m256i a = m0, b = alignr_bytes_avx2(mm, m0, step), c = alignr_bytes_avx2(mm, m0, 2 * step);
        __m256i md = _mm256_max_epu8(_mm256_min_epu8(a, b), _mm256_min_epu8(_mm256_max_epu8(a, b), c));
        __m256i r = _mm256_max_epu8(_mm256_min_epu8(l, md), _mm256_min_epu8(_mm256_max_epu8(l, md), h));
        if (x + 32 <= n) {
            _mm256_storeu_si256((__m256i *)(dst + x), r);
        } else {
            uint8_t last[32];
            _mm256_storeu_si256((__m256i *)last, r);
            memcpy(dst + x, last, n - x);
        }
        l0 = l1; m0 = m1; h0 = h1;
    }
#undef LOAD3
#undef SORT3
}

static void med3_padded_u8(const uint8_t *const *P, size_t step, size_t n, uint8_t *dst) {
    switch (step) {
    case 1: med3_padded_avx2(P, 1, n, dst); return;
    case 2: med3_padded_avx2(P, 2, n, dst); return;
    case 3: med3_padded_avx2(P, 3, n, dst); return;
    default: med3_padded_avx2(P, 4, n, dst); return;
    }
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
