/* Tone family (lookup tables, gamma): the per-ISA kernel table shared by the driver
   (src/tone/tone.c, compiled once) and the hot loops (src/tone/tone_isa.c, compiled once per
   ISA level). */
#ifndef IMFILT_TONE_H
#define IMFILT_TONE_H
#include <stdint.h>
#include "core/imfilt.h"
#include "core/isa.h"

/* Element sizes (bytes) handled: 1, 2, 4, 8, 16 -> index 0..4. */
#define IMFILT_LUT_NSIZES 5

/* A 256-entry table prepared once per call by the driver.
   - table: the caller's table, entry (v, c) of elem_size bytes at (v * channels + c) * elem_size.
   - planes (only when channels <= the kernel table's lut8_plane_channels[size]): the table split
     into byte planes, byte b of entry (v, c) at planes[(c * elem_size + b) * 256 + v], 64-byte
     aligned, so that SIMD byte permutes can look up every byte of an entry independently. */
typedef struct {
    const void *table;
    const uint8_t *planes;
    size_t channels;
} imfilt_lut8_plan;

/* Constants of the float32 power x ** g * gain (see tone_isa.c for the algorithm). */
typedef struct {
    float g, gain;
    float g_hi, g_lo; /* g split in two 12-bit halves: g_hi * e and g_lo * e exact for |e| < 2^12 */
    int odd_int;      /* g is an odd integer: (-0) ** g == -0 */
} imfilt_pow_params;

/* The largest gamma the polynomial float32 pow serves (its measured error stays below 1e-6
   relative there); larger gammas take the libm path. */
#define IMFILT_POW_FAST_MAX_GAMMA 16.0f

typedef struct {
    const char *name;
    /* dst[i] = entry (src[i], i mod channels) of p->table, for n elements (a multiple of
       channels, starting at channel 0). dst may equal src (in place) when the entry size is 1. */
    void (*lut8[IMFILT_LUT_NSIZES])(const uint8_t *src, void *dst, size_t n,
                                    const imfilt_lut8_plan *p);
    /* Largest table channel count for which lut8[size index] reads p->planes (0: never); the
       driver builds the planes only then. */
    uint8_t lut8_plane_channels[IMFILT_LUT_NSIZES];
    /* The same with 65536-entry tables for uint16 images. */
    void (*lut16[IMFILT_LUT_NSIZES])(const uint16_t *src, void *dst, size_t n,
                                     const void *table, size_t channels);
    /* dst[i] = src[i] ** g * gain (float32, NumPy semantics for 0, 1, inf, NaN, g == 0);
       returns nonzero when some src[i] < 0. dst may equal src. */
    int (*pow_f32)(const float *src, float *dst, size_t n, const imfilt_pow_params *p);
    /* nonzero when some sample is < 0 (NaN and -0 are not): float32, float64 */
    int (*negative_f32)(const float *src, size_t n);
    int (*negative_f64)(const double *src, size_t n);
} imfilt_tone_table;

#endif
