/* Scalar table lookup lut<index bits>_scalar_<entry bytes> for every (index type IT, entry
   type ET): dst[i] = T[src[i] * channels + i mod channels]. Algorithm: a plain gather,
   unrolled by four with every index read before its slot is written, so dst == src (in
   place) is safe. For byte indices also lut8_<entry bytes>, the table's entry point: the
   level's plane kernel (tone_isa.c) when the driver built planes, else the gather.
   Expanded by tools/expand_template.py into tone_lut_instances.h.
   instances:
     IB=8  IT=uint8_t  EB=1  ET=uint8_t
     IB=8  IT=uint8_t  EB=2  ET=uint16_t
     IB=8  IT=uint8_t  EB=4  ET=uint32_t
     IB=8  IT=uint8_t  EB=8  ET=uint64_t
     IB=8  IT=uint8_t  EB=16 ET=tone_e16
     IB=16 IT=uint16_t EB=1  ET=uint8_t
     IB=16 IT=uint16_t EB=2  ET=uint16_t
     IB=16 IT=uint16_t EB=4  ET=uint32_t
     IB=16 IT=uint16_t EB=8  ET=uint64_t
     IB=16 IT=uint16_t EB=16 ET=tone_e16
*/

static void lut@IB@_scalar_@EB@(const IT *src, void *dstv, size_t n, const void *tablev, size_t channels) {
    ET *dst = (ET *)dstv;
    const ET *t = (const ET *)tablev;
    size_t i = 0;
    if (channels == 1) {
        for (; i + 4 <= n; i += 4) {
            size_t a = src[i], b = src[i + 1], c = src[i + 2], d = src[i + 3];
            ET ea = t[a], eb = t[b], ec = t[c], ed = t[d];
            dst[i] = ea; dst[i + 1] = eb; dst[i + 2] = ec; dst[i + 3] = ed;
        }
        for (; i < n; i++) dst[i] = t[src[i]];
    } else if (channels == 3) {
        for (; i + 3 <= n; i += 3) {
            size_t a = src[i], b = src[i + 1], c = src[i + 2];
            ET ea = t[a * 3], eb = t[b * 3 + 1], ec = t[c * 3 + 2];
            dst[i] = ea; dst[i + 1] = eb; dst[i + 2] = ec;
        }
    } else {
        for (; i + channels <= n; i += channels)
            for (size_t c = 0; c < channels; c++) dst[i + c] = t[(size_t)src[i + c] * channels + c];
    }
}

#if IB == 8
static void lut8_@EB@(const uint8_t *src, void *dst, size_t n, const imfilt_lut8_plan *p) {
#if EB <= TONE_PLANE_BYTES
    if (p->planes) {
        lut8_planes(src, (uint8_t *)dst, n, p, EB);
        return;
    }
#endif
    lut8_scalar_@EB@(src, dst, n, p->table, p->channels);
}
#endif
