/* Thread policy shared by every driver: OpenMP over horizontal strips, small images on one
   thread, results never depending on the thread count (drivers partition work so that every
   output sample is computed by the same arithmetic whichever thread owns it).
   Rows are split only by imfilt_team_rows (over the team that runs, never the count asked
   for), and long loops ask imfilt_stopped between units of work (Ctrl-C). */
#ifndef IMFILT_PARALLEL_H
#define IMFILT_PARALLEL_H
#include <stddef.h>
#include <stdint.h>
#include "imfilt.h"
#include "portable.h"
#ifdef _OPENMP
#include <omp.h>
#endif

/* Work is counted in samples times a driver's weight (about 0.1 ns of one core each).
   Below this much work a second thread costs more than it saves. */
#define IMFILT_MIN_PARALLEL_WORK ((size_t)1 << 16)
/* threads=None (all cores): below this much work (a few hundred microseconds) a call also
   stays on one thread unless imfilt ran within IMFILT_RECENT_NS: after that the OpenMP
   threads have stopped spinning and sleep, and waking them (25-90 us, at times milliseconds
   on a VM, measured) costs more than a short job saves. Calls in a loop keep the threads
   awake and run in parallel; an explicit thread count is always honoured. */
#define IMFILT_QUICK_WORK ((size_t)1 << 22)
#define IMFILT_RECENT_NS ((uint64_t)2000000)

/* The requested count (threads <= 0: all cores), or 1 when the job is too small
   (!big_enough, the caller's own minimum) or a quick job finds the threads asleep; marks the
   call (imfilt_mark_call). Every driver's choice goes through here. */
static inline int imfilt_policy_threads(int requested, size_t work, int big_enough) {
#ifdef _OPENMP
    int t = requested > 0 ? requested : imfilt_max_threads();
#else
    int t = 1; /* built without OpenMP: one thread whatever was asked */
#endif
    const uint64_t since = imfilt_mark_call();
    if (!big_enough) t = 1;
    if (requested <= 0 && work < IMFILT_QUICK_WORK && since > IMFILT_RECENT_NS) t = 1;
    return t;
}

/* threads <= 0: all cores (see IMFILT_QUICK_WORK); never more threads than strips of 8 rows.
   row_samples: the work of one row (samples times the driver's weight). */
static inline int imfilt_choose_threads(int requested, size_t height, size_t row_samples) {
    const size_t work = height * row_samples;
    int t = imfilt_policy_threads(requested, work, work >= IMFILT_MIN_PARALLEL_WORK);
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

/* This thread's rows [*y0, *y1) of `height`, inside a parallel region: strips over the team
   that actually runs (the runtime may give fewer threads than asked, and a build without
   OpenMP runs one), so every row has an owner. */
static inline void imfilt_team_rows(size_t height, size_t align, size_t *y0, size_t *y1) {
    imfilt_strip(height, imfilt_thread_id(), imfilt_team_size(), align, y0, y1);
}

/* A thread's failure (e.g. IMFILT_ENOMEM for its scratch), recorded for the whole region. */
static inline void imfilt_set_status(int *status, int code) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
    *status = code;
}

/* Interruption: has this call been asked to stop (IMFILT_EINTR in the region's status)?
   The calling thread (thread 0 of the team) polls the host's signal hook at most every
   IMFILT_POLL_NS (imfilt_poll_interrupt, src/core/dispatch.c); every thread reads the status, so
   the whole team leaves its loops within one unit of work. Ask between rows or tiles. */
static inline int imfilt_stopped(int *status) {
    if (imfilt_thread_id() == 0 && imfilt_poll_interrupt()) imfilt_set_status(status, IMFILT_EINTR);
    int s;
#ifdef _OPENMP
#pragma omp atomic read
#endif
    s = *status;
    return s != IMFILT_OK;
}

/* One thread's share of a parallel job: rows [y0, y1) of the job (never empty), `tid` the
   thread's index in the team (for per-thread scratch), `status` the job's shared status, to
   poll with imfilt_stopped between rows or tiles. Returns IMFILT_OK or an error code
   (e.g. IMFILT_ENOMEM for its scratch), which becomes the job's status. */
typedef int (*imfilt_strip_fn)(void *job, size_t y0, size_t y1, int tid, int *status);

/* Run `strip` over `height` rows split into one strip per thread of the team that runs
   (boundaries at multiples of `align`), on `threads` threads (from imfilt_choose_threads or
   imfilt_policy_threads). Every parallel region of the drivers is this call (or, for
   elementwise jobs cut into blocks, imfilt_parallel_blocks): every row has exactly one owner
   whatever team the runtime gives, and one build without OpenMP runs the whole job as one
   strip. Returns the job's status. */
static inline int imfilt_parallel_rows(size_t height, size_t align, int threads,
                                       imfilt_strip_fn strip, void *job) {
    int status = IMFILT_OK;
    if (height == 0) return status;
#ifdef _OPENMP
#pragma omp parallel num_threads(threads > 0 ? threads : 1) if (threads > 1)
#endif
    {
        size_t y0, y1;
        imfilt_team_rows(height, align, &y0, &y1);
        if (y0 < y1) {
            const int rc = strip(job, y0, y1, imfilt_thread_id(), &status);
            if (rc != IMFILT_OK) imfilt_set_status(&status, rc);
        }
    }
    (void)threads;
    return status;
}

/* One block of a job cut into blocks (imfilt_parallel_blocks): does block b and returns bits
   to OR into the job's result (e.g. "a negative sample was seen"). */
typedef unsigned (*imfilt_block_fn)(void *job, size_t b);

/* Run `block` over blocks [0, nblocks) on `threads` threads, handed out one at a time
   (dynamic: a thread that starts late on a busy machine, or runs slower, takes fewer), for
   elementwise jobs, where which thread does a block changes no value. Every thread asks
   imfilt_stopped before each block. One thread runs the blocks in order with no parallel
   region (small jobs pay nothing for OpenMP). *bits: the OR of the blocks' results. Returns
   the job's status. */
static inline int imfilt_parallel_blocks(size_t nblocks, int threads, imfilt_block_fn block,
                                         void *job, unsigned *bits) {
    int status = IMFILT_OK;
    unsigned acc = 0;
    if (threads <= 1) {
        for (size_t b = 0; b < nblocks && !imfilt_stopped(&status); b++) acc |= block(job, b);
    } else {
#ifdef _OPENMP
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1) reduction(|:acc)
#endif
        for (size_t b = 0; b < nblocks; b++)
            if (!imfilt_stopped(&status)) acc |= block(job, b);
    }
    *bits = acc;
    return status;
}

static inline size_t imfilt_dtype_size(int dtype) {
    static const size_t sizes[IMFILT_NTYPES] = {1, 2, 2, 4, 8, 8};
    return sizes[dtype];
}

#endif
