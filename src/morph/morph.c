/* Minimum / maximum filters (grey erosion / dilation): the driver. It owns the traversal,
   not the arithmetic: each thread takes a horizontal strip (imfilt_parallel_rows); rows come
   through border.h; the vector loops come from the ISA table (morph.h, morph_isa.c).

   Rectangles (kh x kw) are separable. Per output row: a column pass into a padded L1-sized
   row buffer (direct for small kh; van Herk / Gil-Werman for larger kh: blocks of kh rows,
   a suffix extremum per block computed once, a running prefix extremum, one join per row:
   3 vector ops per sample whatever kh), then the row pass from that buffer straight into the
   output row (ISA hrun: doubling; uint8 with VBMI: log2(kw) radix-2 levels fused in
   registers, one load and store per vector; other types: radix-4, ceil(log4 kw) vector passes
   over the L1-resident row. Along contiguous samples this beats a van Herk scan, which is
   serial per block and would need transposes to vectorise: on the 64-lane uint8 rows the
   shuffles of a 64x64 transpose cost more than the doubling up to kw ~ 256). No full-size
   intermediate.

   Footprints are split into horizontal runs. For every distinct run length L, each source row
   gets one running-extremum row H_L (computed once, shared by every footprint row that has a
   run of length L, kept in a ring of fh rows); an output row is then op over the runs (i, j, L)
   of H_L[row y - ay + i][x + j]: one vector min/max per run, not one per footprint cell.

   Bit-identical for any thread count: the van Herk blocks are aligned to multiples of kh in
   absolute (virtual) row coordinates, so a strip starting mid-block performs exactly the same
   operations in the same order as a single thread would. */
#include <stdlib.h>
#include <string.h>
#include <float.h>
#include <math.h>
#include "core/imfilt.h"
#include "core/entry.h"
#include "core/border.h"
#include "morph.h"
#include "core/parallel.h"

IMFILT_ISA_DECLARE(imfilt_morph_table, imfilt_morph);

/* Column heights up to this use the direct chain of kh - 1 ops per row; above, van Herk. */
#define MORPH_VDIRECT_MAX 6
/* Row widths up to this take the direct uint8 kernel (one permute per tap); above, the
   doubling row pass wins. */
#define MORPH_DIRECT8_MAX_KW 7
/* Footprints: ring memory per thread above which run lengths are rounded to powers of two
   (each run then being two overlapping power-of-two runs), bounding the distinct lengths. */
#define MORPH_RING_BUDGET ((size_t)16 << 20)

typedef struct {
    const imfilt_morph_kernels *k;   /* the level's loops for this operation and type */
    size_t es, C, W, H, rs;          /* element size, channels, width, height, row samples */
    int border;
    const unsigned char *src;
    ptrdiff_t sstride;
    unsigned char *dst;
    ptrdiff_t dstride;
    const unsigned char *crow;       /* rs samples of the constant (cval) */
    const unsigned char *nrow;       /* rs samples of the operation's neutral value */
    const unsigned char *cpix;       /* one pixel (C samples) of cval */
} mctx;

static inline const void *vrow(const mctx *c, ptrdiff_t r) {
    ptrdiff_t i = imfilt_border_index(r, (ptrdiff_t)c->H, c->border);
    return i < 0 ? (const void *)c->crow : (const void *)(c->src + i * c->sstride);
}

static inline unsigned char *orow(const mctx *c, size_t y) {
    return c->dst + (ptrdiff_t)y * c->dstride;
}

static inline size_t align64(size_t v) { return (v + 63) & ~(size_t)63; }

static inline ptrdiff_t floor_div(ptrdiff_t a, ptrdiff_t b) {
    ptrdiff_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* How a call computes its rows. */
typedef enum {
    MORPH_DIRECT8,   /* small uint8 rectangles straight from the image rows (direct8) */
    MORPH_RECT,      /* rectangles: column pass, then the row pass (hrun) */
    MORPH_FOOTPRINT  /* footprints: runs of the footprint over running-extremum rows */
} morph_path;

typedef struct fp_plan fp_plan;

/* One call, shared read-only by its strips (morph_strip). */
typedef struct {
    mctx c;
    morph_path path;
    size_t kh, kw, ay, ax;
    size_t padded;               /* samples of a row padded for the row pass */
    size_t skip;                 /* the strips' row 0 is image row -skip (van Herk blocks) */
    const ptrdiff_t *pidx;       /* pad_table of the row pass's pads */
    const fp_plan *plan;         /* MORPH_FOOTPRINT */
    imf_edge8 edges[2];          /* MORPH_DIRECT8: the rows' left and right borders */
} morph_job;

/* Sample indices (relative to the row start) that the left / right pads read, for a row padded
   by `left` pixels before and `right` after; NULL-free for constant mode (pads filled once). */
static ptrdiff_t *pad_table(const mctx *c, size_t left, size_t right) {
    size_t n = (left + right) * c->C;
    ptrdiff_t *idx = malloc((n ? n : 1) * sizeof *idx);
    if (!idx) return NULL;
    size_t k = 0;
    for (size_t q = 0; q < left + right; q++) {
        ptrdiff_t x = q < left ? (ptrdiff_t)q - (ptrdiff_t)left : (ptrdiff_t)(c->W + q - left);
        ptrdiff_t m = imfilt_border_index(x, (ptrdiff_t)c->W, c->border);
        for (size_t ch = 0; ch < c->C; ch++) idx[k++] = m < 0 ? -1 : m * (ptrdiff_t)c->C + (ptrdiff_t)ch;
    }
    return idx;
}

/* d[j] = s[idx[j]] for samples of es bytes */
static void gather_samples(void *d, const void *s, const ptrdiff_t *idx, size_t n, size_t es) {
    for (size_t j = 0; j < n; j++) {
        switch (es) {
        case 1: ((uint8_t *)d)[j] = ((const uint8_t *)s)[idx[j]]; break;
        case 2: ((uint16_t *)d)[j] = ((const uint16_t *)s)[idx[j]]; break;
        case 4: ((uint32_t *)d)[j] = ((const uint32_t *)s)[idx[j]]; break;
        default: ((uint64_t *)d)[j] = ((const uint64_t *)s)[idx[j]]; break;
        }
    }
}

/* Fill the pads of a padded row (row data at buf + left*C samples): the one builder of
   padded rows (rectangles' row pass, footprints' source rows). */
static void fill_pads(const mctx *c, unsigned char *buf, size_t left, size_t right,
                      const ptrdiff_t *idx, int once) {
    const size_t es = c->es, C = c->C;
    unsigned char *mid = buf + left * C * es;
    if (c->border == IMFILT_BORDER_CONSTANT) {
        if (!once) return;
        for (size_t q = 0; q < left; q++) memcpy(buf + q * C * es, c->cpix, C * es);
        for (size_t q = 0; q < right; q++) memcpy(mid + (c->rs + q * C) * es, c->cpix, C * es);
        return;
    }
    gather_samples(buf, mid, idx, left * C, es);
    gather_samples(mid + c->rs * es, mid, idx + left * C, right * C, es);
}

/* ------------------------------------------------------------------------------ rectangles */

typedef struct {
    size_t kh, kw, ay, ax;
    const ptrdiff_t *pidx;
    unsigned char *rowbuf, *t1, *t2, *pbuf, *sbuf;
    const void **srows;          /* kh pointers: suffix extremum rows of the current block */
    ptrdiff_t block;             /* virtual first row of the current van Herk block */
    int have_block;
    size_t pn;                   /* rows accumulated in the prefix buffer */
    size_t pitch;                /* bytes between suffix rows */
    /* floats, direct column pass: which recent virtual rows hold a NaN (slot r mod 8) */
    ptrdiff_t nan_row[8];
    unsigned char nan_flag[8];
    int pads_nan;                /* constant border with a NaN cval */
} rect_state;

/* Whether virtual row r holds a NaN, each row scanned once (rows enter the window in order). */
static int row_has_nan(const mctx *c, rect_state *st, ptrdiff_t r) {
    const size_t slot = (size_t)imfilt_mod(r, 8);
    if (st->nan_row[slot] != r) {
        st->nan_row[slot] = r;
        st->nan_flag[slot] = (unsigned char)c->k->has_nan(vrow(c, r), c->rs);
    }
    return st->nan_flag[slot];
}

/* The loops for output row y: the plain float kernels when no sample of its window (rows
   and pads) is NaN, where they give the same bits with a third of the operations. */
static const imfilt_morph_kernels *row_kernels(const mctx *c, rect_state *st, size_t y) {
    if (!c->k->plain || st->kh > MORPH_VDIRECT_MAX || st->pads_nan) return c->k;
    const ptrdiff_t s = (ptrdiff_t)y - (ptrdiff_t)st->ay;
    for (size_t i = 0; i < st->kh; i++)
        if (row_has_nan(c, st, s + (ptrdiff_t)i)) return c->k;
    return c->k->plain;
}

/* The column pass for output row y: v = op over virtual rows y - ay .. y - ay + kh - 1. */
static void column_pass(const mctx *c, const imfilt_morph_kernels *k, rect_state *st, size_t y,
                        void *v) {
    const size_t kh = st->kh, rs = c->rs, es = c->es;
    const ptrdiff_t s = (ptrdiff_t)y - (ptrdiff_t)st->ay;
    if (kh <= MORPH_VDIRECT_MAX) {
        /* direct: kh - 1 vector ops per sample in one pass over the row */
        const void *rows[MORPH_VDIRECT_MAX];
        for (size_t i = 0; i < kh; i++) rows[i] = vrow(c, s + (ptrdiff_t)i);
        k->opn(v, rows, kh, rs);
        return;
    }
    /* van Herk / Gil-Werman: window [s, s + kh) = suffix of block b from s, joined with the
       prefix of block b + kh up to s + kh - 1. */
    const ptrdiff_t K = (ptrdiff_t)kh;
    const ptrdiff_t b = floor_div(s, K) * K;
    const size_t off = (size_t)(s - b);
    if (!st->have_block || st->block != b) {
        st->srows[kh - 1] = vrow(c, b + K - 1);
        for (size_t i = kh - 1; i-- > off;) {
            void *d = st->sbuf + i * st->pitch;
            c->k->op2(d, vrow(c, b + (ptrdiff_t)i), st->srows[i + 1], rs);
            st->srows[i] = d;
        }
        memcpy(st->pbuf, c->nrow, rs * es);
        st->pn = 0;
        st->block = b;
        st->have_block = 1;
    }
    {
        /* the row the next output row reads first: start fetching it now */
        const unsigned char *nx = vrow(c, s + K);
        for (size_t o = 0; o < rs * es; o += 64) __builtin_prefetch(nx + o);
    }
    if (off == 0) { memcpy(v, st->srows[0], rs * es); return; }
    while (st->pn + 1 < off) {
        c->k->op2(st->pbuf, st->pbuf, vrow(c, b + K + (ptrdiff_t)st->pn), rs);
        st->pn++;
    }
    c->k->vstep(v, st->pbuf, vrow(c, b + K + (ptrdiff_t)st->pn), st->srows[off], rs);
    st->pn++;
}

static void rect_rows(const mctx *c, rect_state *st, size_t y0, size_t y1, int *status) {
    const size_t es = c->es, C = c->C, rs = c->rs;
    const size_t left = st->ax, right = st->kw - 1 - st->ax;
    fill_pads(c, st->rowbuf, left, right, st->pidx, 1);
    unsigned char *mid = st->rowbuf + left * C * es;
    for (size_t q = 0; q < 8; q++) st->nan_row[q] = PTRDIFF_MIN;
    st->pads_nan = c->k->has_nan && c->border == IMFILT_BORDER_CONSTANT && c->k->has_nan(c->cpix, C);
    for (size_t y = y0; y < y1; y++) {
        if ((y - y0) % 8 == 7 && imfilt_stopped(status)) break;
        unsigned char *o = orow(c, y);
        const imfilt_morph_kernels *k = row_kernels(c, st, y);
        if (st->kw == 1) { column_pass(c, k, st, y, o); continue; }
        column_pass(c, k, st, y, mid);
        fill_pads(c, st->rowbuf, left, right, st->pidx, 0);
        k->hrun(o, st->rowbuf, st->t1, st->t2, rs, st->kw, C);
    }
}

/* Rows [y0, y1) of a rectangle, with this strip's buffers. */
static int rect_strip(const morph_job *j, size_t y0, size_t y1, int *status) {
    const mctx *c = &j->c;
    const size_t kh = j->kh, es = c->es, C = c->C;
    rect_state st;
    memset(&st, 0, sizeof st);
    st.kh = kh; st.kw = j->kw; st.ay = j->ay; st.ax = j->ax; st.pidx = j->pidx;
    const int vh = kh > MORPH_VDIRECT_MAX;
    /* the buffers' rows (the row buffer's first image sample) at the image rows' phase in a
       cache line, so that the column pass's loads and stores all reach vector boundaries
       after the same head (the ISA loops align their stores) */
    const size_t phase = (size_t)((uintptr_t)c->src % 64);
    const size_t pitch = align64(c->rs * es), ppitch = align64(j->padded * es) + 768;
    unsigned char *mem = malloc(3 * ppitch + (vh ? kh * pitch : 0) + 128);
    st.srows = vh ? malloc(kh * sizeof(void *)) : NULL;
    int rc = IMFILT_ENOMEM;
    if (mem && (!vh || st.srows)) {
        unsigned char *base = (unsigned char *)align64((size_t)mem);
        st.rowbuf = base + 64 + phase - (j->ax * C * es) % 64;
        st.t1 = base + ppitch; st.t2 = base + 2 * ppitch;
        st.pbuf = base + 3 * ppitch + phase; st.sbuf = st.pbuf + pitch;
        st.pitch = pitch;
        rect_rows(c, &st, y0, y1, status);
        rc = IMFILT_OK;
    }
    free(mem);
    free((void *)st.srows);
    return rc;
}

/* ------------------------------------------------------------------------------ footprints */

typedef struct { size_t row, col, li; } piece;   /* footprint row, column, length index */

struct fp_plan {
    size_t fh, fw, ay, ax;
    size_t nlen, maxpow;
    size_t *lens;                /* distinct run lengths (ascending) */
    piece *pieces;               /* sorted by footprint row */
    size_t npieces;
};

static int build_plan(const uint8_t *fp, size_t fh, size_t fw, size_t ay, size_t ax,
                      size_t row_bytes, fp_plan *pl) {
    memset(pl, 0, sizeof *pl);
    pl->fh = fh; pl->fw = fw; pl->ay = ay; pl->ax = ax;
    size_t nruns = 0;
    unsigned char *seen = calloc(fw + 1, 1);
    if (!seen) return IMFILT_ENOMEM;
    for (size_t i = 0; i < fh; i++)
        for (size_t j = 0; j < fw; j++)
            if (fp[i * fw + j] && (j == 0 || !fp[i * fw + j - 1])) {
                size_t e = j;
                while (e < fw && fp[i * fw + e]) e++;
                seen[e - j] = 1;
                nruns++;
            }
    size_t nd = 0;
    for (size_t L = 1; L <= fw; L++) nd += seen[L];
    int pow2 = nd * fh * row_bytes > MORPH_RING_BUDGET;
    if (pow2) {
        memset(seen, 0, fw + 1);
        for (size_t p = 1; p <= fw; p *= 2) seen[p] = 0;
    }
    pl->pieces = malloc((2 * nruns + 1) * sizeof(piece));
    pl->lens = malloc((fw + 1) * sizeof(size_t));
    size_t *lindex = malloc((fw + 1) * sizeof(size_t));
    if (!pl->pieces || !pl->lens || !lindex) {
        free(seen); free(lindex);
        return IMFILT_ENOMEM;
    }
    if (pow2) {
        /* run (j, L) = runs (j, p) and (j + L - p, p), p the largest power of two <= L */
        for (size_t i = 0; i < fh; i++)
            for (size_t j = 0; j < fw; j++)
                if (fp[i * fw + j] && (j == 0 || !fp[i * fw + j - 1])) {
                    size_t e = j, p = 1;
                    while (e < fw && fp[i * fw + e]) e++;
                    while (2 * p <= e - j) p *= 2;
                    seen[p] = 1;
                }
    }
    for (size_t L = 1; L <= fw; L++)
        if (seen[L]) { lindex[L] = pl->nlen; pl->lens[pl->nlen++] = L; }
    for (size_t i = 0; i < fh; i++)
        for (size_t j = 0; j < fw; j++)
            if (fp[i * fw + j] && (j == 0 || !fp[i * fw + j - 1])) {
                size_t e = j;
                while (e < fw && fp[i * fw + e]) e++;
                size_t L = e - j;
                if (!pow2) {
                    pl->pieces[pl->npieces++] = (piece){i, j, lindex[L]};
                } else {
                    size_t p = 1;
                    while (2 * p <= L) p *= 2;
                    pl->pieces[pl->npieces++] = (piece){i, j, lindex[p]};
                    if (p != L) pl->pieces[pl->npieces++] = (piece){i, j + L - p, lindex[p]};
                }
            }
    size_t mp = 1;
    while (2 * mp <= pl->lens[pl->nlen - 1]) mp *= 2;
    pl->maxpow = mp;
    free(seen);
    free(lindex);
    return IMFILT_OK;
}

typedef struct {
    const fp_plan *pl;
    const ptrdiff_t *pidx;
    unsigned char *prow;         /* padded source row: W + fw - 1 pixels */
    unsigned char *stage[2];     /* doubling stages */
    unsigned char *ring;         /* nlen x fh rows of padded width */
    size_t plen;                 /* samples per padded row */
} fp_state;

static inline unsigned char *ring_row(const mctx *c, const fp_state *st, size_t li, ptrdiff_t r) {
    const size_t fh = st->pl->fh;
    size_t slot = (size_t)imfilt_mod(r, (ptrdiff_t)fh);
    return st->ring + ((li * fh + slot) * st->plen) * c->es;
}

/* H_L rows of virtual source row r for every distinct length L: one doubling chain
   (M_1 -> M_2 -> M_4 ...) shared by all lengths, each H_L = op(M_p[x], M_p[x + L - p]). */
static void fp_source_row(const mctx *c, fp_state *st, ptrdiff_t r) {
    const fp_plan *pl = st->pl;
    const size_t es = c->es, C = c->C, left = pl->ax, right = pl->fw - 1 - pl->ax;
    const size_t np = c->W + pl->fw - 1;      /* pixels in the padded row */
    memcpy(st->prow + left * C * es, vrow(c, r), c->rs * es);
    fill_pads(c, st->prow, left, right, st->pidx, 0);
    const unsigned char *cur = st->prow;
    size_t p = 1, li = 0, which = 0;
    for (;;) {
        /* lengths L with p <= L < 2p come from M_p */
        while (li < pl->nlen && pl->lens[li] < 2 * p) {
            size_t L = pl->lens[li];
            unsigned char *d = ring_row(c, st, li, r);
            size_t n = (np - L + 1) * C;
            if (L == p) memcpy(d, cur, n * es);
            else c->k->op2(d, cur, cur + (L - p) * C * es, n);
            li++;
        }
        if (li >= pl->nlen) break;
        /* M_2p over np - 2p + 1 pixels */
        unsigned char *nx = st->stage[which];
        c->k->op2(nx, cur, cur + p * C * es, (np - 2 * p + 1) * C);
        cur = nx;
        which ^= 1;
        p *= 2;
    }
}

/* The samples of run k of the footprint for the output row whose window starts at row top */
static inline const unsigned char *piece_row(const mctx *c, const fp_state *st, size_t k,
                                             ptrdiff_t top) {
    const piece *pc = &st->pl->pieces[k];
    return ring_row(c, st, pc->li, top + (ptrdiff_t)pc->row) + pc->col * c->C * c->es;
}

static void fp_rows(const mctx *c, fp_state *st, size_t y0, size_t y1, int *status) {
    const fp_plan *pl = st->pl;
    const size_t es = c->es, rs = c->rs, fh = pl->fh, n = pl->npieces;
    const ptrdiff_t ay = (ptrdiff_t)pl->ay;
    fill_pads(c, st->prow, pl->ax, pl->fw - 1 - pl->ax, st->pidx, 1);
    for (ptrdiff_t r = (ptrdiff_t)y0 - ay; r < (ptrdiff_t)y0 - ay + (ptrdiff_t)fh - 1; r++)
        fp_source_row(c, st, r);
    for (size_t y = y0; y < y1; y++) {
        if (imfilt_stopped(status)) break;
        const ptrdiff_t top = (ptrdiff_t)y - ay;
        fp_source_row(c, st, top + (ptrdiff_t)fh - 1);
        unsigned char *o = orow(c, y);
        if (n == 1) { memcpy(o, piece_row(c, st, 0, top), rs * es); continue; }
        size_t k;
        if (n % 2 == 0) {
            c->k->op2(o, piece_row(c, st, 0, top), piece_row(c, st, 1, top), rs);
            k = 2;
        } else {
            c->k->op3(o, piece_row(c, st, 0, top), piece_row(c, st, 1, top),
                      piece_row(c, st, 2, top), rs);
            k = 3;
        }
        for (; k < n; k += 2)
            c->k->op3(o, o, piece_row(c, st, k, top), piece_row(c, st, k + 1, top), rs);
    }
}

/* Rows [y0, y1) of a footprint, with this strip's ring of running-extremum rows. */
static int fp_strip(const morph_job *j, size_t y0, size_t y1, int *status) {
    const fp_plan *plan = j->plan;
    const size_t es = j->c.es, padded = j->padded;
    unsigned char *mem = malloc((3 + plan->nlen * j->kh) * padded * es + 64);
    if (!mem) return IMFILT_ENOMEM;
    fp_state st;
    memset(&st, 0, sizeof st);
    st.pl = plan; st.pidx = j->pidx; st.plen = padded;
    st.prow = mem; st.stage[0] = mem + padded * es;
    st.stage[1] = mem + 2 * padded * es; st.ring = mem + 3 * padded * es;
    fp_rows(&j->c, &st, y0, y1, status);
    free(mem);
    return IMFILT_OK;
}

/* Rows [y0, y1) of a small uint8 rectangle, straight from the image rows. */
static void direct8_strip(const morph_job *j, size_t y0, size_t y1, int *status) {
    const mctx *c = &j->c;
    for (size_t y = y0; y < y1; y++) {
        if ((y - y0) % 16 == 15 && imfilt_stopped(status)) break;
        const uint8_t *rows[MORPH_VDIRECT_MAX];
        for (size_t i = 0; i < j->kh; i++)
            rows[i] = vrow(c, (ptrdiff_t)y - (ptrdiff_t)j->ay + (ptrdiff_t)i);
        c->k->direct8(rows, j->kh, j->kw, c->C, j->ax * c->C, &j->edges[0], &j->edges[1],
                      c->crow[0], c->rs, orow(c, y));
    }
}

/* One thread's strip: rows [u0, u1) in the strips' coordinates (shifted by skip). */
static int morph_strip(void *job, size_t u0, size_t u1, int tid, int *status) {
    (void)tid;
    const morph_job *j = job;
    const size_t y0 = u0 > j->skip ? u0 - j->skip : 0, y1 = u1 > j->skip ? u1 - j->skip : 0;
    if (y0 >= y1) return IMFILT_OK;
    switch (j->path) {
    case MORPH_DIRECT8: direct8_strip(j, y0, y1, status); return IMFILT_OK;
    case MORPH_RECT: return rect_strip(j, y0, y1, status);
    default: return fp_strip(j, y0, y1, status);
    }
}

/* Choose the path and the threads, and run the strips. */
static int morph_run(morph_job *job, int threads) {
    const mctx *c = &job->c;
    const size_t kh = job->kh, kw = job->kw, ax = job->ax, C = c->C;
    if (job->plan) job->path = MORPH_FOOTPRINT;
    else if (c->k->direct8 && kh <= MORPH_VDIRECT_MAX && kw <= MORPH_DIRECT8_MAX_KW &&
             (kw - 1) * C <= 63 &&
             imf_edge8_build(&job->edges[0], 0, ax * C, c->W, C, c->border) &&
             imf_edge8_build(&job->edges[1], 1, (kw - 1 - ax) * C, c->W, C, c->border))
        job->path = MORPH_DIRECT8;  /* straight from the image rows (src/simd/edge8.h) */
    else job->path = MORPH_RECT;

    /* weight: a footprint costs a unit per run, a rectangle one (direct) or two */
    const size_t weight = job->path == MORPH_FOOTPRINT ? job->plan->npieces
                          : job->path == MORPH_DIRECT8 ? 1 : 2;
    const int nt = imfilt_choose_threads(threads, c->H, c->rs * weight);
    /* van Herk columns: strips start at block boundaries ((y - ay) multiple of kh), so no
       strip recomputes a partial block (results are the same either way; tall kernels on
       short images keep row-exact strips for balance) */
    const int blocks = job->path == MORPH_RECT && kh > MORPH_VDIRECT_MAX &&
                       kh * 4 * (size_t)nt <= c->H;
    job->skip = blocks ? (kh - job->ay % kh) % kh : 0;
    return imfilt_parallel_rows(c->H + job->skip, blocks ? kh : 1, nt, morph_strip, job);
}

/* ------------------------------------------------------------------------------ entry */

static void fill_value(unsigned char *d, int dtype, double v, size_t n) {
    for (size_t i = 0; i < n; i++) {
        switch (dtype) {
        case IMFILT_U8: ((uint8_t *)d)[i] = (uint8_t)v; break;
        case IMFILT_U16: ((uint16_t *)d)[i] = (uint16_t)v; break;
        case IMFILT_I16: ((int16_t *)d)[i] = (int16_t)v; break;
        case IMFILT_F32: ((float *)d)[i] = (float)v; break;
        default: ((double *)d)[i] = v; break;
        }
    }
}

static double neutral_value(int dtype, int op) {
    int mx = op == IMFILT_MORPH_MAX; /* max: the value that never wins is the lowest */
    switch (dtype) {
    case IMFILT_U8: return mx ? 0.0 : 255.0;
    case IMFILT_U16: return mx ? 0.0 : 65535.0;
    case IMFILT_I16: return mx ? -32768.0 : 32767.0;
    default: return NAN; /* the float op ignores NaN: NaN never wins, even against NaN */
    }
}

int imfilt_morph(const imfilt_image *src, imfilt_image *dst, const uint8_t *footprint,
                 size_t kh, size_t kw, size_t ay, size_t ax, int op,
                 int border, double cval, int threads) {
    if (op != IMFILT_MORPH_MIN && op != IMFILT_MORPH_MAX) return IMFILT_EINVAL;
    int st = imfilt_check_window(kh, kw, ay, ax);
    if (!st) st = imfilt_check_border(border);
    if (!st) st = imfilt_check_images(src, dst, 1);
    if (st || imfilt_is_empty(src)) return st;

    const imfilt_morph_table *K = IMFILT_ISA_ACTIVE(imfilt_morph_table, imfilt_morph);
    morph_job job;
    memset(&job, 0, sizeof job);
    mctx *c = &job.c;
    const int dt = src->dtype;
    c->k = K->kernels[op][dt];
    c->es = imfilt_dtype_size(dt);
    c->C = src->channels; c->W = src->width; c->H = src->height; c->rs = c->W * c->C;
    c->border = border;
    c->src = src->data; c->sstride = src->row_stride;
    c->dst = dst->data; c->dstride = dst->row_stride;

    /* A footprint that is a full rectangle takes the separable path. */
    if (footprint) {
        size_t nz = 0;
        for (size_t i = 0; i < kh * kw; i++) nz += footprint[i] != 0;
        if (nz == 0) return IMFILT_EINVAL;
        if (nz == kh * kw) footprint = NULL;
    }

    const size_t es = c->es, rs = c->rs, C = c->C;
    unsigned char *shared = malloc((2 * rs + C) * es);
    if (!shared) return IMFILT_ENOMEM;
    fill_value(shared, dt, cval, rs);
    fill_value(shared + rs * es, dt, neutral_value(dt, op), rs);
    fill_value(shared + 2 * rs * es, dt, cval, C);
    c->crow = shared; c->nrow = shared + rs * es; c->cpix = shared + 2 * rs * es;

    job.kh = kh; job.kw = kw; job.ay = ay; job.ax = ax;
    job.padded = rs + (kw - 1) * C;
    fp_plan plan;
    int status = IMFILT_OK;
    if (footprint) {
        status = build_plan(footprint, kh, kw, ay, ax, job.padded * es, &plan);
        if (status) { free(plan.pieces); free(plan.lens); free(shared); return status; }
        job.plan = &plan;
    }
    ptrdiff_t *pidx = pad_table(c, ax, kw - 1 - ax);
    job.pidx = pidx;
    if (!pidx) status = IMFILT_ENOMEM;
    else status = morph_run(&job, threads);
    free(pidx);
    if (footprint) { free(plan.pieces); free(plan.lens); }
    free(shared);
    return status;
}
