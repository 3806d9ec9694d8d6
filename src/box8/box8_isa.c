/* Hot loops of the fused 8-bit box filter, compiled once per ISA level (core/isa.h): the
   running column sums, the horizontal window sums (direct taps, doubling, or a sparse table
   of power-of-two windows) and OpenCV's 8-bit roundings. Plain loops over fixed-width blocks
   that GCC/Clang vectorise at the level's width, and the vector types of src/simd/vec.h. */
#include <string.h>
#include <stdint.h>
#include "box8.h"
#include "simd/vec.h"

static void vadd(uint16_t *restrict acc, const uint8_t *restrict row, size_t n, int first) {
    if (first) for (size_t x = 0; x < n; x++) acc[x] = row[x];
    else for (size_t x = 0; x < n; x++) acc[x] = (uint16_t)(acc[x] + row[x]);
}

static void vslide(uint16_t *restrict acc, const uint8_t *restrict add, const uint8_t *restrict sub,
                   size_t n) {
    for (size_t x = 0; x < n; x++) acc[x] = (uint16_t)(acc[x] + (uint16_t)(add[x] - sub[x]));
}

/* OpenCV's area <= 256 rounding ((s + delta) * mul) >> 23, saturated. OpenCV's SIMD body
   computes it in uint32; its scalar tail (the last n % 16 samples of a row) in int32, where a
   product of 2^31 or more wraps negative and saturates to 0 (a 1x2 window of 255s: 255 in the
   body, 0 in the tail). Both are reproduced: `tail_from` is the first tail sample. */
static inline __attribute__((always_inline)) void round_box8(const uint16_t *restrict s,
                                                             uint8_t *restrict dst, size_t n,
                                                             uint32_t d, uint32_t m) {
    for (size_t x = 0; x < n; x++) {
        uint32_t v = (((uint32_t)s[x] + d) * m) >> 23;
        dst[x] = (uint8_t)(v > 255 ? 255 : v);
    }
}
/* The same rounding in 16-bit lanes, one multiply-high and a shift (rule->box_mul16 != 0):
   min(((s + d) * m16) >> (16 + sh), 255), equal to the 32-bit form for every window sum.
   One vector of it, before the saturating narrowing: */
static inline imfilt_vu16 round_box8_16v(imfilt_vu16 s, imfilt_vu16 dv, imfilt_vu16 mv, int sh) {
    return imfilt_mulhi_u16(s + dv, mv) >> sh;
}

static inline __attribute__((always_inline)) void round_box8_16(const uint16_t *restrict s,
                                                                uint8_t *restrict dst, size_t n,
                                                                uint16_t d, uint16_t m16, int sh) {
    const size_t vl = IMFILT_VLANES(uint16_t);
    const imfilt_vu16 dv = IMFILT_VSPLAT(imfilt_vu16, d), mv = IMFILT_VSPLAT(imfilt_vu16, m16);
    size_t x = 0;
    for (; x + vl <= n; x += vl) {
        uint16_t v[IMFILT_VLANES(uint16_t)] __attribute__((aligned(IMFILT_VEC_BYTES)));
        imfilt_vu16 r = round_box8_16v(IMFILT_VLOAD(imfilt_vu16, s + x), dv, mv, sh);
        memcpy(v, &r, sizeof r);
        for (size_t i = 0; i < vl; i++) dst[x + i] = (uint8_t)(v[i] > 255 ? 255 : v[i]);
    }
    for (; x < n; x++) {
        uint16_t v = (uint16_t)((uint16_t)(((uint32_t)(uint16_t)(s[x] + d) * m16) >> 16) >> sh);
        dst[x] = (uint8_t)(v > 255 ? 255 : v);
    }
}

static void round_box8_tail(const uint16_t *s, uint8_t *dst, size_t n, uint32_t d, uint32_t m) {
    for (size_t x = 0; x < n; x++) {
        int32_t v = (int32_t)(((uint32_t)s[x] + d) * m) >> 23;
        v = v < 0 ? 0 : v;
        dst[x] = (uint8_t)(v > 255 ? 255 : v);
    }
}

/* Horizontal window sums by direct taps, fused with the rounding: two vectors of sums stay in
   registers across the k loads (k is a compile-time constant in each instance).
   No overflow: this path runs only for areas <= 256 (box8.c), so a window sum is at most
   256 * 255 = 65280 < 2^16, and every partial sum of the uint16 lanes is smaller. */
static inline __attribute__((always_inline)) void hbox8_k(const uint16_t *restrict src,
                                                          uint8_t *restrict dst, size_t n,
                                                          size_t step, const size_t k,
                                                          const imfilt_out_rule *rule) {
    const uint32_t d = (uint32_t)rule->box_delta, m = (uint32_t)rule->box_mul;
    const uint16_t m16 = rule->box_mul16;
    const int sh = rule->box_shift16;
    const size_t vl = IMFILT_VLANES(uint16_t);
    size_t x = 0;
    for (; x + 2 * vl <= n; x += 2 * vl) {
        imfilt_vu16 a0 = IMFILT_VLOAD(imfilt_vu16, src + x), a1 = IMFILT_VLOAD(imfilt_vu16, src + x + vl);
        for (size_t i = 1; i < k; i++) {
            a0 += IMFILT_VLOAD(imfilt_vu16, src + x + i * step);
            a1 += IMFILT_VLOAD(imfilt_vu16, src + x + i * step + vl);
        }
        uint16_t sums[2 * IMFILT_VLANES(uint16_t)] __attribute__((aligned(IMFILT_VEC_BYTES)));
        if (m16) {
            const imfilt_vu16 dv = IMFILT_VSPLAT(imfilt_vu16, (uint16_t)d);
            const imfilt_vu16 mv = IMFILT_VSPLAT(imfilt_vu16, m16);
            a0 = round_box8_16v(a0, dv, mv, sh);
            a1 = round_box8_16v(a1, dv, mv, sh);
            memcpy(sums, &a0, sizeof a0);
            memcpy(sums + vl, &a1, sizeof a1);
            for (size_t i = 0; i < 2 * vl; i++) dst[x + i] = (uint8_t)(sums[i] > 255 ? 255 : sums[i]);
        } else {
            memcpy(sums, &a0, sizeof a0);
            memcpy(sums + vl, &a1, sizeof a1);
            round_box8(sums, dst + x, 2 * vl, d, m);
        }
    }
    for (; x < n; x++) {
        uint16_t a = 0;
        for (size_t i = 0; i < k; i++) a = (uint16_t)(a + src[x + i * step]);
        round_box8(&a, dst + x, 1, d, m);
    }
}

#if IMFILT_VEC_BYTES == 64 && defined(__AVX512BW__)
/* AVX-512, taps within one vector ((k - 1) * step <= 32) and the 16-bit rounding: each vector
   of sums is loaded once, aligned to the row, and its k - 1 shifted copies come from two-source
   word permutes (vpermt2w) of it and the next vector. The plain form loads every tap from an
   unaligned address (k cache-line-split loads per vector, the bottleneck on Zen 5). Returns the
   samples done (a multiple of 32, leaving at least 32 + taps readable beyond the last). */
static size_t hbox8_permuted(const uint16_t *restrict src, uint8_t *restrict dst, size_t n,
                             size_t step, size_t k, uint16_t d, uint16_t m16, int sh) {
    if (n < 64) return 0;
    const __m512i lane = _mm512_set_epi16(31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18,
                                          17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    __m512i idx[12];
    for (size_t i = 1; i < k; i++) idx[i] = _mm512_add_epi16(lane, _mm512_set1_epi16((short)(i * step)));
    const __m512i dv = _mm512_set1_epi16((short)d), mv = _mm512_set1_epi16((short)m16);
    const __m128i shv = _mm_cvtsi32_si128(sh);
    __m512i cur = _mm512_loadu_si512(src);
    size_t x = 0;
    for (; x + 64 <= n; x += 32) {
        const __m512i next = _mm512_loadu_si512(src + x + 32);
        __m512i s = cur;
        for (size_t i = 1; i < k; i++) s = _mm512_add_epi16(s, _mm512_permutex2var_epi16(cur, idx[i], next));
        s = _mm512_srl_epi16(_mm512_mulhi_epu16(_mm512_add_epi16(s, dv), mv), shv);
        _mm256_storeu_si256((__m256i *)(dst + x), _mm512_cvtusepi16_epi8(s));
        cur = next;
    }
    return x;
}
#endif

static void hbox8_direct(const uint16_t *restrict src, uint8_t *restrict dst, size_t n,
                         size_t step, size_t k, const imfilt_out_rule *rule, size_t tail_from) {
    const uint32_t d = (uint32_t)rule->box_delta, m = (uint32_t)rule->box_mul;
    if (tail_from < n) {
        uint16_t sums[16];
        for (size_t x = tail_from; x < n; x++) {
            uint16_t a = 0;
            for (size_t i = 0; i < k; i++) a = (uint16_t)(a + src[x + i * step]);
            sums[x - tail_from] = a;
        }
        round_box8_tail(sums, dst + tail_from, n - tail_from, d, m);
        n = tail_from;
    }
#if IMFILT_VEC_BYTES == 64 && defined(__AVX512BW__)
    if (rule->box_mul16 && (k - 1) * step <= 32 && k <= 12) {
        size_t done = hbox8_permuted(src, dst, n, step, k, (uint16_t)d, rule->box_mul16,
                                     rule->box_shift16);
        src += done; dst += done; n -= done;
    }
#endif
    switch (k) {
#define HBOX_CASE(K) case K: hbox8_k(src, dst, n, step, K, rule); return;
    HBOX_CASE(1) HBOX_CASE(2) HBOX_CASE(3) HBOX_CASE(4) HBOX_CASE(5) HBOX_CASE(6)
    HBOX_CASE(7) HBOX_CASE(8) HBOX_CASE(9) HBOX_CASE(10) HBOX_CASE(11) HBOX_CASE(12)
#undef HBOX_CASE
    default: hbox8_k(src, dst, n, step, k, rule);
    }
}

/* boxsum_u16, boxsum_u32: the separable family's doubling window sums */
#include "separable/boxsum_instances.h"

static void widen(const uint16_t *restrict src, uint32_t *restrict dst, size_t n) {
    for (size_t x = 0; x < n; x++) dst[x] = src[x];
}

static void rule_box8(const uint16_t *restrict s, uint8_t *restrict dst, size_t n,
                      const imfilt_out_rule *rule, size_t tail_from) {
    const uint32_t d = (uint32_t)rule->box_delta, m = (uint32_t)rule->box_mul;
    if (rule->box_mul16)
        round_box8_16(s, dst, tail_from, (uint16_t)d, rule->box_mul16, rule->box_shift16);
    else
        round_box8(s, dst, tail_from, d, m);
    round_box8_tail(s + tail_from, dst + tail_from, n - tail_from, d, m);
}

/* s < 2^24 (box8.c's float rule): converted as int32, one instruction where the uint32
   conversion takes several on levels without an unsigned one */
static inline __attribute__((always_inline)) uint8_t round_scaled(uint32_t s, float scale) {
    float v = (float)(int32_t)s * scale;
    v = v > 255.0f ? 255.0f : v;
    /* round half to even: exact for 0 <= v < 2^22 under the default rounding mode */
    return (uint8_t)(int32_t)((v + 12582912.0f) - 12582912.0f);
}

static void rule_round(const uint32_t *restrict s, uint8_t *restrict dst, size_t n, float scale) {
    for (size_t x = 0; x < n; x++) dst[x] = round_scaled(s[x], scale);
}

/* Doubling step of the sparse table: dst[x] = a[x] + a[x + sh], in 16 bits (the driver takes
   it while every sum fits: twice the samples per vector), then widened to 32 bits. */
static void pair16_16(const uint16_t *restrict a, uint16_t *restrict dst, size_t n, size_t sh) {
    for (size_t x = 0; x < n; x++) dst[x] = (uint16_t)(a[x] + a[x + sh]);
}
static void pair16(const uint16_t *restrict a, uint32_t *restrict dst, size_t n, size_t sh) {
    for (size_t x = 0; x < n; x++) dst[x] = (uint32_t)a[x] + a[x + sh];
}
static void pair32(const uint32_t *restrict a, uint32_t *restrict dst, size_t n, size_t sh) {
    for (size_t x = 0; x < n; x++) dst[x] = a[x] + a[x + sh];
}

/* The window as two overlapping power-of-two windows minus their overlap:
   out[x] = round(S[x] + S[x + sh] - O[x + sh]) (O: 16- or 32-bit sums, or none). */
static void cover16(const uint32_t *restrict S, const uint16_t *restrict O, uint8_t *restrict dst,
                    size_t n, size_t sh, float scale) {
    for (size_t x = 0; x < n; x++) dst[x] = round_scaled(S[x] + S[x + sh] - O[x + sh], scale);
}
static void cover32(const uint32_t *restrict S, const uint32_t *restrict O, uint8_t *restrict dst,
                    size_t n, size_t sh, float scale) {
    for (size_t x = 0; x < n; x++) dst[x] = round_scaled(S[x] + S[x + sh] - O[x + sh], scale);
}

const imfilt_box8_table IMFILT_ISA_TABLE(imfilt_box8) = {
    .vadd = vadd, .vslide = vslide, .hbox8_direct = hbox8_direct,
    .boxsum_u16 = boxsum_u16, .boxsum_u32 = boxsum_u32, .widen = widen,
    .rule_box8 = rule_box8, .rule_round = rule_round,
    .pair16_16 = pair16_16, .pair16 = pair16, .pair32 = pair32, .cover16 = cover16, .cover32 = cover32,
};
