/* Hot loops of the minimum / maximum family, compiled once per ISA level (see CMakeLists.txt);
   the same source becomes SSE2, AVX2 or AVX-512 code depending on the flags (integer loops
   through the vectoriser, float ops through the intrinsics of the level below). One
   template (src/morph_tmpl.h) is instantiated per pixel type and operation. */
#include <string.h>
#include <stdint.h>
#include "morph.h"
#include "simd/edge8.h"

/* Integers: the plain extremum. Floats: NaN is ignored (a NaN operand gives the other one, NaN
   only when both are), C's fmax / fmin, which is associative and commutative on every value
   except the sign of zero. */
#define IMAX(a, b) ((a) > (b) ? (a) : (b))
#define IMIN(a, b) ((a) < (b) ? (a) : (b))
/* Float ops, scalar and vector, computing the same function: t = maxps(a, b) (that is
   a > b ? a : b, which is b when either is NaN), then a where b is NaN. The vector levels and
   the scalar tails agree bit for bit (signed zeros included). */
static inline float fmax_f32(float a, float b) { float t = a > b ? a : b; return b != b ? a : t; }
static inline float fmin_f32(float a, float b) { float t = a < b ? a : b; return b != b ? a : t; }
static inline double fmax_f64(double a, double b) { double t = a > b ? a : b; return b != b ? a : t; }
static inline double fmin_f64(double a, double b) { double t = a < b ? a : b; return b != b ? a : t; }

#if defined(__AVX512F__)
#include <immintrin.h>
typedef __m512 vf32;
typedef __m512d vf64;
#define VL_f32 16
#define VL_f64 8
#define VLD_f32(p) _mm512_loadu_ps(p)
#define VST_f32(p, v) _mm512_storeu_ps(p, v)
#define VLD_f64(p) _mm512_loadu_pd(p)
#define VST_f64(p, v) _mm512_storeu_pd(p, v)
#define VNAN(a, b, t, sfx) _mm512_mask_mov_##sfx(t, _mm512_cmp_##sfx##_mask(b, b, _CMP_UNORD_Q), a)
static inline vf32 vmax_f32(vf32 a, vf32 b) { return VNAN(a, b, _mm512_max_ps(a, b), ps); }
static inline vf32 vmin_f32(vf32 a, vf32 b) { return VNAN(a, b, _mm512_min_ps(a, b), ps); }
static inline vf64 vmax_f64(vf64 a, vf64 b) { return VNAN(a, b, _mm512_max_pd(a, b), pd); }
static inline vf64 vmin_f64(vf64 a, vf64 b) { return VNAN(a, b, _mm512_min_pd(a, b), pd); }
#elif defined(__AVX__)
#include <immintrin.h>
typedef __m256 vf32;
typedef __m256d vf64;
#define VL_f32 8
#define VL_f64 4
#define VLD_f32(p) _mm256_loadu_ps(p)
#define VST_f32(p, v) _mm256_storeu_ps(p, v)
#define VLD_f64(p) _mm256_loadu_pd(p)
#define VST_f64(p, v) _mm256_storeu_pd(p, v)
#define VNAN(a, b, t, sfx) _mm256_blendv_##sfx(t, a, _mm256_cmp_##sfx(b, b, _CMP_UNORD_Q))
static inline vf32 vmax_f32(vf32 a, vf32 b) { return VNAN(a, b, _mm256_max_ps(a, b), ps); }
static inline vf32 vmin_f32(vf32 a, vf32 b) { return VNAN(a, b, _mm256_min_ps(a, b), ps); }
static inline vf64 vmax_f64(vf64 a, vf64 b) { return VNAN(a, b, _mm256_max_pd(a, b), pd); }
static inline vf64 vmin_f64(vf64 a, vf64 b) { return VNAN(a, b, _mm256_min_pd(a, b), pd); }
#elif defined(__SSE2__)
#include <emmintrin.h>
typedef __m128 vf32;
typedef __m128d vf64;
#define VL_f32 4
#define VL_f64 2
#define VLD_f32(p) _mm_loadu_ps(p)
#define VST_f32(p, v) _mm_storeu_ps(p, v)
#define VLD_f64(p) _mm_loadu_pd(p)
#define VST_f64(p, v) _mm_storeu_pd(p, v)
static inline vf32 vnan_f32(vf32 a, vf32 b, vf32 t) {
    vf32 m = _mm_cmpunord_ps(b, b);
    return _mm_or_ps(_mm_and_ps(m, a), _mm_andnot_ps(m, t));
}
static inline vf64 vnan_f64(vf64 a, vf64 b, vf64 t) {
    vf64 m = _mm_cmpunord_pd(b, b);
    return _mm_or_pd(_mm_and_pd(m, a), _mm_andnot_pd(m, t));
}
static inline vf32 vmax_f32(vf32 a, vf32 b) { return vnan_f32(a, b, _mm_max_ps(a, b)); }
static inline vf32 vmin_f32(vf32 a, vf32 b) { return vnan_f32(a, b, _mm_min_ps(a, b)); }
static inline vf64 vmax_f64(vf64 a, vf64 b) { return vnan_f64(a, b, _mm_max_pd(a, b)); }
static inline vf64 vmin_f64(vf64 a, vf64 b) { return vnan_f64(a, b, _mm_min_pd(a, b)); }
#endif
/* other architectures: no VL_*, the scalar loops (vectorised by the compiler if it can) */

#if defined(__AVX512VBMI__) && defined(__AVX512BW__)
#include <immintrin.h>
/* uint8 rows, offsets o1 < o2 < o3 < 64: d[i] = op(a[i], a[i+o1], a[i+o2], a[i+o3]) from ONE
   load per 64 samples; the shifted copies come from vpermt2b on the pair of consecutive
   vectors (a split unaligned load costs more than a shuffle). Whole vectors only; returns the
   count done. Reads a up to the last vector's a[i + 127] (the row buffers have that slack). */
static inline __m512i shift_index(size_t o) {
    static const uint8_t ramp[64] = {
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
        24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45,
        46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63};
    return _mm512_add_epi8(_mm512_loadu_si512(ramp), _mm512_set1_epi8((char)o));
}
#define OP4S_VBMI(name, vop) \
    static size_t name(uint8_t *d, const uint8_t *a, size_t o1, size_t o2, size_t o3, size_t n) { \
        if (n < 64) return 0; \
        const __m512i i1 = shift_index(o1), i2 = shift_index(o2), i3 = shift_index(o3); \
        __m512i lo = _mm512_loadu_si512(a); \
        size_t i = 0; \
        for (; i + 64 <= n; i += 64) { \
            __m512i hi = _mm512_loadu_si512(a + i + 64); \
            __m512i x1 = _mm512_permutex2var_epi8(lo, i1, hi); \
            __m512i x2 = _mm512_permutex2var_epi8(lo, i2, hi); \
            __m512i x3 = _mm512_permutex2var_epi8(lo, i3, hi); \
            _mm512_storeu_si512(d + i, vop(vop(lo, x1), vop(x2, x3))); \
            lo = hi; \
        } \
        return i; \
    }
OP4S_VBMI(op4s_vbmi_max, _mm512_max_epu8)
OP4S_VBMI(op4s_vbmi_min, _mm512_min_epu8)

/* nl (1..8) fused doubling levels of the row scan, in registers: level l turns the vectors of
   level l - 1 into M[x] = op(M'[x], M'[x + off[l]]) (off[l] <= 64, shuffled out of the pair of
   consecutive vectors), pipelined one vector per level, so the row is loaded and stored once
   and each doubling costs 2 vector ops (a shuffle and a min/max; radix 4 costs 3 per
   doubling, and the levels are ALU bound once fused: measured). Writes nv whole vectors, the
   last one masked to `last` samples (1..64). Reads a up to 64 * (nv + nl) bytes. */
static inline __attribute__((always_inline)) void fused_vbmi(
        uint8_t *d, const uint8_t *a, const size_t *off, size_t nl, size_t nv, size_t last,
        int mx) {
#define VOPB(x, y) (mx ? _mm512_max_epu8(x, y) : _mm512_min_epu8(x, y))
    __m512i ix[8], pv[8];
    for (size_t l = 0; l < 8; l++) {
        ix[l] = shift_index(off[l < nl ? l : 0]);
        pv[l] = _mm512_setzero_si512();
    }
    for (size_t t = 0; t < nv + nl; t++) {
        __m512i x = _mm512_loadu_si512(a + 64 * t);
#pragma GCC unroll 8
        for (size_t l = 0; l < nl; l++) {
            const __m512i lo = pv[l];
            pv[l] = x;
            x = VOPB(lo, _mm512_permutex2var_epi8(lo, ix[l], x));
        }
        if (t >= nl) {
            const size_t v = t - nl;
            if (v + 1 < nv || last == 64) _mm512_storeu_si512(d + 64 * v, x);
            else _mm512_mask_storeu_epi8(d + 64 * v, (__mmask64)((1ULL << last) - 1), x);
        }
    }
#undef VOPB
}
#define FUSED_VBMI(name, mx) \
    static void name(uint8_t *d, const uint8_t *a, const size_t *off, size_t nl, \
                     size_t nv, size_t last) { \
        switch (nl) { \
        case 1: fused_vbmi(d, a, off, 1, nv, last, mx); break; \
        case 2: fused_vbmi(d, a, off, 2, nv, last, mx); break; \
        case 3: fused_vbmi(d, a, off, 3, nv, last, mx); break; \
        case 4: fused_vbmi(d, a, off, 4, nv, last, mx); break; \
        case 5: fused_vbmi(d, a, off, 5, nv, last, mx); break; \
        case 6: fused_vbmi(d, a, off, 6, nv, last, mx); break; \
        case 7: fused_vbmi(d, a, off, 7, nv, last, mx); break; \
        default: fused_vbmi(d, a, off, 8, nv, last, mx); break; \
        } \
    }
FUSED_VBMI(fused_vbmi_max, 1)
FUSED_VBMI(fused_vbmi_min, 0)
#endif

#define T uint8_t
#define TS u8
#define ON max
#define OP IMAX
#if defined(__AVX512VBMI__) && defined(__AVX512BW__)
#define OP4S_FAST op4s_vbmi_max
#define FUSED_FAST fused_vbmi_max
#endif
#include "morph_tmpl.h"
#undef OP4S_FAST
#undef FUSED_FAST
#undef ON
#undef OP
#define ON min
#define OP IMIN
#if defined(__AVX512VBMI__) && defined(__AVX512BW__)
#define OP4S_FAST op4s_vbmi_min
#define FUSED_FAST fused_vbmi_min
#endif
#include "morph_tmpl.h"
#undef OP4S_FAST
#undef FUSED_FAST
#undef ON
#undef OP
#undef T
#undef TS

#define T uint16_t
#define TS u16
#define ON max
#define OP IMAX
#include "morph_tmpl.h"
#undef ON
#undef OP
#define ON min
#define OP IMIN
#include "morph_tmpl.h"
#undef ON
#undef OP
#undef T
#undef TS

#define T int16_t
#define TS i16
#define ON max
#define OP IMAX
#include "morph_tmpl.h"
#undef ON
#undef OP
#define ON min
#define OP IMIN
#include "morph_tmpl.h"
#undef ON
#undef OP
#undef T
#undef TS

#define T float
#define TS f32
#ifdef VL_f32
#define VL VL_f32
#define VLD VLD_f32
#define VST VST_f32
#define VOP vmax_f32
#endif
#define ON max
#define OP fmax_f32
#include "morph_tmpl.h"
#undef ON
#undef OP
#ifdef VL_f32
#undef VOP
#define VOP vmin_f32
#endif
#define ON min
#define OP fmin_f32
#include "morph_tmpl.h"
#undef ON
#undef OP
#undef VOP
#undef VL
#undef VLD
#undef VST
#undef T
#undef TS

#define T double
#define TS f64
#ifdef VL_f64
#define VL VL_f64
#define VLD VLD_f64
#define VST VST_f64
#define VOP vmax_f64
#endif
#define ON max
#define OP fmax_f64
#include "morph_tmpl.h"
#undef ON
#undef OP
#ifdef VL_f64
#undef VOP
#define VOP vmin_f64
#endif
#define ON min
#define OP fmin_f64
#include "morph_tmpl.h"
#undef ON
#undef OP
#undef VOP
#undef VL
#undef VLD
#undef VST
#undef T
#undef TS

#define GATHER(bits) \
    static void gather##bits(void *d_, const void *s_, const ptrdiff_t *idx, size_t n) { \
        uint##bits##_t *d = d_; \
        const uint##bits##_t *s = s_; \
        for (size_t j = 0; j < n; j++) d[j] = s[idx[j]]; \
    }
GATHER(8)
GATHER(16)
GATHER(32)
GATHER(64)

#if defined(__AVX512VBMI__) && defined(__AVX512BW__)
/* A uint8 rectangle of kh <= 6 rows and kw taps ((kw - 1) * C <= 63) straight from its image
   rows (src/edge8.h: no padded copy): per 64 outputs, each row's vector is loaded once, the kh
   rows are combined by kh - 1 vector ops, and the kw - 1 horizontal neighbours of the combined
   vector come from two-source byte permutes (vpermt2b) with the next one. Left edge,
   branch-free interior, right edge. */
static inline __attribute__((always_inline)) void direct8(const uint8_t *const *rows, size_t kh,
        const size_t kw, size_t C, size_t lp, const imf_edge8 *left, const imf_edge8 *right,
        uint8_t cv, size_t n, uint8_t *dst, const int is_max) {
#define OP8(a, b) (is_max ? _mm512_max_epu8(a, b) : _mm512_min_epu8(a, b))
    const size_t rp = (kw - 1) * C - lp;
    const __m512i id = imf_lane_index8();
    __m512i L[6], R[6], shift[8];
    for (size_t i = 0; i < kh; i++) {
        L[i] = imf_edge8_vector(rows[i], left, cv);
        R[i] = imf_edge8_vector(rows[i], right, cv);
    }
    for (size_t t = 1; t < kw; t++) shift[t] = _mm512_add_epi8(id, _mm512_set1_epi8((char)(t * C)));
    const uint8_t *r0 = rows[0], *r1 = rows[kh > 1], *r2 = rows[kh > 2 ? 2 : 0];
    const uint8_t *r3 = rows[kh > 3 ? 3 : 0], *r4 = rows[kh > 4 ? 4 : 0], *r5 = rows[kh > 5 ? 5 : 0];
#define EDGE_COLUMNS(p, v) do { \
        v = imf_padded8_load(rows[0], L[0], R[0], lp, rp, n, p, id); \
        for (size_t i_ = 1; i_ < kh; i_++) \
            v = OP8(v, imf_padded8_load(rows[i_], L[i_], R[i_], lp, rp, n, p, id)); \
    } while (0)
    /* the kw - 1 permutes are independent; only the ops chain */
#define ROW_OUT(x, full) do { \
        __m512i r_ = cur; \
        for (size_t t_ = 1; t_ < kw; t_++) r_ = OP8(r_, _mm512_permutex2var_epi8(cur, shift[t_], nxt)); \
        if (full) _mm512_storeu_si512(dst + (x), r_); \
        else _mm512_mask_storeu_epi8(dst + (x), imf_lanes_below((ptrdiff_t)(n - (x))), r_); \
        cur = nxt; \
    } while (0)
    __m512i cur, nxt;
    EDGE_COLUMNS(0, cur);
    size_t x = 0;
    for (; x + 128 <= n + lp; x += 64) { /* the columns at x + 64 lie inside the image */
        const size_t q = x + 64 - lp;
        nxt = _mm512_loadu_si512(r0 + q);
        switch (kh) { /* falls through: one op per further row */
        case 6: nxt = OP8(nxt, _mm512_loadu_si512(r5 + q)); /* fall through */
        case 5: nxt = OP8(nxt, _mm512_loadu_si512(r4 + q)); /* fall through */
        case 4: nxt = OP8(nxt, _mm512_loadu_si512(r3 + q)); /* fall through */
        case 3: nxt = OP8(nxt, _mm512_loadu_si512(r2 + q)); /* fall through */
        case 2: nxt = OP8(nxt, _mm512_loadu_si512(r1 + q)); /* fall through */
        default: break;
        }
        ROW_OUT(x, 1);
    }
    for (; x < n; x += 64) {
        EDGE_COLUMNS(x + 64, nxt);
        ROW_OUT(x, x + 64 <= n);
    }
#undef EDGE_COLUMNS
#undef ROW_OUT
#undef OP8
}

/* kw as a compile-time constant: the taps unroll */
#define DIRECT8_OP(name, is_max) \
    static void name(const uint8_t *const *rows, size_t kh, size_t kw, size_t C, size_t lp, \
                     const imf_edge8 *left, const imf_edge8 *right, uint8_t cv, size_t n, \
                     uint8_t *dst) { \
        switch (kw) { \
        case 1: direct8(rows, kh, 1, C, lp, left, right, cv, n, dst, is_max); return; \
        case 2: direct8(rows, kh, 2, C, lp, left, right, cv, n, dst, is_max); return; \
        case 3: direct8(rows, kh, 3, C, lp, left, right, cv, n, dst, is_max); return; \
        case 4: direct8(rows, kh, 4, C, lp, left, right, cv, n, dst, is_max); return; \
        case 5: direct8(rows, kh, 5, C, lp, left, right, cv, n, dst, is_max); return; \
        case 6: direct8(rows, kh, 6, C, lp, left, right, cv, n, dst, is_max); return; \
        default: direct8(rows, kh, 7, C, lp, left, right, cv, n, dst, is_max); return; \
        } \
    }
DIRECT8_OP(direct8_min, 0)
DIRECT8_OP(direct8_max, 1)
#undef DIRECT8_OP
#define DIRECT8 { direct8_min, direct8_max }
#else
#define DIRECT8 { NULL, NULL }
#endif

/* [IMFILT_MORPH_MIN=0 | IMFILT_MORPH_MAX=1][dtype] */
#define ROW(fn) { \
    { fn##_min_u8, fn##_min_u16, fn##_min_i16, fn##_min_f32, fn##_min_f64, NULL }, \
    { fn##_max_u8, fn##_max_u16, fn##_max_i16, fn##_max_f32, fn##_max_f64, NULL } }

const imfilt_morph_table IMFILT_ISA_TABLE(imfilt_morph) = {
    .name = IMFILT_ISA_LEVEL_NAME,
    .op2 = ROW(op2),
    .op3 = ROW(op3),
    .opn = ROW(opn),
    .vstep = ROW(vstep),
    .hrun = ROW(hrun),
    .gather = { gather8, gather16, gather32, gather64 },
    .direct8 = DIRECT8,
};
