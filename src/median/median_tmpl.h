/* Sorting-network median loops for one key type KT (suffix KS), included by median_isa.c with
   KT, KS, and the vector min/max VMIN(a, b) / VMAX(a, b) defined. One pixel per SIMD lane.
   Not a public header. */

#define FN(name) IMFILT_CAT(IMFILT_CAT(name, _), KS)
#define VT IMFILT_CAT(vmed_, KS)
#define VL (IMFILT_VEC_BYTES / sizeof(KT))

typedef KT VT __attribute__((vector_size(IMFILT_VEC_BYTES)));

static inline VT FN(ld)(const KT *p) { VT v; memcpy(&v, p, sizeof v); return v; }
static inline void FN(st)(KT *p, VT v) { memcpy(p, &v, sizeof v); }

#define MIN(a, b) VMIN(a, b)
#define MAX(a, b) VMAX(a, b)

/* Sorted columns: every k-sample column of the window is sorted once per output row (and
   shared by the k outputs that read it). 3: three compare-exchanges. */
static void FN(colsort3)(const void *const *rows_, void *const *ranks_, size_t n) {
    const KT *const *rows = (const KT *const *)rows_;
    KT *const *ranks = (KT *const *)ranks_;
    for (size_t x = 0; x < n; x += VL) {
        VT a = FN(ld)(rows[0] + x), b = FN(ld)(rows[1] + x), c = FN(ld)(rows[2] + x);
        VT lo = MIN(a, b), hi = MAX(a, b);
        VT l2 = MIN(lo, c), m = MAX(lo, c);
        FN(st)(ranks[0] + x, l2);
        FN(st)(ranks[1] + x, MIN(m, hi));
        FN(st)(ranks[2] + x, MAX(m, hi));
    }
}

#define L1(i) FN(ld)(rows[i] + x)
#define S1(r, v) FN(st)(ranks[r] + x, v)
static void FN(colsort5)(const void *const *rows_, void *const *ranks_, size_t n) {
    const KT *const *rows = (const KT *const *)rows_;
    KT *const *ranks = (KT *const *)ranks_;
    for (size_t x = 0; x < n; x += VL) IMF_COLSORT_5(L1, S1);
}
static void FN(colsort7)(const void *const *rows_, void *const *ranks_, size_t n) {
    const KT *const *rows = (const KT *const *)rows_;
    KT *const *ranks = (KT *const *)ranks_;
    for (size_t x = 0; x < n; x += VL) IMF_COLSORT_7(L1, S1);
}
#undef L1
#undef S1

/* Store a vector of outputs; the last partial vector goes through a bounce buffer. */
static inline void FN(put)(KT *dst, size_t x, size_t n, VT v) {
    if (x + VL <= n) { FN(st)(dst + x, v); return; }
    KT tmp[VL];
    FN(st)(tmp, v);
    memcpy(dst + x, tmp, (n - x) * sizeof(KT));
}

/* 3x3 from sorted columns (lo, mid, hi): the median is med3(max of the lows, med3 of the mids,
   min of the highs) -- 12 min/max per output after the 6 of the column sort (Paeth). */
static void FN(mednet3)(const void *const *ranks_, size_t step, void *dst_, size_t n) {
    const KT *const *ranks = (const KT *const *)ranks_;
    KT *dst = (KT *)dst_;
    const KT *lo = ranks[0], *mi = ranks[1], *hi = ranks[2];
    for (size_t x = 0; x < n; x += VL) {
        VT l = MAX(MAX(FN(ld)(lo + x), FN(ld)(lo + x + step)), FN(ld)(lo + x + 2 * step));
        VT h = MIN(MIN(FN(ld)(hi + x), FN(ld)(hi + x + step)), FN(ld)(hi + x + 2 * step));
        VT a = FN(ld)(mi + x), b = FN(ld)(mi + x + step), c = FN(ld)(mi + x + 2 * step);
        VT m = MAX(MIN(a, b), MIN(MAX(a, b), c));
        VT r = MAX(MIN(l, m), MIN(MAX(l, m), h));
        FN(put)(dst, x, n, r);
    }
}

/* 5x5 and 7x7: pruned Batcher merges of the sorted columns (tools/gen_median_networks.py). */
#define L2(j, i) FN(ld)(ranks[i] + x + (j) * step)
static void FN(mednet5)(const void *const *ranks_, size_t step, void *dst_, size_t n) {
    const KT *const *ranks = (const KT *const *)ranks_;
    KT *dst = (KT *)dst_;
    for (size_t x = 0; x < n; x += VL) {
        VT r;
        IMF_MEDNET_5x5(L2, r);
        FN(put)(dst, x, n, r);
    }
}
static void FN(mednet7)(const void *const *ranks_, size_t step, void *dst_, size_t n) {
    const KT *const *ranks = (const KT *const *)ranks_;
    KT *dst = (KT *)dst_;
    for (size_t x = 0; x < n; x += VL) {
        VT r;
        IMF_MEDNET_7x7(L2, r);
        FN(put)(dst, x, n, r);
    }
}
#undef L2

#undef MIN
#undef MAX
#undef FN
#undef VT
#undef VL
