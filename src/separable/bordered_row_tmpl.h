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

#ifndef IMFILT_BORDERED_PAD_COL
#define IMFILT_BORDERED_PAD_COL
/* imfilt_border_index for a padding column p (outside [0, n)), without its division when
   one reflection or wrap reaches the row (pads narrower than the row, the usual case) */
static inline ptrdiff_t bordered_pad_col(ptrdiff_t p, ptrdiff_t n, int border) {
    if (n > 1 && p >= -(n - 1) && p < 2 * n - 1) {
        const int left = p < 0;
        switch (border) {
        case IMFILT_BORDER_REFLECT101: return left ? -p : 2 * n - 2 - p;
        case IMFILT_BORDER_REFLECT: return left ? -1 - p : 2 * n - 1 - p;
        case IMFILT_BORDER_WRAP: return left ? p + n : p - n;
        default: break;
        }
    }
    return imfilt_border_index(p, n, border);
}
#endif

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
        ptrdiff_t col = bordered_pad_col(p, width, border);
        if (col < 0) for (size_t c = 0; c < C; c++) d[c] = cval;
        else if (col >= in0 && col < in1)  /* already converted: copy it (no call per pixel) */
            for (size_t c = 0; c < C; c++) d[c] = ext[(size_t)(col - p0) * C + c];
        else bordered_load_@ES@(K, src->dtype, row + (size_t)col * C * esize, d, C);
    }
}
