/* Hot loops of the minimum / maximum family, compiled once per ISA level (see CMakeLists.txt);
   the same source becomes SSE2, AVX2 or AVX-512 code depending only on the flags. One
   template (src/morph_tmpl.h) is instantiated per pixel type and operation. */
#include <string.h>
#include <stdint.h>
#include "morph_kernels.h"

/* Integers: the plain extremum. Floats: NaN propagates (a NaN operand gives NaN), which makes
   the operation associative and commutative on every value except the sign of zero. */
#define IMAX(a, b) ((a) > (b) ? (a) : (b))
#define IMIN(a, b) ((a) < (b) ? (a) : (b))
static inline float fmax_f32(float a, float b) { float t = a > b ? a : b; return a != a ? a : t; }
static inline float fmin_f32(float a, float b) { float t = a < b ? a : b; return a != a ? a : t; }
static inline double fmax_f64(double a, double b) { double t = a > b ? a : b; return a != a ? a : t; }
static inline double fmin_f64(double a, double b) { double t = a < b ? a : b; return a != a ? a : t; }


#define T uint8_t
#define TS u8
#define ON max
#define OP IMAX
#include "morph_tmpl.h"
#undef ON
#undef OP
#define ON min
#define OP IMIN
#include "morph_tmpl.h"
#undef ON
#undef OP
#undef T
#undef TS

#define T uint16_t
#define TS u16
#define ON max
#define OP IMAX
#include "morph_tmpl.h"
#undef ON
#undef OP
#define ON min
#define OP IMIN
#include "morph_tmpl.h"
#undef ON
#undef OP
#undef T
#undef TS

#define T int16_t
#define TS i16
#define ON max
#define OP IMAX
#include "morph_tmpl.h"
#undef ON
#undef OP
#define ON min
#define OP IMIN
#include "morph_tmpl.h"
#undef ON
#undef OP
#undef T
#undef TS

#define T float
#define TS f32
#define ON max
#define OP fmax_f32
#include "morph_tmpl.h"
#undef ON
#undef OP
#define ON min
#define OP fmin_f32
#include "morph_tmpl.h"
#undef ON
#undef OP
#undef T
#undef TS

#define T double
#define TS f64
#define ON max
#define OP fmax_f64
#include "morph_tmpl.h"
#undef ON
#undef OP
#define ON min
#define OP fmin_f64
#include "morph_tmpl.h"
#undef ON
#undef OP
#undef T
#undef TS

#define GATHER(bits) \
    static void gather##bits(void *d_, const void *s_, const ptrdiff_t *idx, size_t n) { \
        uint##bits##_t *d = d_; \
        const uint##bits##_t *s = s_; \
        for (size_t j = 0; j < n; j++) d[j] = s[idx[j]]; \
    }
GATHER(8)
GATHER(16)
GATHER(32)
GATHER(64)

/* [IMFILT_MORPH_MIN=0 | IMFILT_MORPH_MAX=1][dtype] */
#define ROW(fn) { \
    { fn##_min_u8, fn##_min_u16, fn##_min_i16, fn##_min_f32, fn##_min_f64, NULL }, \
    { fn##_max_u8, fn##_max_u16, fn##_max_i16, fn##_max_f32, fn##_max_f64, NULL } }

const imfilt_morph_kernels IMFILT_ISA_TABLE(imfilt_morph) = {
    .name = IMFILT_ISA_LEVEL_NAME,
    .op2 = ROW(op2),
    .op3 = ROW(op3),
    .vstep = ROW(vstep),
    .hrun = ROW(hrun),
    .gather = { gather8, gather16, gather32, gather64 },
};
