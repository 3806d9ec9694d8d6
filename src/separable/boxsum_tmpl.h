/* Box-sum row loops boxsum_<WS> and slide_<WS> for each work type W, shared by the separable
   rows (float, double, uint16 lanes) and the 8-bit box filter (uint16, uint32; included by
   src/box8/box8_isa.c). Algorithm: window sums by doubling, O(log k) plain vectorisable passes
   per sample (a running sum along the row would be a serial dependency). Integer sums wrap,
   which is exact while every window sum fits W. Expanded by tools/expand_template.py into
   boxsum_instances.h; an includer leaves the types it does not use unreferenced.
   instances:
     WS=f32 W=float
     WS=f64 W=double
     WS=u16 W=uint16_t
     WS=u32 W=uint32_t
*/

/* dst[x] = sum_{t<k} src[x + t*step]: S_2w[x] = S_w[x] + S_w[x + w], and the window is the sum
   of the S_(2^b) for the set bits b of k at increasing offsets (t1, t2: scratch). */
static __attribute__((unused)) void boxsum_@WS@(const W *src, W *dst, W *t1, W *t2, size_t n,
                                                size_t step, size_t k)
{
    const W *cur = src;
    W *bufs[2] = {t1, t2};
    size_t w = 1, off = 0;
    int first = 1, b = 0;
    for (;;) {
        if (k & w) {
            const W *s = cur + off * step;
            if (first) { for (size_t x = 0; x < n; x++) dst[x] = s[x]; }
            else { for (size_t x = 0; x < n; x++) dst[x] += s[x]; }
            first = 0;
            off += w;
        }
        if (2 * w > k) break;
        size_t len = n + (k - 2 * w) * step, sh = w * step;
        W *nx = bufs[b];
        b ^= 1;
        for (size_t x = 0; x < len; x++) nx[x] = cur[x] + cur[x + sh];
        cur = nx;
        w *= 2;
    }
}

/* acc[x] += add[x] - sub[x]: the running column sum of a box */
static __attribute__((unused)) void slide_@WS@(W *acc, const W *add, const W *sub, size_t n)
{
    for (size_t x = 0; x < n; x++) acc[x] += add[x] - sub[x];
}
