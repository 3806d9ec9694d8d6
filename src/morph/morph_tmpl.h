/* Minimum / maximum row loops (the kernels of src/morph/morph.h), one instance per
   operation ON and pixel type TS, ending in the instance's kernel set morph_<ON>_<TS>.
   Every loop steps through the row by VT, then finishes with scalar samples: OP is the
   operation on samples, VOP the same on VT. Integer instances (one lane) skip the VT loop:
   GCC vectorises their plain ivdep loop with pminub/pmaxsw..., but widens the memcpy-loaded
   form to 32-bit compares (3x slower at AVX2, measured). Integers step by T itself (one lane): the
   compiler vectorises those loops at the level's width (pminub, pmaxsw...). Floats step by
   the level's vector with the family's NaN rule (morph_isa.c), which compilers do not
   derive reliably from the scalar form (measured 1.04-1.14x slower). uint8 (FAST_U8) adds
   the VBMI kernels of morph_isa.c where the level has them (MORPH_VBMI), for OPERATION.
   Vector loops first finish the samples before d's vector boundary in scalar (head_*): the
   drivers give their row buffers the image rows' phase, so loads and stores then stay whole
   cache lines (numpy rows sit 32 bytes off a line: every 64-byte access split, measured 1.4x
   slower than AVX2). float32 (SHIFT) at 64 bytes takes short shifts of one row from consecutive
   vectors by the two-source permute PERM (index vectors IT), one load per vector.
   Levels with a cheap byte alignment of two vectors (MORPH_VALIGN) take the short row taps
   of integer gray rows from consecutive whole vectors of WV (the level's vector for every
   type, WOP its operation), one load per vector.
   Floats also get plain instances (ON=pmin / pmax: the bare minps / maxps, no NaN rule),
   which give the same bits whenever no operand is NaN (PLAIN: the driver takes them for rows
   that their has_nan, SCAN, finds clean; MT: the type of VT's compares, int where unused).
   Expanded by tools/expand_template.py into morph_instances.h, included once by morph_isa.c.
   instances:
     ON=pmin TS=f32 T=float    VT=imfilt_vf32 OP=IMIN       VOP=imfilt_vmin_f32 OPERATION=IMFILT_MORPH_MIN FAST_U8=0 IT=imfilt_vi32 PERM=imfilt_vpermute2_f32 SHIFT=1 PLAIN=NULL HASNAN=NULL SCAN=1 MT=imfilt_vi32 WV=imfilt_vf32 WOP=imfilt_vmin_f32
     ON=pmax TS=f32 T=float    VT=imfilt_vf32 OP=IMAX       VOP=imfilt_vmax_f32 OPERATION=IMFILT_MORPH_MAX FAST_U8=0 IT=imfilt_vi32 PERM=imfilt_vpermute2_f32 SHIFT=1 PLAIN=NULL HASNAN=NULL SCAN=1 MT=imfilt_vi32 WV=imfilt_vf32 WOP=imfilt_vmax_f32
     ON=pmin TS=f64 T=double   VT=imfilt_vf64 OP=IMIN       VOP=imfilt_vmin_f64 OPERATION=IMFILT_MORPH_MIN FAST_U8=0 IT=int PERM=none SHIFT=0 PLAIN=NULL HASNAN=NULL SCAN=1 MT=imfilt_vi64 WV=imfilt_vf64 WOP=imfilt_vmin_f64
     ON=pmax TS=f64 T=double   VT=imfilt_vf64 OP=IMAX       VOP=imfilt_vmax_f64 OPERATION=IMFILT_MORPH_MAX FAST_U8=0 IT=int PERM=none SHIFT=0 PLAIN=NULL HASNAN=NULL SCAN=1 MT=imfilt_vi64 WV=imfilt_vf64 WOP=imfilt_vmax_f64
     ON=min TS=u8  T=uint8_t  VT=uint8_t     OP=IMIN       VOP=IMIN        OPERATION=IMFILT_MORPH_MIN FAST_U8=1 IT=int PERM=none SHIFT=0 PLAIN=NULL HASNAN=NULL SCAN=0 MT=int WV=imfilt_vu8 WOP=imfilt_vmin_u8
     ON=max TS=u8  T=uint8_t  VT=uint8_t     OP=IMAX       VOP=IMAX        OPERATION=IMFILT_MORPH_MAX FAST_U8=1 IT=int PERM=none SHIFT=0 PLAIN=NULL HASNAN=NULL SCAN=0 MT=int WV=imfilt_vu8 WOP=imfilt_vmax_u8
     ON=min TS=u16 T=uint16_t VT=uint16_t    OP=IMIN       VOP=IMIN        OPERATION=IMFILT_MORPH_MIN FAST_U8=0 IT=int PERM=none SHIFT=0 PLAIN=NULL HASNAN=NULL SCAN=0 MT=int WV=imfilt_vu16 WOP=imfilt_vmin_u16
     ON=max TS=u16 T=uint16_t VT=uint16_t    OP=IMAX       VOP=IMAX        OPERATION=IMFILT_MORPH_MAX FAST_U8=0 IT=int PERM=none SHIFT=0 PLAIN=NULL HASNAN=NULL SCAN=0 MT=int WV=imfilt_vu16 WOP=imfilt_vmax_u16
     ON=min TS=i16 T=int16_t  VT=int16_t     OP=IMIN       VOP=IMIN        OPERATION=IMFILT_MORPH_MIN FAST_U8=0 IT=int PERM=none SHIFT=0 PLAIN=NULL HASNAN=NULL SCAN=0 MT=int WV=imfilt_vi16 WOP=imfilt_vmin_i16
     ON=max TS=i16 T=int16_t  VT=int16_t     OP=IMAX       VOP=IMAX        OPERATION=IMFILT_MORPH_MAX FAST_U8=0 IT=int PERM=none SHIFT=0 PLAIN=NULL HASNAN=NULL SCAN=0 MT=int WV=imfilt_vi16 WOP=imfilt_vmax_i16
     ON=min TS=f32 T=float    VT=imfilt_vf32 OP=nanmin_f32 VOP=vnanmin_f32 OPERATION=IMFILT_MORPH_MIN FAST_U8=0 IT=imfilt_vi32 PERM=imfilt_vpermute2_f32 SHIFT=1 PLAIN=&morph_pmin_f32 HASNAN=has_nan_pmin_f32 SCAN=0 MT=int WV=imfilt_vf32 WOP=vnanmin_f32
     ON=max TS=f32 T=float    VT=imfilt_vf32 OP=nanmax_f32 VOP=vnanmax_f32 OPERATION=IMFILT_MORPH_MAX FAST_U8=0 IT=imfilt_vi32 PERM=imfilt_vpermute2_f32 SHIFT=1 PLAIN=&morph_pmax_f32 HASNAN=has_nan_pmax_f32 SCAN=0 MT=int WV=imfilt_vf32 WOP=vnanmax_f32
     ON=min TS=f64 T=double   VT=imfilt_vf64 OP=nanmin_f64 VOP=vnanmin_f64 OPERATION=IMFILT_MORPH_MIN FAST_U8=0 IT=int PERM=none SHIFT=0 PLAIN=&morph_pmin_f64 HASNAN=has_nan_pmin_f64 SCAN=0 MT=int WV=imfilt_vf64 WOP=vnanmin_f64
     ON=max TS=f64 T=double   VT=imfilt_vf64 OP=nanmax_f64 VOP=vnanmax_f64 OPERATION=IMFILT_MORPH_MAX FAST_U8=0 IT=int PERM=none SHIFT=0 PLAIN=&morph_pmax_f64 HASNAN=has_nan_pmax_f64 SCAN=0 MT=int WV=imfilt_vf64 WOP=vnanmax_f64
*/

/* Samples before d reaches a vector boundary (0 where the loops are scalar). */
static inline size_t head_@ON@_@TS@(const void *d, size_t n) {
    const size_t lanes = sizeof(VT) / sizeof(T);
    const size_t h = lanes > 1 ? (size_t)(-(uintptr_t)d) % sizeof(VT) / sizeof(T) : 0;
    return h < n ? h : n;
}

/* d = op(a, b); d may equal a or b */
static void op2_@ON@_@TS@(void *dv, const void *av, const void *bv, size_t n) {
    T *d = dv;
    const T *a = av, *b = bv;
    const size_t lanes = sizeof(VT) / sizeof(T), h = head_@ON@_@TS@(d, n);
    size_t i = 0;
    for (; i < h; i++) d[i] = OP(a[i], b[i]);
#pragma GCC ivdep
    for (; lanes > 1 && i + lanes <= n; i += lanes)
        IMFILT_VSTORE(d + i, (VT)VOP(IMFILT_VLOAD(VT, a + i), IMFILT_VLOAD(VT, b + i)));
#pragma GCC ivdep
    for (; i < n; i++) d[i] = OP(a[i], b[i]);
}

/* d = op(op(a, b), c) */
static void op3_@ON@_@TS@(void *dv, const void *av, const void *bv, const void *cv, size_t n) {
    T *d = dv;
    const T *a = av, *b = bv, *c = cv;
    const size_t lanes = sizeof(VT) / sizeof(T), h = head_@ON@_@TS@(d, n);
    size_t i = 0;
    for (; i < h; i++) d[i] = OP(OP(a[i], b[i]), c[i]);
#pragma GCC ivdep
    for (; lanes > 1 && i + lanes <= n; i += lanes)
        IMFILT_VSTORE(d + i, (VT)VOP(VOP(IMFILT_VLOAD(VT, a + i), IMFILT_VLOAD(VT, b + i)),
                                 IMFILT_VLOAD(VT, c + i)));
#pragma GCC ivdep
    for (; i < n; i++) d[i] = OP(OP(a[i], b[i]), c[i]);
}

/* d = op(op(r0, r1), op(r2, r3)), then op with r4 (k = 5) or with op(r4, r5) (k = 6): the
   column pass of 4 to 6 rows, or 4 shifted copies of one row; k is a constant once inlined */
static inline __attribute__((always_inline)) void optree_@ON@_@TS@(T *d, const T *const *r,
                                                                   size_t k, size_t n) {
    const T *r0 = r[0], *r1 = r[1], *r2 = r[2], *r3 = r[3];
    const T *r4 = r[k > 4 ? 4 : 0], *r5 = r[k > 5 ? 5 : 0];
    const size_t lanes = sizeof(VT) / sizeof(T), h = head_@ON@_@TS@(d, n);
    size_t i = 0;
    for (; i < h; i++) {
        T x = OP(OP(r0[i], r1[i]), OP(r2[i], r3[i]));
        if (k == 5) x = OP(x, r4[i]);
        if (k == 6) x = OP(x, OP(r4[i], r5[i]));
        d[i] = x;
    }
#pragma GCC ivdep
    for (; lanes > 1 && i + lanes <= n; i += lanes) {
        VT x = VOP(VOP(IMFILT_VLOAD(VT, r0 + i), IMFILT_VLOAD(VT, r1 + i)),
                   VOP(IMFILT_VLOAD(VT, r2 + i), IMFILT_VLOAD(VT, r3 + i)));
        if (k == 5) x = VOP(x, IMFILT_VLOAD(VT, r4 + i));
        if (k == 6) x = VOP(x, VOP(IMFILT_VLOAD(VT, r4 + i), IMFILT_VLOAD(VT, r5 + i)));
        IMFILT_VSTORE(d + i, x);
    }
#pragma GCC ivdep
    for (; i < n; i++) {
        T x = OP(OP(r0[i], r1[i]), OP(r2[i], r3[i]));
        if (k == 5) x = OP(x, r4[i]);
        if (k == 6) x = OP(x, OP(r4[i], r5[i]));
        d[i] = x;
    }
}

/* d = op over k <= 6 rows in one pass: the direct column pass of short windows */
static void opn_@ON@_@TS@(void *dv, const void *const *rows, size_t k, size_t n) {
    T *d = dv;
    const T *const *r = (const T *const *)rows;
    switch (k) {
    case 1: if ((const void *)d != rows[0]) memcpy(d, r[0], n * sizeof(T)); break;
    case 2: op2_@ON@_@TS@(d, r[0], r[1], n); break;
    case 3: op3_@ON@_@TS@(d, r[0], r[1], r[2], n); break;
    case 4: optree_@ON@_@TS@(d, r, 4, n); break;
    case 5: optree_@ON@_@TS@(d, r, 5, n); break;
    default: optree_@ON@_@TS@(d, r, 6, n); break;
    }
}

/* van Herk / Gil-Werman down the columns, one row of the prefix half: p = op(p, r) extends the
   running prefix extremum of the block, v = op(s, p) joins it to the block's suffix extremum. */
static void vstep_@ON@_@TS@(void *vv, void *pv, const void *rv, const void *sv, size_t n) {
    T *v = vv, *p = pv;
    const T *r = rv, *s = sv;
    const size_t lanes = sizeof(VT) / sizeof(T), h = head_@ON@_@TS@(v, n);
    size_t i = 0;
    for (; i < h; i++) {
        const T t = OP(p[i], r[i]);
        p[i] = t;
        v[i] = OP(s[i], t);
    }
#pragma GCC ivdep
    for (; lanes > 1 && i + lanes <= n; i += lanes) {
        const VT t = VOP(IMFILT_VLOAD(VT, p + i), IMFILT_VLOAD(VT, r + i));
        IMFILT_VSTORE(p + i, t);
        IMFILT_VSTORE(v + i, (VT)VOP(IMFILT_VLOAD(VT, s + i), t));
    }
#pragma GCC ivdep
    for (; i < n; i++) {
        const T t = OP(p[i], r[i]);
        p[i] = t;
        v[i] = OP(s[i], t);
    }
}

#if SHIFT && MORPH_FLOAT_SHIFT
/* d[i] = op(a[i], a[i + o1], a[i + o2], a[i + o3]), o3 < lanes, from ONE load per vector: the
   shifted copies are permutes of the pair of consecutive vectors (each unaligned 64-byte load
   splits a cache line). Whole vectors only, from d's vector boundary on (the head in scalar);
   returns the count done. Reads a up to the last vector's a[i + 2 * lanes - 1]. */
static inline size_t op4s_shift_@ON@_@TS@(T *d, const T *a, size_t o1, size_t o2, size_t o3,
                                          size_t n) {
    const size_t lanes = sizeof(VT) / sizeof(T), h = head_@ON@_@TS@(d, n);
    if (n - h < lanes) return 0;
    size_t i = 0;
    for (; i < h; i++) d[i] = OP(OP(a[i], a[i + o1]), OP(a[i + o2], a[i + o3]));
    IT id;
    for (size_t j = 0; j < lanes; j++) id[j] = (__typeof__(id[0]))j;
    const IT i1 = id + (__typeof__(id[0]))o1, i2 = id + (__typeof__(id[0]))o2,
             i3 = id + (__typeof__(id[0]))o3;
    VT lo = IMFILT_VLOAD(VT, a + i);
    for (; i + lanes <= n; i += lanes) {
        const VT hi = IMFILT_VLOAD(VT, a + i + lanes);
        IMFILT_VSTORE(d + i, (VT)VOP(VOP(lo, PERM(lo, i1, hi)),
                                     VOP(PERM(lo, i2, hi), PERM(lo, i3, hi))));
        lo = hi;
    }
    return i;
}
#endif

#if MORPH_VALIGN
/* d[x] = op over a[x + o_t], t < k (2 <= k <= 6, o_0 = 0, offsets o_t * sizeof(T) <= the
   vector's bytes; all constants once inlined) in the operand order of opn's tree, the shifted
   copies aligned out of consecutive vectors (one load per vector). Whole vectors only, from
   d's vector boundary on (the head in scalar); returns the count done. Reads a up to the
   last vector's a[i + 2 * lanes - 1]. */
static inline __attribute__((always_inline)) size_t align_tree_@ON@_@TS@(
        T *d, const T *a, const size_t k, const size_t o1, const size_t o2, const size_t o3,
        const size_t o4, const size_t o5, size_t n) {
    const size_t lanes = sizeof(WV) / sizeof(T), o[6] = {0, o1, o2, o3, o4, o5};
    size_t h = (size_t)(-(uintptr_t)d) % sizeof(WV) / sizeof(T);
    if (n < h + lanes) return 0;
    size_t i = 0;
    for (; i < h; i++) {
        T x = OP(a[i], a[i + o1]);
        if (k == 3) x = OP(x, a[i + o2]);
        if (k >= 4) x = OP(x, OP(a[i + o2], a[i + o3]));
        if (k == 5) x = OP(x, a[i + o4]);
        if (k == 6) x = OP(x, OP(a[i + o4], a[i + o5]));
        d[i] = x;
    }
    WV lo = IMFILT_VLOAD(WV, a + i);
    for (; i + lanes <= n; i += lanes) {
        const WV hi = IMFILT_VLOAD(WV, a + i + lanes);
        WV s[6];
        for (size_t t = 0; t < k; t++)
            s[t] = (WV)imfilt_valign_u8((imfilt_vu8)lo, (imfilt_vu8)hi, (int)(o[t] * sizeof(T)));
        WV x = WOP(s[0], s[1]);
        if (k == 3) x = WOP(x, s[2]);
        if (k >= 4) x = WOP(x, WOP(s[2], s[3]));
        if (k == 5) x = WOP(x, s[4]);
        if (k == 6) x = WOP(x, WOP(s[4], s[5]));
        IMFILT_VSTORE(d + i, x);
        lo = hi;
    }
    return i;
}
#endif

/* d[i] = op over a[i], a[i + o1], a[i + o2], a[i + o3] (offsets in samples) */
static inline void op4s_@ON@_@TS@(T *d, const T *a, size_t o1, size_t o2, size_t o3, size_t n) {
#if SHIFT && MORPH_FLOAT_SHIFT
    if (o3 < sizeof(VT) / sizeof(T)) {
        const size_t done = op4s_shift_@ON@_@TS@(d, a, o1, o2, o3, n);
        d += done; a += done; n -= done;
    }
#endif
#if FAST_U8 && MORPH_VBMI
    /* offsets within one vector: shuffles of consecutive vectors (whole vectors only) */
    if (o3 < 64) {
        const size_t done = op4s_vbmi(d, a, o1, o2, o3, n, OPERATION);
        d += done; a += done; n -= done;
    }
#endif
    const T *const r[4] = {a, a + o1, a + o2, a + o3};
    optree_@ON@_@TS@(d, r, 4, n);
}

#if FAST_U8 && MORPH_VBMI
/* nl fused doubling levels (fused_vbmi), nl a compile-time constant: the levels unroll */
static void fused_@ON@_@TS@(uint8_t *d, const uint8_t *a, const size_t *off, size_t nl,
                            size_t nv, size_t last) {
    switch (nl) {
    case 1: fused_vbmi(d, a, off, 1, nv, last, OPERATION); break;
    case 2: fused_vbmi(d, a, off, 2, nv, last, OPERATION); break;
    case 3: fused_vbmi(d, a, off, 3, nv, last, OPERATION); break;
    case 4: fused_vbmi(d, a, off, 4, nv, last, OPERATION); break;
    case 5: fused_vbmi(d, a, off, 5, nv, last, OPERATION); break;
    case 6: fused_vbmi(d, a, off, 6, nv, last, OPERATION); break;
    case 7: fused_vbmi(d, a, off, 7, nv, last, OPERATION); break;
    default: fused_vbmi(d, a, off, 8, nv, last, OPERATION); break;
    }
}

/* The uint8 rectangle kernel (direct8_rows) with kw a compile-time constant: the taps unroll */
static void direct8_@ON@_@TS@(const uint8_t *const *rows, size_t kh, size_t kw, size_t C,
                              size_t lp, const imf_edge8 *left, const imf_edge8 *right,
                              uint8_t cv, size_t n, uint8_t *dst) {
    switch (kw) {
    case 1: direct8_rows(rows, kh, 1, C, lp, left, right, cv, n, dst, OPERATION); return;
    case 2: direct8_rows(rows, kh, 2, C, lp, left, right, cv, n, dst, OPERATION); return;
    case 3: direct8_rows(rows, kh, 3, C, lp, left, right, cv, n, dst, OPERATION); return;
    case 4: direct8_rows(rows, kh, 4, C, lp, left, right, cv, n, dst, OPERATION); return;
    case 5: direct8_rows(rows, kh, 5, C, lp, left, right, cv, n, dst, OPERATION); return;
    case 6: direct8_rows(rows, kh, 6, C, lp, left, right, cv, n, dst, OPERATION); return;
    default: direct8_rows(rows, kh, 7, C, lp, left, right, cv, n, dst, OPERATION); return;
    }
}
#endif

/* Running extremum along a row by doubling (a logarithmic decomposition, the SIMD form of
   running extrema along contiguous samples). uint8 with VBMI: radix-2 levels M_2q[x] =
   op(M_q[x], M_q[x + q]) and the final d[x] = op(M_q[x], M_q[x + len - q]) fused in registers
   (fused_vbmi: one load and one store per vector whatever len, 2 vector ops per doubling) as
   long as the offset fits a vector pair (len <= 192 for one channel); beyond, the fused
   levels give M_128 and the radix-4 passes below finish. Elsewhere radix-4 passes:
   M_4p[x] = op of M_p at x, x + p, x + 2p, x + 3p, and finally d[x] = op of M_p at x, x + p,
   ..., x + len - p (2 to 4 overlapping windows), ceil(log4(len)) vector passes over an
   L1-resident row, instead of len - 1 operations per sample. */
static void hrun_@ON@_@TS@(void *dv, const void *sv, void *t1v, void *t2v, size_t n, size_t len,
                           size_t step) {
    T *d = dv;
    const T *cur = sv;
    T *t1 = t1v, *t2 = t2v;
    size_t p = 1;
    T *nxt = t1;
#if FAST_U8 && MORPH_VBMI
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
            fused_@ON@_@TS@(d, cur, off, nl, (n + 63) / 64, n - (n - 1) / 64 * 64);
            return;
        }
        if (nl >= 2) {
            const size_t m = (n + (len - q) * step + 63) / 64;
            fused_@ON@_@TS@(t1, cur, off, nl, m, 64);
            cur = t1; nxt = t2; p = q;
        }
    }
    if (len >= 2 && len <= 4 && p == 1 && (len - 1) * step * sizeof(T) < 64) {
        /* the one-load shuffle kernel, repeating the last offset (the op is idempotent) */
        const size_t o3 = (len - 1) * step, o2 = len > 2 ? 2 * step : step;
        op4s_@ON@_@TS@(d, cur, step, o2, o3, n);
        return;
    }
#endif
#if SHIFT && MORPH_FLOAT_SHIFT
    if (len >= 2 && len <= 4 && (len - 1) * step < sizeof(VT) / sizeof(T)) {
        /* one load per vector (op4s_shift), repeating the last offset (the op is idempotent) */
        op4s_@ON@_@TS@(d, cur, step, len > 2 ? 2 * step : step, (len - 1) * step, n);
        return;
    }
#endif
#if MORPH_VALIGN
    /* integers only: float32 3x3 at AVX2 measured 1.06x slower than its shifted loads */
    if (len >= 2 && len <= 6 && p == 1 && step == 1 && sizeof(T) <= 2) {
        size_t done;
        switch (len) {
        case 2: done = align_tree_@ON@_@TS@(d, cur, 2, 1, 0, 0, 0, 0, n); break;
        case 3: done = align_tree_@ON@_@TS@(d, cur, 3, 1, 2, 0, 0, 0, n); break;
        case 4: done = align_tree_@ON@_@TS@(d, cur, 4, 1, 2, 3, 0, 0, n); break;
        case 5: done = align_tree_@ON@_@TS@(d, cur, 5, 1, 2, 3, 4, 0, n); break;
        default: done = align_tree_@ON@_@TS@(d, cur, 6, 1, 2, 3, 4, 5, n); break;
        }
        d += done; cur += done; n -= done;
    }
#endif
    if (len <= 6 && p == 1) {
        /* one pass, len shifted loads */
        const void *r[6] = {cur};
        for (size_t k = 0; k < len; k++) r[k] = cur + k * step;
        opn_@ON@_@TS@(d, r, len ? len : 1, n);
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
#if MORPH_VALIGN
        /* the first two levels of gray integer rows: constant offsets, aligned out of
           consecutive vectors */
        if (step == 1 && sizeof(T) <= 2 && p <= 4) {
            const size_t done = p == 1 ? align_tree_@ON@_@TS@(out, cur, 4, 1, 2, 3, 0, 0, m)
                                       : align_tree_@ON@_@TS@(out, cur, 4, 4, 8, 12, 0, 0, m);
            op4s_@ON@_@TS@(out + done, cur + done, sh, 2 * sh, 3 * sh, m - done);
        } else
#endif
        op4s_@ON@_@TS@(out, cur, sh, 2 * sh, 3 * sh, m);
        if (out == d) return;
        cur = nxt;
        nxt = (nxt == t1) ? t2 : t1;
        p *= 4;
    }
    const size_t last = (len - p) * step, q = (len + p - 1) / p;
    if (q == 2) op2_@ON@_@TS@(d, cur, cur + last, n);
    else if (q == 3) op3_@ON@_@TS@(d, cur, cur + p * step, cur + last, n);
    else op4s_@ON@_@TS@(d, cur, p * step, 2 * p * step, last, n);
}

#if SCAN
/* whether any of the n samples is NaN: one compare per vector */
static int has_nan_@ON@_@TS@(const void *pv, size_t n) {
    const T *p = pv;
    const size_t lanes = sizeof(VT) / sizeof(T);
    MT acc = {0};
    size_t i = 0;
    for (; i + 4 * lanes <= n; i += 4 * lanes) { /* 4 vectors a step: the loop's own cost */
        const VT v0 = IMFILT_VLOAD(VT, p + i), v1 = IMFILT_VLOAD(VT, p + i + lanes);
        const VT v2 = IMFILT_VLOAD(VT, p + i + 2 * lanes), v3 = IMFILT_VLOAD(VT, p + i + 3 * lanes);
        acc |= (v0 != v0) | (v1 != v1) | (v2 != v2) | (v3 != v3);
    }
    for (; i + lanes <= n; i += lanes) {
        const VT v = IMFILT_VLOAD(VT, p + i);
        acc |= v != v;
    }
    int any = 0;
    for (size_t k = 0; k < lanes; k++) any |= acc[k] != 0;
    for (; i < n; i++) any |= p[i] != p[i];
    return any;
}
#endif

static const imfilt_morph_kernels morph_@ON@_@TS@ = {
    .op2 = op2_@ON@_@TS@,
    .op3 = op3_@ON@_@TS@,
    .opn = opn_@ON@_@TS@,
    .vstep = vstep_@ON@_@TS@,
    .hrun = hrun_@ON@_@TS@,
    .plain = PLAIN,
    .has_nan = HASNAN,
#if FAST_U8 && MORPH_VBMI
    .direct8 = direct8_@ON@_@TS@,
#endif
};
