/* The one vector layer. Every family's hot loops take their vector types and helpers from
   here; a new architecture is added here and nowhere else.

   The types are GCC/clang vector extensions at the level's width IMFILT_VEC_BYTES (16 for
   baseline SSE2 and for NEON on aarch64, 32 for AVX2, 64 for AVX-512; src/core/isa.h), so
   arithmetic, compares and shuffles written once compile to each ISA's instructions. Where
   the compiler's generic lowering is poor, a helper below has an intrinsic body per level
   under that level's feature macro (x86: SSE2 / SSSE3, AVX2, AVX-512; aarch64: NEON, under
   IMFILT_NEON) and a generic body for every other target. Families keep only their own
   algorithms, never vector plumbing. */
#ifndef IMFILT_SIMD_VEC_H
#define IMFILT_SIMD_VEC_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "core/isa.h"
#if defined(__AVX2__) || defined(__AVX512F__) || defined(__SSE2__)
#include <immintrin.h>
#endif
/* NEON bodies: aarch64, 16-byte level, little-endian (the vector extensions' lane j is then
   NEON's lane j, which the casts between the two rely on). */
#if defined(__aarch64__) && defined(__ARM_NEON) && !defined(__ARM_BIG_ENDIAN) && \
    IMFILT_VEC_BYTES == 16
#define IMFILT_NEON 1
#include <arm_neon.h>
#endif

/* Lanes of element type T in one vector of the level. */
#define IMFILT_VLANES(T) (IMFILT_VEC_BYTES / sizeof(T))

/* Full-width vectors (one register of the level). */
typedef uint8_t imfilt_vu8 __attribute__((vector_size(IMFILT_VEC_BYTES)));
typedef int8_t imfilt_vi8 __attribute__((vector_size(IMFILT_VEC_BYTES)));
typedef uint16_t imfilt_vu16 __attribute__((vector_size(IMFILT_VEC_BYTES)));
typedef int16_t imfilt_vi16 __attribute__((vector_size(IMFILT_VEC_BYTES)));
typedef uint32_t imfilt_vu32 __attribute__((vector_size(IMFILT_VEC_BYTES)));
typedef int32_t imfilt_vi32 __attribute__((vector_size(IMFILT_VEC_BYTES)));
typedef uint64_t imfilt_vu64 __attribute__((vector_size(IMFILT_VEC_BYTES)));
typedef int64_t imfilt_vi64 __attribute__((vector_size(IMFILT_VEC_BYTES)));
typedef float imfilt_vf32 __attribute__((vector_size(IMFILT_VEC_BYTES)));
typedef double imfilt_vf64 __attribute__((vector_size(IMFILT_VEC_BYTES)));

/* Half-width vectors: the narrow side of a widening step (uint8 -> uint16 lanes, and the
   32-bit lanes that sit beside a vector of doubles). */
typedef uint8_t imfilt_vu8_half __attribute__((vector_size(IMFILT_VEC_BYTES / 2)));
typedef int32_t imfilt_vi32_half __attribute__((vector_size(IMFILT_VEC_BYTES / 2)));
typedef uint32_t imfilt_vu32_half __attribute__((vector_size(IMFILT_VEC_BYTES / 2)));
typedef float imfilt_vf32_half __attribute__((vector_size(IMFILT_VEC_BYTES / 2)));

/* Fixed-width vectors, for algorithms whose layout is fixed whatever the level (the
   median's 16-bin histograms, for one). */
typedef uint8_t imfilt_u8x16 __attribute__((vector_size(16)));
typedef uint16_t imfilt_u16x16 __attribute__((vector_size(32)));

/* Vectors that may sit at any 4-byte boundary (pointers into float/int32 planes cast to
   vectors; the usual 16/32/64-byte alignment would be a lie). */
typedef float imfilt_vf32_a4 __attribute__((vector_size(IMFILT_VEC_BYTES), aligned(4)));
typedef int32_t imfilt_vi32_a4 __attribute__((vector_size(IMFILT_VEC_BYTES), aligned(4)));

/* Unaligned load of vector type VT from any address (one movdqu / vld1). */
#define IMFILT_VLOAD(VT, p) __extension__({ VT v_; memcpy(&v_, (p), sizeof v_); v_; })
/* Unaligned store of vector v to any address. */
#define IMFILT_VSTORE(p, v) do { __typeof__(v) v_ = (v); memcpy((p), &v_, sizeof v_); } while (0)
/* Load of the first n elements of *p (n <= lanes); the other lanes are zero. Nothing past
   p + n is read, so a row's tail never touches the next allocation. */
#define IMFILT_VLOAD_TAIL(VT, p, n) \
    __extension__({ VT v_ = {0}; memcpy(&v_, (p), (size_t)(n) * sizeof(*(p))); v_; })
/* Store of the first n lanes of v to p (n <= lanes). */
#define IMFILT_VSTORE_TAIL(p, v, n) \
    do { __typeof__(v) v_ = (v); memcpy((p), &v_, (size_t)(n) * sizeof(*(p))); } while (0)
/* All lanes equal to x. */
#define IMFILT_VSPLAT(VT, x) ((VT){0} + (x))

/* Lane-wise choice: m (a vector compare result, all-ones or zero per lane) ? a : b. */
#define IMFILT_VSELECT(m, a, b) \
    ((__typeof__(a))(((__typeof__(m))(a) & (m)) | ((__typeof__(m))(b) & ~(m))))
/* Lane-wise minimum / maximum. For floats these are x86's minps/maxps rule (the second
   operand when either is NaN), which the families rely on for their NaN policies. */
#define IMFILT_VMIN(a, b) IMFILT_VSELECT((a) < (b), (a), (b))
#define IMFILT_VMAX(a, b) IMFILT_VSELECT((a) > (b), (a), (b))

/* Integer lane-wise minimum / maximum: one instruction where the level has it (GCC lowers the
   generic IMFILT_VMIN to a compare and a blend). Elsewhere (64-bit lanes below AVX-512, NEON
   included) both select on a < b, so a min / max pair of the same operands (a compare-exchange)
   shares one compare. */
#if IMFILT_VEC_BYTES == 64 && defined(__AVX512BW__)
#define IMFILT_X86_INT_OP(op, a, b) ((__typeof__(a))_mm512_##op((__m512i)(a), (__m512i)(b)))
#define IMFILT_HAVE_MIN_U16 1
#define IMFILT_HAVE_MIN_I32 1
#define IMFILT_HAVE_MIN_I64 1
#elif IMFILT_VEC_BYTES == 32 && defined(__AVX2__)
#define IMFILT_X86_INT_OP(op, a, b) ((__typeof__(a))_mm256_##op((__m256i)(a), (__m256i)(b)))
#define IMFILT_HAVE_MIN_U16 1
#define IMFILT_HAVE_MIN_I32 1
#define IMFILT_HAVE_MIN_I64 0
#elif IMFILT_VEC_BYTES == 16 && defined(__SSE2__)
#define IMFILT_X86_INT_OP(op, a, b) ((__typeof__(a))_mm_##op((__m128i)(a), (__m128i)(b)))
#define IMFILT_HAVE_MIN_U16 0
#define IMFILT_HAVE_MIN_I32 0
#define IMFILT_HAVE_MIN_I64 0
#endif

static inline imfilt_vu8 imfilt_vmin_u8(imfilt_vu8 a, imfilt_vu8 b) {
#ifdef IMFILT_X86_INT_OP
    return IMFILT_X86_INT_OP(min_epu8, a, b);
#elif defined(IMFILT_NEON)
    return (__typeof__(a))vminq_u8((uint8x16_t)a, (uint8x16_t)b);
#else
    return IMFILT_VMIN(a, b);
#endif
}
static inline imfilt_vu8 imfilt_vmax_u8(imfilt_vu8 a, imfilt_vu8 b) {
#ifdef IMFILT_X86_INT_OP
    return IMFILT_X86_INT_OP(max_epu8, a, b);
#elif defined(IMFILT_NEON)
    return (__typeof__(a))vmaxq_u8((uint8x16_t)a, (uint8x16_t)b);
#else
    return IMFILT_VSELECT(a < b, b, a);
#endif
}
/* SSE2 has no unsigned 16-bit min / max: min(a, b) = a - sat(a - b), max(a, b) = b + sat(a - b). */
static inline imfilt_vu16 imfilt_vmin_u16(imfilt_vu16 a, imfilt_vu16 b) {
#if defined(IMFILT_X86_INT_OP) && IMFILT_HAVE_MIN_U16
    return IMFILT_X86_INT_OP(min_epu16, a, b);
#elif defined(IMFILT_X86_INT_OP)
    return a - IMFILT_X86_INT_OP(subs_epu16, a, b);
#elif defined(IMFILT_NEON)
    return (__typeof__(a))vminq_u16((uint16x8_t)a, (uint16x8_t)b);
#else
    return IMFILT_VMIN(a, b);
#endif
}
static inline imfilt_vu16 imfilt_vmax_u16(imfilt_vu16 a, imfilt_vu16 b) {
#if defined(IMFILT_X86_INT_OP) && IMFILT_HAVE_MIN_U16
    return IMFILT_X86_INT_OP(max_epu16, a, b);
#elif defined(IMFILT_X86_INT_OP)
    return b + IMFILT_X86_INT_OP(subs_epu16, a, b);
#elif defined(IMFILT_NEON)
    return (__typeof__(a))vmaxq_u16((uint16x8_t)a, (uint16x8_t)b);
#else
    return IMFILT_VSELECT(a < b, b, a);
#endif
}
static inline imfilt_vi16 imfilt_vmin_i16(imfilt_vi16 a, imfilt_vi16 b) {
#ifdef IMFILT_X86_INT_OP
    return IMFILT_X86_INT_OP(min_epi16, a, b);
#elif defined(IMFILT_NEON)
    return (__typeof__(a))vminq_s16((int16x8_t)a, (int16x8_t)b);
#else
    return IMFILT_VMIN(a, b);
#endif
}
static inline imfilt_vi16 imfilt_vmax_i16(imfilt_vi16 a, imfilt_vi16 b) {
#ifdef IMFILT_X86_INT_OP
    return IMFILT_X86_INT_OP(max_epi16, a, b);
#elif defined(IMFILT_NEON)
    return (__typeof__(a))vmaxq_s16((int16x8_t)a, (int16x8_t)b);
#else
    return IMFILT_VSELECT(a < b, b, a);
#endif
}
static inline imfilt_vi32 imfilt_vmin_i32(imfilt_vi32 a, imfilt_vi32 b) {
#if defined(IMFILT_X86_INT_OP) && IMFILT_HAVE_MIN_I32
    return IMFILT_X86_INT_OP(min_epi32, a, b);
#elif defined(IMFILT_NEON)
    return (__typeof__(a))vminq_s32((int32x4_t)a, (int32x4_t)b);
#else
    return IMFILT_VMIN(a, b);
#endif
}
static inline imfilt_vi32 imfilt_vmax_i32(imfilt_vi32 a, imfilt_vi32 b) {
#if defined(IMFILT_X86_INT_OP) && IMFILT_HAVE_MIN_I32
    return IMFILT_X86_INT_OP(max_epi32, a, b);
#elif defined(IMFILT_NEON)
    return (__typeof__(a))vmaxq_s32((int32x4_t)a, (int32x4_t)b);
#else
    return IMFILT_VSELECT(a < b, b, a);
#endif
}
static inline imfilt_vi64 imfilt_vmin_i64(imfilt_vi64 a, imfilt_vi64 b) {
#if defined(IMFILT_X86_INT_OP) && IMFILT_HAVE_MIN_I64
    return IMFILT_X86_INT_OP(min_epi64, a, b);
#else
    return IMFILT_VMIN(a, b);
#endif
}
static inline imfilt_vi64 imfilt_vmax_i64(imfilt_vi64 a, imfilt_vi64 b) {
#if defined(IMFILT_X86_INT_OP) && IMFILT_HAVE_MIN_I64
    return IMFILT_X86_INT_OP(max_epi64, a, b);
#else
    return IMFILT_VSELECT(a < b, b, a);
#endif
}

/* The IMFILT_VLANES(uint16_t) uint8 samples at p, widened to uint16 lanes: one vpmovzxbw
   where the level has it (GCC's generic conversion of a full vector splits and inserts). */
static inline imfilt_vu16 imfilt_load_widen_u8(const uint8_t *p) {
#if IMFILT_VEC_BYTES == 64 && defined(__AVX512BW__)
    return (imfilt_vu16)_mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)p));
#elif IMFILT_VEC_BYTES == 32 && defined(__AVX2__)
    return (imfilt_vu16)_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)p));
#elif defined(IMFILT_NEON)
    return (imfilt_vu16)vmovl_u8(vld1_u8(p));
#else
    return __builtin_convertvector(IMFILT_VLOAD(imfilt_vu8_half, p), imfilt_vu16);
#endif
}

/* Multiply-high of unsigned 16-bit lanes, (a * b) >> 16 per lane: one vpmulhuw where the
   level has it (compilers do not find it in the widening C expression). */
static inline imfilt_vu16 imfilt_mulhi_u16(imfilt_vu16 a, imfilt_vu16 b) {
#if IMFILT_VEC_BYTES == 64 && defined(__AVX512BW__)
    return (imfilt_vu16)_mm512_mulhi_epu16((__m512i)a, (__m512i)b);
#elif IMFILT_VEC_BYTES == 32 && defined(__AVX2__)
    return (imfilt_vu16)_mm256_mulhi_epu16((__m256i)a, (__m256i)b);
#elif IMFILT_VEC_BYTES == 16 && defined(__SSE2__)
    return (imfilt_vu16)_mm_mulhi_epu16((__m128i)a, (__m128i)b);
#elif defined(IMFILT_NEON)
    /* two widening multiplies, then the high halves of their 32-bit products */
    const uint16x8_t a_ = (uint16x8_t)a, b_ = (uint16x8_t)b;
    const uint32x4_t lo = vmull_u16(vget_low_u16(a_), vget_low_u16(b_));
    const uint32x4_t hi = vmull_high_u16(a_, b_);
    return (imfilt_vu16)vuzp2q_u16(vreinterpretq_u16_u32(lo), vreinterpretq_u16_u32(hi));
#else
    imfilt_vu16 r;
    for (size_t i = 0; i < IMFILT_VLANES(uint16_t); i++)
        r[i] = (uint16_t)(((uint32_t)a[i] * b[i]) >> 16);
    return r;
#endif
}

/* Four vectors of int32 lanes, each in [0, 255], as one vector of bytes in lane order (a's
   lanes first): two saturating packs and one lane permute where the level needs it (GCC's
   narrowing of the four vectors masks and packs twice, then permutes three times). */
static inline imfilt_vu8 imfilt_pack4_i32_u8(imfilt_vi32 a, imfilt_vi32 b, imfilt_vi32 c,
                                             imfilt_vi32 d) {
#if IMFILT_VEC_BYTES == 64 && defined(__AVX512BW__)
    /* 128-bit lane k then holds the 4-lane chunks k of a, b, c, d */
    const __m512i abcd = _mm512_packus_epi16(_mm512_packs_epi32((__m512i)a, (__m512i)b),
                                             _mm512_packs_epi32((__m512i)c, (__m512i)d));
    const __m512i idx = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    return (imfilt_vu8)_mm512_permutexvar_epi32(idx, abcd);
#elif IMFILT_VEC_BYTES == 32 && defined(__AVX2__)
    const __m256i abcd = _mm256_packus_epi16(_mm256_packs_epi32((__m256i)a, (__m256i)b),
                                             _mm256_packs_epi32((__m256i)c, (__m256i)d));
    return (imfilt_vu8)_mm256_permutevar8x32_epi32(abcd, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
#elif IMFILT_VEC_BYTES == 16 && defined(__SSE2__)
    return (imfilt_vu8)_mm_packus_epi16(_mm_packs_epi32((__m128i)a, (__m128i)b),
                                        _mm_packs_epi32((__m128i)c, (__m128i)d));
#elif defined(IMFILT_NEON)
    const int16x8_t ab = vcombine_s16(vqmovn_s32((int32x4_t)a), vqmovn_s32((int32x4_t)b));
    const int16x8_t cd = vcombine_s16(vqmovn_s32((int32x4_t)c), vqmovn_s32((int32x4_t)d));
    return (imfilt_vu8)vcombine_u8(vqmovun_s16(ab), vqmovun_s16(cd));
#else
    const size_t vl = IMFILT_VLANES(int32_t);
    imfilt_vu8 r;
    for (size_t i = 0; i < vl; i++) {
        r[i] = (uint8_t)a[i]; r[vl + i] = (uint8_t)b[i];
        r[2 * vl + i] = (uint8_t)c[i]; r[3 * vl + i] = (uint8_t)d[i];
    }
    return r;
#endif
}

/* ---- Float minimum / maximum in one instruction where the level has it (GCC lowers the
   generic IMFILT_VMIN / IMFILT_VMAX to a compare and a blend); the same rule as those. */
/* Floats: a < b ? a : b (a > b ? a : b), so the second operand when either is NaN: minps.
   NEON's fmin / fmax give NaN for a NaN operand and fminnm / fmaxnm the number, neither that
   rule (nor its choice between -0 and +0), so NEON compares and selects. */
static inline imfilt_vf32 imfilt_vmin_f32(imfilt_vf32 a, imfilt_vf32 b) {
#if IMFILT_VEC_BYTES == 64 && defined(__AVX512F__)
    return (imfilt_vf32)_mm512_min_ps((__m512)a, (__m512)b);
#elif IMFILT_VEC_BYTES == 32 && defined(__AVX__)
    return (imfilt_vf32)_mm256_min_ps((__m256)a, (__m256)b);
#elif IMFILT_VEC_BYTES == 16 && defined(__SSE2__)
    return (imfilt_vf32)_mm_min_ps((__m128)a, (__m128)b);
#elif defined(IMFILT_NEON)
    const float32x4_t a_ = (float32x4_t)a, b_ = (float32x4_t)b;
    return (imfilt_vf32)vbslq_f32(vcltq_f32(a_, b_), a_, b_);
#else
    return IMFILT_VMIN(a, b);
#endif
}
static inline imfilt_vf32 imfilt_vmax_f32(imfilt_vf32 a, imfilt_vf32 b) {
#if IMFILT_VEC_BYTES == 64 && defined(__AVX512F__)
    return (imfilt_vf32)_mm512_max_ps((__m512)a, (__m512)b);
#elif IMFILT_VEC_BYTES == 32 && defined(__AVX__)
    return (imfilt_vf32)_mm256_max_ps((__m256)a, (__m256)b);
#elif IMFILT_VEC_BYTES == 16 && defined(__SSE2__)
    return (imfilt_vf32)_mm_max_ps((__m128)a, (__m128)b);
#elif defined(IMFILT_NEON)
    const float32x4_t a_ = (float32x4_t)a, b_ = (float32x4_t)b;
    return (imfilt_vf32)vbslq_f32(vcgtq_f32(a_, b_), a_, b_);
#else
    return IMFILT_VMAX(a, b);
#endif
}
static inline imfilt_vf64 imfilt_vmin_f64(imfilt_vf64 a, imfilt_vf64 b) {
#if IMFILT_VEC_BYTES == 64 && defined(__AVX512F__)
    return (imfilt_vf64)_mm512_min_pd((__m512d)a, (__m512d)b);
#elif IMFILT_VEC_BYTES == 32 && defined(__AVX__)
    return (imfilt_vf64)_mm256_min_pd((__m256d)a, (__m256d)b);
#elif IMFILT_VEC_BYTES == 16 && defined(__SSE2__)
    return (imfilt_vf64)_mm_min_pd((__m128d)a, (__m128d)b);
#elif defined(IMFILT_NEON)
    const float64x2_t a_ = (float64x2_t)a, b_ = (float64x2_t)b;
    return (imfilt_vf64)vbslq_f64(vcltq_f64(a_, b_), a_, b_);
#else
    return IMFILT_VMIN(a, b);
#endif
}
static inline imfilt_vf64 imfilt_vmax_f64(imfilt_vf64 a, imfilt_vf64 b) {
#if IMFILT_VEC_BYTES == 64 && defined(__AVX512F__)
    return (imfilt_vf64)_mm512_max_pd((__m512d)a, (__m512d)b);
#elif IMFILT_VEC_BYTES == 32 && defined(__AVX__)
    return (imfilt_vf64)_mm256_max_pd((__m256d)a, (__m256d)b);
#elif IMFILT_VEC_BYTES == 16 && defined(__SSE2__)
    return (imfilt_vf64)_mm_max_pd((__m128d)a, (__m128d)b);
#elif defined(IMFILT_NEON)
    const float64x2_t a_ = (float64x2_t)a, b_ = (float64x2_t)b;
    return (imfilt_vf64)vbslq_f64(vcgtq_f64(a_, b_), a_, b_);
#else
    return IMFILT_VMAX(a, b);
#endif
}

/* ---- uint8 row tails: masked loads and stores where the level has them (the variable-size
   memcpy of IMFILT_VLOAD_TAIL / IMFILT_VSTORE_TAIL is a library call per row). */
#if IMFILT_VEC_BYTES == 64 && defined(__AVX512BW__)
/* lanes [0, min(n, 64)) */
static inline __mmask64 imfilt_first_lanes_u8(size_t n) {
    return n >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << n) - 1;
}
#endif
#ifdef IMFILT_NEON
/* NEON has no masked load or store: the n & 7 bytes at p as the low bytes of a 64-bit word, in
   at most three fixed-size loads (4, 2, 1 bytes), the rest of the word zero. */
static inline uint64_t imfilt_load_below8(const uint8_t *p, size_t n) {
    uint64_t w = 0;
    size_t i = 0;
    if (n & 4) { uint32_t v; memcpy(&v, p, 4); w = v; i = 4; }
    if (n & 2) { uint16_t v; memcpy(&v, p + i, 2); w |= (uint64_t)v << (8 * i); i += 2; }
    if (n & 1) w |= (uint64_t)p[i] << (8 * i);
    return w;
}
/* The low n & 7 bytes of w to p, the same way. */
static inline void imfilt_store_below8(uint8_t *p, uint64_t w, size_t n) {
    size_t i = 0;
    if (n & 4) { uint32_t v = (uint32_t)w; memcpy(p, &v, 4); w >>= 32; i = 4; }
    if (n & 2) { uint16_t v = (uint16_t)w; memcpy(p + i, &v, 2); w >>= 16; i += 2; }
    if (n & 1) p[i] = (uint8_t)w;
}
#endif
/* The first min(n, lanes) samples at p, the other lanes zero; nothing past p + n is read. */
static inline imfilt_vu8 imfilt_vload_tail_u8(const uint8_t *p, size_t n) {
#if IMFILT_VEC_BYTES == 64 && defined(__AVX512BW__)
    return (imfilt_vu8)_mm512_maskz_loadu_epi8(imfilt_first_lanes_u8(n), p);
#elif defined(IMFILT_NEON)
    if (n >= 16) return (imfilt_vu8)vld1q_u8(p);
    uint64_t lo = imfilt_load_below8(p + (n & 8), n), hi = 0;
    if (n & 8) { hi = lo; memcpy(&lo, p, 8); }
    return (imfilt_vu8)vcombine_u64(vcreate_u64(lo), vcreate_u64(hi));
#else
    return IMFILT_VLOAD_TAIL(imfilt_vu8, p, n < IMFILT_VEC_BYTES ? n : IMFILT_VEC_BYTES);
#endif
}
/* The first min(n, lanes) lanes of v to p. */
static inline void imfilt_vstore_tail_u8(uint8_t *p, imfilt_vu8 v, size_t n) {
#if IMFILT_VEC_BYTES == 64 && defined(__AVX512BW__)
    _mm512_mask_storeu_epi8(p, imfilt_first_lanes_u8(n), (__m512i)v);
#elif defined(IMFILT_NEON)
    if (n >= 16) { vst1q_u8(p, (uint8x16_t)v); return; }
    uint64_t w = vgetq_lane_u64((uint64x2_t)v, 0);
    if (n & 8) { memcpy(p, &w, 8); w = vgetq_lane_u64((uint64x2_t)v, 1); }
    imfilt_store_below8(p + (n & 8), w, n);
#else
    IMFILT_VSTORE_TAIL(p, v, n < IMFILT_VEC_BYTES ? n : IMFILT_VEC_BYTES);
#endif
}

/* ---- Byte permutes, interleaves and 16-entry lookups */
/* Lanes 0, 1, 2, ... (a constant once inlined). */
static inline imfilt_vu8 imfilt_vindex_u8(void) {
    imfilt_vu8 v;
    for (size_t j = 0; j < IMFILT_VLANES(uint8_t); j++) v[j] = (uint8_t)j;
    return v;
}
/* Two-source byte permute: lane j is byte idx[j] mod 2L of a followed by b (L lanes each),
   one vpermt2b where the level has it, one two-register tbl on NEON. With idx = lanes k, k + 1,
   ... it is also the byte alignment of the pair (palignr's job; the variable k suits tbl). */
static inline imfilt_vu8 imfilt_vpermute2_u8(imfilt_vu8 a, imfilt_vu8 idx, imfilt_vu8 b) {
#if IMFILT_VEC_BYTES == 64 && defined(__AVX512VBMI__)
    return (imfilt_vu8)_mm512_permutex2var_epi8((__m512i)a, (__m512i)idx, (__m512i)b);
#elif defined(IMFILT_NEON)
    const uint8x16x2_t ab = {{(uint8x16_t)a, (uint8x16_t)b}};
    return (imfilt_vu8)vqtbl2q_u8(ab, (uint8x16_t)(idx & 31));
#else
    const size_t L = IMFILT_VLANES(uint8_t);
    imfilt_vu8 r;
    for (size_t j = 0; j < L; j++) {
        const size_t k = idx[j] % (2 * L);
        r[j] = k < L ? a[k] : b[k - L];
    }
    return r;
#endif
}
/* Bytes s .. s + L - 1 of a followed by b (L lanes each), 0 <= s <= L a constant once
   inlined: a vector shifted by s bytes out of two consecutive ones, without an unaligned load
   (half of which split a cache line). AVX2: one lane swap (shared by every s of the pair)
   and one palignr; NEON: one ext. IMFILT_HAVE_VALIGN says the level has such a body. */
#if (IMFILT_VEC_BYTES == 32 && defined(__AVX2__)) || defined(IMFILT_NEON)
#define IMFILT_HAVE_VALIGN 1
#else
#define IMFILT_HAVE_VALIGN 0
#endif
static inline __attribute__((always_inline)) imfilt_vu8 imfilt_valign_u8(imfilt_vu8 a,
                                                                         imfilt_vu8 b,
                                                                         const int s) {
    if (s == 0) return a;
    if (s == (int)IMFILT_VLANES(uint8_t)) return b;
/* clang wants the immediates constant before inlining: the shifts as literal cases there
   (GCC keeps one expression, since it leaves such a switch unfolded in loops over s) */
#define IMFILT_VALIGN_CASES(X) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) \
    X(13) X(14) X(15)
#if IMFILT_VEC_BYTES == 32 && defined(__AVX2__) && !defined(__clang__)
    const __m256i mid = _mm256_permute2x128_si256((__m256i)a, (__m256i)b, 0x21);
    if (s == 16) return (imfilt_vu8)mid;
    return (imfilt_vu8)(s < 16 ? _mm256_alignr_epi8(mid, (__m256i)a, s & 15)
                               : _mm256_alignr_epi8((__m256i)b, mid, s & 15));
#elif defined(IMFILT_NEON) && !defined(__clang__)
    return (imfilt_vu8)vextq_u8((uint8x16_t)a, (uint8x16_t)b, s & 15);
#elif IMFILT_VEC_BYTES == 32 && defined(__AVX2__)
    const __m256i mid = _mm256_permute2x128_si256((__m256i)a, (__m256i)b, 0x21);
#define IMFILT_VALIGN_CASE(k) \
    case k: return (imfilt_vu8)_mm256_alignr_epi8(mid, (__m256i)a, k); \
    case k + 16: return (imfilt_vu8)_mm256_alignr_epi8((__m256i)b, mid, k);
    switch (s) {
    IMFILT_VALIGN_CASES(IMFILT_VALIGN_CASE)
    default: return (imfilt_vu8)mid;
    }
#undef IMFILT_VALIGN_CASE
#elif defined(IMFILT_NEON)
#define IMFILT_VALIGN_CASE(k) case k: return (imfilt_vu8)vextq_u8((uint8x16_t)a, (uint8x16_t)b, k);
    switch (s) {
    IMFILT_VALIGN_CASES(IMFILT_VALIGN_CASE)
    default: return b;
    }
#undef IMFILT_VALIGN_CASE
#else
    const size_t L = IMFILT_VLANES(uint8_t);
    imfilt_vu8 r;
    for (size_t j = 0; j < L; j++) r[j] = j + (size_t)s < L ? a[j + (size_t)s] : b[j + (size_t)s - L];
    return r;
#endif
#undef IMFILT_VALIGN_CASES
}
/* Two-source float permute: lane j is lane idx[j] mod 2L of a followed by b (L lanes each),
   one vpermt2ps at 64 bytes. */
static inline imfilt_vf32 imfilt_vpermute2_f32(imfilt_vf32 a, imfilt_vi32 idx, imfilt_vf32 b) {
#if IMFILT_VEC_BYTES == 64 && defined(__AVX512F__)
    return (imfilt_vf32)_mm512_permutex2var_ps((__m512)a, (__m512i)idx, (__m512)b);
#else
    const size_t L = IMFILT_VLANES(float);
    imfilt_vf32 r;
    for (size_t j = 0; j < L; j++) {
        const size_t k = (size_t)idx[j] % (2 * L);
        r[j] = k < L ? a[k] : b[k - L];
    }
    return r;
#endif
}
/* Interleave units of `unit` bytes (1, 2 or 4; a constant): *lo = a0 b0 a1 b1 ... from the
   low halves of a and b, *hi the same from their high halves (NEON: zip1 / zip2). */
static inline __attribute__((always_inline)) void imfilt_vzip_u8(imfilt_vu8 a, imfilt_vu8 b,
                                                                size_t unit, imfilt_vu8 *lo,
                                                                imfilt_vu8 *hi) {
#ifdef IMFILT_NEON
    if (unit == 1) {
        *lo = (imfilt_vu8)vzip1q_u8((uint8x16_t)a, (uint8x16_t)b);
        *hi = (imfilt_vu8)vzip2q_u8((uint8x16_t)a, (uint8x16_t)b);
    } else if (unit == 2) {
        *lo = (imfilt_vu8)vzip1q_u16((uint16x8_t)a, (uint16x8_t)b);
        *hi = (imfilt_vu8)vzip2q_u16((uint16x8_t)a, (uint16x8_t)b);
    } else {
        *lo = (imfilt_vu8)vzip1q_u32((uint32x4_t)a, (uint32x4_t)b);
        *hi = (imfilt_vu8)vzip2q_u32((uint32x4_t)a, (uint32x4_t)b);
    }
#else
    const uint8_t L = (uint8_t)IMFILT_VLANES(uint8_t);
    const imfilt_vu8 j = imfilt_vindex_u8(), u = j / (uint8_t)unit;
    /* byte j of the result: byte j mod unit of unit u / 2 of a (u even) or b (u odd) */
    const imfilt_vu8 idx = (u >> 1) * (uint8_t)unit + j % (uint8_t)unit + (u & 1) * L;
    *lo = imfilt_vpermute2_u8(a, idx, b);
    *hi = imfilt_vpermute2_u8(a, idx + (uint8_t)(L / 2), b);
#endif
}
/* Lane j = t[idx[j]] for a 16-entry table t and indices below 16: one pshufb on the table
   repeated in every 16-byte block where the level has it, one tbl on NEON. */
static inline imfilt_vu8 imfilt_vlookup16_u8(const uint8_t *t, imfilt_vu8 idx) {
#if IMFILT_VEC_BYTES == 64 && defined(__AVX512BW__)
    return (imfilt_vu8)_mm512_shuffle_epi8(
        _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)t)), (__m512i)idx);
#elif IMFILT_VEC_BYTES == 32 && defined(__AVX2__)
    return (imfilt_vu8)_mm256_shuffle_epi8(
        _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)t)), (__m256i)idx);
#elif IMFILT_VEC_BYTES == 16 && defined(__SSSE3__)
    return (imfilt_vu8)_mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)t), (__m128i)idx);
#elif defined(IMFILT_NEON)
    return (imfilt_vu8)vqtbl1q_u8(vld1q_u8(t), (uint8x16_t)idx);
#else
    imfilt_vu8 r;
    for (size_t j = 0; j < IMFILT_VLANES(uint8_t); j++) r[j] = t[idx[j] & 15];
    return r;
#endif
}
/* Lane j = t[idx[j]] for a 256-entry table t. */
static inline imfilt_vu8 imfilt_vlookup256_u8(const uint8_t *t, imfilt_vu8 idx) {
#if IMFILT_VEC_BYTES == 32 && defined(__AVX2__)
    /* 16 pshufb look the low nibble up in every 16-byte slice of t, then a tree of 15 blends
       picks the slice by the index's bits 4, 5, 6, 7, each shifted up to bit 7, the bit the
       blends read (the 16-bit shifts carry bits into the next byte's low bits, which nothing
       reads) */
    const imfilt_vu8 lo = idx & 0x0f;
    const imfilt_vu16 w = (imfilt_vu16)idx;
    const imfilt_vi8 b4 = (imfilt_vi8)(w << 3), b5 = (imfilt_vi8)(w << 2), b6 = (imfilt_vi8)(w << 1),
                     b7 = (imfilt_vi8)idx;
    imfilt_vu8 s[16];
    for (size_t k = 0; k < 16; k++) s[k] = imfilt_vlookup16_u8(t + 16 * k, lo);
    for (size_t k = 0; k < 8; k++) s[k] = IMFILT_VSELECT(b4 < 0, s[2 * k + 1], s[2 * k]);
    for (size_t k = 0; k < 4; k++) s[k] = IMFILT_VSELECT(b5 < 0, s[2 * k + 1], s[2 * k]);
    for (size_t k = 0; k < 2; k++) s[k] = IMFILT_VSELECT(b6 < 0, s[2 * k + 1], s[2 * k]);
    return IMFILT_VSELECT(b7 < 0, s[1], s[0]);
#elif defined(IMFILT_NEON)
    /* one four-register tbl per 64 entries; tbx keeps the lanes whose index (less the
       quarter's start, wrapping) is past its 64 */
    const uint8x16_t i = (uint8x16_t)idx;
    uint8x16_t r = vqtbl4q_u8(vld1q_u8_x4(t), i);
    r = vqtbx4q_u8(r, vld1q_u8_x4(t + 64), vsubq_u8(i, vdupq_n_u8(64)));
    r = vqtbx4q_u8(r, vld1q_u8_x4(t + 128), vsubq_u8(i, vdupq_n_u8(128)));
    return (imfilt_vu8)vqtbx4q_u8(r, vld1q_u8_x4(t + 192), vsubq_u8(i, vdupq_n_u8(192)));
#else
    imfilt_vu8 r;
    for (size_t j = 0; j < IMFILT_VLANES(uint8_t); j++) r[j] = t[idx[j]];
    return r;
#endif
}

/* All lanes equal to x exactly, -0.0 included: x - 0 is x for every x, so this is one
   broadcast (IMFILT_VSPLAT's 0 + x costs an add and turns -0.0 into +0.0). */
#define IMFILT_VBROADCAST(VT, x) ((x) - (VT){0})

/* Stores of whole float / double vectors as functions: GCC optimises a function's body
   before inlining it, and the kernels built on these (conv) unroll and schedule differently
   with IMFILT_VSTORE's in-place expansion. */
static inline void imfilt_vstore_f32(float *p, imfilt_vf32 v) { memcpy(p, &v, sizeof v); }
static inline void imfilt_vstore_f64(double *p, imfilt_vf64 v) { memcpy(p, &v, sizeof v); }

/* Masked tail stores: the first n lanes of v to p (n < lanes), one masked store where the
   level has one (IMFILT_VSTORE_TAIL's variable-size memcpy is a library call, which short
   rows pay on every row tail). */
static inline void imfilt_vstore_tail_f32(float *p, imfilt_vf32 v, size_t n) {
#if IMFILT_VEC_BYTES == 64 && defined(__AVX512F__)
    _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1), (__m512)v);
#elif IMFILT_VEC_BYTES == 32 && defined(__AVX2__)
    static const int32_t ones_then_zeros[16] = {-1, -1, -1, -1, -1, -1, -1, -1};
    _mm256_maskstore_ps(p, _mm256_loadu_si256((const __m256i *)(ones_then_zeros + 8 - n)),
                        (__m256)v);
#elif defined(IMFILT_NEON)
    const float32x4_t v_ = (float32x4_t)v;
    if (n & 2) vst1_f32(p, vget_low_f32(v_));
    if (n == 1) vst1q_lane_f32(p, v_, 0);
    if (n == 3) vst1q_lane_f32(p + 2, v_, 2);
#else
    for (size_t i = 0; i < n; i++) p[i] = v[i];
#endif
}
static inline void imfilt_vstore_tail_f64(double *p, imfilt_vf64 v, size_t n) {
#if IMFILT_VEC_BYTES == 64 && defined(__AVX512F__)
    _mm512_mask_storeu_pd(p, (__mmask8)((1u << n) - 1), (__m512d)v);
#elif IMFILT_VEC_BYTES == 32 && defined(__AVX2__)
    /* two int32 mask lanes per double */
    static const int32_t ones_then_zeros[16] = {-1, -1, -1, -1, -1, -1, -1, -1};
    const __m256i m = _mm256_loadu_si256(
        (const __m256i *)(ones_then_zeros + 8 - n * sizeof(double) / sizeof(int32_t)));
    _mm256_maskstore_pd(p, m, (__m256d)v);
#elif defined(IMFILT_NEON)
    if (n) vst1q_lane_f64(p, (float64x2_t)v, 0);
#else
    for (size_t i = 0; i < n; i++) p[i] = v[i];
#endif
}

/* Lane-range stores: the n lanes of v from lane a on to p[0 .. n) (a + n <= lanes), one
   lane shift and one masked store where the level has them (a vector of outputs that runs
   across the end of an output row). */
static inline void imfilt_vstore_lanes_f32(float *p, imfilt_vf32 v, size_t a, size_t n) {
    if (a == 0 && n == IMFILT_VLANES(float)) { imfilt_vstore_f32(p, v); return; }
#if IMFILT_VEC_BYTES == 64 && defined(__AVX512F__)
    const __m512i idx = _mm512_add_epi32(
        _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
        _mm512_set1_epi32((int)a));
    imfilt_vstore_tail_f32(p, (imfilt_vf32)_mm512_permutexvar_ps(idx, (__m512)v), n);
#elif IMFILT_VEC_BYTES == 32 && defined(__AVX2__)
    const __m256i idx = _mm256_add_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                                         _mm256_set1_epi32((int)a));
    imfilt_vstore_tail_f32(p, (imfilt_vf32)_mm256_permutevar8x32_ps((__m256)v, idx), n);
#else
    for (size_t i = 0; i < n; i++) p[i] = v[a + i];
#endif
}
static inline void imfilt_vstore_lanes_f64(double *p, imfilt_vf64 v, size_t a, size_t n) {
    if (a == 0 && n == IMFILT_VLANES(double)) { imfilt_vstore_f64(p, v); return; }
#if IMFILT_VEC_BYTES == 64 && defined(__AVX512F__)
    const __m512i idx = _mm512_add_epi64(_mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7),
                                         _mm512_set1_epi64((long long)a));
    imfilt_vstore_tail_f64(p, (imfilt_vf64)_mm512_permutexvar_pd(idx, (__m512d)v), n);
#elif IMFILT_VEC_BYTES == 32 && defined(__AVX2__)
    /* a double is two float lanes */
    const __m256i idx = _mm256_add_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                                         _mm256_set1_epi32((int)(2 * a)));
    imfilt_vstore_tail_f64(
        p, (imfilt_vf64)_mm256_permutevar8x32_ps(_mm256_castpd_ps((__m256d)v), idx), n);
#else
    for (size_t i = 0; i < n; i++) p[i] = v[a + i];
#endif
}

/* ---- float32 arithmetic for polynomial exp2 / log2 kernels (the tone family's power) */
/* IMFILT_HAVE_VFMA: imfilt_vfma_f32 is one fused instruction per vector. Levels without it
   (x86's SSE2 baseline) get a correct but slow lane loop, so kernels built on it are for
   levels with IMFILT_HAVE_VFMA. */
#if (IMFILT_VEC_BYTES == 64 && defined(__AVX512F__)) || \
    (IMFILT_VEC_BYTES == 32 && defined(__AVX2__) && defined(__FMA__)) || defined(__aarch64__)
#define IMFILT_HAVE_VFMA 1
#else
#define IMFILT_HAVE_VFMA 0
#endif
/* a * b + c rounded once. */
static inline imfilt_vf32 imfilt_vfma_f32(imfilt_vf32 a, imfilt_vf32 b, imfilt_vf32 c) {
#if IMFILT_VEC_BYTES == 64 && defined(__AVX512F__)
    return (imfilt_vf32)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c);
#elif IMFILT_VEC_BYTES == 32 && defined(__AVX2__) && defined(__FMA__)
    return (imfilt_vf32)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c);
#elif defined(IMFILT_NEON)
    return (imfilt_vf32)vfmaq_f32((float32x4_t)c, (float32x4_t)a, (float32x4_t)b);
#else
    imfilt_vf32 r;
    for (size_t i = 0; i < IMFILT_VLANES(float); i++) r[i] = __builtin_fmaf(a[i], b[i], c[i]);
    return r;
#endif
}
/* The nearest integer, ties to even, for |v| < 2^22 (the generic body adds and subtracts
   1.5 * 2^23, which makes the zeros of (-1/2, 0) +0; the x86 and NEON bodies round every v
   and keep their sign, as the tone family's power allows: its zero n only feeds sums
   that end up added to a nonzero term or multiplied, where the sign of a zero is lost). */
static inline imfilt_vf32 imfilt_vround_f32(imfilt_vf32 v) {
#if IMFILT_VEC_BYTES == 64 && defined(__AVX512F__)
    return (imfilt_vf32)_mm512_roundscale_ps((__m512)v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
#elif IMFILT_VEC_BYTES == 32 && defined(__AVX__)
    return (imfilt_vf32)_mm256_round_ps((__m256)v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
#elif defined(IMFILT_NEON)
    return (imfilt_vf32)vrndnq_f32((float32x4_t)v);
#else
    const imfilt_vf32 big = IMFILT_VSPLAT(imfilt_vf32, 12582912.0f);
    return (v + big) - big;
#endif
}
/* Lane j = t[idx[j] & 15] for a 16-entry float table t (bits 0-3 of the index): one vpermps at 64
   bytes, two and a blend on the index's bit 3 at 32, a four-register tbl on NEON (byte
   4 * idx + k of the 64-byte table). */
static inline imfilt_vf32 imfilt_vlookup16_f32(const float *t, imfilt_vi32 idx) {
#if IMFILT_VEC_BYTES == 64 && defined(__AVX512F__)
    return (imfilt_vf32)_mm512_permutexvar_ps((__m512i)idx, _mm512_loadu_ps(t));
#elif IMFILT_VEC_BYTES == 32 && defined(__AVX2__)
    const __m256 lo = _mm256_permutevar8x32_ps(_mm256_loadu_ps(t), (__m256i)idx);
    const __m256 hi = _mm256_permutevar8x32_ps(_mm256_loadu_ps(t + 8), (__m256i)idx);
    return (imfilt_vf32)_mm256_blendv_ps(lo, hi, (__m256)(idx << 28));
#elif defined(IMFILT_NEON)
    const imfilt_vu32 k = ((imfilt_vu32)idx & 15) * 0x04040404u + 0x03020100u;
    return (imfilt_vf32)vqtbl4q_u8(vld1q_u8_x4((const uint8_t *)t), (uint8x16_t)k);
#else
    imfilt_vf32 r;
    for (size_t i = 0; i < IMFILT_VLANES(float); i++) r[i] = t[idx[i] & 15];
    return r;
#endif
}
/* |x| = 2^e * m with m in [1, 2), for finite nonzero x (subnormals included); returns m and
   sets *e (an integer as a float). vgetmantps / vgetexpps at 64 bytes; elsewhere the bit
   fields, subnormals first scaled by 2^23. Lanes of 0, inf or NaN hold unspecified values. */
static inline imfilt_vf32 imfilt_vfrexp_f32(imfilt_vf32 x, imfilt_vf32 *e) {
#if IMFILT_VEC_BYTES == 64 && defined(__AVX512F__)
    *e = (imfilt_vf32)_mm512_getexp_ps((__m512)x);
    return (imfilt_vf32)_mm512_getmant_ps((__m512)x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero);
#else
    const imfilt_vi32 sub = ((imfilt_vi32)x & 0x7f800000) == 0;
    const imfilt_vi32 b = IMFILT_VSELECT(sub, (imfilt_vi32)(x * 0x1p23f), (imfilt_vi32)x);
    *e = __builtin_convertvector(((b >> 23) & 0xff) - 127 + (sub & -23), imfilt_vf32);
    return (imfilt_vf32)((b & 0x007fffff) | 0x3f800000);
#endif
}
/* q * 2^n rounded once, n integer-valued lanes, q in [1/2, 2): vscalefps at 64 bytes;
   elsewhere n clamped to [-252, 254] (beyond, the result is 0 or inf either way) and applied
   as two exact powers of two, 2^(n >> 1) first, so only the second product rounds. */
static inline imfilt_vf32 imfilt_vldexp_f32(imfilt_vf32 q, imfilt_vf32 n) {
#if IMFILT_VEC_BYTES == 64 && defined(__AVX512F__)
    return (imfilt_vf32)_mm512_scalef_ps((__m512)q, (__m512)n);
#else
    const imfilt_vf32 lo = IMFILT_VSPLAT(imfilt_vf32, -252.0f), hi = IMFILT_VSPLAT(imfilt_vf32, 254.0f);
    /* NaN lanes (unspecified results) go to lo, so the conversion sees only integers */
    const imfilt_vi32 k = __builtin_convertvector(
        IMFILT_VSELECT(n >= lo, IMFILT_VSELECT(n <= hi, n, hi), lo), imfilt_vi32);
    const imfilt_vi32 k1 = k >> 1, k2 = k - k1;
    return (q * (imfilt_vf32)((k1 + 127) << 23)) * (imfilt_vf32)((k2 + 127) << 23);
#endif
}

/* ---- Search in 16 prefix sums (uint16 x 16, any level) */
/* The bin of rank t in a 16-bin histogram given as its inclusive prefix sums p (nondecreasing
   lanes), tv = t in every lane: returns the number of lanes <= t (the bin), and *rest = t minus
   the largest such lane (t where none: the rank within the bin), in every lane. The largest
   lane <= t is a horizontal max of the lanes kept by the compare (phminposuw at AVX2) or one
   two-source word permute (AVX-512), never a round trip through memory. */
static inline size_t imfilt_u16x16_prefix_find(imfilt_u16x16 p, imfilt_u16x16 tv,
                                               imfilt_u16x16 *rest) {
#if defined(__AVX512BW__) && defined(__AVX512VL__)
    const __mmask16 le = _mm256_cmple_epu16_mask((__m256i)p, (__m256i)tv);
    const size_t b = (size_t)__builtin_popcount((unsigned)le);
    /* index b - 1 in the 32-entry table {p, 0}: b = 0 wraps to 31, a zero lane */
    const __m256i below = _mm256_permutex2var_epi16((__m256i)p, _mm256_set1_epi16((short)(b - 1)),
                                                    _mm256_setzero_si256());
    *rest = tv - (imfilt_u16x16)below;
    return b;
#elif defined(__AVX2__)
    const __m256i x = (__m256i)p;
    const __m256i le = _mm256_cmpeq_epi16(_mm256_min_epu16(x, (__m256i)tv), x); /* lanes <= t */
    const size_t b = (size_t)__builtin_popcount((unsigned)_mm256_movemask_epi8(le)) / 2;
    const __m256i kept = _mm256_and_si256(x, le);
    const __m128i h = _mm_max_epu16(_mm256_castsi256_si128(kept),
                                    _mm256_extracti128_si256(kept, 1));
    /* lane 0: ~max = min of the complements; t - max = t + ~max + 1 */
    const __m128i notmax = _mm_minpos_epu16(_mm_xor_si128(h, _mm_set1_epi16(-1)));
    *rest = tv + (imfilt_u16x16)_mm256_broadcastw_epi16(notmax) + 1;
    return b;
#elif defined(IMFILT_NEON)
    /* two halves: per-lane compare, the count by a horizontal add, the max kept lane by umaxv */
    uint16x8x2_t x;
    memcpy(&x, &p, sizeof x);
    const uint16x8_t t = vdupq_n_u16(tv[0]);
    const uint16x8_t l0 = vcleq_u16(x.val[0], t), l1 = vcleq_u16(x.val[1], t);
    const size_t b = vaddvq_u16(vaddq_u16(vshrq_n_u16(l0, 15), vshrq_n_u16(l1, 15)));
    *rest = tv - vmaxvq_u16(vmaxq_u16(vandq_u16(x.val[0], l0), vandq_u16(x.val[1], l1)));
    return b;
#else
    size_t b = 0;
    uint16_t below = 0;
    for (int i = 0; i < 16; i++)
        if (p[i] <= tv[0]) { b++; below = p[i]; }
    *rest = tv - below;
    return b;
#endif
}

/* Keep a loaded vector in a register: an empty asm that claims to change v, so GCC cannot
   fold the load into every instruction using it (which reloads it once per use), nor fuse
   the product that made v into a later addition. */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#if defined(__AVX512F__)
#define IMFILT_IN_REG(v) __asm__("" : "+v"(v))
#else
#define IMFILT_IN_REG(v) __asm__("" : "+x"(v))
#endif
#elif defined(__GNUC__) && defined(__aarch64__)
#define IMFILT_IN_REG(v) __asm__("" : "+w"(v))
#else
#define IMFILT_IN_REG(v) ((void)0)
#endif

#endif
