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
