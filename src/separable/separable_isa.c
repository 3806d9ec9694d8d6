/* Hot row loops of the separable filters, compiled once per ISA level (see CMakeLists.txt):
   IMFILT_VEC_BYTES is the vector width of the level and IMFILT_ISA_SUFFIX names its table.
   The loops are written with the vector types of src/simd/vec.h or as plain loops the
   compiler vectorises, so the same source is SSE2, AVX2 or AVX-512 code depending only on the
   flags. Float work types: rows_tmpl.h, boxsum_tmpl.h, convert_tmpl.h; the uint8 Gaussian's
   exact row pass: rows_u8.h; uint16 lanes of 8-bit box sums: rows_u16.h. */
#include <string.h>
#include <stdlib.h>
#include <stdint.h>
#include <float.h>
#include "separable.h"
#include "simd/vec.h"

/* FMA_W(a, b, c) = a * b + c as the vector loops compute it: GCC contracts the vector
   `acc += x * k` into one fused multiply-add on levels with FMA (-ffp-contract=fast), so the
   scalar tails must fuse too -- else a sample's last bit would depend on whether its column
   falls in a row's vector body or its tail; without FMA hardware both round twice. */
#ifdef __FMA__
#define FMA_W(a, b, c) _Generic((a), float: __builtin_fmaf, double: __builtin_fma)(a, b, c)
#else
#define FMA_W(a, b, c) ((a) * (b) + (c))
#endif

/* How store_<WS>_<PS> turns sums into pixels (the STORE key of convert_tmpl.h). */
#define SEP_STORE_RULE 1      /* integer pixels: the imfilt_out_rule, a vector at a time */
#define SEP_STORE_SCALE 2     /* float pixels: the sum times the rule's scale */
#define SEP_STORE_CAST 3      /* int64 window sums (mean with normalize=False): exact, cast */
#define SEP_STORE_SATURATE 4  /* uint16 sums of 1x1 windows to uint8 (OpenCV copies them) */

#include "separable/rows_instances.h"
#include "separable/boxsum_instances.h"
#include "separable/convert_instances.h"
#include "rows_u16.h"
#include "rows_u8.h"

const imfilt_separable_table IMFILT_ISA_TABLE(imfilt_separable) = {
    .name = IMFILT_ISA_LEVEL_NAME,
    .load_f32 = {[IMFILT_U8] = load_f32_u8, [IMFILT_U16] = load_f32_u16, [IMFILT_I16] = load_f32_i16,
                 [IMFILT_F32] = load_f32_f32, [IMFILT_F64] = load_f32_f64, [IMFILT_I64] = load_f32_i64},
    .load_f64 = {[IMFILT_U8] = load_f64_u8, [IMFILT_U16] = load_f64_u16, [IMFILT_I16] = load_f64_i16,
                 [IMFILT_F32] = load_f64_f32, [IMFILT_F64] = load_f64_f64, [IMFILT_I64] = load_f64_i64},
    .store_f32 = {[IMFILT_U8] = store_f32_u8, [IMFILT_U16] = store_f32_u16, [IMFILT_I16] = store_f32_i16,
                  [IMFILT_F32] = store_f32_f32, [IMFILT_F64] = store_f32_f64, [IMFILT_I64] = store_f32_i64},
    .store_f64 = {[IMFILT_U8] = store_f64_u8, [IMFILT_U16] = store_f64_u16, [IMFILT_I16] = store_f64_i16,
                  [IMFILT_F32] = store_f64_f32, [IMFILT_F64] = store_f64_f64, [IMFILT_I64] = store_f64_i64},
    .conv_f32 = conv_f32, .conv_f64 = conv_f64,
    .boxsum_f32 = boxsum_f32, .boxsum_f64 = boxsum_f64,
    .slide_f32 = slide_f32, .slide_f64 = slide_f64,
    /* uint16 lanes: only what the 8-bit box filter needs */
    .load_u16 = {[IMFILT_U8] = load_u16_u8},
    .store_u16 = {[IMFILT_U8] = store_u16_u8, [IMFILT_I64] = store_u16_i64},
    .conv_u16 = conv_u16, .boxsum_u16 = boxsum_u16, .slide_u16 = slide_u16,
    .rowconv_u8_f32 = rowconv_u8_f32, .colconv_u8_f32 = colconv_u8_f32,
};
