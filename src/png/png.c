/* PNG row filters: see png.h. Plain scalar C; zlib, not this, dominates the codec's time. */
#include <stdlib.h>
#include <string.h>
#include "core/imfilt.h"
#include "png.h"

/* The row filter types (ISO/IEC 15948, 9.2): the byte that starts each filtered row. */
enum { PNG_NONE = 0, PNG_SUB = 1, PNG_UP = 2, PNG_AVERAGE = 3, PNG_PAETH = 4, PNG_NTYPES = 5 };

/* The Paeth predictor of the left (a), up (b) and up-left (c) bytes: a when pa <= pb and
   pa <= pc, else b when pb <= pc, else c. Selected with masks, not branches: the choice is
   data-dependent and mispredicted branches made decoding 3x slower. */
static inline int paeth(int a, int b, int c)
{
    int pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c);
    int take_a = -((pa <= pb) & (pa <= pc));
    int take_b = -(pb <= pc) & ~take_a;
    return (a & take_a) | (b & take_b) | (c & ~(take_a | take_b));
}

/* x: reconstructed row, f: filtered row, up: the reconstructed row above (zeros for the first).
   Returns 0, or -1 for an unknown type. */
static int unfilter_row(int type, const uint8_t *f, uint8_t *x, const uint8_t *up, size_t n,
                        size_t bpp)
{
    size_t i, lead = bpp < n ? bpp : n; /* the first pixel has no left neighbour: a = c = 0 */
    switch (type) {
    case PNG_NONE:
        memcpy(x, f, n);
        return 0;
    case PNG_SUB:
        memcpy(x, f, lead);
        for (i = lead; i < n; i++)
            x[i] = (uint8_t)(f[i] + x[i - bpp]);
        return 0;
    case PNG_UP:
        for (i = 0; i < n; i++)
            x[i] = (uint8_t)(f[i] + up[i]);
        return 0;
    case PNG_AVERAGE:
        for (i = 0; i < lead; i++)
            x[i] = (uint8_t)(f[i] + (up[i] >> 1));
        for (; i < n; i++)
            x[i] = (uint8_t)(f[i] + ((x[i - bpp] + up[i]) >> 1));
        return 0;
    case PNG_PAETH:
        for (i = 0; i < lead; i++)
            x[i] = (uint8_t)(f[i] + up[i]); /* paeth(0, b, 0) = b */
        for (; i < n; i++)
            x[i] = (uint8_t)(f[i] + paeth(x[i - bpp], up[i], up[i - bpp]));
        return 0;
    default:
        return -1;
    }
}

/* f: filtered row of the raw row x with `up` above. */
static void filter_row(int type, const uint8_t *x, const uint8_t *up, uint8_t *f, size_t n,
                       size_t bpp)
{
    size_t i, lead = bpp < n ? bpp : n;
    switch (type) {
    case PNG_NONE:
        memcpy(f, x, n);
        break;
    case PNG_SUB:
        memcpy(f, x, lead);
        for (i = lead; i < n; i++)
            f[i] = (uint8_t)(x[i] - x[i - bpp]);
        break;
    case PNG_UP:
        for (i = 0; i < n; i++)
            f[i] = (uint8_t)(x[i] - up[i]);
        break;
    case PNG_AVERAGE:
        for (i = 0; i < lead; i++)
            f[i] = (uint8_t)(x[i] - (up[i] >> 1));
        for (; i < n; i++)
            f[i] = (uint8_t)(x[i] - ((x[i - bpp] + up[i]) >> 1));
        break;
    case PNG_PAETH:
    default: /* the callers pass types below PNG_NTYPES */
        for (i = 0; i < lead; i++)
            f[i] = (uint8_t)(x[i] - up[i]);
        for (; i < n; i++)
            f[i] = (uint8_t)(x[i] - paeth(x[i - bpp], up[i], up[i - bpp]));
        break;
    }
}

static uint64_t signed_abs_sum(const uint8_t *f, size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (uint64_t)abs((int)(int8_t)f[i]);
    return sum;
}

int imfilt_png_unfilter(const uint8_t *src, ptrdiff_t src_stride, uint8_t *dst,
                        ptrdiff_t dst_stride, size_t nrows, size_t row_bytes, size_t bpp,
                        const uint8_t *prev, size_t *bad_row)
{
    uint8_t *zeros = NULL;
    if (prev == NULL) {
        zeros = calloc(row_bytes ? row_bytes : 1, 1);
        if (zeros == NULL)
            return IMFILT_ENOMEM;
        prev = zeros;
    }
    int status = IMFILT_OK;
    for (size_t y = 0; y < nrows; y++) {
        const uint8_t *s = src + (ptrdiff_t)y * src_stride;
        uint8_t *x = dst + (ptrdiff_t)y * dst_stride;
        if (unfilter_row(s[0], s + 1, x, prev, row_bytes, bpp) != 0) {
            *bad_row = y;
            status = IMFILT_EINVAL;
            break;
        }
        prev = x;
    }
    free(zeros);
    return status;
}

int imfilt_png_filter(const uint8_t *raw, ptrdiff_t raw_stride, uint8_t *out,
                      ptrdiff_t out_stride, size_t nrows, size_t row_bytes, size_t bpp,
                      const uint8_t *prev, const uint8_t *types)
{
    size_t n = row_bytes ? row_bytes : 1;
    uint8_t *zeros = calloc(n, 1), *candidate = malloc(n);
    if (zeros == NULL || candidate == NULL) {
        free(zeros);
        free(candidate);
        return IMFILT_ENOMEM;
    }
    int status = IMFILT_OK;
    if (prev == NULL)
        prev = zeros;
    for (size_t y = 0; y < nrows && status == IMFILT_OK; y++) {
        const uint8_t *x = raw + (ptrdiff_t)y * raw_stride;
        uint8_t *o = out + (ptrdiff_t)y * out_stride;
        if (types != NULL) {
            if (types[y] >= PNG_NTYPES) {
                status = IMFILT_EINVAL;
                break;
            }
            o[0] = types[y];
            filter_row(types[y], x, prev, o + 1, row_bytes, bpp);
        } else { /* the candidate with the smallest cost ends up in o + 1 */
            uint64_t best = UINT64_MAX;
            for (int t = PNG_NONE; t < PNG_NTYPES; t++) {
                filter_row(t, x, prev, candidate, row_bytes, bpp);
                uint64_t cost = signed_abs_sum(candidate, row_bytes);
                if (cost < best) {
                    best = cost;
                    o[0] = (uint8_t)t;
                    memcpy(o + 1, candidate, row_bytes);
                }
            }
        }
        prev = x;
    }
    free(zeros);
    free(candidate);
    return status;
}
