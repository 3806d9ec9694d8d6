/* imfilt C core: public entry points, status codes, enums. Plain C11, no Python headers. */
#ifndef IMFILT_H
#define IMFILT_H
#include <stddef.h>
#include <stdint.h>

typedef enum imfilt_status {
    IMFILT_OK = 0,
    IMFILT_ENOMEM = 1,    /* scratch allocation failed */
    IMFILT_EINVAL = 2,    /* argument the Python layer should have refused */
    IMFILT_EDTYPE = 3,    /* dtype not supported by this entry */
    IMFILT_EINTR = 4,     /* stopped early: the interrupt hook reported a pending signal */
} imfilt_status;

/* Pixel types; the order is shared with imfilt/_normalize.py (DTYPE_CODES). */
typedef enum imfilt_dtype {
    IMFILT_U8 = 0, IMFILT_U16 = 1, IMFILT_I16 = 2, IMFILT_F32 = 3, IMFILT_F64 = 4,
    IMFILT_I64 = 5, /* output only: window sums of mean(normalize=False) */
    IMFILT_NTYPES = 6
} imfilt_dtype;

/* Border modes; the order is shared with imfilt/_normalize.py (BORDER_CODES). */
typedef enum imfilt_border {
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
typedef enum imfilt_work { IMFILT_WORK_F32 = 0, IMFILT_WORK_F64 = 1, IMFILT_WORK_U16 = 2 } imfilt_work;

/* How the separable engine turns an accumulated value v into an output pixel. */
typedef enum imfilt_out_mode {
    IMFILT_OUT_CAST = 0,        /* (T)(v * scale)                                        */
    IMFILT_OUT_FLOOR_SHIFT = 1, /* saturate(floor((v + bias) * scale)): fixed point >> n */
    IMFILT_OUT_ROUND = 2,       /* saturate(round_half_even(v * scale))                  */
    IMFILT_OUT_BOX8 = 3,        /* OpenCV's 8-bit box: ((int)v + delta) * mul >> 23     */
} imfilt_out_mode;

typedef struct {
    int mode;
    double bias, scale;
    int32_t box_delta, box_mul;
    uint16_t box_mul16; /* BOX8 in 16-bit lanes: min(((s + delta) * mul16) >> (16 + shift16),   */
    int box_shift16;    /* 255), equal on every sum s (smooth.box8_mulhi); 0: 32-bit products */
    int scale_in_float; /* ROUND: compute (float)v * (float)scale, as OpenCV's SIMD does */
    size_t tail_block;  /* ROUND + scale_in_float: the last (row length mod tail_block) samples
                           of each row use the double product, as OpenCV's scalar tail does */
    size_t tail_pad[2]; /* samples OpenCV saw before / after each row (wrap is OpenCV run on a
                           padded copy): the tail is at the end of that longer row */
} imfilt_out_rule;

/* First sample of a row of n that OpenCV's scalar tail rounds (n: none); see tail_block. */
static inline size_t imfilt_tail_from(const imfilt_out_rule *rule, size_t n) {
    if (!rule->tail_block) return n;
    const size_t len = rule->tail_pad[0] + n + rule->tail_pad[1];
    const size_t start = len - len % rule->tail_block;     /* in the padded row */
    if (start <= rule->tail_pad[0]) return 0;
    return start - rule->tail_pad[0] < n ? start - rule->tail_pad[0] : n;
}

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

/* ---- derivatives (src/deriv/deriv.c) ----
   Work types of imfilt_deriv: int16 / int32 lanes (uint8 images, integer taps and delta; the
   sums wrap modulo 2^16 / 2^32: int16 only where none leaves it), float32, float64. */
typedef enum imfilt_deriv_work {
    IMFILT_DERIV_I16 = 0, IMFILT_DERIV_I32 = 1, IMFILT_DERIV_F32 = 2, IMFILT_DERIV_F64 = 3
} imfilt_deriv_work;

/* out = saturate(delta + sum over terms t < nterms (1 or 2) of
   sum_j ky[t][j] sum_i kx[t][i] in[y - ay + j, x - ax + i]) per channel, in the work type;
   dst has src's shape and any pixel type (floats to integers rounded half to even). */
int imfilt_deriv(const imfilt_image *src, imfilt_image *dst, size_t nterms,
                 const double *const *kx, const double *const *ky, size_t kw, size_t ax,
                 size_t kh, size_t ay, double delta, int border, double cval, int work,
                 int threads);

/* ---- HOG descriptors (src/hog/hog.c) ---- */
typedef enum imfilt_hog_norm {
    IMFILT_HOG_NORM_L2HYS_CV = 0, /* OpenCV: float, eps 0.1 * len then 1e-3 added to the norm */
    IMFILT_HOG_NORM_L1 = 1, IMFILT_HOG_NORM_L1SQRT = 2, IMFILT_HOG_NORM_L2 = 3,
    IMFILT_HOG_NORM_L2HYS = 4,    /* scikit-image: double, eps 1e-5 (squared inside the root) */
    IMFILT_HOG_NORM_NONE = 5
} imfilt_hog_norm;

typedef struct {
    size_t nbins;
    int signed_gradient;       /* OpenCV: orientations over 360 degrees */
    int gamma;                 /* square root of the intensities before differencing */
    size_t pad_y, pad_x;       /* OpenCV: frame around the image, read with reflect101 */
    size_t cell_h, cell_w;     /* pixels */
    size_t block_h, block_w;   /* OpenCV: pixels; scikit-image: cells per block */
    size_t stride_y, stride_x; /* OpenCV: block stride in pixels; scikit-image: unused (1 cell) */
    double win_sigma;          /* OpenCV: sigma of the block's gaussian weights (> 0) */
    int norm;                  /* imfilt_hog_norm */
    double threshold;          /* L2-Hys clipping value */
    int out_dtype;             /* scikit-image: IMFILT_F32 or IMFILT_F64 output */
    int column_major;          /* OpenCV: blocks out[bx][by] (one window's order) */
} imfilt_hog_params;

/* OpenCV: the normalised histogram of every block, computed once, over the image framed by the
   padding (reflect101): out float32 [n_blocks_y][n_blocks_x][(cx * ncy + cy) * nbins + bin],
   n_blocks = (size + 2 pad - block) / stride + 1. */
int imfilt_hog_blocks(const imfilt_image *src, const imfilt_hog_params *p, float *out,
                      int threads);
/* OpenCV: hog's windows gathered from a block grid: out[w][j][i][0 .. len) =
   grid[wy * step[0] + wx * step[1] + j * step[2] + i * step[3] + (0 .. len)] for window
   w = wy * nwx + wx, block column j < nbj, block row i < nbi (steps in floats). */
int imfilt_hog_windows(const float *grid, const size_t step[4], size_t nwy, size_t nwx,
                       size_t nbj, size_t nbi, size_t len, float *out, int threads);
/* scikit-image, step 1: cells[cy][cx][bin] = float32 sums, in raster order, of the magnitudes
   voting for the bin (not divided by the cell area). A pixel whose bin only NumPy's arctan2 can
   decide is listed in *amb (malloc'd, free() it; 4 doubles per pixel: y, x, dy, dx; *amb_count
   of them) and its cell row is not final. Then call again with those pixels' positions
   pos = y * width + x (ascending) and NumPy's orientations orient (degrees, mod 180): only the
   cell rows holding them are summed again (npos = 0: the first call). */
int imfilt_hog_cells(const imfilt_image *src, const imfilt_hog_params *p, float *cells,
                     const int64_t *pos, const double *orient, size_t npos, double **amb,
                     size_t *amb_count, int threads);
/* scikit-image, step 2: out[by][bx][r][c][bin] = blocks of block_h x block_w final cells
   (stride one cell), normalised by p->norm in double, stored as p->out_dtype. */
int imfilt_hog_cell_blocks(const float *cells, size_t ncy, size_t ncx,
                           const imfilt_hog_params *p, void *out, int threads);
/* ---- convolution (src/conv/conv.c) ---------------------------------------------------------- */
/* conv2d on contiguous NCHW arrays of `dtype` (F32 or F64): x (n, c, h, wd), w (cout,
   c / groups, kh, kw), bias (cout) or NULL, y (n, cout, oh, ow);
   y[b, o, i, j] = bias[o] + sum w[o, ci, ky, kx] * x[b, g * c/groups + ci, i*sh + ky*dh - ph,
   j*sw + kx*dw - pw], zero outside x (ph, pw: top and left padding; the bottom/right padding is
   implied by oh, ow). */
int imfilt_conv2d(const void *x, const void *w, const void *bias, void *y, int dtype,
                  size_t n, size_t c, size_t h, size_t wd, size_t cout, size_t kh, size_t kw,
                  size_t groups, size_t sh, size_t sw, size_t ph, size_t pw, size_t dh, size_t dw,
                  size_t oh, size_t ow, int threads);

/* 2-D correlation (cv2.filter2D): out = round_sat(delta + sum_j sum_i k[j*kw + i]
   in[y - ay + j, x - ax + i]) per channel, k row-major kh x kw; dst has src's shape and dtype. */
int imfilt_filter2d(const imfilt_image *src, imfilt_image *dst, const double *k, size_t kh,
                    size_t kw, size_t ay, size_t ax, double delta, int border, double cval,
                    int threads);
/* ---- Minimum / maximum (src/morph/morph.c) ---------------------------------------------------- */
enum { IMFILT_MORPH_MIN = 0, IMFILT_MORPH_MAX = 1 };

/* out(y, x) = op over (i, j) in the window of in(y - ay + i, x - ax + j), op = min or max;
   the window is the kh x kw rectangle, or the nonzero cells of `footprint` (kh x kw, row-major)
   when it is not NULL. Floats: NaN is ignored (a window of NaN only gives NaN). */
int imfilt_morph(const imfilt_image *src, imfilt_image *dst, const uint8_t *footprint,
                 size_t kh, size_t kw, size_t ay, size_t ax, int op,
                 int border, double cval, int threads);
/* ---- Tone: lookup tables and gamma (src/tone/) ---- */
/* dst[y, x, c] = entry (src[y, x, c], table_channels > 1 ? c : 0) of `table`, entries being
   opaque elem_size-byte values (1, 2, 4, 8 or 16) stored row-major as (entries, table_channels):
   256 entries for a U8 src, 65536 for U16. table_channels is 1 or src->channels; dst->dtype is
   ignored. In place (dst->data == src->data) needs equal row strides and element sizes. */
int imfilt_lut(const imfilt_image *src, imfilt_image *dst, const void *table, size_t elem_size,
               size_t table_channels, int threads);
/* float32: dst = src ** (float)gamma * (float)gain with C/NumPy semantics for 0, inf, NaN and
   gamma == 0; *negative is set when some src sample is < 0 (dst is then unspecified, except in
   place: the input is checked first and left untouched). */
int imfilt_pow(const imfilt_image *src, imfilt_image *dst, double gamma, double gain,
               int threads, int *negative);
/* *found = 1 when some sample of a F32 / F64 image is < 0. */
int imfilt_any_negative(const imfilt_image *src, int threads, int *found);
/* ---- median (src/median/median.c) ----
   out = the median of the kh x kw window (both odd) centred on each pixel, per channel;
   floats order NaN above +inf. */
int imfilt_median(const imfilt_image *src, imfilt_image *dst, size_t kh, size_t kw,
                  int border, double cval, int threads);

/* CPU dispatch (src/core/dispatch.c). */
const char *imfilt_isa_name(void);          /* level in use */
const char *imfilt_isa_built(void);         /* comma-separated levels compiled in */
const char *imfilt_isa_supported(void);     /* comma-separated levels this CPU runs */
int imfilt_isa_select(const char *request); /* 0 ok, -1 unknown name; called once at import */
const char *imfilt_compiler(void);
int imfilt_openmp_enabled(void);
int imfilt_max_threads(void);
/* Nanoseconds since the previous call of this function (UINT64_MAX on the first); every
   filter's thread choice calls it once (src/core/parallel.h). */
uint64_t imfilt_mark_call(void);
/* Interruption: the host registers a hook (the binding: Python's PyErr_CheckSignals with the
   GIL; nonzero = stop). imfilt_poll_interrupt calls it from the calling thread at most every
   IMFILT_POLL_NS after the call's start (imfilt_mark_call), so short calls never call it. */
#define IMFILT_POLL_NS ((uint64_t)20000000)
void imfilt_set_interrupt_hook(int (*hook)(void));
int imfilt_poll_interrupt(void);

#endif
