/* Convolution hot loops, compiled once per ISA level (IMFILT_ISA_SOURCES in CMakeLists.txt):
   depthwise register tiles, the dense/pointwise GEMM micro-kernel and the filter2d correlation,
   for float and double (the instances of conv_tmpl.h). */
#include <string.h>
#include <stdint.h>
#include "conv.h"
#include "simd/vec.h"

/* GEMM micro-tile: GEMM_OCB output channels x GEMM_NV vectors of pixels in registers
   (AVX-512: 8 x 32 floats = 16 accumulators of 32 zmm; AVX2: 6 x 16 = 12 of 16 ymm;
   SSE2: 4 x 8 = 8 of 16 xmm, leaving room for the products without FMA). */
#if IMFILT_VEC_BYTES >= 64
#define GEMM_OCB 8
#elif IMFILT_VEC_BYTES >= 32
#define GEMM_OCB 6
#else
#define GEMM_OCB 4
#endif
#define GEMM_NV 2

/* Which taps the filter2d correlation multiplies: all, or only the nonzero ones. */
typedef enum { CONV_ALL_TAPS, CONV_SKIP_ZERO_TAPS } conv_taps;

#include "conv/conv_instances.h"

const imfilt_conv_table IMFILT_ISA_TABLE(imfilt_conv) = {
    .name = IMFILT_ISA_LEVEL_NAME,
    .dw_f32 = dw_f32, .gemm_f32 = gemm_f32, .corr_f32 = corr_f32, .corr2_f32 = corr2_f32, .deint2_f32 = deint2_f32,
    .gemm_ocb_f32 = GEMM_OCB, .gemm_nb_f32 = GEMM_NV * IMFILT_VLANES(float),
    .corr_nb_f32 = 4 * IMFILT_VLANES(float),
    .dw_f64 = dw_f64, .gemm_f64 = gemm_f64, .corr_f64 = corr_f64, .corr2_f64 = corr2_f64, .deint2_f64 = deint2_f64,
    .gemm_ocb_f64 = GEMM_OCB, .gemm_nb_f64 = GEMM_NV * IMFILT_VLANES(double),
    .corr_nb_f64 = 4 * IMFILT_VLANES(double),
};
