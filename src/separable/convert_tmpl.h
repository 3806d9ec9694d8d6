/* Pixel-type conversions of the separable rows, per (work type W, pixel type P):
   load_<WS>_<PS> turns a row of pixels into W, store_<WS>_<PS> a row of sums into pixels by
   the output rule. STORE names how (SEP_STORE_* in separable_isa.c), [PMIN, PMAX] is P's
   range. Integer pixels take the rule one vector at a time (rows_tmpl.h's rule_block_<WS>);
   a row's tail goes through a padded local copy so that it takes exactly the body's
   arithmetic. Expanded by tools/expand_template.py into convert_instances.h (included by
   separable_isa.c after rows_instances.h).
   instances:
     WS=f32 W=float    PS=u8  P=uint8_t  STORE=SEP_STORE_RULE     PMIN=0         PMAX=255
     WS=f32 W=float    PS=u16 P=uint16_t STORE=SEP_STORE_RULE     PMIN=0         PMAX=65535
     WS=f32 W=float    PS=i16 P=int16_t  STORE=SEP_STORE_RULE     PMIN=-32768    PMAX=32767
     WS=f32 W=float    PS=f32 P=float    STORE=SEP_STORE_SCALE    PMIN=-FLT_MAX  PMAX=FLT_MAX
     WS=f32 W=float    PS=f64 P=double   STORE=SEP_STORE_SCALE    PMIN=-DBL_MAX  PMAX=DBL_MAX
     WS=f32 W=float    PS=i64 P=int64_t  STORE=SEP_STORE_CAST     PMIN=INT64_MIN PMAX=INT64_MAX
     WS=f64 W=double   PS=u8  P=uint8_t  STORE=SEP_STORE_RULE     PMIN=0         PMAX=255
     WS=f64 W=double   PS=u16 P=uint16_t STORE=SEP_STORE_RULE     PMIN=0         PMAX=65535
     WS=f64 W=double   PS=i16 P=int16_t  STORE=SEP_STORE_RULE     PMIN=-32768    PMAX=32767
     WS=f64 W=double   PS=f32 P=float    STORE=SEP_STORE_SCALE    PMIN=-FLT_MAX  PMAX=FLT_MAX
     WS=f64 W=double   PS=f64 P=double   STORE=SEP_STORE_SCALE    PMIN=-DBL_MAX  PMAX=DBL_MAX
     WS=f64 W=double   PS=i64 P=int64_t  STORE=SEP_STORE_CAST     PMIN=INT64_MIN PMAX=INT64_MAX
     WS=u16 W=uint16_t PS=u8  P=uint8_t  STORE=SEP_STORE_SATURATE PMIN=0         PMAX=255
     WS=u16 W=uint16_t PS=i64 P=int64_t  STORE=SEP_STORE_CAST     PMIN=INT64_MIN PMAX=INT64_MAX
*/

/* A plain loop: GCC vectorises it (vpmovzx + vcvtdq2ps) where __builtin_convertvector of
   narrow integers gets scalarised. (int64 is an output type only: its loads stay unused.) */
static __attribute__((unused)) void load_@WS@_@PS@(const void *srcv, W *dst, size_t n) {
    const P *src = (const P *)srcv;
    for (size_t i = 0; i < n; i++) dst[i] = (W)src[i];
}

#if STORE == SEP_STORE_RULE
/* cnt <= 4 * lanes outputs of src (4 * lanes readable): four vectors of int32 lanes, then one
   narrowing loop over them that GCC turns into packs (__builtin_convertvector of one vector
   to 8- or 16-bit lanes is scalarised below AVX-512) */
static inline __attribute__((always_inline)) void store_block_@WS@_@PS@(
        const W *src, P *dst, size_t cnt, const imfilt_out_rule *r, int mode, int in_float) {
    const size_t vl = IMFILT_VLANES(W);
    int32_t q[4 * IMFILT_VLANES(W)] __attribute__((aligned(64)));
    for (size_t u = 0; u < 4; u++)
        rule_block_@WS@(src + u * vl, q + u * vl, r, mode, in_float, (W)(PMIN), (W)(PMAX));
    for (size_t u = 0; u < cnt; u++) dst[u] = (P)q[u];
}

/* The loop is written once and instantiated per rule by store_<WS>_<PS>'s switch, with the
   rule a constant. */
static inline __attribute__((always_inline)) void store_loop_@WS@_@PS@(
        const W *src, P *dst, size_t n, const imfilt_out_rule *rule, int mode, int in_float) {
    const size_t vl = IMFILT_VLANES(W);
    /* a local copy: the stores through dst could alias *rule, which would reload it per vector */
    const imfilt_out_rule rl = *rule, *r = &rl;
    size_t i = 0;
    for (; i + 4 * vl <= n; i += 4 * vl)
        store_block_@WS@_@PS@(src + i, dst + i, 4 * vl, r, mode, in_float);
    if (i < n) {
        W pad[4 * IMFILT_VLANES(W)] = {0};
        memcpy(pad, src + i, (n - i) * sizeof(W));
        store_block_@WS@_@PS@(pad, dst + i, n - i, r, mode, in_float);
    }
}
#endif

static void store_@WS@_@PS@(const W *src, void *dstv, size_t n, const imfilt_out_rule *r) {
    P *dst = (P *)dstv;
#if STORE == SEP_STORE_RULE
    switch (r->mode) {
    case IMFILT_OUT_FLOOR_SHIFT: store_loop_@WS@_@PS@(src, dst, n, r, IMFILT_OUT_FLOOR_SHIFT, 0); break;
    case IMFILT_OUT_ROUND:
        if (r->scale_in_float) store_loop_@WS@_@PS@(src, dst, n, r, IMFILT_OUT_ROUND, 1);
        else store_loop_@WS@_@PS@(src, dst, n, r, IMFILT_OUT_ROUND, 0);
        break;
    default: store_loop_@WS@_@PS@(src, dst, n, r, IMFILT_OUT_CAST, 0); break;
    }
#elif STORE == SEP_STORE_SCALE
    if (r->scale == 1.0) { for (size_t i = 0; i < n; i++) dst[i] = (P)src[i]; }
    else { const W s = (W)r->scale; for (size_t i = 0; i < n; i++) dst[i] = (P)(src[i] * s); }
#elif STORE == SEP_STORE_CAST
    (void)r;
    for (size_t i = 0; i < n; i++) dst[i] = (P)src[i];
#elif STORE == SEP_STORE_SATURATE
    (void)r;
    for (size_t i = 0; i < n; i++) dst[i] = (P)(src[i] > PMAX ? PMAX : src[i]);
#endif
}
