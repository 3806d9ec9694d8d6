/* Hot loops of the minimum / maximum family, compiled once per ISA level (CMakeLists.txt):
   the row loops of morph_tmpl.h, one instance per operation and pixel type, plus the uint8
   kernels of levels with AVX-512 VBMI, which shift vectors by two-source byte permutes of
   consecutive vectors instead of reloading them unaligned: op4s_vbmi (four shifted copies),
   fused_vbmi (the doubling levels of the row pass, fused in registers) and direct8_rows (small
   rectangles straight from the image rows). */
#include <string.h>
#include <stdint.h>
#include "morph.h"
#include "simd/vec.h"
#include "simd/edge8.h"

/* Integers: the plain extremum. */
#define IMAX(a, b) ((a) > (b) ? (a) : (b))
#define IMIN(a, b) ((a) < (b) ? (a) : (b))
/* Floats: NaN is ignored (a NaN operand gives the other one, NaN only when both are), C's
   fmax / fmin, which is associative and commutative on every value except the sign of zero.
   Computed as t = maxps(a, b) (a > b ? a : b, which is b when either is NaN), then a where b
   is NaN; the vector and scalar forms agree bit for bit (signed zeros included). */
static inline float nanmax_f32(float a, float b) { float t = a > b ? a : b; return b != b ? a : t; }
static inline float nanmin_f32(float a, float b) { float t = a < b ? a : b; return b != b ? a : t; }
static inline double nanmax_f64(double a, double b) { double t = a > b ? a : b; return b != b ? a : t; }
static inline double nanmin_f64(double a, double b) { double t = a < b ? a : b; return b != b ? a : t; }
/* The operands are pinned in registers: GCC otherwise loads each twice (a register copy for
   the compare or blend, a memory operand for the max), doubling the loads of L1-bound loops. */
static inline imfilt_vf32 vnanmax_f32(imfilt_vf32 a, imfilt_vf32 b) {
    IMFILT_IN_REG(a); IMFILT_IN_REG(b);
    return IMFILT_VSELECT(b != b, a, imfilt_vmax_f32(a, b));
}
static inline imfilt_vf32 vnanmin_f32(imfilt_vf32 a, imfilt_vf32 b) {
    IMFILT_IN_REG(a); IMFILT_IN_REG(b);
    return IMFILT_VSELECT(b != b, a, imfilt_vmin_f32(a, b));
}
static inline imfilt_vf64 vnanmax_f64(imfilt_vf64 a, imfilt_vf64 b) {
    IMFILT_IN_REG(a); IMFILT_IN_REG(b);
    return IMFILT_VSELECT(b != b, a, imfilt_vmax_f64(a, b));
}
static inline imfilt_vf64 vnanmin_f64(imfilt_vf64 a, imfilt_vf64 b) {
    IMFILT_IN_REG(a); IMFILT_IN_REG(b);
    return IMFILT_VSELECT(b != b, a, imfilt_vmin_f64(a, b));
}

/* The uint8 kernels below need VBMI's byte permutes at 64 lanes. */
#if IMFILT_VEC_BYTES == 64 && defined(__AVX512VBMI__) && defined(__AVX512BW__)
#define MORPH_VBMI 1
#else
#define MORPH_VBMI 0
#endif

#if MORPH_VBMI
static inline imfilt_vu8 vop_u8(int op, imfilt_vu8 a, imfilt_vu8 b) {
    return op == IMFILT_MORPH_MAX ? imfilt_vmax_u8(a, b) : imfilt_vmin_u8(a, b);
}

/* uint8 rows, offsets o1 < o2 < o3 < 64: d[i] = op(a[i], a[i+o1], a[i+o2], a[i+o3]) from ONE
   load per 64 samples; the shifted copies are permutes of the pair of consecutive vectors (a
   split unaligned load costs more than a shuffle). Whole vectors only; returns the count
   done. Reads a up to the last vector's a[i + 127] (the row buffers have that slack). */
static inline __attribute__((always_inline)) size_t op4s_vbmi(uint8_t *d, const uint8_t *a,
                                                              size_t o1, size_t o2, size_t o3,
                                                              size_t n, int op) {
    if (n < 64) return 0;
    const imfilt_vu8 id = imfilt_vindex_u8();
    const imfilt_vu8 i1 = id + (uint8_t)o1, i2 = id + (uint8_t)o2, i3 = id + (uint8_t)o3;
    imfilt_vu8 lo = IMFILT_VLOAD(imfilt_vu8, a);
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        const imfilt_vu8 hi = IMFILT_VLOAD(imfilt_vu8, a + i + 64);
        const imfilt_vu8 x1 = imfilt_vpermute2_u8(lo, i1, hi);
        const imfilt_vu8 x2 = imfilt_vpermute2_u8(lo, i2, hi);
        const imfilt_vu8 x3 = imfilt_vpermute2_u8(lo, i3, hi);
        IMFILT_VSTORE(d + i, vop_u8(op, vop_u8(op, lo, x1), vop_u8(op, x2, x3)));
        lo = hi;
    }
    return i;
}

/* nl (1..8) fused doubling levels of the row scan, in registers: level l turns the vectors of
   level l - 1 into M[x] = op(M'[x], M'[x + off[l]]) (off[l] <= 64, permuted out of the pair of
   consecutive vectors), pipelined one vector per level, so the row is loaded and stored once
   and each doubling costs 2 vector ops (a permute and a min/max; radix 4 costs 3 per
   doubling, and the levels are ALU bound once fused: measured). Writes nv whole vectors, the
   last one cut to `last` samples (1..64). Reads a up to 64 * (nv + nl) bytes. */
static inline __attribute__((always_inline)) void fused_vbmi(
        uint8_t *d, const uint8_t *a, const size_t *off, size_t nl, size_t nv, size_t last,
        int op) {
    const imfilt_vu8 id = imfilt_vindex_u8();
    imfilt_vu8 ix[8], pv[8];
    for (size_t l = 0; l < 8; l++) {
        ix[l] = id + (uint8_t)off[l < nl ? l : 0];
        pv[l] = (imfilt_vu8){0};
    }
    for (size_t t = 0; t < nv + nl; t++) {
        imfilt_vu8 x = IMFILT_VLOAD(imfilt_vu8, a + 64 * t);
#pragma GCC unroll 8
        for (size_t l = 0; l < nl; l++) {
            const imfilt_vu8 lo = pv[l];
            pv[l] = x;
            x = vop_u8(op, lo, imfilt_vpermute2_u8(lo, ix[l], x));
        }
        if (t >= nl) {
            const size_t v = t - nl;
            if (v + 1 < nv || last == 64) IMFILT_VSTORE(d + 64 * v, x);
            else imfilt_vstore_tail_u8(d + 64 * v, x, last);
        }
    }
}

/* op over the kh rows' padded vectors P_i[p .. p + 63] (the columns that see a border) */
static inline __attribute__((always_inline)) imfilt_vu8 direct8_edge(
        const uint8_t *const *rows, size_t kh, const __m512i *L, const __m512i *R, size_t lp,
        size_t rp, size_t n, size_t p, int op) {
    const __m512i id = imf_lane_index8();
    imfilt_vu8 v = (imfilt_vu8)imf_padded8_load(rows[0], L[0], R[0], lp, rp, n, p, id);
    for (size_t i = 1; i < kh; i++)
        v = vop_u8(op, v, (imfilt_vu8)imf_padded8_load(rows[i], L[i], R[i], lp, rp, n, p, id));
    return v;
}

/* op over the kw taps of the combined columns: cur shifted by t * C (permuted out of cur and
   nxt, the next 64 columns); the kw - 1 permutes are independent, only the ops chain */
static inline __attribute__((always_inline)) imfilt_vu8 direct8_taps(
        imfilt_vu8 cur, imfilt_vu8 nxt, const imfilt_vu8 *shift, size_t kw, int op) {
    imfilt_vu8 r = cur;
    for (size_t t = 1; t < kw; t++) r = vop_u8(op, r, imfilt_vpermute2_u8(cur, shift[t], nxt));
    return r;
}

/* A uint8 rectangle of kh <= 6 rows and kw taps ((kw - 1) * C <= 63) straight from its image
   rows (src/simd/edge8.h: no padded copy): per 64 outputs, each row's vector is loaded once,
   the kh rows are combined by kh - 1 vector ops, and the kw - 1 horizontal neighbours of the
   combined vector are permuted out of it and the next one. Left edge, branch-free interior,
   right edge. */
static inline __attribute__((always_inline)) void direct8_rows(
        const uint8_t *const *rows, size_t kh, const size_t kw, size_t C, size_t lp,
        const imf_edge8 *left, const imf_edge8 *right, uint8_t cv, size_t n, uint8_t *dst,
        const int op) {
    const size_t rp = (kw - 1) * C - lp;
    const imfilt_vu8 id = imfilt_vindex_u8();
    __m512i L[6], R[6];
    imfilt_vu8 shift[8];
    for (size_t i = 0; i < kh; i++) {
        L[i] = imf_edge8_vector(rows[i], left, cv);
        R[i] = imf_edge8_vector(rows[i], right, cv);
    }
    for (size_t t = 1; t < kw; t++) shift[t] = id + (uint8_t)(t * C);
    const uint8_t *r0 = rows[0], *r1 = rows[kh > 1], *r2 = rows[kh > 2 ? 2 : 0];
    const uint8_t *r3 = rows[kh > 3 ? 3 : 0], *r4 = rows[kh > 4 ? 4 : 0], *r5 = rows[kh > 5 ? 5 : 0];
    imfilt_vu8 cur = direct8_edge(rows, kh, L, R, lp, rp, n, 0, op), nxt;
    size_t x = 0;
    for (; x + 128 <= n + lp; x += 64) { /* the columns at x + 64 lie inside the image */
        const size_t q = x + 64 - lp;
        nxt = IMFILT_VLOAD(imfilt_vu8, r0 + q);
        switch (kh) { /* falls through: one op per further row */
        case 6: nxt = vop_u8(op, nxt, IMFILT_VLOAD(imfilt_vu8, r5 + q)); /* fall through */
        case 5: nxt = vop_u8(op, nxt, IMFILT_VLOAD(imfilt_vu8, r4 + q)); /* fall through */
        case 4: nxt = vop_u8(op, nxt, IMFILT_VLOAD(imfilt_vu8, r3 + q)); /* fall through */
        case 3: nxt = vop_u8(op, nxt, IMFILT_VLOAD(imfilt_vu8, r2 + q)); /* fall through */
        case 2: nxt = vop_u8(op, nxt, IMFILT_VLOAD(imfilt_vu8, r1 + q)); /* fall through */
        default: break;
        }
        IMFILT_VSTORE(dst + x, direct8_taps(cur, nxt, shift, kw, op));
        cur = nxt;
    }
    for (; x < n; x += 64) {
        nxt = direct8_edge(rows, kh, L, R, lp, rp, n, x + 64, op);
        imfilt_vstore_tail_u8(dst + x, direct8_taps(cur, nxt, shift, kw, op), n - x);
        cur = nxt;
    }
}
#endif

/* float32 rows at 64 bytes take their short shifts from consecutive vectors (op4s_shift). */
#if IMFILT_VEC_BYTES == 64 && defined(__AVX512F__)
#define MORPH_FLOAT_SHIFT 1
#else
#define MORPH_FLOAT_SHIFT 0
#endif

/* Gray integer row taps aligned out of consecutive vectors (align_tree) where that is cheap:
   AVX2 (AVX-512 has its permute kernels) and NEON. */
#define MORPH_VALIGN IMFILT_HAVE_VALIGN

#include "morph/morph_instances.h"

const imfilt_morph_table IMFILT_ISA_TABLE(imfilt_morph) = {
    .name = IMFILT_ISA_LEVEL_NAME,
    .kernels = {
        [IMFILT_MORPH_MIN] = {[IMFILT_U8] = &morph_min_u8, [IMFILT_U16] = &morph_min_u16,
                              [IMFILT_I16] = &morph_min_i16, [IMFILT_F32] = &morph_min_f32,
                              [IMFILT_F64] = &morph_min_f64},
        [IMFILT_MORPH_MAX] = {[IMFILT_U8] = &morph_max_u8, [IMFILT_U16] = &morph_max_u16,
                              [IMFILT_I16] = &morph_max_i16, [IMFILT_F32] = &morph_max_f32,
                              [IMFILT_F64] = &morph_max_f64},
    },
};
