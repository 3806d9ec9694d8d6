/* Convolution drivers for one work type W (names suffixed WS, image dtype code WCODE): conv2d's
   depthwise_@WS@ and dense_@WS@, filter2d's filter2d_run_@WS@. They own the traversal (zero
   padding, stride phases, tiles, threads); the arithmetic is the ISA table's (conv.h). Each
   parallel region is imfilt_parallel_rows over a strip function and its job. Expanded by
   tools/expand_template.py into conv_drv_instances.h, included by conv.c.
   instances:
     WS=f32 W=float  WCODE=IMFILT_F32
     WS=f64 W=double WCODE=IMFILT_F64
*/

/* One input row as `sw` stride phases of L samples: phase p, position q holds input column
   (ox0 + q) * sw + p - pw, zero outside the row (in == NULL: a row of zero padding). Output
   column ox0 + q, tap kx then reads phase (kx*dw) % sw at q + (kx*dw) / sw: contiguous loads
   for any stride. pads_zero: dst already holds this chunk's zero padding (it was filled for
   the same ox0 before), so only the inside of the row is written -- on narrow planes the two
   memsets cost as much as the copy. */
static void fill_phases_@WS@(const imfilt_conv_table *T, const W *in, size_t width, size_t ox0,
                             size_t sw, size_t pw, size_t L, int pads_zero, W *dst) {
    const ptrdiff_t wd = (ptrdiff_t)width, l = (ptrdiff_t)L, s = (ptrdiff_t)sw;
    if (!in) { memset(dst, 0, sw * L * sizeof(W)); return; }
    /* stride 2: the positions where both phases are inside the row go through the vector
       split; the few others (and the zero padding) are set per phase below */
    ptrdiff_t va = 0, vb = 0;
    if (sw == 2) {
        const ptrdiff_t base = (ptrdiff_t)(ox0 * 2) - (ptrdiff_t)pw;  /* column of phase 0, q = 0 */
        va = base >= 0 ? 0 : (-base + 1) / 2;
        vb = wd - 1 - base > 0 ? (wd - 1 - base) / 2 : 0;           /* base + 2q + 1 < width */
        if (va > l) va = l;
        if (vb > l) vb = l;
        if (vb > va) T->deint2_@WS@(in + base + 2 * va, dst + va, dst + L + va, (size_t)(vb - va));
        else va = vb = 0;
    }
    for (size_t p = 0; p < sw; p++) {
        W *d = dst + p * L;
        const ptrdiff_t base = (ptrdiff_t)(ox0 * sw + p) - (ptrdiff_t)pw;
        /* q valid when 0 <= base + q * sw < width */
        ptrdiff_t qa = base >= 0 ? 0 : (-base + s - 1) / s;
        ptrdiff_t qb = base >= wd ? 0 : (wd - base + s - 1) / s;
        if (qa > l) qa = l;
        if (qb > l) qb = l;
        if (qb < qa) qb = qa;
        if (!pads_zero) memset(d, 0, (size_t)qa * sizeof(W));
        const W *src = in + base;
        if (sw == 1) memcpy(d + qa, src + qa, (size_t)(qb - qa) * sizeof(W));
        else
            for (ptrdiff_t q = qa; q < qb; q++) {
                if (q == va && vb > va) q = vb;  /* already split */
                if (q >= qb) break;
                d[q] = src[q * s];
            }
        if (!pads_zero) memset(d + qb, 0, (size_t)(l - qb) * sizeof(W));
    }
}

/* Work items: `units` independent units (planes or images x groups) split into bands of rows
   until there are a few items per thread. Bands never change any output's arithmetic. */
static size_t bands_@WS@(size_t units, size_t tiles, int nt) {
    size_t want = 4 * (size_t)nt;
    if (nt <= 1 || units >= want) return 1;
    size_t b = (want + units - 1) / units;
    return b < tiles ? b : (tiles ? tiles : 1);
}

/* Depthwise (groups == channels, any channel multiplier): output plane oc reads input plane
   oc / multiplier through a ring of padded, phase-split rows, IMFILT_DW_ROWS output rows per
   register tile (conv_tmpl.h dw). Items: planes x row bands. */
typedef struct {
    const imfilt_conv_table *T;
    const conv_geom *g;
    const W *x, *w, *bias;
    W *y;
    size_t C, Cout, XC, L, NR, tiles, nbands;
} depthwise_job_@WS@;

static int depthwise_strip_@WS@(void *job_, size_t it0, size_t it1, int tid, int *status) {
    const depthwise_job_@WS@ *job = job_;
    const conv_geom *g = job->g;
    const size_t R = IMFILT_DW_ROWS, NR = job->NR, L = job->L, XC = job->XC;
    const size_t C = job->C, Cout = job->Cout, mult = Cout / C, tiles = job->tiles;
    const size_t nbands = job->nbands;
    const imfilt_conv_table *T = job->T;
    const W *x = job->x, *w = job->w, *bias = job->bias;
    W *y = job->y;
    (void)tid;
    W *ring = malloc(NR * g->sw * L * sizeof(W));
    void *aux = malloc(NR * (2 * sizeof(ptrdiff_t) + sizeof(W *)) + g->kw * sizeof(size_t));
    if (!ring || !aux) {
        free(ring);
        free(aux);
        return IMFILT_ENOMEM;
    }
    ptrdiff_t *slot_row = (ptrdiff_t *)aux;
    ptrdiff_t *slot_pads = slot_row + NR;  /* ox0 whose zero pads the slot holds */
    const W **rows = (const W **)(slot_pads + NR);
    size_t *xoff = (size_t *)(rows + NR);
    for (size_t i = 0; i < NR; i++) slot_pads[i] = -1;
    for (size_t kx = 0; kx < g->kw; kx++)
        xoff[kx] = (kx * g->dw) % g->sw * L + kx * g->dw / g->sw;
    for (size_t it = it0; it < it1; it++) {
        if (imfilt_stopped(status)) break;
        const size_t plane = it / nbands, b = it % nbands;
        const size_t n = plane / Cout, oc = plane % Cout, ic = oc / mult;
        const W *in = x + (n * C + ic) * g->h * g->w;
        W *out = y + plane * g->oh * g->ow;
        const W *k = w + oc * g->kh * g->kw;
        const W bv = bias ? bias[oc] : (W)0;
        const size_t oyA = tiles * b / nbands * R;
        size_t oyB = tiles * (b + 1) / nbands * R;
        if (oyB > g->oh) oyB = g->oh;
        for (size_t ox0 = 0; ox0 < g->ow; ox0 += XC) {
            const size_t cw = g->ow - ox0 < XC ? g->ow - ox0 : XC;
            for (size_t i = 0; i < NR; i++) slot_row[i] = PTRDIFF_MIN;
            for (size_t oy = oyA; oy < oyB; oy += R) {
                const size_t nr = oyB - oy < R ? oyB - oy : R;
                const size_t span = (nr - 1) * g->sh + (g->kh - 1) * g->dh + 1;
                for (size_t t = 0; t < span; t++) {
                    const ptrdiff_t iy = (ptrdiff_t)(oy * g->sh + t) - (ptrdiff_t)g->ph;
                    const size_t s = (size_t)imfilt_mod(iy, (ptrdiff_t)NR);
                    W *buf = ring + s * g->sw * L;
                    if (slot_row[s] != iy) {
                        const int inside = iy >= 0 && iy < (ptrdiff_t)g->h;
                        fill_phases_@WS@(T, inside ? in + (size_t)iy * g->w : NULL, g->w, ox0,
                                         g->sw, g->pw, L, slot_pads[s] == (ptrdiff_t)ox0, buf);
                        slot_row[s] = iy;
                        slot_pads[s] = (ptrdiff_t)ox0;
                    }
                    rows[t] = buf;
                }
                T->dw_@WS@(rows, nr, g->sh, g->dh, g->kh, g->kw, xoff, k, bv,
                           out + oy * g->ow + ox0, g->ow, cw);
            }
        }
    }
    free(ring);
    free(aux);
    return IMFILT_OK;
}

static int depthwise_@WS@(const imfilt_conv_table *T, const W *x, const W *w, const W *bias,
                          W *y, size_t N, size_t C, size_t Cout, const conv_geom *g, int threads) {
    const size_t R = IMFILT_DW_ROWS, nb = T->gemm_nb_@WS@;
    const size_t XC = g->ow <= 2048 ? g->ow : 1024;
    const size_t planes = N * Cout, tiles = (g->oh + R - 1) / R;
    const int nt = imfilt_choose_threads(threads, planes * g->oh, g->ow);
    const size_t nbands = bands_@WS@(planes, tiles, nt);
    depthwise_job_@WS@ job = {
        .T = T, .g = g, .x = x, .w = w, .bias = bias, .y = y, .C = C, .Cout = Cout, .XC = XC,
        .L = round_up(XC, nb) + (g->kw - 1) * g->dw / g->sw + nb,
        .NR = (R - 1) * g->sh + (g->kh - 1) * g->dh + 1, .tiles = tiles, .nbands = nbands};
    return imfilt_parallel_rows(planes * nbands, 1, nt, depthwise_strip_@WS@, &job);
}

/* Dense and grouped convolution: per image, group and output row, the Cin/groups x kh input
   rows it reads are zero-padded and phase-split once (a copy of ~1/(Cout/groups * kw) of the
   arithmetic), then the GEMM micro-kernel runs with one pointer per (ic, ky, kx) tap.
   1x1 stride-1 unpadded convolution is the pointwise GEMM straight on the input planes. */
typedef struct {
    const imfilt_conv_table *T;
    const conv_geom *g;
    const W *x, *wp, *bp;  /* input, packed weights and bias (see dense_@WS@) */
    W *y;
    size_t C, Cout, groups, cin, cout, K, nblk;
    size_t XC, L, nbands;  /* dense: x chunk, padded row length, row bands per unit */
    size_t PC, chunks;     /* pointwise: pixels per item, items per image plane */
} dense_job_@WS@;

/* pointwise items: images x groups x chunks of PC pixels */
static int pointwise_strip_@WS@(void *job_, size_t it0, size_t it1, int tid, int *status) {
    const dense_job_@WS@ *job = job_;
    const conv_geom *g = job->g;
    const size_t cin = job->cin, cout = job->cout, groups = job->groups, K = job->K;
    const size_t ocb = job->T->gemm_ocb_@WS@, nb = job->T->gemm_nb_@WS@, nblk = job->nblk;
    const size_t plane_out = g->oh * g->ow, plane_in = g->h * g->w, PC = job->PC;
    const size_t C = job->C, Cout = job->Cout, chunks = job->chunks;
    const imfilt_conv_table *T = job->T;
    const W *x = job->x, *wp = job->wp, *bp = job->bp;
    W *y = job->y;
    (void)tid;
    const W **ptr = malloc(cin * sizeof(W *) + 1);
    W *tail = malloc(cin * nb * sizeof(W) + 1);
    if (!ptr || !tail) {
        free((void *)ptr);
        free(tail);
        return IMFILT_ENOMEM;
    }
    for (size_t it = it0; it < it1; it++) {
        if (imfilt_stopped(status)) break;
        const size_t c = it % chunks, ng = it / chunks;
        const size_t n = ng / groups, gr = ng % groups;
        const size_t p0 = c * PC, pn = plane_in - p0 < PC ? plane_in - p0 : PC;
        const size_t main = pn / nb * nb, rem = pn - main;
        const W *wg = wp + gr * nblk * K * ocb, *bg = bp + gr * nblk * ocb;
        W *outp = y + (n * Cout + gr * cout) * plane_out + p0;
        for (size_t ic = 0; ic < cin; ic++) ptr[ic] = x + (n * C + gr * cin + ic) * plane_in + p0;
        if (main) T->gemm_@WS@(ptr, K, wg, bg, cout, outp, plane_out, main);
        if (rem) {  /* the last pixels through a zero-padded copy: same arithmetic */
            for (size_t ic = 0; ic < cin; ic++) {
                W *t = tail + ic * nb;
                memcpy(t, ptr[ic] + main, rem * sizeof(W));
                memset(t + rem, 0, (nb - rem) * sizeof(W));
                ptr[ic] = t;
            }
            T->gemm_@WS@(ptr, K, wg, bg, cout, outp + main, plane_out, rem);
        }
    }
    free((void *)ptr);
    free(tail);
    return IMFILT_OK;
}

/* dense items: images x groups x bands of output rows */
static int dense_strip_@WS@(void *job_, size_t it0, size_t it1, int tid, int *status) {
    const dense_job_@WS@ *job = job_;
    const conv_geom *g = job->g;
    const size_t cin = job->cin, cout = job->cout, groups = job->groups, K = job->K;
    const size_t ocb = job->T->gemm_ocb_@WS@, nblk = job->nblk, nbands = job->nbands;
    const size_t plane_out = g->oh * g->ow, plane_in = g->h * g->w, XC = job->XC, L = job->L;
    const size_t C = job->C, Cout = job->Cout;
    const imfilt_conv_table *T = job->T;
    const W *x = job->x, *wp = job->wp, *bp = job->bp;
    W *y = job->y;
    (void)tid;
    W *buf = malloc(cin * g->kh * g->sw * L * sizeof(W) + 1);
    const W **ptr = malloc(K * sizeof(W *) + 1);
    if (!buf || !ptr) {
        free(buf);
        free((void *)ptr);
        return IMFILT_ENOMEM;
    }
    for (size_t r = 0; r < cin * g->kh; r++)
        for (size_t kx = 0; kx < g->kw; kx++)
            ptr[r * g->kw + kx] = buf + r * g->sw * L + (kx * g->dw) % g->sw * L +
                                  kx * g->dw / g->sw;
    for (size_t it = it0; it < it1; it++) {
        if (imfilt_stopped(status)) break;
        const size_t u = it / nbands, b = it % nbands;
        const size_t n = u / groups, gr = u % groups;
        const size_t oyA = g->oh * b / nbands, oyB = g->oh * (b + 1) / nbands;
        const W *wg = wp + gr * nblk * K * ocb, *bg = bp + gr * nblk * ocb;
        const W *in = x + (n * C + gr * cin) * plane_in;
        W *outp = y + (n * Cout + gr * cout) * plane_out;
        for (size_t ox0 = 0; ox0 < g->ow; ox0 += XC) {
            const size_t cw = g->ow - ox0 < XC ? g->ow - ox0 : XC;
            for (size_t oy = oyA; oy < oyB; oy++) {
                for (size_t ic = 0; ic < cin; ic++)
                    for (size_t ky = 0; ky < g->kh; ky++) {
                        const ptrdiff_t iy = (ptrdiff_t)(oy * g->sh + ky * g->dh) - (ptrdiff_t)g->ph;
                        const int inside = iy >= 0 && iy < (ptrdiff_t)g->h;
                        fill_phases_@WS@(T, inside ? in + ic * plane_in + (size_t)iy * g->w : NULL,
                                         g->w, ox0, g->sw, g->pw, L, oy != oyA,
                                         buf + (ic * g->kh + ky) * g->sw * L);
                    }
                T->gemm_@WS@(ptr, K, wg, bg, cout, outp + oy * g->ow + ox0, plane_out, cw);
            }
        }
    }
    free(buf);
    free((void *)ptr);
    return IMFILT_OK;
}

static int dense_@WS@(const imfilt_conv_table *T, const W *x, const W *w, const W *bias,
                      W *y, size_t N, size_t C, size_t Cout, size_t groups, const conv_geom *g,
                      int threads) {
    const size_t cin = C / groups, cout = Cout / groups, K = cin * g->kh * g->kw;
    const size_t ocb = T->gemm_ocb_@WS@, nb = T->gemm_nb_@WS@, nblk = (cout + ocb - 1) / ocb;
    /* the output planes must be the input planes: the caller may pass stride 1 for a single
       output row or column (oh or ow of 1) whatever the input extent */
    const int pointwise = g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 &&
                          g->ph == 0 && g->pw == 0 && g->oh == g->h && g->ow == g->w;
    /* weights packed as [group][oc block][k][ocb], bias as [group][nblk * ocb], zero-padded */
    W *wp = calloc(groups * nblk * K * ocb + groups * nblk * ocb, sizeof(W));
    if (!wp) return IMFILT_ENOMEM;
    W *bp = wp + groups * nblk * K * ocb;
    for (size_t gr = 0; gr < groups; gr++)
        for (size_t o = 0; o < cout; o++) {
            W *dst = wp + (gr * nblk + o / ocb) * K * ocb + o % ocb;
            const W *src = w + (gr * cout + o) * K;
            for (size_t k = 0; k < K; k++) dst[k * ocb] = src[k];
            bp[gr * nblk * ocb + o] = bias ? bias[gr * cout + o] : (W)0;
        }
    dense_job_@WS@ job = {.T = T, .g = g, .x = x, .wp = wp, .bp = bp, .y = y, .C = C,
                          .Cout = Cout, .groups = groups, .cin = cin, .cout = cout, .K = K,
                          .nblk = nblk};
    const size_t plane_in = g->h * g->w;
    int status;
    if (pointwise) {
        const int nt = imfilt_choose_threads(threads, N * Cout * g->h, tap_weighted(g->w, cin));
        /* pixels per work item: at most 4096, a multiple of nb, and small enough that a few
           images x groups still give every thread several items */
        size_t PC = 4096;
        const size_t parts = bands_@WS@(N * groups, (plane_in + nb - 1) / nb, nt);
        if (parts > 1) PC = round_up((plane_in + parts - 1) / parts, nb);
        if (PC > 4096) PC = 4096;
        job.PC = PC;
        job.chunks = (plane_in + PC - 1) / PC;
        status = imfilt_parallel_rows(N * groups * job.chunks, 1, nt, pointwise_strip_@WS@, &job);
    } else {
        /* x chunks keep the padded rows of one output row within ~1 MiB */
        const size_t maxoff = (g->kw - 1) * g->dw / g->sw;
        const size_t per_sample = cin * g->kh * g->sw * sizeof(W);
        size_t XC = (size_t)1 << 20;
        XC = XC / per_sample > maxoff + 2 * nb ? XC / per_sample - maxoff - nb : nb;
        XC -= XC % nb;
        if (XC < nb) XC = nb;
        if (XC >= g->ow) XC = g->ow;
        const size_t units = N * groups;
        const int nt = imfilt_choose_threads(threads, N * Cout * g->oh, tap_weighted(g->ow, K));
        job.XC = XC;
        job.L = round_up(XC, nb) + maxoff + nb;
        job.nbands = bands_@WS@(units, g->oh, nt);
        status = imfilt_parallel_rows(units * job.nbands, 1, nt, dense_strip_@WS@, &job);
    }
    free(wp);
    return status;
}

/* ---------------------------------------------------------------------------------------- */
/* One filter2d call's shared state; strips are rows of the image. */
typedef struct {
    const imfilt_separable_table *KK;
    const imfilt_conv_table *T;
    const imfilt_image *src;
    imfilt_image *dst;
    const W *k;
    size_t kh, kw, ay, ax;
    W delta, cval;
    int border;
    size_t tw, row_len;     /* column tile, scratch row length */
    size_t eL, pm;          /* direct: the in-place columns [eL, eL + pm) */
    imfilt_out_rule rule;   /* converted: the output rule */
} filter2d_job_@WS@;

/* filter2d on an image of the work type itself (float32 with float, float64 with double):
   no conversion passes. Output columns whose taps stay inside the image (a multiple of the
   micro-kernel width) read the source rows in place and write the destination row in place;
   only the few edge columns go through bordered copies. Every sample takes the same
   correlation loop, so the split never changes a value. */
static int filter2d_direct_strip_@WS@(void *job_, size_t y0, size_t y1, int tid, int *status) {
    const filter2d_job_@WS@ *job = job_;
    const imfilt_image *src = job->src, *dst = job->dst;
    const imfilt_separable_table *KK = job->KK;
    const imfilt_conv_table *T = job->T;
    const size_t H = src->height, C = src->channels, width = src->width;
    const size_t kh = job->kh, kw = job->kw, ay = job->ay, ax = job->ax, row_len = job->row_len;
    const size_t eL = job->eL, pm = job->pm, tw = job->tw;
    const W *k = job->k;
    const W delta = job->delta, cval = job->cval;
    const int border = job->border;
    (void)tid;
    W *mem = calloc((kh + 1) * row_len, sizeof(W));
    const W **rows = malloc((kh + 1) * sizeof(W *));
    if (!mem || !rows) {
        free(mem);
        free((void *)rows);
        return IMFILT_ENOMEM;
    }
    W *bord = mem, *const_row = mem + kh * row_len;
    for (size_t i = 0; i < row_len; i++) const_row[i] = cval;
    for (size_t t0 = 0; t0 < pm; t0 += tw) {
        if (imfilt_stopped(status)) break;
        const size_t t1 = t0 + tw < pm ? t0 + tw : pm;
        for (size_t y = y0; y < y1; y += 2) {
            const size_t nrows = y + 1 < y1 ? kh + 1 : kh;
            for (size_t j = 0; j < nrows; j++) {
                const ptrdiff_t sy = imfilt_border_index((ptrdiff_t)(y + j) - (ptrdiff_t)ay,
                                                         (ptrdiff_t)H, border);
                rows[j] = sy < 0 ? const_row
                                 : (const W *)((const char *)src->data + sy * src->row_stride) +
                                       (eL - ax + t0) * C;
            }
            W *d0 = (W *)((char *)dst->data + (ptrdiff_t)y * dst->row_stride) + (eL + t0) * C;
            if (nrows == kh + 1) {
                W *d1 = (W *)((char *)d0 + dst->row_stride);
                T->corr2_@WS@(rows, kh, kw, C, k, delta, d0, d1, (t1 - t0) * C);
            } else {
                T->corr_@WS@(rows, kh, kw, C, k, delta, d0, (t1 - t0) * C);
            }
        }
    }
    for (size_t y = y0; y < y1; y++) {
        if ((y - y0) % 8 == 7 && imfilt_stopped(status)) break;
        W *drow = (W *)((char *)dst->data + (ptrdiff_t)y * dst->row_stride);
        /* the edges: [0, eL) and [eL + pm, width) from bordered copies */
        for (int side = 0; side < 2; side++) {
            const size_t x0 = side ? eL + pm : 0, x1 = side ? width : eL;
            if (x1 <= x0) continue;
            for (size_t j = 0; j < kh; j++) {
                const ptrdiff_t sy = imfilt_border_index((ptrdiff_t)(y + j) - (ptrdiff_t)ay,
                                                         (ptrdiff_t)H, border);
                if (sy < 0) { rows[j] = const_row; continue; }
                W *row = bord + j * row_len;
                bordered_row_@WS@(KK, src, row, sy, x0, x1, kw, ax, border, cval);
                rows[j] = row;
            }
            T->corr_@WS@(rows, kh, kw, C, k, delta, drow + x0 * C, (x1 - x0) * C);
        }
    }
    free(mem);
    free((void *)rows);
    return IMFILT_OK;
}

static int filter2d_direct_@WS@(filter2d_job_@WS@ *job, int threads) {
    const imfilt_image *src = job->src;
    const size_t H = src->height, C = src->channels, width = src->width;
    const size_t kh = job->kh, kw = job->kw, ax = job->ax;
    const size_t slack = FILTER2D_SLACK_BYTES / sizeof(W), nb = job->T->gemm_nb_@WS@;
    const size_t right = kw - 1 - ax;
    /* pixels [eL, eL + pm) are read in place: their taps cover columns [eL - ax, ...) inside */
    const size_t eL = ax < width ? ax : width;
    const size_t inner = width > eL + right ? width - eL - right : 0;
    const size_t pm = inner / nb * nb;
    /* in-place columns: column tiles keep kh + 1 source rows of a tile within ~L1 while row
       pairs walk down the strip */
    size_t tw = FILTER2D_TILE_BYTES / ((kh + 1) * C * sizeof(W));
    tw -= tw % nb;
    if (tw < nb) tw = nb;
    /* scratch: kh bordered edge rows and one row of cval, O((tile + kw) * kh) */
    const size_t edge = eL > width - eL - pm ? eL : width - eL - pm;
    job->eL = eL;
    job->pm = pm;
    job->tw = tw;
    /* the cval row serves tiles of at most min(tw, pm) columns and the edges */
    const size_t span = tw < pm ? tw : pm;
    job->row_len = ((edge > span ? edge : span) + kw - 1) * C + slack;
    const int nt = imfilt_choose_threads(threads, H, tap_weighted(width * C, kh * kw));
    return imfilt_parallel_rows(H, 1, nt, filter2d_direct_strip_@WS@, job);
}

/* filter2d of any other image: column tiles of input rows converted to W into a ring of
   kh + 1 bordered rows, two output rows per correlation, stored through the separable
   table's output rule. */
static int filter2d_run_strip_@WS@(void *job_, size_t y0, size_t y1, int tid, int *status) {
    const filter2d_job_@WS@ *job = job_;
    const imfilt_image *src = job->src, *dst = job->dst;
    const imfilt_separable_table *KK = job->KK;
    const imfilt_conv_table *T = job->T;
    const size_t H = src->height, C = src->channels, width = src->width;
    const size_t kh = job->kh, kw = job->kw, ay = job->ay, ax = job->ax;
    const size_t slack = FILTER2D_SLACK_BYTES / sizeof(W), nring = kh + 1, tw = job->tw;
    const size_t tn = tw * C;
    const size_t row_len = job->row_len, esz = imfilt_dtype_size(dst->dtype);
    const W *k = job->k;
    const W delta = job->delta, cval = job->cval;
    const int border = job->border;
    const imfilt_out_rule *rule = &job->rule;
    (void)tid;
    W *mem = calloc((nring + 1) * row_len + 2 * (tn + slack), sizeof(W));
    const W **ptrs = malloc(2 * nring * sizeof(W *));
    if (!mem || !ptrs) {
        free(mem);
        free((void *)ptrs);
        return IMFILT_ENOMEM;
    }
    W *ring = mem, *const_row = mem + nring * row_len, *acc = const_row + row_len;
    W *acc1 = acc + tn + slack;
    const W **slot = ptrs, **rows = ptrs + nring;
    for (size_t i = 0; i < row_len; i++) const_row[i] = cval;
    for (size_t x0 = 0; x0 < width; x0 += tw) {
        if (imfilt_stopped(status)) break;
        const size_t x1 = x0 + tw < width ? x0 + tw : width, m = (x1 - x0) * C;
        /* virtual input row iy lives in ring slot iy mod kh */
        ptrdiff_t next = (ptrdiff_t)y0 - (ptrdiff_t)ay;
        for (size_t y = y0; y < y1; y += 2) {
            const size_t nrows = y + 1 < y1 ? kh + 1 : kh;
            const ptrdiff_t first = (ptrdiff_t)y - (ptrdiff_t)ay, last = first + (ptrdiff_t)nrows - 1;
            if (next < first) next = first;
            for (; next <= last; next++) {
                const size_t sl = (size_t)imfilt_mod(next, (ptrdiff_t)nring);
                const ptrdiff_t sy = imfilt_border_index(next, (ptrdiff_t)H, border);
                if (sy < 0) { slot[sl] = const_row; continue; }
                W *row = ring + sl * row_len;
                bordered_row_@WS@(KK, src, row, sy, x0, x1, kw, ax, border, cval);
                slot[sl] = row;
            }
            for (size_t j = 0; j < nrows; j++)
                rows[j] = slot[imfilt_mod(first + (ptrdiff_t)j, (ptrdiff_t)nring)];
            char *drow = (char *)dst->data + (ptrdiff_t)y * dst->row_stride + x0 * C * esz;
            if (nrows == kh + 1) {
                T->corr2_@WS@(rows, kh, kw, C, k, delta, acc, acc1, m);
                KK->store_@WS@[dst->dtype](acc, drow, m, rule);
                KK->store_@WS@[dst->dtype](acc1, drow + dst->row_stride, m, rule);
            } else {
                T->corr_@WS@(rows, kh, kw, C, k, delta, acc, m);
                KK->store_@WS@[dst->dtype](acc, drow, m, rule);
            }
        }
    }
    free(mem);
    free((void *)ptrs);
    return IMFILT_OK;
}

static int filter2d_run_@WS@(const imfilt_image *src, imfilt_image *dst, const double *kd,
                             size_t kh, size_t kw, size_t ay, size_t ax, double delta, int border,
                             double cval, int threads) {
    const size_t H = src->height, C = src->channels, width = src->width;
    W *k = malloc(kh * kw * sizeof(W));
    if (!k) return IMFILT_ENOMEM;
    for (size_t i = 0; i < kh * kw; i++) k[i] = (W)kd[i];
    filter2d_job_@WS@ job = {
        .KK = imfilt_separable_active(), .T = IMFILT_ISA_ACTIVE(imfilt_conv_table, imfilt_conv),
        .src = src, .dst = dst, .k = k, .kh = kh, .kw = kw, .ay = ay, .ax = ax,
        .delta = (W)delta, .cval = (W)cval, .border = border};
    int status;
    /* images of the work type read in place, unless small enough for cache: there one
       bordered copy per row (the path below, the same arithmetic) beats the in-place path's
       per-row edge copies (64x64 float32 3x3: 4 vs 10 us; 512x512 106 vs 133 us) */
    if (src->dtype == WCODE && dst->dtype == WCODE
        && H * width * C * sizeof(W) > FILTER2D_DIRECT_MIN_BYTES) {
        status = filter2d_direct_@WS@(&job, threads);
    } else {
        /* column tiles keep the ring of kh + 1 rows within ~L1 */
        size_t tile_samples = FILTER2D_TILE_BYTES / ((kh + 1) * sizeof(W));
        if (tile_samples < 256) tile_samples = 256;
        size_t tw = tile_samples / C;
        if (tw >= 64) tw -= tw % 64;
        if (tw < 1) tw = 1;
        if (tw >= width || width - tw < kw) tw = width;
        job.tw = tw;
        job.row_len = (tw + kw - 1) * C + FILTER2D_SLACK_BYTES / sizeof(W);
        job.rule = (imfilt_out_rule){
            .scale = 1.0, .mode = dst->dtype == IMFILT_F32 || dst->dtype == IMFILT_F64
                                      ? IMFILT_OUT_CAST : IMFILT_OUT_ROUND};
        const int nt = imfilt_choose_threads(threads, H, tap_weighted(width * C, kh * kw));
        status = imfilt_parallel_rows(H, 1, nt, filter2d_run_strip_@WS@, &job);
    }
    free(k);
    return status;
}
