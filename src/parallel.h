/* Thread policy shared by every driver: OpenMP over horizontal strips, small images on one
   thread, results never depending on the thread count (drivers partition work so that every
   output sample is computed by the same arithmetic whichever thread owns it). */
#ifndef IMFILT_PARALLEL_H
#define IMFILT_PARALLEL_H
#include <stddef.h>
#include "imfilt.h"
#ifdef _OPENMP
#include <omp.h>
#endif

/* Below this many samples a second thread costs more than it saves. */
#define IMFILT_MIN_PARALLEL_SAMPLES ((size_t)1 << 16)

/* threads <= 0: all cores; never more threads than strips of 8 rows. */
static inline int imfilt_choose_threads(int requested, size_t height, size_t row_samples) {
    int t = requested > 0 ? requested : imfilt_max_threads();
    if (height * row_samples < IMFILT_MIN_PARALLEL_SAMPLES) t = 1;
    if ((size_t)t > height / 8) t = height / 8 > 0 ? (int)(height / 8) : 1;
    return t < 1 ? 1 : t;
}

static inline int imfilt_thread_id(void) {
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* Threads in the current team (the runtime may give fewer than requested). */
static inline int imfilt_team_size(void) {
#ifdef _OPENMP
    return omp_get_num_threads();
#else
    return 1;
#endif
}

/* Rows [*y0, *y1) of strip `part` out of `parts`, boundaries rounded to multiples of `align`. */
static inline void imfilt_strip(size_t height, int part, int parts, size_t align,
                                size_t *y0, size_t *y1) {
    size_t a = align ? align : 1;
    size_t blocks = (height + a - 1) / a;
    size_t b0 = blocks * (size_t)part / (size_t)parts, b1 = blocks * (size_t)(part + 1) / (size_t)parts;
    *y0 = b0 * a < height ? b0 * a : height;
    *y1 = b1 * a < height ? b1 * a : height;
}

/* A thread's failure (e.g. IMFILT_ENOMEM for its scratch), recorded for the whole region. */
static inline void imfilt_set_status(int *status, int code) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
    *status = code;
}

static inline size_t imfilt_dtype_size(int dtype) {
    static const size_t sizes[IMFILT_NTYPES] = {1, 2, 2, 4, 8, 8};
    return sizes[dtype];
}

#endif
