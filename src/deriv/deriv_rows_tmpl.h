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

/* Kernels symmetric (k[i] == k[n-1-i]) or antisymmetric (k[i] == -k[n-1-i]) about the
   middle of their nonzero taps, up to 5 of them (every Sobel, Scharr and Laplacian kernel),
   are folded: k[i] * (p[i] +- p[n-1-i]) per pair, plus the middle tap -- half the multiplies,
   and none for an outer pair of +-1 (an antisymmetric one with -1 swaps its operands). */
typedef struct {
    size_t np;           /* pairs (1 or 2) */
    int mid, anti, unit; /* a middle tap; p[i] - p[n-1-i]; the first pair's weight is 1 */
    size_t lo[2], hi[2]; /* each pair's tap indices */
    A k[3];              /* the pairs' weights, then the middle one */
} fold_@WS@;

static int fold_plan_@WS@(const W *k, const size_t *off, size_t nk, fold_@WS@ *f) {
    if (nk < 2 || nk > 5) return 0;
    const size_t np = nk / 2;
    const int anti = k[nk - 1] != k[0];
    for (size_t i = 0; i < np; i++) {
        if (off[i] + off[nk - 1 - i] != off[0] + off[nk - 1]) return 0;
        if (anti ? k[nk - 1 - i] != (W)-k[i] : k[nk - 1 - i] != k[i]) return 0;
    }
    if (anti && (nk & 1)) return 0;
    const int flip = anti && k[0] < 0;  /* k0 (p0 - pn) = (-k0) (pn - p0) */
    f->np = np;
    f->mid = (int)(nk & 1);
    f->anti = anti;
    for (size_t i = 0; i < np; i++) {
        f->lo[i] = flip ? nk - 1 - i : i;
        f->hi[i] = flip ? i : nk - 1 - i;
        f->k[i] = (A)(flip ? (W)-k[i] : k[i]);
    }
    f->k[2] = f->mid ? (A)k[np] : (A)0;
    f->unit = f->k[0] == (A)1;
    return 1;
}

/* One folded sample: base + the pairs (v[2i], v[2i + 1]) + the middle tap v[2 np], weights
   kk[i] (the middle's kk[2]). */
static inline __attribute__((always_inline)) A fold_sample_@WS@(
        const A *kk, const A *v, A base, const size_t np, const int mid, const int anti,
        const int unit) {
    A s = base;
    for (size_t i = 0; i < np; i++) {
        const A a = anti ? (A)(v[2 * i] - v[2 * i + 1]) : (A)(v[2 * i] + v[2 * i + 1]);
        s = (unit && i == 0) ? (A)(s + a) : madd_@WS@(kk[i], a, s);
    }
    if (mid) s = madd_@WS@(kk[2], v[2 * np], s);
    return s;
}

/* the fold's tap pointers in fold_sample's order: pairs (lo, hi), then the middle */
static inline __attribute__((always_inline)) void fold_order_@WS@(
        const fold_@WS@ *f, const void *const *p, const void **q, const size_t nk) {
    for (size_t i = 0; i < nk / 2; i++) { q[2 * i] = p[f->lo[i]]; q[2 * i + 1] = p[f->hi[i]]; }
    if (nk & 1) q[nk - 1] = p[nk / 2];
}

static inline __attribute__((always_inline)) void row_fold_fixed_@WS@(
        const fold_@WS@ *f, const IN *ext, const size_t *off, const size_t nk, size_t step,
        W *dst, size_t n, const int anti, const int unit) {
    const void *p[DERIV_UNROLL], *q[DERIV_UNROLL];
    for (size_t j = 0; j < nk; j++) p[j] = ext + off[j] * step;
    fold_order_@WS@(f, p, q, nk);
    const IN *r[DERIV_UNROLL];
    for (size_t j = 0; j < nk; j++) r[j] = (const IN *)q[j];
    const A kk[3] = {f->k[0], f->k[1], f->k[2]};
    for (size_t x = 0; x < n; x++) {
        A v[DERIV_UNROLL];
        for (size_t j = 0; j < nk; j++) v[j] = (A)r[j][x];
        dst[x] = (W)fold_sample_@WS@(kk, v, (A)0, nk / 2, (int)(nk & 1), anti, unit);
    }
}

static inline __attribute__((always_inline)) void col_fold_fixed_@WS@(
        const fold_@WS@ *f, const W *const *rows, const size_t nk, W init, int add, W *acc,
        size_t n, const int anti, const int unit) {
    const void *q[DERIV_UNROLL];
    fold_order_@WS@(f, (const void *const *)rows, q, nk);
    const W *p[DERIV_UNROLL];
    for (size_t j = 0; j < nk; j++) p[j] = (const W *)q[j];
    const A kk[3] = {f->k[0], f->k[1], f->k[2]};
    if (add) {
        for (size_t x = 0; x < n; x++) {
            A v[DERIV_UNROLL];
            for (size_t j = 0; j < nk; j++) v[j] = (A)p[j][x];
            acc[x] = (W)fold_sample_@WS@(kk, v, (A)acc[x], nk / 2, (int)(nk & 1), anti, unit);
        }
    } else if (init == 0) {  /* no delta: nothing to start from */
        for (size_t x = 0; x < n; x++) {
            A v[DERIV_UNROLL];
            for (size_t j = 0; j < nk; j++) v[j] = (A)p[j][x];
            acc[x] = (W)fold_sample_@WS@(kk, v, (A)0, nk / 2, (int)(nk & 1), anti, unit);
        }
    } else {
        for (size_t x = 0; x < n; x++) {
            A v[DERIV_UNROLL];
            for (size_t j = 0; j < nk; j++) v[j] = (A)p[j][x];
            acc[x] = (W)fold_sample_@WS@(kk, v, (A)init, nk / 2, (int)(nk & 1), anti, unit);
        }
    }
}

/* the folded loops for every (taps, anti, unit): each a constant at its call */
#define DERIV_FOLD_CASES(call) \
    switch ((f.np * 2 + (size_t)f.mid) * 4 + (size_t)f.anti * 2 + (size_t)f.unit) { \
    case 2 * 4 + 2: call(2, 1, 0); return; case 2 * 4 + 3: call(2, 1, 1); return; \
    case 3 * 4 + 0: call(3, 0, 0); return; case 3 * 4 + 1: call(3, 0, 1); return; \
    case 4 * 4 + 0: call(4, 0, 0); return; case 4 * 4 + 1: call(4, 0, 1); return; \
    case 4 * 4 + 2: call(4, 1, 0); return; case 4 * 4 + 3: call(4, 1, 1); return; \
    case 5 * 4 + 0: call(5, 0, 0); return; case 5 * 4 + 1: call(5, 0, 1); return; \
    case 2 * 4 + 0: call(2, 0, 0); return; case 2 * 4 + 1: call(2, 0, 1); return; \
    default: break; }

/* the row pass with its fold plan made (folded: fold_plan succeeded) */
static void row_go_@WS@(const fold_@WS@ *fp, int folded, const IN *ext, const W *k,
                        const size_t *off, size_t nk, size_t step, W *dst, size_t n) {
    if (folded) {
        const fold_@WS@ f = *fp;
#define DERIV_ROW_FOLD(NK, ANTI, UNIT) \
        row_fold_fixed_@WS@(&f, ext, off, NK, step, dst, n, ANTI, UNIT)
        DERIV_FOLD_CASES(DERIV_ROW_FOLD)
#undef DERIV_ROW_FOLD
    }
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

static void row_@WS@(const IN *ext, const W *k, const size_t *off, size_t nk, size_t step,
                     W *dst, size_t n) {
    fold_@WS@ f;
    row_go_@WS@(&f, fold_plan_@WS@(k, off, nk, &f), ext, k, off, nk, step, dst, n);
}

/* the column pass with its fold plan made */
static void col_go_@WS@(const fold_@WS@ *fp, int folded, const W *const *rows, const W *k,
                        size_t nk, W init, int add, W *acc, size_t n) {
    if (folded) {
        const fold_@WS@ f = *fp;
#define DERIV_COL_FOLD(NK, ANTI, UNIT) \
        col_fold_fixed_@WS@(&f, rows, NK, init, add, acc, n, ANTI, UNIT)
        DERIV_FOLD_CASES(DERIV_COL_FOLD)
#undef DERIV_COL_FOLD
    }
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

static void col_@WS@(const W *const *rows, const W *k, const size_t *off, size_t nk, W init,
                     int add, W *acc, size_t n) {
    fold_@WS@ f;
    col_go_@WS@(&f, fold_plan_@WS@(k, off, nk, &f), rows, k, nk, init, add, acc, n);
}
