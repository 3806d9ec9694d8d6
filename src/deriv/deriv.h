/* The derivative family's table of hot row loops (src/deriv/deriv_isa.c, compiled once per ISA
   level), picked with IMFILT_ISA_ACTIVE. The driver deriv.c owns traversal, borders and threads;
   these loops only do arithmetic. Work types: i16 (int16 lanes, every partial sum fits), i32
   (int32 lanes, sums modulo 2^32 as OpenCV's 8-bit integer path), f32 and f64 (fused
   multiply-adds where the level has them). */
#ifndef IMFILT_DERIV_H
#define IMFILT_DERIV_H
#include <stdint.h>
#include "core/imfilt.h"
#include "core/isa.h"

typedef struct imfilt_deriv_table {
    const char *name;
    /* row pass: dst[x] = sum_j k[j] * ext[x + off[j] * step], x < n (integer: from uint8) */
    void (*row_i16)(const uint8_t *ext, const int16_t *k, const size_t *off, size_t nk,
                    size_t step, int16_t *dst, size_t n);
    void (*row_i32)(const uint8_t *ext, const int32_t *k, const size_t *off, size_t nk,
                    size_t step, int32_t *dst, size_t n);
    void (*row_f32)(const float *ext, const float *k, const size_t *off, size_t nk,
                    size_t step, float *dst, size_t n);
    void (*row_f64)(const double *ext, const double *k, const size_t *off, size_t nk,
                    size_t step, double *dst, size_t n);
    /* column pass: acc[x] = (add ? acc[x] : init) + sum_j k[j] * rows[j][x], x < n; off: the
       taps' offsets in the kernel (symmetric kernels are folded) */
    void (*col_i16)(const int16_t *const *rows, const int16_t *k, const size_t *off, size_t nk,
                    int16_t init, int add, int16_t *acc, size_t n);
    void (*col_i32)(const int32_t *const *rows, const int32_t *k, const size_t *off, size_t nk,
                    int32_t init, int add, int32_t *acc, size_t n);
    void (*col_f32)(const float *const *rows, const float *k, const size_t *off, size_t nk,
                    float init, int add, float *acc, size_t n);
    void (*col_f64)(const double *const *rows, const double *k, const size_t *off, size_t nk,
                    double init, int add, double *acc, size_t n);
    /* dst[x] = acc[x] as the output type: saturated, integers from floats rounded half to even */
    void (*store_i16[IMFILT_NTYPES])(const int16_t *acc, void *dst, size_t n);
    void (*store_i32[IMFILT_NTYPES])(const int32_t *acc, void *dst, size_t n);
    void (*store_f32[IMFILT_NTYPES])(const float *acc, void *dst, size_t n);
    void (*store_f64[IMFILT_NTYPES])(const double *acc, void *dst, size_t n);
} imfilt_deriv_table;

#endif
