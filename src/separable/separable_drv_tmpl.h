/* The strip driver sep_<WS> for one work type W: the traversal of the separable filters, not
   their arithmetic (that is the ISA table's). Algorithm: each thread takes a horizontal strip
   and walks it in column tiles; per tile, the row pass fills a ring of kernel-height rows
   (never a full-size intermediate), and the column pass reads the ring for each output row.
     SEP_TAPS: out[y] = sum_j ky[j] * H[y - ay + j], H the row pass sum_i kx[i] * in[., x - ax + i]
     SEP_BOX: the same with all-ones kernels, the column pass as a running sum.
   U8_ROWS=1: uint8 images with uint8 taps take the exact uint16 row pass (rows_u8.h).
   Expanded by tools/expand_template.py into separable_drv_instances.h (included by
   separable.c after bordered_row_instances.h and its helpers).
   instances:
     WS=f32 W=float    U8_ROWS=1
     WS=f64 W=double   U8_ROWS=0
     WS=u16 W=uint16_t U8_ROWS=0
*/

/* One thread's buffers. */
typedef struct {
    W *ext;          /* one input row with its left/right padding, (width + kw - 1) * C */
    W *ring;         /* kh (+1 for box) row-pass outputs */
    const W **slot;  /* which buffer holds ring slot i (a ring row or the constant row) */
    W *const_row;    /* row pass of a row of cval, for BORDER_CONSTANT */
    W *acc;          /* column pass output */
    W *t1, *t2;      /* box doubling scratch */
    const W **ptrs;  /* tap pointers */
    double tail[64]; /* scalar-tail rounding buffer (< tail_block samples) */
    uint8_t *ext8;   /* U8_ROWS: the bordered uint8 row */
} sep_scratch_@WS@;

/* What every strip of one call shares (read only). */
typedef struct {
    const imfilt_separable_table *K;
    const imfilt_image *src;
    imfilt_image *dst;
    const W *kx, *ky;            /* the nonzero taps ... */
    const size_t *xoff, *yoff;   /* ... and their offsets */
    size_t nkx, nky, kw, ax, kh, ay;
    int symx, symy, border, box;
    W cval;
    const imfilt_out_rule *rule;
    const uint16_t *kx16;        /* U8_ROWS: all kw taps for the uint16 row pass, or NULL */
    int sym16;                   /* kx16 is symmetric */
    size_t nring, kmax;          /* ring rows; the longer kernel */
    size_t tw, ext_len;          /* tile width in pixels; samples of a bordered tile row */
    size_t tail_from;            /* first sample of each row in OpenCV's scalar tail (n: none) */
    int out_is_acc;              /* the column pass writes the output row itself */
    int col_u8;                  /* U8_ROWS: the column pass stores uint8 itself (colconv_u8) */
    int float_input;
} sep_job_@WS@;

/* Row pass of ext into dst: taps kx[i] at pixel offsets xoff[i], i < nkx (the nonzero taps).
   This and row_in run once per input row of every tile: always inlined into the tile loop,
   where a call and the job's reloads cost about 1% of a small kernel (measured). */
static inline __attribute__((always_inline)) void row_pass_@WS@(
        const sep_job_@WS@ *j, const W *ext, W *dst, size_t n, sep_scratch_@WS@ *s) {
    const size_t C = j->src->channels;
    if (j->box && j->nkx > 8) {
        j->K->boxsum_@WS@(ext, dst, s->t1, s->t2, n, C, j->nkx);
        return;
    }
    for (size_t i = 0; i < j->nkx; i++) s->ptrs[i] = ext + j->xoff[i] * C;
    j->K->conv_@WS@(s->ptrs, j->kx, j->nkx, j->symx, dst, n);
}

/* The nonzero taps of k (at least one), as W rounds them: values into k_out, their indices
   into off; returns their count. OpenCV skips zero coefficients, so a NaN or inf under a zero
   weight stays out; finite sums are unchanged (x * 0 adds nothing). */
static size_t nonzero_taps_@WS@(const double *k, size_t n, int box, double *k_out, size_t *off) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (box || k[i] != 0) { k_out[m] = box ? 1.0 : (double)(W)k[i]; off[m++] = i; }
    if (m == 0) { k_out[0] = 0; off[0] = 0; m = 1; } /* all zero: the first tap, as OpenCV */
    return m;
}

/* One input row (sy < 0: a row of cval) through the row pass into dst: the exact uint16 row
   pass straight from the uint8 row when the scratch has ext8 (from the image row itself when
   the tile's taps stay inside it, else from the bordered copy), else the work-type copy. */
static inline __attribute__((always_inline)) void row_in_@WS@(
        const sep_job_@WS@ *j, sep_scratch_@WS@ *s, ptrdiff_t sy, size_t x0, size_t x1, W *dst) {
    const size_t C = j->src->channels, m = (x1 - x0) * C;
#if U8_ROWS
    if (s->ext8) {
        const uint8_t *in = s->ext8;
        if (sy >= 0 && x0 >= j->ax && x1 + j->kw - 1 - j->ax <= j->src->width)
            in = (const uint8_t *)j->src->data + sy * j->src->row_stride + (x0 - j->ax) * C;
        else
            bordered_row_u8(j->K, j->src, s->ext8, sy, x0, x1, j->kw, j->ax, j->border,
                            (uint8_t)j->cval);
        j->K->rowconv_u8_f32(in, j->kx16, j->kw, j->sym16, C, dst, m);
        return;
    }
#endif
    bordered_row_@WS@(j->K, j->src, s->ext, sy, x0, x1, j->kw, j->ax, j->border, j->cval);
    row_pass_@WS@(j, s->ext, dst, m, s);
}

/* Rows [y0, y1) of the tile of pixels [x0, x1). What the row loop reads is copied to locals
   first: the ISA loops are opaque calls, after which fields behind a pointer would be
   reloaded for every row. */
static void sep_tile_@WS@(const sep_job_@WS@ *j, sep_scratch_@WS@ *s, size_t y0, size_t y1,
                          size_t x0, size_t x1) {
    const imfilt_separable_table *K = j->K;
    const imfilt_image *src = j->src, *dst = j->dst;
    const imfilt_out_rule *rule = j->rule;
    const size_t H = src->height, C = src->channels, m = (x1 - x0) * C, tn = j->tw * C;
    const size_t kh = j->kh, ay = j->ay, nring = j->nring, nky = j->nky, tail_from = j->tail_from;
    const size_t *yoff = j->yoff;
    const W *ky = j->ky;
    const int border = j->border, box = j->box, symy = j->symy, out_is_acc = j->out_is_acc;
    const int col_u8 = j->col_u8;
    const int restart = j->box && j->float_input;  /* float box sums restart (separable.c) */
    W *ring = s->ring, *acc = s->acc, *const_row = s->const_row;
    const W **slot = s->slot, **ptrs = s->ptrs;
    const size_t dst_esize = imfilt_dtype_size(dst->dtype);
    char *dst_tile = (char *)dst->data + x0 * C * dst_esize;
    /* the bytes of an input row this tile reads, for the prefetch below */
    const size_t src_esize = imfilt_dtype_size(src->dtype), src_row_bytes = src->width * C * src_esize;
    const size_t p0 = x0 > j->ax ? (x0 - j->ax) * C * src_esize : 0;
    size_t p1 = (x1 + j->kw - 1 - j->ax) * C * src_esize;
    if (p1 > src_row_bytes) p1 = src_row_bytes;
    if (border == IMFILT_BORDER_CONSTANT) row_in_@WS@(j, s, -1, x0, x1, const_row);
    /* virtual input row iy lives in ring slot iy mod nring */
    ptrdiff_t next = (ptrdiff_t)y0 - (ptrdiff_t)ay;
    for (size_t y = y0; y < y1; y++) {
        const ptrdiff_t first = (ptrdiff_t)y - (ptrdiff_t)ay, last = first + (ptrdiff_t)kh - 1;
        for (; next <= last; next++) {
            size_t sl = (size_t)imfilt_mod(next, (ptrdiff_t)nring);
            ptrdiff_t sy = imfilt_border_index(next, (ptrdiff_t)H, border);
            /* a tile reads a few hundred bytes of each row, then jumps a whole row: fetch the
               tile's part of a later row now (core/prefetch.h) */
            ptrdiff_t py = imfilt_border_index(next + IMFILT_PREFETCH_ROWS, (ptrdiff_t)H, border);
            if (py >= 0)
                imfilt_prefetch_read((const char *)src->data + py * src->row_stride + p0, p1 - p0);
            if (sy < 0) { slot[sl] = const_row; continue; }
            W *row = ring + sl * tn;
            row_in_@WS@(j, s, sy, x0, x1, row);
            slot[sl] = row;
        }
        char *drow = dst_tile + (ptrdiff_t)y * dst->row_stride;
        if (y + IMFILT_PREFETCH_ROWS < y1)  /* the same for the output's lines */
            imfilt_prefetch_write(drow + (ptrdiff_t)IMFILT_PREFETCH_ROWS * dst->row_stride,
                                  m * dst_esize);
        if (!box || y == y0 || (restart && y % IMFILT_BOX_RESTART_ROWS == 0)) {
            /* direct column pass; for a box it (re)starts the running sum */
            /* ring slots without a division per tap: yoff[t] < kh <= nring */
            const size_t base = (size_t)imfilt_mod(first, (ptrdiff_t)nring);
            for (size_t t = 0; t < nky; t++) {
                const size_t sl = base + yoff[t];
                ptrs[t] = slot[sl < nring ? sl : sl - nring];
            }
            if (out_is_acc) {  /* the output row is the accumulator: no store pass */
                K->conv_@WS@(ptrs, ky, nky, symy, (W *)drow, m);
                continue;
            }
#if U8_ROWS
            if (col_u8) {
                K->colconv_u8_f32(ptrs, ky, nky, symy, (uint8_t *)drow, m);
                continue;
            }
#endif
            K->conv_@WS@(ptrs, ky, nky, symy, acc, m);
        } else {
            const W *add = slot[imfilt_mod(last, (ptrdiff_t)nring)];
            const W *sub = slot[imfilt_mod(first - 1, (ptrdiff_t)nring)];
            K->slide_@WS@(acc, add, sub, m);
        }
        if (tail_from < x0 * C + m) {
            /* this tile holds part of the row's scalar tail */
            size_t body = tail_from > x0 * C ? tail_from - x0 * C : 0;
            K->store_@WS@[dst->dtype](acc, drow, body, rule);
            for (size_t i = body; i < m; i++) s->tail[i - body] = (double)acc[i];
            store_round_double(s->tail, drow + body * dst_esize, m - body, dst->dtype, rule->scale);
        } else {
            K->store_@WS@[dst->dtype](acc, drow, m, rule);
        }
    }
}

/* One thread's strip (imfilt_parallel_rows): its scratch, then the strip tile by tile. */
static int sep_strip_@WS@(void *job, size_t y0, size_t y1, int tid, int *status) {
    const sep_job_@WS@ *j = (const sep_job_@WS@ *)job;
    const size_t C = j->src->channels, tn = j->tw * C, ext_len = j->ext_len, nring = j->nring;
    (void)tid;
    sep_scratch_@WS@ s;
    memset(&s, 0, sizeof s);
    /* one allocation per thread: O(tile width * kernel height). It and the ring start on a
       cache line (ext padded to whole lines), so whether the vector loads of the ring rows
       split lines no longer depends on where malloc puts the buffer. */
    const size_t line = 64 / sizeof(W), ext_pad = (ext_len + line - 1) / line * line;
    size_t nw = ext_pad + nring * tn + tn + tn + (j->box ? 2 * ext_pad : 0);
    W *mem = imfilt_aligned_alloc(64, nw * sizeof(W));
    void *pmem = malloc((nring + j->kmax + 1) * sizeof(W *));
    int ok8 = 1;
#if U8_ROWS
    if (j->kx16) {
        s.ext8 = malloc(ext_len);
        ok8 = s.ext8 != NULL;
    }
#endif
    int rc = IMFILT_OK;
    if (!mem || !pmem || !ok8) {
        rc = IMFILT_ENOMEM;
    } else {
        s.ext = mem;
        s.ring = s.ext + ext_pad;
        s.const_row = s.ring + nring * tn;
        s.acc = s.const_row + tn;
        s.t1 = j->box ? s.acc + tn : NULL;
        s.t2 = j->box ? s.t1 + ext_pad : NULL;
        s.slot = (const W **)pmem;
        s.ptrs = s.slot + nring;
        for (size_t x0 = 0; x0 < j->src->width; x0 += j->tw) {
            if (imfilt_stopped(status)) break; /* a tile column of the strip: ~0.1-1 ms */
            const size_t x1 = x0 + j->tw < j->src->width ? x0 + j->tw : j->src->width;
            sep_tile_@WS@(j, &s, y0, y1, x0, x1);
        }
    }
    imfilt_aligned_free(mem);
    free(pmem);
    free(s.ext8);
    return rc;
}

static int sep_@WS@(const imfilt_image *src, imfilt_image *dst,
                    const double *kxd, size_t kw, size_t ax,
                    const double *kyd, size_t kh, size_t ay,
                    int border, double cval, const imfilt_out_rule *rule, int threads,
                    sep_kind kind) {
    const int box = kind == SEP_BOX;
    const size_t H = src->height, C = src->channels, n = src->width * C;
    sep_job_@WS@ j = {
        .K = imfilt_separable_active(), .src = src, .dst = dst,
        .kw = kw, .ax = ax, .kh = kh, .ay = ay, .border = border, .box = box,
        .cval = (W)cval, .rule = rule, .nring = box ? kh + 1 : kh,
        .kmax = kw > kh ? kw : kh,
        .float_input = src->dtype == IMFILT_F32 || src->dtype == IMFILT_F64,
    };
    j.tail_from = (rule->mode == IMFILT_OUT_ROUND && rule->scale_in_float)
                      ? imfilt_tail_from(rule, n) : n;
    j.out_is_acc = !box && rule->mode == IMFILT_OUT_CAST && rule->scale == 1.0 &&
                   dst->dtype == (sizeof(W) == sizeof(float) ? IMFILT_F32 : IMFILT_F64) &&
                   j.tail_from == n;

    /* tile width in pixels: a multiple of 64 samples when it can be */
    size_t tw = imfilt_tile_width(IMFILT_TILE_BYTES / (j.nring * sizeof(W)),
                                  IMFILT_MIN_TILE_SAMPLES, C, src->width, kw);
    j.tw = tw;
    j.ext_len = (tw + kw - 1) * C;

    /* the nonzero taps and their offsets: as doubles (W's values) for the symmetry test, then
       in W for the loops; a box uses ones so its small sizes share the direct correlation loop */
    const size_t kmax = j.kmax;
    char *tapmem = malloc(2 * kmax * (sizeof(double) + sizeof(size_t) + sizeof(W)));
    if (!tapmem) return IMFILT_ENOMEM;
    double *kxr = (double *)tapmem, *kyr = kxr + kmax;
    size_t *xoff = (size_t *)(kxr + 2 * kmax), *yoff = xoff + kmax;
    W *kx = (W *)(xoff + 2 * kmax), *ky = kx + kmax;
    j.nkx = nonzero_taps_@WS@(kxd, kw, box, kxr, xoff);
    j.nky = nonzero_taps_@WS@(kyd, kh, box, kyr, yoff);
    j.symx = taps_symmetric(kxr, j.nkx);
    j.symy = taps_symmetric(kyr, j.nky);
    for (size_t i = 0; i < j.nkx; i++) kx[i] = (W)kxr[i];
    for (size_t i = 0; i < j.nky; i++) ky[i] = (W)kyr[i];
    j.kx = kx; j.ky = ky; j.xoff = xoff; j.yoff = yoff;
    uint16_t *kx16 = NULL;
#if U8_ROWS
    /* uint8 taps on a uint8 image: the exact uint16 row pass */
    if (!box && src->dtype == IMFILT_U8 && j.K->rowconv_u8_f32 && taps_fit_u8(kxd, kw)) {
        kx16 = malloc(kw * sizeof *kx16);
        if (!kx16) { free(tapmem); return IMFILT_ENOMEM; }
        for (size_t i = 0; i < kw; i++) kx16[i] = (uint16_t)kxd[i];
        j.kx16 = kx16;
        j.sym16 = taps_symmetric(kxd, kw);
        /* exact integer column sums and the uint8 Gaussian's rule: the column pass may round
           and store them itself */
        j.col_u8 = taps_fit_u8(kyd, kh) && rule->mode == IMFILT_OUT_FLOOR_SHIFT &&
                   rule->bias == 32768.0 && rule->scale == 0x1p-16 && dst->dtype == IMFILT_U8;
    }
#endif

    /* float box sums restart every IMFILT_BOX_RESTART_ROWS rows: strips start on those rows
       too, so every thread count sums in the same order */
    const size_t align = (box && j.float_input) ? IMFILT_BOX_RESTART_ROWS : 1;
    const int nt = imfilt_choose_threads(threads, H, n * ((kh + kw) / 2)); /* weight: taps */
    const int status = imfilt_parallel_rows(H, align, nt, sep_strip_@WS@, &j);
    free(tapmem);
    free(kx16);
    return status;
}
