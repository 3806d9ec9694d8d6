/* Tone driver: lookup tables and the float32 power. Elementwise, so the traversal is a flat
   range of samples cut into blocks (boundaries never inside a SIMD vector) that the threads
   take one at a time (imfilt_parallel_blocks), each walked row piece by row piece; the
   arithmetic lives in tone_isa.c. Results never depend on the thread count or on who takes
   which block. */
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include "core/imfilt.h"
#include "core/entry.h"
#include "core/parallel.h"
#include "tone.h"

IMFILT_ISA_DECLARE(imfilt_tone_table, imfilt_tone);

/* Samples per block: the unit a thread takes, and between two Ctrl-C polls. */
#define TONE_BLOCK_SAMPLES ((size_t)1 << 16)
/* Below these many bytes of traffic (input + output) one thread does the job. A lookup is
   memory bound: measured 1.06x from 2 threads at 640x480 uint8 (0.6 MB), 1.6x at 1280x720.
   The float32 power computes ~10 ns per vector: 1.8x already at 640x480 (2.4 MB), so its
   threshold is 64 K samples of 8 bytes. */
#define TONE_LUT_MIN_PARALLEL_BYTES ((size_t)1 << 20)
#define TONE_POW_MIN_PARALLEL_BYTES ((size_t)1 << 19)

/* One row piece: n samples at src -> dst; returns flag bits (pow: a negative sample). */
typedef unsigned (*piece_fn)(const void *src, void *dst, size_t n, const void *ctx);

/* An elementwise job: the image as `total` samples cut into blocks of `blk`, walked in pieces
   of at most a row (of rlen samples: the whole image when both are contiguous). */
typedef struct {
    const char *src;
    char *dst;
    ptrdiff_t sstride, dstride;
    size_t in_size, out_size, total, rlen, blk;
    piece_fn fn;
    const void *ctx;
} tone_job;

static unsigned tone_block(void *job, size_t b) {
    const tone_job *j = job;
    unsigned flags = 0;
    size_t k = b * j->blk;
    const size_t end = k + j->blk < j->total ? k + j->blk : j->total;
    while (k < end) {
        const size_t y = k / j->rlen, x = k % j->rlen;
        const size_t n = j->rlen - x < end - k ? j->rlen - x : end - k;
        flags |= j->fn(j->src + (ptrdiff_t)y * j->sstride + x * j->in_size,
                       j->dst + (ptrdiff_t)y * j->dstride + x * j->out_size, n, j->ctx);
        k += n;
    }
    return flags;
}

/* Run fn over every row piece, in blocks whose boundaries are multiples of `align` samples (a
   multiple of the channel count, so every piece starts at channel 0). *flags: the OR of fn's
   results. weight: work units (~0.1 ns, src/core/parallel.h) per sample. Returns the status. */
static int run_elementwise(const imfilt_image *src, imfilt_image *dst, size_t in_size,
                           size_t out_size, size_t align, int threads, size_t min_parallel_bytes,
                           size_t weight, piece_fn fn, const void *ctx, unsigned *flags) {
    const size_t row = src->width * src->channels;
    tone_job j = {(const char *)src->data, (char *)dst->data, src->row_stride, dst->row_stride,
                  in_size, out_size, src->height * row, row, 0, fn, ctx};
    *flags = 0;
    if (j.total == 0) return IMFILT_OK;
    int nt = imfilt_policy_threads(threads, j.total * weight,
                                   j.total * (in_size + out_size) >= min_parallel_bytes);
    /* blocks of ~TONE_BLOCK_SAMPLES (a multiple of align), handed out dynamically */
    j.blk = (TONE_BLOCK_SAMPLES + align - 1) / align * align;
    const size_t blocks = (j.total + j.blk - 1) / j.blk;
    if ((size_t)nt > blocks) nt = (int)blocks;
    /* contiguous rows in both images: one long row, fewer loop starts */
    if (src->row_stride == (ptrdiff_t)(row * in_size) &&
        dst->row_stride == (ptrdiff_t)(row * out_size))
        j.rlen = j.total;
    return imfilt_parallel_blocks(blocks, nt, tone_block, &j, flags);
}

static int same_shape(const imfilt_image *a, const imfilt_image *b) {
    return imfilt_check_images(a, b, 0) != IMFILT_EINVAL;
}

static int size_index(size_t elem_size) {
    switch (elem_size) {
    case 1: return 0;
    case 2: return 1;
    case 4: return 2;
    case 8: return 3;
    case 16: return 4;
    default: return -1;
    }
}

/* ------------------------------------------------------------------ lookup tables */
typedef struct {
    const imfilt_tone_table *k;
    int si;
    imfilt_lut8_plan plan;
    const void *table;
    size_t channels;
} lut_ctx;

static unsigned piece_lut8(const void *s, void *d, size_t n, const void *ctx) {
    const lut_ctx *c = (const lut_ctx *)ctx;
    c->k->lut8[c->si]((const uint8_t *)s, d, n, &c->plan);
    return 0;
}

static unsigned piece_lut16(const void *s, void *d, size_t n, const void *ctx) {
    const lut_ctx *c = (const lut_ctx *)ctx;
    c->k->lut16[c->si]((const uint16_t *)s, d, n, c->table, c->channels);
    return 0;
}

int imfilt_lut(const imfilt_image *src, imfilt_image *dst, const void *table, size_t elem_size,
               size_t table_channels, int threads) {
    if (!src || !dst || !table || !same_shape(src, dst)) return IMFILT_EINVAL;
    if (src->dtype != IMFILT_U8 && src->dtype != IMFILT_U16) return IMFILT_EDTYPE;
    int si = size_index(elem_size);
    if (si < 0) return IMFILT_EDTYPE;
    if (table_channels != 1 && table_channels != src->channels) return IMFILT_EINVAL;
    if (src->height == 0 || src->width == 0 || src->channels == 0) return IMFILT_OK;
    const size_t in_size = src->dtype == IMFILT_U8 ? 1 : 2;
    /* in place only when every sample overwrites itself */
    if (src->data == dst->data && (in_size != elem_size || src->row_stride != dst->row_stride))
        return IMFILT_EINVAL;
    lut_ctx c;
    memset(&c, 0, sizeof c);
    c.k = IMFILT_ISA_ACTIVE(imfilt_tone_table, imfilt_tone);
    c.si = si;
    c.table = table;
    c.channels = table_channels;
    uint8_t *planes = NULL;
    const size_t C = table_channels;
    if (src->dtype == IMFILT_U8) {
        c.plan.table = table;
        c.plan.channels = C;
        if (C <= c.k->lut8_plane_channels[si]) {
            planes = (uint8_t *)imfilt_aligned_alloc(64, C * elem_size * 256);
            if (!planes) return IMFILT_ENOMEM;
            const uint8_t *t = (const uint8_t *)table;
            for (size_t ch = 0; ch < C; ch++)
                for (size_t b = 0; b < elem_size; b++)
                    for (size_t v = 0; v < 256; v++)
                        planes[(ch * elem_size + b) * 256 + v] = t[(v * C + ch) * elem_size + b];
            c.plan.planes = planes;
        }
    }
    /* thread boundaries at whole 64-sample vectors of whole pixels */
    size_t align = 64 * C;
    /* weight: a 256-entry table stays in L1, a 65536-entry one does not (~4x slower) */
    const int small_table = src->dtype == IMFILT_U8;
    unsigned none;
    const int status = run_elementwise(src, dst, in_size, elem_size, align, threads,
                                       TONE_LUT_MIN_PARALLEL_BYTES, small_table ? 1 : 4,
                                       small_table ? piece_lut8 : piece_lut16, &c, &none);
    imfilt_aligned_free(planes);
    return status;
}

/* ------------------------------------------------------------------ power */
typedef struct {
    const imfilt_tone_table *k;
    imfilt_pow_params p;
    double g, gain;
} pow_ctx;

static unsigned piece_pow_fast(const void *s, void *d, size_t n, const void *ctx) {
    const pow_ctx *c = (const pow_ctx *)ctx;
    return (unsigned)c->k->pow_f32((const float *)s, (float *)d, n, &c->p);
}

/* Gammas beyond the polynomial's range: libm's double pow, rounded to float32. */
static unsigned piece_pow_libm(const void *s, void *d, size_t n, const void *ctx) {
    const pow_ctx *c = (const pow_ctx *)ctx;
    const float *x = (const float *)s;
    float *y = (float *)d;
    int neg = 0;
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        neg |= v < 0.0f;
        y[i] = (float)pow((double)v, (double)c->p.g) * c->p.gain;
    }
    return neg;
}

static unsigned piece_negative(const void *s, void *d, size_t n, const void *ctx) {
    (void)d;
    const imfilt_tone_table *k = IMFILT_ISA_ACTIVE(imfilt_tone_table, imfilt_tone);
    return (unsigned)(*(const int *)ctx == IMFILT_F32 ? k->negative_f32((const float *)s, n)
                                                      : k->negative_f64((const double *)s, n));
}

int imfilt_any_negative(const imfilt_image *src, int threads, int *found) {
    if (!src || !found) return IMFILT_EINVAL;
    if (src->dtype != IMFILT_F32 && src->dtype != IMFILT_F64) return IMFILT_EDTYPE;
    imfilt_image none = *src;
    int dt = src->dtype;
    size_t sz = imfilt_dtype_size(dt);
    none.row_stride = 0; /* no output */
    unsigned neg;
    const int status = run_elementwise(src, &none, sz, 0, 1024, threads,
                                       TONE_LUT_MIN_PARALLEL_BYTES, 1, piece_negative, &dt, &neg);
    *found = neg != 0;
    return status;
}

int imfilt_pow(const imfilt_image *src, imfilt_image *dst, double gamma, double gain,
               int threads, int *negative) {
    if (!src || !dst || !negative || !same_shape(src, dst)) return IMFILT_EINVAL;
    if (src->dtype != IMFILT_F32 || dst->dtype != IMFILT_F32) return IMFILT_EDTYPE;
    if (!(gamma >= 0.0)) return IMFILT_EINVAL;
    *negative = 0;
    if (src->data == dst->data) {
        if (src->row_stride != dst->row_stride) return IMFILT_EINVAL;
        /* in place: refuse negative pixels before the input is overwritten */
        int st = imfilt_any_negative(src, threads, negative);
        if (st != IMFILT_OK || *negative) return st;
    }
    pow_ctx c;
    c.k = IMFILT_ISA_ACTIVE(imfilt_tone_table, imfilt_tone);
    c.p.g = (float)gamma;
    c.p.gain = (float)gain;
    uint32_t gb;
    memcpy(&gb, &c.p.g, 4);
    gb &= 0xfffff000u; /* the top 12 significant bits */
    memcpy(&c.p.g_hi, &gb, 4);
    c.p.g_lo = c.p.g - c.p.g_hi;
    double gd = (double)c.p.g;
    c.p.odd_int = gd == floor(gd) && fmod(gd, 2.0) == 1.0;
    int fast = c.p.g <= IMFILT_POW_FAST_MAX_GAMMA;
    unsigned neg;
    const int status = run_elementwise(src, dst, 4, 4, 64, threads, TONE_POW_MIN_PARALLEL_BYTES,
                                       8, fast ? piece_pow_fast : piece_pow_libm, &c, &neg);
    *negative = neg != 0;
    return status;
}
