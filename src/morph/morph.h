/* The table of hot loops of the minimum / maximum family, one instance per ISA level
   (src/morph/morph_isa.c compiled once per level), chosen once at import by src/core/dispatch.c.
   The driver (src/morph/morph.c) decides what to compute; these loops only decide how fast.
   One set of kernels per operation (IMFILT_MORPH_MIN / _MAX) and pixel type; pointers are to
   samples of that type, lengths in samples. The operation is a total function on floats:
   NaN operands are ignored (C's fmax / fmin: NaN only when every operand is NaN), so results
   never depend on evaluation order except for the sign of zero, and the drivers keep that
   order fixed too. */
#ifndef IMFILT_MORPH_H
#define IMFILT_MORPH_H
#include "core/imfilt.h"
#include "core/isa.h"
#include "simd/edge8.h"

typedef struct imfilt_morph_kernels {
    /* d = op(a, b); d may equal a or b */
    void (*op2)(void *d, const void *a, const void *b, size_t n);
    /* d = op(op(a, b), c); d may equal a, b or c */
    void (*op3)(void *d, const void *a, const void *b, const void *c, size_t n);
    /* d = op over rows[0 .. k-1], 1 <= k <= 6, in one pass (d may be one of the rows) */
    void (*opn)(void *d, const void *const *rows, size_t k, size_t n);
    /* one van Herk step down the columns: p = op(p, r); v = op(s, p) */
    void (*vstep)(void *v, void *p, const void *r, const void *s, size_t n);
    /* d[x] = op over t < len of s[x + t * step], x < n (s holds n + (len - 1) * step samples;
       t1, t2: scratch of as many samples; s, t1, t2 readable 640 bytes beyond that: the
       fused levels read 64 * (levels + 1) bytes past the last output vector) */
    void (*hrun)(void *d, const void *s, void *t1, void *t2, size_t n, size_t len, size_t step);
    /* uint8 rectangle straight from its kh <= 6 image rows (each n >= 64 samples): dst[x] =
       op over rows i, taps t < kw of P_i[x + t * C], P_i the row padded by lp samples of
       `left` border and (kw - 1) * C - lp of `right` (src/simd/edge8.h), (kw - 1) * C <= 63.
       NULL where the level or the type has no such kernel. */
    void (*direct8)(const uint8_t *const *rows, size_t kh, size_t kw, size_t C, size_t lp,
                    const imf_edge8 *left, const imf_edge8 *right, uint8_t cv, size_t n,
                    uint8_t *dst);
    /* floats: the same loops with the bare min / max (no NaN rule), equal to these whenever
       no operand is NaN; NULL for integers and for the plain sets themselves */
    const struct imfilt_morph_kernels *plain;
    /* floats: whether any of the n samples is NaN; NULL for integers */
    int (*has_nan)(const void *p, size_t n);
} imfilt_morph_kernels;

typedef struct imfilt_morph_table {
    const char *name;
    /* [IMFILT_MORPH_MIN | IMFILT_MORPH_MAX][dtype]; NULL for IMFILT_I64 */
    const imfilt_morph_kernels *kernels[2][IMFILT_NTYPES];
} imfilt_morph_table;

#endif
