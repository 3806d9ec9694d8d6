/* The uint8 Gaussian's row pass in uint16 lanes (exact fixed point). Its taps are integers
   >= 0 summing to at most 256 (OpenCV's 8-bit quantisation, imfilt/smooth.py), so every partial
   sum is at most 255 * 256 < 2^16: the row pass is exact in uint16, twice the pixels per
   vector of float32, and reads the uint8 row itself (no float copy of the input). The float
   column pass then takes the rows as it takes any other (exact integers < 2^24). Included by
   separable_isa.c. */

/* dst[x] = sum_i k[i] * ext[x + i * step] for x < n; sym: k[i] == k[ks - 1 - i] (ks odd) */
static void rowconv_u8_f32(const uint8_t *ext, const uint16_t *k, size_t ks, int sym,
                           size_t step, float *dst, size_t n) {
    const size_t vl = IMFILT_VLANES(uint16_t), c = ks / 2;
    size_t x = 0;
    for (; x + vl <= n; x += vl) {
        const uint8_t *p = ext + x;
        imfilt_vu16 a;
        if (sym) {
            a = imfilt_load_widen_u8(p + c * step) * k[c];
            for (size_t j = 0; j < c; j++)
                a += (imfilt_load_widen_u8(p + j * step) + imfilt_load_widen_u8(p + (ks - 1 - j) * step)) * k[j];
        } else {
            a = imfilt_load_widen_u8(p) * k[0];
            for (size_t j = 1; j < ks; j++) a += imfilt_load_widen_u8(p + j * step) * k[j];
        }
        uint16_t s[IMFILT_VLANES(uint16_t)];
        memcpy(s, &a, sizeof a);
        for (size_t i = 0; i < vl; i++) dst[x + i] = (float)s[i];
    }
    for (; x < n; x++) {  /* integers: the same sums exactly */
        unsigned a = 0;
        for (size_t j = 0; j < ks; j++) a += (unsigned)k[j] * ext[x + j * step];
        dst[x] = (float)a;
    }
}
