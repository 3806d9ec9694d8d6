/* Tone driver: lookup tables and the float32 power. Elementwise, so the traversal is a flat
   range of samples split among threads at multiples of a block (never inside a SIMD vector),
   walked row piece by row piece; the arithmetic lives in tone_isa.c. Results never depend on
   the thread count or on where the strips fall. */
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include "core/imfilt.h"
#include "core/entry.h"
#include "core/parallel.h"
#include "tone.h"

IMFILT_ISA_DECLARE(imfilt_tone_table, imfilt_tone);

/* Below these many bytes of traffic (input + output) one thread does the job. A lookup is
   memory bound: measured 1.06x from 2 threads at 640x480 uint8 (0.6 MB), 1.6x at 1280x720.
   The float32 power computes ~10 ns per vector: 1.8x already at 640x480 (2.4 MB), so its
   threshold is 64 K samples of 8 bytes. */
#define TONE_BLOCK_SAMPLES ((size_t)1 << 16)
#define TONE_LUT_MIN_PARALLEL_BYTES ((size_t)1 << 20)
#define TONE_POW_MIN_PARALLEL_BYTES ((size_t)1 << 19)

typedef int (*piece_fn)(const void *src, void *dst, size_t n, const void *ctx);

/* Run fn over every row piece; block boundaries are multiples of `align` samples (a multiple
   of the channel count, so every piece starts at channel 0). Returns the OR of fn's results.
   weight: work units (~0.1 ns, src/core/parallel.h) per sample. */
static int run_elementwise(const imfilt_image *src, imfilt_image *dst, size_t in_size,
                           size_t out_size, size_t align, int threads, size_t min_parallel_bytes,
                           size_t weight, piece_fn fn, const void *ctx) {
    const size_t h = src->height, row = src->width * src->channels;
    const size_t total = h * row;
    if (total == 0) return 0;
    int nt = imfilt_policy_threads(threads, total * weight,
                                   total * (in_size + out_size) >= min_parallel_bytes);
    /* work blocks of ~TONE_BLOCK_SAMPLES (a multiple of align), handed out dynamically so a
       thread that starts late (a busy machine) or runs slower takes fewer of them */
    const size_t blk = (TONE_BLOCK_SAMPLES + align - 1) / align * align;
    const size_t blocks = (total + blk - 1) / blk;
    if ((size_t)nt > blocks) nt = (int)blocks;
    if (nt < 1) nt = 1;
    /* contiguous rows in both images: one long row, fewer loop starts */
    int flat = src->row_stride == (ptrdiff_t)(row * in_size) &&
               dst->row_stride == (ptrdiff_t)(row * out_size);
    const size_t rlen = flat ? total : row;
    int flags = 0;
    if (nt == 1) { /* no parallel region at all: small images pay nothing for OpenMP */
        for (size_t y = 0; y < total / rlen; y++)
            flags |= fn((const char *)src->data + (ptrdiff_t)y * src->row_stride,
                        (char *)dst->data + (ptrdiff_t)y * dst->row_stride, rlen, ctx);
        return flags;
    }
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) reduction(|:flags)
#endif
    for (size_t b = 0; b < blocks; b++) {
        size_t k = b * blk, end = k + blk < total ? k + blk : total;
        while (k < end) {
            size_t y = k / rlen, x = k % rlen;
            size_t n = rlen - x < end - k ? rlen - x : end - k;
            const char *s = (const char *)src->data + (ptrdiff_t)y * src->row_stride + x * in_size;
            char *d = (char *)dst->data + (ptrdiff_t)y * dst->row_stride + x * out_size;
            flags |= fn(s, d, n, ctx);
            k += n;
        }
    }
    return flags;
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

static int piece_lut8(const void *s, void *d, size_t n, const void *ctx) {
    const lut_ctx *c = (const lut_ctx *)ctx;
    c->k->lut8[c->si]((const uint8_t *)s, d, n, &c->plan);
    return 0;
}

static int piece_lut16(const void *s, void *d, size_t n, const void *ctx) {
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
            for (size_t ph = 0; ph < C; ph++)
                for (size_t ch = 0; ch < C; ch++) {
                    uint64_t m = 0;
                    for (size_t j = 0; j < 64; j++)
                        if ((ph + j) % C == ch) m |= 1ULL << j;
                    c.plan.chmask[ph][ch] = m;
                }
            c.plan.planes = planes;
        }
    }
    /* thread boundaries at whole 64-sample vectors of whole pixels */
    size_t align = 64 * C;
    /* weight: a 256-entry table stays in L1, a 65536-entry one does not (~4x slower) */
    const int small_table = src->dtype == IMFILT_U8;
    run_elementwise(src, dst, in_size, elem_size, align, threads, TONE_LUT_MIN_PARALLEL_BYTES,
                    small_table ? 1 : 4, small_table ? piece_lut8 : piece_lut16, &c);
    imfilt_aligned_free(planes);
    return IMFILT_OK;
}

/* ------------------------------------------------------------------ power */
typedef struct {
    const imfilt_tone_table *k;
    imfilt_pow_params p;
    double g, gain;
} pow_ctx;

static int piece_pow_fast(const void *s, void *d, size_t n, const void *ctx) {
    const pow_ctx *c = (const pow_ctx *)ctx;
    return c->k->pow_f32((const float *)s, (float *)d, n, &c->p);
}

/* Gammas beyond the polynomial's range: libm's double pow, rounded to float32. */
static int piece_pow_libm(const void *s, void *d, size_t n, const void *ctx) {
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

static int piece_negative(const void *s, void *d, size_t n, const void *ctx) {
    (void)d;
    const imfilt_tone_table *k = IMFILT_ISA_ACTIVE(imfilt_tone_table, imfilt_tone);
    return *(const int *)ctx == IMFILT_F32 ? k->negative_f32((const float *)s, n)
                                           : k->negative_f64((const double *)s, n);
}

int imfilt_any_negative(const imfilt_image *src, int threads, int *found) {
    if (!src || !found) return IMFILT_EINVAL;
    if (src->dtype != IMFILT_F32 && src->dtype != IMFILT_F64) return IMFILT_EDTYPE;
    imfilt_image none = *src;
    int dt = src->dtype;
    size_t sz = imfilt_dtype_size(dt);
    none.row_stride = 0; /* no output */
    *found = run_elementwise(src, &none, sz, 0, 1024, threads, TONE_LUT_MIN_PARALLEL_BYTES, 1,
                             piece_negative, &dt);
    return IMFILT_OK;
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
    *negative = run_elementwise(src, dst, 4, 4, 64, threads, TONE_POW_MIN_PARALLEL_BYTES, 8,
                                fast ? piece_pow_fast : piece_pow_libm, &c);
    return IMFILT_OK;
}
