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
   never packed: ptr[k] points into zero-padded input rows (or straight into the input planes
   for 1x1), A is the weight panel packed as [K][GEMM_OCB]. A tile of GEMM_OCB output channels
   x GEMM_NV vectors of output pixels stays in registers for the whole K loop: per k, GEMM_NV
   loads and GEMM_OCB broadcasts feed GEMM_OCB * GEMM_NV FMAs. The pixels are flat positions
   over rows of wrow (a band of padded rows read as one long row, so tiles run across row ends
   and no lanes are wasted on the end of a row): the store drops the columns past ow. */

/* One vector of len outputs at flat row r, column c, to d[r * ow + c ...] up to column ow. */
static inline __attribute__((always_inline)) void gemm_store_@WS@(
        W *d, VW v, size_t r, size_t c, size_t len, size_t wrow, size_t ow) {
    if (c + len <= ow) {
        if (len == IMFILT_VLANES(W)) imfilt_vstore_@WS@(d + r * ow + c, v);
        else imfilt_vstore_tail_@WS@(d + r * ow + c, v, len);
        return;
    }
    for (size_t i = 0; i < len; r++, c = 0) {
        const size_t seg = wrow - c < len - i ? wrow - c : len - i;
        if (c < ow) imfilt_vstore_lanes_@WS@(d + r * ow + c, v, i, ow - c < seg ? ow - c : seg);
        i += seg;
    }
}

static inline __attribute__((always_inline)) void gemm_tile_@WS@(
        const W *const *restrict ptr, size_t K, const W *restrict wp, const W *restrict bias,
        size_t ocn, W *restrict out, size_t ostride, size_t x, size_t nx, size_t nv, size_t r,
        size_t c, size_t wrow, size_t ow) {
    const size_t vl = IMFILT_VLANES(W);
    VW acc[GEMM_OCB][GEMM_NV];
    for (size_t o = 0; o < GEMM_OCB; o++) {
        VW b = IMFILT_VBROADCAST(VW, bias[o]);
        for (size_t v = 0; v < nv; v++) acc[o][v] = b;
    }
#pragma GCC unroll 2
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
    if (c + nx <= ow) {  /* the tile within one output row (always, for one-row calls) */
        W *d = out + r * ow + c;
        for (size_t o = 0; o < GEMM_OCB; o++) {
            if (o >= ocn) break;
            for (size_t v = 0; v < nv; v++) {
                if ((v + 1) * vl <= nx) imfilt_vstore_@WS@(d + o * ostride + v * vl, acc[o][v]);
                else if (v * vl < nx)
                    imfilt_vstore_tail_@WS@(d + o * ostride + v * vl, acc[o][v], nx - v * vl);
            }
        }
        return;
    }
    size_t rv[GEMM_NV], cv[GEMM_NV];
    for (size_t v = 0; v < nv; v++) {
        rv[v] = r;
        cv[v] = c;
        c += vl;
        if (c >= wrow) { r += c / wrow; c %= wrow; }
    }
    /* unrolled, so that acc stays in registers (no spill on the one-row path either) */
#pragma GCC unroll 16
    for (size_t o = 0; o < GEMM_OCB; o++) {
        if (o >= ocn) break;
#pragma GCC unroll 4
        for (size_t v = 0; v < nv; v++)
            if (v * vl < nx)
                gemm_store_@WS@(out + o * ostride, acc[o][v], rv[v], cv[v],
                                nx - v * vl < vl ? nx - v * vl : vl, wrow, ow);
    }
}

static void gemm_@WS@(const W *const *ptr, size_t K, const W *wp, const W *bias, size_t cout,
                      W *out, size_t ostride, size_t n, size_t wrow, size_t ow) {
    const size_t nb = GEMM_NV * IMFILT_VLANES(W);
    size_t r = 0, c = 0;  /* the flat row and column of x */
    for (size_t x = 0; x < n; x += nb) {
        const size_t nx = n - x < nb ? n - x : nb;
        /* a last chunk of at most one vector takes a one-vector tile (same sums per output) */
        if (nx <= IMFILT_VLANES(W))
            for (size_t o = 0; o < cout; o += GEMM_OCB)
                gemm_tile_@WS@(ptr, K, wp + o * K, bias + o, cout - o, out + o * ostride,
                               ostride, x, nx, 1, r, c, wrow, ow);
        else
            for (size_t o = 0; o < cout; o += GEMM_OCB)
                gemm_tile_@WS@(ptr, K, wp + o * K, bias + o, cout - o, out + o * ostride,
                               ostride, x, nx, GEMM_NV, r, c, wrow, ow);
        c += nb;
        if (c >= wrow) { r += c / wrow; c %= wrow; }
    }
}

/* ---------------------------------------------------------------------------------------- */
/* filter2d: direct 2-D correlation over bordered rows (interleaved channels: tap i is i*C
   samples to the right), in steps of four vectors of outputs so that the FMA chains overlap,
   one or two output rows per step (corr2: each input vector loaded once for both rows; row j
   serves output 0 with kernel row j and output 1 with kernel row j - 1). A row's last step
   has 1-4 vectors: the vectors past its end repeat its last one, and the last partial vector
   reads past the row end into the row's slack and stores what is valid, so every sample takes
   the same arithmetic, tap by tap in (kernel row, kernel column) order. Zero taps are skipped,
   as OpenCV's filter2D does: a NaN or inf under a zero weight does not reach the output
   (finite sums are unchanged). `taps`, `two` and (in the loop) `nv` are constants after
   inlining. */
/* The taps of one kernel row over input row `row`: kernel row ka into the a accumulators
   (when has_a), kb into the b ones (when has_b); has_a, has_b are constants. */
static inline __attribute__((always_inline)) void corr_row_@WS@(
        const W *restrict row, const W *ka, const W *kb, size_t kw, size_t C, size_t o1,
        size_t o2, size_t o3, int skip, int has_a, int has_b, VW *a, VW *b) {
    for (size_t i = 0; i < kw; i++) {
        const int use_a = has_a && (!skip || ka[i] != 0), use_b = has_b && (!skip || kb[i] != 0);
        if (!use_a && !use_b) continue;
        const W *p = row + i * C;
        VW v0 = IMFILT_VLOAD(VW, p), v1 = IMFILT_VLOAD(VW, p + o1),
           v2 = IMFILT_VLOAD(VW, p + o2), v3 = IMFILT_VLOAD(VW, p + o3);
        if (has_a && has_b) {  /* each load once for both outputs */
            IMFILT_IN_REG(v0); IMFILT_IN_REG(v1); IMFILT_IN_REG(v2); IMFILT_IN_REG(v3);
        }
        if (use_a) {
            VW kv = IMFILT_VBROADCAST(VW, ka[i]);
            a[0] += v0 * kv; a[1] += v1 * kv; a[2] += v2 * kv; a[3] += v3 * kv;
        }
        if (use_b) {
            VW kv = IMFILT_VBROADCAST(VW, kb[i]);
            b[0] += v0 * kv; b[1] += v1 * kv; b[2] += v2 * kv; b[3] += v3 * kv;
        }
    }
}

/* One step at sample x: nv (1-4) vectors of one output row (two = 0: rows[0 .. kh-1]) or of
   two (rows[0 .. kh]). */
static inline __attribute__((always_inline)) void corr_step_@WS@(
        const W *const *restrict rows, size_t kh, size_t kw, size_t C, const W *restrict k,
        W init, W *restrict dst0, W *restrict dst1, size_t x, size_t n, size_t nv, int two,
        conv_taps taps) {
    const size_t vl = IMFILT_VLANES(W);
    const int skip = taps == CONV_SKIP_ZERO_TAPS;
    const size_t o1 = (nv > 1 ? 1 : nv - 1) * vl, o2 = (nv > 2 ? 2 : nv - 1) * vl,
                 o3 = (nv - 1) * vl;
    VW a[4], b[4];
    for (size_t v = 0; v < 4; v++) a[v] = b[v] = IMFILT_VBROADCAST(VW, init);
    if (!two) {
        for (size_t j = 0; j < kh; j++)
            corr_row_@WS@(rows[j] + x, k + j * kw, NULL, kw, C, o1, o2, o3, skip, 1, 0, a, b);
    } else {
        corr_row_@WS@(rows[0] + x, k, NULL, kw, C, o1, o2, o3, skip, 1, 0, a, b);
        for (size_t j = 1; j < kh; j++)
            corr_row_@WS@(rows[j] + x, k + j * kw, k + (j - 1) * kw, kw, C, o1, o2, o3, skip, 1, 1,
                          a, b);
        corr_row_@WS@(rows[kh] + x, NULL, k + (kh - 1) * kw, kw, C, o1, o2, o3, skip, 0, 1, a, b);
    }
    for (size_t v = 0; v < nv; v++) {
        if (x + (v + 1) * vl <= n) {
            imfilt_vstore_@WS@(dst0 + x + v * vl, a[v]);
            if (two) imfilt_vstore_@WS@(dst1 + x + v * vl, b[v]);
        } else {
            imfilt_vstore_tail_@WS@(dst0 + x + v * vl, a[v], n - x - v * vl);
            if (two) imfilt_vstore_tail_@WS@(dst1 + x + v * vl, b[v], n - x - v * vl);
        }
    }
}

static inline __attribute__((always_inline)) void corr_body_@WS@(
        const W *const *restrict rows, size_t kh, size_t kw, size_t C, const W *restrict k,
        W init, W *restrict dst0, W *restrict dst1, size_t n, int two, conv_taps taps) {
    const size_t vl = IMFILT_VLANES(W);
    size_t x = 0;
    for (; x + 4 * vl <= n; x += 4 * vl)
        corr_step_@WS@(rows, kh, kw, C, k, init, dst0, dst1, x, n, 4, two, taps);
    if (x < n)
        corr_step_@WS@(rows, kh, kw, C, k, init, dst0, dst1, x, n, (n - x + vl - 1) / vl, two, taps);
}

/* the kernel has a zero tap (then the correlation leaves the zero taps out) */
static int has_zero_@WS@(const W *k, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (k[i] == 0) return 1;
    return 0;
}

static void corr_@WS@(const W *const *rows, size_t kh, size_t kw, size_t C, const W *k, W init,
                      W *dst, size_t n) {
    if (has_zero_@WS@(k, kh * kw))
        corr_body_@WS@(rows, kh, kw, C, k, init, dst, NULL, n, 0, CONV_SKIP_ZERO_TAPS);
    else
        corr_body_@WS@(rows, kh, kw, C, k, init, dst, NULL, n, 0, CONV_ALL_TAPS);
}

/* rows[0 .. kh]: dst0 from rows[0 .. kh-1], dst1 from rows[1 .. kh] */
static void corr2_@WS@(const W *const *restrict rows, size_t kh, size_t kw, size_t C,
                       const W *restrict k, W init, W *restrict dst0, W *restrict dst1, size_t n) {
    if (has_zero_@WS@(k, kh * kw))
        corr_body_@WS@(rows, kh, kw, C, k, init, dst0, dst1, n, 1, CONV_SKIP_ZERO_TAPS);
    else
        corr_body_@WS@(rows, kh, kw, C, k, init, dst0, dst1, n, 1, CONV_ALL_TAPS);
}
