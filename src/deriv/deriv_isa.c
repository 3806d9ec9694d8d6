/* Hot loops of the derivative filters (sobel, scharr, laplacian, sep_filter2d, filter2d with
   an output dtype), compiled once per ISA level (CMakeLists.txt): plain loops over W lanes
   that the level's flags vectorise (deriv_rows_tmpl.h names the algorithm), and the stores
   of deriv_store_tmpl.h. */
#include <stdint.h>
#include <stddef.h>
#include <math.h>
#include "deriv.h"

/* the most taps a row or column loop unrolls (deriv_rows_tmpl.h) */
#define DERIV_UNROLL 5

/* a fused multiply-add wherever the level has one, in vector bodies and scalar tails alike
   (GCC contracts the vector form under -ffp-contract=fast), so no sample's last bit depends
   on where its column falls in a row */
#ifdef __FMA__
#define DERIV_FMA(k, x, s) _Generic((s), float: __builtin_fmaf, double: __builtin_fma)(k, x, s)
#else
#define DERIV_FMA(k, x, s) ((k) * (x) + (s))
#endif
/* round half to even in the default rounding mode, as cvRound */
#define DERIV_RINT(v) _Generic((v), float: __builtin_rintf, double: __builtin_rint)(v)

#include "deriv/deriv_rows_instances.h"
#include "deriv/deriv_store_instances.h"

#define DERIV_STORES(ws) { \
    [IMFILT_U8] = store_##ws##_u8, [IMFILT_U16] = store_##ws##_u16, \
    [IMFILT_I16] = store_##ws##_i16, [IMFILT_F32] = store_##ws##_f32, \
    [IMFILT_F64] = store_##ws##_f64 }

const imfilt_deriv_table IMFILT_ISA_TABLE(imfilt_deriv) = {
    .name = IMFILT_ISA_LEVEL_NAME,
    .row_i16 = row_i16, .row_i32 = row_i32, .row_f32 = row_f32, .row_f64 = row_f64,
    .col_i16 = col_i16, .col_i32 = col_i32, .col_f32 = col_f32, .col_f64 = col_f64,
    .store_i16 = DERIV_STORES(i16), .store_i32 = DERIV_STORES(i32),
    .store_f32 = DERIV_STORES(f32), .store_f64 = DERIV_STORES(f64),
};
