/* Row and column passes of the derivative filters for one work type W (accumulated as A:
   unsigned for integers, so sums wrap modulo 2^16 / 2^32 exactly as OpenCV's integer lanes
   do; the driver picks i16 only where no partial sum leaves int16). Algorithm: per output
   sample, the nonzero taps multiply-added in tap order (floats: one fused multiply-add per
   tap on levels with FMA, in the vector body and the tail alike), with the tap count a
   compile-time constant for 1..5 taps so the tap loop unrolls and the sample loop becomes
   whole vectors of W lanes (int16: 32 lanes per AVX-512 register). Expanded by
   tools/expand_template.py into deriv_rows_instances.h (included by deriv_isa.c).
   instances:
     WS=i16 W=int16_t A=uint16_t IN=uint8_t FLT=0
     WS=i32 W=int32_t A=uint32_t IN=uint8_t FLT=0
     WS=f32 W=float   A=float    IN=float   FLT=1
     WS=f64 W=double  A=double   IN=double  FLT=1
*/

/* s + k * x in A (integers: the product taken modulo 2^32 first, so no signed overflow) */
static inline __attribute__((always_inline)) A madd_@WS@(A k, A x, A s) {
#if FLT
    return DERIV_FMA(k, x, s);
#else
    return (A)(s + (A)((uint32_t)k * (uint32_t)x));
#endif
}

static inline __attribute__((always_inline)) void row_fixed_@WS@(
        const IN *ext, const W *k, const size_t *off, const size_t nk, size_t step, W *dst,
        size_t n) {
    const IN *p[DERIV_UNROLL];
    A kk[DERIV_UNROLL];
    for (size_t j = 0; j < nk; j++) { p[j] = ext + off[j] * step; kk[j] = (A)k[j]; }
    for (size_t x = 0; x < n; x++) {
        A s = (A)((A)kk[0] * (A)p[0][x]);
        for (size_t j = 1; j < nk; j++) s = madd_@WS@(kk[j], (A)p[j][x], s);
        dst[x] = (W)s;
    }
}

static void row_@WS@(const IN *ext, const W *k, const size_t *off, size_t nk, size_t step,
                     W *dst, size_t n) {
    switch (nk) {
    case 1: row_fixed_@WS@(ext, k, off, 1, step, dst, n); return;
    case 2: row_fixed_@WS@(ext, k, off, 2, step, dst, n); return;
    case 3: row_fixed_@WS@(ext, k, off, 3, step, dst, n); return;
    case 4: row_fixed_@WS@(ext, k, off, 4, step, dst, n); return;
    case 5: row_fixed_@WS@(ext, k, off, 5, step, dst, n); return;
    default: break;
    }
    /* longer kernels: one tap at a time over the row, dst holding the partial sums (the same
       operations in the same order as above) */
    const A k0 = (A)k[0];
    const IN *p0 = ext + off[0] * step;
    for (size_t x = 0; x < n; x++) dst[x] = (W)(A)(k0 * (A)p0[x]);
    for (size_t j = 1; j < nk; j++) {
        const A kj = (A)k[j];
        const IN *pj = ext + off[j] * step;
        for (size_t x = 0; x < n; x++) dst[x] = (W)madd_@WS@(kj, (A)pj[x], (A)dst[x]);
    }
}

static inline __attribute__((always_inline)) void col_fixed_@WS@(
        const W *const *rows, const W *k, const size_t nk, W init, int add, W *acc,
        size_t n) {
    const W *p[DERIV_UNROLL];
    A kk[DERIV_UNROLL];
    for (size_t j = 0; j < nk; j++) { p[j] = rows[j]; kk[j] = (A)k[j]; }
    if (add) {
        for (size_t x = 0; x < n; x++) {
            A s = (A)acc[x];
            for (size_t j = 0; j < nk; j++) s = madd_@WS@(kk[j], (A)p[j][x], s);
            acc[x] = (W)s;
        }
    } else {
        for (size_t x = 0; x < n; x++) {
            A s = (A)init;
            for (size_t j = 0; j < nk; j++) s = madd_@WS@(kk[j], (A)p[j][x], s);
            acc[x] = (W)s;
        }
    }
}

static void col_@WS@(const W *const *rows, const W *k, size_t nk, W init, int add, W *acc,
                     size_t n) {
    switch (nk) {
    case 1: col_fixed_@WS@(rows, k, 1, init, add, acc, n); return;
    case 2: col_fixed_@WS@(rows, k, 2, init, add, acc, n); return;
    case 3: col_fixed_@WS@(rows, k, 3, init, add, acc, n); return;
    case 4: col_fixed_@WS@(rows, k, 4, init, add, acc, n); return;
    case 5: col_fixed_@WS@(rows, k, 5, init, add, acc, n); return;
    default: break;
    }
    if (!add)
        for (size_t x = 0; x < n; x++) acc[x] = init;
    for (size_t j = 0; j < nk; j++) {
        const A kj = (A)k[j];
        const W *pj = rows[j];
        for (size_t x = 0; x < n; x++) acc[x] = (W)madd_@WS@(kj, (A)pj[x], (A)acc[x]);
    }
}
