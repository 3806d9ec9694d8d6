/* Software prefetch of the rows a driver will touch a few rows from now. Hardware prefetchers
   follow sequential streams; a driver that reads a tile of each row, or several rows at once
   while writing another, leaves them behind, and a call whose image has left the caches (the
   usual case between calls of a pipeline) then waits on memory for every line. Prefetching
   into L2 (locality 2) hides that latency without crowding L1, where the row buffers live. */
#ifndef IMFILT_PREFETCH_H
#define IMFILT_PREFETCH_H
#include <stddef.h>

/* Rows ahead of the one being processed (a few microseconds of work on a 1080p row). */
#define IMFILT_PREFETCH_ROWS 8

static inline void imfilt_prefetch_read(const void *p, size_t bytes) {
    const char *c = (const char *)p;
    for (size_t b = 0; b < bytes; b += 64) __builtin_prefetch(c + b, 0, 2);
}

static inline void imfilt_prefetch_write(void *p, size_t bytes) {
    char *c = (char *)p;
    for (size_t b = 0; b < bytes; b += 64) __builtin_prefetch(c + b, 1, 2);
}

#endif
