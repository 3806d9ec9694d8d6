/* The one vector layer. Every family's hot loops take their vector types and helpers from
   here; a new architecture is added here and nowhere else.

   The types are GCC/clang vector extensions at the level's width IMFILT_VEC_BYTES (16 for
   baseline SSE2 and for NEON on aarch64, 32 for AVX2, 64 for AVX-512; src/core/isa.h), so
   arithmetic, compares and shuffles written once compile to each ISA's instructions. Where
   the compiler's generic lowering is poor, a helper below has an intrinsic body per level
   under that level's feature macro and a generic body for every other target (NEON
   included). Families keep only their own algorithms, never vector plumbing. */
#ifndef IMFILT_SIMD_VEC_H
#define IMFILT_SIMD_VEC_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "core/isa.h"
#if defined(__AVX2__) || defined(__AVX512F__) || defined(__SSE2__)
#include <immintrin.h>
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
   generic IMFILT_VMIN to a compare and a blend). Elsewhere both select on a < b, so a min / max
   pair of the same operands (a compare-exchange) shares one compare. */
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
#else
    return IMFILT_VMIN(a, b);
#endif
}
static inline imfilt_vu8 imfilt_vmax_u8(imfilt_vu8 a, imfilt_vu8 b) {
#ifdef IMFILT_X86_INT_OP
    return IMFILT_X86_INT_OP(max_epu8, a, b);
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
#else
    return IMFILT_VMIN(a, b);
#endif
}
static inline imfilt_vu16 imfilt_vmax_u16(imfilt_vu16 a, imfilt_vu16 b) {
#if defined(IMFILT_X86_INT_OP) && IMFILT_HAVE_MIN_U16
    return IMFILT_X86_INT_OP(max_epu16, a, b);
#elif defined(IMFILT_X86_INT_OP)
    return b + IMFILT_X86_INT_OP(subs_epu16, a, b);
#else
    return IMFILT_VSELECT(a < b, b, a);
#endif
}
static inline imfilt_vi16 imfilt_vmin_i16(imfilt_vi16 a, imfilt_vi16 b) {
#ifdef IMFILT_X86_INT_OP
    return IMFILT_X86_INT_OP(min_epi16, a, b);
#else
    return IMFILT_VMIN(a, b);
#endif
}
static inline imfilt_vi16 imfilt_vmax_i16(imfilt_vi16 a, imfilt_vi16 b) {
#ifdef IMFILT_X86_INT_OP
    return IMFILT_X86_INT_OP(max_epi16, a, b);
#else
    return IMFILT_VSELECT(a < b, b, a);
#endif
}
static inline imfilt_vi32 imfilt_vmin_i32(imfilt_vi32 a, imfilt_vi32 b) {
#if defined(IMFILT_X86_INT_OP) && IMFILT_HAVE_MIN_I32
    return IMFILT_X86_INT_OP(min_epi32, a, b);
#else
    return IMFILT_VMIN(a, b);
#endif
}
static inline imfilt_vi32 imfilt_vmax_i32(imfilt_vi32 a, imfilt_vi32 b) {
#if defined(IMFILT_X86_INT_OP) && IMFILT_HAVE_MIN_I32
    return IMFILT_X86_INT_OP(max_epi32, a, b);
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
#else
    return __builtin_convertvector(IMFILT_VLOAD(imfilt_vu8_half, p), imfilt_vu16);
#endif
}

#endif
