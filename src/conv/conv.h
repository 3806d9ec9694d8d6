/* The convolution family's table of hot loops, one instance per ISA level (src/conv_isa.c,
   compiled once per level), picked with IMFILT_ISA_ACTIVE. The drivers in src/conv.c own the
   traversal (padding, phase split, threads); these loops only do arithmetic. Every loop adds
   its taps to `bias`/`init` in one fixed order (channel, kernel row, kernel column), whatever the
   tile shape, so results never depend on tiling, threads or which specialisation ran. */
#ifndef IMFILT_CONV_H
#define IMFILT_CONV_H
#include "core/imfilt.h"
#include "core/isa.h"

/* Types of one work type W, generated for float (_f32) and double (_f64). */
#define IMFILT_CONV_MEMBERS(W, WS)                                                              \
    /* depthwise: nr (<= IMFILT_DW_ROWS) output rows of n outputs; output row r, tap (ky, kx) \
       reads rows[r*sh + ky*dh][xoff[kx] + x]; out rows are ostride elements apart */           \
    void (*dw_##WS)(const W *const *rows, size_t nr, size_t sh, size_t dh, size_t kh, size_t kw, \
                    const size_t *xoff, const W *k, W bias, W *out, size_t ostride, size_t n);   \
    /* dense: out[o*ostride + x] = bias[o] + sum_k wp[(o/ocb)*K*ocb + k*ocb + o%ocb] * ptr[k][x] \
       for o < cout, x < n; reads ptr[k][x] up to x < n rounded up to gemm_nb */                  \
    void (*gemm_##WS)(const W *const *ptr, size_t K, const W *wp, const W *bias, size_t cout,    \
                      W *out, size_t ostride, size_t n);                                          \
    size_t gemm_ocb_##WS, gemm_nb_##WS;                                                           \
    /* stride-2 phase split: d0[q] = src[2q], d1[q] = src[2q + 1], q < n */                        \
    void (*deint2_##WS)(const W *src, W *d0, W *d1, size_t n);                                    \
    /* filter2d: dst[x] = init + sum_j sum_i k[j*kw + i] * rows[j][x + i*C], x < n; reads        \
       rows[j][.] up to one vector past the last tap */                                           \
    void (*corr_##WS)(const W *const *rows, size_t kh, size_t kw, size_t C, const W *k, W init,  \
                      W *dst, size_t n);                                                          \
    /* the same for two consecutive output rows: rows[0 .. kh], dst0 from rows[0 .. kh-1],    \
       dst1 from rows[1 .. kh] */                                                                 \
    void (*corr2_##WS)(const W *const *rows, size_t kh, size_t kw, size_t C, const W *k, W init, \
                       W *dst0, W *dst1, size_t n);

/* Output rows per depthwise register tile. */
#define IMFILT_DW_ROWS 4

typedef struct imfilt_conv_table {
    const char *name;
    IMFILT_CONV_MEMBERS(float, f32)
    IMFILT_CONV_MEMBERS(double, f64)
} imfilt_conv_table;

#endif
