/* The strip driver for one work type W (float or double); included by sepfilter.c.
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
} FN(scratch);

/* Fill ext with input row sy (or cval when sy < 0) and its horizontal padding. */
static void FN(fill_ext)(const imfilt_kernels *K, const imfilt_image *src, W *ext, ptrdiff_t sy,
                         const column_map *cm, W cval) {
    const size_t C = src->channels, n = src->width * C;
    W *mid = ext + cm->nleft * C;
    if (sy < 0) {
        size_t total = (cm->nleft + src->width + cm->nright) * C;
        for (size_t i = 0; i < total; i++) ext[i] = cval;
        return;
    }
    K->KMEMBER(load)[src->dtype]((const char *)src->data + sy * src->row_stride, mid, n);
    for (size_t i = 0; i < cm->nleft; i++) {
        W *d = ext + i * C;
        if (cm->left[i] < 0) for (size_t c = 0; c < C; c++) d[c] = cval;
        else memcpy(d, mid + cm->left[i] * C, C * sizeof(W));
    }
    for (size_t i = 0; i < cm->nright; i++) {
        W *d = mid + (src->width + i) * C;
        if (cm->right[i] < 0) for (size_t c = 0; c < C; c++) d[c] = cval;
        else memcpy(d, mid + cm->right[i] * C, C * sizeof(W));
    }
}

/* Row pass of ext into dst. */
static void FN(row_pass)(const imfilt_kernels *K, const W *ext, W *dst, size_t n, size_t C,
                         const W *kx, size_t kw, int symx, int box, FN(scratch) *s) {
    if (box && kw > 8) {
        K->KMEMBER(boxsum)(ext, dst, s->t1, s->t2, n, C, kw);
        return;
    }
    for (size_t i = 0; i < kw; i++) s->ptrs[i] = ext + i * C;
    K->KMEMBER(conv)(s->ptrs, kx, kw, symx, dst, n);
}

static int FN(sep)(const imfilt_image *src, imfilt_image *dst,
                   const double *kxd, size_t kw, size_t ax,
                   const double *kyd, size_t kh, size_t ay,
                   int border, double cval_d, const imfilt_out_rule *rule, int threads, int box) {
    const imfilt_kernels *K = imfilt_active_kernels();
    const size_t H = src->height, C = src->channels, n = src->width * C;
    const size_t ext_len = (src->width + kw - 1) * C;
    const size_t nring = box ? kh + 1 : kh;
    const W cval = (W)cval_d;
    const int float_input = src->dtype == IMFILT_F32 || src->dtype == IMFILT_F64;
    int status = IMFILT_OK;

    /* kernels in W; a box uses ones so its small sizes share the direct correlation loop */
    size_t kmax = kw > kh ? kw : kh;
    W *kbuf = malloc(2 * kmax * sizeof(W));
    column_map cm;
    if (!kbuf) return IMFILT_ENOMEM;
    if (column_map_init(&cm, src->width, kw, ax, border)) { free(kbuf); return IMFILT_ENOMEM; }
    W *kx = kbuf, *ky = kbuf + kmax;
    for (size_t i = 0; i < kw; i++) kx[i] = box ? (W)1 : (W)kxd[i];
    for (size_t i = 0; i < kh; i++) ky[i] = box ? (W)1 : (W)kyd[i];
    const int symx = box ? (kw & 1) : is_symmetric(kxd, kw);
    const int symy = box ? (kh & 1) : is_symmetric(kyd, kh);

    const int nt = choose_threads(threads, H, n);
#ifdef _OPENMP
#pragma omp parallel num_threads(nt)
#endif
    {
        const int tid = thread_id();
        /* float box sums restart every IMFILT_BOX_RESTART_ROWS rows: strips start on those
           rows too, so every thread count sums in the same order */
        const size_t unit = (box && float_input) ? IMFILT_BOX_RESTART_ROWS : 1;
        const size_t nunits = (H + unit - 1) / unit;
        size_t y0 = unit * (nunits * (size_t)tid / (size_t)nt);
        size_t y1 = unit * (nunits * (size_t)(tid + 1) / (size_t)nt);
        y0 = y0 < H ? y0 : H;
        y1 = y1 < H ? y1 : H;
        FN(scratch) s;
        memset(&s, 0, sizeof s);
        /* one allocation per thread: O(width * kernel height) */
        size_t nw = ext_len + nring * n + n + n + (box ? 2 * ext_len : 0);
        W *mem = malloc(nw * sizeof(W));
        void *pmem = malloc((nring + kmax + 1) * sizeof(W *));
        if (!mem || !pmem) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
            status = IMFILT_ENOMEM;
        } else if (y0 < y1) {
            s.ext = mem;
            s.ring = s.ext + ext_len;
            s.const_row = s.ring + nring * n;
            s.acc = s.const_row + n;
            s.t1 = box ? s.acc + n : NULL;
            s.t2 = box ? s.t1 + ext_len : NULL;
            s.slot = (const W **)pmem;
            s.ptrs = s.slot + nring;
            if (border == IMFILT_BORDER_CONSTANT) {
                FN(fill_ext)(K, src, s.ext, -1, &cm, cval);
                FN(row_pass)(K, s.ext, s.const_row, n, C, kx, kw, symx, box, &s);
            }
            /* virtual input row iy lives in ring slot iy mod nring */
            ptrdiff_t next = (ptrdiff_t)y0 - (ptrdiff_t)ay;
            for (size_t y = y0; y < y1; y++) {
                const ptrdiff_t first = (ptrdiff_t)y - (ptrdiff_t)ay, last = first + (ptrdiff_t)kh - 1;
                for (; next <= last; next++) {
                    size_t sl = (size_t)imfilt_mod(next, (ptrdiff_t)nring);
                    ptrdiff_t sy = imfilt_border_index(next, (ptrdiff_t)H, border);
                    if (sy < 0) { s.slot[sl] = s.const_row; continue; }
                    W *row = s.ring + sl * n;
                    FN(fill_ext)(K, src, s.ext, sy, &cm, cval);
                    FN(row_pass)(K, s.ext, row, n, C, kx, kw, symx, box, &s);
                    s.slot[sl] = row;
                }
                const W *out;
                if (!box) {
                    for (size_t j = 0; j < kh; j++)
                        s.ptrs[j] = s.slot[imfilt_mod(first + (ptrdiff_t)j, (ptrdiff_t)nring)];
                    K->KMEMBER(conv)(s.ptrs, ky, kh, symy, s.acc, n);
                    out = s.acc;
                } else if (y == y0 || (float_input && y % IMFILT_BOX_RESTART_ROWS == 0)) {
                    /* (re)start the running column sum from the kh rows directly */
                    for (size_t j = 0; j < kh; j++)
                        s.ptrs[j] = s.slot[imfilt_mod(first + (ptrdiff_t)j, (ptrdiff_t)nring)];
                    K->KMEMBER(conv)(s.ptrs, ky, kh, symy, s.acc, n);
                    out = s.acc;
                } else {
                    const W *add = s.slot[imfilt_mod(last, (ptrdiff_t)nring)];
                    const W *sub = s.slot[imfilt_mod(first - 1, (ptrdiff_t)nring)];
                    K->KMEMBER(slide)(s.acc, add, sub, n);
                    out = s.acc;
                }
                K->KMEMBER(store)[dst->dtype](out, (char *)dst->data + (ptrdiff_t)y * dst->row_stride, n, rule);
            }
        }
        free(mem);
        free(pmem);
    }
    free(cm.left);
    free(kbuf);
    return status;
}

#undef FN
#undef KMEMBER
