/* The table of hot loops of the minimum / maximum family, one instance per ISA level
   (src/morph_isa.c compiled once per level), chosen once at import by src/core/dispatch.c.
   The driver (src/morph.c) decides what to compute; these loops only decide how fast.
   Every function exists per operation (IMFILT_MORPH_MIN / _MAX) and pixel type; pointers are
   to samples of that type, lengths in samples. The operation is a total function on floats:
   NaN operands are ignored (C's fmax / fmin: NaN only when every operand is NaN), so results
   never depend on evaluation order except for the sign of zero, and the drivers keep that
   order fixed too. */
#ifndef IMFILT_MORPH_KERNELS_H
#define IMFILT_MORPH_KERNELS_H
#include "core/imfilt.h"
#include "core/isa.h"
#include "simd/edge8.h"

typedef void (*imfilt_morph_op2_fn)(void *d, const void *a, const void *b, size_t n);
typedef void (*imfilt_morph_op3_fn)(void *d, const void *a, const void *b, const void *c, size_t n);
typedef void (*imfilt_morph_opn_fn)(void *d, const void *const *rows, size_t k, size_t n);
typedef void (*imfilt_morph_vstep_fn)(void *v, void *p, const void *r, const void *s, size_t n);
typedef void (*imfilt_morph_hrun_fn)(void *d, const void *s, void *t1, void *t2, size_t n,
                                     size_t len, size_t step);
typedef void (*imfilt_morph_direct8_fn)(const uint8_t *const *rows, size_t kh, size_t kw,
                                        size_t C, size_t lp, const imf_edge8 *left,
                                        const imf_edge8 *right, uint8_t cv, size_t n,
                                        uint8_t *dst);
typedef void (*imfilt_morph_gather_fn)(void *d, const void *s, const ptrdiff_t *idx, size_t n);

typedef struct imfilt_morph_table {
    const char *name;
    /* d = op(a, b); d may equal a or b */
    imfilt_morph_op2_fn op2[2][IMFILT_NTYPES];
    /* d = op(op(a, b), c); d may equal a, b or c */
    imfilt_morph_op3_fn op3[2][IMFILT_NTYPES];
    /* d = op over rows[0 .. k-1], 1 <= k <= 6, in one pass (d may be one of the rows) */
    imfilt_morph_opn_fn opn[2][IMFILT_NTYPES];
    /* one van Herk step down the columns: p = op(p, r); v = op(s, p) */
    imfilt_morph_vstep_fn vstep[2][IMFILT_NTYPES];
    /* d[x] = op over t < len of s[x + t * step], x < n (s holds n + (len - 1) * step samples;
       t1, t2: scratch of as many samples; s, t1, t2 readable 640 bytes beyond that: the
       fused levels read 64 * (levels + 1) bytes past the last output vector) */
    imfilt_morph_hrun_fn hrun[2][IMFILT_NTYPES];
    /* d[j] = s[idx[j]] (element size only: [0] 1 byte, [1] 2, [2] 4, [3] 8) */
    imfilt_morph_gather_fn gather[4];
    /* uint8 rectangle straight from its kh <= 6 image rows (each n >= 64 samples): dst[x] =
       op over rows i, taps t < kw of P_i[x + t * C], P_i the row padded by lp samples of
       `left` border and (kw - 1) * C - lp of `right` (src/edge8.h), (kw - 1) * C <= 63.
       [op]; NULL where the level has no such kernel. */
    imfilt_morph_direct8_fn direct8[2];
} imfilt_morph_table;

#endif
