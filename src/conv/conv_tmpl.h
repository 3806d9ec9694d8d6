/* Convolution hot loops for one work type W (vectors VW of the level, names suffixed WS):
   depthwise register tiles dw_@WS@, the dense/pointwise GEMM micro-kernel gemm_@WS@, the
   stride-2 phase split deint2_@WS@ and the filter2d correlation corr_@WS@ / corr2_@WS@.
   GCC/Clang vector extensions: the same source is SSE2, AVX2 or AVX-512 code depending only
   on the flags (-ffp-contract turns a += b * c into FMA where the level has it). Expanded by
   tools/expand_template.py into conv_instances.h, included by conv_isa.c.
   instances:
     WS=f32 W=float  VW=imfilt_vf32
     WS=f64 W=double VW=imfilt_vf64
*/

/* ---------------------------------------------------------------------------------------- */
/* Depthwise: a native NCHW kernel vectorised along the output width, with a register tile of
   nr output rows: every input vector loaded for tap (ky, kx) of row r is the same vector as
   tap (ky - sh/dh, kx) of row r + 1, so with the tile shape known at compile time the loads
   are shared (CSE) and each input row is read once per tile. Rows arrive zero-padded and split
   into stride phases, so stride 2 is contiguous loads too (no layout round trip). Each output
   is bias + taps in (ky, kx) order, whatever the tile shape. */
static inline __attribute__((always_inline)) void dw_body_@WS@(
        const W *const *rows, size_t nr, size_t sh, size_t dh, size_t kh, size_t kw,
        const size_t *restrict xoff, const W *restrict k, W bias, W *restrict out,
        size_t ostride, size_t n) {
    const size_t vl = IMFILT_VLANES(W);
    for (size_t x = 0; x < n; x += vl) {
        VW acc[IMFILT_DW_ROWS];
        for (size_t r = 0; r < nr; r++) acc[r] = IMFILT_VBROADCAST(VW, bias);
        for (size_t r = 0; r < nr; r++)
            for (size_t ky = 0; ky < kh; ky++) {
                const W *row = rows[r * sh + ky * dh] + x;
                for (size_t kx = 0; kx < kw; kx++)
                    acc[r] += IMFILT_VLOAD(VW, row + xoff[kx]) * IMFILT_VBROADCAST(VW, k[ky * kw + kx]);
            }
        for (size_t r = 0; r < nr; r++) {
            if (x + vl <= n) imfilt_vstore_@WS@(out + r * ostride + x, acc[r]);
            else imfilt_vstore_tail_@WS@(out + r * ostride + x, acc[r], n - x);
        }
    }
}

static void dw_@WS@(const W *const *rows, size_t nr, size_t sh, size_t dh, size_t kh, size_t kw,
                    const size_t *xoff, const W *k, W bias, W *out, size_t ostride, size_t n) {
    /* the common shapes with the whole tile unrolled; everything else through the same body */
    if (nr == IMFILT_DW_ROWS && dh == 1 && kh == 3 && kw == 3) {
        if (sh == 1) { dw_body_@WS@(rows, IMFILT_DW_ROWS, 1, 1, 3, 3, xoff, k, bias, out, ostride, n); return; }
        if (sh == 2) { dw_body_@WS@(rows, IMFILT_DW_ROWS, 2, 1, 3, 3, xoff, k, bias, out, ostride, n); return; }
    }
    if (nr == IMFILT_DW_ROWS && dh == 1 && kh == 5 && kw == 5) {
        if (sh == 1) { dw_body_@WS@(rows, IMFILT_DW_ROWS, 1, 1, 5, 5, xoff, k, bias, out, ostride, n); return; }
        if (sh == 2) { dw_body_@WS@(rows, IMFILT_DW_ROWS, 2, 1, 5, 5, xoff, k, bias, out, ostride, n); return; }
    }
    dw_body_@WS@(rows, nr, sh, dh, kh, kw, xoff, k, bias, out, ostride, n);
}

/* The stride-2 phase split of a padded row: a plain loop the compiler turns into vector
   permutes (two loads, two permutes, two stores per vector). */
static void deint2_@WS@(const W *restrict src, W *restrict d0, W *restrict d1, size_t n) {
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
static inline __attribute__((always_inline)) void gemm_tile_@WS@(
        const W *const *restrict ptr, size_t K, const W *restrict wp, const W *restrict bias,
        size_t ocn, W *restrict out, size_t ostride, size_t x, size_t nx, size_t nv) {
    const size_t vl = IMFILT_VLANES(W);
    VW acc[GEMM_OCB][GEMM_NV];
    for (size_t o = 0; o < GEMM_OCB; o++) {
        VW b = IMFILT_VBROADCAST(VW, bias[o]);
        for (size_t v = 0; v < nv; v++) acc[o][v] = b;
    }
    for (size_t k = 0; k < K; k++) {
        const W *p = ptr[k] + x;
        VW in[GEMM_NV];
        for (size_t v = 0; v < nv; v++) in[v] = IMFILT_VLOAD(VW, p + v * vl);
        const W *a = wp + k * GEMM_OCB;
        for (size_t o = 0; o < GEMM_OCB; o++) {
            VW av = IMFILT_VBROADCAST(VW, a[o]);
            for (size_t v = 0; v < nv; v++) acc[o][v] += in[v] * av;
        }
    }
    for (size_t o = 0; o < GEMM_OCB; o++) {
        if (o >= ocn) break;
        W *d = out + o * ostride + x;
        for (size_t v = 0; v < nv; v++) {
            if ((v + 1) * vl <= nx) imfilt_vstore_@WS@(d + v * vl, acc[o][v]);
            else if (v * vl < nx) imfilt_vstore_tail_@WS@(d + v * vl, acc[o][v], nx - v * vl);
        }
    }
}

static void gemm_@WS@(const W *const *ptr, size_t K, const W *wp, const W *bias, size_t cout,
                      W *out, size_t ostride, size_t n) {
    const size_t nb = GEMM_NV * IMFILT_VLANES(W);
    for (size_t x = 0; x < n; x += nb) {
        const size_t nx = n - x < nb ? n - x : nb;
        /* a last chunk of at most one vector takes a one-vector tile (same sums per output) */
        if (nx <= IMFILT_VLANES(W))
            for (size_t o = 0; o < cout; o += GEMM_OCB)
                gemm_tile_@WS@(ptr, K, wp + o * K, bias + o, cout - o, out + o * ostride,
                               ostride, x, nx, 1);
        else
            for (size_t o = 0; o < cout; o += GEMM_OCB)
                gemm_tile_@WS@(ptr, K, wp + o * K, bias + o, cout - o, out + o * ostride,
                               ostride, x, nx, GEMM_NV);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* filter2d: direct 2-D correlation over bordered rows (interleaved channels: tap i is i*C
   samples to the right), four vectors of outputs per step so the FMA chains overlap; the last
   partial vector reads past the row end into the row's slack and stores what is valid, so every
   sample takes the same arithmetic. Zero taps are skipped, as OpenCV's filter2D does: a NaN or
   inf under a zero weight does not reach the output (finite sums are unchanged). `taps` is a
   constant after inlining. */
static inline __attribute__((always_inline)) void corr_from_body_@WS@(
        const W *const *restrict rows, size_t kh, size_t kw, size_t C, const W *restrict k,
        W init, W *restrict dst, size_t x, size_t n, conv_taps taps) {
    const size_t vl = IMFILT_VLANES(W);
    const int skip = taps == CONV_SKIP_ZERO_TAPS;
    for (; x + 4 * vl <= n; x += 4 * vl) {
        VW a0 = IMFILT_VBROADCAST(VW, init), a1 = a0, a2 = a0, a3 = a0;
        for (size_t j = 0; j < kh; j++) {
            const W *row = rows[j] + x;
            const W *kj = k + j * kw;
            for (size_t i = 0; i < kw; i++) {
                if (skip && kj[i] == 0) continue;
                VW kv = IMFILT_VBROADCAST(VW, kj[i]);
                const W *p = row + i * C;
                a0 += IMFILT_VLOAD(VW, p) * kv;
                a1 += IMFILT_VLOAD(VW, p + vl) * kv;
                a2 += IMFILT_VLOAD(VW, p + 2 * vl) * kv;
                a3 += IMFILT_VLOAD(VW, p + 3 * vl) * kv;
            }
        }
        imfilt_vstore_@WS@(dst + x, a0); imfilt_vstore_@WS@(dst + x + vl, a1);
        imfilt_vstore_@WS@(dst + x + 2 * vl, a2); imfilt_vstore_@WS@(dst + x + 3 * vl, a3);
    }
    for (; x < n; x += vl) {
        VW a = IMFILT_VBROADCAST(VW, init);
        for (size_t j = 0; j < kh; j++) {
            const W *row = rows[j] + x;
            for (size_t i = 0; i < kw; i++)
                if (!skip || k[j * kw + i] != 0)
                    a += IMFILT_VLOAD(VW, row + i * C) * IMFILT_VBROADCAST(VW, k[j * kw + i]);
        }
        if (x + vl <= n) imfilt_vstore_@WS@(dst + x, a);
        else imfilt_vstore_tail_@WS@(dst + x, a, n - x);
    }
}

/* the kernel has a zero tap (then the correlation leaves the zero taps out) */
static int has_zero_@WS@(const W *k, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (k[i] == 0) return 1;
    return 0;
}

static void corr_from_@WS@(const W *const *restrict rows, size_t kh, size_t kw, size_t C,
                           const W *restrict k, W init, W *restrict dst, size_t x, size_t n) {
    if (has_zero_@WS@(k, kh * kw))
        corr_from_body_@WS@(rows, kh, kw, C, k, init, dst, x, n, CONV_SKIP_ZERO_TAPS);
    else
        corr_from_body_@WS@(rows, kh, kw, C, k, init, dst, x, n, CONV_ALL_TAPS);
}

static void corr_@WS@(const W *const *rows, size_t kh, size_t kw, size_t C, const W *k, W init,
                      W *dst, size_t n) {
    corr_from_@WS@(rows, kh, kw, C, k, init, dst, 0, n);
}

/* filter2d, two output rows per call: a register tile of 2 rows x 4 vectors, each input
   vector loaded once for both rows (row j serves output 0 with kernel row j and output 1 with
   kernel row j - 1). rows[0 .. kh]; the same sums, in the same order, as corr. */
static inline __attribute__((always_inline)) void corr2_body_@WS@(
        const W *const *restrict rows, size_t kh, size_t kw, size_t C, const W *restrict k,
        W init, W *restrict dst0, W *restrict dst1, size_t n, conv_taps taps) {
    const size_t vl = IMFILT_VLANES(W);
    const int skip = taps == CONV_SKIP_ZERO_TAPS;
    size_t x = 0;
    for (; x + 4 * vl <= n; x += 4 * vl) {
        VW a0 = IMFILT_VBROADCAST(VW, init), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0,
           b3 = a0;
        for (size_t j = 0; j <= kh; j++) {
            const W *row = rows[j] + x;
            if (j == 0) {
                for (size_t i = 0; i < kw; i++) {
                    if (skip && k[i] == 0) continue;
                    const W *p = row + i * C;
                    VW ka = IMFILT_VBROADCAST(VW, k[i]);
                    a0 += IMFILT_VLOAD(VW, p) * ka; a1 += IMFILT_VLOAD(VW, p + vl) * ka;
                    a2 += IMFILT_VLOAD(VW, p + 2 * vl) * ka; a3 += IMFILT_VLOAD(VW, p + 3 * vl) * ka;
                }
            } else if (j == kh) {
                const W *kb = k + (j - 1) * kw;
                for (size_t i = 0; i < kw; i++) {
                    if (skip && kb[i] == 0) continue;
                    const W *p = row + i * C;
                    VW kv = IMFILT_VBROADCAST(VW, kb[i]);
                    b0 += IMFILT_VLOAD(VW, p) * kv; b1 += IMFILT_VLOAD(VW, p + vl) * kv;
                    b2 += IMFILT_VLOAD(VW, p + 2 * vl) * kv; b3 += IMFILT_VLOAD(VW, p + 3 * vl) * kv;
                }
            } else {
                const W *ka_ = k + j * kw, *kb = k + (j - 1) * kw;
                for (size_t i = 0; i < kw; i++) {
                    if (skip && ka_[i] == 0 && kb[i] == 0) continue;
                    const W *p = row + i * C;
                    VW v0 = IMFILT_VLOAD(VW, p), v1 = IMFILT_VLOAD(VW, p + vl),
                       v2 = IMFILT_VLOAD(VW, p + 2 * vl), v3 = IMFILT_VLOAD(VW, p + 3 * vl);
                    IMFILT_IN_REG(v0); IMFILT_IN_REG(v1); IMFILT_IN_REG(v2); IMFILT_IN_REG(v3);
                    VW ka = IMFILT_VBROADCAST(VW, ka_[i]), kv = IMFILT_VBROADCAST(VW, kb[i]);
                    if (!skip || ka_[i] != 0) { a0 += v0 * ka; a1 += v1 * ka; a2 += v2 * ka; a3 += v3 * ka; }
                    if (!skip || kb[i] != 0) { b0 += v0 * kv; b1 += v1 * kv; b2 += v2 * kv; b3 += v3 * kv; }
                }
            }
        }
        imfilt_vstore_@WS@(dst0 + x, a0); imfilt_vstore_@WS@(dst0 + x + vl, a1);
        imfilt_vstore_@WS@(dst0 + x + 2 * vl, a2); imfilt_vstore_@WS@(dst0 + x + 3 * vl, a3);
        imfilt_vstore_@WS@(dst1 + x, b0); imfilt_vstore_@WS@(dst1 + x + vl, b1);
        imfilt_vstore_@WS@(dst1 + x + 2 * vl, b2); imfilt_vstore_@WS@(dst1 + x + 3 * vl, b3);
    }
    if (x < n) {
        corr_from_@WS@(rows, kh, kw, C, k, init, dst0, x, n);  /* same arithmetic per sample */
        corr_from_@WS@(rows + 1, kh, kw, C, k, init, dst1, x, n);
    }
}

static void corr2_@WS@(const W *const *restrict rows, size_t kh, size_t kw, size_t C,
                       const W *restrict k, W init, W *restrict dst0, W *restrict dst1, size_t n) {
    if (has_zero_@WS@(k, kh * kw))
        corr2_body_@WS@(rows, kh, kw, C, k, init, dst0, dst1, n, CONV_SKIP_ZERO_TAPS);
    else
        corr2_body_@WS@(rows, kh, kw, C, k, init, dst0, dst1, n, CONV_ALL_TAPS);
}
