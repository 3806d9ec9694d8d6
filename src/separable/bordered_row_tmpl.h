/* One bordered input row, bordered_row_<ES>, in element type ET: the row pass's input for the
   separable drivers (separable_drv_tmpl.h) and filter2d (src/conv/). ext <- pixels
   x0 - ax ... x1 - 1 + (kw - 1 - ax) of input row sy (cval everywhere when sy < 0): the inside
   of the image in one call of the separable table's load loop for ET (COPY=1: a plain copy,
   uint8 rows for the uint8 Gaussian's row pass), the padding through src/core/border.h.
   Needs separable.h, core/border.h and core/parallel.h included first. Expanded by
   tools/expand_template.py into bordered_row_instances.h; the keys are not W/WS so that a
   W/WS template can include it.
   instances:
     ES=u8  ET=uint8_t  COPY=1
     ES=f32 ET=float    COPY=0
     ES=f64 ET=double   COPY=0
     ES=u16 ET=uint16_t COPY=0
*/

/* n samples of the image's type at `from` into ET at `to` */
static inline void bordered_load_@ES@(const imfilt_separable_table *K, int dtype, const char *from,
                                      ET *to, size_t n) {
#if COPY
    (void)K; (void)dtype;
    memcpy(to, from, n * sizeof(ET));
#else
    K->load_@ES@[dtype](from, to, n);
#endif
}

static __attribute__((unused)) void bordered_row_@ES@(const imfilt_separable_table *K,
        const imfilt_image *src, ET *ext, ptrdiff_t sy, size_t x0, size_t x1, size_t kw,
        size_t ax, int border, ET cval) {
    const size_t C = src->channels, esize = imfilt_dtype_size(src->dtype);
    const ptrdiff_t width = (ptrdiff_t)src->width;
    const ptrdiff_t p0 = (ptrdiff_t)x0 - (ptrdiff_t)ax, p1 = (ptrdiff_t)(x1 + kw - 1 - ax);
    if (sy < 0) {
        for (size_t i = 0; i < (size_t)(p1 - p0) * C; i++) ext[i] = cval;
        return;
    }
    const char *row = (const char *)src->data + sy * src->row_stride;
    const ptrdiff_t in0 = p0 > 0 ? p0 : 0, in1 = p1 < width ? p1 : width;
    if (in1 > in0)
        bordered_load_@ES@(K, src->dtype, row + (size_t)in0 * C * esize,
                           ext + (size_t)(in0 - p0) * C, (size_t)(in1 - in0) * C);
    for (ptrdiff_t p = p0; p < p1; p++) {
        if (p >= in0 && p < in1) { p = in1 - 1; continue; }
        ET *d = ext + (size_t)(p - p0) * C;
        ptrdiff_t col = imfilt_border_index(p, width, border);
        if (col < 0) for (size_t c = 0; c < C; c++) d[c] = cval;
        else bordered_load_@ES@(K, src->dtype, row + (size_t)col * C * esize, d, C);
    }
}
