/* The strip driver deriv_<WS> of the derivative filters for one work type W: the traversal,
   not the arithmetic (that is the ISA table's, deriv.h). Algorithm: the output is the sum of
   one or two separable terms (laplacian: d2/dx2 + d2/dy2), each
     out[y] = init + sum_j ky[j] * H[y - ay + j],  H = sum_i kx[i] * in[., x - ax + i];
   each thread takes a horizontal strip and walks it in column tiles; per tile, every input
   row is bordered once (src/core/border.h) and run through each term's row pass into that
   term's ring of kh rows (never a full-size intermediate), and each output row is the column
   passes out of the rings, fused with the store. Input rows are read in place where the
   taps stay inside them and the image holds the row pass's input type (uint8 for INT=1).
   Expanded by tools/expand_template.py into
   deriv_drv_instances.h (included by deriv.c after separable's bordered_row_instances.h).
   instances:
     WS=i16 W=int16_t INT=1 WCODE=IMFILT_I16
     WS=i32 W=int32_t INT=1 WCODE=-1
     WS=f32 W=float   INT=0 WCODE=IMFILT_F32
     WS=f64 W=double  INT=0 WCODE=IMFILT_F64
*/

/* What every strip of one call shares (read only). */
typedef struct {
    const imfilt_deriv_table *T;
    const imfilt_separable_table *K;
    const imfilt_image *src;
    imfilt_image *dst;
    size_t nterms;
    const W *kx[DERIV_MAX_TERMS], *ky[DERIV_MAX_TERMS];          /* the nonzero taps ... */
    const size_t *xoff[DERIV_MAX_TERMS], *yoff[DERIV_MAX_TERMS]; /* ... and their offsets */
    size_t nkx[DERIV_MAX_TERMS], nky[DERIV_MAX_TERMS];
    size_t kw, ax, kh, ay;
    int border;
    double cval;
    W init;               /* delta, as the column pass starts from it */
    size_t tw, ext_len;   /* tile width in pixels; samples of a bordered tile row */
    int out_is_acc;       /* the output type is W: the column passes write the output row */
    int in_place;         /* the image holds what the row pass reads (uint8 / W) */
} deriv_job_@WS@;

#if INT
typedef uint8_t deriv_in_@WS@;
#else
typedef W deriv_in_@WS@;
#endif

/* ext <- input row sy (< 0: a row of cval) bordered for the outputs [x0, x1) */
static inline void bordered_in_@WS@(const deriv_job_@WS@ *j, deriv_in_@WS@ *ext, ptrdiff_t sy,
                                    size_t x0, size_t x1) {
#if INT
    bordered_row_u8(j->K, j->src, ext, sy, x0, x1, j->kw, j->ax, j->border, (uint8_t)j->cval);
#else
    bordered_row_@WS@(j->K, j->src, ext, sy, x0, x1, j->kw, j->ax, j->border, (W)j->cval);
#endif
}

/* The outputs [*xa, *xb) of the tile [x0, x1) whose taps lie inside input row sy, when the
   row pass can read that row in place (it holds W, or uint8 for the integer lanes); else an
   empty range at x1. */
static inline void interior_@WS@(const deriv_job_@WS@ *j, ptrdiff_t sy, size_t x0, size_t x1,
                                 size_t *xa, size_t *xb) {
    const size_t width = j->src->width, right = j->kw - 1 - j->ax;
    *xa = *xb = x1;
    if (sy < 0 || !j->in_place || width <= right) return;
    const size_t a = x0 > j->ax ? x0 : j->ax, b = x1 < width - right ? x1 : width - right;
    if (a < b) { *xa = a; *xb = b; }
}

/* the first sample of input row sy's in-place part for the outputs from xa */
static inline const deriv_in_@WS@ *in_place_@WS@(const deriv_job_@WS@ *j, ptrdiff_t sy,
                                                 size_t xa) {
    const imfilt_image *src = j->src;
    return (const deriv_in_@WS@ *)((const char *)src->data + sy * src->row_stride) +
           (xa - j->ax) * src->channels;
}

/* Every term's row pass of input row sy for the outputs [x0, x1) into rows[t * stride]: the
   outputs of interior_ read the image row in place, the few at the borders (or every output,
   when the row must be converted) a bordered copy in ext. */
static inline __attribute__((always_inline)) void row_in_@WS@(
        const deriv_job_@WS@ *j, deriv_in_@WS@ *ext, ptrdiff_t sy, size_t x0, size_t x1,
        W *rows, size_t stride) {
    const imfilt_deriv_table *T = j->T;
    const size_t C = j->src->channels, nt = j->nterms;
    size_t xa, xb;
    interior_@WS@(j, sy, x0, x1, &xa, &xb);
    if (xa > x0) {
        bordered_in_@WS@(j, ext, sy, x0, xa);
        for (size_t t = 0; t < nt; t++)
            T->row_@WS@(ext, j->kx[t], j->xoff[t], j->nkx[t], C, rows + t * stride,
                        (xa - x0) * C);
    }
    if (xb > xa) {
        const deriv_in_@WS@ *in = in_place_@WS@(j, sy, xa);
        for (size_t t = 0; t < nt; t++)
            T->row_@WS@(in, j->kx[t], j->xoff[t], j->nkx[t], C,
                        rows + t * stride + (xa - x0) * C, (xb - xa) * C);
    }
    if (x1 > xb) {
        bordered_in_@WS@(j, ext, sy, xb, x1);
        for (size_t t = 0; t < nt; t++)
            T->row_@WS@(ext, j->kx[t], j->xoff[t], j->nkx[t], C,
                        rows + t * stride + (xb - x0) * C, (x1 - xb) * C);
    }
}

/* Rows [y0, y1) of the tile of pixels [x0, x1); ring t holds term t's row passes, virtual
   input row iy in slot iy mod kh. */
static void deriv_tile_@WS@(const deriv_job_@WS@ *j, deriv_in_@WS@ *ext, W *ring, W *const_rows,
                            W *acc, const W **slot, const W **ptrs, size_t y0, size_t y1,
                            size_t x0, size_t x1) {
    const imfilt_deriv_table *T = j->T;
    const imfilt_image *src = j->src, *dst = j->dst;
    const size_t H = src->height, C = src->channels, m = (x1 - x0) * C, tn = j->tw * C;
    const size_t kh = j->kh, ay = j->ay, nterms = j->nterms;
    const int border = j->border;
    const size_t dst_esize = imfilt_dtype_size(dst->dtype);
    char *dst_tile = (char *)dst->data + x0 * C * dst_esize;
    /* the bytes of an input row this tile reads, for the prefetch below */
    const size_t src_esize = imfilt_dtype_size(src->dtype);
    const size_t src_row_bytes = src->width * C * src_esize;
    const int prefetch = H * src_row_bytes >= DERIV_PREFETCH_MIN_BYTES;
    const size_t p0 = x0 > j->ax ? (x0 - j->ax) * C * src_esize : 0;
    size_t p1 = (x1 + j->kw - 1 - j->ax) * C * src_esize;
    if (p1 > src_row_bytes) p1 = src_row_bytes;
    if (border == IMFILT_BORDER_CONSTANT) row_in_@WS@(j, ext, -1, x0, x1, const_rows, tn);
    /* the ring slots of the next row to make and of the window's first row, kept
       incrementally (a division per row and tap costs as much as a small row pass) */
    ptrdiff_t next = (ptrdiff_t)y0 - (ptrdiff_t)ay;
    size_t next_slot = (size_t)imfilt_mod(next, (ptrdiff_t)kh), first_slot = next_slot;
    for (size_t y = y0; y < y1; y++) {
        const ptrdiff_t last = (ptrdiff_t)y - (ptrdiff_t)ay + (ptrdiff_t)kh - 1;
        char *drow = dst_tile + (ptrdiff_t)y * dst->row_stride;
        W *out = j->out_is_acc ? (W *)drow : acc;
        for (; next <= last; next++, next_slot = next_slot + 1 == kh ? 0 : next_slot + 1) {
            const size_t sl = next_slot;
            const ptrdiff_t sy = imfilt_border_index(next, (ptrdiff_t)H, border);
            /* the row pass reads a row, the column pass writes another: neither stream runs
               long enough for the hardware prefetcher, so fetch a later input row now */
            const ptrdiff_t py = next + IMFILT_PREFETCH_ROWS;
            if (prefetch && py >= 0 && py < (ptrdiff_t)H)
                imfilt_prefetch_read((const char *)src->data + py * src->row_stride + p0, p1 - p0);
            if (sy < 0) {
                for (size_t t = 0; t < nterms; t++) slot[t * kh + sl] = const_rows + t * tn;
                continue;
            }
            row_in_@WS@(j, ext, sy, x0, x1, ring + sl * tn, kh * tn);
            for (size_t t = 0; t < nterms; t++) slot[t * kh + sl] = ring + (t * kh + sl) * tn;
        }
        for (size_t t = 0; t < nterms; t++) {
            for (size_t i = 0; i < j->nky[t]; i++) {
                const size_t sl = first_slot + j->yoff[t][i];
                ptrs[i] = slot[t * kh + (sl >= kh ? sl - kh : sl)];
            }
            T->col_@WS@(ptrs, j->ky[t], j->yoff[t], j->nky[t], j->init, t > 0, out, m);
        }
        if (!j->out_is_acc) T->store_@WS@[dst->dtype](acc, drow, m);
        first_slot = first_slot + 1 == kh ? 0 : first_slot + 1;
    }
}

/* One thread's strip (imfilt_parallel_rows): its scratch, then the strip tile by tile. */
static int deriv_strip_@WS@(void *job, size_t y0, size_t y1, int tid, int *status) {
    const deriv_job_@WS@ *j = (const deriv_job_@WS@ *)job;
    const size_t C = j->src->channels, tn = j->tw * C, kh = j->kh, nt = j->nterms;
    (void)tid;
    /* one allocation per thread, each part on a cache line: the bordered row, the rings, the
       constant rows, the accumulator; then the ring slots and tap pointers */
    const size_t ext_bytes = (j->ext_len * sizeof(deriv_in_@WS@) + 63) / 64 * 64;
    const size_t ring_bytes = nt * kh * tn * sizeof(W), row_bytes = tn * sizeof(W);
    char *mem = imfilt_aligned_alloc(64, ext_bytes + ring_bytes + (nt + 1) * row_bytes + 64);
    const W **pmem = malloc((nt * kh + kh) * sizeof(W *));
    int rc = IMFILT_OK;
    if (!mem || !pmem) {
        rc = IMFILT_ENOMEM;
    } else {
        deriv_in_@WS@ *ext = (deriv_in_@WS@ *)mem;
        W *ring = (W *)(mem + ext_bytes);
        W *const_rows = ring + nt * kh * tn, *acc = const_rows + nt * tn;
        for (size_t x0 = 0; x0 < j->src->width; x0 += j->tw) {
            if (imfilt_stopped(status)) break; /* a tile column of the strip */
            const size_t x1 = x0 + j->tw < j->src->width ? x0 + j->tw : j->src->width;
            deriv_tile_@WS@(j, ext, ring, const_rows, acc, pmem, pmem + nt * kh, y0, y1, x0, x1);
        }
    }
    imfilt_aligned_free(mem);
    free(pmem);
    return rc;
}

static int deriv_@WS@(const imfilt_image *src, imfilt_image *dst, size_t nterms,
                      const double *const *kxd, const double *const *kyd, size_t kw, size_t ax,
                      size_t kh, size_t ay, double delta, int border, double cval, int threads) {
    const size_t C = src->channels, n = src->width * C;
    deriv_job_@WS@ j = {
        .T = imfilt_deriv_active(), .K = imfilt_separable_active(), .src = src, .dst = dst,
        .nterms = nterms, .kw = kw, .ax = ax, .kh = kh, .ay = ay, .border = border,
        .cval = cval, .init = (W)delta, .out_is_acc = dst->dtype == (WCODE),
        .in_place = !INT && src->dtype == (WCODE),
    };
    /* tile width in pixels: the rings within ~L1 / L2, a multiple of 64 samples when it can */
    size_t tw = imfilt_tile_width(DERIV_TILE_BYTES / (nterms * kh * sizeof(W)),
                                  DERIV_MIN_TILE_SAMPLES, C, src->width, kw);
    j.tw = tw;
    j.ext_len = (tw + kw - 1) * C;
    /* the nonzero taps of each term, in W, and their offsets */
    const size_t kmax = kw > kh ? kw : kh;
    char *tapmem = malloc(2 * nterms * kmax * (sizeof(W) + sizeof(size_t)));
    if (!tapmem) return IMFILT_ENOMEM;
    size_t *offs = (size_t *)tapmem;
    W *taps = (W *)(offs + 2 * nterms * kmax);
    size_t nky_sum = 0, nkx_sum = 0;
    for (size_t t = 0; t < nterms; t++) {
        W *kx = taps + 2 * t * kmax, *ky = kx + kmax;
        size_t *xo = offs + 2 * t * kmax, *yo = xo + kmax;
        j.nkx[t] = deriv_nonzero_taps(kxd[t], kw, xo);
        j.nky[t] = deriv_nonzero_taps(kyd[t], kh, yo);
        for (size_t i = 0; i < j.nkx[t]; i++) kx[i] = (W)kxd[t][xo[i]];
        for (size_t i = 0; i < j.nky[t]; i++) ky[i] = (W)kyd[t][yo[i]];
        j.kx[t] = kx; j.ky[t] = ky; j.xoff[t] = xo; j.yoff[t] = yo;
        nkx_sum += j.nkx[t];
        nky_sum += j.nky[t];
    }
    const int nt = imfilt_choose_threads(threads, src->height, n * (nkx_sum + nky_sum));
    const int status = imfilt_parallel_rows(src->height, 1, nt, deriv_strip_@WS@, &j);
    free(tapmem);
    return status;
}
