/* The uint8 Gaussian's row pass in uint16 lanes (exact fixed point). Its taps are integers
   >= 0 summing to at most 256 (OpenCV's 8-bit quantisation, imfilt/smooth.py), so every partial
   sum is at most 255 * 256 < 2^16: the row pass is exact in uint16, twice the pixels per
   vector of float32, and reads the uint8 row itself (no float copy of the input). The float
   column pass then takes the rows as it takes any other (exact integers < 2^24). Included by
   separable_isa.c. */

typedef uint8_t vec_b __attribute__((vector_size(IMFILT_VEC_BYTES / 2)));
typedef uint16_t vec_w __attribute__((vector_size(IMFILT_VEC_BYTES)));
#define VLW (IMFILT_VEC_BYTES / 2)

/* VLW uint8 -> uint16 lanes in one vpmovzxbw where the level has it (GCC splits the generic
   __builtin_convertvector of a full vector into halves and inserts) */
#if IMFILT_VEC_BYTES == 64 && defined(__AVX512BW__)
#include <immintrin.h>
static inline vec_w ld_widen(const uint8_t *p) {
    return (vec_w)_mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)p));
}
#elif IMFILT_VEC_BYTES == 32 && defined(__AVX2__)
#include <immintrin.h>
static inline vec_w ld_widen(const uint8_t *p) {
    return (vec_w)_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)p));
}
#else
static inline vec_w ld_widen(const uint8_t *p) {
    vec_b b;
    memcpy(&b, p, sizeof b);
    return __builtin_convertvector(b, vec_w);
}
#endif

/* dst[x] = sum_i k[i] * ext[x + i * step] for x < n; sym: k[i] == k[ks - 1 - i] (ks odd) */
static void rowconv_u8_f32(const uint8_t *ext, const uint16_t *k, size_t ks, int sym,
                           size_t step, float *dst, size_t n) {
    const size_t c = ks / 2;
    size_t x = 0;
    for (; x + VLW <= n; x += VLW) {
        const uint8_t *p = ext + x;
        vec_w a;
        if (sym) {
            a = ld_widen(p + c * step) * k[c];
            for (size_t j = 0; j < c; j++)
                a += (ld_widen(p + j * step) + ld_widen(p + (ks - 1 - j) * step)) * k[j];
        } else {
            a = ld_widen(p) * k[0];
            for (size_t j = 1; j < ks; j++) a += ld_widen(p + j * step) * k[j];
        }
        uint16_t s[VLW];
        memcpy(s, &a, sizeof a);
        for (size_t i = 0; i < VLW; i++) dst[x + i] = (float)s[i];
    }
    for (; x < n; x++) {  /* integers: the same sums exactly */
        unsigned a = 0;
        for (size_t j = 0; j < ks; j++) a += (unsigned)k[j] * ext[x + j * step];
        dst[x] = (float)a;
    }
}
#undef VLW
