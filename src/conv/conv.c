/* Convolution drivers: conv2d (NCHW, zero padding; depthwise, dense, grouped, pointwise) and
   filter2d (2-D correlation of interleaved images with any border). Traversal, padding and
   threads live here (the instances of conv_drv_tmpl.h); the hot loops in the ISA table
   (conv.h, conv_isa.c). Work items are planes / images x groups x row bands, and every output
   is computed by the same arithmetic whichever item or thread owns it, so results are
   bit-identical for any thread count. */
#include <stdlib.h>
#include <string.h>
#include "core/imfilt.h"
#include "core/entry.h"
#include "core/border.h"
#include "conv.h"
#include "separable/separable.h"
#include "core/parallel.h"

IMFILT_ISA_DECLARE(imfilt_conv_table, imfilt_conv);

typedef struct {
    size_t h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw;
} conv_geom;

static size_t round_up(size_t v, size_t m) { return (v + m - 1) / m * m; }

/* The work of a row of `samples` outputs with `taps` multiply-adds each, in the units
   imfilt_choose_threads weighs rows by (eight taps per unit). */
static size_t tap_weighted(size_t samples, size_t taps) { return samples * (taps > 8 ? taps / 8 : 1); }

/* Input bytes per band of the banded dense convolution (its padded input planes stay in L2). */
#define DENSE_BAND_BYTES (256 * 1024)

/* Column tiles keep the kh + 1 rows of a filter2d tile within ~L1 (the correlation reads
   kh * kw taps of them for every output sample). */
#define FILTER2D_TILE_BYTES (32 * 1024)
/* Slack after each scratch row: the correlation's last vector reads up to one vector (of the
   widest level) past the row. */
#define FILTER2D_SLACK_BYTES 64

/* the bordered input rows bordered_row_f32/_f64 (src/separable/bordered_row_tmpl.h) */
#include "separable/bordered_row_instances.h"
#include "conv/conv_drv_instances.h"

int imfilt_conv2d(const void *x, const void *w, const void *bias, void *y, int dtype,
                  size_t n, size_t c, size_t h, size_t wd, size_t cout, size_t kh, size_t kw,
                  size_t groups, size_t sh, size_t sw, size_t ph, size_t pw, size_t dh, size_t dw,
                  size_t oh, size_t ow, int threads) {
    if (!x || !w || !y || groups == 0 || c % groups || cout % groups || !kh || !kw || !sh ||
        !sw || !dh || !dw)
        return IMFILT_EINVAL;
    if (dtype != IMFILT_F32 && dtype != IMFILT_F64) return IMFILT_EDTYPE;
    /* any oh, ow is memory-safe: rows are read through the zero padding of fill_phases */
    if (n == 0 || cout == 0 || oh == 0 || ow == 0) return IMFILT_OK;
    const conv_geom g = {h, wd, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw};
    const imfilt_conv_table *T = IMFILT_ISA_ACTIVE(imfilt_conv_table, imfilt_conv);
    const size_t cin = c / groups, cpg = cout / groups;
    /* depthwise kernel when each output plane reads one input plane and too few outputs share
       it to fill a GEMM tile; otherwise the GEMM (same arithmetic order either way) */
    const int depthwise = cin == 1 && cpg < (dtype == IMFILT_F32 ? T->gemm_ocb_f32 : T->gemm_ocb_f64);
    if (dtype == IMFILT_F32) {
        if (depthwise) return depthwise_f32(T, x, w, bias, y, n, c, cout, &g, threads);
        return dense_f32(T, x, w, bias, y, n, c, cout, groups, &g, threads);
    }
    if (depthwise) return depthwise_f64(T, x, w, bias, y, n, c, cout, &g, threads);
    return dense_f64(T, x, w, bias, y, n, c, cout, groups, &g, threads);
}

int imfilt_filter2d(const imfilt_image *src, imfilt_image *dst, const double *k, size_t kh,
                    size_t kw, size_t ay, size_t ax, double delta, int border, double cval,
                    int threads) {
    int st = k ? imfilt_check_window(kh, kw, ay, ax) : IMFILT_EINVAL;
    if (!st) st = imfilt_check_border(border);
    if (!st) st = imfilt_check_images(src, dst, 1);
    if (st || imfilt_is_empty(src)) return st;
    /* float64 images accumulate in double, everything else in float */
    if (src->dtype == IMFILT_F64)
        return filter2d_run_f64(src, dst, k, kh, kw, ay, ax, delta, border, cval, threads);
    return filter2d_run_f32(src, dst, k, kh, kw, ay, ax, delta, border, cval, threads);
}
