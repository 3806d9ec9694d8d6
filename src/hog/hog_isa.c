/* HOG row loops, compiled once per ISA level (see CMakeLists.txt). Plain loops the compiler
   vectorises; every operation is a single IEEE float/double operation (no contraction into FMA,
   see the pragma), so all levels produce bit-identical votes. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "hog.h"
#include "simd/vec.h"

/* ------------------------------------------------------------------------------------------
   Row loading: pixel type -> float/double planes, optional square root ("gamma"). */
/* float32 input into double planes is rooted in float, as NumPy does */
static inline double sqrt_in_float(double v) { return (double)sqrtf((float)v); }

#include "hog/hog_load_instances.h"

/* uint8 colour rows: every channel split off in one pass over the pixels (a constant stride
   for three channels, which the compiler vectorises), the square root taken in the same pass
   when gamma (a vector square root, correctly rounded, so equal to OpenCV's table of sqrtf) */
static inline __attribute__((always_inline)) void split_u8(const uint8_t *row, size_t ch,
                                                            const ptrdiff_t *xmap, size_t n,
                                                            size_t lo, size_t hi, ptrdiff_t base,
                                                            int gamma, float *const *planes) {
    for (size_t c = 0; c < ch; c++)
        for (size_t i = 0; i < lo; i++) {
            const float v = (float)row[(size_t)xmap[i] * ch + c];
            planes[c][i] = gamma ? sqrtf(v) : v;
        }
    const uint8_t *s = row + (base + (ptrdiff_t)lo) * (ptrdiff_t)ch;
    if (ch == 3) {
        float *p0 = planes[0] + lo, *p1 = planes[1] + lo, *p2 = planes[2] + lo;
        for (size_t i = 0; i < hi - lo; i++) {
            const float v0 = (float)s[3 * i], v1 = (float)s[3 * i + 1], v2 = (float)s[3 * i + 2];
            p0[i] = gamma ? sqrtf(v0) : v0;
            p1[i] = gamma ? sqrtf(v1) : v1;
            p2[i] = gamma ? sqrtf(v2) : v2;
        }
    } else {
        for (size_t i = lo; i < hi; i++, s += ch)
            for (size_t c = 0; c < ch; c++) {
                const float v = (float)s[c];
                planes[c][i] = gamma ? sqrtf(v) : v;
            }
    }
    for (size_t c = 0; c < ch; c++)
        for (size_t i = hi; i < n; i++) {
            const float v = (float)row[(size_t)xmap[i] * ch + c];
            planes[c][i] = gamma ? sqrtf(v) : v;
        }
}

static void load_u8_split(const void *row, size_t ch, const ptrdiff_t *xmap, size_t n,
                          size_t lo, size_t hi, ptrdiff_t base, int gamma,
                          float *const *planes) {
    if (gamma) split_u8((const uint8_t *)row, ch, xmap, n, lo, hi, base, 1, planes);
    else split_u8((const uint8_t *)row, ch, xmap, n, lo, hi, base, 0, planes);
}

/* ------------------------------------------------------------------------------------------
   OpenCV votes. Angle: OpenCV's fast atan2 (degree-7 odd polynomial in min/max, in degrees,
   then scaled to radians), reproduced operation by operation. */
#define CV_P1 (0.9997878412794807f * (float)(180 / 3.14159265358979323846))
#define CV_P3 (-0.3258083974640975f * (float)(180 / 3.14159265358979323846))
#define CV_P5 (0.1555786518463281f * (float)(180 / 3.14159265358979323846))
#define CV_P7 (-0.04432655554792128f * (float)(180 / 3.14159265358979323846))

static void votes_cv(const float *const *up, const float *const *mid, const float *const *down,
                     size_t channels, size_t n, size_t first_tail, float angle_scale, int nbins,
                     const uint32_t *restrict xat, uint32_t plane, uint32_t *restrict at,
                     float *w0, float *w1, float *scratch) {
    const size_t vl = IMFILT_VLANES(float);
    float *bdx = scratch, *bdy = scratch + n;
    const size_t split = first_tail < n ? first_tail : n;
    /* the channel of largest dx^2 + dy^2, all channels of a vector at once; OpenCV's vector
       body keeps the first maximum, its scalar tail (x >= split) the last. One channel: every
       whole vector. */
    const size_t vend = channels == 1 ? n : split;
    size_t x = 0;
    for (; x + vl <= vend; x += vl) {    /* explicit vectors: GCC keeps this scalar */
        const float *u = up[0], *m = mid[0], *d = down[0];
        imfilt_vf32_a4 dx = *(const imfilt_vf32_a4 *)(m + x + 1) -
                             *(const imfilt_vf32_a4 *)(m + x - 1);
        imfilt_vf32_a4 dy = *(const imfilt_vf32_a4 *)(d + x) - *(const imfilt_vf32_a4 *)(u + x);
        imfilt_vf32_a4 mm = dx * dx + dy * dy;
        for (size_t c = 1; c < channels; c++) {
            u = up[c], m = mid[c], d = down[c];
            imfilt_vf32_a4 cdx = *(const imfilt_vf32_a4 *)(m + x + 1) -
                                  *(const imfilt_vf32_a4 *)(m + x - 1);
            imfilt_vf32_a4 cdy = *(const imfilt_vf32_a4 *)(d + x) -
                                  *(const imfilt_vf32_a4 *)(u + x);
            imfilt_vf32_a4 cmm = cdx * cdx + cdy * cdy;
            imfilt_vi32_a4 take = cmm > mm;
            dx = IMFILT_VSELECT(take, cdx, dx);
            dy = IMFILT_VSELECT(take, cdy, dy);
            mm = IMFILT_VSELECT(take, cmm, mm);
        }
        *(imfilt_vf32_a4 *)(bdx + x) = dx;
        *(imfilt_vf32_a4 *)(bdy + x) = dy;
    }
    for (; x < n; x++) {
        float dx = mid[0][x + 1] - mid[0][x - 1], dy = down[0][x] - up[0][x];
        float mm = dx * dx + dy * dy;
        for (size_t c = 1; c < channels; c++) {
            const float *u = up[c], *m = mid[c], *d = down[c];
            float cdx = m[x + 1] - m[x - 1], cdy = d[x] - u[x], cmm = cdx * cdx + cdy * cdy;
            int take = x < split ? cmm > mm : cmm >= mm;
            dx = take ? cdx : dx;
            dy = take ? cdy : dy;
            mm = take ? cmm : mm;
        }
        bdx[x] = dx;
        bdy[x] = dy;
    }
    const float eps = (float)DBL_EPSILON, deg2rad = (float)(3.14159265358979323846 / 180);
    const int nb = nbins;
    for (size_t x = 0; x < n; x++) {
        float dx = bdx[x], dy = bdy[x];
        float mag = sqrtf(dx * dx + dy * dy);
        float ax = fabsf(dx), ay = fabsf(dy);
        float lo = ax < ay ? ax : ay, hi = ax < ay ? ay : ax;
        float c = lo / (hi + eps), c2 = c * c;
        float a = (((CV_P7 * c2 + CV_P5) * c2 + CV_P3) * c2 + CV_P1) * c;
        a = ax >= ay ? a : 90.f - a;
        a = dx < 0 ? 180.f - a : a;
        a = dy < 0 ? 360.f - a : a;
        float t = (a * deg2rad) * angle_scale - 0.5f;
        int h = (int)t;
        h -= t < (float)h;                     /* floor */
        float f = t - (float)h;
        w0[x] = mag * (1.f - f);
        w1[x] = mag * f;
        h += h < 0 ? nb : 0;
        h -= h >= nb ? nb : 0;
        at[x] = (uint32_t)h * plane + xat[x];
        at[n + x] = (uint32_t)(h + 1 == nb ? 0 : h + 1) * plane + xat[x];
        /* nbins == 1: both votes hit the same bin and OpenCV stores both sums computed from
           the old value, so only the second survives */
        w0[x] = nb == 1 ? 0.f : w0[x];
    }
}

/* ------------------------------------------------------------------------------------------
   OpenCV row pass: a separable weighted sum with the block columns in vector lanes. The votes
   are scattered into one plane per (bin, stride phase), so the pixel at offset j of every
   block column lies in one contiguous run; each (cell, bin) sum over the cell's positions is
   then whole-vector multiply-adds over all block columns at once, four sums in flight. */
/* Block columns per vector: at most 8 (one AVX2 register; a 64x128 window has 7, and Zen 4
   runs a 16-float AVX-512 operation as two 8-float halves, so wider buys nothing). */
#if IMFILT_VEC_BYTES >= 64
typedef imfilt_vf32_half rows_vec;
#else
typedef imfilt_vf32 rows_vec;
#endif
#define ROWS_LANES (sizeof(rows_vec) / sizeof(float))
/* sums in flight per step (independent add chains) */
#define ROWS_TILE 6

/* sums t0 .. t0 + nt - 1 of one cell (nt <= ROWS_TILE, a constant once inlined): sum t is
   bin t / nv, block columns from (t % nv) * lanes */
static inline __attribute__((always_inline)) void rows_tile(const float *P, size_t plane,
                                                             size_t nv, const size_t *o,
                                                             const float *wt, size_t m,
                                                             size_t t0, size_t nt, float *R,
                                                             size_t nbxp) {
    const size_t vl = ROWS_LANES;
    const float *src[ROWS_TILE];
    rows_vec acc[ROWS_TILE];
    for (size_t i = 0; i < nt; i++) {
        const size_t t = t0 + i;
        src[i] = P + t / nv * plane + t % nv * vl;
        acc[i] = (rows_vec){0};
    }
    for (size_t e = 0; e < m; e++) {
        const rows_vec w = IMFILT_VBROADCAST(rows_vec, wt[e]);
        for (size_t i = 0; i < nt; i++) acc[i] += w * IMFILT_VLOAD(rows_vec, src[i] + o[e]);
    }
    for (size_t i = 0; i < nt; i++) {
        const size_t t = t0 + i;
        IMFILT_VSTORE(R + t / nv * nbxp + t % nv * vl, acc[i]);
    }
}

static void rows_cv(const uint32_t *at, const float *w0, const float *w1, size_t n, size_t nb,
                    size_t sx, size_t kp, const size_t *xo, const float *xwt, const size_t *xn,
                    size_t bw, size_t ncx, size_t nbxp, float *P, float *R) {
    const size_t nv = nbxp / ROWS_LANES, plane = sx * kp;
    memset(P, 0, nb * plane * sizeof(float));
    /* two bins per pixel; with one bin both votes land in it (w0 is 0 then) */
    if (nb == 1)
        for (size_t x = 0; x < n; x++) P[at[x]] = w0[x], P[at[n + x]] = w0[x] + w1[x];
    else
        for (size_t x = 0; x < n; x++) P[at[x]] = w0[x], P[at[n + x]] = w1[x];
    const size_t nt = nb * nv;    /* sums per cell: bins x vectors of block columns */
    for (size_t cx = 0; cx < ncx; cx++) {
        const size_t *o = xo + cx * bw, m = xn[cx];
        const float *wt = xwt + cx * bw;
        float *Rc = R + cx * nb * nbxp;
        size_t t0 = 0;
        for (; t0 + ROWS_TILE <= nt; t0 += ROWS_TILE)
            rows_tile(P, plane, nv, o, wt, m, t0, ROWS_TILE, Rc, nbxp);
        switch (nt - t0) {
        case 5: rows_tile(P, plane, nv, o, wt, m, t0, 5, Rc, nbxp); break;
        case 4: rows_tile(P, plane, nv, o, wt, m, t0, 4, Rc, nbxp); break;
        case 3: rows_tile(P, plane, nv, o, wt, m, t0, 3, Rc, nbxp); break;
        case 2: rows_tile(P, plane, nv, o, wt, m, t0, 2, Rc, nbxp); break;
        case 1: rows_tile(P, plane, nv, o, wt, m, t0, 1, Rc, nbxp); break;
        default: break;
        }
    }
}

/* OpenCV column pass: acc += wt * R over whole vectors (per value the single multiply and add
   of a scalar loop). */
static void cols_cv(const float *R, size_t n, float wt, float *acc) {
    const rows_vec w = IMFILT_VBROADCAST(rows_vec, wt);
    for (size_t i = 0; i < n; i += ROWS_LANES)
        IMFILT_VSTORE(acc + i, IMFILT_VLOAD(rows_vec, acc + i) + w * IMFILT_VLOAD(rows_vec, R + i));
}

/* OpenCV's L2-Hys of the blocks of one block row at once, block columns in vector lanes
   (Dalal & Triggs' L2-Hys, OpenCV's float order of operations, lane by lane). */
static inline rows_vec inv_root_plus(rows_vec s, float c) {
    float t[ROWS_LANES];
    IMFILT_VSTORE(t, s);
    for (size_t l = 0; l < ROWS_LANES; l++) t[l] = 1.f / (sqrtf(t[l]) + c);
    return IMFILT_VLOAD(rows_vec, t);
}

/* OpenCV's sum of squares: 4 interleaved partial sums, ((p0 + p1) + (p2 + p3)), then the tail */
static inline rows_vec sumsq_lanes(const float *v, size_t len, size_t nbxp) {
    rows_vec p[4] = {{0}, {0}, {0}, {0}};
    size_t i = 0;
    for (; i + 4 <= len; i += 4)
        for (size_t k = 0; k < 4; k++) {
            const rows_vec h = IMFILT_VLOAD(rows_vec, v + (i + k) * nbxp);
            p[k] += h * h;
        }
    rows_vec s = (p[0] + p[1]) + (p[2] + p[3]);
    for (; i < len; i++) {
        const rows_vec h = IMFILT_VLOAD(rows_vec, v + i * nbxp);
        s += h * h;
    }
    return s;
}

static void l2hys_cv(const float *acc, const size_t *order, size_t len, size_t nbxp,
                     float thresh, float *v) {
    const rows_vec th = IMFILT_VBROADCAST(rows_vec, thresh);
    for (size_t x = 0; x < nbxp; x += ROWS_LANES) {
        float *vx = v + x;
        for (size_t i = 0; i < len; i++)
            IMFILT_VSTORE(vx + i * nbxp, IMFILT_VLOAD(rows_vec, acc + order[i] * nbxp + x));
        rows_vec scale = inv_root_plus(sumsq_lanes(vx, len, nbxp), (float)len * 0.1f);
        for (size_t i = 0; i < len; i++) {
            const rows_vec t = IMFILT_VLOAD(rows_vec, vx + i * nbxp) * scale;
            IMFILT_VSTORE(vx + i * nbxp, IMFILT_VSELECT(t < th, t, th));
        }
        scale = inv_root_plus(sumsq_lanes(vx, len, nbxp), 1e-3f);
        for (size_t i = 0; i < len; i++)
            IMFILT_VSTORE(vx + i * nbxp, IMFILT_VLOAD(rows_vec, vx + i * nbxp) * scale);
    }
}

/* ------------------------------------------------------------------------------------------
   scikit-image votes. The bin needs NumPy's float64 orientation only near a bin edge: a fast
   atan (argument reduced to [0, tan(pi/8)], degree-8 polynomial in u^2, error < 2e-14 rad)
   decides every pixel farther than SK_MARGIN degrees from an edge. Closer ones: the exact
   directions (dx or dy zero, |dx| == |dy|) take libm's atan2, which returns the correctly
   rounded multiple of pi/4 there as NumPy's arctan2 does; any other is marked
   IMFILT_HOG_AMBIGUOUS for the caller to bin with NumPy's own arctan2 (NumPy's vectorised
   arctan2 and libm differ by 1 ulp on some inputs, which decides such a bin). */
#define SK_MARGIN 1e-9
#define SK_NEAR 0xFFFDu     /* votes_sk's mark for a pixel its second pass bins */
static const double sk_poly[9] = {
    0.9999999999999736, -0.33333333330872567, 0.19999999613243907, -0.14285690811049995,
    0.11110393872264343, -0.09078501415324834, 0.07564454460465045, -0.05877192157043882,
    0.030701504044077656};

static uint16_t sk_exact_bin(double dy, double dx, size_t nbins, double per180) {
    if (!(dx == 0 || dy == 0 || fabs(dx) == fabs(dy))) return IMFILT_HOG_AMBIGUOUS;
    double o = atan2(dy, dx) * (180.0 / 3.14159265358979323846);
    double r = fmod(o, 180.0);                 /* NumPy's float remainder: sign of the divisor */
    if (r != 0 && r < 0) r += 180.0;
    if (r == 0) r = 0.0;
    return imfilt_hog_sk_bin(r, nbins, per180);  /* nbins: in no bin */
}

/* The bins of the exact directions, computed once per call (edge[IMFILT_HOG_EDGE_BINS], see
   imfilt_hog_edge_kind): atan2 of these depends only on the signs (and on which direction),
   so one representative per entry gives the bin of every such pixel. */
static void sk_edge_bins(size_t nbins, uint16_t *edge) {
    const double per180 = 180.0 / (double)nbins;
    for (int i = 0; i < IMFILT_HOG_EDGE_BINS; i++) {
        int kind = i / 4, sx = (i >> 1) & 1, sy = i & 1;
        double one_x = sx ? -1.0 : 1.0, one_y = sy ? -1.0 : 1.0;
        double dx = kind == IMFILT_HOG_EDGE_DX0 ? (sx ? -0.0 : 0.0) : one_x;
        double dy = kind == IMFILT_HOG_EDGE_DY0 ? (sy ? -0.0 : 0.0) : one_y;
        edge[i] = sk_exact_bin(dy, dx, nbins, per180);
    }
}

/* one channel's [-1, 0, 1] differences (float32 arithmetic for float32 images), dx = 0 on the
   first and last column, dy = 0 when zero_dy */
static void sk_grad(const double *u, const double *m, const double *d, size_t n, size_t width,
                    int zero_dy, int f32, double *dx, double *dy) {
    if (f32) {
        for (size_t x = 0; x < n; x++) {
            dx[x] = (double)((float)m[x + 1] - (float)m[x - 1]);
            dy[x] = (double)((float)d[x] - (float)u[x]);
        }
    } else {
        for (size_t x = 0; x < n; x++) {
            dx[x] = m[x + 1] - m[x - 1];
            dy[x] = d[x] - u[x];
        }
    }
    if (zero_dy)
        for (size_t x = 0; x < n; x++) dy[x] = 0.0;
    if (n > 0) dx[0] = 0.0;
    if (width - 1 < n) dx[width - 1] = 0.0;
}

static void votes_sk(const double *const *up, const double *const *mid, const double *const *down,
                     size_t channels, size_t n, size_t width, int zero_dy, int f32, size_t nbins,
                     const uint16_t *edge, uint16_t *bin, double *mag, double *scratch) {
    double *bdx = scratch, *bdy = scratch + n, *bm = scratch + 2 * n, *bk = scratch + 3 * n;
    double *close = scratch + 4 * n, *cdx = scratch + 5 * n, *cdy = scratch + 6 * n;
    sk_grad(up[0], mid[0], down[0], n, width, zero_dy, f32, bdx, bdy);
    for (size_t x = 0; x < n; x++) bm[x] = bdx[x] * bdx[x] + bdy[x] * bdy[x];
    /* skimage keeps the channel of largest np.hypot (float32 hypot for float32 images), first
       on ties, the first NaN before any number. sqrt(dx^2 + dy^2) orders channels the same
       way unless two are within a few ulp or one is not finite: those pixels are redone below
       with libm's hypot, which NumPy calls. */
    if (channels > 1) {
        for (size_t x = 0; x < n; x++) {
            double km = sqrt(bm[x]);
            bk[x] = f32 ? (double)(float)km : km;
            close[x] = km < INFINITY ? 0.0 : 1.0;     /* NaN, inf, overflow: exactly below */
        }
        const double rel = f32 ? 2.4e-7 : 8.9e-16;
        for (size_t c = 1; c < channels; c++) {
            sk_grad(up[c], mid[c], down[c], n, width, zero_dy, f32, cdx, cdy);
            for (size_t x = 0; x < n; x++) {
                double dx = cdx[x], dy = cdy[x];
                double mm = dx * dx + dy * dy, km = sqrt(mm);
                km = f32 ? (double)(float)km : km;
                double gap = km - bk[x];
                int near = fabs(gap) <= rel * km || !(km < INFINITY);
                int take = gap > 0;
                close[x] = near ? 1.0 : close[x];
                bdx[x] = take ? dx : bdx[x];
                bdy[x] = take ? dy : bdy[x];
                bm[x] = take ? mm : bm[x];
                bk[x] = take ? km : bk[x];
            }
        }
        for (size_t x = 0; x < n; x++) {
            if (close[x] == 0.0) continue;
            double best = -1;
            for (size_t c = 0; c < channels; c++) {
                const double *u = up[c], *m = mid[c], *d = down[c];
                double dx, dy;
                if (f32) {
                    dx = (double)((float)m[x + 1] - (float)m[x - 1]);
                    dy = (double)((float)d[x] - (float)u[x]);
                } else {
                    dx = m[x + 1] - m[x - 1];
                    dy = d[x] - u[x];
                }
                dx = (x == 0 || x + 1 == width) ? 0.0 : dx;
                dy = zero_dy ? 0.0 : dy;
                double k = f32 ? (double)hypotf((float)dx, (float)dy) : hypot(dx, dy);
                /* NumPy's argmax: the first NaN, else the first maximum */
                if (c == 0 || (best == best && (k != k || k > best))) {
                    best = k;
                    bdx[x] = dx;
                    bdy[x] = dy;
                    bm[x] = dx * dx + dy * dy;
                }
            }
        }
    }
    const double per180 = 180.0 / (double)nbins, inv = (double)nbins / 180.0;
    const double t8 = 0.41421356237309503, pi = 3.14159265358979323846;
    const int nb = (int)nbins;
    int near = 0, odd = 0;
    const int ez0 = edge[0], ez1 = edge[1], ez2 = edge[2], ez3 = edge[3];
    for (size_t x = 0; x < n; x++) {
        double dx = bdx[x], dy = bdy[x];
        mag[x] = sqrt(bm[x]);
        double ax = fabs(dx), ay = fabs(dy);
        double lo = ax < ay ? ax : ay, hi = ax < ay ? ay : ax;
        /* one division: u = t or (t - 1) / (t + 1) with t = lo / hi, as (lo - hi) / (lo + hi) */
        int big = lo > t8 * hi;
        double num = big ? lo - hi : lo, den = big ? lo + hi : hi;
        double u = den > 0 ? num / den : 0.0, s = u * u;
        double p = sk_poly[8];
        for (int k = 7; k >= 0; k--) p = p * s + sk_poly[k];
        double a = p * u + (big ? pi / 4 : 0.0);          /* atan(lo / hi) */
        a = ay > ax ? pi / 2 - a : a;
        a = dx < 0 ? pi - a : a;                          /* angle of (dx, |dy|), [0, pi] */
        double deg = a * (180.0 / pi);
        double o = dy < 0 ? 180.0 - deg : deg;
        o = o >= 180.0 ? o - 180.0 : o;
        double q = o * inv;                               /* NaN: 0 (replaced below) */
        int b = q > 0 ? (q < (double)nb ? (int)q : nb) : 0;
        double e0 = o - per180 * (double)b, e1 = per180 * (double)(b + 1) - o;
        int exact = e0 < SK_MARGIN || e1 < SK_MARGIN || b >= nb;
        exact = exact && bm[x] > 0;                       /* a zero vote needs no bin */
        /* the commonest exact direction, dy == 0 (8-bit images: flat rows), right here:
           edge[signbit(dx) * 2 + signbit(dy)] */
        int sx = copysign(1.0, dx) < 0, sy = copysign(1.0, dy) < 0;
        int ez = sx ? (sy ? ez3 : ez2) : (sy ? ez1 : ez0);
        int far = dy == 0 ? ez : SK_NEAR;
        bin[x] = (uint16_t)(exact ? far : (bm[x] > 0 ? b : 0));
        near |= exact && dy != 0;
        odd |= !(bm[x] < INFINITY);
    }
    if (odd) {
        /* NaN or inf gradients, or squares overflowing: skimage's np.hypot magnitude; a NaN
           orientation votes into every bin, an infinite one is binned by NumPy */
        for (size_t x = 0; x < n; x++) {
            if (bm[x] < INFINITY) continue;
            double dx = bdx[x], dy = bdy[x];
            mag[x] = hypot(dx, dy);
            bin[x] = dx != dx || dy != dy ? IMFILT_HOG_ALL_BINS : IMFILT_HOG_AMBIGUOUS;
        }
    }
    if (!near) return;
    /* near an edge, dy != 0 (rare): an exact direction takes its bin from edge[], others
       are left to NumPy */
    for (size_t x = 0; x < n; x++) {
        if (bin[x] != SK_NEAR) continue;
        double dx = bdx[x], dy = bdy[x];
        int kind = dy == 0 ? IMFILT_HOG_EDGE_DY0
                 : dx == 0 ? IMFILT_HOG_EDGE_DX0
                 : fabs(dx) == fabs(dy) ? IMFILT_HOG_EDGE_DIAG : IMFILT_HOG_EDGE_NONE;
        bin[x] = kind == IMFILT_HOG_EDGE_NONE
                     ? IMFILT_HOG_AMBIGUOUS
                     : edge[kind * 4 + (signbit(dx) ? 2 : 0) + (signbit(dy) ? 1 : 0)];
    }
}

/* ------------------------------------------------------------------------------------------
   scikit-image block normalisation. */
/* NumPy's pairwise sum of |v| (squares: sq), as np.sum adds a contiguous array: below 8
   values in order; up to 128 in 8 interleaved partial sums, ((r0 + r1) + (r2 + r3)) +
   ((r4 + r5) + (r6 + r7)), then the tail; above, the two halves (the first a multiple of 8)
   summed so and added. Fixed order: no reassociation by the compiler. */
static double pairwise_sum(const double *v, size_t n, int sq) {
    if (n > 128) {
        size_t half = n / 2;
        half -= half % 8;
        return pairwise_sum(v, half, sq) + pairwise_sum(v + half, n - half, sq);
    }
    size_t i = 0;
    double s = 0.0;
    if (n >= 8) {
        double r[8];
        for (int k = 0; k < 8; k++) r[k] = sq ? v[k] * v[k] : fabs(v[k]);
        for (i = 8; i + 8 <= n; i += 8)
            for (int k = 0; k < 8; k++) r[k] += sq ? v[i + k] * v[i + k] : fabs(v[i + k]);
        s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    }
    for (; i < n; i++) s += sq ? v[i] * v[i] : fabs(v[i]);
    return s;
}

/* scikit-image's block norms in double, its operations exactly: a division per value,
   np.minimum for the L2-Hys clip (NaN stays NaN). */
static void norm_sk(double *v, size_t n, int norm, double thresh) {
    const double eps = 1e-5;
    double d;
    switch (norm) {
    case IMFILT_HOG_NORM_L1:
    case IMFILT_HOG_NORM_L1SQRT:
        d = pairwise_sum(v, n, 0) + eps;
        for (size_t i = 0; i < n; i++) v[i] = v[i] / d;
        if (norm == IMFILT_HOG_NORM_L1SQRT)
            for (size_t i = 0; i < n; i++) v[i] = sqrt(v[i]);
        break;
    case IMFILT_HOG_NORM_L2:
    case IMFILT_HOG_NORM_L2HYS:
        d = sqrt(pairwise_sum(v, n, 1) + eps * eps);
        if (norm == IMFILT_HOG_NORM_L2HYS) {
            for (size_t i = 0; i < n; i++) {
                double t = v[i] / d;
                v[i] = t > thresh ? thresh : t;
            }
            d = sqrt(pairwise_sum(v, n, 1) + eps * eps);
        }
        for (size_t i = 0; i < n; i++) v[i] = v[i] / d;
        break;
    default:
        break;
    }
}

const imfilt_hog_table IMFILT_ISA_TABLE(imfilt_hog) = {
    .name = IMFILT_ISA_LEVEL_NAME,
    .load_f32 = {[IMFILT_U8] = load_f32_u8, [IMFILT_U16] = load_f32_u16,
                 [IMFILT_F32] = load_f32_f32, [IMFILT_F64] = load_f32_f64},
    .load_f64 = {[IMFILT_U8] = load_f64_u8, [IMFILT_U16] = load_f64_u16,
                 [IMFILT_F32] = load_f64_f32, [IMFILT_F64] = load_f64_f64},
    .load_u8_split = load_u8_split,
    .lanes = ROWS_LANES,
    .votes_cv = votes_cv,
    .rows_cv = rows_cv,
    .cols_cv = cols_cv,
    .l2hys_cv = l2hys_cv,
    .votes_sk = votes_sk,
    .sk_edge_bins = sk_edge_bins,
    .norm_sk = norm_sk,
};
