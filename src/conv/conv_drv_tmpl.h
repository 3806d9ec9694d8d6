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

/* Dense and grouped convolution: stride 1 in bands of output rows whose Cin/groups input
   planes are copied once per band, rows of w samples each followed by `gap` zeros (the zero
   padding right of a row is also the padding left of the next): the GEMM micro-kernel then
   reads the band as one flat row of rows wrow = w + gap apart, one pointer per (ic, ky, kx)
   tap, and drops the wrow - ow columns past each output row.
   Other strides per output row: the Cin/groups x kh input rows it reads are zero-padded and
   phase-split once (a copy of ~1/(Cout/groups * kw) of the arithmetic). 1x1 stride-1
   unpadded convolution is the pointwise GEMM straight on the input planes. */
typedef struct {
    const imfilt_conv_table *T;
    const conv_geom *g;
    const W *x, *wp, *bp;  /* input, packed weights and bias (see dense_@WS@) */
    W *y;
    size_t C, Cout, groups, cin, cout, K, nblk;
    size_t XC, L, nbands;  /* dense: x chunk, padded row length, row bands per unit */
    size_t gap, wrow, CS;  /* banded: zeros after each row, row pitch, samples per plane */
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
        if (main) T->gemm_@WS@(ptr, K, wg, bg, cout, outp, plane_out, main, main, main);
        if (rem) {  /* the last pixels through a zero-padded copy: same arithmetic */
            for (size_t ic = 0; ic < cin; ic++) {
                W *t = tail + ic * nb;
                memcpy(t, ptr[ic] + main, rem * sizeof(W));
                memset(t + rem, 0, (nb - rem) * sizeof(W));
                ptr[ic] = t;
            }
            T->gemm_@WS@(ptr, K, wg, bg, cout, outp + main, plane_out, rem, rem, rem);
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
                T->gemm_@WS@(ptr, K, wg, bg, cout, outp + oy * g->ow + ox0, plane_out, cw, cw, cw);
            }
        }
    }
    free(buf);
    free((void *)ptr);
    return IMFILT_OK;
}

/* banded dense items: images x groups x bands of output rows (stride 1) */
static int dense_band_strip_@WS@(void *job_, size_t it0, size_t it1, int tid, int *status) {
    const dense_job_@WS@ *job = job_;
    const conv_geom *g = job->g;
    const size_t cin = job->cin, cout = job->cout, groups = job->groups, K = job->K;
    const size_t ocb = job->T->gemm_ocb_@WS@, nblk = job->nblk, nbands = job->nbands;
    const size_t plane_out = g->oh * g->ow, plane_in = g->h * g->w;
    const size_t gap = job->gap, wrow = job->wrow, CS = job->CS, C = job->C, Cout = job->Cout;
    const size_t halo = (g->kh - 1) * g->dh;
    const imfilt_conv_table *T = job->T;
    const W *x = job->x, *wp = job->wp, *bp = job->bp;
    W *y = job->y;
    (void)tid;
    /* calloc: the gaps are the zero padding and are never written */
    W *buf = calloc(cin * CS + 1, sizeof(W));
    const W **ptr = malloc(K * sizeof(W *) + 1);
    if (!buf || !ptr) {
        free(buf);
        free((void *)ptr);
        return IMFILT_ENOMEM;
    }
    for (size_t ic = 0; ic < cin; ic++)
        for (size_t ky = 0; ky < g->kh; ky++)
            for (size_t kx = 0; kx < g->kw; kx++)
                ptr[(ic * g->kh + ky) * g->kw + kx] =
                    buf + ic * CS + gap - g->pw + ky * g->dh * wrow + kx * g->dw;
    for (size_t it = it0; it < it1; it++) {
        if (imfilt_stopped(status)) break;
        const size_t u = it / nbands, b = it % nbands;
        const size_t n = u / groups, gr = u % groups;
        const size_t oyA = g->oh * b / nbands, oyB = g->oh * (b + 1) / nbands;
        if (oyA == oyB) continue;
        const W *wg = wp + gr * nblk * K * ocb, *bg = bp + gr * nblk * ocb;
        const W *in = x + (n * C + gr * cin) * plane_in;
        for (size_t ic = 0; ic < cin; ic++)
            for (size_t t = 0; t < oyB - oyA + halo; t++) {
                const ptrdiff_t iy = (ptrdiff_t)(oyA + t) - (ptrdiff_t)g->ph;
                W *row = buf + ic * CS + gap + t * wrow;
                if (iy >= 0 && iy < (ptrdiff_t)g->h)
                    memcpy(row, in + ic * plane_in + (size_t)iy * g->w, g->w * sizeof(W));
                else
                    memset(row, 0, g->w * sizeof(W));
            }
        T->gemm_@WS@(ptr, K, wg, bg, cout, y + (n * Cout + gr * cout) * plane_out + oyA * g->ow,
                     plane_out, (oyB - oyA) * wrow - (wrow - g->ow), wrow, g->ow);
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
    /* banded: output column ox reads input columns ox - pw + kx*dw, so the zeros between rows
       cover pw columns left of a row and those past its end up to ow - 1 - pw + (kw-1)*dw */
    const ptrdiff_t past = (ptrdiff_t)(g->ow + (g->kw - 1) * g->dw) - (ptrdiff_t)(g->pw + g->w);
    const size_t gap = past > (ptrdiff_t)g->pw ? (size_t)past : g->pw, wrow = g->w + gap;
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
    } else if (g->sh == 1 && g->sw == 1 && g->ow <= wrow &&
               cin * (1 + (g->kh - 1) * g->dh) * wrow * sizeof(W) <= DENSE_BAND_BYTES) {
        /* bands of at most DENSE_BAND_BYTES of padded input, and a few items per thread */
        const size_t halo = (g->kh - 1) * g->dh, per_row = cin * wrow * sizeof(W);
        const size_t rows = DENSE_BAND_BYTES / per_row - halo;
        const size_t units = N * groups;
        const int nt = imfilt_choose_threads(threads, N * Cout * g->oh, tap_weighted(g->ow, K));
        size_t nbands = bands_@WS@(units, g->oh, nt);
        if (nbands < (g->oh + rows - 1) / rows) nbands = (g->oh + rows - 1) / rows;
        job.nbands = nbands;
        job.gap = gap;
        job.wrow = wrow;
        job.CS = ((g->oh + nbands - 1) / nbands + halo) * wrow + gap + nb;
        status = imfilt_parallel_rows(units * nbands, 1, nt, dense_band_strip_@WS@, &job);
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
    int direct;             /* the image and the output are W: no conversion passes */
    size_t tw, row_len;     /* column tile (pixels), scratch row length (samples) */
    size_t eL, pm;          /* direct: the in-place columns [eL, eL + pm) */
    imfilt_out_rule rule;   /* converted: the output rule */
} filter2d_job_@WS@;

/* One thread's scratch: a ring of kh + 1 bordered rows, a row of cval, two output rows. */
typedef struct {
    W *ring, *const_row, *acc, *acc1;
    const W **slot, **rows;
} filter2d_scratch_@WS@;

/* Output rows [y0, y1) of the output pixels [x0, x1), two rows per correlation (corr2).
   in_place: every tap of these pixels is inside the image row, so the rows are read in the
   source itself; else each input row is copied once per tile, bordered, into the ring.
   Direct jobs correlate straight into the destination, the others into acc and then through
   the separable table's output rule. Every sample takes the same correlation loop, so the
   tiling never changes a value. */
static void filter2d_tile_@WS@(const filter2d_job_@WS@ *job, filter2d_scratch_@WS@ *s,
                               size_t y0, size_t y1, size_t x0, size_t x1, int in_place) {
    const imfilt_image *src = job->src, *dst = job->dst;
    const imfilt_conv_table *T = job->T;
    const size_t H = src->height, C = src->channels;
    const size_t kh = job->kh, kw = job->kw, ay = job->ay, ax = job->ax, nring = kh + 1;
    const size_t row_len = job->row_len, m = (x1 - x0) * C, esz = imfilt_dtype_size(dst->dtype);
    const W *k = job->k;
    const W delta = job->delta, cval = job->cval;
    const int border = job->border, direct = job->direct;
    const W **slot = s->slot, **rows = s->rows;
    /* virtual input row iy lives in ring slot iy mod (kh + 1) */
    ptrdiff_t next = (ptrdiff_t)y0 - (ptrdiff_t)ay;
    for (size_t y = y0; y < y1; y += 2) {
        const size_t nrows = y + 1 < y1 ? kh + 1 : kh;
        const ptrdiff_t first = (ptrdiff_t)y - (ptrdiff_t)ay, last = first + (ptrdiff_t)nrows - 1;
        if (in_place) {
            for (size_t j = 0; j < nrows; j++) {
                const ptrdiff_t sy = imfilt_border_index(first + (ptrdiff_t)j, (ptrdiff_t)H, border);
                rows[j] = sy < 0 ? s->const_row
                                 : (const W *)((const char *)src->data + sy * src->row_stride) +
                                       (x0 - ax) * C;
            }
        } else {
            if (next < first) next = first;
            for (; next <= last; next++) {
                const size_t sl = (size_t)imfilt_mod(next, (ptrdiff_t)nring);
                const ptrdiff_t sy = imfilt_border_index(next, (ptrdiff_t)H, border);
                if (sy < 0) { slot[sl] = s->const_row; continue; }
                W *row = s->ring + sl * row_len;
                bordered_row_@WS@(job->KK, src, row, sy, x0, x1, kw, ax, border, cval);
                slot[sl] = row;
            }
            for (size_t j = 0; j < nrows; j++)
                rows[j] = slot[imfilt_mod(first + (ptrdiff_t)j, (ptrdiff_t)nring)];
        }
        char *drow = (char *)dst->data + (ptrdiff_t)y * dst->row_stride + x0 * C * esz;
        W *d0 = direct ? (W *)drow : s->acc, *d1 = direct ? (W *)(drow + dst->row_stride) : s->acc1;
        if (nrows == kh + 1) T->corr2_@WS@(rows, kh, kw, C, k, delta, d0, d1, m);
        else T->corr_@WS@(rows, kh, kw, C, k, delta, d0, m);
        if (!direct) {
            job->KK->store_@WS@[dst->dtype](s->acc, drow, m, &job->rule);
            if (nrows == kh + 1)
                job->KK->store_@WS@[dst->dtype](s->acc1, drow + dst->row_stride, m, &job->rule);
        }
    }
}

/* One thread's strip (imfilt_parallel_rows) in column tiles. Direct jobs: the in-place
   columns [eL, eL + pm) in tiles of tw, and the edges [0, eL) and [eL + pm, width) as one
   bordered tile each; the others: bordered tiles of tw across the row. */
static int filter2d_strip_@WS@(void *job_, size_t y0, size_t y1, int tid, int *status) {
    const filter2d_job_@WS@ *job = job_;
    const size_t width = job->src->width, C = job->src->channels, nring = job->kh + 1;
    const size_t row_len = job->row_len, tw = job->tw;
    const size_t slack = FILTER2D_SLACK_BYTES / sizeof(W), acc_len = job->direct ? 0 : tw * C + slack;
    (void)tid;
    W *mem = calloc((nring + 1) * row_len + 2 * acc_len, sizeof(W));
    const W **ptrs = malloc(2 * nring * sizeof(W *));
    if (!mem || !ptrs) {
        free(mem);
        free((void *)ptrs);
        return IMFILT_ENOMEM;
    }
    filter2d_scratch_@WS@ s = {.ring = mem, .const_row = mem + nring * row_len,
                               .slot = ptrs, .rows = ptrs + nring};
    s.acc = s.const_row + row_len;
    s.acc1 = s.acc + acc_len;
    for (size_t i = 0; i < row_len; i++) s.const_row[i] = job->cval;
    if (job->direct) {
        const size_t eL = job->eL, pm = job->pm;
        if (eL > 0) filter2d_tile_@WS@(job, &s, y0, y1, 0, eL, 0);
        for (size_t t0 = eL; t0 < eL + pm; t0 += tw) {
            if (imfilt_stopped(status)) break;
            filter2d_tile_@WS@(job, &s, y0, y1, t0, t0 + tw < eL + pm ? t0 + tw : eL + pm, 1);
        }
        if (eL + pm < width && !imfilt_stopped(status))
            filter2d_tile_@WS@(job, &s, y0, y1, eL + pm, width, 0);
    } else {
        for (size_t x0 = 0; x0 < width; x0 += tw) {
            if (imfilt_stopped(status)) break;
            filter2d_tile_@WS@(job, &s, y0, y1, x0, x0 + tw < width ? x0 + tw : width, 0);
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
        .delta = (W)delta, .cval = (W)cval, .border = border,
        .direct = src->dtype == WCODE && dst->dtype == WCODE};
    const size_t slack = FILTER2D_SLACK_BYTES / sizeof(W);
    if (job.direct) {
        /* pixels [eL, eL + pm) are read in place: their taps cover columns [eL - ax, ...)
           inside the row. Both ends are whole correlation steps of P pixels (P * C samples
           a multiple of the step nb), so the left edge tile is whole steps too and only the
           right one ends in a partial step; column tiles of tw keep the kh + 1 source rows
           of a tile within ~L1. */
        const size_t nb = job.T->corr_nb_@WS@, right = kw - 1 - ax;
        size_t gcd = nb, r = C;
        while (r) { const size_t t = gcd % r; gcd = r; r = t; }
        const size_t P = nb / gcd;
        size_t tw = FILTER2D_TILE_BYTES / ((kh + 1) * C * sizeof(W));
        tw -= tw % nb;
        if (tw < nb) tw = nb;
        /* a row that fits one tile is one bordered tile: a copy of each input row costs less
           than walking the rows three times (edge, middle, edge) */
        size_t eL = width <= tw ? width : (ax + P - 1) / P * P;
        if (eL > width) eL = width;
        const size_t inner = width > eL + right ? width - eL - right : 0;
        const size_t pm = inner / P * P;
        const size_t edge = eL > width - eL - pm ? eL : width - eL - pm;
        job.eL = eL;
        job.pm = pm;
        job.tw = tw;
        /* the ring holds the edge tiles; the row of cval stands for rows of any tile: the
           in-place tiles have at most min(tw, pm) columns (no 33 KB calloc for a small image) */
        const size_t span = tw < pm ? tw : pm;
        job.row_len = ((edge > span ? edge : span) + kw - 1) * C + slack;
    } else {
        /* column tiles keep the ring of kh + 1 rows within ~L1 */
        size_t tile_samples = FILTER2D_TILE_BYTES / ((kh + 1) * sizeof(W));
        if (tile_samples < 256) tile_samples = 256;
        size_t tw = tile_samples / C;
        if (tw >= 64) tw -= tw % 64;
        if (tw < 1) tw = 1;
        if (tw >= width || width - tw < kw) tw = width;
        job.tw = tw;
        job.row_len = (tw + kw - 1) * C + slack;
        job.rule = (imfilt_out_rule){
            .scale = 1.0, .mode = dst->dtype == IMFILT_F32 || dst->dtype == IMFILT_F64
                                      ? IMFILT_OUT_CAST : IMFILT_OUT_ROUND};
    }
    const int nt = imfilt_choose_threads(threads, H, tap_weighted(width * C, kh * kw));
    const int status = imfilt_parallel_rows(H, 1, nt, filter2d_strip_@WS@, &job);
    free(k);
    return status;
}
