/* Minimum / maximum row loops for one pixel type T and one operation, included by
   src/morph_isa.c with T, TS (type suffix), ON (op name: min or max) and OP(a, b) defined,
   plus for floats VL, VLD, VST, VOP (a vector of VL lanes: load, store, op). Integer loops are
   plain loops the compiler vectorises at the level's width (pminub/pmaxsw...); float loops
   use the explicit vector op (max/min plus a NaN blend), which compilers do not derive
   reliably from the scalar form. Not a public header. */

#define FN(name) IMFILT_CAT(IMFILT_CAT(IMFILT_CAT(name, _), ON), IMFILT_CAT(_, TS))

/* EACH(n, BODY): run BODY(LD, ST, F) for i = 0 .. n-1; with VOP defined, first in steps of
   VL lanes with vector loads, stores and op, then the scalar tail (the same function). */
#define SLD(p) (*(p))
#define SST(p, v) (*(p) = (v))
#ifdef VOP
#define EACH(n, BODY) do { \
        size_t i = 0; \
        for (; i + VL <= (n); i += VL) { BODY(VLD, VST, VOP) } \
        for (; i < (n); i++) { BODY(SLD, SST, OP) } \
    } while (0)
#else
#define EACH(n, BODY) do { \
        _Pragma("GCC ivdep") \
        for (size_t i = 0; i < (n); i++) { BODY(SLD, SST, OP) } \
    } while (0)
#endif

/* d = op(a, b); d may equal a or b */
#define B_OP2(L, S, F) S(d + i, F(L(a + i), L(b + i)));
static void FN(op2)(void *d_, const void *a_, const void *b_, size_t n) {
    T *d = d_;
    const T *a = a_, *b = b_;
    EACH(n, B_OP2);
}

/* d = op(op(a, b), c) */
#define B_OP3(L, S, F) S(d + i, F(F(L(a + i), L(b + i)), L(c + i)));
static void FN(op3)(void *d_, const void *a_, const void *b_, const void *c_, size_t n) {
    T *d = d_;
    const T *a = a_, *b = b_, *c = c_;
    EACH(n, B_OP3);
}

/* d = op over k <= 6 rows in one pass: the direct column pass of short windows */
#define B_OP4(L, S, F) S(d + i, F(F(L(r0 + i), L(r1 + i)), F(L(r2 + i), L(r3 + i))));
#define B_OP5(L, S, F) S(d + i, F(F(F(L(r0 + i), L(r1 + i)), F(L(r2 + i), L(r3 + i))), L(r4 + i)));
#define B_OP6(L, S, F) S(d + i, F(F(F(L(r0 + i), L(r1 + i)), F(L(r2 + i), L(r3 + i))), \
                              F(L(r4 + i), L(r5 + i))));
static void FN(opn)(void *d_, const void *const *rows, size_t k, size_t n) {
    T *d = d_;
    const T *r0 = rows[0], *r1 = rows[k > 1 ? 1 : 0], *r2 = rows[k > 2 ? 2 : 0],
            *r3 = rows[k > 3 ? 3 : 0], *r4 = rows[k > 4 ? 4 : 0], *r5 = rows[k > 5 ? 5 : 0];
    switch (k) {
    case 1: if ((const void *)d != (const void *)r0) memcpy(d, r0, n * sizeof(T)); break;
    case 2: FN(op2)(d, r0, r1, n); break;
    case 3: FN(op3)(d, r0, r1, r2, n); break;
    case 4: EACH(n, B_OP4); break;
    case 5: EACH(n, B_OP5); break;
    default: EACH(n, B_OP6); break;
    }
}

/* van Herk / Gil-Werman down the columns, one row of the prefix half: p = op(p, r) extends the
   running prefix extremum of the block, v = op(s, p) joins it to the block's suffix extremum. */
#define B_VSTEP(L, S, F) __auto_type t = F(L(p + i), L(r + i)); S(p + i, t); S(v + i, F(L(s + i), t));
static void FN(vstep)(void *v_, void *p_, const void *r_, const void *s_, size_t n) {
    T *v = v_, *p = p_;
    const T *r = r_, *s = s_;
    EACH(n, B_VSTEP);
}

/* d[i] = op over a[i], a[i + o1], a[i + o2], a[i + o3] (offsets in samples) */
#define B_OP4S(L, S, F) S(d + i, F(F(L(a + i), L(a + i + o1)), F(L(a + i + o2), L(a + i + o3))));
static inline void FN(op4s)(T *d, const T *a, size_t o1, size_t o2, size_t o3, size_t n) {
#ifdef OP4S_FAST
    /* a level-specific kernel for offsets within one vector (it does whole vectors only) */
    if (o3 * sizeof(T) < 64) {
        size_t done = OP4S_FAST(d, a, o1, o2, o3, n);
        d += done; a += done; n -= done;
    }
#endif
    EACH(n, B_OP4S);
}

/* Running extremum along a row by doubling (a logarithmic decomposition, the SIMD form of
   running extrema along contiguous samples). uint8 with VBMI: radix-2 levels M_2q[x] =
   op(M_q[x], M_q[x + q]) and the final d[x] = op(M_q[x], M_q[x + len - q]) fused in registers
   (FUSED_FAST: one load and one store per vector whatever len, 2 vector ops per doubling) as
   long as the offset fits a vector pair (len <= 192 for one channel); beyond, the fused
   levels give M_128 and the radix-4 passes below finish. Elsewhere radix-4 passes:
   M_4p[x] = op of M_p at x, x + p, x + 2p, x + 3p, and finally d[x] = op of M_p at x, x + p,
   ..., x + len - p (2 to 4 overlapping windows), ceil(log4(len)) vector passes over an
   L1-resident row, instead of len - 1 operations per sample. */
static void FN(hrun)(void *d_, const void *s_, void *t1_, void *t2_, size_t n, size_t len,
                     size_t step) {
    T *d = d_;
    const T *cur = s_;
    T *t1 = t1_, *t2 = t2_;
    size_t p = 1;
    T *nxt = t1;
#ifdef FUSED_FAST
    if (len >= 2) {
        /* the leading doubling levels whose offset fits the vector pair, fused in registers:
           M_2q[x] = op(M_q[x], M_q[x + q]), then d[x] = op(M_q[x], M_q[x + len - q]) */
        size_t off[8], nl = 0, q = 1, fin = 0;
        while (nl < 8) {
            const size_t o = (2 * q <= len ? q : len - q) * step;
            if (o * sizeof(T) > 64) break;
            off[nl++] = o;
            if (2 * q >= len) { fin = 1; break; }
            q *= 2;
        }
        if (fin) {
            FUSED_FAST(d, cur, off, nl, (n + 63) / 64, n - (n - 1) / 64 * 64);
            return;
        }
        if (nl >= 2) {
            const size_t m = (n + (len - q) * step + 63) / 64;
            FUSED_FAST(t1, cur, off, nl, m, 64);
            cur = t1; nxt = t2; p = q;
        }
    }
#endif
#ifdef OP4S_FAST
    if (len >= 2 && len <= 4 && p == 1 && (len - 1) * step * sizeof(T) < 64) {
        /* the one-load shuffle kernel, repeating the last offset (the op is idempotent) */
        const size_t o3 = (len - 1) * step, o2 = len > 2 ? 2 * step : step;
        FN(op4s)(d, cur, step, o2, o3, n);
        return;
    }
#endif
    if (len <= 6 && p == 1) {
        /* one pass, len shifted loads */
        const void *r[6] = {cur};
        for (size_t k = 0; k < len; k++) r[k] = cur + k * step;
        FN(opn)(d, r, len ? len : 1, n);
        return;
    }
    /* Intermediate passes round their length up to whole 64-byte vectors (no scalar epilogue;
       the extra samples are never read by a kept result), so callers give s, t1 and t2
       64 bytes of slack beyond n + (len - 1) * step samples (640 for the fused levels). */
    const size_t vs = 64 / sizeof(T);
    while (4 * p <= len) {
        const size_t sh = p * step;
        T *out = (4 * p == len) ? d : nxt;
        size_t m = n + (len - 4 * p) * step;
        if (out != d) m = (m + vs - 1) / vs * vs;
        FN(op4s)(out, cur, sh, 2 * sh, 3 * sh, m);
        if (out == d) return;
        cur = nxt;
        nxt = (nxt == t1) ? t2 : t1;
        p *= 4;
    }
    const size_t last = (len - p) * step, q = (len + p - 1) / p;
    if (q == 2) FN(op2)(d, cur, cur + last, n);
    else if (q == 3) FN(op3)(d, cur, cur + p * step, cur + last, n);
    else FN(op4s)(d, cur, p * step, 2 * p * step, last, n);
}

#undef FN
#undef SLD
#undef SST
#undef EACH
#undef B_OP2
#undef B_OP3
#undef B_VSTEP
#undef B_OP4S
#undef B_OP4
#undef B_OP5
#undef B_OP6
