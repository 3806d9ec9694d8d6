/* Tone family hot loops (lookup tables, float32 power), compiled once per ISA level.
   - Byte-indexed tables: AVX-512 VBMI looks every byte of a 64-pixel vector up with two
     vpermi2b (128 table bytes each) and a blend on the index's top bit; an entry wider than a
     byte is looked up plane by plane (its bytes stored as separate 256-byte tables) and the
     planes are interleaved back with vpermt2b/w/d. Per-channel tables (up to 4) blend the
     channels' lookups by the lane's channel. AVX2 looks bytes up with 16 pshufb (one per
     16-byte slice of the table) and a vpblendvb tree on the index's high nibble. Everything
     else (uint16 images, per-channel or wide tables on AVX2, the baseline) is a scalar gather
     (tone_lut_tmpl.h).
   - float32 power: exp2(g * log2(x)) by polynomials; a branch-free portable loop the compiler
     vectorises (baseline, AVX2) and an AVX-512 version with vgetexp/vgetmant/vscalef/vfixupimm
     and a 16-entry vpermps table (see pow_f32 and pow_f32_avx512 for the error bounds). */
#include <math.h>
#include <string.h>
#include <stdint.h>
#include "tone.h"
#if defined(__AVX2__) || defined(__AVX512BW__)
#include <immintrin.h>
#endif

typedef struct { uint64_t lo, hi; } tone_e16;

/* ------------------------------------------------------------------ scalar gathers */
#include "tone/tone_lut_instances.h"

/* scalar entry points with the plan signature */
#define PLAN_SCALAR(E) \
    __attribute__((unused)) static void lut8_plain_##E(const uint8_t *s, void *d, size_t n, const imfilt_lut8_plan *p) { \
        lut8_scalar_##E(s, d, n, p->table, p->channels); }
PLAN_SCALAR(1)
PLAN_SCALAR(2)
PLAN_SCALAR(4)
PLAN_SCALAR(8)
PLAN_SCALAR(16)

/* ------------------------------------------------------------------ AVX-512 VBMI */
#if defined(__AVX512BW__) && defined(__AVX512VBMI__)

#define Q2(M, b) M(b), M(b + 1)
#define Q4(M, b) Q2(M, b), Q2(M, b + 2)
#define Q8(M, b) Q4(M, b), Q4(M, b + 4)
#define Q16(M, b) Q8(M, b), Q8(M, b + 8)
#define Q32(M, b) Q16(M, b), Q16(M, b + 16)
/* Interleaving indices for vpermt2b/w/d: unit j of the first source, then unit j of the second */
#define R8(j) (j), (64 + (j))
#define R16(j) (j), (32 + (j))
#define R32(j) (j), (16 + (j))
static const uint8_t IL8[2][64] __attribute__((aligned(64))) = {{Q32(R8, 0)}, {Q32(R8, 32)}};
static const uint16_t IL16[2][32] __attribute__((aligned(64))) = {{Q16(R16, 0)}, {Q16(R16, 16)}};
static const uint32_t IL32[2][16] __attribute__((aligned(64))) = {{Q8(R32, 0)}, {Q8(R32, 8)}};

/* table[idx] for 64 byte indices: two 128-entry permutes, the index's top bit picks one */
static inline __m512i lk512(__m512i idx, __mmask64 top, const uint8_t *pl) {
    __m512i lo = _mm512_permutex2var_epi8(_mm512_load_si512((const void *)pl), idx,
                                          _mm512_load_si512((const void *)(pl + 64)));
    __m512i hi = _mm512_permutex2var_epi8(_mm512_load_si512((const void *)(pl + 128)), idx,
                                          _mm512_load_si512((const void *)(pl + 192)));
    return _mm512_mask_blend_epi8(top, lo, hi);
}

static inline __mmask64 first_n(size_t len) { return len >= 64 ? ~0ULL : ((1ULL << len) - 1); }

/* One table of bytes: 128 pixels per iteration, masked tail. */
static void lut8_avx512_b1(const uint8_t *src, uint8_t *dst, size_t n, const uint8_t *pl) {
    const __m512i t0 = _mm512_load_si512((const void *)pl), t1 = _mm512_load_si512((const void *)(pl + 64));
    const __m512i t2 = _mm512_load_si512((const void *)(pl + 128)), t3 = _mm512_load_si512((const void *)(pl + 192));
    size_t i = 0;
    for (; i + 128 <= n; i += 128) {
        __m512i a = _mm512_loadu_si512((const void *)(src + i));
        __m512i b = _mm512_loadu_si512((const void *)(src + i + 64));
        __m512i alo = _mm512_permutex2var_epi8(t0, a, t1), ahi = _mm512_permutex2var_epi8(t2, a, t3);
        __m512i blo = _mm512_permutex2var_epi8(t0, b, t1), bhi = _mm512_permutex2var_epi8(t2, b, t3);
        _mm512_storeu_si512((void *)(dst + i), _mm512_mask_blend_epi8(_mm512_movepi8_mask(a), alo, ahi));
        _mm512_storeu_si512((void *)(dst + i + 64), _mm512_mask_blend_epi8(_mm512_movepi8_mask(b), blo, bhi));
    }
    for (; i < n; i += 64) {
        __mmask64 m = first_n(n - i);
        __m512i a = _mm512_maskz_loadu_epi8(m, src + i);
        __m512i r = _mm512_mask_blend_epi8(_mm512_movepi8_mask(a), _mm512_permutex2var_epi8(t0, a, t1),
                                           _mm512_permutex2var_epi8(t2, a, t3));
        _mm512_mask_storeu_epi8(dst + i, m, r);
    }
}

/* E-byte entries, C per-channel tables (E, C compile-time constants after inlining). */
static inline __attribute__((always_inline)) void
lut8_avx512_gen(const uint8_t *src, uint8_t *dst, size_t n, const imfilt_lut8_plan *p,
                const size_t E, const size_t C) {
    const __m512i il8lo = _mm512_load_si512((const void *)IL8[0]), il8hi = _mm512_load_si512((const void *)IL8[1]);
    const __m512i il16lo = _mm512_load_si512((const void *)IL16[0]), il16hi = _mm512_load_si512((const void *)IL16[1]);
    const __m512i il32lo = _mm512_load_si512((const void *)IL32[0]), il32hi = _mm512_load_si512((const void *)IL32[1]);
    const uint8_t *planes = p->planes;
    size_t phase = 0;
    const size_t step = 64 % C;
    for (size_t i = 0; i < n; i += 64) {
        size_t len = n - i < 64 ? n - i : 64;
        __m512i idx = _mm512_maskz_loadu_epi8(first_n(len), src + i);
        __mmask64 top = _mm512_movepi8_mask(idx);
        __m512i u[8], w[8], o[8];
        for (size_t b = 0; b < E; b++) {
            __m512i r = lk512(idx, top, planes + b * 256);
            for (size_t c = 1; c < C; c++)
                r = _mm512_mask_blend_epi8(p->chmask[phase][c], r, lk512(idx, top, planes + (c * E + b) * 256));
            u[b] = r;
        }
        if (E == 1) {
            o[0] = u[0];
        } else {
            /* bytes -> 16-bit units: plane pairs (2a, 2a+1) give 2 vectors of 32 units each */
            for (size_t a = 0; a < E / 2; a++) {
                w[2 * a] = _mm512_permutex2var_epi8(u[2 * a], il8lo, u[2 * a + 1]);
                w[2 * a + 1] = _mm512_permutex2var_epi8(u[2 * a], il8hi, u[2 * a + 1]);
            }
            if (E == 2) {
                o[0] = w[0]; o[1] = w[1];
            } else {
                /* 16-bit -> 32-bit units: unit planes (w[0..1], w[2..3]) and (w[4..5], w[6..7]) */
                for (size_t a = 0; a < E / 4; a++)
                    for (size_t q = 0; q < 2; q++) {
                        u[4 * a + 2 * q] = _mm512_permutex2var_epi16(w[4 * a + q], il16lo, w[4 * a + 2 + q]);
                        u[4 * a + 2 * q + 1] = _mm512_permutex2var_epi16(w[4 * a + q], il16hi, w[4 * a + 2 + q]);
                    }
                if (E == 4) {
                    for (size_t k = 0; k < 4; k++) o[k] = u[k];
                } else {
                    for (size_t q = 0; q < 4; q++) {
                        o[2 * q] = _mm512_permutex2var_epi32(u[q], il32lo, u[4 + q]);
                        o[2 * q + 1] = _mm512_permutex2var_epi32(u[q], il32hi, u[4 + q]);
                    }
                }
            }
        }
        size_t bytes = len * E;
        for (size_t k = 0; k < E; k++) {
            if (bytes <= 64 * k) break;
            if (bytes >= 64 * (k + 1))
                _mm512_storeu_si512((void *)(dst + i * E + 64 * k), o[k]);
            else
                _mm512_mask_storeu_epi8(dst + i * E + 64 * k, first_n(bytes - 64 * k), o[k]);
        }
        phase += step;
        if (phase >= C) phase -= C;
    }
}

#define GEN_E(E) \
    static void lut8_simd_##E(const uint8_t *s, void *d, size_t n, const imfilt_lut8_plan *p) { \
        if (!p->planes) { lut8_scalar_##E(s, d, n, p->table, p->channels); return; } \
        switch (p->channels) { \
        case 1: \
            if (E == 1) lut8_avx512_b1(s, (uint8_t *)d, n, p->planes); \
            else lut8_avx512_gen(s, (uint8_t *)d, n, p, E, 1); \
            break; \
        case 2: lut8_avx512_gen(s, (uint8_t *)d, n, p, E, 2); break; \
        case 3: lut8_avx512_gen(s, (uint8_t *)d, n, p, E, 3); break; \
        default: lut8_avx512_gen(s, (uint8_t *)d, n, p, E, 4); break; \
        } \
    }
GEN_E(1)
GEN_E(2)
GEN_E(4)
GEN_E(8)
#define LUT8_TABLE {lut8_simd_1, lut8_simd_2, lut8_simd_4, lut8_simd_8, lut8_plain_16}
#define LUT8_PLANES {4, 4, 4, 4, 0}


/* ------------------------------------------------------------------ AVX2 */
#elif defined(__AVX2__)

/* table[idx] for 32 byte indices: 16 pshufb look the low nibble up in every 16-byte slice of
   the table, then a tree of 15 vpblendvb picks the slice by the index's bits 4, 5, 6, 7 (each
   shifted up to bit 7, the only bit vpblendvb reads). */
static inline __m256i lk256(__m256i idx, const uint8_t *pl) {
    const __m256i lo = _mm256_and_si256(idx, _mm256_set1_epi8(0x0f));
    const __m256i m4 = _mm256_slli_epi16(idx, 3), m5 = _mm256_slli_epi16(idx, 2),
                  m6 = _mm256_slli_epi16(idx, 1);
#define SL(s) _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(_mm_load_si128((const __m128i *)(pl + 16 * (s)))), lo)
#define B4(s) _mm256_blendv_epi8(SL(s), SL((s) + 1), m4)
#define B5(s) _mm256_blendv_epi8(B4(s), B4((s) + 2), m5)
#define B6(s) _mm256_blendv_epi8(B5(s), B5((s) + 4), m6)
    return _mm256_blendv_epi8(B6(0), B6(8), idx);
#undef SL
#undef B4
#undef B5
#undef B6
}

/* One table: the pshufb tree, 32 pixels per step, scalar tail. Per-channel tables would need
   one tree per channel: measured slower than the scalar gather (2.6 vs 1.7 ms for 1080p RGB),
   so they, and wider entries, stay scalar. */
static void lut8_simd_1(const uint8_t *src, void *dv, size_t n, const imfilt_lut8_plan *p) {
    if (!p->planes || p->channels != 1) { lut8_scalar_1(src, dv, n, p->table, p->channels); return; }
    uint8_t *dst = (uint8_t *)dv;
    const uint8_t *t = (const uint8_t *)p->table;
    size_t i = 0;
    for (; i + 32 <= n; i += 32)
        _mm256_storeu_si256((__m256i *)(dst + i),
                            lk256(_mm256_loadu_si256((const __m256i *)(src + i)), p->planes));
    for (; i < n; i++) dst[i] = t[src[i]];
}
#define LUT8_TABLE {lut8_simd_1, lut8_plain_2, lut8_plain_4, lut8_plain_8, lut8_plain_16}
#define LUT8_PLANES {1, 0, 0, 0, 0}

#else
#define LUT8_TABLE {lut8_plain_1, lut8_plain_2, lut8_plain_4, lut8_plain_8, lut8_plain_16}
#define LUT8_PLANES {0, 0, 0, 0, 0}
#endif

/* ------------------------------------------------------------------ float32 power */
/* Algorithm: x ** g = 2 ** (g * log2 x), all in float32 lanes, no tables:
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
#if defined(__FMA__)
#define MADD(a, b, c) fmaf(a, b, c)
#else
#define MADD(a, b, c) ((a) * (b) + (c))
#endif
#define RINTF(v) (((v) + 12582912.0f) - 12582912.0f) /* nearest integer for |v| < 2^22 */

static inline float bits_f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline uint32_t f_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

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

__attribute__((unused)) static int pow_f32(const float *src, float *dst, size_t n, const imfilt_pow_params *p) {
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

#if defined(__AVX512F__) && defined(__AVX512DQ__)
/* AVX-512 version with the hardware's exponent tools and a 16-entry table, fewer operations
   for the same accuracy:
   1. vgetexpps / vgetmantps split x = 2^e * m, m in [1, 2) (subnormals included). The top 4
      mantissa bits j pick c_j = 1 + j/16 (vpermps on 1/c_j and log2(c_j), both rounded to
      float32, c_0 = 1 so that log2(1) is exactly 0); r = m / c_j - 1 = fma(m, 1/c_j, -1) lies
      in [0, 1/16) and log2(m) = log2(c_j) + r * Q(r), Q a degree-4 fit (7.1e-10 relative).
   2. y = g * e + g * L without losing the low bits: n = round(fma(g, e, g * L)), then
      r = (fma(g, e, -n) + g * L) + fma(g, L, -g * L), |r| <= 1/2 + tiny.
   3. 2^r by the degree-6 polynomial of the portable version; vscalefps applies 2^n with one
      rounding (overflow, subnormal and zero results included).
   vfpclassps finds 0, inf, NaN (result: x, -0 -> +0 unless g is an odd integer) and negative
   pixels. Measured max relative error against float32 numpy.power (same sweep as pow_f32):
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

static inline __attribute__((always_inline)) __m512
pow16(__m512 x, __m512 g, __m512 invc, __m512 logc, __m512i fix, __mmask16 *neg) {
    const __m512 one = _mm512_set1_ps(1.0f);
    *neg |= _mm512_fpclass_ps_mask(x, 0x50); /* negative finite, -inf */
    __m512 m = _mm512_getmant_ps(x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero);
    __m512 e = _mm512_getexp_ps(x);
    __m512i j = _mm512_srli_epi32(_mm512_castps_si512(m), 19); /* vpermps reads bits 0-3 */
    __m512 r = _mm512_fmsub_ps(m, _mm512_permutexvar_ps(j, invc), one);
    __m512 Q = _mm512_fmadd_ps(_mm512_set1_ps(0.25461649894714355f), r, _mm512_set1_ps(-0.3589205741882324f));
    Q = _mm512_fmadd_ps(Q, r, _mm512_set1_ps(0.48086169362068176f));
    Q = _mm512_fmadd_ps(Q, r, _mm512_set1_ps(-0.7213472723960876f));
    Q = _mm512_fmadd_ps(Q, r, _mm512_set1_ps(1.4426950216293335f));
    __m512 L = _mm512_fmadd_ps(r, Q, _mm512_permutexvar_ps(j, logc));
    __m512 B = _mm512_mul_ps(g, L);
    __m512 nn = _mm512_roundscale_ps(_mm512_fmadd_ps(g, e, B), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 t = _mm512_add_ps(_mm512_fmsub_ps(g, e, nn), B);
    t = _mm512_add_ps(t, _mm512_fmsub_ps(g, L, B));
    __m512 q = _mm512_fmadd_ps(_mm512_set1_ps(1.5354179777204990e-4f), t, _mm512_set1_ps(1.3398859882727265e-3f));
    q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(9.6184341236948967e-3f));
    q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(5.5503323674201965e-2f));
    q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(0.24022647738456726f));
    q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(0.69314718246459961f));
    q = _mm512_fmadd_ps(q, t, one);
    /* x = NaN -> NaN, 0 -> +0 (x itself when g is an odd integer), +inf -> +inf, else keep */
    return _mm512_fixupimm_ps(_mm512_scalef_ps(q, nn), x, fix, 0);
}

static int pow_f32_avx512(const float *src, float *dst, size_t n, const imfilt_pow_params *p) {
    if (p->g == 0.0f) { /* x ** 0 == 1 for every x */
        int neg = 0;
        for (size_t i = 0; i < n; i++) { neg |= src[i] < 0.0f; dst[i] = p->gain; }
        return neg;
    }
    int special = pow_numpy_cases(src, dst, n, p->g, p->gain);
    if (special >= 0) return special;
    const __m512 g = _mm512_set1_ps(p->g), gain = _mm512_set1_ps(p->gain);
    const int scale = p->gain != 1.0f;
    /* vfixupimmps responses per input class: QNaN, SNaN -> QNaN(x) (2); zero -> x (1) or +0
       (8); +1 -> keep (0); -inf -> keep; +inf -> +inf (5); negative, positive -> keep */
    const __m512i fix = _mm512_set1_epi32(0x00500022 | (p->odd_int ? 1 : 8) << 8);
    const __m512 invc = _mm512_load_ps(POW_INVC), logc = _mm512_load_ps(POW_LOGC);
    __mmask16 neg = 0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 res = pow16(_mm512_loadu_ps(src + i), g, invc, logc, fix, &neg);
        if (scale) res = _mm512_mul_ps(res, gain);
        _mm512_storeu_ps(dst + i, res);
    }
    if (i < n) {
        __mmask16 ld = (__mmask16)((1u << (n - i)) - 1);
        __m512 res = pow16(_mm512_maskz_loadu_ps(ld, src + i), g, invc, logc, fix, &neg);
        if (scale) res = _mm512_mul_ps(res, gain);
        _mm512_mask_storeu_ps(dst + i, ld, res);
    }
    return neg != 0;
}
#define POW_F32 pow_f32_avx512
#else
#define POW_F32 pow_f32
#endif
/* 65536-entry tables (uint16 images) stay scalar gathers at every level: on this machine
   vpgatherdd / vpgatherdq measured 1.3-1.6x slower than the unrolled scalar loop for 1-, 2-,
   4- and 8-byte entries (0.75 vs 0.46 ms for 1080p uint16 -> uint16), which already runs at
   ~0.7 cycles per sample. */
#define LUT16_TABLE {lut16_scalar_1, lut16_scalar_2, lut16_scalar_4, lut16_scalar_8, lut16_scalar_16}

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
    .lut8 = LUT8_TABLE,
    .lut8_plane_channels = LUT8_PLANES,
    .lut16 = LUT16_TABLE,
    .pow_f32 = POW_F32,
    .negative_f32 = negative_f32,
    .negative_f64 = negative_f64,
};
