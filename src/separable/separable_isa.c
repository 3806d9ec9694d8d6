/* Hot row loops, compiled once per ISA level (see CMakeLists.txt): IMFILT_VEC_BYTES is the
   vector width of the level and IMFILT_ISA_SUFFIX names its table. The loops are written with
   GCC/Clang vector extensions or as plain loops the compiler vectorises, so the same source is
   SSE2, AVX2 or AVX-512 code depending only on the flags. */
#include <string.h>
#include <stdlib.h>
#include <stdint.h>
#include "separable.h"

/* RINT_W: round half to even without libm: adding and subtracting 1.5 * 2^(mantissa bits)
   leaves the nearest integer under the default rounding mode; valid for |v| < 2^22 (float) /
   2^51 (double), which holds after clamping to an integer pixel range. */

/* FMA_W(a, b, c) = a * b + c as the vector loops compute it: GCC contracts the vector
   `acc += x * k` into one fused multiply-add on levels with FMA (-ffp-contract=fast), so the
   scalar tails must fuse too -- else a sample's last bit would depend on whether its column
   falls in a row's vector body or its tail; without FMA hardware both round twice. */
#ifdef __FMA__
#define FMA_W(a, b, c) _Generic((a), float: __builtin_fmaf, double: __builtin_fma)(a, b, c)
#else
#define FMA_W(a, b, c) ((a) * (b) + (c))
#endif

#define WINT_f32 int32_t
#define WINT_f64 int64_t
#define W float
#define WS f32
#define RINT_W(v) ((v + 12582912.0f) - 12582912.0f)
#include "rows_tmpl.h"
#undef W
#undef WS
#undef RINT_W

#define W double
#define WS f64
#define RINT_W(v) ((v + 6755399441055744.0) - 6755399441055744.0)
#include "rows_tmpl.h"
#undef W
#undef WS
#undef RINT_W

#include "rows_u16.h"
#include "rows_u8.h"

#define TABLE_ROW(prefix, WS) { \
    prefix##_##WS##_u8, prefix##_##WS##_u16, prefix##_##WS##_i16, \
    prefix##_##WS##_f32, prefix##_##WS##_f64, prefix##_##WS##_i64 }

const imfilt_separable_table IMFILT_ISA_TABLE(imfilt_separable) = {
    .name = IMFILT_ISA_LEVEL_NAME,
    .load_f32 = TABLE_ROW(load, f32),
    .load_f64 = TABLE_ROW(load, f64),
    .store_f32 = TABLE_ROW(store, f32),
    .store_f64 = TABLE_ROW(store, f64),
    .conv_f32 = conv_f32, .conv_f64 = conv_f64,
    .boxsum_f32 = boxsum_f32, .boxsum_f64 = boxsum_f64,
    .slide_f32 = slide_f32, .slide_f64 = slide_f64,
    /* uint16 lanes: only what the 8-bit box filter needs */
    .load_u16 = {[IMFILT_U8] = load_u16_u8},
    .store_u16 = {[IMFILT_U8] = store_u16_u8, [IMFILT_I64] = store_u16_i64},
    .conv_u16 = conv_u16, .boxsum_u16 = boxsum_u16, .slide_u16 = slide_u16,
    .rowconv_u8_f32 = rowconv_u8_f32,
};
