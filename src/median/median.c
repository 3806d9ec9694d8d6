/* Median filter driver: chooses the algorithm (median_plan, the one place it is chosen), owns
   traversal, borders, threads and keys.
   - Keys: every dtype is filtered as integers ordered like the values. uint8 / uint16 / int16
     are their own keys; float32 / float64 map to int32 / int64 by flipping the magnitude bits
     of negative numbers (the IEEE total order), with every NaN made the positive quiet NaN, so
     NaN sorts above +inf as in numpy.sort and the median of a window is exact.
   - Algorithms (median_path): 3x3 and 5x5 (every dtype) and 7x7 (all but uint8) by SIMD
     sorting networks on sorted columns (uint8 3x3 on rows of >= 512 samples: the MED3 kernels
     of median_isa.c, straight from the image rows); uint8 otherwise by Perreault-Hebert O(1) column
     histograms; uint16 / int16 / float32 / float64 otherwise by rank transform: each tile of
     the image is sorted once (LSD radix sort), its values are replaced by their dense ranks
     (< 65536), Huang's sliding histogram with two-level counts runs on the ranks and the ranks
     map back to values -- exact, O(log) per pixel for the sort plus O(kh) per pixel. (Dense
     ranks move the median pointer less than raw 16-bit keys: 2.5x faster on uint16
     photographs.) Windows of more than IMFILT_MEDIAN_TILE_MAX samples (kernels far larger
     than small images) run the histogram directly on 16-bit keys, with rows the window reads
     repeatedly counted once with a weight; floats there rank the whole image first.
   - Borders: one column map (padded column -> image column) and row_index serve every path;
     padded rows get their ends from pad_row_ends.
   - Threads: imfilt_parallel_rows over horizontal strips; a median is an exact selection, so
     the result does not depend on the strips. Scratch: O(width * kernel) per thread (plus
     fixed tables). */
#include <stdlib.h>
#include <string.h>
#include "core/imfilt.h"
#include "core/entry.h"
#include "core/border.h"
#include "core/parallel.h"
#include "core/portable.h"
#include "median.h"

IMFILT_ISA_DECLARE(imfilt_median_table, imfilt_median);

#define VPAD 128 /* elements of slack after every row buffer: vector loops over-read/write */

/* ---------------------------------------------------------------------------- keys */
static inline int32_t f32_key(uint32_t b) {
    if ((b & 0x7FFFFFFFu) > 0x7F800000u) b = 0x7FC00000u; /* NaN: above +inf */
    int32_t s = (int32_t)b;
    return s ^ (int32_t)((uint32_t)(s >> 31) & 0x7FFFFFFFu);
}
static inline uint32_t key_f32(int32_t k) {
    return (uint32_t)(k ^ (int32_t)((uint32_t)(k >> 31) & 0x7FFFFFFFu));
}
static inline int64_t f64_key(uint64_t b) {
    if ((b & 0x7FFFFFFFFFFFFFFFull) > 0x7FF0000000000000ull) b = 0x7FF8000000000000ull;
    int64_t s = (int64_t)b;
    return s ^ (int64_t)((uint64_t)(s >> 63) & 0x7FFFFFFFFFFFFFFFull);
}
static inline uint64_t key_f64(int64_t k) {
    return (uint64_t)(k ^ (int64_t)((uint64_t)(k >> 63) & 0x7FFFFFFFFFFFFFFFull));
}

enum { KEYS_NATIVE = 0, KEYS_U16 = 1 };

/* dst[i] = key of src[i]: NATIVE keys have the dtype's width; U16 keys are 16-bit unsigned
   (uint8 widened, int16 offset by 0x8000). */
static void to_keys(const void *src, void *dst, size_t n, int dtype, int mode) {
    if (mode == KEYS_U16) {
        uint16_t *d = (uint16_t *)dst;
        if (dtype == IMFILT_U8) { const uint8_t *s = src; for (size_t i = 0; i < n; i++) d[i] = s[i]; }
        else if (dtype == IMFILT_I16) { const uint16_t *s = src; for (size_t i = 0; i < n; i++) d[i] = s[i] ^ 0x8000u; }
        else memcpy(d, src, n * 2);
        return;
    }
    if (dtype == IMFILT_F32) {
        const uint32_t *s = src; int32_t *d = dst;
        for (size_t i = 0; i < n; i++) d[i] = f32_key(s[i]);
    } else if (dtype == IMFILT_F64) {
        const uint64_t *s = src; int64_t *d = dst;
        for (size_t i = 0; i < n; i++) d[i] = f64_key(s[i]);
    } else {
        memcpy(dst, src, n * imfilt_dtype_size(dtype));
    }
}

/* The constant border value as one key (written to *out, `size` bytes). */
static void cval_key(double cval, int dtype, int mode, void *out) {
    union { uint8_t u8; uint16_t u16; int16_t i16; float f32; double f64; } v;
    switch (dtype) {
    case IMFILT_U8: v.u8 = (uint8_t)cval; break;
    case IMFILT_U16: v.u16 = (uint16_t)cval; break;
    case IMFILT_I16: v.i16 = (int16_t)cval; break;
    case IMFILT_F32: v.f32 = (float)cval; break;
    default: v.f64 = cval; break;
    }
    to_keys(&v, out, 1, dtype, mode);
}

/* ---------------------------------------------------------------------------- the plan */
/* The algorithm of one call, chosen by median_plan and nowhere else. */
typedef enum {
    MEDIAN_COPY,        /* 1x1 window: the image itself */
    MEDIAN_MED3_DIRECT, /* uint8 3x3, levels with masked byte loads: image rows read in place */
    MEDIAN_MED3_PADDED, /* uint8 3x3, other levels: rows read in place, their ends from bordered copies */
    MEDIAN_NET_INPLACE, /* integer 3x3 / 5x5 / 7x7: networks, columns sorted from the image rows */
    MEDIAN_NET_KEYS,    /* float 3x3 / 5x5 / 7x7: networks on padded rows of integer keys */
    MEDIAN_PH,          /* uint8 larger windows: Perreault-Hebert column histograms */
    MEDIAN_TILE_RANKS,  /* other larger windows: rank transform per tile, Huang's histogram */
    MEDIAN_HIST16,      /* integer windows above IMFILT_MEDIAN_TILE_MAX: Huang on 16-bit keys */
    MEDIAN_IMAGE_RANKS, /* float windows above IMFILT_MEDIAN_TILE_MAX: the image ranked once */
} median_path;

typedef struct {
    const imfilt_image *src;
    imfilt_image *dst;
    const imfilt_median_table *t;
    size_t kh, kw, rh, rw, H, W, C;
    int border, dtype;
    double cval;
    imfilt_median_net net;  /* the network of the NET and MED3 paths */
    imf_edge8 edges[2];     /* MED3 paths: the rows' one-pixel left / right borders */
    const ptrdiff_t *cmap;  /* padded column j < W + kw - 1 reads image column cmap[j] (-1: cval) */
} med_ctx;

/* The path of a call from its dtype, window and the active level's kernels; sets the
   network and the border vectors the path needs. */
static median_path median_plan(med_ctx *m) {
    const size_t k = m->kh, area = m->kh * m->kw;
    const int isf = m->dtype == IMFILT_F32 || m->dtype == IMFILT_F64;
    if (area == 1) return MEDIAN_COPY;
    if (k == m->kw && (k == 3 || k == 5 || (k == 7 && m->dtype != IMFILT_U8))) {
        m->net = k == 3 ? IMFILT_MEDIAN_NET3 : k == 5 ? IMFILT_MEDIAN_NET5 : IMFILT_MEDIAN_NET7;
        if (k == 3 && m->dtype == IMFILT_U8 && m->C < 32 &&
            imf_edge8_build(&m->edges[0], 0, m->C, m->W, m->C, m->border) &&
            imf_edge8_build(&m->edges[1], 1, m->C, m->W, m->C, m->border)) {
            if (m->t->med3_rows_u8) return MEDIAN_MED3_DIRECT;
            if (m->t->med3_padded_u8 && m->C <= m->t->med3_padded_max_step && m->W * m->C >= 512)
                return MEDIAN_MED3_PADDED;
        }
        return isf ? MEDIAN_NET_KEYS : MEDIAN_NET_INPLACE;
    }
    if (m->dtype == IMFILT_U8 && area <= 65535) return MEDIAN_PH; /* uint16 window counts */
    if (area <= IMFILT_MEDIAN_TILE_MAX) return MEDIAN_TILE_RANKS;  /* denser keys: 2.5x faster */
    return isf ? MEDIAN_IMAGE_RANKS : MEDIAN_HIST16;
}

/* ---------------------------------------------------------------------------- rows, borders */
static inline const uint8_t *src_row(const med_ctx *m, size_t y) {
    return (const uint8_t *)m->src->data + (ptrdiff_t)y * m->src->row_stride;
}
static inline uint8_t *dst_row(const med_ctx *m, size_t y) {
    return (uint8_t *)m->dst->data + (ptrdiff_t)y * m->dst->row_stride;
}

/* The image row that virtual row r reads (border.h), -1: the constant. */
static inline ptrdiff_t row_index(const med_ctx *m, ptrdiff_t r) {
    return imfilt_border_index(r, (ptrdiff_t)m->H, m->border);
}
/* Image row of virtual row r, or `crow` (a row of cval) outside a constant border. */
static inline const uint8_t *virtual_row(const med_ctx *m, ptrdiff_t r, const uint8_t *crow) {
    ptrdiff_t my = row_index(m, r);
    return my < 0 ? crow : src_row(m, (size_t)my);
}

/* The column map of the call (med_ctx.cmap): padded column j is image column j - rw. */
static ptrdiff_t *column_map(const med_ctx *m) {
    const size_t pw = m->W + m->kw - 1;
    ptrdiff_t *cmap = malloc(pw * sizeof *cmap);
    if (cmap)
        for (size_t j = 0; j < pw; j++)
            cmap[j] = imfilt_border_index((ptrdiff_t)j - (ptrdiff_t)m->rw, (ptrdiff_t)m->W,
                                          m->border);
    return cmap;
}

/* A padded row (W + kw - 1 pixels of C keys of es bytes, the image's W from pixel rw on): its
   rw pixels on each side copied from its middle through the column map, or the constant. */
static inline void pad_row_ends(const med_ctx *m, uint8_t *row, size_t es, const void *ckey) {
    const size_t C = m->C, rw = m->rw, pix = C * es;
    for (size_t i = 0; i < 2 * rw; i++) {
        const size_t j = i < rw ? i : m->W + i; /* the padded column */
        const ptrdiff_t mx = m->cmap[j];
        if (mx < 0)
            for (size_t c = 0; c < C; c++) memcpy(row + j * pix + c * es, ckey, es);
        else
            memcpy(row + j * pix, row + (rw + (size_t)mx) * pix, pix);
    }
}

/* One padded key row: virtual row yy's keys in the middle, its ends padded. */
static void build_row(const med_ctx *m, ptrdiff_t yy, int mode, const void *ckey, size_t es,
                      uint8_t *buf) {
    const size_t n = m->W * m->C;
    ptrdiff_t my = row_index(m, yy);
    uint8_t *mid = buf + m->rw * m->C * es;
    if (my < 0)
        for (size_t i = 0; i < n; i++) memcpy(mid + i * es, ckey, es);
    else
        to_keys(src_row(m, (size_t)my), mid, n, m->dtype, mode);
    pad_row_ends(m, buf, es, ckey);
}

/* A ring of kh padded key rows: ring_rows returns the pointers for output row y. */
typedef struct {
    uint8_t *mem;
    uint8_t **slot;
    ptrdiff_t *tag;
    size_t n, bytes;
} ring;

static int ring_init(ring *r, size_t n, size_t bytes) {
    r->n = n; r->bytes = bytes;
    r->mem = calloc(n, bytes);
    r->slot = malloc(n * sizeof *r->slot);
    r->tag = malloc(n * sizeof *r->tag);
    if (!r->mem || !r->slot || !r->tag) return IMFILT_ENOMEM;
    for (size_t i = 0; i < n; i++) { r->slot[i] = r->mem + i * bytes; r->tag[i] = PTRDIFF_MIN; }
    return IMFILT_OK;
}
static void ring_free(ring *r) { free(r->mem); free(r->slot); free(r->tag); }

static void ring_rows(ring *r, const med_ctx *m, size_t y, int mode, const void *ckey, size_t es,
                      const void **rows) {
    for (size_t i = 0; i < m->kh; i++) {
        ptrdiff_t yy = (ptrdiff_t)y - (ptrdiff_t)m->rh + (ptrdiff_t)i;
        size_t s = (size_t)imfilt_mod(yy, (ptrdiff_t)r->n);
        if (r->tag[s] != yy) { build_row(m, yy, mode, ckey, es, r->slot[s]); r->tag[s] = yy; }
        rows[i] = r->slot[s];
    }
}

/* ---------------------------------------------------------------------------- strips */
/* Each path is one strip function of imfilt_parallel_rows: output rows [y0, y1) of the job
   (a const med_ctx), polling imfilt_stopped(status) between rows or tiles. */

static int copy_strip(void *job, size_t y0, size_t y1, int tid, int *status) {
    const med_ctx *m = job;
    (void)tid; (void)status;
    for (size_t y = y0; y < y1; y++)
        memmove(dst_row(m, y), src_row(m, y), m->W * m->C * imfilt_dtype_size(m->dtype));
    return IMFILT_OK;
}

/* MEDIAN_MED3_DIRECT: each output row hands the kernel its three source rows (a row of cval
   where the constant border lies above or below the image) and their one-pixel borders. */
static int med3_direct_strip(void *job, size_t y0, size_t y1, int tid, int *status) {
    const med_ctx *m = job;
    const size_t n = m->W * m->C;
    const uint8_t cv = (uint8_t)m->cval;
    (void)tid;
    uint8_t *crow = malloc(n);
    if (!crow) return IMFILT_ENOMEM;
    memset(crow, cv, n);
    for (size_t y = y0; y < y1; y++) {
        if ((y - y0) % 16 == 15 && imfilt_stopped(status)) break;
        const uint8_t *rows[3];
        for (size_t i = 0; i < 3; i++) rows[i] = virtual_row(m, (ptrdiff_t)(y + i) - 1, crow);
        m->t->med3_rows_u8(rows, &m->edges[0], &m->edges[1], cv, m->C, n, dst_row(m, y));
    }
    free(crow);
    return IMFILT_OK;
}

/* One source row of the padded 3x3 kernel: its padded view P (P[j] = sample j - C) is the
   image row itself in the middle and two small bordered copies of its ends: head = P[0, 128),
   tail = P[xm, ...). */
typedef struct {
    uint8_t head[128], tail[384];
    const uint8_t *img;
} med3_slot;

static void med3_slot_build(const med_ctx *m, ptrdiff_t r, const uint8_t *crow, uint8_t cv,
                            size_t xm, med3_slot *s) {
    const size_t C = m->C, W = m->W, n = W * C, tail_in = n + C - xm; /* tail bytes inside the row */
    const ptrdiff_t left = m->cmap[0], right = m->cmap[W + 1];
    s->img = virtual_row(m, r, crow);
    for (size_t j = 0; j < C; j++) {
        s->head[j] = left < 0 ? cv : s->img[(size_t)left * C + j];
        s->tail[tail_in + j] = right < 0 ? cv : s->img[(size_t)right * C + j];
    }
    memcpy(s->head + C, s->img, 128 - C);
    memcpy(s->tail, s->img + xm - C, tail_in);
    memset(s->tail + tail_in + C, 0, sizeof s->tail - tail_in - C);
}

/* Output rows per band of MEDIAN_MED3_PADDED: the kernel walks down a band, the band's
   rows (about 34 KB at 1080p) stay in cache between its column steps. */
#define MED3_BAND 16

/* MEDIAN_MED3_PADDED (levels without masked byte loads): the kernel reads the image rows
   in place and only their ends from bordered copies, band by band. The copies of a band's rows
   are made before its middle columns are filtered and read after: read right after being
   written, the narrow stores would stall the kernel's wide loads on store forwarding. Needs
   n >= 512. */
static int med3_padded_strip(void *job, size_t y0, size_t y1, int tid, int *status) {
    const med_ctx *m = job;
    const size_t C = m->C, n = m->W * C;
    const size_t xm = 64 + 64 * ((n + C - 128) / 64); /* P[xm + 63] < P[n + C]: in the row */
    const uint8_t cv = (uint8_t)m->cval;
    (void)tid;
    uint8_t *crow = malloc(n);
    med3_slot *slots = malloc((MED3_BAND + 2) * sizeof *slots);
    if (!crow || !slots) { free(crow); free(slots); return IMFILT_ENOMEM; }
    memset(crow, cv, n);
    for (size_t yb = y0; yb < y1; yb += MED3_BAND) {
        if (yb > y0 && imfilt_stopped(status)) break;
        const size_t nb = y1 - yb < MED3_BAND ? y1 - yb : MED3_BAND;
        const uint8_t *P[MED3_BAND + 2];
        uint8_t *out[MED3_BAND];
        for (size_t i = 0; i < nb + 2; i++) {
            med3_slot_build(m, (ptrdiff_t)(yb + i) - 1, crow, cv, xm, &slots[i]);
            P[i] = slots[i].img - C + 64;
        }
        for (size_t i = 0; i < nb; i++) out[i] = dst_row(m, yb + i) + 64;
        m->t->med3_padded_u8(P, nb, C, xm - 64, out);
        for (size_t i = 0; i < nb + 2; i++) P[i] = slots[i].head;
        for (size_t i = 0; i < nb; i++) out[i] -= 64;
        m->t->med3_padded_u8(P, nb, C, 64, out);
        for (size_t i = 0; i < nb + 2; i++) P[i] = slots[i].tail;
        for (size_t i = 0; i < nb; i++) out[i] += xm;
        m->t->med3_padded_u8(P, nb, C, n - xm, out);
    }
    free(crow);
    free(slots);
    return IMFILT_OK;
}

/* MEDIAN_NET_INPLACE: integer dtypes are their own keys, so the column sort reads the image
   rows in place (no padded copy); the sorted columns' ends are padded afterwards, since a
   padded column is a copy of its mapped column in every row (or the constant in every row). */
static int network_inplace_strip(void *job, size_t y0, size_t y1, int tid, int *status) {
    const med_ctx *m = job;
    const size_t k = m->kh, es = imfilt_dtype_size(m->dtype), C = m->C, n = m->W * C;
    const size_t Lp = (m->W + k - 1) * C, pre = m->rw * C;
    const size_t vl = 64 / es, nmain = n / vl * vl;
    /* each sorted row's middle (where colsort stores) starts a cache line: full-vector stores
       never split, and the layout does not depend on the heap (up to 18% on uint16 3x3) */
    const size_t bytes = ((Lp + VPAD) * es + 63) / 64 * 64, lead = (64 - pre * es % 64) % 64;
    (void)tid;
    uint8_t ckey[8];
    cval_key(m->cval, m->dtype, KEYS_NATIVE, ckey);
    uint8_t *ranks_mem = imfilt_aligned_alloc(64, k * bytes + 64), *crow = malloc((n + VPAD) * es);
    uint8_t *tail = calloc(2 * k, VPAD * es);
    if (!ranks_mem || !crow || !tail) {
        imfilt_aligned_free(ranks_mem); free(crow); free(tail);
        return IMFILT_ENOMEM;
    }
    memset(ranks_mem, 0, k * bytes + 64);
    for (size_t i = 0; i < n + VPAD; i++) memcpy(crow + i * es, ckey, es);
    const void *rows[7], *trows[7];
    void *ranks[7], *rmid[7], *tranks[7];
    for (size_t i = 0; i < k; i++) {
        ranks[i] = ranks_mem + lead + i * bytes;
        rmid[i] = (uint8_t *)ranks[i] + pre * es;
        trows[i] = tail + i * VPAD * es;
        tranks[i] = tail + (k + i) * VPAD * es;
    }
    for (size_t y = y0; y < y1; y++) {
        if ((y - y0) % 8 == 7 && imfilt_stopped(status)) break;
        for (size_t i = 0; i < k; i++)
            rows[i] = virtual_row(m, (ptrdiff_t)y - (ptrdiff_t)m->rh + (ptrdiff_t)i, crow);
        if (nmain) m->t->colsort[m->dtype][m->net](rows, rmid, nmain);
        if (nmain < n) { /* the last partial vector through bounce rows: never read past a row */
            for (size_t i = 0; i < k; i++)
                memcpy((void *)trows[i], (const uint8_t *)rows[i] + nmain * es, (n - nmain) * es);
            m->t->colsort[m->dtype][m->net](trows, tranks, n - nmain);
            for (size_t i = 0; i < k; i++)
                memcpy((uint8_t *)rmid[i] + nmain * es, tranks[i], (n - nmain) * es);
        }
        for (size_t i = 0; i < k; i++) pad_row_ends(m, ranks[i], es, ckey);
        m->t->mednet[m->dtype][m->net]((const void *const *)ranks, C, dst_row(m, y), n);
    }
    imfilt_aligned_free(ranks_mem); free(crow); free(tail);
    return IMFILT_OK;
}

/* MEDIAN_NET_KEYS: floats are sorted as integer keys, so each source row is converted once
   into a ring of padded key rows, and the outputs map back from keys. */
static int network_keys_strip(void *job, size_t y0, size_t y1, int tid, int *status) {
    const med_ctx *m = job;
    const size_t k = m->kh, es = imfilt_dtype_size(m->dtype), Lp = (m->W + k - 1) * m->C;
    const size_t bytes = (Lp + VPAD) * es, n = m->W * m->C;
    (void)tid;
    uint8_t ckey[8];
    cval_key(m->cval, m->dtype, KEYS_NATIVE, ckey);
    ring r;
    uint8_t *ranks_mem = calloc(k, bytes);
    int st = ring_init(&r, k, bytes);
    if (!st && !ranks_mem) st = IMFILT_ENOMEM;
    if (!st) {
        const void *rows[7];
        void *ranks[7];
        for (size_t i = 0; i < k; i++) ranks[i] = ranks_mem + i * bytes;
        for (size_t y = y0; y < y1; y++) {
            ring_rows(&r, m, y, KEYS_NATIVE, ckey, es, rows);
            if ((y - y0) % 8 == 7 && imfilt_stopped(status)) break;
            m->t->colsort[m->dtype][m->net](rows, ranks, Lp);
            uint8_t *out = dst_row(m, y);
            m->t->mednet[m->dtype][m->net]((const void *const *)ranks, m->C, out, n);
            if (m->dtype == IMFILT_F32) {
                uint32_t *o = (uint32_t *)out;
                for (size_t i = 0; i < n; i++) o[i] = key_f32((int32_t)o[i]);
            } else {
                uint64_t *o = (uint64_t *)out;
                for (size_t i = 0; i < n; i++) o[i] = key_f64((int64_t)o[i]);
            }
        }
    }
    ring_free(&r);
    free(ranks_mem);
    return st;
}

/* MEDIAN_PH: column histograms slid down the strip, the window's slid along each row
   (median_ph_tmpl.h); padded columns point at their mapped column's histograms. */
static int ph_strip(void *job, size_t y0, size_t y1, int tid, int *status) {
    const med_ctx *m = job;
    const size_t W = m->W, C = m->C, n = W * C, pw = W + m->kw - 1;
    const int wide = m->kh > 255; /* column counts: uint8 up to 255 rows, else uint16 */
    const size_t cs = wide ? 2 : 1;
    (void)tid;
    imf_ph_cols cols = {n, calloc(n * 256, cs), calloc(n * 16, cs)};
    uint8_t *crow = malloc(n + VPAD);
    /* the constant column's histograms (prefix sums: kh from cval's bin on) and the pointer
       tables of every padded column, built once per strip */
    uint8_t *chist = calloc(272, cs);
    const void **fp = malloc(2 * pw * C * sizeof *fp), **cp = fp + pw * C;
    int st = IMFILT_OK;
    if (!cols.fine || !cols.coarse || !crow || !chist || !fp) st = IMFILT_ENOMEM;
    if (!st) {
        uint8_t cv = (uint8_t)m->cval;
        memset(crow, cv, n);
        for (unsigned i = 0; i < 272; i++) {
            int on = i < 256 ? (i >= cv && i <= (cv | 15u)) : (i - 256 >= (unsigned)(cv >> 4));
            if (!on) continue;
            if (wide) ((uint16_t *)chist)[i] = (uint16_t)m->kh;
            else chist[i] = (uint8_t)m->kh;
        }
        for (size_t c = 0; c < C; c++)
            for (size_t j = 0; j < pw; j++) {
                const ptrdiff_t e = m->cmap[j];
                fp[c * pw + j] = e < 0 ? (const void *)chist
                               : (const uint8_t *)cols.fine + ((size_t)e * C + c) * 256 * cs;
                cp[c * pw + j] = e < 0 ? (const void *)(chist + 256 * cs)
                               : (const uint8_t *)cols.coarse + ((size_t)e * C + c) * 16 * cs;
            }
        for (size_t i = 0; i < m->kh; i++)
            m->t->ph_update[wide](&cols, virtual_row(m, (ptrdiff_t)(y0 + i) - (ptrdiff_t)m->rh, crow),
                                  NULL);
        for (size_t y = y0; y < y1; y++) {
            if (imfilt_stopped(status)) break;
            if (y > y0)
                m->t->ph_update[wide](&cols, virtual_row(m, (ptrdiff_t)(y + m->rh), crow),
                                      virtual_row(m, (ptrdiff_t)y - (ptrdiff_t)m->rh - 1, crow));
            m->t->ph_row[wide]((const void *const *)fp, (const void *const *)cp, W, C, m->kh,
                               m->kw, dst_row(m, y));
        }
    }
    free(cols.fine); free(cols.coarse); free(crow); free(chist); free(fp);
    return st;
}

/* MEDIAN_HIST16: Huang's histogram on 16-bit keys over a ring of padded key rows. */
static int hist16_strip(void *job, size_t y0, size_t y1, int tid, int *status) {
    const med_ctx *m = job;
    const size_t W = m->W, C = m->C, kh = m->kh, Lp = (W + m->kw - 1) * C;
    const size_t bytes = (Lp + VPAD) * 2;
    (void)tid;
    uint8_t ckey[2];
    cval_key(m->cval, m->dtype, KEYS_U16, ckey);
    ring r;
    const void **rows = malloc(kh * sizeof *rows);
    const uint16_t **crows = malloc(kh * sizeof *crows);
    uint32_t *wts = malloc(kh * sizeof *wts);
    size_t *first = malloc((m->H + 1) * sizeof *first); /* mapped row + 1 -> group */
    uint32_t *counts = calloc(65536 + 256, sizeof(uint32_t));
    uint16_t *tmp = malloc(W * C * 2 + VPAD);
    int st = ring_init(&r, kh, bytes);
    if (!st && (!rows || !crows || !wts || !first || !counts || !tmp)) st = IMFILT_ENOMEM;
    if (!st) {
        const uint16_t xo = m->dtype == IMFILT_I16 ? 0x8000 : 0;
        for (size_t i = 0; i <= m->H; i++) first[i] = SIZE_MAX;
        for (size_t y = y0; y < y1; y++) {
            ring_rows(&r, m, y, KEYS_U16, ckey, 2, rows);
            if (imfilt_stopped(status)) break;
            /* rows the window reads several times (kernel taller than the image) count once,
               with a weight */
            size_t ng = 0;
            for (size_t i = 0; i < kh; i++) {
                ptrdiff_t yy = (ptrdiff_t)y - (ptrdiff_t)m->rh + (ptrdiff_t)i;
                size_t key = (size_t)(row_index(m, yy) + 1);
                if (first[key] == SIZE_MAX) { first[key] = ng; crows[ng] = rows[i]; wts[ng++] = 0; }
                wts[first[key]]++;
            }
            for (size_t i = 0; i < kh; i++) {
                ptrdiff_t yy = (ptrdiff_t)y - (ptrdiff_t)m->rh + (ptrdiff_t)i;
                first[row_index(m, yy) + 1] = SIZE_MAX;
            }
            const void **grow = (const void **)rows; /* reuse: group row pointers per channel */
            uint16_t *out = m->dtype == IMFILT_U8 ? tmp : (uint16_t *)dst_row(m, y);
            for (size_t g = 0; g < ng; g++) grow[g] = crows[g];
            for (size_t c = 0; c < C; c++) {
                for (size_t g = 0; g < ng; g++) crows[g] = (const uint16_t *)grow[g] + c;
                m->t->hist16(crows, wts, ng, C, m->kw, kh * m->kw, W, out + c, C, xo, counts);
            }
            if (m->dtype == IMFILT_U8) {
                uint8_t *o = dst_row(m, y);
                for (size_t i = 0; i < W * C; i++) o[i] = (uint8_t)tmp[i];
            }
        }
    }
    ring_free(&r);
    free(rows); free(crows); free(wts); free(first); free(counts); free(tmp);
    return st;
}

/* ---------------------------------------------------------------------------- ranks */
/* Tile shape maximising outputs per sorted pixel with (th+kh-1)(tw+kw-1) <= budget. */
static void choose_tile(size_t budget, size_t kh, size_t kw, size_t W, size_t sh, size_t *th,
                        size_t *tw) {
    double best = -1;
    *th = *tw = 0;
    for (size_t d = 1; d <= W && d <= 4096; d++) {
        size_t w = (W + d - 1) / d, pw = w + kw - 1;
        if (pw > budget || budget / pw < kh) continue;
        size_t h = budget / pw - kh + 1;
        if (h > sh) h = sh;
        double eff = (double)(h * w) / (double)((h + kh - 1) * pw);
        if (eff > best) { best = eff; *th = h; *tw = w; }
    }
    /* wide images with windows near the budget need tiles narrower than W / 4096: take the
       widest that fits (the last tile of a row is then narrower); one always fits, since
       kh * kw <= budget */
    for (size_t w = W < budget ? W : budget; *th == 0 && w >= 1; w--) {
        size_t pw = w + kw - 1;
        if (pw > budget || budget / pw < kh) continue;
        size_t h = budget / pw - kh + 1;
        *th = h > sh ? sh : h;
        *tw = w;
    }
}

/* Scratch of a rank transform of up to P samples: keys in unsigned order (k0, k1 and the
   indices i0, i1 for the radix sort), their dense ranks rk, rank -> key r2k. */
typedef struct {
    uint64_t *k0, *k1, *r2k, ck;
    uint32_t *i0, *i1, *ones, *counts;
    uint16_t *rk, *rout;
    const uint16_t **rows;
    int f64, w16;
    unsigned x16;
} rank_buf;

static void rank_buf_init(rank_buf *B, const med_ctx *m) {
    memset(B, 0, sizeof *B);
    B->f64 = m->dtype == IMFILT_F64;
    B->w16 = m->dtype == IMFILT_U16 || m->dtype == IMFILT_I16;
    B->x16 = m->dtype == IMFILT_I16 ? 0x8000u : 0;
    uint8_t b[8];
    cval_key(m->cval, m->dtype, KEYS_NATIVE, b);
    if (B->w16) { uint16_t u; cval_key(m->cval, m->dtype, KEYS_U16, &u); B->ck = u; }
    else B->ck = B->f64 ? (uint64_t)(*(int64_t *)b) ^ 0x8000000000000000ull
                        : (uint64_t)((uint32_t)(*(int32_t *)b) ^ 0x80000000u);
}

/* Allocates the sort and rank arrays for P samples: 0, or IMFILT_ENOMEM. */
static int rank_buf_alloc(rank_buf *B, size_t P) {
    B->k0 = malloc(P * 8); B->k1 = malloc(P * 8); B->r2k = malloc(65536 * 8);
    B->i0 = malloc(P * 4); B->i1 = malloc(P * 4); B->rk = malloc(P * 2);
    return B->k0 && B->k1 && B->r2k && B->i0 && B->i1 && B->rk ? IMFILT_OK : IMFILT_ENOMEM;
}

static void rank_buf_free(rank_buf *B) {
    free(B->k0); free(B->k1); free(B->r2k); free(B->i0); free(B->i1); free(B->rk); free(B->rout);
    free(B->rows); free(B->counts); free(B->ones);
}

/* The unsigned-order key of sample e of image row s. */
static inline uint64_t order_key(const rank_buf *B, const uint8_t *s, size_t e) {
    if (B->w16) { uint16_t b; memcpy(&b, s + e * 2, 2); return b ^ B->x16; }
    if (B->f64) { uint64_t b; memcpy(&b, s + e * 8, 8);
                  return (uint64_t)f64_key(b) ^ 0x8000000000000000ull; }
    uint32_t b; memcpy(&b, s + e * 4, 4);
    return (uint32_t)f32_key(b) ^ 0x80000000u;
}

/* Writes the value of unsigned-order key `key` as sample e of row o. */
static inline void put_value(const rank_buf *B, uint64_t key, uint8_t *o, size_t e) {
    if (B->w16) {
        uint16_t b = (uint16_t)(key ^ B->x16);
        memcpy(o + e * 2, &b, 2);
    } else if (B->f64) {
        uint64_t b = key_f64((int64_t)(key ^ 0x8000000000000000ull));
        memcpy(o + e * 8, &b, 8);
    } else {
        uint32_t b = key_f32((int32_t)((uint32_t)key ^ 0x80000000u));
        memcpy(o + e * 4, &b, 4);
    }
}

/* B->rk[i] = dense rank of key k0[i] (i0[i] = i on entry) among the n keys, B->r2k[rank] =
   its key, by LSD radix sort. Returns 1 (ranks incomplete) for more than 65536 distinct keys. */
static int dense_ranks(rank_buf *B, size_t n) {
    uint64_t *ka = B->k0, *kb = B->k1;
    uint32_t *ia = B->i0, *ib = B->i1;
    size_t cnt[256];
    for (int b = 0; b < (B->w16 ? 2 : B->f64 ? 8 : 4); b++) { /* constant bytes skipped */
        const int s8 = 8 * b;
        memset(cnt, 0, sizeof cnt);
        for (size_t i = 0; i < n; i++) cnt[(ka[i] >> s8) & 255]++;
        if (cnt[(ka[0] >> s8) & 255] == n) continue;
        size_t sum = 0;
        for (int d = 0; d < 256; d++) { size_t q = cnt[d]; cnt[d] = sum; sum += q; }
        for (size_t i = 0; i < n; i++) {
            size_t p = cnt[(ka[i] >> s8) & 255]++;
            kb[p] = ka[i]; ib[p] = ia[i];
        }
        uint64_t *tk = ka; ka = kb; kb = tk;
        uint32_t *ti = ia; ia = ib; ib = ti;
    }
    size_t r = 0;
    B->r2k[0] = ka[0];
    for (size_t i = 0; i < n; i++) {
        if (ka[i] != B->r2k[r]) {
            if (r == 65535) return 1;
            B->r2k[++r] = ka[i];
        }
        B->rk[ia[i]] = (uint16_t)r;
    }
    return 0;
}

/* One tile (output rows ty.., columns tx.., channel c): gather the border-padded keys, replace
   them by dense ranks, run the 16-bit histogram median on the ranks, map back. Returns 1
   (nothing written) when the tile holds more than 65536 distinct values. */
static int rank_tile(const med_ctx *m, rank_buf *B, size_t ty, size_t tx, size_t h, size_t w,
                     size_t c) {
    const size_t C = m->C, kh = m->kh, kw = m->kw, ph = h + kh - 1, pw = w + kw - 1;
    const ptrdiff_t *cmap = m->cmap + tx;
    for (size_t i = 0; i < ph; i++) { /* keys of the padded tile */
        ptrdiff_t my = row_index(m, (ptrdiff_t)(ty + i) - (ptrdiff_t)m->rh);
        const uint8_t *s = my < 0 ? NULL : src_row(m, (size_t)my);
        uint64_t *kk = B->k0 + i * pw;
        uint32_t *ii = B->i0 + i * pw;
        for (size_t j = 0; j < pw; j++) {
            kk[j] = s && cmap[j] >= 0 ? order_key(B, s, (size_t)cmap[j] * C + c) : B->ck;
            ii[j] = (uint32_t)(i * pw + j);
        }
    }
    if (dense_ranks(B, ph * pw)) return 1;
    for (size_t y = 0; y < h; y++) {
        for (size_t i = 0; i < kh; i++) B->rows[i] = B->rk + (y + i) * pw;
        m->t->hist16(B->rows, B->ones, kh, 1, kw, kh * kw, w, B->rout, 1, 0, B->counts);
        uint8_t *o = dst_row(m, ty + y);
        for (size_t x = 0; x < w; x++) put_value(B, B->r2k[B->rout[x]], o, (tx + x) * C + c);
    }
    return 0;
}

/* Tiles of up to TILE_BIG padded pixels when their values have at most 65536 distinct
   values (always for 16-bit types; photographs in float), else tiles of
   IMFILT_MEDIAN_TILE_MAX pixels, which never hold more. */
#define TILE_BIG ((size_t)1 << 18)
/* MEDIAN_TILE_RANKS */
static int tile_ranks_strip(void *job, size_t y0, size_t y1, int tid, int *status) {
    const med_ctx *m = job;
    const size_t W = m->W, C = m->C, kh = m->kh, kw = m->kw;
    size_t th, tw, sth, stw;
    (void)tid;
    choose_tile(TILE_BIG, kh, kw, W, y1 - y0, &th, &tw);
    choose_tile(IMFILT_MEDIAN_TILE_MAX, kh, kw, W, y1 - y0, &sth, &stw);
    rank_buf B;
    rank_buf_init(&B, m);
    int st = rank_buf_alloc(&B, (th + kh - 1) * (tw + kw - 1));
    B.rout = malloc(tw * 2);
    B.rows = malloc(kh * sizeof *B.rows);
    B.counts = calloc(65536 + 256, sizeof(uint32_t));
    B.ones = malloc(kh * 4);
    if (!st && (!B.rout || !B.rows || !B.counts || !B.ones)) st = IMFILT_ENOMEM;
    if (!st)
        for (size_t i = 0; i < kh; i++) B.ones[i] = 1;
    for (size_t ty = y0; !st && ty < y1; ty += th) {
        const size_t h = ty + th <= y1 ? th : y1 - ty;
        for (size_t tx = 0; tx < W; tx += tw) {
            const size_t w = tx + tw <= W ? tw : W - tx;
            for (size_t c = 0; c < C; c++) {
                if (imfilt_stopped(status)) break;
                if (!rank_tile(m, &B, ty, tx, h, w, c)) continue;
                for (size_t sy = ty; sy < ty + h; sy += sth) /* too many values: small tiles */
                    for (size_t sx = tx; sx < tx + w; sx += stw)
                        rank_tile(m, &B, sy, sx, sy + sth <= ty + h ? sth : ty + h - sy,
                                  sx + stw <= tx + w ? stw : tx + w - sx, c);
            }
        }
    }
    rank_buf_free(&B);
    return st;
}

/* MEDIAN_IMAGE_RANKS (float windows above IMFILT_MEDIAN_TILE_MAX samples, on images of fewer
   samples): the image's samples and cval are replaced once by their dense ranks, MEDIAN_HIST16
   filters the uint16 rank image on `nt` threads, and the ranks map back to values. */
static int run_image_ranks(const med_ctx *m, int nt) {
    const size_t H = m->H, row = m->W * m->C, n = H * row;
    if (n + 1 > IMFILT_MEDIAN_TILE_MAX) return IMFILT_EINVAL; /* refused in Python */
    rank_buf B;
    rank_buf_init(&B, m);
    int st = rank_buf_alloc(&B, n + 1);
    B.rout = malloc(n * 2);
    if (!st && !B.rout) st = IMFILT_ENOMEM;
    if (!st) {
        for (size_t y = 0; y < H; y++)
            for (size_t e = 0; e < row; e++) {
                B.k0[y * row + e] = order_key(&B, src_row(m, y), e);
                B.i0[y * row + e] = (uint32_t)(y * row + e);
            }
        B.k0[n] = B.ck;
        B.i0[n] = (uint32_t)n;
        dense_ranks(&B, n + 1); /* n + 1 <= 65536 keys: complete */
        imfilt_image rsrc = {B.rk, (ptrdiff_t)(row * 2), H, m->W, m->C, IMFILT_U16};
        imfilt_image rdst = {B.rout, (ptrdiff_t)(row * 2), H, m->W, m->C, IMFILT_U16};
        med_ctx r = *m;
        r.src = &rsrc;
        r.dst = &rdst;
        r.dtype = IMFILT_U16;
        r.cval = B.rk[n];
        st = imfilt_parallel_rows(H, 1, nt, hist16_strip, &r);
        if (!st)
            for (size_t y = 0; y < H; y++)
                for (size_t e = 0; e < row; e++)
                    put_value(&B, B.r2k[B.rout[y * row + e]], dst_row(m, y), e);
    }
    rank_buf_free(&B);
    return st;
}

/* ---------------------------------------------------------------------------- entry */
/* Each path's strip (MEDIAN_IMAGE_RANKS runs MEDIAN_HIST16's on its rank image). */
static const imfilt_strip_fn median_strips[] = {
    [MEDIAN_COPY] = copy_strip,
    [MEDIAN_MED3_DIRECT] = med3_direct_strip,
    [MEDIAN_MED3_PADDED] = med3_padded_strip,
    [MEDIAN_NET_INPLACE] = network_inplace_strip,
    [MEDIAN_NET_KEYS] = network_keys_strip,
    [MEDIAN_PH] = ph_strip,
    [MEDIAN_TILE_RANKS] = tile_ranks_strip,
    [MEDIAN_HIST16] = hist16_strip,
};

int imfilt_median(const imfilt_image *src, imfilt_image *dst, size_t kh, size_t kw,
                  int border, double cval, int threads) {
    int st = !(kh & 1) || !(kw & 1) ? IMFILT_EINVAL : imfilt_check_window(kh, kw, kh / 2, kw / 2);
    if (!st) st = imfilt_check_border(border);
    if (!st) st = imfilt_check_images(src, dst, 1);
    if (st || imfilt_is_empty(src)) return st;
    med_ctx m = {.src = src, .dst = dst, .t = IMFILT_ISA_ACTIVE(imfilt_median_table, imfilt_median),
                 .kh = kh, .kw = kw, .rh = kh / 2, .rw = kw / 2, .H = src->height, .W = src->width,
                 .C = src->channels, .border = border, .dtype = src->dtype, .cval = cval};
    const median_path path = median_plan(&m);
    ptrdiff_t *cmap = column_map(&m);
    if (!cmap) return IMFILT_ENOMEM;
    m.cmap = cmap;
    const int nt = imfilt_choose_threads(threads, m.H, m.W * m.C * (kh * kw > 9 ? 8 : 1));
    if (path == MEDIAN_IMAGE_RANKS) st = run_image_ranks(&m, nt);
    else st = imfilt_parallel_rows(m.H, 1, nt, median_strips[path], &m);
    free(cmap);
    return st;
}
