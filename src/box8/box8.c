/* The fused 8-bit box filter (imfilt.mean on uint8 images), OpenCV's rounding bit for bit.
   Column sums first: each thread keeps one row of running vertical sums in uint16 (exact while
   kh * 255 < 2^16), updated per output row by adding the entering input row and subtracting the
   leaving one straight from the uint8 image (O(1) per pixel, no row-pass ring). The margins of
   that row come from border.h (a bordered column's vertical sum is the sum of the column it
   maps to); then the horizontal window sum (direct taps or O(log k) doubling) and the rounding.
   Memory: the output plus a few rows of scratch per thread. */
#include <stdlib.h>
#include <string.h>
#include "box8.h"
#include "core/border.h"
#include "core/parallel.h"

IMFILT_ISA_DECLARE(imfilt_box8_table, imfilt_box8);

/* Direct taps up to this width, doubling above (measured crossover). */
#define BOX8_DIRECT_MAX 12

static const uint8_t *source_row(const imfilt_image *src, ptrdiff_t y, int border,
                                 const uint8_t *cval_row) {
    ptrdiff_t r = imfilt_border_index(y, (ptrdiff_t)src->height, border);
    return r < 0 ? cval_row : (const uint8_t *)src->data + r * src->row_stride;
}

/* The margins of the vertical-sum row `acc` (ax pixels left of the image, kw - 1 - ax right;
   margin pixel i repeats image column mcol[i], -1: the constant): the sums of the columns they
   map to, after the core (acc + ax * C) slides by adding row `add` and subtracting row `sub`.
   They are written before the core slides, not copied after: the row pass loads them with the
   core's first and last vectors, and a wide load of narrow stores still in the store queue
   stalls on store forwarding (~20 ns a row, measured). */
static void write_margins(uint16_t *acc, size_t W, size_t C, size_t ax, size_t kw,
                          const ptrdiff_t *mcol, uint16_t cval_sum, const uint8_t *add,
                          const uint8_t *sub) {
    const uint16_t *core = acc + ax * C;
    if (C == 1) {  /* gray: one sum a pixel (the general loops cost ~80 instructions each) */
        for (size_t i = 0; i < kw - 1; i++) {
            const ptrdiff_t col = mcol[i];
            acc[i < ax ? i : W + i] = col < 0 ? cval_sum
                                             : (uint16_t)(core[col] + add[col] - sub[col]);
        }
        return;
    }
    for (size_t i = 0; i < kw - 1; i++) {
        uint16_t *d = acc + (i < ax ? i : W + i) * C;
        const ptrdiff_t col = mcol[i];
        if (col < 0) {
            for (size_t c = 0; c < C; c++) d[c] = cval_sum;
        } else {
            const size_t j = (size_t)col * C;
            for (size_t c = 0; c < C; c++)
                d[c] = (uint16_t)(core[j + c] + add[j + c] - sub[j + c]);
        }
    }
}

/* What every strip of one call shares (read only). */
typedef struct {
    const imfilt_box8_table *K;
    const imfilt_image *src;
    imfilt_image *dst;
    size_t kw, ax, kh, ay;
    int border;
    uint8_t cv;
    const imfilt_out_rule *rule;
    float scale_f;
    int small, large;   /* area <= 256 (OpenCV's 16-bit rule) or the float rule */
    size_t tail_from;   /* first sample of each row in OpenCV's scalar tail */
    size_t next;        /* samples of a bordered row, (width + kw - 1) * C */
    /* area > 256: the window [x, x+kw) as two windows of 2^m (a sparse table of power-of-two
       sums, m doubling passes) minus their overlap of L = 2^(m+1) - kw, when L is a power of
       two (kw = 2^m: one window) - else doubling with one accumulation pass per set bit of kw */
    int pow2_bits, overlap_bits, sparse;
    int bits16;         /* the levels b <= bits16 (< pow2_bits) fit and are kept in 16 bits */
    size_t pow2, overlap;
} box8_job;

/* One thread's strip (imfilt_parallel_rows): its scratch, then row by row the column sums,
   the horizontal window sums and the rounding. */
static int box8_strip(void *job, size_t y0, size_t y1, int tid, int *status) {
    const box8_job *j = (const box8_job *)job;
    const imfilt_box8_table *K = j->K;
    const imfilt_image *src = j->src;
    const imfilt_out_rule *rule = j->rule;
    const size_t C = src->channels, n = src->width * C, next = j->next, left = j->ax * C;
    const size_t kw = j->kw, kh = j->kh, tail_from = j->tail_from, sh = (kw - j->pow2) * C;
    const int pow2_bits = j->pow2_bits, overlap_bits = j->overlap_bits;
    (void)tid;
    /* acc (next u16) | hs16, t1_16, t2_16, 16-bit levels (next u16 each) | ext32, hs32, t1_32,
       t2_32, 32-bit levels | cval row */
    const int bits16 = j->bits16;
    size_t words16 = (4 + (size_t)bits16) * next, words32 = j->large ? (4 + (size_t)pow2_bits) * next : 0;
    /* + 64: the sums' core (acc + left) starts on a cache line, so the slide of every row
       loads and stores whole lines */
    const size_t mcol_at = (words16 * 2 + words32 * 4 + 64 + n + 64 + 7) & ~(size_t)7;
    char *mem = malloc(mcol_at + kw * sizeof(ptrdiff_t));
    if (!mem) return IMFILT_ENOMEM;
    uint32_t *ext32 = (uint32_t *)mem, *hs32 = ext32 + next;
    uint32_t *t1_32 = hs32 + next, *t2_32 = t1_32 + next;
    uint32_t *table = t2_32 + next; /* S_b at table + (b - 1) * next, b = 1..pow2_bits */
    char *base16 = mem + words32 * 4;
    uint16_t *acc = (uint16_t *)(base16 + ((64 - ((uintptr_t)(base16 + left * 2) & 63)) & 63));
    uint16_t *hs16 = acc + next, *t1_16 = hs16 + next, *t2_16 = t1_16 + next;
    uint16_t *table16 = t2_16 + next; /* S_b at table16 + (b - 1) * next, b = 1..bits16 */
    uint8_t *cval_row = (uint8_t *)(table16 + (size_t)bits16 * next);
    memset(cval_row, j->cv, n);
    ptrdiff_t *mcol = (ptrdiff_t *)(mem + mcol_at); /* margin pixel -> image column */
    for (size_t i = 0; i + 1 < kw; i++) {
        ptrdiff_t p = i < j->ax ? (ptrdiff_t)i - (ptrdiff_t)j->ax : (ptrdiff_t)(src->width + i - j->ax);
        mcol[i] = imfilt_border_index(p, (ptrdiff_t)src->width, j->border);
    }
    uint16_t *core = acc + left;
    const uint16_t cval_sum = (uint16_t)(kh * j->cv);
    for (size_t y = y0; y < y1; y++) {
        if ((y - y0) % 16 == 15 && imfilt_stopped(status)) break; /* rows: ~1 us */
        const ptrdiff_t top = (ptrdiff_t)y - (ptrdiff_t)j->ay;
        if (y == y0) {
            for (size_t r = 0; r < kh; r++)
                K->vadd(core, source_row(src, top + (ptrdiff_t)r, j->border, cval_row), n, r == 0);
            write_margins(acc, src->width, C, j->ax, kw, mcol, cval_sum, cval_row, cval_row);
        } else {
            const uint8_t *add = source_row(src, top + (ptrdiff_t)kh - 1, j->border, cval_row);
            const uint8_t *sub = source_row(src, top - 1, j->border, cval_row);
            write_margins(acc, src->width, C, j->ax, kw, mcol, cval_sum, add, sub);
            K->vslide(core, add, sub, n);
        }
        uint8_t *out = (uint8_t *)j->dst->data + (ptrdiff_t)y * j->dst->row_stride;
        if (j->small) {
            if (kw <= BOX8_DIRECT_MAX) {
                K->hbox8_direct(acc, out, n, C, kw, rule, tail_from);
            } else {
                K->boxsum_u16(acc, hs16, t1_16, t2_16, n, C, kw);
                K->rule_box8(hs16, out, n, rule, tail_from);
            }
        } else if (j->sparse) {
            const uint16_t *S16 = acc;
            const uint32_t *S = NULL;
            for (int b = 1; b <= pow2_bits; b++) {
                size_t len = n + (kw - ((size_t)1 << b)) * C, bsh = ((size_t)1 << (b - 1)) * C;
                if (b <= bits16) {
                    uint16_t *Sb = table16 + (size_t)(b - 1) * next;
                    K->pair16_16(S16, Sb, len, bsh);
                    S16 = Sb;
                    continue;
                }
                uint32_t *Sb = table + (size_t)(b - 1) * next;
                if (b == bits16 + 1) K->pair16(S16, Sb, len, bsh);
                else K->pair32(S, Sb, len, bsh);
                S = Sb;
            }
            /* the overlap's sums: the column sums (level 0), a 16-bit or a 32-bit level */
            const uint16_t *O16 = overlap_bits == 0 ? acc
                                  : overlap_bits <= bits16 ? table16 + (size_t)(overlap_bits - 1) * next
                                                           : NULL;
            const uint32_t *O32 = O16 ? NULL : table + (size_t)(overlap_bits - 1) * next;
            if (j->overlap == 0) K->rule_round(S, out, n, j->scale_f);
            else if (O16) K->cover16(S, O16, out, n, sh, j->scale_f);
            else K->cover32(S, O32, out, n, sh, j->scale_f);
            for (size_t x = tail_from; x < n; x++) {
                uint32_t o = j->overlap == 0 ? 0 : O16 ? O16[x + sh] : O32[x + sh];
                hs32[x] = j->overlap == 0 ? S[x] : S[x] + S[x + sh] - o;
            }
        } else {
            K->widen(acc, ext32, next);
            K->boxsum_u32(ext32, hs32, t1_32, t2_32, n, C, kw);
            K->rule_round(hs32, out, n, j->scale_f);
        }
        if (j->large) {
            /* OpenCV's scalar tail of each row rounds the double product */
            for (size_t x = tail_from; x < n; x++) {
                double v = (double)hs32[x] * rule->scale;
                v = v > 255.0 ? 255.0 : v;
                out[x] = (uint8_t)(int32_t)((v + 6755399441055744.0) - 6755399441055744.0);
            }
        }
    }
    free(mem);
    return IMFILT_OK;
}

int imfilt_box8(const imfilt_image *src, imfilt_image *dst, size_t kw, size_t ax, size_t kh,
                size_t ay, int border, double cval, const imfilt_out_rule *rule, int threads) {
    const size_t area = kw * kh;
    const int small = rule->mode == IMFILT_OUT_BOX8 && area <= 256;
    const int large = rule->mode == IMFILT_OUT_ROUND && rule->scale_in_float &&
                      area * 255 < ((size_t)1 << 24);  /* sums exact in float32 */
    if (src->dtype != IMFILT_U8 || dst->dtype != IMFILT_U8 || kh * 255 >= 65536 ||
        !(small || large))
        return -1;
    const size_t H = src->height, C = src->channels, n = src->width * C;
    box8_job j = {
        .K = IMFILT_ISA_ACTIVE(imfilt_box8_table, imfilt_box8), .src = src, .dst = dst,
        .kw = kw, .ax = ax, .kh = kh, .ay = ay, .border = border, .cv = (uint8_t)cval,
        .rule = rule, .scale_f = (float)rule->scale, .small = small, .large = large,
        .tail_from = imfilt_tail_from(rule, n), .next = (src->width + kw - 1) * C,
    };
    while (((size_t)2 << j.pow2_bits) <= kw) j.pow2_bits++;
    j.pow2 = (size_t)1 << j.pow2_bits;
    j.overlap = kw == j.pow2 ? 0 : 2 * j.pow2 - kw;
    j.sparse = j.pow2_bits >= 1 && (j.overlap & (j.overlap - 1)) == 0;
    while (((size_t)1 << j.overlap_bits) < j.overlap) j.overlap_bits++;
    /* level b sums 2^b column sums of at most kh * 255 each */
    while (j.bits16 + 1 < j.pow2_bits && ((size_t)255 * kh << (j.bits16 + 1)) < 65536) j.bits16++;

    /* weight: the direct row pass costs about one unit per sample, the others four */
    const int nt = imfilt_choose_threads(threads, H, n * (small && kw <= BOX8_DIRECT_MAX ? 1 : 4));
    return imfilt_parallel_rows(H, 1, nt, box8_strip, &j);
}
