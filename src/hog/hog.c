/* HOG descriptors: one core, two semantics (OpenCV's HOGDescriptor and skimage.feature.hog).

   Pipeline, per gradient row (rows are independent, so threads own ranges of block rows):
     1. load the three image rows it needs as float (OpenCV) or double (scikit-image) planes,
        through the border map (OpenCV frames the image with `padding` pixels read with
        reflect101 addressing, src/core/border.h);
     2. votes (src/hog/hog_isa.c): per pixel a bin and the magnitude split between it and the next
        bin (OpenCV: linear in orientation) or one bin (scikit-image: hard);
     3. spatial pooling. OpenCV weighs a pixel in a block by gaussian(position in block) x
        bilinear cell weights, which is separable: X_cx(j) * Y_cy(i). A row pass sums each
        block column's pixels with X into R[cx][bin][bx] (block columns in vector lanes), a
        column pass adds Y_cy(i) * R into the accumulator of every block row containing the
        row (gathered into the output when the block row is complete), so
        each block's histogram is computed once (Dalal & Triggs' weighting, separable
        evaluation).
        scikit-image sums each cell's magnitudes per bin in float32, in raster order, like its
        Cython loop, then divides by the cell area;
     4. normalisation: OpenCV's L2-Hys (its float order of operations) per finished block row;
        scikit-image's L1, L1-sqrt, L2, L2-Hys over blocks of cells, in double.
   Memory: the output (the block grid) plus O(width) scratch per thread. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/border.h"
#include "hog.h"
#include "core/parallel.h"

IMFILT_ISA_DECLARE(imfilt_hog_table, imfilt_hog);

/* ------------------------------------------------------------------------------------------
   A cache of three loaded image rows (the rows above, at and below a gradient row). */
typedef struct {
    ptrdiff_t key[3];
    void *planes[3];      /* each: channels planes of `stride` elements */
    size_t stride, esize;
} row_cache;

static void *cache_get(row_cache *rc, ptrdiff_t key, const ptrdiff_t need[3], int *slot_out) {
    for (int s = 0; s < 3; s++)
        if (rc->key[s] == key) { *slot_out = -1; return rc->planes[s]; }
    int s = 0;
    for (; s < 3; s++)
        if (rc->key[s] != need[0] && rc->key[s] != need[1] && rc->key[s] != need[2]) break;
    rc->key[s] = key;
    *slot_out = s;
    return rc->planes[s];
}

/* ------------------------------------------------------------------------------------------
   The border maps: map[i] = the image coordinate that plane or row index i reads, index i
   holding coordinate i - offset (every border goes through src/core/border.h). */
static void border_map(ptrdiff_t *map, size_t n, size_t offset, size_t size, int mode) {
    for (size_t i = 0; i < n; i++)
        map[i] = imfilt_border_index((ptrdiff_t)i - (ptrdiff_t)offset, (ptrdiff_t)size, mode);
}

/* ------------------------------------------------------------------------------------------
   OpenCV semantics. Block grid over the image framed by (pad_y, pad_x): blocks at
   (by * stride_y, bx * stride_x), out[by][bx][(cx * ncy + cy) * nbins + bin] (cells
   column-major, as OpenCV). */

/* OpenCV's per-position weights along one axis of a block: gaussian (centred at size / 2)
   times the linear interpolation between cell centres, cells outside the block dropped. */
static void axis_weights(imfilt_hog_axis_weight *aw, size_t size, size_t cell, size_t ncells,
                         float scale) {
    float half = (float)size * 0.5f;
    for (size_t j = 0; j < size; j++) {
        float d = (float)j - half;
        float g = expf(-(d * d) * scale);
        float pos = ((float)j + 0.5f) / (float)cell - 0.5f;
        float fl = floorf(pos);
        ptrdiff_t c0 = (ptrdiff_t)fl;
        float f = pos - fl;
        aw[j].count = 0;
        if (c0 >= 0 && (size_t)c0 < ncells) {
            aw[j].cell[aw[j].count] = (size_t)c0;
            aw[j].w[aw[j].count++] = g * (1.f - f);
        }
        if (c0 + 1 >= 0 && (size_t)(c0 + 1) < ncells) {
            aw[j].cell[aw[j].count] = (size_t)(c0 + 1);
            aw[j].w[aw[j].count++] = g * f;
        }
    }
}

/* One OpenCV call's shared state; strips are ranges of block rows. */
typedef struct {
    const imfilt_hog_table *tab;
    const imfilt_image *src;
    const imfilt_hog_params *p;
    float *out;
    const ptrdiff_t *xmap, *ymap;             /* border maps of plane columns and gradient rows */
    const imfilt_hog_axis_weight *yw;         /* block weights per row position */
    const size_t *xo, *xn;                    /* column weights by cell (see hog_opencv) */
    const size_t *order;                      /* block value i: row order[i] of an accumulator */
    const uint32_t *xat;                      /* pixel x's place in a plane of P (see rows_cv) */
    const float *xwt;
    size_t nbx, nby, ncx, ncy, L, xend, lo, hi, first_tail;
    size_t nbxp, kp;                          /* block columns padded to lanes; P's planes */
    int split;                                /* uint8 colour: load_u8_split */
    float angle_scale, thresh;
} hog_cv_job;

static int hog_cv_strip(void *job_, size_t b0, size_t b1, int tid, int *status) {
    const hog_cv_job *job = job_;
    const imfilt_hog_table *tab = job->tab;
    const imfilt_image *src = job->src;
    const imfilt_hog_params *p = job->p;
    const size_t C = src->channels, nb = p->nbins, bh = p->block_h, bw = p->block_w;
    const size_t sy = p->stride_y, sx = p->stride_x, nbx = job->nbx, nby = job->nby;
    const size_t ncx = job->ncx, ncy = job->ncy, L = job->L, xend = job->xend;
    const ptrdiff_t *ymap = job->ymap;
    const imfilt_hog_axis_weight *yw = job->yw;
    (void)tid;
    size_t pstride = xend + 2;
    const size_t nbxp = job->nbxp, kp = job->kp, rlen = ncx * nb * nbxp;
    /* block rows in flight at once: at most ceil(bh / sy), and of this thread's */
    size_t nslots = (bh + sy - 1) / sy;
    if (nslots > b1 - b0) nslots = b1 - b0;
    const size_t aslot = ncy * rlen, psize = (nb * sx * kp + 15) / 16 * 16;
    size_t nbuf = 3 * C * pstride + 4 * xend + rlen + psize + nslots * aslot + L * nbxp;
    /* R, P and the accumulators start on a 64-byte boundary (whole-vector rows) */
    float *buf = malloc((nbuf + 16) * sizeof(float) + 2 * xend * sizeof(uint32_t));
    if (!buf) return IMFILT_ENOMEM;
    row_cache rc = {{-1, -1, -1}, {buf, buf + C * pstride, buf + 2 * C * pstride},
                    pstride, sizeof(float)};
    float *w0 = buf + 3 * C * pstride, *w1 = w0 + xend, *scratch = w1 + xend;
    float *R = scratch + 2 * xend;
    R += (64 - (uintptr_t)R % 64) % 64 / sizeof(float);
    float *P = R + rlen;
    float *A = P + psize;
    float *V = A + nslots * aslot;            /* a block row's normalised blocks */
    uint32_t *at = (uint32_t *)(V + L * nbxp);
    const float *up[64], *mid[64], *down[64];
    float *pl[64];
    for (size_t gy = b0 * sy; gy < (b1 - 1) * sy + bh; gy++) {
        if ((gy & 7) == 0 && imfilt_stopped(status)) break; /* 8 gradient rows */
        ptrdiff_t need[3] = {ymap[gy], ymap[gy + 1], ymap[gy + 2]};
        const float *rows[3];
        for (int k = 0; k < 3; k++) {
            int slot;
            float *planes = cache_get(&rc, need[k], need, &slot);
            if (slot >= 0) {
                const uint8_t *row = (const uint8_t *)src->data + need[k] * src->row_stride;
                for (size_t c = 0; c < C; c++) pl[c] = planes + c * pstride;
                if (job->split)
                    tab->load_u8_split(row, C, job->xmap, xend + 2, job->lo, job->hi,
                                       -1 - (ptrdiff_t)p->pad_x, p->gamma, pl);
                else
                    tab->load_f32[src->dtype](row, C, job->xmap, xend + 2, job->lo, job->hi,
                                              -1 - (ptrdiff_t)p->pad_x, p->gamma, pl);
            }
            rows[k] = planes;
        }
        for (size_t c = 0; c < C; c++) {
            up[c] = rows[0] + c * pstride + 1;
            mid[c] = rows[1] + c * pstride + 1;
            down[c] = rows[2] + c * pstride + 1;
        }
        tab->votes_cv(up, mid, down, C, xend, job->first_tail, job->angle_scale, (int)nb,
                      job->xat, (uint32_t)(sx * kp), at, w0, w1, scratch);
        /* row pass: R[cx][bin][bx] = sum_j X_cx(j) * votes(bx * sx + j) */
        tab->rows_cv(at, w0, w1, xend, nb, sx, kp, job->xo, job->xwt, job->xn, bw, ncx, nbxp,
                     P, R);
        /* column pass into the accumulator [cy][cx][bin][bx] of every block row of this strip
           containing gy; a finished block row is gathered into out and normalised */
        size_t by_lo = gy + 1 > bh ? (gy + 1 - bh + sy - 1) / sy : 0, by_hi = gy / sy;
        if (by_lo < b0) by_lo = b0;
        if (by_hi > b1 - 1) by_hi = b1 - 1;
        for (size_t by = by_lo; by <= by_hi && by_lo <= by_hi; by++) {
            size_t i = gy - by * sy;
            float *acc = A + (by % nslots) * aslot;
            if (i == 0) memset(acc, 0, aslot * sizeof(float));
            for (size_t k = 0; k < yw[i].count; k++)
                tab->cols_cv(R, rlen, yw[i].w[k], acc + yw[i].cell[k] * rlen);
            if (i == bh - 1) {
                tab->l2hys_cv(acc, job->order, L, nbxp, job->thresh, V);
                for (size_t bx = 0; bx < nbx; bx++) {
                    float *h = job->out + (p->column_major ? bx * nby + by : by * nbx + bx) * L;
                    for (size_t k = 0; k < L; k++) h[k] = V[k * nbxp + bx];
                }
            }
        }
    }
    free(buf);
    return IMFILT_OK;
}

static int hog_opencv(const imfilt_image *src, const imfilt_hog_params *p, float *out,
                      int threads) {
    const imfilt_hog_table *tab = IMFILT_ISA_ACTIVE(imfilt_hog_table, imfilt_hog);
    const size_t H = src->height, W = src->width, C = src->channels, nb = p->nbins;
    const size_t bh = p->block_h, bw = p->block_w, sy = p->stride_y, sx = p->stride_x;
    const size_t GH = H + 2 * p->pad_y, GW = W + 2 * p->pad_x;
    if (GH < bh || GW < bw) return IMFILT_OK;
    const size_t nby = (GH - bh) / sy + 1, nbx = (GW - bw) / sx + 1;
    const size_t ncx = bw / p->cell_w, ncy = bh / p->cell_h;
    const size_t xend = (nbx - 1) * sx + bw, yend = (nby - 1) * sy + bh;
    if (!tab->load_f32[src->dtype]) return IMFILT_EDTYPE;

    ptrdiff_t *xmap = malloc((xend + 2) * sizeof *xmap);
    ptrdiff_t *ymap = malloc((yend + 2) * sizeof *ymap);
    imfilt_hog_axis_weight *xw = malloc(bw * sizeof *xw), *yw = malloc(bh * sizeof *yw);
    size_t *xo = malloc((ncx * bw + ncx + ncx * ncy * nb) * sizeof *xo);
    float *xwt = malloc(ncx * bw * sizeof *xwt);
    uint32_t *xat = malloc(xend * sizeof *xat);
    if (!xmap || !ymap || !xw || !yw || !xo || !xwt || !xat) {
        free(xmap); free(ymap); free(xw); free(yw); free(xo); free(xwt); free(xat);
        return IMFILT_ENOMEM;
    }
    size_t *xn = xo + ncx * bw, *order = xn + ncx;
    /* a block's values: cells column-major (OpenCV's order); accumulator rows [cy][cx][bin] */
    for (size_t cx = 0, i = 0; cx < ncx; cx++)
        for (size_t cy = 0; cy < ncy; cy++)
            for (size_t b = 0; b < nb; b++) order[i++] = (cy * ncx + cx) * nb + b;
    /* block columns padded to whole vectors; a plane of P holds them and the farthest
       position's offset within a block */
    const size_t nbxp = (nbx + tab->lanes - 1) / tab->lanes * tab->lanes;
    const size_t kp = nbxp + (bw - 1) / sx + 1;
    /* P's offsets are 32-bit; P beyond that would not fit in memory anyway */
    if (nb * sx * kp > UINT32_MAX) {
        free(xmap); free(ymap); free(xw); free(yw); free(xo); free(xwt); free(xat);
        return IMFILT_ENOMEM;
    }
    for (size_t x = 0; x < xend; x++) xat[x] = (uint32_t)(x % sx * kp + x / sx);
    /* OpenCV frames the image with reflect101 pixels; index 0 is the gradient's extra column
       (row) before the frame */
    border_map(xmap, xend + 2, 1 + p->pad_x, W, IMFILT_BORDER_REFLECT101);
    border_map(ymap, yend + 2, 1 + p->pad_y, H, IMFILT_BORDER_REFLECT101);
    float sigma = (float)p->win_sigma, gscale = 1.f / (sigma * sigma * 2);
    axis_weights(xw, bw, p->cell_w, ncx, gscale);
    axis_weights(yw, bh, p->cell_h, ncy, gscale);
    for (size_t cx = 0; cx < ncx; cx++) {     /* xw by cell: (P offset, weight), ascending */
        xn[cx] = 0;
        for (size_t j = 0; j < bw; j++)
            for (size_t k = 0; k < xw[j].count; k++)
                if (xw[j].cell[k] == cx) {
                    xo[cx * bw + xn[cx]] = j % sx * kp + j / sx;
                    xwt[cx * bw + xn[cx]++] = xw[j].w[k];
                }
    }
    /* the image columns the planes hold contiguously: plane index i reads column i - 1 - pad */
    size_t lo = p->pad_x + 1, hi = p->pad_x + 1 + W;
    if (hi > xend + 2) hi = xend + 2;
    if (lo > hi) lo = hi;
    hog_cv_job job = {
        .tab = tab, .src = src, .p = p, .out = out, .xmap = xmap, .ymap = ymap,
        .yw = yw, .xo = xo, .xn = xn, .order = order, .xat = xat, .xwt = xwt, .nbx = nbx, .nby = nby, .ncx = ncx,
        .ncy = ncy, .L = ncx * ncy * nb, .xend = xend, .lo = lo, .hi = hi, .nbxp = nbxp, .kp = kp,
        .split = src->dtype == IMFILT_U8 && C > 1,
        .first_tail = GW - GW % 4,            /* OpenCV's 4-lane body covers [0, first_tail) */
        .angle_scale = p->signed_gradient ? (float)(nb / (2.0 * 3.14159265358979323846))
                                          : (float)(nb / 3.14159265358979323846),
        .thresh = (float)p->threshold};
    int nth = imfilt_choose_threads(threads, yend, xend * C * 16); /* ~20 ns a pixel */
    if ((size_t)nth > nby) nth = (int)nby;
    const int status = imfilt_parallel_rows(nby, 1, nth, hog_cv_strip, &job);
    free(xmap); free(ymap); free(xw); free(yw); free(xo); free(xwt); free(xat);
    return status;
}

/* One window gather's shared state; strips are ranges of windows (row-major). */
typedef struct {
    const float *grid;
    const size_t *step;
    size_t nwx, nbj, nbi, len;
    float *out;
} hog_windows_job;

static int hog_windows_strip(void *job_, size_t w0, size_t w1, int tid, int *status) {
    const hog_windows_job *job = job_;
    const size_t *step = job->step, nbj = job->nbj, nbi = job->nbi, len = job->len;
    /* a block column is one run of the grid when consecutive block rows are adjacent */
    const int run = step[3] == len;
    float *d = job->out + w0 * nbj * nbi * len;
    (void)tid;
    for (size_t w = w0; w < w1; w++) {
        if (w % 64 == 0 && imfilt_stopped(status)) break;
        const float *win = job->grid + w / job->nwx * step[0] + w % job->nwx * step[1];
        for (size_t j = 0; j < nbj; j++) {
            const float *col = win + j * step[2];
            if (run) {
                memcpy(d, col, nbi * len * sizeof(float));
                d += nbi * len;
            } else {
                for (size_t i = 0; i < nbi; i++, d += len)
                    memcpy(d, col + i * step[3], len * sizeof(float));
            }
        }
    }
    return IMFILT_OK;
}

int imfilt_hog_windows(const float *grid, const size_t step[4], size_t nwy, size_t nwx,
                       size_t nbj, size_t nbi, size_t len, float *out, int threads) {
    if (!grid || !step || !out) return IMFILT_EINVAL;
    hog_windows_job job = {.grid = grid, .step = step, .nwx = nwx, .nbj = nbj, .nbi = nbi,
                           .len = len, .out = out};
    /* a fresh output: its page faults are most of the time, and run in parallel too */
    const int nth = imfilt_choose_threads(threads, nwy * nwx, nbj * nbi * len * 4);
    return imfilt_parallel_rows(nwy * nwx, 1, nth, hog_windows_strip, &job);
}

/* ------------------------------------------------------------------------------------------
   scikit-image semantics: cells[cy][cx][bin] (float32 sums in raster order, as its Cython loop
   accumulates), then blocks of block_h x block_w cells, stride one cell, out[by][bx][r][c][bin]
   in double or float. */

/* a growable list of the pixels only NumPy can bin, 4 doubles each: y, x, dy, dx */
typedef struct {
    double *v;
    size_t n, cap;
} amb_list;

static int amb_push(amb_list *l, double y, double x, double dy, double dx) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        double *v = realloc(l->v, cap * 4 * sizeof *v);
        if (!v) return 0;
        l->v = v;
        l->cap = cap;
    }
    double *r = l->v + 4 * l->n++;
    r[0] = y, r[1] = x, r[2] = dy, r[3] = dx;
    return 1;
}

/* first index i with pos[i] >= key (pos ascending) */
static size_t lower_bound(const int64_t *pos, size_t n, int64_t key) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pos[mid] < key) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* One scikit-image cell pass's shared state; strips are ranges of the cell rows to compute. */
typedef struct {
    const imfilt_hog_table *tab;
    const imfilt_image *src;
    const imfilt_hog_params *p;
    float *cells;
    const int64_t *pos;         /* second pass: the listed pixels and their orientations */
    const double *orient;
    size_t npos;
    const size_t *rowlist;      /* the cell rows to compute (NULL: all) */
    const ptrdiff_t *xmap, *ymap;
    const uint16_t *edge;       /* sk_edge_bins */
    amb_list *amb;              /* per thread: the pixels it left to NumPy */
} hog_sk_job;

static int hog_sk_strip(void *job_, size_t r0, size_t r1, int tid, int *status) {
    const hog_sk_job *job = job_;
    const imfilt_hog_table *tab = job->tab;
    const imfilt_image *src = job->src;
    const imfilt_hog_params *p = job->p;
    const size_t H = src->height, W = src->width, C = src->channels, nb = p->nbins;
    const size_t ch = p->cell_h, cw = p->cell_w, ncx = W / cw, n = ncx * cw;
    const size_t npos = job->npos;
    const int f32 = src->dtype == IMFILT_F32;
    const double per180 = 180.0 / (double)nb;
    amb_list *mine = &job->amb[tid];
    size_t pstride = W + 2;
    double *buf = malloc((3 * C * pstride + 8 * n) * sizeof(double) + n * sizeof(uint16_t));
    if (!buf) return IMFILT_ENOMEM;
    row_cache rc = {{-1, -1, -1}, {buf, buf + C * pstride, buf + 2 * C * pstride},
                    pstride, sizeof(double)};
    double *mag = buf + 3 * C * pstride, *scratch = mag + n;
    uint16_t *bin = (uint16_t *)(scratch + 7 * n);
    const double *up[64], *mid[64], *down[64];
    double *pl[64];
    for (size_t r = r0; r < r1; r++) {
        if (imfilt_stopped(status)) break; /* one row of cells */
        const size_t cy = job->rowlist ? job->rowlist[r] : r;
        float *crow = job->cells + cy * ncx * nb;
        memset(crow, 0, ncx * nb * sizeof(float));
        for (size_t y = cy * ch; y < (cy + 1) * ch; y++) {
            ptrdiff_t need[3] = {job->ymap[y], job->ymap[y + 1], job->ymap[y + 2]};
            const double *rows[3];
            for (int k = 0; k < 3; k++) {
                int slot;
                double *planes = cache_get(&rc, need[k], need, &slot);
                if (slot >= 0) {
                    const uint8_t *row = (const uint8_t *)src->data + need[k] * src->row_stride;
                    for (size_t c = 0; c < C; c++) pl[c] = planes + c * pstride;
                    tab->load_f64[src->dtype](row, C, job->xmap, W + 2, 1, W + 1, -1, p->gamma,
                                              pl);
                }
                rows[k] = planes;
            }
            for (size_t c = 0; c < C; c++) {
                up[c] = rows[0] + c * pstride + 1;
                mid[c] = rows[1] + c * pstride + 1;
                down[c] = rows[2] + c * pstride + 1;
            }
            tab->votes_sk(up, mid, down, C, n, W, y == 0 || y + 1 == H, f32, nb, job->edge,
                          bin, mag, scratch);
            if (npos) {     /* second pass: the listed pixels' orientations, NumPy's */
                size_t i = lower_bound(job->pos, npos, (int64_t)(y * W));
                for (; i < npos && (size_t)job->pos[i] < (y + 1) * W; i++) {
                    size_t x = (size_t)job->pos[i] - y * W;
                    if (x < n) bin[x] = imfilt_hog_sk_bin(job->orient[i], nb, per180);
                }
            }
            /* float32 sums in raster order, as skimage's cell loop. Cells innermost:
               consecutive updates hit different cells, so a run of equal bins in one cell
               makes no read-after-write chain, while each cell still sums its pixels in
               raster order. A pixel NumPy must bin is listed; its cell row is summed again
               in the second pass. */
            for (size_t k = 0; k < cw; k++) {
                float *acc = crow;
                for (size_t x = k; x < n; x += cw, acc += nb) {
                    size_t b = bin[x];
                    if (b < nb) {
                        acc[b] = (float)((double)acc[b] + mag[x]);
                    } else if (b == IMFILT_HOG_ALL_BINS) {
                        /* NaN orientation: every comparison fails, every bin adds */
                        for (size_t i = 0; i < nb; i++)
                            acc[i] = (float)((double)acc[i] + mag[x]);
                    } else if (b == IMFILT_HOG_AMBIGUOUS &&
                               !amb_push(mine, (double)y, (double)x, scratch[n + x],
                                         scratch[x])) {
                        imfilt_set_status(status, IMFILT_ENOMEM);
                    }
                }
            }
        }
    }
    free(buf);
    return IMFILT_OK;
}

int imfilt_hog_cells(const imfilt_image *src, const imfilt_hog_params *p, float *cells,
                     const int64_t *pos, const double *orient, size_t npos, double **amb,
                     size_t *amb_count, int threads) {
    const imfilt_hog_table *tab = IMFILT_ISA_ACTIVE(imfilt_hog_table, imfilt_hog);
    if (!src || !p || !cells || !amb || !amb_count || src->channels == 0 ||
        src->channels > 64 || p->nbins == 0 || p->nbins >= 0xFFF0 || p->cell_h == 0 ||
        p->cell_w == 0 || src->dtype < 0 || src->dtype >= IMFILT_NTYPES ||
        (npos && !(pos && orient)))
        return IMFILT_EINVAL;
    if (!tab->load_f64[src->dtype]) return IMFILT_EDTYPE;
    const size_t H = src->height, W = src->width, C = src->channels;
    const size_t ch = p->cell_h, ncy = H / ch, ncx = W / p->cell_w;
    *amb = NULL;
    *amb_count = 0;
    if (ncy == 0 || ncx == 0) return IMFILT_OK;
    /* the cell rows to compute: all of them, or (second pass) those holding a listed pixel */
    size_t nrows = ncy, *rowlist = NULL;
    if (npos) {
        rowlist = malloc(npos * sizeof *rowlist);
        if (!rowlist) return IMFILT_ENOMEM;
        nrows = 0;
        for (size_t i = 0; i < npos; i++) {
            size_t cy = (size_t)pos[i] / W / ch;
            if (cy < ncy && (nrows == 0 || rowlist[nrows - 1] != cy)) rowlist[nrows++] = cy;
        }
    }
    int nth = imfilt_choose_threads(threads, nrows * ch, W * C * 16);
    if ((size_t)nth > nrows) nth = nrows ? (int)nrows : 1;
    /* scikit-image's gradient repeats the edge pixels (index i holds coordinate i - 1) */
    ptrdiff_t *xmap = malloc((W + 2 + H + 2) * sizeof *xmap);
    amb_list *lists = calloc((size_t)nth, sizeof *lists);
    if (!xmap || !lists) {
        free(rowlist);
        free(xmap);
        free(lists);
        return IMFILT_ENOMEM;
    }
    ptrdiff_t *ymap = xmap + W + 2;
    border_map(xmap, W + 2, 1, W, IMFILT_BORDER_REPLICATE);
    border_map(ymap, H + 2, 1, H, IMFILT_BORDER_REPLICATE);
    uint16_t edge[IMFILT_HOG_EDGE_BINS];
    tab->sk_edge_bins(p->nbins, edge);
    hog_sk_job job = {.tab = tab, .src = src, .p = p, .cells = cells, .pos = pos,
                      .orient = orient, .npos = npos, .rowlist = rowlist, .xmap = xmap,
                      .ymap = ymap, .edge = edge, .amb = lists};
    int status = imfilt_parallel_rows(nrows, 1, nth, hog_sk_strip, &job);
    free(xmap);
    free(rowlist);
    /* the threads' lists, joined in thread order */
    amb_list all = {NULL, 0, 0};
    for (int t = 0; t < nth; t++) {
        amb_list *l = &lists[t];
        if (status == IMFILT_OK && l->n) {
            if (all.v == NULL) {
                all = *l;
                l->v = NULL;
            } else {
                double *v = realloc(all.v, (all.n + l->n) * 4 * sizeof *v);
                if (v) {
                    memcpy(v + 4 * all.n, l->v, l->n * 4 * sizeof *v);
                    all.v = v;
                    all.n += l->n;
                } else {
                    status = IMFILT_ENOMEM;
                }
            }
        }
        free(l->v);
    }
    free(lists);
    if (status != IMFILT_OK) {
        free(all.v);
        return status;
    }
    *amb = all.v;
    *amb_count = all.n;
    return status;
}

/* One scikit-image block pass's shared state; strips are ranges of block rows. */
typedef struct {
    const imfilt_hog_table *tab;
    const float *cells;
    size_t ncx, nbx;
    const imfilt_hog_params *p;
    void *out;
} hog_sk_blocks_job;

static int hog_sk_blocks_strip(void *job_, size_t by0, size_t by1, int tid, int *status) {
    const hog_sk_blocks_job *job = job_;
    const imfilt_hog_params *p = job->p;
    const size_t nb = p->nbins, brow = p->block_h, bcol = p->block_w, L = brow * bcol * nb;
    const size_t ncx = job->ncx, nbx = job->nbx;
    (void)tid;
    (void)status;  /* not polled: this pass is short next to the cell pass */
    double *v = malloc(L * sizeof(double));
    if (!v) return IMFILT_ENOMEM;
    for (size_t by = by0; by < by1; by++) {
        for (size_t bx = 0; bx < nbx; bx++) {
            size_t k = 0, base = (by * nbx + bx) * L;
            /* double output: the block is gathered and normalised in place */
            double *w = p->out_dtype == IMFILT_F64 ? (double *)job->out + base : v;
            for (size_t r = 0; r < brow; r++) {
                const float *cr = job->cells + ((by + r) * ncx + bx) * nb;
                for (size_t i = 0; i < bcol * nb; i++) w[k++] = cr[i];
            }
            job->tab->norm_sk(w, L, p->norm, p->threshold);
            if (p->out_dtype != IMFILT_F64)
                for (size_t i = 0; i < L; i++) ((float *)job->out)[base + i] = (float)v[i];
        }
    }
    free(v);
    return IMFILT_OK;
}

int imfilt_hog_cell_blocks(const float *cells, size_t ncy, size_t ncx,
                           const imfilt_hog_params *p, void *out, int threads) {
    const size_t nb = p->nbins, brow = p->block_h, bcol = p->block_w;
    if (!cells || !out || nb == 0 || brow == 0 || bcol == 0 || ncy < brow || ncx < bcol)
        return IMFILT_EINVAL;
    const size_t nby = ncy - brow + 1, nbx = ncx - bcol + 1, L = brow * bcol * nb;
    hog_sk_blocks_job job = {.tab = IMFILT_ISA_ACTIVE(imfilt_hog_table, imfilt_hog),
                             .cells = cells, .ncx = ncx, .nbx = nbx, .p = p, .out = out};
    const int nth = imfilt_choose_threads(threads, nby * 8, nbx * L * 2);
    return imfilt_parallel_rows(nby, 1, nth, hog_sk_blocks_strip, &job);
}

int imfilt_hog_blocks(const imfilt_image *src, const imfilt_hog_params *p, float *out,
                      int threads) {
    if (!src || !p || !out || src->channels == 0 || src->channels > 64 || p->nbins == 0 ||
        p->nbins > 255 || p->cell_h == 0 || p->cell_w == 0 || p->block_h == 0 ||
        p->block_w == 0 || p->stride_y == 0 || p->stride_x == 0 || p->block_h % p->cell_h ||
        p->block_w % p->cell_w || !(p->win_sigma > 0) || src->dtype < 0 ||
        src->dtype >= IMFILT_NTYPES)
        return IMFILT_EINVAL;
    if (src->height == 0 || src->width == 0) return IMFILT_OK;
    return hog_opencv(src, p, out, threads);
}
