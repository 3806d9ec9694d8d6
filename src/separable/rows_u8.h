/* The uint8 Gaussian's row pass in uint16 lanes (exact fixed point). Its taps are integers
   >= 0 summing to at most 256 (OpenCV's 8-bit quantisation, imfilt/smooth.py), so every partial
   sum is at most 255 * 256 < 2^16: the row pass is exact in uint16, twice the pixels per
   vector of float32, and reads the uint8 row itself (no float copy of the input). The float
   column pass then takes the rows as it takes any other (exact integers < 2^24). Included by
   separable_isa.c. */

/* dst[0 .. vl) = the uint16 lanes of a as floats */
static inline __attribute__((always_inline)) void u16_to_f32(imfilt_vu16 a, float *dst) {
    uint16_t s[IMFILT_VLANES(uint16_t)];
    memcpy(s, &a, sizeof a);
    for (size_t i = 0; i < IMFILT_VLANES(uint16_t); i++) dst[i] = (float)s[i];
}

/* One vector of the direct correlation at p (symmetric taps: the mirrored pixels added first) */
static inline __attribute__((always_inline)) imfilt_vu16 rowconv_vec(
        const uint8_t *p, const uint16_t *k, size_t ks, int sym, size_t step) {
    const size_t c = ks / 2;
    imfilt_vu16 a;
    if (sym) {
        a = imfilt_load_widen_u8(p + c * step) * k[c];
        for (size_t j = 0; j < c; j++)
            a += (imfilt_load_widen_u8(p + j * step) + imfilt_load_widen_u8(p + (ks - 1 - j) * step)) * k[j];
    } else {
        a = imfilt_load_widen_u8(p) * k[0];
        for (size_t j = 1; j < ks; j++) a += imfilt_load_widen_u8(p + j * step) * k[j];
    }
    return a;
}

/* Algorithm: direct correlation in exact uint16 lanes, two vectors per step (two independent
   chains); `ks` and `sym` are constants where rowconv_u8_f32 picks a copy. */
static inline __attribute__((always_inline)) void rowconv_body(
        const uint8_t *ext, const uint16_t *k, size_t ks, int sym, size_t step, float *dst,
        size_t n) {
    const size_t vl = IMFILT_VLANES(uint16_t);
    size_t x = 0;
    for (; x + 2 * vl <= n; x += 2 * vl) {
        const imfilt_vu16 a0 = rowconv_vec(ext + x, k, ks, sym, step);
        const imfilt_vu16 a1 = rowconv_vec(ext + x + vl, k, ks, sym, step);
        u16_to_f32(a0, dst + x);
        u16_to_f32(a1, dst + x + vl);
    }
    for (; x + vl <= n; x += vl) u16_to_f32(rowconv_vec(ext + x, k, ks, sym, step), dst + x);
    for (; x < n; x++) {  /* integers: the same sums exactly */
        unsigned a = 0;
        for (size_t j = 0; j < ks; j++) a += (unsigned)k[j] * ext[x + j * step];
        dst[x] = (float)a;
    }
}

/* dst[x] = sum_i k[i] * ext[x + i * step] for x < n; sym: k[i] == k[ks - 1 - i] (ks odd). The
   symmetric kernels of sigma <= ~2.2 take a copy with the tap count a constant (unrolled,
   taps in registers). */
static void rowconv_u8_f32(const uint8_t *ext, const uint16_t *k, size_t ks, int sym,
                           size_t step, float *dst, size_t n) {
    if (sym) {
        switch (ks) {
        case 3: rowconv_body(ext, k, 3, 1, step, dst, n); return;
        case 5: rowconv_body(ext, k, 5, 1, step, dst, n); return;
        case 7: rowconv_body(ext, k, 7, 1, step, dst, n); return;
        case 9: rowconv_body(ext, k, 9, 1, step, dst, n); return;
        case 11: rowconv_body(ext, k, 11, 1, step, dst, n); return;
        case 13: rowconv_body(ext, k, 13, 1, step, dst, n); return;
        default: break;
        }
    }
    rowconv_body(ext, k, ks, sym, step, dst, n);
}

/* The uint8 Gaussian's column pass fused with its store: conv_f32's sums, four vectors at a
   time, rounded by the uint8 Gaussian's rule floor((sum + 2^15) / 2^16) while still in
   registers and packed to bytes (no float row written and read back). Its sums are integers
   in [0, 255 * 2^16] (rows < 2^16 from the exact row pass, integer taps summing to at most
   256), exact in float32 in any order: sum * 2^-16 + 0.5 is exact, never outside [0, 255.5],
   so the rule needs no clamp, and the 11 and 13 tap copies are safe here (conv_f32 leaves
   them out: FMA contraction differs there). */
static inline __attribute__((always_inline)) void colconv_u8_round(
        const float *sums, uint8_t *dst, size_t cnt) {
    const size_t vl = IMFILT_VLANES(float);
    const imfilt_vf32 scale = IMFILT_VSPLAT(imfilt_vf32, 0x1p-16f);
    const imfilt_vf32 half = IMFILT_VSPLAT(imfilt_vf32, 0.5f);
    imfilt_vi32 q[4];
    for (size_t u = 0; u < 4; u++)
        q[u] = __builtin_convertvector(IMFILT_VLOAD(imfilt_vf32, sums + u * vl) * scale + half,
                                       imfilt_vi32);
    const imfilt_vu8 b = imfilt_pack4_i32_u8(q[0], q[1], q[2], q[3]);
    if (cnt == 4 * vl) IMFILT_VSTORE(dst, b);
    else memcpy(dst, &b, cnt);
}

/* The whole blocks of four vectors; returns where they end */
static inline __attribute__((always_inline)) size_t colconv_u8_blocks(
        const float *const *rows, const float *k, size_t ks, int sym, uint8_t *dst, size_t n) {
    const size_t vl = IMFILT_VLANES(float);
    float sums[4 * IMFILT_VLANES(float)] __attribute__((aligned(64)));
    size_t x = 0;
    for (; x + 4 * vl <= n; x += 4 * vl) {
        conv_block_f32(rows, k, ks, sym, x, sums);
        colconv_u8_round(sums, dst + x, 4 * vl);
    }
    return x;
}

/* The row's last samples, zero-padded to a block */
static void colconv_u8_tail(const float *const *rows, const float *k, size_t ks, int sym,
                            uint8_t *dst, size_t x, size_t n) {
    if (x == n) return;
    float sums[4 * IMFILT_VLANES(float)] __attribute__((aligned(64))) = {0};
    for (size_t i = x; i < n; i++) sums[i - x] = conv_sample_f32(rows, k, ks, sym, i);
    colconv_u8_round(sums, dst + x, n - x);
}

/* The taps and row pointers as locals of a constant count for the blocks: stores through
   uint8_t *dst may alias anything, so those behind the pointers would be reloaded (and the
   taps splat) every block. */
static inline __attribute__((always_inline)) void colconv_u8_local(
        const float *const *rows, const float *k, size_t ks, uint8_t *dst, size_t n) {
    float kl[13];
    const float *rl[13];
    memcpy(kl, k, ks * sizeof *kl);
    memcpy(rl, rows, ks * sizeof *rl);
    colconv_u8_tail(rows, k, ks, 1, dst, colconv_u8_blocks(rl, kl, ks, 1, dst, n), n);
}

/* dst[x] = floor((sum_j k[j] * rows[j][x] + 2^15) / 2^16) for the uint8 Gaussian (exact
   integer sums, see colconv_u8_round); symmetric kernels of sigma <= ~2.2 unrolled. */
static void colconv_u8_f32(const float *const *rows, const float *k, size_t ks, int sym,
                           uint8_t *dst, size_t n) {
    if (sym) {
        switch (ks) {
        case 3: colconv_u8_local(rows, k, 3, dst, n); return;
        case 5: colconv_u8_local(rows, k, 5, dst, n); return;
        case 7: colconv_u8_local(rows, k, 7, dst, n); return;
        case 9: colconv_u8_local(rows, k, 9, dst, n); return;
        case 11: colconv_u8_local(rows, k, 11, dst, n); return;
        case 13: colconv_u8_local(rows, k, 13, dst, n); return;
        default: break;
        }
    }
    colconv_u8_tail(rows, k, ks, sym, dst, colconv_u8_blocks(rows, k, ks, sym, dst, n), n);
}
