/* Box-sum row loops for one work type W (float, double or uint16_t), included with W, WS and
   FN(name) defined: by rows_tmpl.h for the float types and by rows_u16.h. In uint16
   the sums wrap modulo 2^16, which is exact while every window sum is below 2^16. */

/* Window sums by doubling: S_2w[x] = S_w[x] + S_w[x + w], and the window is the sum of the
   S_(2^b) for the set bits b of k at increasing offsets: O(log k) per sample, every pass a
   plain vectorisable loop (a running sum would be a serial dependency along the row). */
static void FN(boxsum)(const W *src, W *dst, W *t1, W *t2, size_t n, size_t step, size_t k)
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

static void FN(slide)(W *acc, const W *add, const W *sub, size_t n)
{
    for (size_t x = 0; x < n; x++) acc[x] += add[x] - sub[x];
}

