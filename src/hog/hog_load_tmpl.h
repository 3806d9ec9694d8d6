/* HOG row loading load_@WS@_@IS@: one image row of pixel type T into `ch` planes of work type
   W (float for OpenCV, double for scikit-image), columns from the border map xmap outside one
   contiguous run [lo, hi), then the square root ROOT when gamma (float32 into double rooted in
   float, as NumPy does). Expanded by tools/expand_template.py into hog_load_instances.h,
   included by hog_isa.c.
   instances:
     WS=f32 W=float  IS=u8  T=uint8_t  ROOT=sqrtf
     WS=f32 W=float  IS=u16 T=uint16_t ROOT=sqrtf
     WS=f32 W=float  IS=f32 T=float    ROOT=sqrtf
     WS=f32 W=float  IS=f64 T=double   ROOT=sqrtf
     WS=f64 W=double IS=u8  T=uint8_t  ROOT=sqrt
     WS=f64 W=double IS=u16 T=uint16_t ROOT=sqrt
     WS=f64 W=double IS=f32 T=float    ROOT=sqrt_in_float
     WS=f64 W=double IS=f64 T=double   ROOT=sqrt
*/

static void load_@WS@_@IS@(const void *row_, size_t ch, const ptrdiff_t *xmap, size_t n,
                           size_t lo, size_t hi, ptrdiff_t base, int gamma, W *const *planes) {
    const T *row = (const T *)row_;
    for (size_t c = 0; c < ch; c++) {
        W *d = planes[c];
        for (size_t i = 0; i < lo; i++) d[i] = (W)row[(size_t)xmap[i] * ch + c];
        const T *s = row + (base + (ptrdiff_t)lo) * (ptrdiff_t)ch + (ptrdiff_t)c;
        if (ch == 1)
            for (size_t i = lo; i < hi; i++) d[i] = (W)s[i - lo];
        else
            for (size_t i = lo; i < hi; i++) d[i] = (W)s[(i - lo) * ch];
        for (size_t i = hi; i < n; i++) d[i] = (W)row[(size_t)xmap[i] * ch + c];
        if (gamma)
            for (size_t i = 0; i < n; i++) d[i] = @ROOT@(d[i]);
    }
}
