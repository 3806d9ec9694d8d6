/* Convolution loops for one work type W (float or double); included by conv_isa.c with W and
   WS (its suffix) defined. GCC/Clang vector extensions: the same source is SSE2, AVX2 or
   AVX-512 code depending only on the flags (-ffp-contract turns a += b * c into FMA where the
   level has it). Not a public header. */

#define FN(name) IMFILT_CAT(IMFILT_CAT(name, _), WS)
#define VT IMFILT_CAT(cvec_, WS)

typedef W VT __attribute__((vector_size(IMFILT_VEC_BYTES)));
#define VL (IMFILT_VEC_BYTES / sizeof(W))

static inline VT FN(vld)(const W *p) { VT v; memcpy(&v, p, sizeof v); return v; }
static inline void FN(vst)(W *p, VT v) { memcpy(p, &v, sizeof v); }
/* s - 0 == s for every s (unlike s + 0 for -0.0), so this folds to one broadcast */
static inline VT FN(vsplat)(W s) { VT z = {0}; return s - z; }
/* the first n (< VL) lanes of v: one masked store with AVX-512 (a variable-size memcpy is a
   library call per row tail, which small planes pay on every output row) */
static inline void FN(vst_part)(W *p, VT v, size_t n) {
#if defined(__AVX512F__) && IMFILT_VEC_BYTES == 64
    if (sizeof(W) == sizeof(float))
        _mm512_mask_storeu_ps((void *)p, (__mmask16)((1u << n) - 1), (__m512)v);
    else
        _mm512_mask_storeu_pd((void *)p, (__mmask8)((1u << n) - 1), (__m512d)v);
#elif defined(__AVX2__) && IMFILT_VEC_BYTES == 32
    /* the first n * sizeof(W) / 4 int32 lanes of the mask set */
    static const int32_t ones_then_zeros[16] = {-1, -1, -1, -1, -1, -1, -1, -1};
    const __m256i m = _mm256_loadu_si256(
        (const __m256i *)(ones_then_zeros + 8 - n * sizeof(W) / sizeof(int32_t)));
    if (sizeof(W) == sizeof(float)) _mm256_maskstore_ps((void *)p, m, (__m256)v);
    else _mm256_maskstore_pd((void *)p, m, (__m256d)v);
#else
    for (size_t i = 0; i < n; i++) p[i] = v[i];
#endif
}

/* Keep a loaded vector in a register: without it GCC folds the load into each FMA that uses
   it, which loads it once per use instead of once. */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#if defined(__AVX512F__)
#define IMFILT_IN_REG(v) __asm__("" : "+v"(v))
#else
#define IMFILT_IN_REG(v) __asm__("" : "+x"(v))
#endif
#else
#define IMFILT_IN_REG(v) ((void)0)
#endif

/* ---------------------------------------------------------------------------------------- */
/* Depthwise: a native NCHW kernel vectorised along the output width, with a register tile of
   nr output rows: every input vector loaded for tap (ky, kx) of row r is the same vector as
   tap (ky - sh/dh, kx) of row r + 1, so with the tile shape known at compile time the loads
   are shared (CSE) and each input row is read once per tile. Rows arrive zero-padded and split
   into stride phases, so stride 2 is contiguous loads too (no layout round trip). Each output
   is bias + taps in (ky, kx) order, whatever the tile shape. */
static inline __attribute__((always_inline)) void FN(dw_body)(
        const W *const *rows, size_t nr, size_t sh, size_t dh, size_t kh, size_t kw,
        const size_t *restrict xoff, const W *restrict k, W bias, W *restrict out,
        size_t ostride, size_t n) {
    for (size_t x = 0; x < n; x += VL) {
        VT acc[IMFILT_DW_ROWS];
        for (size_t r = 0; r < nr; r++) acc[r] = FN(vsplat)(bias);
        for (size_t r = 0; r < nr; r++)
            for (size_t ky = 0; ky < kh; ky++) {
                const W *row = rows[r * sh + ky * dh] + x;
                for (size_t kx = 0; kx < kw; kx++)
                    acc[r] += FN(vld)(row + xoff[kx]) * FN(vsplat)(k[ky * kw + kx]);
            }
        for (size_t r = 0; r < nr; r++) {
            if (x + VL <= n) FN(vst)(out + r * ostride + x, acc[r]);
            else FN(vst_part)(out + r * ostride + x, acc[r], n - x);
        }
    }
}

static void FN(dw)(const W *const *rows, size_t nr, size_t sh, size_t dh, size_t kh, size_t kw,
                   const size_t *xoff, const W *k, W bias, W *out, size_t ostride, size_t n) {
    /* the common shapes with the whole tile unrolled; everything else through the same body */
    if (nr == IMFILT_DW_ROWS && dh == 1 && kh == 3 && kw == 3) {
        if (sh == 1) { FN(dw_body)(rows, IMFILT_DW_ROWS, 1, 1, 3, 3, xoff, k, bias, out, ostride, n); return; }
        if (sh == 2) { FN(dw_body)(rows, IMFILT_DW_ROWS, 2, 1, 3, 3, xoff, k, bias, out, ostride, n); return; }
    }
    if (nr == IMFILT_DW_ROWS && dh == 1 && kh == 5 && kw == 5) {
        if (sh == 1) { FN(dw_body)(rows, IMFILT_DW_ROWS, 1, 1, 5, 5, xoff, k, bias, out, ostride, n); return; }
        if (sh == 2) { FN(dw_body)(rows, IMFILT_DW_ROWS, 2, 1, 5, 5, xoff, k, bias, out, ostride, n); return; }
    }
    FN(dw_body)(rows, nr, sh, dh, kh, kw, xoff, k, bias, out, ostride, n);
}

/* The stride-2 phase split of a padded row: a plain loop the compiler turns into vector
   permutes (two loads, two permutes, two stores per vector). */
static void FN(deint2)(const W *restrict src, W *restrict d0, W *restrict d1, size_t n) {
    for (size_t q = 0; q < n; q++) {
        d0[q] = src[2 * q];
        d1[q] = src[2 * q + 1];
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Dense and pointwise: a register-blocked direct kernel, i.e. an implicit GEMM whose B panel is
   never packed: ptr[k] points into zero-padded, phase-split input rows (or straight into the
   input planes for 1x1), A is the weight panel packed as [K][GEMM_OCB]. A tile of GEMM_OCB
   output channels x GEMM_NV vectors of output pixels stays in registers for the whole K loop:
   per k, GEMM_NV loads and GEMM_OCB broadcasts feed GEMM_OCB * GEMM_NV FMAs. */
#define NB (GEMM_NV * VL)

static inline __attribute__((always_inline)) void FN(gemm_tile)(
        const W *const *restrict ptr, size_t K, const W *restrict wp, const W *restrict bias,
        size_t ocn, W *restrict out, size_t ostride, size_t x, size_t nx) {
    VT acc[GEMM_OCB][GEMM_NV];
    for (size_t o = 0; o < GEMM_OCB; o++) {
        VT b = FN(vsplat)(bias[o]);
        for (size_t v = 0; v < GEMM_NV; v++) acc[o][v] = b;
    }
    for (size_t k = 0; k < K; k++) {
        const W *p = ptr[k] + x;
        VT in[GEMM_NV];
        for (size_t v = 0; v < GEMM_NV; v++) in[v] = FN(vld)(p + v * VL);
        const W *a = wp + k * GEMM_OCB;
        for (size_t o = 0; o < GEMM_OCB; o++) {
            VT av = FN(vsplat)(a[o]);
            for (size_t v = 0; v < GEMM_NV; v++) acc[o][v] += in[v] * av;
        }
    }
    for (size_t o = 0; o < GEMM_OCB; o++) {
        if (o >= ocn) break;
        W *d = out + o * ostride + x;
        for (size_t v = 0; v < GEMM_NV; v++) {
            if ((v + 1) * VL <= nx) FN(vst)(d + v * VL, acc[o][v]);
            else if (v * VL < nx) FN(vst_part)(d + v * VL, acc[o][v], nx - v * VL);
        }
    }
}

static void FN(gemm)(const W *const *ptr, size_t K, const W *wp, const W *bias, size_t cout,
                     W *out, size_t ostride, size_t n) {
    for (size_t x = 0; x < n; x += NB) {
        const size_t nx = n - x < NB ? n - x : NB;
        for (size_t o = 0; o < cout; o += GEMM_OCB)
            FN(gemm_tile)(ptr, K, wp + o * K, bias + o, cout - o, out + o * ostride, ostride, x, nx);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* filter2d: direct 2-D correlation over bordered rows (interleaved channels: tap i is i*C
   samples to the right), four vectors of outputs per step so the FMA chains overlap; the last
   partial vector reads past the row end into the row's slack and stores what is valid, so every
   sample takes the same arithmetic. Zero taps are skipped, as OpenCV's filter2D does: a NaN or
   inf under a zero weight does not reach the output (finite sums are unchanged). */
/* skip (a constant after inlining): the kernel has zero taps to leave out */
static inline __attribute__((always_inline)) void FN(corr_from_body)(
        const W *const *restrict rows, size_t kh, size_t kw, size_t C, const W *restrict k,
        W init, W *restrict dst, size_t x, size_t n, int skip) {
    for (; x + 4 * VL <= n; x += 4 * VL) {
        VT a0 = FN(vsplat)(init), a1 = a0, a2 = a0, a3 = a0;
        for (size_t j = 0; j < kh; j++) {
            const W *row = rows[j] + x;
            const W *kj = k + j * kw;
            for (size_t i = 0; i < kw; i++) {
                if (skip && kj[i] == 0) continue;
                VT kv = FN(vsplat)(kj[i]);
                const W *p = row + i * C;
                a0 += FN(vld)(p) * kv;
                a1 += FN(vld)(p + VL) * kv;
                a2 += FN(vld)(p + 2 * VL) * kv;
                a3 += FN(vld)(p + 3 * VL) * kv;
            }
        }
        FN(vst)(dst + x, a0); FN(vst)(dst + x + VL, a1);
        FN(vst)(dst + x + 2 * VL, a2); FN(vst)(dst + x + 3 * VL, a3);
    }
    for (; x < n; x += VL) {
        VT a = FN(vsplat)(init);
        for (size_t j = 0; j < kh; j++) {
            const W *row = rows[j] + x;
            for (size_t i = 0; i < kw; i++)
                if (!skip || k[j * kw + i] != 0) a += FN(vld)(row + i * C) * FN(vsplat)(k[j * kw + i]);
        }
        if (x + VL <= n) FN(vst)(dst + x, a);
        else FN(vst_part)(dst + x, a, n - x);
    }
}

static int FN(has_zero)(const W *k, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (k[i] == 0) return 1;
    return 0;
}

static void FN(corr_from)(const W *const *restrict rows, size_t kh, size_t kw, size_t C,
                          const W *restrict k, W init, W *restrict dst, size_t x, size_t n) {
    if (FN(has_zero)(k, kh * kw)) FN(corr_from_body)(rows, kh, kw, C, k, init, dst, x, n, 1);
    else FN(corr_from_body)(rows, kh, kw, C, k, init, dst, x, n, 0);
}

static void FN(corr)(const W *const *rows, size_t kh, size_t kw, size_t C, const W *k, W init,
                     W *dst, size_t n) {
    FN(corr_from)(rows, kh, kw, C, k, init, dst, 0, n);
}

/* filter2d, two output rows per call: a register tile of 2 rows x 4 vectors, each input
   vector loaded once for both rows (row j serves output 0 with kernel row j and output 1 with
   kernel row j - 1). rows[0 .. kh]; the same sums, in the same order, as corr. */
static inline __attribute__((always_inline)) void FN(corr2_body)(
        const W *const *restrict rows, size_t kh, size_t kw, size_t C, const W *restrict k,
        W init, W *restrict dst0, W *restrict dst1, size_t n, int skip) {
    size_t x = 0;
    for (; x + 4 * VL <= n; x += 4 * VL) {
        VT a0 = FN(vsplat)(init), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        for (size_t j = 0; j <= kh; j++) {
            const W *row = rows[j] + x;
            if (j == 0) {
                for (size_t i = 0; i < kw; i++) {
                    if (skip && k[i] == 0) continue;
                    const W *p = row + i * C;
                    VT ka = FN(vsplat)(k[i]);
                    a0 += FN(vld)(p) * ka; a1 += FN(vld)(p + VL) * ka;
                    a2 += FN(vld)(p + 2 * VL) * ka; a3 += FN(vld)(p + 3 * VL) * ka;
                }
            } else if (j == kh) {
                const W *kb = k + (j - 1) * kw;
                for (size_t i = 0; i < kw; i++) {
                    if (skip && kb[i] == 0) continue;
                    const W *p = row + i * C;
                    VT kv = FN(vsplat)(kb[i]);
                    b0 += FN(vld)(p) * kv; b1 += FN(vld)(p + VL) * kv;
                    b2 += FN(vld)(p + 2 * VL) * kv; b3 += FN(vld)(p + 3 * VL) * kv;
                }
            } else {
                const W *ka_ = k + j * kw, *kb = k + (j - 1) * kw;
                for (size_t i = 0; i < kw; i++) {
                    if (skip && ka_[i] == 0 && kb[i] == 0) continue;
                    const W *p = row + i * C;
                    VT v0 = FN(vld)(p), v1 = FN(vld)(p + VL), v2 = FN(vld)(p + 2 * VL),
                       v3 = FN(vld)(p + 3 * VL);
                    IMFILT_IN_REG(v0); IMFILT_IN_REG(v1); IMFILT_IN_REG(v2); IMFILT_IN_REG(v3);
                    VT ka = FN(vsplat)(ka_[i]), kv = FN(vsplat)(kb[i]);
                    if (!skip || ka_[i] != 0) { a0 += v0 * ka; a1 += v1 * ka; a2 += v2 * ka; a3 += v3 * ka; }
                    if (!skip || kb[i] != 0) { b0 += v0 * kv; b1 += v1 * kv; b2 += v2 * kv; b3 += v3 * kv; }
                }
            }
        }
        FN(vst)(dst0 + x, a0); FN(vst)(dst0 + x + VL, a1);
        FN(vst)(dst0 + x + 2 * VL, a2); FN(vst)(dst0 + x + 3 * VL, a3);
        FN(vst)(dst1 + x, b0); FN(vst)(dst1 + x + VL, b1);
        FN(vst)(dst1 + x + 2 * VL, b2); FN(vst)(dst1 + x + 3 * VL, b3);
    }
    if (x < n) {
        FN(corr_from)(rows, kh, kw, C, k, init, dst0, x, n);  /* same arithmetic per sample */
        FN(corr_from)(rows + 1, kh, kw, C, k, init, dst1, x, n);
    }
}

static void FN(corr2)(const W *const *restrict rows, size_t kh, size_t kw, size_t C,
                      const W *restrict k, W init, W *restrict dst0, W *restrict dst1, size_t n) {
    if (FN(has_zero)(k, kh * kw)) FN(corr2_body)(rows, kh, kw, C, k, init, dst0, dst1, n, 1);
    else FN(corr2_body)(rows, kh, kw, C, k, init, dst0, dst1, n, 0);
}

#undef NB
#undef VL
#undef VT
#undef FN
