/* Per-ISA kernel tables shared by every filter family.
   A file listed in IMFILT_ISA_SOURCES (CMakeLists.txt) is compiled once per level with that
   level's flags, IMFILT_VEC_BYTES (16, 32, 64) and IMFILT_ISA_SUFFIX (_baseline, _avx2,
   _avx512). It defines its table as
       const my_table IMFILT_ISA_TABLE(my_family) = { ... };
   and the family's driver (compiled once, no ISA flags) picks the active one with
       const my_table *t = IMFILT_ISA_ACTIVE(my_table, my_family);
   after declaring the instances with IMFILT_ISA_DECLARE(my_table, my_family).
   The level is chosen once at import by src/core/dispatch.c (IMFILT_CPU caps it). */
#ifndef IMFILT_ISA_H
#define IMFILT_ISA_H
#include <stddef.h>

#define IMFILT_CAT2(a, b) a##b
#define IMFILT_CAT(a, b) IMFILT_CAT2(a, b)
#define IMFILT_STR2(x) #x
#define IMFILT_STR(x) IMFILT_STR2(x)

#ifndef IMFILT_VEC_BYTES
#define IMFILT_VEC_BYTES 16
#endif
#ifndef IMFILT_ISA_SUFFIX
#define IMFILT_ISA_SUFFIX _baseline
#endif
/* "baseline", "avx2" or "avx512" inside an ISA-compiled file */
#define IMFILT_ISA_LEVEL_NAME (IMFILT_STR(IMFILT_ISA_SUFFIX) + 1)
#define IMFILT_ISA_TABLE(family) IMFILT_CAT(family, IMFILT_ISA_SUFFIX)

/* Index of the active level among baseline=0, avx2=1, avx512=2 (src/core/dispatch.c). */
int imfilt_isa_level(void);
/* The instance for the active level; higher levels are NULL when not built. */
const void *imfilt_isa_pick(const void *baseline, const void *avx2, const void *avx512);

#ifdef IMFILT_HAVE_AVX2
#define IMFILT_IF_AVX2(x) (x)
#else
#define IMFILT_IF_AVX2(x) NULL
#endif
#ifdef IMFILT_HAVE_AVX512
#define IMFILT_IF_AVX512(x) (x)
#else
#define IMFILT_IF_AVX512(x) NULL
#endif

#define IMFILT_ISA_DECLARE(type, family) \
    extern const type family##_baseline; extern const type family##_avx2; \
    extern const type family##_avx512
#define IMFILT_ISA_ACTIVE(type, family) \
    ((const type *)imfilt_isa_pick(&family##_baseline, IMFILT_IF_AVX2(&family##_avx2), \
                                   IMFILT_IF_AVX512(&family##_avx512)))

#endif
