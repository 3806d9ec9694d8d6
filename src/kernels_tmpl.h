/* Row loops for one work type W (float or double), included by kernels_isa.c with W, WS
   (its suffix) and RINT_W defined. Not a public header. */

#define FN(name) IMFILT_CAT(IMFILT_CAT(name, _), WS)
#define VT IMFILT_CAT(vec_, WS)

typedef W VT __attribute__((vector_size(IMFILT_VEC_BYTES)));
#define VL (IMFILT_VEC_BYTES / sizeof(W))

static inline VT FN(vld)(const W *p) { VT v; memcpy(&v, p, sizeof v); return v; }
static inline void FN(vst)(W *p, VT v) { memcpy(p, &v, sizeof v); }
static inline VT FN(vsplat)(W s) { VT v = {0}; return v + s; }

/* Direct correlation along a set of row pointers, four vectors of outputs per step so that
   the FMA chains of consecutive taps overlap; symmetric kernels add the mirrored rows first. */
static void FN(conv)(const W *const *rows, const W *k, size_t ks, int sym, W *dst, size_t n)
{
    size_t x = 0;
    const size_t c = ks / 2, npairs = sym ? c : 0;
    for (; x + 4 * VL <= n; x += 4 * VL) {
        VT a0, a1, a2, a3;
        size_t j0;
        if (sym) {
            VT kc = FN(vsplat)(k[c]);
            const W *p = rows[c] + x;
            a0 = FN(vld)(p) * kc; a1 = FN(vld)(p + VL) * kc;
            a2 = FN(vld)(p + 2 * VL) * kc; a3 = FN(vld)(p + 3 * VL) * kc;
            for (size_t j = 0; j < npairs; j++) {
                VT kj = FN(vsplat)(k[j]);
                const W *p0 = rows[j] + x, *p1 = rows[ks - 1 - j] + x;
                a0 += (FN(vld)(p0) + FN(vld)(p1)) * kj;
                a1 += (FN(vld)(p0 + VL) + FN(vld)(p1 + VL)) * kj;
                a2 += (FN(vld)(p0 + 2 * VL) + FN(vld)(p1 + 2 * VL)) * kj;
                a3 += (FN(vld)(p0 + 3 * VL) + FN(vld)(p1 + 3 * VL)) * kj;
            }
        } else {
            VT k0 = FN(vsplat)(k[0]);
            const W *p = rows[0] + x;
            a0 = FN(vld)(p) * k0; a1 = FN(vld)(p + VL) * k0;
            a2 = FN(vld)(p + 2 * VL) * k0; a3 = FN(vld)(p + 3 * VL) * k0;
            for (j0 = 1; j0 < ks; j0++) {
                VT kj = FN(vsplat)(k[j0]);
                const W *q = rows[j0] + x;
                a0 += FN(vld)(q) * kj; a1 += FN(vld)(q + VL) * kj;
                a2 += FN(vld)(q + 2 * VL) * kj; a3 += FN(vld)(q + 3 * VL) * kj;
            }
        }
        FN(vst)(dst + x, a0); FN(vst)(dst + x + VL, a1);
        FN(vst)(dst + x + 2 * VL, a2); FN(vst)(dst + x + 3 * VL, a3);
    }
    for (; x < n; x++) { /* tail: same association as the vector path */
        W a;
        if (sym) {
            a = rows[c][x] * k[c];
            for (size_t j = 0; j < npairs; j++) a += (rows[j][x] + rows[ks - 1 - j][x]) * k[j];
        } else {
            a = rows[0][x] * k[0];
            for (size_t j = 1; j < ks; j++) a += rows[j][x] * k[j];
        }
        dst[x] = a;
    }
}

/* Window sums by doubling: S_2w[x] = S_w[x] + S_w[x + w], and the window is the sum of the
   S_(2^b) for the set bits b of k at increasing offsets: O(log k) per sample, every pass a
   plain vectorisable loop (a running sum would be a serial dependency along the row). */
static void FN(boxsum)(const W *src, W *dst, W *t1, W *t2, size_t n, size_t step, size_t k)
{
    const W *cur = src;
    W *bufs[2] = {t1, t2};
    size_t w = 1, off = 0;
    int first = 1, b = 0;
    for (;;) {
        if (k & w) {
            const W *s = cur + off * step;
            if (first) { for (size_t x = 0; x < n; x++) dst[x] = s[x]; }
            else { for (size_t x = 0; x < n; x++) dst[x] += s[x]; }
            first = 0;
            off += w;
        }
        if (2 * w > k) break;
        size_t len = n + (k - 2 * w) * step, sh = w * step;
        W *nx = bufs[b];
        b ^= 1;
        for (size_t x = 0; x < len; x++) nx[x] = cur[x] + cur[x + sh];
        cur = nx;
        w *= 2;
    }
}

static void FN(slide)(W *acc, const W *add, const W *sub, size_t n)
{
    for (size_t x = 0; x < n; x++) acc[x] += add[x] - sub[x];
}

/* Pixel-type conversions, generated for every pixel type T. */
#define LOAD_DEF(T, TS) \
static void IMFILT_CAT(FN(load), IMFILT_CAT(_, TS))(const void *srcv, W *dst, size_t n) { \
    const T *src = (const T *)srcv; \
    for (size_t i = 0; i < n; i++) dst[i] = (W)src[i]; \
}

/* Integer outputs saturate; FLOOR uses truncation corrected by one below zero, ROUND the
   add-and-subtract trick, both after clamping so the conversion is always in range. */
#define STORE_INT_DEF(T, TS, LO, HI) \
static void IMFILT_CAT(FN(store), IMFILT_CAT(_, TS))(const W *src, void *dstv, size_t n, const imfilt_out_rule *r) { \
    T *dst = (T *)dstv; \
    const W lo = (W)(LO), hi = (W)(HI); \
    switch (r->mode) { \
    case IMFILT_OUT_FLOOR_SHIFT: { \
        const W b = (W)r->bias, s = (W)r->scale; \
        for (size_t i = 0; i < n; i++) { \
            W v = (src[i] + b) * s; \
            v = v < lo ? lo : v; v = v > hi ? hi : v; \
            int32_t t = (int32_t)v; \
            t -= (W)t > v; \
            dst[i] = (T)t; \
        } \
        break; } \
    case IMFILT_OUT_ROUND: \
        if (r->scale_in_float) { \
            const float s = (float)r->scale, flo = (float)(LO), fhi = (float)(HI); \
            for (size_t i = 0; i < n; i++) { \
                float v = (float)src[i] * s; \
                v = v < flo ? flo : v; v = v > fhi ? fhi : v; \
                v = (v + 12582912.0f) - 12582912.0f; \
                dst[i] = (T)(int32_t)v; \
            } \
        } else { \
            const W s = (W)r->scale; \
            for (size_t i = 0; i < n; i++) { \
                W v = src[i] * s; \
                v = v < lo ? lo : v; v = v > hi ? hi : v; \
                v = RINT_W(v); \
                dst[i] = (T)(int32_t)v; \
            } \
        } \
        break; \
    case IMFILT_OUT_BOX8: { \
        const uint32_t d = (uint32_t)r->box_delta, m = (uint32_t)r->box_mul; \
        for (size_t i = 0; i < n; i++) { \
            uint32_t v = (((uint32_t)(int32_t)src[i] + d) * m) >> 23; \
            dst[i] = (T)(v > (uint32_t)(HI) ? (uint32_t)(HI) : v); \
        } \
        break; } \
    default: { \
        const W s = (W)r->scale; \
        for (size_t i = 0; i < n; i++) { \
            W v = src[i] * s; \
            v = v < lo ? lo : v; v = v > hi ? hi : v; \
            dst[i] = (T)v; \
        } } \
    } \
}

#define STORE_FLOAT_DEF(T, TS) \
static void IMFILT_CAT(FN(store), IMFILT_CAT(_, TS))(const W *src, void *dstv, size_t n, const imfilt_out_rule *r) { \
    T *dst = (T *)dstv; \
    if (r->scale == 1.0) { for (size_t i = 0; i < n; i++) dst[i] = (T)src[i]; } \
    else { const W s = (W)r->scale; for (size_t i = 0; i < n; i++) dst[i] = (T)(src[i] * s); } \
}

/* int64 window sums (mean with normalize=False): exact integers held in W, cast. */
#define STORE_I64_DEF() \
static void IMFILT_CAT(FN(store), _i64)(const W *src, void *dstv, size_t n, const imfilt_out_rule *r) { \
    int64_t *dst = (int64_t *)dstv; (void)r; \
    for (size_t i = 0; i < n; i++) dst[i] = (int64_t)src[i]; \
}

LOAD_DEF(uint8_t, u8)
LOAD_DEF(uint16_t, u16)
LOAD_DEF(int16_t, i16)
LOAD_DEF(float, f32)
LOAD_DEF(double, f64)
LOAD_DEF(int64_t, i64)
STORE_INT_DEF(uint8_t, u8, 0, 255)
STORE_INT_DEF(uint16_t, u16, 0, 65535)
STORE_INT_DEF(int16_t, i16, -32768, 32767)
STORE_FLOAT_DEF(float, f32)
STORE_FLOAT_DEF(double, f64)
STORE_I64_DEF()

#undef LOAD_DEF
#undef STORE_INT_DEF
#undef STORE_FLOAT_DEF
#undef STORE_I64_DEF
#undef VL
#undef VT
#undef FN
