/* The fused 8-bit box filter (imfilt.mean on uint8): the table of hot loops, one instance per
   ISA level (box8_isa.c), and the driver's entry (box8.c). */
#ifndef IMFILT_BOX8_H
#define IMFILT_BOX8_H
#include "core/imfilt.h"
#include "core/isa.h"

typedef struct {
    /* acc[x] = row[x] (first) or acc[x] += row[x] */
    void (*vadd)(uint16_t *acc, const uint8_t *row, size_t n, int first);
    /* acc[x] += add[x] - sub[x]: the running column sums, exact modulo 2^16 */
    void (*vslide)(uint16_t *acc, const uint8_t *add, const uint8_t *sub, size_t n);
    /* dst[x] = box8 rounding of sum_{i<k} src[x + i*step], k small (direct taps) */
    void (*hbox8_direct)(const uint16_t *src, uint8_t *dst, size_t n, size_t step, size_t k,
                         const imfilt_out_rule *rule, size_t tail_from);
    /* the same by doubling for large k (t1, t2: scratch as long as src) */
    void (*boxsum_u16)(const uint16_t *src, uint16_t *dst, uint16_t *t1, uint16_t *t2,
                       size_t n, size_t step, size_t k);
    void (*boxsum_u32)(const uint32_t *src, uint32_t *dst, uint32_t *t1, uint32_t *t2,
                       size_t n, size_t step, size_t k);
    void (*widen)(const uint16_t *src, uint32_t *dst, size_t n);
    /* OpenCV's area <= 256 rounding: ((s + delta) * mul) >> 23, saturated; uint32 arithmetic
       (or its 16-bit restatement, rule->box_mul16) before tail_from, int32 (wrapping) from
       there on, as OpenCV's SIMD body and scalar tail */
    void (*rule_box8)(const uint16_t *s, uint8_t *dst, size_t n, const imfilt_out_rule *rule,
                      size_t tail_from);
    /* OpenCV's area > 256 rounding: round_half_even((float)s * scale), saturated */
    void (*rule_round)(const uint32_t *s, uint8_t *dst, size_t n, float scale);
    /* sparse table of power-of-two window sums: dst[x] = a[x] + a[x + sh] (16-bit result while
       the sums fit, then 32-bit) */
    void (*pair16_16)(const uint16_t *a, uint16_t *dst, size_t n, size_t sh);
    void (*pair16)(const uint16_t *a, uint32_t *dst, size_t n, size_t sh);
    void (*pair32)(const uint32_t *a, uint32_t *dst, size_t n, size_t sh);
    /* dst[x] = round((float)(S[x] + S[x + sh] - O[x + sh]) * scale): a window covered by two
       overlapping power-of-two windows */
    void (*cover16)(const uint32_t *S, const uint16_t *O, uint8_t *dst, size_t n, size_t sh, float scale);
    void (*cover32)(const uint32_t *S, const uint32_t *O, uint8_t *dst, size_t n, size_t sh, float scale);
} imfilt_box8_table;

/* 0 if this path applies and ran (or a status), -1 when the generic engine must run it. */
int imfilt_box8(const imfilt_image *src, imfilt_image *dst, size_t kw, size_t ax, size_t kh,
                size_t ay, int border, double cval, const imfilt_out_rule *rule, int threads);

#endif
