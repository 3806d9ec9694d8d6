/* Vector row loops of the float work types: conv_<WS>, the direct correlation along a set of
   row pointers (both passes of the Gaussian; small boxes), and rule_block_<WS>, one vector of
   the output rule for integer pixels (used by convert_tmpl.h's stores). Algorithm: four
   vectors of outputs per step so that the FMA chains of consecutive taps overlap; symmetric
   kernels add the mirrored rows first. Vector types VT (W lanes), VM (its lane masks), VI and
   VF (int32 and float lanes, as many as VT has) come from src/simd/vec.h. Expanded by
   tools/expand_template.py into rows_instances.h (included by separable_isa.c).
   instances:
     WS=f32 W=float  VT=imfilt_vf32 VM=imfilt_vi32 VI=imfilt_vi32      VF=imfilt_vf32      ROUND_MAGIC=12582912.0f
     WS=f64 W=double VT=imfilt_vf64 VM=imfilt_vi64 VI=imfilt_vi32_half VF=imfilt_vf32_half ROUND_MAGIC=6755399441055744.0
*/

/* The centre products as opaque values: GCC may then fuse only the first pair's product
   with them, as the tap loop of a runtime count does (and conv_sample's FMA_W). The copies of
   up to 9 taps keep GCC's own choice, which fuses the centre product into the first pair's
   sum instead: OpenCV's small kernels associate that way, which the tests hold us to. */
#define CONV_OPAQUE(a0, a1, a2, a3) \
    do { IMFILT_IN_REG(a0); IMFILT_IN_REG(a1); IMFILT_IN_REG(a2); IMFILT_IN_REG(a3); } while (0)

/* Four vectors of outputs at x (dst: 4 * lanes); the taps broadcast as they are (no 0 + k
   add per tap and block: the taps are never -0.0, nonzero_taps drops zeros) */
static inline __attribute__((always_inline)) void conv_block_@WS@(
        const W *const *rows, const W *k, size_t ks, int sym, size_t x, W *dst)
{
    const size_t vl = IMFILT_VLANES(W);
    const size_t c = ks / 2;
    VT a0, a1, a2, a3;
    if (sym) {
        const VT kc = IMFILT_VBROADCAST(VT, k[c]);
        const W *p = rows[c] + x;
        a0 = IMFILT_VLOAD(VT, p) * kc; a1 = IMFILT_VLOAD(VT, p + vl) * kc;
        a2 = IMFILT_VLOAD(VT, p + 2 * vl) * kc; a3 = IMFILT_VLOAD(VT, p + 3 * vl) * kc;
        if (ks > 9) CONV_OPAQUE(a0, a1, a2, a3);
        for (size_t j = 0; j < c; j++) {
            const VT kj = IMFILT_VBROADCAST(VT, k[j]);
            const W *p0 = rows[j] + x, *p1 = rows[ks - 1 - j] + x;
            a0 += (IMFILT_VLOAD(VT, p0) + IMFILT_VLOAD(VT, p1)) * kj;
            a1 += (IMFILT_VLOAD(VT, p0 + vl) + IMFILT_VLOAD(VT, p1 + vl)) * kj;
            a2 += (IMFILT_VLOAD(VT, p0 + 2 * vl) + IMFILT_VLOAD(VT, p1 + 2 * vl)) * kj;
            a3 += (IMFILT_VLOAD(VT, p0 + 3 * vl) + IMFILT_VLOAD(VT, p1 + 3 * vl)) * kj;
        }
    } else {
        const VT k0 = IMFILT_VBROADCAST(VT, k[0]);
        const W *p = rows[0] + x;
        a0 = IMFILT_VLOAD(VT, p) * k0; a1 = IMFILT_VLOAD(VT, p + vl) * k0;
        a2 = IMFILT_VLOAD(VT, p + 2 * vl) * k0; a3 = IMFILT_VLOAD(VT, p + 3 * vl) * k0;
        for (size_t j = 1; j < ks; j++) {
            const VT kj = IMFILT_VBROADCAST(VT, k[j]);
            const W *q = rows[j] + x;
            a0 += IMFILT_VLOAD(VT, q) * kj; a1 += IMFILT_VLOAD(VT, q + vl) * kj;
            a2 += IMFILT_VLOAD(VT, q + 2 * vl) * kj; a3 += IMFILT_VLOAD(VT, q + 3 * vl) * kj;
        }
    }
    IMFILT_VSTORE(dst, a0); IMFILT_VSTORE(dst + vl, a1);
    IMFILT_VSTORE(dst + 2 * vl, a2); IMFILT_VSTORE(dst + 3 * vl, a3);
}

/* One output at x, with the vector path's association and rounding (FMA_W): a row's tail */
static inline __attribute__((always_inline)) W conv_sample_@WS@(
        const W *const *rows, const W *k, size_t ks, int sym, size_t x)
{
    const size_t c = ks / 2;
    W a;
    if (sym) {
        a = rows[c][x] * k[c];
        for (size_t j = 0; j < c; j++) a = FMA_W(rows[j][x] + rows[ks - 1 - j][x], k[j], a);
    } else {
        a = rows[0][x] * k[0];
        for (size_t j = 1; j < ks; j++) a = FMA_W(rows[j][x], k[j], a);
    }
    return a;
}

/* Four vectors of outputs per step so that the FMA chains of consecutive taps overlap: the
   whole blocks of a row; returns where they end. */
static inline __attribute__((always_inline)) size_t conv_blocks_@WS@(
        const W *const *rows, const W *k, size_t ks, int sym, W *dst, size_t n)
{
    const size_t vl = IMFILT_VLANES(W);
    size_t x = 0;
    for (; x + 4 * vl <= n; x += 4 * vl) conv_block_@WS@(rows, k, ks, sym, x, dst + x);
    return x;
}

/* The row's samples from x on, one at a time */
static void conv_tail_@WS@(const W *const *rows, const W *k, size_t ks, int sym, W *dst,
                           size_t x, size_t n)
{
    for (; x < n; x++) dst[x] = conv_sample_@WS@(rows, k, ks, sym, x);
}

/* The taps and row pointers as locals of a constant count for the blocks: the stores through
   dst may alias k, which would then be reloaded and splat for every block */
static inline __attribute__((always_inline)) void conv_local_@WS@(
        const W *const *rows, const W *k, size_t ks, W *dst, size_t n)
{
    W kl[17];
    const W *rl[17];
    memcpy(kl, k, ks * sizeof *kl);
    memcpy(rl, rows, ks * sizeof *rl);
    conv_tail_@WS@(rows, k, ks, 1, dst, conv_blocks_@WS@(rl, kl, ks, 1, dst, n), n);
}

/* dst[x] = sum_j k[j] * rows[j][x]. Short symmetric kernels get a copy with the tap count a
   constant: the tap loop unrolls and the row pointers stay in registers (the float Gaussians
   of sigma <= ~2, the uint8 ones of sigma <= ~2.7, small boxes). */
static void conv_@WS@(const W *const *rows, const W *k, size_t ks, int sym, W *dst, size_t n)
{
    if (sym) {
        switch (ks) {
        case 3: conv_local_@WS@(rows, k, 3, dst, n); return;
        case 5: conv_local_@WS@(rows, k, 5, dst, n); return;
        case 7: conv_local_@WS@(rows, k, 7, dst, n); return;
        case 9: conv_local_@WS@(rows, k, 9, dst, n); return;
        case 11: conv_local_@WS@(rows, k, 11, dst, n); return;
        case 13: conv_local_@WS@(rows, k, 13, dst, n); return;
        case 15: conv_local_@WS@(rows, k, 15, dst, n); return;
        case 17: conv_local_@WS@(rows, k, 17, dst, n); return;
        default: break;
        }
    }
    conv_tail_@WS@(rows, k, ks, sym, dst, conv_blocks_@WS@(rows, k, ks, sym, dst, n), n);
}

/* q[0 .. lanes) = the output rule of src[0 .. lanes), as int32 (integer pixels in [lo, hi]).
   `mode` and `in_float` are compile-time constants at every call (convert_tmpl.h's
   store_loop), so no rule branch is left inside the pixel loop. The clamps' operand order
   keeps a NaN sum NaN (IMFILT_VMAX(lo, v) is v when v is NaN), as these loops always have.
   (OpenCV's 8-bit box rule runs in uint16 lanes, src/box8/box8_isa.c.) */
static inline __attribute__((always_inline)) void rule_block_@WS@(
        const W *src, int32_t *q, const imfilt_out_rule *r, int mode, int in_float, W lo, W hi) {
    const VT vlo = IMFILT_VSPLAT(VT, lo), vhi = IMFILT_VSPLAT(VT, hi);
    VT v = IMFILT_VLOAD(VT, src);
    VI t;
    if (mode == IMFILT_OUT_FLOOR_SHIFT) {
        v = (v + (W)r->bias) * (W)r->scale;
        v = IMFILT_VMAX(vlo, v);
        v = IMFILT_VMIN(vhi, v);
        t = __builtin_convertvector(v, VI);  /* truncation: floor when lo >= 0 (a constant) */
        if (lo < 0) {                        /* else corrected to floor below zero */
            VM below = __builtin_convertvector(t, VT) > v;
            t += __builtin_convertvector(below, VI);
        }
    } else if (mode == IMFILT_OUT_ROUND && in_float) {
        /* OpenCV's SIMD: float32(sum) * float32(scale) */
        VF f = __builtin_convertvector(v, VF) * (float)r->scale;
        const VF flo = IMFILT_VSPLAT(VF, (float)lo), fhi = IMFILT_VSPLAT(VF, (float)hi);
        f = IMFILT_VMAX(flo, f);
        f = IMFILT_VMIN(fhi, f);
        f = (f + 12582912.0f) - 12582912.0f;
        t = __builtin_convertvector(f, VI);
    } else {
        v = v * (W)r->scale;
        v = IMFILT_VMAX(vlo, v);
        v = IMFILT_VMIN(vhi, v);
        /* round half to even without libm: adding and subtracting 1.5 * 2^(mantissa bits)
           leaves the nearest integer (default rounding mode), exact after the clamp */
        if (mode == IMFILT_OUT_ROUND) v = (v + ROUND_MAGIC) - ROUND_MAGIC;
        t = __builtin_convertvector(v, VI);
    }
    memcpy(q, &t, sizeof t);
}
