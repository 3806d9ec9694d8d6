/* Row loops for one work type W (float or double), included by separable_isa.c with W, WS
   (its suffix) and RINT_W defined. Not a public header. */

#define FN(name) IMFILT_CAT(IMFILT_CAT(name, _), WS)
#define VT IMFILT_CAT(vec_, WS)

typedef W VT __attribute__((vector_size(IMFILT_VEC_BYTES)));
#define VL (IMFILT_VEC_BYTES / sizeof(W))

static inline VT FN(vld)(const W *p) { VT v; memcpy(&v, p, sizeof v); return v; }
static inline void FN(vst)(W *p, VT v) { memcpy(p, &v, sizeof v); }
static inline VT FN(vsplat)(W s) { VT v = {0}; return v + s; }

/* Direct correlation along a set of row pointers, four vectors of outputs per step so that
   the FMA chains of consecutive taps overlap; symmetric kernels add the mirrored rows first. */
static inline __attribute__((always_inline)) void FN(conv_body)(
        const W *const *rows, const W *k, size_t ks, int sym, W *dst, size_t n)
{
    size_t x = 0;
    const size_t c = ks / 2, npairs = sym ? c : 0;
    for (; x + 4 * VL <= n; x += 4 * VL) {
        VT a0, a1, a2, a3;
        size_t j0;
        if (sym) {
            VT kc = FN(vsplat)(k[c]);
            const W *p = rows[c] + x;
            a0 = FN(vld)(p) * kc; a1 = FN(vld)(p + VL) * kc;
            a2 = FN(vld)(p + 2 * VL) * kc; a3 = FN(vld)(p + 3 * VL) * kc;
            for (size_t j = 0; j < npairs; j++) {
                VT kj = FN(vsplat)(k[j]);
                const W *p0 = rows[j] + x, *p1 = rows[ks - 1 - j] + x;
                a0 += (FN(vld)(p0) + FN(vld)(p1)) * kj;
                a1 += (FN(vld)(p0 + VL) + FN(vld)(p1 + VL)) * kj;
                a2 += (FN(vld)(p0 + 2 * VL) + FN(vld)(p1 + 2 * VL)) * kj;
                a3 += (FN(vld)(p0 + 3 * VL) + FN(vld)(p1 + 3 * VL)) * kj;
            }
        } else {
            VT k0 = FN(vsplat)(k[0]);
            const W *p = rows[0] + x;
            a0 = FN(vld)(p) * k0; a1 = FN(vld)(p + VL) * k0;
            a2 = FN(vld)(p + 2 * VL) * k0; a3 = FN(vld)(p + 3 * VL) * k0;
            for (j0 = 1; j0 < ks; j0++) {
                VT kj = FN(vsplat)(k[j0]);
                const W *q = rows[j0] + x;
                a0 += FN(vld)(q) * kj; a1 += FN(vld)(q + VL) * kj;
                a2 += FN(vld)(q + 2 * VL) * kj; a3 += FN(vld)(q + 3 * VL) * kj;
            }
        }
        FN(vst)(dst + x, a0); FN(vst)(dst + x + VL, a1);
        FN(vst)(dst + x + 2 * VL, a2); FN(vst)(dst + x + 3 * VL, a3);
    }
    for (; x < n; x++) { /* tail: the vector path's association and rounding (FMA_W) */
        W a;
        if (sym) {
            a = rows[c][x] * k[c];
            for (size_t j = 0; j < npairs; j++) a = FMA_W(rows[j][x] + rows[ks - 1 - j][x], k[j], a);
        } else {
            a = rows[0][x] * k[0];
            for (size_t j = 1; j < ks; j++) a = FMA_W(rows[j][x], k[j], a);
        }
        dst[x] = a;
    }
}

/* Short symmetric kernels get a copy with the tap count a constant: the tap loop unrolls and
   the row pointers stay in registers (the Gaussians of sigma <= ~1.5 and small boxes). */
static void FN(conv)(const W *const *rows, const W *k, size_t ks, int sym, W *dst, size_t n)
{
    if (sym) {
        switch (ks) {
        case 3: FN(conv_body)(rows, k, 3, 1, dst, n); return;
        case 5: FN(conv_body)(rows, k, 5, 1, dst, n); return;
        case 7: FN(conv_body)(rows, k, 7, 1, dst, n); return;
        case 9: FN(conv_body)(rows, k, 9, 1, dst, n); return;
        default: break;
        }
    }
    FN(conv_body)(rows, k, ks, sym, dst, n);
}

#include "boxsum_tmpl.h"

/* Pixel-type conversions, one vector of VL pixels at a time; the tail goes through a padded
   local copy so that it takes exactly the same arithmetic as the body. */
#define VM FN(vmask)
#define VI FN(vi32)
#define VU FN(vu32)
#define VF FN(vf32)
typedef IMFILT_CAT(WINT_, WS) VM __attribute__((vector_size(IMFILT_VEC_BYTES)));  /* lane masks */
typedef int32_t VI __attribute__((vector_size(VL * 4)));
typedef uint32_t VU __attribute__((vector_size(VL * 4)));
typedef float VF __attribute__((vector_size(VL * 4)));

static inline VT FN(vmax)(VT a, VT b) { VM m = a < b; return (VT)(((VM)a & ~m) | ((VM)b & m)); }
static inline VT FN(vmin)(VT a, VT b) { VM m = a > b; return (VT)(((VM)a & ~m) | ((VM)b & m)); }
static inline VF FN(vmaxf)(VF a, VF b) { VI m = a < b; return (VF)(((VI)a & ~m) | ((VI)b & m)); }
static inline VF FN(vminf)(VF a, VF b) { VI m = a > b; return (VF)(((VI)a & ~m) | ((VI)b & m)); }

/* One vector of the output rule, as int32 lanes (integer outputs). `mode` and `in_float` are
   compile-time constants at every call (see STORE_INT_DEF), so no rule branch is left inside
   the pixel loop. (OpenCV's 8-bit box rule runs in uint16 lanes, rows_u16.h.) */
static inline __attribute__((always_inline)) VI FN(rule_int)(VT v, const imfilt_out_rule *r,
                                                             int mode, int in_float, W lo, W hi) {
    if (mode == IMFILT_OUT_FLOOR_SHIFT) {
        v = (v + (W)r->bias) * (W)r->scale;
        v = FN(vmin)(FN(vmax)(v, FN(vsplat)(lo)), FN(vsplat)(hi));
        VI t = __builtin_convertvector(v, VI);             /* truncation ... */
        if (lo >= 0) return t;                              /* (== floor: v >= 0; lo is a constant) */
        VM below = __builtin_convertvector(t, VT) > v;      /* ... corrected to floor */
        return t + __builtin_convertvector(below, VI);
    }
    if (mode == IMFILT_OUT_ROUND && in_float) {  /* OpenCV's SIMD: float32(sum) * float32(scale) */
        VF f = __builtin_convertvector(v, VF) * (float)r->scale;
        VF flo = (VF){0} + (float)lo, fhi = (VF){0} + (float)hi;
        f = FN(vminf)(FN(vmaxf)(f, flo), fhi);
        f = (f + 12582912.0f) - 12582912.0f;
        return __builtin_convertvector(f, VI);
    }
    v = v * (W)r->scale;
    v = FN(vmin)(FN(vmax)(v, FN(vsplat)(lo)), FN(vsplat)(hi));
    if (mode == IMFILT_OUT_ROUND) v = RINT_W(v);
    return __builtin_convertvector(v, VI);
}

/* A plain loop: GCC vectorises it (vpmovzx + vcvtdq2ps) where __builtin_convertvector of
   narrow integers gets scalarised. */
#define LOAD_DEF(T, TS, VIA) \
static void IMFILT_CAT(FN(load), IMFILT_CAT(_, TS))(const void *srcv, W *dst, size_t n) { \
    const T *src = (const T *)srcv; \
    for (size_t i = 0; i < n; i++) dst[i] = (W)src[i]; \
}

/* The loop is written once and instantiated per rule by the switch, with the rule constant. */
#define STORE_INT_DEF(T, TS, LO, HI) \
/* cnt <= 4 * VL outputs of src (4 * VL readable): four vectors of int32 lanes, then one \
   narrowing loop over them that GCC turns into packs (__builtin_convertvector of one vector \
   to 8- or 16-bit lanes is scalarised below AVX-512) */ \
static inline __attribute__((always_inline)) void IMFILT_CAT(FN(store_block), TS)( \
        const W *src, T *dst, size_t cnt, const imfilt_out_rule *r, int mode, int in_float) { \
    int32_t q[4 * VL] __attribute__((aligned(64))); \
    for (size_t u = 0; u < 4; u++) { \
        VI t = FN(rule_int)(FN(vld)(src + u * VL), r, mode, in_float, (W)(LO), (W)(HI)); \
        memcpy(q + u * VL, &t, sizeof t); \
    } \
    for (size_t u = 0; u < cnt; u++) dst[u] = (T)q[u]; \
} \
static inline __attribute__((always_inline)) void IMFILT_CAT(FN(store_loop), TS)( \
        const W *src, T *dst, size_t n, const imfilt_out_rule *rule, int mode, int in_float) { \
    /* a local copy: the stores through dst could alias *rule, which would reload it per vector */ \
    const imfilt_out_rule rl = *rule, *r = &rl; \
    size_t i = 0; \
    for (; i + 4 * VL <= n; i += 4 * VL) \
        IMFILT_CAT(FN(store_block), TS)(src + i, dst + i, 4 * VL, r, mode, in_float); \
    if (i < n) { /* tail through a padded copy: the same arithmetic as the body */ \
        W pad[4 * VL] = {0}; \
        memcpy(pad, src + i, (n - i) * sizeof(W)); \
        IMFILT_CAT(FN(store_block), TS)(pad, dst + i, n - i, r, mode, in_float); \
    } \
} \
static void IMFILT_CAT(FN(store), IMFILT_CAT(_, TS))(const W *src, void *dstv, size_t n, const imfilt_out_rule *r) { \
    T *dst = (T *)dstv; \
    switch (r->mode) { \
    case IMFILT_OUT_FLOOR_SHIFT: IMFILT_CAT(FN(store_loop), TS)(src, dst, n, r, IMFILT_OUT_FLOOR_SHIFT, 0); break; \
    case IMFILT_OUT_ROUND: \
        if (r->scale_in_float) IMFILT_CAT(FN(store_loop), TS)(src, dst, n, r, IMFILT_OUT_ROUND, 1); \
        else IMFILT_CAT(FN(store_loop), TS)(src, dst, n, r, IMFILT_OUT_ROUND, 0); \
        break; \
    default: IMFILT_CAT(FN(store_loop), TS)(src, dst, n, r, IMFILT_OUT_CAST, 0); break; \
    } \
}

#define STORE_FLOAT_DEF(T, TS) \
static void IMFILT_CAT(FN(store), IMFILT_CAT(_, TS))(const W *src, void *dstv, size_t n, const imfilt_out_rule *r) { \
    T *dst = (T *)dstv; \
    if (r->scale == 1.0) { for (size_t i = 0; i < n; i++) dst[i] = (T)src[i]; } \
    else { const W s = (W)r->scale; for (size_t i = 0; i < n; i++) dst[i] = (T)(src[i] * s); } \
}

/* int64 window sums (mean with normalize=False): exact integers held in W, cast. */
#define STORE_I64_DEF() \
static void IMFILT_CAT(FN(store), _i64)(const W *src, void *dstv, size_t n, const imfilt_out_rule *r) { \
    int64_t *dst = (int64_t *)dstv; (void)r; \
    for (size_t i = 0; i < n; i++) dst[i] = (int64_t)src[i]; \
}

/* integers widen through int32 lanes: GCC scalarises a direct u8 -> float conversion */
LOAD_DEF(uint8_t, u8, VI)
LOAD_DEF(uint16_t, u16, VI)
LOAD_DEF(int16_t, i16, VI)
LOAD_DEF(float, f32, VF)
LOAD_DEF(double, f64, VT)
LOAD_DEF(int64_t, i64, VT)
STORE_INT_DEF(uint8_t, u8, 0, 255)
STORE_INT_DEF(uint16_t, u16, 0, 65535)
STORE_INT_DEF(int16_t, i16, -32768, 32767)
STORE_FLOAT_DEF(float, f32)
STORE_FLOAT_DEF(double, f64)
STORE_I64_DEF()

#undef LOAD_DEF
#undef STORE_INT_DEF
#undef STORE_FLOAT_DEF
#undef STORE_I64_DEF
#undef VL
#undef VT
#undef VM
#undef VI
#undef VU
#undef VF
#undef FN
