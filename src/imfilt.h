/* imfilt C core: public entry points, status codes, enums. Plain C11, no Python headers. */
#ifndef IMFILT_H
#define IMFILT_H
#include <stddef.h>
#include <stdint.h>

typedef enum {
    IMFILT_OK = 0,
    IMFILT_ENOMEM = 1,    /* scratch allocation failed */
    IMFILT_EINVAL = 2,    /* argument the Python layer should have refused */
    IMFILT_EDTYPE = 3,    /* dtype not supported by this entry */
} imfilt_status;

/* Pixel types; the order is shared with imfilt/_normalize.py (DTYPE_CODES). */
typedef enum {
    IMFILT_U8 = 0, IMFILT_U16 = 1, IMFILT_I16 = 2, IMFILT_F32 = 3, IMFILT_F64 = 4,
    IMFILT_I64 = 5, /* output only: window sums of mean(normalize=False) */
    IMFILT_NTYPES = 6
} imfilt_dtype;

/* Border modes; the order is shared with imfilt/_normalize.py (BORDER_CODES). */
typedef enum {
    IMFILT_BORDER_REFLECT101 = 0, IMFILT_BORDER_REFLECT = 1, IMFILT_BORDER_REPLICATE = 2,
    IMFILT_BORDER_CONSTANT = 3, IMFILT_BORDER_WRAP = 4
} imfilt_border;

/* An image as the binding hands it over: rows of `width * channels` contiguous elements,
   `row_stride` bytes apart (may be negative). */
typedef struct {
    void *data;
    ptrdiff_t row_stride;
    size_t height, width, channels;
    int dtype;
} imfilt_image;

/* Work (accumulator) types of the separable engine. */
typedef enum { IMFILT_WORK_F32 = 0, IMFILT_WORK_F64 = 1, IMFILT_WORK_U16 = 2 } imfilt_work;

/* How the separable engine turns an accumulated value v into an output pixel. */
typedef enum {
    IMFILT_OUT_CAST = 0,        /* (T)(v * scale)                                        */
    IMFILT_OUT_FLOOR_SHIFT = 1, /* saturate(floor((v + bias) * scale)): fixed point >> n */
    IMFILT_OUT_ROUND = 2,       /* saturate(round_half_even(v * scale))                  */
    IMFILT_OUT_BOX8 = 3,        /* OpenCV's 8-bit box: ((int)v + delta) * mul >> 23     */
} imfilt_out_mode;

typedef struct {
    int mode;
    double bias, scale;
    int32_t box_delta, box_mul;
    int scale_in_float; /* ROUND: compute (float)v * (float)scale, as OpenCV's SIMD does */
    size_t tail_block;  /* ROUND + scale_in_float: the last (row length mod tail_block) samples
                           of each row use the double product, as OpenCV's scalar tail does */
} imfilt_out_rule;

/* Separable correlation: out = rule(sum_j ky[j] sum_i kx[i] in[y - ay + j, x - ax + i]). */
int imfilt_sepfilter(const imfilt_image *src, imfilt_image *dst,
                     const double *kx, size_t kw, size_t ax,
                     const double *ky, size_t kh, size_t ay,
                     int border, double cval, int work,
                     const imfilt_out_rule *rule, int threads);

/* Box sums by running sums: out = rule(sum of the kh x kw window anchored at (ay, ax)). */
int imfilt_boxfilter(const imfilt_image *src, imfilt_image *dst,
                     size_t kw, size_t ax, size_t kh, size_t ay,
                     int border, double cval, int work,
                     const imfilt_out_rule *rule, int threads);

/* ---- median (src/median.c) ----
   out = the median of the kh x kw window (both odd) centred on each pixel, per channel;
   floats order NaN above +inf. */
int imfilt_median(const imfilt_image *src, imfilt_image *dst, size_t kh, size_t kw,
                  int border, double cval, int threads);

/* CPU dispatch (src/dispatch.c). */
const char *imfilt_isa_name(void);          /* level in use */
const char *imfilt_isa_built(void);         /* comma-separated levels compiled in */
const char *imfilt_isa_supported(void);     /* comma-separated levels this CPU runs */
int imfilt_isa_select(const char *request); /* 0 ok, -1 unknown name; called once at import */
const char *imfilt_compiler(void);
int imfilt_openmp_enabled(void);
int imfilt_max_threads(void);

#endif
