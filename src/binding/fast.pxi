# The fast path of every image filter: a public function's one handler call lands here, in
# fast_<filter>(route, <its arguments>). A common call -- an exact ndarray of a supported
# native dtype, aligned, rows contiguous with a positive row stride; out None or a
# non-overlapping such array; a border name; plain int / float scalars -- is checked here in
# C and makes its one C call. Anything else goes to route.slow, the family's Python handler
# (the normaliser imfilt/_normalize), with the arguments as given: every error message and
# every unusual case is the normaliser's by construction. Checks here are conservative (a
# call they are unsure of takes the slow path), never looser than the normaliser's.
# Plans (kernels, output rules, tables) are built once per parameters by route.plan (Python)
# and kept here, keyed by their parameters' bits.

cimport numpy as cnp
from libc.string cimport memcmp, memcpy
from libc.math cimport rint, isfinite
from libc.float cimport FLT_MAX, DBL_MAX
from cpython.long cimport PyLong_AsLongLongAndOverflow

cnp.import_array()

# set by imfilt/_normalize/scalars.py (fast_setup): the normaliser's border names and limits
cdef dict _border_names = None
cdef long long _max_kernel = 0, _max_threads = 0
cdef unsigned long long _max_scratch = 0
cdef Py_ssize_t _PLANS_KEPT = 64  # plans per route; the oldest goes first


def fast_setup(dict border_names not None, long long max_kernel, unsigned long long max_scratch,
               long long max_threads):
    """The normaliser's border codes (names and aliases, lower case) and limits, so that the
    fast path takes exactly the calls the normaliser would accept unchanged."""
    global _border_names, _max_kernel, _max_scratch, _max_threads
    _border_names = dict(border_names)
    _max_kernel, _max_scratch, _max_threads = max_kernel, max_scratch, max_threads


cdef class Route:
    """One filter's fast-path state: `slow`, its Python handler (takes the same arguments as
    the fast function after `route`); `plan`, the Python builder of a cached plan (or None)."""
    cdef readonly object slow
    cdef object plan
    cdef list plans

    def __init__(self, slow, plan=None):
        self.slow, self.plan, self.plans = slow, plan, []


cdef class _Plan:
    """What a filter computes once per parameters: kernels, output rule, work type."""
    cdef unsigned long long key[4]
    cdef object keep           # the builder's arrays, alive as long as the plan
    cdef const double *kx
    cdef const double *ky
    cdef size_t kh, kw
    cdef imfilt_out_rule rule
    cdef int work, out_typenum


cdef inline unsigned long long _bits(double v) noexcept:
    cdef unsigned long long b
    memcpy(&b, &v, 8)
    return b


cdef _Plan _cached(Route route, unsigned long long k0, unsigned long long k1,
                   unsigned long long k2, unsigned long long k3):
    """The plan stored under this key, or None."""
    cdef unsigned long long key[4]
    key[0], key[1], key[2], key[3] = k0, k1, k2, k3
    cdef _Plan p
    for p in route.plans:
        if memcmp(p.key, key, sizeof(key)) == 0:
            return p
    return None


cdef _Plan _store(Route route, unsigned long long k0, unsigned long long k1,
                  unsigned long long k2, unsigned long long k3, object keep):
    cdef _Plan p = _Plan()
    p.key[0], p.key[1], p.key[2], p.key[3] = k0, k1, k2, k3
    p.keep = keep
    if len(route.plans) >= _PLANS_KEPT:
        del route.plans[0]
    route.plans.append(p)
    return p


cdef const double *_doubles(object a) except? NULL:
    """The data of a contiguous float64 array the builder returned (kept by the plan)."""
    cdef cnp.ndarray arr = a
    return <const double *>cnp.PyArray_DATA(arr)


# ------------------------------------------------------------------------------ the checks
cdef struct fast_image:
    imfilt_image im
    int nd, typenum
    cnp.npy_intp dims[3]
    char *lo
    char *hi              # the bytes [lo, hi) the image spans


cdef int _imfilt_dtype(int typenum) noexcept:
    """The C core's code of a NumPy type number, -1 for the types it does not filter."""
    if typenum == cnp.NPY_UINT8:
        return IMFILT_U8
    if typenum == cnp.NPY_UINT16:
        return IMFILT_U16
    if typenum == cnp.NPY_INT16:
        return IMFILT_I16
    if typenum == cnp.NPY_FLOAT32:
        return IMFILT_F32
    if typenum == cnp.NPY_FLOAT64:
        return IMFILT_F64
    if typenum == cnp.NPY_INT64:
        return IMFILT_I64
    return -1


cdef bint _fast_array(object obj, fast_image *f) except -1:
    """True when obj is an exact ndarray of 2 or 3 non-empty dimensions the C core reads in
    place: native byte order, aligned, each row one contiguous run, rows at a positive stride
    that does not overlap them. Fills f (dtype -1 when the C core has no code for it)."""
    if not cnp.PyArray_CheckExact(obj):
        return False
    cdef cnp.ndarray a = <cnp.ndarray>obj
    cdef int nd = cnp.PyArray_NDIM(a)
    if (nd != 2 and nd != 3) or not cnp.PyArray_ISNOTSWAPPED(a) or not cnp.PyArray_ISALIGNED(a):
        return False
    cdef cnp.npy_intp *dims = cnp.PyArray_DIMS(a)
    cdef cnp.npy_intp *st = cnp.PyArray_STRIDES(a)
    cdef cnp.npy_intp item = cnp.PyArray_ITEMSIZE(a)
    cdef cnp.npy_intp ch = dims[2] if nd == 3 else 1
    if dims[0] < 1 or dims[1] < 1 or ch < 1 or st[nd - 1] != item:
        return False
    if nd == 3 and st[1] != item * ch:
        return False
    cdef cnp.npy_intp row = dims[1] * ch * item
    if st[0] < row:
        return False
    f.nd, f.typenum = nd, cnp.PyArray_TYPE(a)
    f.dims[0], f.dims[1], f.dims[2] = dims[0], dims[1], ch
    f.im.data = cnp.PyArray_DATA(a)
    f.im.row_stride = st[0]
    f.im.height, f.im.width, f.im.channels = dims[0], dims[1], ch
    f.im.dtype = _imfilt_dtype(f.typenum)
    f.lo = <char *>f.im.data
    f.hi = f.lo + (dims[0] - 1) * st[0] + row
    return True


cdef bint _fast_image(object obj, fast_image *f) except -1:
    """_fast_array of one of the filters' dtypes (uint8, uint16, int16, float32, float64)."""
    return _fast_array(obj, f) and 0 <= f.im.dtype != IMFILT_I64


cdef object _fast_out(object out, const fast_image *src, int typenum, fast_image *dst):
    """The array to write and return: a new one for out=None, else out itself when it is a
    fast array of src's shape and `typenum`, writeable, sharing no byte range with src.
    None: out needs the normaliser (its checks, or a temporary)."""
    cdef cnp.npy_intp dims[3]
    if out is None:
        dims[0], dims[1], dims[2] = src.dims[0], src.dims[1], src.dims[2]
        out = cnp.PyArray_EMPTY(src.nd, dims, typenum, 0)
    if not _fast_array(out, dst) or dst.typenum != typenum or dst.nd != src.nd:
        return None
    if (dst.dims[0] != src.dims[0] or dst.dims[1] != src.dims[1]
            or dst.dims[2] != src.dims[2]):
        return None
    if not cnp.PyArray_ISWRITEABLE(<cnp.ndarray>out) or (dst.lo < src.hi and src.lo < dst.hi):
        return None
    return out


cdef bint _fast_real(object v, double *x) except -1:
    """A finite Python float, or a Python int that a double holds exactly."""
    cdef int overflow = 0
    cdef long long i
    if type(v) is float:
        x[0] = v
        return isfinite(x[0])
    if type(v) is int:
        i = PyLong_AsLongLongAndOverflow(v, &overflow)
        if overflow or i > (1LL << 53) or i < -(1LL << 53):
            return False
        x[0] = <double>i
        return True
    return False


cdef bint _fast_int(object v, long long lo, long long hi, long long *x) except -1:
    """A Python int in [lo, hi]."""
    cdef int overflow = 0
    if type(v) is not int:
        return False
    x[0] = PyLong_AsLongLongAndOverflow(v, &overflow)
    return not overflow and lo <= x[0] <= hi


cdef bint _fast_window(object v, bint odd, size_t *kh, size_t *kw) except -1:
    """A window size: a Python int or a tuple of two, each in [1, MAX_KERNEL] (odd if asked)."""
    cdef long long h, w
    if type(v) is int:
        if not _fast_int(v, 1, _max_kernel, &h):
            return False
        w = h
    elif type(v) is tuple and len(<tuple>v) == 2:
        if not (_fast_int((<tuple>v)[0], 1, _max_kernel, &h)
                and _fast_int((<tuple>v)[1], 1, _max_kernel, &w)):
            return False
    else:
        return False
    if odd and not (h & w & 1):
        return False
    kh[0], kw[0] = h, w
    return True


cdef bint _fast_border(object b, int *code) except -1:
    """A border name the normaliser knows as it is written (lower case)."""
    if type(b) is not str or _border_names is None:
        return False
    c = _border_names.get(b)
    if c is None:
        return False
    code[0] = c
    return True


cdef bint _fast_threads(object t, int *n) except -1:
    """None (0: all cores) or a Python int >= 1, capped at the normaliser's MAX_THREADS."""
    cdef long long v
    if t is None:
        n[0] = 0
        return True
    if not _fast_int(t, 1, 1LL << 62, &v):
        return False
    n[0] = v if v < _max_threads else _max_threads
    return True


cdef double _INT_LO[IMFILT_NTYPES]
cdef double _INT_HI[IMFILT_NTYPES]
_INT_LO[<int>IMFILT_U8], _INT_HI[<int>IMFILT_U8] = 0, 255
_INT_LO[<int>IMFILT_U16], _INT_HI[<int>IMFILT_U16] = 0, 65535
_INT_LO[<int>IMFILT_I16], _INT_HI[<int>IMFILT_I16] = -32768, 32767


cdef bint _fast_cval(object v, int dtype, double *x) except -1:
    """The constant border value as N.cval_arg gives it: integer images round half to even
    and saturate (a finite value only), float images take it as it is."""
    if type(v) is float:
        x[0] = v
    elif not _fast_real(v, x):
        return False
    if dtype == IMFILT_F32 or dtype == IMFILT_F64:
        return True
    if not isfinite(x[0]):
        return False
    x[0] = min(max(rint(x[0]), _INT_LO[dtype]), _INT_HI[dtype])
    return True


cdef bint _fits(const fast_image *s, size_t kh, size_t kw) noexcept:
    """Kernel at most twice the image (never folded, imfilt/_fold.py) and scratch well below
    MAX_SCRATCH_BYTES by a bound over every family's own scratch rule."""
    if kh > 2 * s.im.height or kw > 2 * s.im.width:
        return False
    cdef double scratch = (<double>kh + 4) * (<double>s.im.width + kw) * s.im.channels * 16
    return scratch <= <double>_max_scratch


# ------------------------------------------------------------------------- the filters


cdef _Plan _plan_of(Route route, object built, unsigned long long k0, unsigned long long k1,
                    unsigned long long k2, unsigned long long k3):
    """Store a separable plan (kh, kw, kx, ky, rule, work, out_dtype) the builder returned."""
    kh, kw, kx, ky, rule, work, out_dtype = built
    cdef _Plan p = _store(route, k0, k1, k2, k3, (kx, ky))
    cdef cnp.dtype dt = out_dtype
    p.kh, p.kw, p.work, p.rule, p.out_typenum = kh, kw, work, _rule(rule), dt.type_num
    if kx is not None:
        p.kx, p.ky = _doubles(kx), _doubles(ky)
    return p


cdef object _separable(const fast_image *s, object out, const double *kx, size_t kw, size_t ax,
                       const double *ky, size_t kh, size_t ay, int border, double cval,
                       int work, const imfilt_out_rule *rule, int out_typenum, int threads,
                       bint box):
    """The separable engine's one call (box: a kw x kh window, kx / ky unused); None when out
    needs the normaliser."""
    cdef fast_image d
    res = _fast_out(out, s, out_typenum, &d)
    if res is None:
        return None
    cdef int st
    with nogil:
        if box:
            st = imfilt_boxfilter(&s.im, &d.im, kw, ax, kh, ay, border, cval, work, rule, threads)
        else:
            st = imfilt_sepfilter(&s.im, &d.im, kx, kw, ax, ky, kh, ay, border, cval, work,
                                  rule, threads)
    _check(st, "boxfilter" if box else "sepfilter")
    return res


cdef enum:
    _GAUSSIAN_TAPS = 1025  # kernels quantised in well under a millisecond (then cached)


def fast_gaussian(Route route, image, sigma, ksize, border, cval, out, threads):
    """gaussian; route.plan(dtype, sigma, ksize) -> (kh, kw, kx, ky, rule, work, out dtype),
    or None when the arguments need the normaliser."""
    cdef fast_image s
    cdef double sg, cv
    cdef long long ks = 0
    cdef int b, nt
    cdef _Plan p
    if (_fast_image(image, &s) and _fast_real(sigma, &sg) and 0 <= sg <= _GAUSSIAN_TAPS / 8
            and (ksize is None or _fast_int(ksize, 0, _GAUSSIAN_TAPS, &ks))
            and _fast_border(border, &b) and _fast_cval(cval, s.im.dtype, &cv)
            and _fast_threads(threads, &nt)):
        p = _cached(route, s.im.dtype, _bits(sg), ks, 0)
        if p is None:
            built = route.plan(image.dtype, sg, ks)
            if built is not None:
                p = _plan_of(route, built, s.im.dtype, _bits(sg), ks, 0)
        if p is not None and _fits(&s, p.kh, p.kw):
            res = _separable(&s, out, p.kx, p.kw, p.kw // 2, p.ky, p.kh, p.kh // 2, b, cv,
                             p.work, &p.rule, p.out_typenum, nt, False)
            if res is not None:
                return res
    return route.slow(image, sigma, ksize, border, cval, out, threads)


def fast_mean(Route route, image, size, normalize, border, cval, out, threads):
    """mean; route.plan(dtype, kh, kw, normalize) -> (kh, kw, None, None, rule, work, out
    dtype). OpenCV's row tails (rules with a tail_block) move with border='wrap' as in
    smooth.mean_with_tails."""
    cdef fast_image s
    cdef size_t kh, kw
    cdef double cv
    cdef int b, nt
    cdef _Plan p
    cdef imfilt_out_rule rule
    if (_fast_image(image, &s) and _fast_window(size, False, &kh, &kw)
            and (normalize is True or normalize is False)
            and _fast_border(border, &b) and _fast_cval(cval, s.im.dtype, &cv)
            and _fast_threads(threads, &nt) and _fits(&s, kh, kw)):
        p = _cached(route, s.im.dtype, kh, kw, normalize is True)
        if p is None:
            p = _plan_of(route, route.plan(image.dtype, kh, kw, normalize),
                         s.im.dtype, kh, kw, normalize is True)
        rule = p.rule
        if rule.tail_block and b == IMFILT_BORDER_WRAP:
            rule.tail_pad[0] = kw // 2 * s.im.channels
            rule.tail_pad[1] = (kw - 1 - kw // 2) * s.im.channels
        res = _separable(&s, out, NULL, kw, kw // 2, NULL, kh, kh // 2, b, cv, p.work, &rule,
                         p.out_typenum, nt, True)
        if res is not None:
            return res
    return route.slow(image, size, normalize, border, cval, out, threads)


def fast_median(Route route, image, size, border, cval, out, threads):
    cdef fast_image s, d
    cdef size_t kh, kw
    cdef double cv
    cdef int b, nt, st
    if (_fast_image(image, &s) and _fast_window(size, True, &kh, &kw)
            and _fast_border(border, &b) and _fast_cval(cval, s.im.dtype, &cv)
            and _fast_threads(threads, &nt) and _fits(&s, kh, kw)
            and (kh * kw <= IMFILT_MEDIAN_TILE_MAX
                 or (s.im.dtype != IMFILT_F32 and s.im.dtype != IMFILT_F64))):
        res = _fast_out(out, &s, s.typenum, &d)
        if res is not None:
            with nogil:
                st = imfilt_median(&s.im, &d.im, kh, kw, b, cv, nt)
            _check(st, "median")
            return res
    return route.slow(image, size, border, cval, out, threads)


cdef double _never_wins(int dtype, int op) noexcept:
    """border=None's constant: the type's extreme the extremum never picks (as morphology.py)."""
    cdef double big
    if dtype == IMFILT_F32 or dtype == IMFILT_F64:
        big = FLT_MAX if dtype == IMFILT_F32 else DBL_MAX
        return -big if op == IMFILT_MORPH_MAX else big
    return _INT_LO[dtype] if op == IMFILT_MORPH_MAX else _INT_HI[dtype]


def fast_morph(Route route, image, size, footprint, border, cval, out, threads, int op):
    """minimum (op 0) and maximum (op 1) with a rectangular window."""
    cdef fast_image s, d
    cdef size_t kh, kw
    cdef double cv
    cdef int b, nt, st
    if (footprint is None and _fast_image(image, &s) and _fast_window(size, False, &kh, &kw)
            and _fast_threads(threads, &nt) and _fits(&s, kh, kw)):
        if border is None:
            b, cv = IMFILT_BORDER_CONSTANT, _never_wins(s.im.dtype, op)
        elif not (_fast_border(border, &b) and _fast_cval(cval, s.im.dtype, &cv)):
            return route.slow(image, size, footprint, border, cval, out, threads, op)
        res = _fast_out(out, &s, s.typenum, &d)
        if res is not None:
            with nogil:
                st = imfilt_morph(&s.im, &d.im, NULL, kh, kw, kh // 2, kw // 2, op, b, cv, nt)
            _check(st, "morph")
            return res
    return route.slow(image, size, footprint, border, cval, out, threads, op)


cdef bint _rank_one(const double *k, size_t kh, size_t kw, double *ky, double *kx) noexcept:
    """convolution.separable_factors in C, operation for operation: kx = the row through the
    first largest |k|, ky = its column / the pivot, rank 1 when max |ky kx - k| <= 1e-12 |pivot|."""
    cdef size_t i, j, r = 0, c = 0
    cdef double best = -1, pivot
    if kh < 2 or kw < 2:
        return False
    for i in range(kh * kw):
        if abs(k[i]) > best:
            best, r, c = abs(k[i]), i // kw, i % kw
    pivot = k[r * kw + c]
    if pivot == 0:
        return False
    for j in range(kw):
        kx[j] = k[r * kw + j]
    for i in range(kh):
        ky[i] = k[i * kw + c] / pivot
    for i in range(kh):
        for j in range(kw):
            if not (abs(ky[i] * kx[j] - k[i * kw + j]) <= 1e-12 * abs(pivot)):
                return False
    return True


cdef enum:
    _F2D_TAPS = 256  # kernels up to this many taps take the fast path


def fast_filter2d(Route route, image, kernel, anchor, delta, border, cval, out, threads):
    """filter2d with a C-contiguous float64 or float32 kernel of at most _F2D_TAPS taps, no anchor; a
    rank-1 kernel through the separable engine (delta 0), any other through the binding
    `filter2d` (looked up by name, as the normaliser's path does)."""
    cdef fast_image s, d
    cdef double dl, cv
    cdef int b, nt
    cdef size_t i, kh, kw
    cdef const double *k
    cdef double kx[_F2D_TAPS]
    cdef double ky[_F2D_TAPS]
    cdef imfilt_out_rule rule
    cdef bint nonzero = False
    cdef cnp.ndarray ka
    if not (anchor is None and cnp.PyArray_CheckExact(kernel) and _fast_image(image, &s)
            and _fast_real(delta, &dl) and _fast_border(border, &b)
            and _fast_cval(cval, s.im.dtype, &cv) and _fast_threads(threads, &nt)):
        return route.slow(image, kernel, anchor, delta, border, cval, out, threads)
    ka = <cnp.ndarray>kernel
    if (cnp.PyArray_NDIM(ka) != 2 or not cnp.PyArray_ISNOTSWAPPED(ka)
            or not cnp.PyArray_IS_C_CONTIGUOUS(ka) or not cnp.PyArray_ISALIGNED(ka)):
        return route.slow(image, kernel, anchor, delta, border, cval, out, threads)
    if cnp.PyArray_TYPE(ka) == cnp.NPY_FLOAT32:
        # cv2 users' usual kernel type: widened exactly, as the normaliser does
        ka = <cnp.ndarray>cnp.PyArray_Cast(ka, cnp.NPY_FLOAT64)
    elif cnp.PyArray_TYPE(ka) != cnp.NPY_FLOAT64:
        return route.slow(image, kernel, anchor, delta, border, cval, out, threads)
    kh, kw = cnp.PyArray_DIMS(ka)[0], cnp.PyArray_DIMS(ka)[1]
    if kh < 1 or kw < 1 or kh * kw > _F2D_TAPS or not _fits(&s, kh, kw):
        return route.slow(image, kernel, anchor, delta, border, cval, out, threads)
    k = <const double *>cnp.PyArray_DATA(ka)
    for i in range(kh * kw):
        if not isfinite(k[i]):
            return route.slow(image, kernel, anchor, delta, border, cval, out, threads)
        nonzero |= k[i] != 0
    if not nonzero:
        return route.slow(image, kernel, anchor, delta, border, cval, out, threads)
    if _rank_one(k, kh, kw, ky, kx):
        if dl != 0:
            return route.slow(image, kernel, anchor, delta, border, cval, out, threads)
        rule.mode = IMFILT_OUT_CAST if s.im.dtype in (IMFILT_F32, IMFILT_F64) else IMFILT_OUT_ROUND
        rule.bias, rule.scale, rule.box_delta, rule.box_mul = 0.0, 1.0, 0, 0
        rule.box_mul16, rule.box_shift16, rule.scale_in_float = 0, 0, 0
        rule.tail_block, rule.tail_pad[0], rule.tail_pad[1] = 0, 0, 0
        res = _separable(&s, out, kx, kw, kw // 2, ky, kh, kh // 2, b, cv,
                         IMFILT_WORK_F64 if s.im.dtype == IMFILT_F64 else IMFILT_WORK_F32,
                         &rule, s.typenum, nt, False)
    else:
        res = _fast_out(out, &s, s.typenum, &d)
        if res is not None:
            filter2d(image, res, ka, kh // 2, kw // 2, dl, b, cv, nt)
    if res is None:
        return route.slow(image, kernel, anchor, delta, border, cval, out, threads)
    return res


def fast_lut(Route route, image, table, out, threads):
    """lut of a uint8 / uint16 image in one contiguous native 1-D table of a numeric dtype."""
    cdef fast_image s, d
    cdef int nt, st
    cdef cnp.ndarray ta
    cdef size_t n
    if (_fast_array(image, &s) and (s.im.dtype == IMFILT_U8 or s.im.dtype == IMFILT_U16)
            and cnp.PyArray_CheckExact(table) and _fast_threads(threads, &nt)):
        ta = <cnp.ndarray>table
        n = 256 if s.im.dtype == IMFILT_U8 else 65536
        if (cnp.PyArray_NDIM(ta) == 1 and cnp.PyArray_DIMS(ta)[0] == n
                and cnp.PyArray_ISNOTSWAPPED(ta) and cnp.PyArray_ISALIGNED(ta)
                and cnp.PyArray_IS_C_CONTIGUOUS(ta)
                and cnp.PyTypeNum_ISNUMBER(cnp.PyArray_TYPE(ta))
                and cnp.PyArray_ITEMSIZE(ta) in (1, 2, 4, 8, 16)):
            res = _fast_out(out, &s, cnp.PyArray_TYPE(ta), &d)
            if res is not None:
                with nogil:
                    st = imfilt_lut(&s.im, &d.im, cnp.PyArray_DATA(ta), cnp.PyArray_ITEMSIZE(ta),
                                    1, nt)
                _check(st, "lut")
                return res
    return route.slow(image, table, out, threads)


def fast_gamma(Route route, image, gamma, gain, out, threads):
    """gamma of a uint8 / uint16 image through its table: route.plan(dtype char, gamma, gain)
    -> (table, its bytes), which caches the tables itself."""
    cdef fast_image s, d
    cdef double g, k
    cdef int nt, st
    cdef cnp.ndarray table
    if (_fast_array(image, &s) and (s.im.dtype == IMFILT_U8 or s.im.dtype == IMFILT_U16)
            and _fast_real(gamma, &g) and g >= 0 and _fast_real(gain, &k) and k >= 0
            and _fast_threads(threads, &nt)):
        res = _fast_out(out, &s, s.typenum, &d)
        if res is not None:
            table = route.plan("B" if s.im.dtype == IMFILT_U8 else "H", g, k)[0]
            with nogil:
                st = imfilt_lut(&s.im, &d.im, cnp.PyArray_DATA(table),
                                cnp.PyArray_ITEMSIZE(table), 1, nt)
            _check(st, "lut")
            return res
    return route.slow(image, gamma, gain, out, threads)


cdef class _HogPlan:
    """hog's geometry for one set of argument objects: the C parameters of a window whose
    blocks are the whole grid, and what decides whether an image is one such window."""
    cdef tuple args            # the argument objects (all immutable) this plan is for
    cdef imfilt_hog_params p
    cdef long long wh, ww, wsy, wsx, py, px, sy, sx
    cdef cnp.npy_intp length   # floats per descriptor


cdef bint _immutable_arg(object v) noexcept:
    """A number, a bool, None, or a tuple of those: safe to recognise by identity."""
    cdef object t = type(v)
    if t is int or t is float or t is bool or v is None:
        return True
    if t is not tuple:
        return False
    for e in <tuple>v:
        t = type(e)
        if not (t is int or t is float or t is bool or e is None):
            return False
    return True


cdef _HogPlan _hog_plan(Route route, tuple args):
    """The plan of these argument objects: the last one when they are the same objects, else
    route.plan's (None when they need the normaliser, or give no one-window parameters)."""
    cdef _HogPlan hp
    cdef Py_ssize_t i
    if route.plans:
        hp = <_HogPlan>route.plans[0]
        for i in range(len(args)):
            if (<tuple>args)[i] is not (<tuple>hp.args)[i]:
                break
        else:
            return hp
    for a in args:
        if not _immutable_arg(a):
            return None
    built = route.plan(*args)
    if built is None:
        return None
    grid, (wh, ww), (wsy, wsx), _, (py, px), (nbi, nbj), L, window = built
    if window is None:
        return None
    hp = _HogPlan()
    hp.args, hp.p = args, _hog_params(window)
    hp.wh, hp.ww, hp.wsy, hp.wsx, hp.py, hp.px = wh, ww, wsy, wsx, py, px
    hp.sy, hp.sx = grid["block_stride"]
    hp.length = nbi * nbj * L
    route.plans[:] = [hp]
    return hp


cdef bint _hog_values_ok(const fast_image *s, bint gamma) noexcept nogil:
    """N.hog_values accepts the float image: finite, and non-negative under gamma."""
    cdef size_t y, i, n = s.im.width * s.im.channels
    cdef const float *f
    cdef const double *d
    for y in range(s.im.height):
        if s.im.dtype == IMFILT_F32:
            f = <const float *>(<const char *>s.im.data + y * s.im.row_stride)
            for i in range(n):
                if not isfinite(f[i]) or (gamma and f[i] < 0):
                    return False
        else:
            d = <const double *>(<const char *>s.im.data + y * s.im.row_stride)
            for i in range(n):
                if not isfinite(d[i]) or (gamma and d[i] < 0):
                    return False
    return True


def fast_hog(Route route, image, win_size, block_size, block_stride, cell_size, nbins, signed_,
             gamma_correction, win_sigma, l2hys_threshold, win_stride, padding, threads,
             visualize):
    """hog of an image that is one detection window whose blocks are the whole grid (the
    common call: a window crop); route.plan(<the geometry arguments>) -> N.hog_window_plan's
    plan, or None when they need the normaliser."""
    cdef fast_image s
    cdef int nt, st
    cdef _HogPlan hp
    cdef cnp.npy_intp dims[2]
    cdef long long H, W
    cdef float *d
    if (visualize is False and _fast_array(image, &s) and s.im.dtype != IMFILT_I16
            and 0 <= s.im.dtype != IMFILT_I64 and s.im.channels <= 64
            and _fast_threads(threads, &nt)):
        hp = _hog_plan(route, (win_size, block_size, block_stride, cell_size, nbins, signed_,
                               gamma_correction, win_sigma, l2hys_threshold, win_stride,
                               padding))
        H, W = s.im.height, s.im.width
        # the descriptor far below MAX_OUTPUT_BYTES: bounded by the scratch limit, smaller
        if (hp is not None and hp.length * 4 <= _max_scratch
                and H + 2 * hp.py >= hp.wh and W + 2 * hp.px >= hp.ww
                and (H + 2 * hp.py - hp.wh) // hp.wsy == 0
                and (W + 2 * hp.px - hp.ww) // hp.wsx == 0
                and (H + 2 * hp.py - hp.wh) // hp.sy == 0
                and (W + 2 * hp.px - hp.ww) // hp.sx == 0
                and (s.im.dtype == IMFILT_U8 or s.im.dtype == IMFILT_U16
                     or _hog_values_ok(&s, hp.p.gamma))):
            dims[0], dims[1] = 1, hp.length
            desc = cnp.PyArray_EMPTY(2, dims, cnp.NPY_FLOAT32, 0)
            d = <float *>cnp.PyArray_DATA(<cnp.ndarray>desc)
            with nogil:
                st = imfilt_hog_blocks(&s.im, &hp.p, d, nt)
            _check(st, "hog_blocks")
            return desc
    return route.slow(image, win_size, block_size, block_stride, cell_size, nbins, signed_,
                      gamma_correction, win_sigma, l2hys_threshold, win_stride, padding, threads,
                      visualize)
