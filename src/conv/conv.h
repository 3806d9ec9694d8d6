/* The convolution family's table of hot loops, one instance per ISA level (src/conv/conv_isa.c,
   compiled once per level), picked with IMFILT_ISA_ACTIVE. The drivers in src/conv/conv.c own the
   traversal (padding, phase split, threads); these loops only do arithmetic. Every loop adds
   its taps to `bias`/`init` in one fixed order (channel, kernel row, kernel column), whatever the
   tile shape, so results never depend on tiling, threads or which specialisation ran. */
#ifndef IMFILT_CONV_H
#define IMFILT_CONV_H
#include "core/imfilt.h"
#include "core/isa.h"

/* Output rows per depthwise register tile. */
#define IMFILT_DW_ROWS 4

/* Each loop comes for float (_f32) and double (_f64) work. */
typedef struct imfilt_conv_table {
    const char *name;
    /* depthwise: nr (<= IMFILT_DW_ROWS) output rows of n outputs; output row r, tap (ky, kx)
       reads rows[r*sh + ky*dh][xoff[kx] + x]; out rows are ostride elements apart */
    void (*dw_f32)(const float *const *rows, size_t nr, size_t sh, size_t dh, size_t kh,
                   size_t kw, const size_t *xoff, const float *k, float bias, float *out,
                   size_t ostride, size_t n);
    void (*dw_f64)(const double *const *rows, size_t nr, size_t sh, size_t dh, size_t kh,
                   size_t kw, const size_t *xoff, const double *k, double bias, double *out,
                   size_t ostride, size_t n);
    /* dense: out[o*ostride + (x/wrow)*ow + x%wrow] = bias[o] + sum_k
       wp[(o/ocb)*K*ocb + k*ocb + o%ocb] * ptr[k][x] for o < cout, x < n, x%wrow < ow (ow <=
       wrow; one row: wrow = ow = n); reads ptr[k][x] up to x < n rounded up to gemm_nb */
    void (*gemm_f32)(const float *const *ptr, size_t K, const float *wp, const float *bias,
                     size_t cout, float *out, size_t ostride, size_t n, size_t wrow, size_t ow);
    void (*gemm_f64)(const double *const *ptr, size_t K, const double *wp, const double *bias,
                     size_t cout, double *out, size_t ostride, size_t n, size_t wrow,
                     size_t ow);
    /* the GEMM tile: output channels (ocb) and pixels (nb) per micro-kernel call */
    size_t gemm_ocb_f32, gemm_nb_f32, gemm_ocb_f64, gemm_nb_f64;
    /* stride-2 phase split: d0[q] = src[2q], d1[q] = src[2q + 1], q < n */
    void (*deint2_f32)(const float *src, float *d0, float *d1, size_t n);
    void (*deint2_f64)(const double *src, double *d0, double *d1, size_t n);
    /* filter2d: dst[x] = init + sum_j sum_i k[j*kw + i] * rows[j][x + i*C], x < n; reads
       rows[j][.] up to one vector past the last tap */
    void (*corr_f32)(const float *const *rows, size_t kh, size_t kw, size_t C, const float *k,
                     float init, float *dst, size_t n);
    void (*corr_f64)(const double *const *rows, size_t kh, size_t kw, size_t C, const double *k,
                     double init, double *dst, size_t n);
    /* the same for two consecutive output rows: rows[0 .. kh], dst0 from rows[0 .. kh-1],
       dst1 from rows[1 .. kh] */
    void (*corr2_f32)(const float *const *rows, size_t kh, size_t kw, size_t C, const float *k,
                      float init, float *dst0, float *dst1, size_t n);
    void (*corr2_f64)(const double *const *rows, size_t kh, size_t kw, size_t C,
                      const double *k, double init, double *dst0, double *dst1, size_t n);
    /* samples per step of corr / corr2 (a shorter row ends in one step's time) */
    size_t corr_nb_f32, corr_nb_f64;
} imfilt_conv_table;

#endif
