/* Perreault & Hebert (2007), O(1) per pixel for uint8, for one column-count type CT (name
   suffix PS, 16-count vector CVT): uint8 counts when the window is at most 255 rows tall (column
   histograms half the size, cache-resident), uint16 otherwise. Algorithm: one 256-bin (plus
   16-bin coarse) histogram per image column, slid down one row per output row; the kernel
   histogram slides right by adding the entering column's histogram and subtracting the leaving
   one; the median is found in the coarse bins, then in 16 fine bins. Histograms are stored as
   prefix sums (the coarse one over its 16 bins, the fine one within each 16-bin segment): a
   column update is one vector add, and finding the median's bin is one compare of the prefix
   sums (imfilt_u16x16_prefix_find, src/simd/vec.h). Expanded by tools/expand_template.py into
   median_ph_instances.h.
   No overflow: a column count is at most kh (<= 255 for uint8 counts, <= 65535 otherwise) and
   the window histogram at most kh * kw <= 65535 (median.c takes this path only then), so uint16
   window counts cannot wrap.
   instances:
     PS=c8  CT=uint8_t  CVT=imfilt_u8x16
     PS=c16 CT=uint16_t CVT=imfilt_u16x16
*/

/* 16 column counts widened to the window histogram's uint16 lanes. */
static inline imfilt_u16x16 ldc_@PS@(const @CT@ *p) {
    @CT@ a[16];
    memcpy(a, p, sizeof a);
    imfilt_u16x16 v;
    for (int i = 0; i < 16; i++) v[i] = a[i];
    return v;
}
/* Prefix-sum column histograms: adding value v adds 1 to coarse bins >= v >> 4 and to the
   fine bins >= v & 15 of segment v >> 4. */
/* step_PS[i]: all ones (= -1) in lanes >= i; fstep_PS[v] = step_PS[v & 15], indexed by the
   value itself (one shift of v addresses it) */
#define SL(i, l) (@CT@)((l) >= (i) ? -1 : 0)
#define SROW(i) {SL(i, 0), SL(i, 1), SL(i, 2), SL(i, 3), SL(i, 4), SL(i, 5), SL(i, 6), SL(i, 7), \
                 SL(i, 8), SL(i, 9), SL(i, 10), SL(i, 11), SL(i, 12), SL(i, 13), SL(i, 14), SL(i, 15)}
#define SROWS SROW(0), SROW(1), SROW(2), SROW(3), SROW(4), SROW(5), SROW(6), SROW(7), SROW(8), \
              SROW(9), SROW(10), SROW(11), SROW(12), SROW(13), SROW(14), SROW(15)
static const @CVT@ step_@PS@[16] = {SROWS};
static const @CVT@ fstep_@PS@[256] = {SROWS, SROWS, SROWS, SROWS, SROWS, SROWS, SROWS, SROWS,
                                      SROWS, SROWS, SROWS, SROWS, SROWS, SROWS, SROWS, SROWS};
#undef SL
#undef SROW
#undef SROWS

/* The fine segment of value v (at f + seg, seg = v & 0xF0) in column histogram f gains
   (sign > 0) or loses one sample. */
static inline void bump_@PS@(@CT@ *f, unsigned seg, unsigned v, int sign) {
    @CT@ *p = f + seg;
    @CVT@ s = IMFILT_VLOAD(@CVT@, p), m = fstep_@PS@[v];
    if (sign > 0) s -= m; else s += m;
    IMFILT_VSTORE(p, s);
}
/* step_PS[v >> 4] at its byte offset, (v & 0xF0) * sizeof(CT): the same register as the fine
   segment's offset */
static inline @CVT@ cstep_@PS@(unsigned seg) {
    return IMFILT_VLOAD(@CVT@, (const char *)step_@PS@ + seg * sizeof(@CT@));
}

static void ph_update_@PS@(imf_ph_cols *cols, const uint8_t *add, const uint8_t *sub) {
    @CT@ *fine = (@CT@ *)cols->fine, *coarse = (@CT@ *)cols->coarse;
    const size_t n = cols->ncols;
    size_t e0 = 0;
#if defined(__AVX512VBMI__) && defined(__AVX512BW__)
    if (sub && sizeof(@CT@) == 1) {
        /* uint8 counts: the coarse prefix sums of 4 columns are one 64-byte vector; bin i of a
           column gains 1 when i >= v >> 4, i.e. v <= 16 i + 15: one byte compare against the
           column's value broadcast over its 16 lanes (vpermb), then masked +-1 */
        uint8_t tb[64];  /* 16 i + 15 in lane i of each 16-byte group */
        for (int j = 0; j < 64; j++) tb[j] = (uint8_t)(16 * (j % 16) + 15);
        __m512i t;
        memcpy(&t, tb, 64);
        const __m512i one = _mm512_set1_epi8(1);
        __m512i idx[4];
        for (int g = 0; g < 4; g++) {
            uint8_t b[64];
            for (int j = 0; j < 64; j++) b[j] = (uint8_t)(g * 4 + j / 16);
            memcpy(&idx[g], b, 64);
        }
        for (; e0 + 16 <= n; e0 += 16) {
            __m512i ra = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(add + e0)));
            __m512i rs = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(sub + e0)));
            for (int g = 0; g < 4; g++) {
                @CT@ *p = coarse + (e0 + 4 * (size_t)g) * 16;
                __m512i c = _mm512_loadu_si512(p);
                __mmask64 ka = _mm512_cmple_epu8_mask(_mm512_permutexvar_epi8(idx[g], ra), t);
                __mmask64 ks = _mm512_cmple_epu8_mask(_mm512_permutexvar_epi8(idx[g], rs), t);
                c = _mm512_mask_add_epi8(c, ka, c, one);
                c = _mm512_mask_sub_epi8(c, ks, c, one);
                _mm512_storeu_si512(p, c);
            }
        }
        for (size_t e = 0; e < e0; e++) {  /* their fine bins */
            unsigned va = add[e], vs = sub[e];
            bump_@PS@(fine + e * 256, vs & 0xF0u, vs, -1);
            bump_@PS@(fine + e * 256, va & 0xF0u, va, 1);
        }
    }
#endif
    if (sub) { /* one pass: both changes of a column, one coarse load/store */
        @CT@ *f = fine + e0 * 256, *c = coarse + e0 * 16;
        for (size_t e = e0; e < n; e++, f += 256, c += 16) {
            const unsigned va = add[e], vs = sub[e], sa = va & 0xF0u, ss = vs & 0xF0u;
            IMFILT_VSTORE(c, IMFILT_VLOAD(@CVT@, c) + cstep_@PS@(ss) - cstep_@PS@(sa));
            bump_@PS@(f, ss, vs, -1);
            bump_@PS@(f, sa, va, 1);
        }
    } else {
        @CT@ *f = fine, *c = coarse;
        for (size_t e = 0; e < n; e++, f += 256, c += 16) {
            const unsigned v = add[e], sv = v & 0xF0u;
            bump_@PS@(f, sv, v, 1);
            IMFILT_VSTORE(c, IMFILT_VLOAD(@CVT@, c) - cstep_@PS@(sv));
        }
    }
}

/* The kernel histogram keeps all 16 coarse bins current; a 16-bin fine segment is brought up
   to date only when the median falls in its coarse bin (Perreault-Hebert's lazy update), so
   smooth images touch about one segment per step. Each row is walked as two independent
   halves stepped together: two dependency chains per iteration keep the core busy. */

static inline void ph_init_@PS@(ph_state *S, const @CT@ *const *cp, size_t x0, size_t kw) {
    S->hc = (imfilt_u16x16){0};
    for (size_t j = 0; j < kw; j++) S->hc += ldc_@PS@(cp[x0 + j]);
    for (int b = 0; b < 16; b++) S->last[b] = PTRDIFF_MIN / 2;
    S->cur = 16;
}

/* One step: the fine segment of the median's coarse bin lives in a register while the median
   stays in that bin (the common case on photographs); others are parked in hf with the
   window position they are valid for. */
static inline uint8_t ph_step_@PS@(ph_state *S, ph_regs *R, const @CT@ *const *fp, const @CT@ *const *cp,
                                   size_t x, int slide, size_t kw, imfilt_u16x16 tv) {
    if (slide) R->hc += ldc_@PS@(cp[x + kw - 1]) - ldc_@PS@(cp[x - 1]);
    imfilt_u16x16 rest;
    const size_t cb = imfilt_u16x16_prefix_find(R->hc, tv, &rest), off = cb * 16;
    imfilt_u16x16 seg;
    if (__builtin_expect(cb == R->cur, 1)) {
        seg = R->seg + ldc_@PS@(fp[x + kw - 1] + off) - ldc_@PS@(fp[x - 1] + off);
    } else {
        if (R->cur < 16) {
            IMFILT_VSTORE(S->hf + R->cur * 16, R->seg);
            S->last[R->cur] = (ptrdiff_t)x - 1;
        }
        const ptrdiff_t xl = (ptrdiff_t)x, lb = S->last[cb];
        if ((size_t)(xl - lb) * 2 < kw) {
            seg = IMFILT_VLOAD(imfilt_u16x16, S->hf + off);
            for (size_t s = (size_t)lb + 1; s <= x; s++)
                seg += ldc_@PS@(fp[s + kw - 1] + off) - ldc_@PS@(fp[s - 1] + off);
        } else {
            imfilt_u16x16 s0 = (imfilt_u16x16){0}, s1 = s0;
            size_t j = 0;
            for (; j + 2 <= kw; j += 2) {
                s0 += ldc_@PS@(fp[x + j] + off);
                s1 += ldc_@PS@(fp[x + j + 1] + off);
            }
            if (j < kw) s0 += ldc_@PS@(fp[x + j] + off);
            seg = s0 + s1;
        }
        R->cur = cb;
    }
    R->seg = seg;
    imfilt_u16x16 unused;
    return (uint8_t)(off + imfilt_u16x16_prefix_find(seg, rest, &unused));
}

/* One channel's output row (every `channels`-th byte of o) as two walks. */
static inline __attribute__((always_inline)) void ph_walks_@PS@(const @CT@ *const *fp,
        const @CT@ *const *cp, size_t width, size_t channels, size_t kw, imfilt_u16x16 tv,
        uint8_t *o) {
    ph_state S0, S1;
    const size_t half = width / 2;
    ph_init_@PS@(&S0, cp, 0, kw);
    ph_init_@PS@(&S1, cp, half, kw);
    ph_regs R0 = {S0.hc, (imfilt_u16x16){0}, 16}, R1 = {S1.hc, (imfilt_u16x16){0}, 16};
    const size_t x1 = half ? 1 : 0;  /* the first step of a walk does not slide */
    if (half) {
        o[0] = ph_step_@PS@(&S0, &R0, fp, cp, 0, 0, kw, tv);
        o[half * channels] = ph_step_@PS@(&S1, &R1, fp, cp, half, 0, kw, tv);
    }
    for (size_t x = x1; x < half; x++) {
        uint8_t a = ph_step_@PS@(&S0, &R0, fp, cp, x, 1, kw, tv);
        uint8_t b = ph_step_@PS@(&S1, &R1, fp, cp, half + x, 1, kw, tv);
        o[x * channels] = a;
        o[(half + x) * channels] = b;
    }
    for (size_t x = 2 * half; x < width; x++)  /* odd width: the last pixel */
        o[x * channels] = ph_step_@PS@(&S1, &R1, fp, cp, x, x > half, kw, tv);
}

static void ph_row_@PS@(const void *const *fpv, const void *const *cpv, size_t width,
                        size_t channels, size_t kh, size_t kw, uint8_t *out) {
    const size_t pw = width + kw - 1;
    const imfilt_u16x16 tv = IMFILT_VSPLAT(imfilt_u16x16, (uint16_t)((kh * kw - 1) / 2));
    for (size_t c = 0; c < channels; c++) {
        const @CT@ *const *fp = (const @CT@ *const *)fpv + c * pw;
        const @CT@ *const *cp = (const @CT@ *const *)cpv + c * pw;
        if (channels == 1) /* gray: the output stride a constant */
            ph_walks_@PS@(fp, cp, width, 1, kw, tv, out);
        else
            ph_walks_@PS@(fp, cp, width, channels, kw, tv, out + c);
    }
}
