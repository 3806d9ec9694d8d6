/* Tone family hot loops (lookup tables, float32 power), compiled once per ISA level.
   - Byte-indexed tables: AVX-512 VBMI looks every byte of a 64-sample vector up with two
     two-source byte permutes (128 table bytes each) and a blend on the index's top bit; an
     entry wider than a byte is looked up plane by plane (its bytes stored as separate
     256-byte tables) and the planes are interleaved back into entries. Per-channel tables
     (up to 4) blend the channels' lookups by the lane's channel. AVX2 and NEON look one byte
     table up, AVX2 with 16 pshufb (one per 16-byte slice of the table) and a blend tree on the
     index's high nibble, NEON with four 64-entry tbl / tbx (imfilt_vlookup256_u8, vec.h).
     Everything else (uint16 images, per-channel or wide tables on AVX2, the baseline) is a
     scalar gather (tone_lut_tmpl.h).
   - float32 power: exp2(g * log2(x)) by polynomials; a vector version with a 16-entry table
     for levels with fused multiply-add (AVX2, AVX-512, NEON: pow_f32_vec, one source through
     src/simd/vec.h) and a portable scalar loop without it (the baseline: pow_f32); see each
     for its error bounds. */
#include <math.h>
#include <string.h>
#include <stdint.h>
#include "tone.h"
#include "simd/vec.h"

typedef struct { uint64_t lo, hi; } tone_e16;

/* ------------------------------------------------------------------ byte-plane lookups */
/* Each level with a plane kernel defines lut8_planes(src, dst, n, plan, E) for entries of
   E <= TONE_PLANE_BYTES bytes and up to TONE_PLANE_CHANNELS per-channel tables; the driver
   builds the planes only for those (lut8_plane_channels). */
#if IMFILT_VEC_BYTES == 64 && defined(__AVX512VBMI__) && defined(__AVX512BW__)
#define TONE_PLANE_BYTES 8
#define TONE_PLANE_CHANNELS 4

/* T[idx] for 64 byte indices, T a 256-byte table held in four vectors t[0..3]: two 128-entry
   permutes, the index's top bit picks one */
static inline imfilt_vu8 lookup256(imfilt_vu8 idx, const imfilt_vu8 *t) {
    return IMFILT_VSELECT((imfilt_vi8)idx < 0, imfilt_vpermute2_u8(t[2], idx, t[3]),
                          imfilt_vpermute2_u8(t[0], idx, t[1]));
}

/* A 256-byte plane as four vectors */
static inline void plane_vectors(const uint8_t *pl, imfilt_vu8 *t) {
    for (size_t k = 0; k < 4; k++) t[k] = IMFILT_VLOAD(imfilt_vu8, pl + 64 * k);
}

/* lookup256 from a plane in memory */
static inline imfilt_vu8 plane_lookup(imfilt_vu8 idx, const uint8_t *pl) {
    imfilt_vu8 t[4];
    plane_vectors(pl, t);
    return lookup256(idx, t);
}

/* One table of bytes, held in registers: 128 samples per iteration, masked tail. */
static void lut8_planes_b1(const uint8_t *src, uint8_t *dst, size_t n, const uint8_t *pl) {
    imfilt_vu8 t[4];
    plane_vectors(pl, t);
    size_t i = 0;
    for (; i + 128 <= n; i += 128) {
        const imfilt_vu8 a = IMFILT_VLOAD(imfilt_vu8, src + i);
        const imfilt_vu8 b = IMFILT_VLOAD(imfilt_vu8, src + i + 64);
        IMFILT_VSTORE(dst + i, lookup256(a, t));
        IMFILT_VSTORE(dst + i + 64, lookup256(b, t));
    }
    for (; i < n; i += 64)
        imfilt_vstore_tail_u8(dst + i, lookup256(imfilt_vload_tail_u8(src + i, n - i), t), n - i);
}

/* E-byte entries, C per-channel tables (E, C compile-time constants after inlining): every
   byte plane looked up, the channels' lookups blended by the lane's channel, then the planes
   interleaved back into entries (bytes into 2-byte units, those into 4, then 8). */
static inline __attribute__((always_inline)) void lut8_planes_gen(
        const uint8_t *src, uint8_t *dst, size_t n, const uint8_t *planes, const size_t E,
        const size_t C) {
    const size_t L = IMFILT_VLANES(uint8_t);
    /* lane_ch[ph]: each lane's channel in a vector whose first sample has channel ph */
    const imfilt_vu8 id = imfilt_vindex_u8();
    imfilt_vu8 lane_ch[TONE_PLANE_CHANNELS];
    for (size_t ph = 0; ph < C; ph++) lane_ch[ph] = (id + (uint8_t)ph) % (uint8_t)C;
    size_t phase = 0;
    for (size_t i = 0; i < n; i += L) {
        const size_t len = n - i < L ? n - i : L;
        const imfilt_vu8 idx = imfilt_vload_tail_u8(src + i, len);
        imfilt_vu8 u[8], w[8], o[8];
        for (size_t b = 0; b < E; b++) {
            imfilt_vu8 r = plane_lookup(idx, planes + b * 256);
            for (size_t c = 1; c < C; c++)
                r = IMFILT_VSELECT(lane_ch[phase] == (uint8_t)c,
                                   plane_lookup(idx, planes + (c * E + b) * 256), r);
            u[b] = r;
        }
        if (E == 1) {
            o[0] = u[0];
        } else {
            /* bytes -> 2-byte units: plane pairs (2a, 2a+1) give 2 vectors of 32 units each */
            for (size_t a = 0; a < E / 2; a++)
                imfilt_vzip_u8(u[2 * a], u[2 * a + 1], 1, &w[2 * a], &w[2 * a + 1]);
            if (E == 2) {
                o[0] = w[0]; o[1] = w[1];
            } else {
                /* 2-byte -> 4-byte units: unit planes (w[0..1], w[2..3]) and (w[4..5], w[6..7]) */
                for (size_t a = 0; a < E / 4; a++)
                    for (size_t q = 0; q < 2; q++)
                        imfilt_vzip_u8(w[4 * a + q], w[4 * a + 2 + q], 2, &u[4 * a + 2 * q],
                                       &u[4 * a + 2 * q + 1]);
                if (E == 4) {
                    for (size_t k = 0; k < 4; k++) o[k] = u[k];
                } else {
                    for (size_t q = 0; q < 4; q++)
                        imfilt_vzip_u8(u[q], u[4 + q], 4, &o[2 * q], &o[2 * q + 1]);
                }
            }
        }
        const size_t bytes = len * E;
        for (size_t k = 0; k < E && bytes > L * k; k++) {
            if (bytes >= L * (k + 1)) IMFILT_VSTORE(dst + i * E + L * k, o[k]);
            else imfilt_vstore_tail_u8(dst + i * E + L * k, o[k], bytes - L * k);
        }
        phase = (phase + L % C) % C;
    }
}

/* The plane kernel for E-byte entries, the channel count made a constant. */
static inline __attribute__((always_inline)) void lut8_planes(const uint8_t *src, uint8_t *dst,
                                                              size_t n, const imfilt_lut8_plan *p,
                                                              const size_t E) {
    switch (p->channels) {
    case 1:
        if (E == 1) lut8_planes_b1(src, dst, n, p->planes);
        else lut8_planes_gen(src, dst, n, p->planes, E, 1);
        break;
    case 2: lut8_planes_gen(src, dst, n, p->planes, E, 2); break;
    case 3: lut8_planes_gen(src, dst, n, p->planes, E, 3); break;
    default: lut8_planes_gen(src, dst, n, p->planes, E, 4); break;
    }
}

#elif (IMFILT_VEC_BYTES == 32 && defined(__AVX2__)) || defined(IMFILT_NEON)
/* One table of bytes only, looked up by imfilt_vlookup256_u8 (AVX2: 16 pshufb and a blend
   tree; NEON: four tbl / tbx). On AVX2, per-channel tables would need one pshufb tree per
   channel, measured slower than the scalar gather (2.6 vs 1.7 ms for 1080p RGB), so they, and
   wider entries, stay scalar; NEON does as AVX2, unmeasured (no ARM machine here). */
#define TONE_PLANE_BYTES 1
#define TONE_PLANE_CHANNELS 1

/* One byte table (E == 1, one channel): a vector of samples per step, scalar tail. */
static inline void lut8_planes(const uint8_t *src, uint8_t *dst, size_t n,
                               const imfilt_lut8_plan *p, const size_t E) {
    (void)E;
    const size_t L = IMFILT_VLANES(uint8_t);
    size_t i = 0;
    for (; i + L <= n; i += L)
        IMFILT_VSTORE(dst + i, imfilt_vlookup256_u8(p->planes, IMFILT_VLOAD(imfilt_vu8, src + i)));
    for (; i < n; i++) dst[i] = p->planes[src[i]];
}

#else
#define TONE_PLANE_BYTES 0
#define TONE_PLANE_CHANNELS 0
#endif

/* lut8_plane_channels of entries of E bytes */
#define TONE_PLANES_FOR(E) ((E) <= TONE_PLANE_BYTES ? TONE_PLANE_CHANNELS : 0)

/* ------------------------------------------------------------------ scalar gathers */
/* lut8_scalar_<E>, lut16_scalar_<E>, and lut8_<E>, the table's entry for byte images */
#include "tone/tone_lut_instances.h"

/* ------------------------------------------------------------------ float32 power */
/* The exponents NumPy's float32 power special-cases (x ** 0.5 == sqrt(x), x ** 1 == x,
   x ** 2 == x * x), reproduced bit for bit. Returns -1 when g is none of them. */
static int pow_numpy_cases(const float *src, float *dst, size_t n, float g, float gain) {
    int neg = 0;
    if (g == 0.5f) {
        for (size_t i = 0; i < n; i++) { float x = src[i]; neg |= x < 0.0f; dst[i] = sqrtf(x) * gain; }
    } else if (g == 1.0f) {
        for (size_t i = 0; i < n; i++) { float x = src[i]; neg |= x < 0.0f; dst[i] = x * gain; }
    } else if (g == 2.0f) {
        for (size_t i = 0; i < n; i++) { float x = src[i]; neg |= x < 0.0f; dst[i] = (x * x) * gain; }
    } else {
        return -1;
    }
    return neg;
}

#if !IMFILT_HAVE_VFMA
/* The portable version (levels without fused multiply-add).
   Algorithm: x ** g = 2 ** (g * log2 x), all in float32 lanes, no tables:
   1. x = 2^e * m with m in [sqrt(1/2), sqrt(2)] (subnormals scaled by 2^23 first), f = m - 1
      exact; log2(m) = f * P(f), P a degree-9 fit (relative error 4e-9 in exact arithmetic,
      3.9e-8 absolute when evaluated in float32).
   2. y = g * (e + L) is kept exact enough without FMA: g and L are split into 12-bit halves so
      every partial product is exact; the big ones are split at the nearest integer, giving
      y = n + r with n an integer and |r| <= 1/2 (error ~1e-7 + g * 4e-8).
   3. 2 ** r by a degree-6 fit (relative error 2e-9 in exact arithmetic), times 2^n applied as
      two exact powers of two so subnormal results round once.
   Special values as C's powf / NumPy: x = 0 -> 0 (-0 for odd integer g), inf -> inf, NaN ->
   NaN, g = 0 -> 1 for every x. Callers send g <= IMFILT_POW_FAST_MAX_GAMMA only.
   Measured max relative error (every 97th float32 bit pattern from 0 to 3.4e38, 22 M values,
   normal results; tests/test_tone.py sweeps every 4093rd): against float32 numpy.power
   5.7e-7 at g = 16, 3.4e-7 at g = 8, <= 2.1e-7 for g <= 3 (numpy.power's own error against
   float64 is 1.1e-7); subnormal results within 3.3 units of 2^-149. */
#define MADD(a, b, c) ((a) * (b) + (c))
#define RINTF(v) (((v) + 12582912.0f) - 12582912.0f) /* nearest integer for |v| < 2^22 */

static inline float bits_f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline uint32_t f_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

static int pow_f32(const float *src, float *dst, size_t n, const imfilt_pow_params *p) {
    const float g = p->g, gh = p->g_hi, gl = p->g_lo, gain = p->gain;
    const int odd = p->odd_int;
    int neg = pow_numpy_cases(src, dst, n, g, gain);
    if (neg >= 0) return neg;
    neg = 0;
    for (size_t i = 0; i < n; i++) {
        float x = src[i];
        neg |= x < 0.0f;
        uint32_t bx = f_bits(x);
        int sub = (bx & 0x7f800000u) == 0;
        float xs = sub ? x * 0x1p23f : x;
        uint32_t bs = f_bits(xs);
        int32_t e = (int32_t)((bs >> 23) & 0xffu) - (sub ? 150 : 127);
        uint32_t mb = (bs & 0x007fffffu) | 0x3f800000u;
        int big = mb > 0x3fb504f3u; /* m > sqrt(2): halve it */
        mb -= big ? 0x00800000u : 0u;
        e += big;
        float f = bits_f(mb) - 1.0f;
        float P = -0.11039866507053375f;
        P = MADD(P, f, 0.1864333152770996f);
        P = MADD(P, f, -0.1910027265548706f);
        P = MADD(P, f, 0.20455366373062134f);
        P = MADD(P, f, -0.2396191656589508f);
        P = MADD(P, f, 0.2885701358318329f);
        P = MADD(P, f, -0.3606966733932495f);
        P = MADD(P, f, 0.4808982014656067f);
        P = MADD(P, f, -0.7213473320007324f);
        P = MADD(P, f, 1.4426950216293335f);
        float L = f * P;
        float Lh = bits_f(f_bits(L) & 0xfffff000u), Ll = L - Lh;
        float ef = (float)e;
        float a = gh * ef, b = gh * Lh; /* exact */
        float na = RINTF(a), nb = RINTF(b);
        float r = ((a - na) + (b - nb)) + (gl * ef + ((gh * Ll + gl * Lh) + gl * Ll));
        float nc = RINTF(r);
        r -= nc;
        float nn = na + nb + nc;
        nn = nn < -252.0f ? -252.0f : nn > 254.0f ? 254.0f : nn;
        int32_t ni = (int32_t)nn, n1 = ni >> 1, n2 = ni - n1;
        float q = 1.5354179777204990e-4f;
        q = MADD(q, r, 1.3398859882727265e-3f);
        q = MADD(q, r, 9.6184341236948967e-3f);
        q = MADD(q, r, 5.5503323674201965e-2f);
        q = MADD(q, r, 0.24022647738456726f);
        q = MADD(q, r, 0.69314718246459961f);
        q = MADD(q, r, 1.0f);
        float res = (q * bits_f((uint32_t)(n1 + 127) << 23)) * bits_f((uint32_t)(n2 + 127) << 23);
        res = x == 0.0f ? (odd ? x : 0.0f) : res;
        res = x == INFINITY ? x : res;
        res = x != x ? x : res;
        res = g == 0.0f ? 1.0f : res;
        dst[i] = res * gain;
    }
    return neg;
}
#endif

#if IMFILT_HAVE_VFMA
/* The vector version (levels with fused multiply-add, src/simd/vec.h: AVX2, AVX-512, NEON),
   fewer operations for the same accuracy, with a 16-entry table:
   1. x = 2^e * m, m in [1, 2) (imfilt_vfrexp_f32, subnormals included). The top 4 mantissa
      bits j pick c_j = 1 + j/16 (imfilt_vlookup16_f32 on 1/c_j and log2(c_j), both rounded to
      float32, c_0 = 1 so that log2(1) is exactly 0); r = m / c_j - 1 = fma(m, 1/c_j, -1) lies
      in [0, 1/16) and log2(m) = log2(c_j) + r * Q(r), Q a degree-4 fit (7.1e-10 relative).
   2. y = g * e + g * L without losing the low bits: n = round(fma(g, e, g * L)), then
      r = (fma(g, e, -n) + g * L) + fma(g, L, -g * L), |r| <= 1/2 + tiny.
   3. 2^r by the degree-6 polynomial of the portable version; imfilt_vldexp_f32 applies 2^n
      with one rounding (overflow, subnormal and zero results included).
   Then 0, inf and NaN take their values (x, but +0 for -0 unless g is an odd integer).
   Every step is exact or rounded once the same way at every level, so the levels give the
   same bits. Measured max relative error against float32 numpy.power (same sweep as pow_f32):
   8.0e-7 at g = 16, 4.6e-7 at g = 8, 2.3e-7 at g = 2.2 and 3, 1.7e-7 at g = 1/2.2;
   subnormal results within 2.6 units of 2^-149. */
static const float POW_INVC[16] __attribute__((aligned(64))) = {
    1.0f, 0.9411764740943909f, 0.8888888955116272f, 0.8421052694320679f, 0.800000011920929f,
    0.761904776096344f, 0.7272727489471436f, 0.695652186870575f, 0.6666666865348816f,
    0.6399999856948853f, 0.6153846383094788f, 0.5925925970077515f, 0.5714285969734192f,
    0.5517241358757019f, 0.5333333611488342f, 0.5161290168762207f};
static const float POW_LOGC[16] __attribute__((aligned(64))) = {
    0.0f, 0.08746283501386642f, 0.16992498934268951f, 0.2479275017976761f, 0.32192808389663696f,
    0.39231738448143005f, 0.45943158864974976f, 0.523561954498291f, 0.5849624872207642f,
    0.6438562273979187f, 0.7004396915435791f, 0.7548874616622925f, 0.8073548674583435f,
    0.8579810261726379f, 0.9068905115127563f, 0.9541963338851929f};

static inline __attribute__((always_inline)) imfilt_vf32 pow_vec(imfilt_vf32 x, imfilt_vf32 g,
                                                                 int odd, imfilt_vf32 *low) {
    const imfilt_vf32 one = IMFILT_VSPLAT(imfilt_vf32, 1.0f);
#define C(v) IMFILT_VSPLAT(imfilt_vf32, v)
    *low = imfilt_vmin_f32(x, *low); /* x < low ? x : low: NaN never enters */
    imfilt_vf32 e;
    const imfilt_vf32 m = imfilt_vfrexp_f32(x, &e);
    const imfilt_vi32 j = (imfilt_vi32)m >> 19; /* the lookups read bits 0-3 */
    const imfilt_vf32 r = imfilt_vfma_f32(m, imfilt_vlookup16_f32(POW_INVC, j), -one);
    imfilt_vf32 Q = imfilt_vfma_f32(C(0.25461649894714355f), r, C(-0.3589205741882324f));
    Q = imfilt_vfma_f32(Q, r, C(0.48086169362068176f));
    Q = imfilt_vfma_f32(Q, r, C(-0.7213472723960876f));
    Q = imfilt_vfma_f32(Q, r, C(1.4426950216293335f));
    const imfilt_vf32 L = imfilt_vfma_f32(r, Q, imfilt_vlookup16_f32(POW_LOGC, j));
    const imfilt_vf32 B = g * L;
    const imfilt_vf32 nn = imfilt_vround_f32(imfilt_vfma_f32(g, e, B));
    imfilt_vf32 t = imfilt_vfma_f32(g, e, -nn) + B;
    t = t + imfilt_vfma_f32(g, L, -B);
    imfilt_vf32 q = imfilt_vfma_f32(C(1.5354179777204990e-4f), t, C(1.3398859882727265e-3f));
    q = imfilt_vfma_f32(q, t, C(9.6184341236948967e-3f));
    q = imfilt_vfma_f32(q, t, C(5.5503323674201965e-2f));
    q = imfilt_vfma_f32(q, t, C(0.24022647738456726f));
    q = imfilt_vfma_f32(q, t, C(0.69314718246459961f));
    q = imfilt_vfma_f32(q, t, one);
#undef C
    imfilt_vf32 res = imfilt_vldexp_f32(q, nn);
    res = IMFILT_VSELECT(x == 0.0f, odd ? x : (imfilt_vf32){0}, res);
    /* +inf and NaN give x: every x but those is below +inf */
    return IMFILT_VSELECT(x < __builtin_inff(), res, x);
}

static int pow_f32_vec(const float *src, float *dst, size_t n, const imfilt_pow_params *p) {
    if (p->g == 0.0f) { /* x ** 0 == 1 for every x */
        int neg = 0;
        for (size_t i = 0; i < n; i++) { neg |= src[i] < 0.0f; dst[i] = p->gain; }
        return neg;
    }
    int special = pow_numpy_cases(src, dst, n, p->g, p->gain);
    if (special >= 0) return special;
    const size_t L = IMFILT_VLANES(float);
    const imfilt_vf32 g = IMFILT_VSPLAT(imfilt_vf32, p->g);
    const float gain = p->gain;
    const int scale = gain != 1.0f, odd = p->odd_int;
    imfilt_vf32 low = {0}; /* the least x (0 when none is negative) */
    size_t i = 0;
    for (; i + L <= n; i += L) {
        imfilt_vf32 res = pow_vec(IMFILT_VLOAD(imfilt_vf32, src + i), g, odd, &low);
        if (scale) res = res * gain;
        IMFILT_VSTORE(dst + i, res);
    }
    if (i < n) {
        imfilt_vf32 res = pow_vec(IMFILT_VLOAD_TAIL(imfilt_vf32, src + i, n - i), g, odd, &low);
        if (scale) res = res * gain;
        imfilt_vstore_tail_f32(dst + i, res, n - i);
    }
    int any = 0;
    for (size_t k = 0; k < L; k++) any |= low[k] < 0.0f;
    return any;
}
#endif

/* accumulators as wide as the samples, so that the loops vectorise */
static int negative_f32(const float *x, size_t n) {
    int32_t neg = 0;
    for (size_t i = 0; i < n; i++) neg |= x[i] < 0.0f ? 1 : 0;
    return neg != 0;
}
static int negative_f64(const double *x, size_t n) {
    int64_t neg = 0;
    for (size_t i = 0; i < n; i++) neg |= x[i] < 0.0 ? 1 : 0;
    return neg != 0;
}

const imfilt_tone_table IMFILT_ISA_TABLE(imfilt_tone) = {
    .name = IMFILT_ISA_LEVEL_NAME,
    .lut8 = {lut8_1, lut8_2, lut8_4, lut8_8, lut8_16},
    .lut8_plane_channels = {TONE_PLANES_FOR(1), TONE_PLANES_FOR(2), TONE_PLANES_FOR(4),
                            TONE_PLANES_FOR(8), TONE_PLANES_FOR(16)},
    /* 65536-entry tables (uint16 images) stay scalar gathers at every level: on this machine
       vpgatherdd / vpgatherdq measured 1.3-1.6x slower than the unrolled scalar loop for 1-,
       2-, 4- and 8-byte entries (0.75 vs 0.46 ms for 1080p uint16 -> uint16), which already
       runs at ~0.7 cycles per sample. */
    .lut16 = {lut16_scalar_1, lut16_scalar_2, lut16_scalar_4, lut16_scalar_8, lut16_scalar_16},
#if IMFILT_HAVE_VFMA
    .pow_f32 = pow_f32_vec,
#else
    .pow_f32 = pow_f32,
#endif
    .negative_f32 = negative_f32,
    .negative_f64 = negative_f64,
};
