/* The strip driver for one work type W (float or double); included by separable.c.
   box = 0: out[y] = sum_j ky[j] * H[y - ay + j] with H the row pass sum_i kx[i] * in[., x - ax + i]
   box = 1: the same with all-ones kernels, the column pass as a running sum. */

#define FN(name) IMFILT_CAT(IMFILT_CAT(name, _), WS)
#define KMEMBER(name) IMFILT_CAT(IMFILT_CAT(name, _), WS)

typedef struct {
    W *ext;          /* one input row with its left/right padding, (width + kw - 1) * C */
    W *ring;         /* kh (+1 for box) row-pass outputs */
    const W **slot;  /* which buffer holds ring slot i (a ring row or the constant row) */
    W *const_row;    /* row pass of a row of cval, for BORDER_CONSTANT */
    W *acc;          /* column pass output */
    W *t1, *t2;      /* box doubling scratch */
    const W **ptrs;  /* tap pointers */
    double tail[64]; /* scalar-tail rounding buffer (< tail_block samples) */
    uint8_t *ext8;   /* uint8 rows with uint8 taps (the uint8 Gaussian): the bordered row */
    const uint16_t *kx16;  /* ... and the taps (all kw of them) */
    int sym16;             /* kx16 is symmetric */
} FN(scratch);

#include "core/bordered_row_tmpl.h"

/* Row pass of ext into dst: taps kx[i] at pixel offsets xoff[i], i < nkx (the nonzero taps). */
static void FN(row_pass)(const imfilt_separable_table *K, const W *ext, W *dst, size_t n, size_t C,
                         const W *kx, const size_t *xoff, size_t nkx, int symx, int box,
                         FN(scratch) *s) {
    if (box && nkx > 8) {
        K->KMEMBER(boxsum)(ext, dst, s->t1, s->t2, n, C, nkx);
        return;
    }
    for (size_t i = 0; i < nkx; i++) s->ptrs[i] = ext + xoff[i] * C;
    K->KMEMBER(conv)(s->ptrs, kx, nkx, symx, dst, n);
}

/* The nonzero taps of k (at least one): values into kw_out, their indices into off; returns
   their count. OpenCV skips zero coefficients, so a NaN or inf under a zero weight stays out;
   finite sums are unchanged (x * 0 adds nothing). */
static size_t FN(nonzero_taps)(const double *k, size_t n, int box, W *k_out, size_t *off) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (box || k[i] != 0) { k_out[m] = box ? (W)1 : (W)k[i]; off[m++] = i; }
    if (m == 0) { k_out[0] = 0; off[0] = 0; m = 1; } /* all zero: the first tap, as OpenCV */
    return m;
}

static int FN(taps_symmetric)(const W *k, size_t n) {
    if (!(n & 1)) return 0;
    for (size_t i = 0; i < n / 2; i++)
        if (k[i] != k[n - 1 - i]) return 0;
    return 1;
}

/* One input row (sy < 0: a row of cval) through the row pass into dst: the exact uint16 row
   pass straight from the uint8 row when the scratch has ext8, else the work-type copy. */
static void FN(row_in)(const imfilt_separable_table *K, const imfilt_image *src, FN(scratch) *s,
                       ptrdiff_t sy, size_t x0, size_t x1, const W *kx, const size_t *xoff,
                       size_t nkx, size_t kw, size_t ax, int symx, int box, int border, W cval,
                       W *dst) {
    const size_t C = src->channels, m = (x1 - x0) * C;
#if SEP_U8_ROWS
    if (s->ext8) {
        bordered_row_u8(K, src, s->ext8, sy, x0, x1, kw, ax, border, (uint8_t)cval);
        K->rowconv_u8_f32(s->ext8, s->kx16, kw, s->sym16, C, dst, m);
        return;
    }
#endif
    IMFILT_CAT(bordered_row_, WS)(K, src, s->ext, sy, x0, x1, kw, ax, border, cval);
    FN(row_pass)(K, s->ext, dst, m, C, kx, xoff, nkx, symx, box, s);
}

/* Column tiles keep the ring of row-pass outputs within ~L1: the column pass reads kh rows
   for every output row, and from L2 that traffic, not the arithmetic, would bound the speed. */
#define IMFILT_TILE_BYTES (24 * 1024)
#define IMFILT_MIN_TILE_SAMPLES 256

static int FN(sep)(const imfilt_image *src, imfilt_image *dst,
                   const double *kxd, size_t kw, size_t ax,
                   const double *kyd, size_t kh, size_t ay,
                   int border, double cval_d, const imfilt_out_rule *rule, int threads, int box) {
    const imfilt_separable_table *K = imfilt_separable_active();
    const size_t H = src->height, C = src->channels, n = src->width * C;
    const size_t nring = box ? kh + 1 : kh;
    const W cval = (W)cval_d;
    const int float_input = src->dtype == IMFILT_F32 || src->dtype == IMFILT_F64;
    const size_t dst_esize = imfilt_dtype_size(dst->dtype);
    const size_t src_esize = imfilt_dtype_size(src->dtype), src_row_bytes = n * src_esize;
    /* first sample of each row that takes OpenCV's scalar-tail rounding (n: none) */
    const size_t tail_from = (rule->mode == IMFILT_OUT_ROUND && rule->scale_in_float)
                                 ? imfilt_tail_from(rule, n) : n;
    /* float output of the work type, unscaled: the column pass writes the output row itself */
    const int out_is_acc = !box && rule->mode == IMFILT_OUT_CAST && rule->scale == 1.0 &&
                           dst->dtype == (sizeof(W) == sizeof(float) ? IMFILT_F32 : IMFILT_F64) &&
                           tail_from == n;
    int status = IMFILT_OK;

    /* tile width in pixels: a multiple of 64 samples when it can be */
    size_t tile_samples = IMFILT_TILE_BYTES / (nring * sizeof(W));
    if (tile_samples < IMFILT_MIN_TILE_SAMPLES) tile_samples = IMFILT_MIN_TILE_SAMPLES;
    size_t tw = tile_samples / C;
    if (tw >= 64) tw -= tw % 64;
    if (tw < 1) tw = 1;
    if (tw >= src->width || src->width - tw < kw) tw = src->width;
    const size_t tn = tw * C;                      /* samples per tile row */
    const size_t ext_len = (tw + kw - 1) * C;

    /* nonzero taps in W and their offsets; a box uses ones so its small sizes share the direct
       correlation loop */
    size_t kmax = kw > kh ? kw : kh;
    W *kbuf = malloc(2 * kmax * sizeof(W));
    size_t *obuf = malloc(2 * kmax * sizeof(size_t));
    if (!kbuf || !obuf) { free(kbuf); free(obuf); return IMFILT_ENOMEM; }
    W *kx = kbuf, *ky = kbuf + kmax;
    size_t *xoff = obuf, *yoff = obuf + kmax;
    const size_t nkx = FN(nonzero_taps)(kxd, kw, box, kx, xoff);
    const size_t nky = FN(nonzero_taps)(kyd, kh, box, ky, yoff);
    const int symx = FN(taps_symmetric)(kx, nkx);
#if SEP_U8_ROWS
    uint16_t *kx16 = NULL;  /* uint8 taps on a uint8 image: the exact uint16 row pass */
    if (!box && src->dtype == IMFILT_U8 && K->rowconv_u8_f32 && taps_fit_u8(kxd, kw)) {
        kx16 = malloc(kw * sizeof *kx16);
        if (!kx16) { free(kbuf); free(obuf); return IMFILT_ENOMEM; }
        for (size_t i = 0; i < kw; i++) kx16[i] = (uint16_t)kxd[i];
    }
#endif
    const int symy = FN(taps_symmetric)(ky, nky);

    const int nt = imfilt_choose_threads(threads, H, n * ((kh + kw) / 2)); /* weight: taps */
#ifdef _OPENMP
#pragma omp parallel num_threads(nt)
#endif
    {
        /* float box sums restart every IMFILT_BOX_RESTART_ROWS rows: strips start on those
           rows too, so every thread count sums in the same order */
        const size_t unit = (box && float_input) ? IMFILT_BOX_RESTART_ROWS : 1;
        size_t y0, y1;
        imfilt_team_rows(H, unit, &y0, &y1);
        FN(scratch) s;
        memset(&s, 0, sizeof s);
        /* one allocation per thread: O(tile width * kernel height) */
        size_t nw = ext_len + nring * tn + tn + tn + (box ? 2 * ext_len : 0);
        W *mem = malloc(nw * sizeof(W));
        void *pmem = malloc((nring + kmax + 1) * sizeof(W *));
        int ok8 = 1;
#if SEP_U8_ROWS
        if (kx16) {
            s.kx16 = kx16;
            s.sym16 = is_symmetric(kxd, kw);
            s.ext8 = malloc(ext_len);
            ok8 = s.ext8 != NULL;
        }
#endif
        if (!mem || !pmem || !ok8) {
            imfilt_set_status(&status, IMFILT_ENOMEM);
        } else if (y0 < y1) {
            s.ext = mem;
            s.ring = s.ext + ext_len;
            s.const_row = s.ring + nring * tn;
            s.acc = s.const_row + tn;
            s.t1 = box ? s.acc + tn : NULL;
            s.t2 = box ? s.t1 + ext_len : NULL;
            s.slot = (const W **)pmem;
            s.ptrs = s.slot + nring;
            for (size_t x0 = 0; x0 < src->width; x0 += tw) {
                if (imfilt_stopped(&status)) break; /* a tile column of the strip: ~0.1-1 ms */
                const size_t x1 = x0 + tw < src->width ? x0 + tw : src->width;
                const size_t m = (x1 - x0) * C;
                char *dst_tile = (char *)dst->data + x0 * C * dst_esize;
                if (border == IMFILT_BORDER_CONSTANT)
                    FN(row_in)(K, src, &s, -1, x0, x1, kx, xoff, nkx, kw, ax, symx, box,
                               border, cval, s.const_row);
                /* virtual input row iy lives in ring slot iy mod nring */
                ptrdiff_t next = (ptrdiff_t)y0 - (ptrdiff_t)ay;
                for (size_t y = y0; y < y1; y++) {
                    const ptrdiff_t first = (ptrdiff_t)y - (ptrdiff_t)ay, last = first + (ptrdiff_t)kh - 1;
                    for (; next <= last; next++) {
                        size_t sl = (size_t)imfilt_mod(next, (ptrdiff_t)nring);
                        ptrdiff_t sy = imfilt_border_index(next, (ptrdiff_t)H, border);
                        /* a tile reads a few hundred bytes of each row, then jumps a whole
                           row: fetch the tile's part of a later row now (src/prefetch.h) */
                        ptrdiff_t py = imfilt_border_index(next + IMFILT_PREFETCH_ROWS, (ptrdiff_t)H, border);
                        if (py >= 0) {
                            const size_t p0 = x0 > ax ? (x0 - ax) * C * src_esize : 0;
                            size_t p1 = (x1 + kw - 1 - ax) * C * src_esize;
                            if (p1 > src_row_bytes) p1 = src_row_bytes;
                            imfilt_prefetch_read((const char *)src->data + py * src->row_stride + p0,
                                                 p1 - p0);
                        }
                        if (sy < 0) { s.slot[sl] = s.const_row; continue; }
                        W *row = s.ring + sl * tn;
                        FN(row_in)(K, src, &s, sy, x0, x1, kx, xoff, nkx, kw, ax, symx, box,
                                   border, cval, row);
                        s.slot[sl] = row;
                    }
                    char *drow = dst_tile + (ptrdiff_t)y * dst->row_stride;
                    if (y + IMFILT_PREFETCH_ROWS < y1)  /* the same for the output's lines */
                        imfilt_prefetch_write(drow + (ptrdiff_t)IMFILT_PREFETCH_ROWS * dst->row_stride,
                                              m * dst_esize);
                    if (!box || y == y0 || (float_input && y % IMFILT_BOX_RESTART_ROWS == 0)) {
                        /* direct column pass; for a box it (re)starts the running sum */
                        for (size_t j = 0; j < nky; j++)
                            s.ptrs[j] = s.slot[imfilt_mod(first + (ptrdiff_t)yoff[j], (ptrdiff_t)nring)];
                        if (out_is_acc) {  /* the output row is the accumulator: no store pass */
                            K->KMEMBER(conv)(s.ptrs, ky, nky, symy, (W *)drow, m);
                            continue;
                        }
                        K->KMEMBER(conv)(s.ptrs, ky, nky, symy, s.acc, m);
                    } else {
                        const W *add = s.slot[imfilt_mod(last, (ptrdiff_t)nring)];
                        const W *sub = s.slot[imfilt_mod(first - 1, (ptrdiff_t)nring)];
                        K->KMEMBER(slide)(s.acc, add, sub, m);
                    }
                    if (tail_from < x0 * C + m) {
                        /* this tile holds part of the row's scalar tail */
                        size_t body = tail_from > x0 * C ? tail_from - x0 * C : 0;
                        K->KMEMBER(store)[dst->dtype](s.acc, drow, body, rule);
                        for (size_t i = body; i < m; i++) s.tail[i - body] = (double)s.acc[i];
                        store_round_double(s.tail, drow + body * dst_esize, m - body, dst->dtype, rule->scale);
                    } else {
                        K->KMEMBER(store)[dst->dtype](s.acc, drow, m, rule);
                    }
                }
            }
        }
        free(mem);
        free(pmem);
        free(s.ext8);
    }
    free(kbuf);
    free(obuf);
#if SEP_U8_ROWS
    free(kx16);
#endif
    return status;
}

#undef FN
#undef KMEMBER
