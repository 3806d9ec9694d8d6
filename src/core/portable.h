/* The platform-specific calls of the C core, in one place: a monotonic clock, aligned
   allocation and the CPU feature query. Everything else in src/ is ISO C11 plus GNU vector
   extensions (GCC, clang, Apple clang, clang-cl). A new toolchain starts here. */
#ifndef IMFILT_PORTABLE_H
#define IMFILT_PORTABLE_H
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#if defined(_WIN32)
#include <malloc.h>
#include <windows.h>
#else
#include <time.h>
#endif

/* Storage for one value per thread. */
#if defined(_MSC_VER) && !defined(__clang__)
#define IMFILT_THREAD_LOCAL __declspec(thread)
#else
#define IMFILT_THREAD_LOCAL _Thread_local
#endif

/* Nanoseconds of a monotonic clock (only differences are meaningful). */
static inline uint64_t imfilt_now_ns(void) {
#if defined(_WIN32)
    LARGE_INTEGER f, c;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (uint64_t)((double)c.QuadPart * 1e9 / (double)f.QuadPart);
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}

/* `size` bytes aligned to `align` (a power of two); release with imfilt_aligned_free. */
static inline void *imfilt_aligned_alloc(size_t align, size_t size) {
    const size_t rounded = (size + align - 1) / align * align; /* C11 wants a multiple */
#if defined(_WIN32)
    return _aligned_malloc(rounded ? rounded : align, align);
#else
    return aligned_alloc(align, rounded ? rounded : align);
#endif
}
static inline void imfilt_aligned_free(void *p) {
#if defined(_WIN32)
    _aligned_free(p);
#else
    free(p);
#endif
}

/* CPU features of the x86-64 levels (AVX2 = AVX2 + FMA; AVX-512 = F, BW, VL, DQ, VBMI);
   0 on other architectures. */
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#if defined(_MSC_VER)  /* clang-cl: no compiler-rt CPU model; ask cpuid and the OS (xgetbv) */
#include <intrin.h>
static inline int imfilt_cpuid_bit(int leaf, int reg, int bit) {
    int r[4];
    __cpuidex(r, leaf, 0);
    return (r[reg] >> bit) & 1;
}
static inline int imfilt_cpu_has_avx2(void) {
    const int os_avx = imfilt_cpuid_bit(1, 2, 27) && (_xgetbv(0) & 6) == 6;
    return os_avx && imfilt_cpuid_bit(7, 1, 5) && imfilt_cpuid_bit(1, 2, 12);
}
static inline int imfilt_cpu_has_avx512(void) {
    const int os_zmm = imfilt_cpu_has_avx2() && (_xgetbv(0) & 0xe6) == 0xe6;
    return os_zmm && imfilt_cpuid_bit(7, 1, 16) && imfilt_cpuid_bit(7, 1, 30) &&
           imfilt_cpuid_bit(7, 1, 31) && imfilt_cpuid_bit(7, 1, 17) && imfilt_cpuid_bit(7, 2, 1);
}
#else  /* GCC, clang: the compiler's CPU model (cpuid and OS support, checked once) */
static inline int imfilt_cpu_has_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
static inline int imfilt_cpu_has_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vbmi") && imfilt_cpu_has_avx2();
}
#endif
#else
static inline int imfilt_cpu_has_avx2(void) { return 0; }
static inline int imfilt_cpu_has_avx512(void) { return 0; }
#endif

#endif
