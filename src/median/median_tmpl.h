/* Sorting-network median loops for one key type KT (name suffix KS, vector KV of the level,
   lane-wise min / max imfilt_vmin_KS / imfilt_vmax_KS from src/simd/vec.h): one pixel per SIMD
   lane. Algorithm: every k-sample column of the window is sorted once per output row
   (colsort, shared by the k outputs that read it), then the median of k sorted columns is
   selected (mednet). Expanded by tools/expand_template.py into median_instances.h.
   instances:
     KS=u8  KT=uint8_t  KV=imfilt_vu8
     KS=u16 KT=uint16_t KV=imfilt_vu16
     KS=i16 KT=int16_t  KV=imfilt_vi16
     KS=i32 KT=int32_t  KV=imfilt_vi32
     KS=i64 KT=int64_t  KV=imfilt_vi64
*/

/* One vector of keys at any address: the vec.h load / store inside a function, since GCC 12
   schedules the networks worse with the macros inline (AVX2: a spill every step). */
static inline @KV@ ld_@KS@(const @KT@ *p) { return IMFILT_VLOAD(@KV@, p); }
static inline void st_@KS@(@KT@ *p, @KV@ v) { IMFILT_VSTORE(p, v); }

/* 3: three compare-exchanges per column. */
static void colsort3_@KS@(const void *const *rows_, void *const *ranks_, size_t n) {
    const @KT@ *const *rows = (const @KT@ *const *)rows_;
    @KT@ *const *ranks = (@KT@ *const *)ranks_;
    for (size_t x = 0; x < n; x += IMFILT_VLANES(@KT@)) {
        @KV@ a = ld_@KS@(rows[0] + x), b = ld_@KS@(rows[1] + x);
        @KV@ c = ld_@KS@(rows[2] + x);
        @KV@ lo = imfilt_vmin_@KS@(a, b), hi = imfilt_vmax_@KS@(a, b);
        @KV@ l2 = imfilt_vmin_@KS@(lo, c), m = imfilt_vmax_@KS@(lo, c);
        st_@KS@(ranks[0] + x, l2);
        st_@KS@(ranks[1] + x, imfilt_vmin_@KS@(m, hi));
        st_@KS@(ranks[2] + x, imfilt_vmax_@KS@(m, hi));
    }
}

/* 5 and 7: the generated networks (tools/gen_median_networks.py). */
#define L1(i) ld_@KS@(rows[i] + x)
#define S1(r, v) st_@KS@(ranks[r] + x, v)
static void colsort5_@KS@(const void *const *rows_, void *const *ranks_, size_t n) {
    const @KT@ *const *rows = (const @KT@ *const *)rows_;
    @KT@ *const *ranks = (@KT@ *const *)ranks_;
    for (size_t x = 0; x < n; x += IMFILT_VLANES(@KT@))
        IMF_COLSORT_5(@KV@, imfilt_vmin_@KS@, imfilt_vmax_@KS@, L1, S1);
}
static void colsort7_@KS@(const void *const *rows_, void *const *ranks_, size_t n) {
    const @KT@ *const *rows = (const @KT@ *const *)rows_;
    @KT@ *const *ranks = (@KT@ *const *)ranks_;
    for (size_t x = 0; x < n; x += IMFILT_VLANES(@KT@))
        IMF_COLSORT_7(@KV@, imfilt_vmin_@KS@, imfilt_vmax_@KS@, L1, S1);
}
#undef L1
#undef S1

/* Outputs x .. of n: the last partial vector stores only its lanes inside the row, through a
   lane array (IMFILT_VSTORE_TAIL there makes GCC schedule the whole network loop worse: 3%). */
static inline void put_@KS@(@KT@ *dst, size_t x, size_t n, @KV@ v) {
    if (x + IMFILT_VLANES(@KT@) <= n) {
        st_@KS@(dst + x, v);
        return;
    }
    @KT@ lanes[IMFILT_VLANES(@KT@)];
    st_@KS@(lanes, v);
    memcpy(dst + x, lanes, (n - x) * sizeof(@KT@));
}

/* 3x3 from sorted columns (lo, mid, hi): the median is med3(max of the lows, med3 of the mids,
   min of the highs) -- 12 min/max per output after the 6 of the column sort (Paeth). */
static void mednet3_@KS@(const void *const *ranks_, size_t step, void *dst_, size_t n) {
    const @KT@ *const *ranks = (const @KT@ *const *)ranks_;
    @KT@ *dst = (@KT@ *)dst_;
    const @KT@ *lo = ranks[0], *mi = ranks[1], *hi = ranks[2];
    for (size_t x = 0; x < n; x += IMFILT_VLANES(@KT@)) {
        @KV@ l = imfilt_vmax_@KS@(imfilt_vmax_@KS@(ld_@KS@(lo + x), ld_@KS@(lo + x + step)),
                                  ld_@KS@(lo + x + 2 * step));
        @KV@ h = imfilt_vmin_@KS@(imfilt_vmin_@KS@(ld_@KS@(hi + x), ld_@KS@(hi + x + step)),
                                  ld_@KS@(hi + x + 2 * step));
        @KV@ a = ld_@KS@(mi + x), b = ld_@KS@(mi + x + step);
        @KV@ c = ld_@KS@(mi + x + 2 * step);
        @KV@ m = imfilt_vmax_@KS@(imfilt_vmin_@KS@(a, b), imfilt_vmin_@KS@(imfilt_vmax_@KS@(a, b), c));
        @KV@ r = imfilt_vmax_@KS@(imfilt_vmin_@KS@(l, m), imfilt_vmin_@KS@(imfilt_vmax_@KS@(l, m), h));
        put_@KS@(dst, x, n, r);
    }
}

/* 5x5 and 7x7: pruned Batcher merges of the sorted columns (tools/gen_median_networks.py). */
#define L2(j, i) ld_@KS@(ranks[i] + x + (j) * step)
static void mednet5_@KS@(const void *const *ranks_, size_t step, void *dst_, size_t n) {
    const @KT@ *const *ranks = (const @KT@ *const *)ranks_;
    @KT@ *dst = (@KT@ *)dst_;
    for (size_t x = 0; x < n; x += IMFILT_VLANES(@KT@)) {
        @KV@ r;
        IMF_MEDNET_5x5(@KV@, imfilt_vmin_@KS@, imfilt_vmax_@KS@, L2, r);
        put_@KS@(dst, x, n, r);
    }
}
static void mednet7_@KS@(const void *const *ranks_, size_t step, void *dst_, size_t n) {
    const @KT@ *const *ranks = (const @KT@ *const *)ranks_;
    @KT@ *dst = (@KT@ *)dst_;
    for (size_t x = 0; x < n; x += IMFILT_VLANES(@KT@)) {
        @KV@ r;
        IMF_MEDNET_7x7(@KV@, imfilt_vmin_@KS@, imfilt_vmax_@KS@, L2, r);
        put_@KS@(dst, x, n, r);
    }
}
#undef L2
