/* uint16 lanes for the 8-bit box filter with area <= 256: every window sum fits in 16 bits
   (<= 256 * 255), so rows, running sums and their wrap-around differences are exact in
   uint16 and twice as many pixels fit a vector as in float. Included by separable_isa.c. */

typedef uint16_t vec_u16 __attribute__((vector_size(IMFILT_VEC_BYTES)));
#define VL16 (IMFILT_VEC_BYTES / 2)

static inline vec_u16 vld_u16(const uint16_t *p) { vec_u16 v; memcpy(&v, p, sizeof v); return v; }
static inline void vst_u16(uint16_t *p, vec_u16 v) { memcpy(p, &v, sizeof v); }

/* dst[x] = sum_j rows[j][x]: the kernel is all ones (k is ignored), four vectors per step */
static void conv_u16(const uint16_t *const *rows, const uint16_t *k, size_t ks, int sym,
                     uint16_t *dst, size_t n) {
    (void)k; (void)sym;
    size_t x = 0;
    for (; x + 4 * VL16 <= n; x += 4 * VL16) {
        const uint16_t *p = rows[0] + x;
        vec_u16 a0 = vld_u16(p), a1 = vld_u16(p + VL16), a2 = vld_u16(p + 2 * VL16), a3 = vld_u16(p + 3 * VL16);
        for (size_t j = 1; j < ks; j++) {
            const uint16_t *q = rows[j] + x;
            a0 += vld_u16(q); a1 += vld_u16(q + VL16); a2 += vld_u16(q + 2 * VL16); a3 += vld_u16(q + 3 * VL16);
        }
        vst_u16(dst + x, a0); vst_u16(dst + x + VL16, a1);
        vst_u16(dst + x + 2 * VL16, a2); vst_u16(dst + x + 3 * VL16, a3);
    }
    for (; x < n; x++) {
        uint16_t a = rows[0][x];
        for (size_t j = 1; j < ks; j++) a = (uint16_t)(a + rows[j][x]);
        dst[x] = a;
    }
}

#define W uint16_t
#define WS u16
#define FN(name) IMFILT_CAT(IMFILT_CAT(name, _), WS)
#include "boxsum_tmpl.h"
#undef FN
#undef WS
#undef W

static void load_u16_u8(const void *srcv, uint16_t *dst, size_t n) {
    const uint8_t *src = (const uint8_t *)srcv;
    for (size_t i = 0; i < n; i++) dst[i] = src[i];
}

/* 1x1 windows (OpenCV copies them); the 8-bit box rounding itself lives in src/box8_isa.c */
static void store_u16_u8(const uint16_t *src, void *dstv, size_t n, const imfilt_out_rule *r) {
    uint8_t *dst = (uint8_t *)dstv; (void)r;
    for (size_t i = 0; i < n; i++) dst[i] = (uint8_t)(src[i] > 255 ? 255 : src[i]);
}

/* int64 window sums (normalize=False) */
static void store_u16_i64(const uint16_t *src, void *dstv, size_t n, const imfilt_out_rule *r) {
    int64_t *dst = (int64_t *)dstv; (void)r;
    for (size_t i = 0; i < n; i++) dst[i] = src[i];
}
#undef VL16
