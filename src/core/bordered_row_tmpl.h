/* One bordered input row in the work type, shared by the separable and the filter2d drivers:
   included inside their W / WS templates (W float, double or uint16_t; uint8_t with a plain
   copy for the uint8 Gaussian's row pass), after src/separable/separable.h and src/core/border.h.

   ext <- pixels x0 - ax ... x1 - 1 + (kw - 1 - ax) of input row sy (cval everywhere when
   sy < 0): the inside of the image in one conversion by the separable family's load loops (or
   BORDERED_LOAD(from, to, n) when the includer defines it, e.g. a plain copy for uint8 rows),
   the padding through border.h. */
#ifndef BORDERED_LOAD
#define BORDERED_LOAD(from, to, n) K->IMFILT_CAT(load_, WS)[src->dtype](from, to, n)
#define BORDERED_LOAD_DEFAULT
#endif
static void IMFILT_CAT(bordered_row_, WS)(const imfilt_separable_table *K, const imfilt_image *src,
                                          W *ext, ptrdiff_t sy, size_t x0, size_t x1, size_t kw,
                                          size_t ax, int border, W cval) {
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
        BORDERED_LOAD(row + (size_t)in0 * C * esize, ext + (size_t)(in0 - p0) * C,
                      (size_t)(in1 - in0) * C);
    for (ptrdiff_t p = p0; p < p1; p++) {
        if (p >= in0 && p < in1) { p = in1 - 1; continue; }
        W *d = ext + (size_t)(p - p0) * C;
        ptrdiff_t col = imfilt_border_index(p, width, border);
        if (col < 0) for (size_t c = 0; c < C; c++) d[c] = cval;
        else BORDERED_LOAD(row + (size_t)col * C * esize, d, C);
    }
}
#ifdef BORDERED_LOAD_DEFAULT
#undef BORDERED_LOAD
#undef BORDERED_LOAD_DEFAULT
#endif
