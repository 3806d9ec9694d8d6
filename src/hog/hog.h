/* HOG family: the per-ISA table of row loops (src/hog/hog_isa.c, compiled once per level) used
   by the driver src/hog/hog.c. The driver decides which rows, blocks and threads; these loops
   only turn image rows into per-pixel orientation votes as fast as the level allows. */
#ifndef IMFILT_HOG_H
#define IMFILT_HOG_H
#include <stdint.h>
#include "core/imfilt.h"
#include "core/isa.h"

/* votes_sk's bin for a pixel whose bin only NumPy's arctan2 can decide (see src/hog/hog_isa.c) */
#define IMFILT_HOG_AMBIGUOUS 0xFFFEu
/* the bin of a NaN orientation: scikit-image's range tests all fail, so every bin adds it */
#define IMFILT_HOG_ALL_BINS 0xFFFCu

/* The exact directions, whose scikit-image bins sk_edge_bins tabulates in
   edge[kind * 4 + signbit(dx) * 2 + signbit(dy)] (atan2 there depends only on the signs). */
typedef enum {
    IMFILT_HOG_EDGE_DY0 = 0,  /* dy == 0 */
    IMFILT_HOG_EDGE_DX0 = 1,  /* dx == 0 */
    IMFILT_HOG_EDGE_DIAG = 2, /* |dx| == |dy| */
    IMFILT_HOG_EDGE_NONE = 3  /* any other direction: not in the table */
} imfilt_hog_edge_kind;
#define IMFILT_HOG_EDGE_BINS (4 * IMFILT_HOG_EDGE_NONE)

/* scikit-image's bin of orientation o (degrees in [0, 180), NumPy's value): i with
   per180 * i <= o < per180 * (i + 1), its two comparisons exactly; nbins when no bin holds o
   (per180 * nbins may round below 180), IMFILT_HOG_ALL_BINS for NaN. */
static inline uint16_t imfilt_hog_sk_bin(double o, size_t nbins, double per180) {
    if (o != o) return (uint16_t)IMFILT_HOG_ALL_BINS;
    double q = o / per180;
    size_t b = q > 0 ? (q < (double)nbins ? (size_t)q : nbins) : 0;
    while (b > 0 && o < per180 * (double)b) b--;
    while (b < nbins && o >= per180 * (double)(b + 1)) b++;
    return (uint16_t)b;
}

/* a block position's weights along one axis: up to two cells, each with its weight */
typedef struct imfilt_hog_axis_weight {
    size_t cell[2];
    float w[2];
    size_t count;
} imfilt_hog_axis_weight;

typedef struct imfilt_hog_table {
    const char *name;
    size_t lanes;     /* floats per vector: OpenCV block columns are padded to a multiple */
    /* planes[c][i] = f(row[map(i) * channels + c]) for i < n, where map(i) = base + i on
       [lo, hi) (one contiguous run) and xmap[i] elsewhere; f = sqrt when gamma, else identity.
       f32: every input type as float (OpenCV); f64: as double (scikit-image), except that
       float32 input is rooted in float, as NumPy does. */
    void (*load_f32[IMFILT_NTYPES])(const void *row, size_t channels, const ptrdiff_t *xmap,
                                    size_t n, size_t lo, size_t hi, ptrdiff_t base, int gamma,
                                    float *const *planes);
    void (*load_f64[IMFILT_NTYPES])(const void *row, size_t channels, const ptrdiff_t *xmap,
                                    size_t n, size_t lo, size_t hi, ptrdiff_t base, int gamma,
                                    double *const *planes);
    /* load_f32 of uint8 rows of several channels, the channels split in one pass over the
       pixels. */
    void (*load_u8_split)(const void *row, size_t channels, const ptrdiff_t *xmap, size_t n,
                          size_t lo, size_t hi, ptrdiff_t base, int gamma,
                          float *const *planes);
    /* OpenCV votes of one gradient row, pixels x < n: up/down[c][x] are the rows above and
       below, mid[c][x - 1 .. x + 1] the row itself. The channel of largest dx^2 + dy^2 wins
       (ties: the lowest channel for x < first_tail, the highest from there on, as OpenCV's
       vector body and scalar tail do); angle = OpenCV's fast atan in radians,
       a = angle * angle_scale - 0.5, bin = floor(a) mod nbins; at[x] = bin * plane + xat[x]
       and at[n + x] the same of the next bin (where rows_cv's P takes the two votes),
       w0 = mag * (1 - frac(a)) (0 when nbins == 1: OpenCV keeps only the second vote then),
       w1 = mag * frac(a). scratch: 2 * n floats. */
    void (*votes_cv)(const float *const *up, const float *const *mid, const float *const *down,
                     size_t channels, size_t n, size_t first_tail, float angle_scale,
                     int nbins, const uint32_t *xat, uint32_t plane, uint32_t *at, float *w0,
                     float *w1, float *scratch);
    /* OpenCV's row pass over one gradient row, the bins in planes and the block columns in
       vector lanes: P (nb * sx * kp floats of scratch) gets pixel x = sx * k + ph's votes
       w0[x] at P[at[x]] and w1[x] at P[at[n + x]] (at from votes_cv with
       xat[x] = ph * kp + k and plane = sx * kp: bin b's vote at P[(b * sx + ph) * kp + k]),
       every other entry 0; then R[(cx * nb + b) * nbxp + bx] = sum over e ascending of
       xwt[cx * bw + e] * P[b * sx * kp + xo[cx * bw + e] + bx] for bx < nbxp (a multiple of
       lanes; xo[.] = (j % sx) * kp + j / sx for the e-th position j of cell cx, xn[cx] of
       them, ascending): per bin the same sums as a scatter of the two votes. */
    void (*rows_cv)(const uint32_t *at, const float *w0, const float *w1, size_t n,
                    size_t nb, size_t sx, size_t kp, const size_t *xo, const float *xwt,
                    const size_t *xn, size_t bw, size_t ncx, size_t nbxp, float *P, float *R);
    /* OpenCV's column pass: acc[i] += wt * R[i] for i < n (a multiple of lanes). */
    void (*cols_cv)(const float *R, size_t n, float wt, float *acc);
    /* OpenCV's L2-Hys of nbxp blocks of len values (squares summed in 4 interleaved partial
       sums, ((p0 + p1) + (p2 + p3)), then the tail; h /= sqrt(sum) + 0.1 * len, clipped at
       thresh, h /= sqrt(sum) + 1e-3, in float): value i of block bx is
       acc[order[i] * nbxp + bx], normalised into v[i * nbxp + bx] (nbxp a multiple of lanes). */
    void (*l2hys_cv)(const float *acc, const size_t *order, size_t len, size_t nbxp,
                     float thresh, float *v);
    /* scikit-image votes of one row (hard binning): dx = mid[x+1] - mid[x-1] (0 at x == 0 and
       x == width - 1), dy = down[x] - up[x] (0 when zero_dy), differences rounded to float when
       f32; the channel of largest magnitude wins (first on ties, a NaN before any number);
       mag = sqrt(dx^2 + dy^2) (hypot where that is not finite); bin[x] = i with
       per180 * i <= o < per180 * (i + 1), o = degrees(atan2(dy, dx)) mod 180 as NumPy computes
       it, nbins when no bin holds o, IMFILT_HOG_ALL_BINS for a NaN dx or dy,
       IMFILT_HOG_AMBIGUOUS when only NumPy's arctan2 can tell (infinite ones too). edge: the
       bins of the exact directions, from sk_edge_bins.
       scratch: 7 * n doubles (the chosen dx at scratch[x], dy at scratch[n + x]). */
    void (*votes_sk)(const double *const *up, const double *const *mid, const double *const *down,
                     size_t channels, size_t n, size_t width, int zero_dy, int f32,
                     size_t nbins, const uint16_t *edge, uint16_t *bin, double *mag,
                     double *scratch);
    /* edge[IMFILT_HOG_EDGE_BINS]: scikit-image's bins of the exact directions for nbins */
    void (*sk_edge_bins)(size_t nbins, uint16_t *edge);
    /* scikit-image's block normalisation of v[0 .. n) in place (IMFILT_HOG_NORM_*) */
    void (*norm_sk)(double *v, size_t n, int norm, double thresh);
} imfilt_hog_table;

#endif
