/* uint16 lanes for the 8-bit box filter with area <= 256: every window sum fits in 16 bits
   (<= 256 * 255), so rows, running sums and their wrap-around differences are exact in
   uint16 and twice as many pixels fit a vector as in float. Their box sums and conversions
   are instances of boxsum_tmpl.h and convert_tmpl.h. Included by separable_isa.c. */

/* dst[x] = sum_j rows[j][x]: the kernel is all ones (k is ignored), four vectors per step */
static void conv_u16(const uint16_t *const *rows, const uint16_t *k, size_t ks, int sym,
                     uint16_t *dst, size_t n) {
    (void)k; (void)sym;
    const size_t vl = IMFILT_VLANES(uint16_t);
    size_t x = 0;
    for (; x + 4 * vl <= n; x += 4 * vl) {
        const uint16_t *p = rows[0] + x;
        imfilt_vu16 a0 = IMFILT_VLOAD(imfilt_vu16, p), a1 = IMFILT_VLOAD(imfilt_vu16, p + vl);
        imfilt_vu16 a2 = IMFILT_VLOAD(imfilt_vu16, p + 2 * vl), a3 = IMFILT_VLOAD(imfilt_vu16, p + 3 * vl);
        for (size_t j = 1; j < ks; j++) {
            const uint16_t *q = rows[j] + x;
            a0 += IMFILT_VLOAD(imfilt_vu16, q); a1 += IMFILT_VLOAD(imfilt_vu16, q + vl);
            a2 += IMFILT_VLOAD(imfilt_vu16, q + 2 * vl); a3 += IMFILT_VLOAD(imfilt_vu16, q + 3 * vl);
        }
        IMFILT_VSTORE(dst + x, a0); IMFILT_VSTORE(dst + x + vl, a1);
        IMFILT_VSTORE(dst + x + 2 * vl, a2); IMFILT_VSTORE(dst + x + 3 * vl, a3);
    }
    for (; x < n; x++) {
        uint16_t a = rows[0][x];
        for (size_t j = 1; j < ks; j++) a = (uint16_t)(a + rows[j][x]);
        dst[x] = a;
    }
}
