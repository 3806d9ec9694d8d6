/* Minimum / maximum row loops for one pixel type T and one operation, included by
   src/morph_isa.c with T, TS (type suffix), ON (op name: min or max) and OP(a, b) defined.
   Plain loops over contiguous samples that the compiler vectorises at the level's width
   (pminub/pmaxsw/vmaxps...-class code; the float OP adds a NaN test). Not a public header. */

#define FN(name) IMFILT_CAT(IMFILT_CAT(IMFILT_CAT(name, _), ON), IMFILT_CAT(_, TS))

/* d = op(a, b) */
static void FN(op2)(void *d_, const void *a_, const void *b_, size_t n) {
    T *d = d_;
    const T *a = a_, *b = b_;
#pragma GCC ivdep
    for (size_t i = 0; i < n; i++) d[i] = OP(a[i], b[i]);
}

/* d = op(op(a, b), c) */
static void FN(op3)(void *d_, const void *a_, const void *b_, const void *c_, size_t n) {
    T *d = d_;
    const T *a = a_, *b = b_, *c = c_;
#pragma GCC ivdep
    for (size_t i = 0; i < n; i++) {
        T t = OP(a[i], b[i]);
        d[i] = OP(t, c[i]);
    }
}

/* van Herk / Gil-Werman down the columns, one row of the prefix half: p = op(p, r) extends the
   running prefix extremum of the block, v = op(s, p) joins it to the block's suffix extremum. */
static void FN(vstep)(void *v_, void *p_, const void *r_, const void *s_, size_t n) {
    T *v = v_, *p = p_;
    const T *r = r_, *s = s_;
#pragma GCC ivdep
    for (size_t i = 0; i < n; i++) {
        T t = OP(p[i], r[i]);
        p[i] = t;
        v[i] = OP(s[i], t);
    }
}

/* Running extremum along a row by doubling (logarithmic decomposition, the SIMD form of the
   van Herk block idea along contiguous samples): M_2p[x] = op(M_p[x], M_p[x + p*step]), then
   d[x] = op(M_p[x], M_p[x + (len - p)*step]) with p the largest power of two <= len (the two
   windows overlap). ceil(log2(len)) vector passes over an L1-resident row, every one a full
   width min/max, instead of len - 1. */
static void FN(hrun)(void *d_, const void *s_, void *t1_, void *t2_, size_t n, size_t len,
                     size_t step) {
    T *d = d_;
    const T *s = s_;
    T *t1 = t1_, *t2 = t2_;
    if (len <= 1) { memcpy(d, s, n * sizeof(T)); return; }
    if (len == 2) { FN(op2)(d, s, s + step, n); return; }
    if (len == 3) { FN(op3)(d, s, s + step, s + 2 * step, n); return; }
    if (len == 4) {
        /* M4 in one pass: four loads, three ops */
#pragma GCC ivdep
        for (size_t i = 0; i < n; i++) {
            T a = OP(s[i], s[i + step]), b = OP(s[i + 2 * step], s[i + 3 * step]);
            d[i] = OP(a, b);
        }
        return;
    }
    /* first pass: M4 directly (window 4 in one pass) */
    size_t p = 4;
    const T *cur;
    {
        size_t m = n + (len - 4) * step;
#pragma GCC ivdep
        for (size_t i = 0; i < m; i++) {
            T a = OP(s[i], s[i + step]), b = OP(s[i + 2 * step], s[i + 3 * step]);
            t1[i] = OP(a, b);
        }
        cur = t1;
    }
    T *nxt = t2;
    while (2 * p <= len) {
        size_t m = n + (len - 2 * p) * step;
        T *out = (2 * p == len) ? d : nxt;
        const size_t sh = p * step;
#pragma GCC ivdep
        for (size_t i = 0; i < m; i++) out[i] = OP(cur[i], cur[i + sh]);
        if (2 * p == len) return;
        cur = nxt;
        nxt = (nxt == t1) ? t2 : t1;
        p *= 2;
    }
    FN(op2)(d, cur, cur + (len - p) * step, n);
}

#undef FN
