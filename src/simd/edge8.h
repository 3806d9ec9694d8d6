/* uint8 rows read straight from the image by small-window kernels (the 3x3 median, min/max
   windows of up to 6 rows and 64 samples): no bordered copy of any row. A kernel sees row i
   through its padded view P[q] = row[q - lp] for lp <= q < n + lp, with lp samples of left
   border before and rp of right border after; the border samples come from two registers,
   each gathered from one 64-byte window of the row by a byte permute (imf_edge8). The
   vector loads of the row are masked at both ends, so nothing outside the row is read, and
   no byte is stored just before a wide load reads it (that stalls on store forwarding). */
#ifndef IMFILT_EDGE8_H
#define IMFILT_EDGE8_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "core/border.h"

/* The `pad` border samples on one side of a row: sample q is row[base + idx[q]], or the
   constant where base < 0. */
typedef struct {
    ptrdiff_t base;
    uint8_t idx[64];
} imf_edge8;

/* Build the map of the left (side 0) or right (side 1) border of a row of W pixels of C
   samples, `pad` samples wide (a whole number of pixels). 0 when the samples do not lie in
   one 64-byte window of the row or the row is shorter than 64 samples: the caller then takes
   its general path. */
static inline int imf_edge8_build(imf_edge8 *e, int side, size_t pad, size_t W, size_t C,
                                  int border) {
    const size_t n = W * C;
    memset(e, 0, sizeof *e);
    if (pad > 63 || n < 64) return 0;
    if (border == IMFILT_BORDER_CONSTANT) {
        e->base = -1;
        return 1;
    }
    ptrdiff_t s[64], lo = (ptrdiff_t)n, hi = -1;
    for (size_t q = 0; q < pad; q++) {
        ptrdiff_t px = side ? (ptrdiff_t)(W + q / C) : (ptrdiff_t)(q / C) - (ptrdiff_t)(pad / C);
        s[q] = imfilt_border_index(px, (ptrdiff_t)W, border) * (ptrdiff_t)C + (ptrdiff_t)(q % C);
        if (s[q] < lo) lo = s[q];
        if (s[q] > hi) hi = s[q];
    }
    e->base = lo < (ptrdiff_t)n - 64 ? lo : (ptrdiff_t)n - 64;
    if (pad && hi - e->base >= 64) return 0;
    for (size_t q = 0; q < pad; q++) e->idx[q] = (uint8_t)(s[q] - e->base);
    return 1;
}

#if defined(__AVX512VBMI__) && defined(__AVX512BW__)
#include <immintrin.h>

/* mask of lanes [0, k), k clamped to [0, 64] */
static inline __mmask64 imf_lanes_below(ptrdiff_t k) {
    return k <= 0 ? 0 : k >= 64 ? ~0ull : (1ull << k) - 1;
}

/* One side's border samples of `row` in lanes 0 .. pad - 1. */
static inline __attribute__((always_inline)) __m512i imf_edge8_vector(const uint8_t *row,
                                                                      const imf_edge8 *e,
                                                                      uint8_t cv) {
    if (e->base < 0) return _mm512_set1_epi8((char)cv);
    return _mm512_permutexvar_epi8(_mm512_loadu_si512(e->idx), _mm512_loadu_si512(row + e->base));
}

/* P[p .. p + 63] of a row of n samples whose borders are L (lp samples) and R (rp samples);
   p is a multiple of 64 (only p = 0 sees the left border: lp < 64); lanes past the right
   border are zero. */
static inline __attribute__((always_inline)) __m512i imf_padded8_load(
        const uint8_t *row, __m512i L, __m512i R, size_t lp, size_t rp, size_t n, size_t p,
        __m512i lane) {
    const ptrdiff_t lo = p == 0 ? (ptrdiff_t)lp : 0, hi = (ptrdiff_t)(n + lp - p);
    __m512i v = _mm512_maskz_loadu_epi8(imf_lanes_below(hi) & ~imf_lanes_below(lo),
                                        row + (ptrdiff_t)p - (ptrdiff_t)lp);
    if (p == 0) v = _mm512_mask_mov_epi8(v, imf_lanes_below((ptrdiff_t)lp), L);
    const __mmask64 right = imf_lanes_below(hi + (ptrdiff_t)rp) & ~imf_lanes_below(hi);
    if (right)
        v = _mm512_mask_permutexvar_epi8(v, right, _mm512_sub_epi8(lane, _mm512_set1_epi8((char)hi)), R);
    return v;
}

/* Lanes 0, 1, ..., 63. */
static inline __m512i imf_lane_index8(void) {
    return _mm512_set_epi8(63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47,
        46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 31, 30, 29, 28, 27, 26, 25,
        24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
}
#endif

#endif
