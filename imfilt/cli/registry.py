"""The filter registry: each filter's parameters, and Steps that run one with checked arguments.

One table serves the filter subcommands, the chain steps of `run`, --help and the JSON report.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np

from .errors import UsageError
from .options import array_file, boolean, load_array, load_footprint, load_table, number, pair

OMIT = object()   # an option not given is not passed: the function's own default applies


@dataclass(frozen=True)
class Param:
    name: str                  # keyword argument of the function; --name-with-dashes; chain key
    parse: object              # str -> value (raises argparse.ArgumentTypeError)
    help: str
    metavar: str = None
    default: object = OMIT     # passed when the option is not given
    required: bool = False
    array: object = None       # the value names a file holding an array: load_array or a
                               # variant of it (called before any image is read)
    flag: bool = False         # a boolean: --name / --no-name

    @property
    def option(self):
        return "--" + self.name.replace("_", "-")


@dataclass(frozen=True)
class Filter:
    name: str                  # the imfilt function, and the subcommand
    help: str                  # one line, for the top-level --help
    params: tuple              # the first is the value of a bare chain step `name:VALUE`
    border: str | None = None  # default border (for --help); None: no --border/--cval
    kind: str = "image"        # "image": image -> image; "hog": image -> descriptors
    one_of: tuple = ()         # parameters of which at least one must be given

    def function(self):
        import imfilt
        func = getattr(imfilt, self.name, None)
        if func is None:
            have = [f.name for f in FILTERS.values() if hasattr(imfilt, f.name)]
            raise UsageError(f"this build of imfilt ({imfilt.__version__}) has no {self.name}; "
                             f"it has {', '.join(have) or 'no filters'}")
        return func

    def keys(self):
        return [p.name for p in self.params] + (["border", "cval"] if self.border else [])


_PAIR_INT = pair(int, "an integer")


def _size(required=False):
    return Param("size", _PAIR_INT, "window size, N or H,W (height first)", "N",
                 required=required)


_FOOTPRINT = Param("footprint", array_file, "structuring element: .npy (or text) file of 0/1, "
                   "instead of --size", "FILE", array=load_footprint)
FILTERS = {f.name: f for f in (
    Filter("gaussian", "Gaussian blur (equals cv2.GaussianBlur)", (
        Param("sigma", pair(float, "a number"), "standard deviation in pixels, S or SY,SX "
              "(0: derived from --ksize)", "S", default=0.0),
        Param("ksize", _PAIR_INT, "odd kernel size, K or KH,KW (default: derived from --sigma, "
              "as OpenCV)", "K"),
    ), border="reflect101", one_of=("sigma", "ksize")),
    Filter("mean", "mean (box) filter (equals cv2.blur)", (_size(required=True),),
           border="reflect101"),
    Filter("median", "median filter (equals cv2.medianBlur)", (_size(required=True),),
           border="replicate"),
    Filter("minimum", "minimum filter / erosion (equals cv2.erode)", (_size(), _FOOTPRINT),
           border="ignore (pixels outside the image are left out)"),
    Filter("maximum", "maximum filter / dilation (equals cv2.dilate)", (_size(), _FOOTPRINT),
           border="ignore (pixels outside the image are left out)"),
    Filter("gamma", "gamma correction, gain * x ** gamma (equals adjust_gamma)", (
        Param("gamma", number(float, "a number"), "exponent", "G", required=True),
        Param("gain", number(float, "a number"), "factor (default 1)", "K"),
    )),
    Filter("lut", "look-up table: out = table[in] (equals cv2.LUT)", (
        Param("table", array_file, ".npy (or text) file with the table (256 entries for "
              "8-bit images)", "FILE", required=True, array=load_table),
    )),
    Filter("filter2d", "correlation with a kernel from a file (equals cv2.filter2D)", (
        Param("kernel", array_file, ".npy (or text) file with the kernel (correlation, as "
              "cv2.filter2D)", "FILE", required=True, array=load_array),
        Param("anchor", _PAIR_INT, "kernel anchor Y,X (default: the centre)", "Y,X"),
        Param("delta", number(float, "a number"), "added to every result (default 0)", "D"),
    ), border="reflect101"),
    Filter("hog", "HOG descriptors to .npy (equals cv2.HOGDescriptor.compute)", (
        Param("win_size", _PAIR_INT, "detection window H,W (default 128,64)", "H,W"),
        Param("block_size", _PAIR_INT, "block H,W in pixels (default 16,16)", "H,W"),
        Param("block_stride", _PAIR_INT, "block stride H,W (default 8,8)", "H,W"),
        Param("cell_size", _PAIR_INT, "cell H,W (default 8,8)", "H,W"),
        Param("nbins", number(int, "an integer"), "orientation bins (default 9)", "N"),
        Param("signed", boolean, "signed gradients, 0..360 degrees (default: unsigned)",
              flag=True),
        Param("gamma_correction", boolean, "square-root gamma correction (default: on)",
              flag=True),
        Param("win_sigma", number(float, "a number"), "Gaussian window sigma (default: "
              "(block height + width) / 8)", "S"),
        Param("l2hys_threshold", number(float, "a number"), "L2-Hys clipping (default 0.2)",
              "T"),
        Param("win_stride", _PAIR_INT, "window stride H,W (default: the block stride)", "H,W"),
        Param("padding", _PAIR_INT, "padding H,W (default 0,0)", "H,W"),
    ), kind="hog"),
)}
IMAGE_FILTERS = [f.name for f in FILTERS.values() if f.kind == "image"]


def _jsonable(value):
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist() if value.size <= 64 else f"<array {value.shape} {value.dtype}>"
    return value


@dataclass
class Step:
    """One filter with its arguments, ready to run on any image."""
    filter: Filter
    func: object
    kwargs: dict               # as passed (arrays loaded)
    shown: dict                # every argument with its value (file names for arrays), for JSON
    token: str | None = None   # the chain step as written (None for a filter subcommand)

    def __call__(self, image, threads):
        return self.func(image, **self.kwargs, threads=threads)

    def describe(self):
        return {"filter": self.filter.name, "parameters": self.shown}


def _missing(filt, names, chain):
    """What to write for required parameters left out, in the syntax the user is using."""
    params = {p.name: p for p in filt.params}
    if chain:
        forms = [f"{filt.name}:{n.upper()}" if n == filt.params[0].name else
                 f"{filt.name}:{n}={params[n].metavar}" for n in names]
    else:
        forms = [f"{params[n].option} {params[n].metavar}" for n in names]
    what = " or a ".join(names)
    return f"{filt.name} needs a {what}: give {' or '.join(forms)}" + \
        (" (or both)" if len(names) > 1 else "")


def make_step(filt, values, token=None):
    """A Step from {argument: parsed value}; loads array files, fills in the defaults.
    `token`: the chain step as written, so messages use chain syntax (mean:SIZE, not --size)."""
    func = filt.function()
    chain = token is not None
    if filt.one_of and all(values.get(n, OMIT) is OMIT for n in filt.one_of):
        raise UsageError(_missing(filt, filt.one_of, chain))
    kwargs, given = {}, {}
    for p in filt.params:
        value = values.get(p.name, OMIT)
        if value is OMIT:
            value = p.default
        if value is OMIT:
            if p.required:
                raise UsageError(_missing(filt, (p.name,), chain))
            continue
        given[p.name] = value
        kwargs[p.name] = p.array(value) if p.array else value
    for name in ("border", "cval"):
        if values.get(name, OMIT) is not OMIT:
            kwargs[name] = given[name] = values[name]
    shown = {}
    try:
        signature = list(inspect.signature(func).parameters.values())[1:]  # after the image
    except (TypeError, ValueError):  # a builtin without a signature: only what was given
        signature = []
    for p in signature:  # in the function's order, with its defaults filled in
        if p.name in given:
            shown[p.name] = given[p.name]
        elif p.name not in ("out", "threads") and p.default is not p.empty:
            shown[p.name] = p.default
    shown.update({k: v for k, v in given.items() if k not in shown})
    return Step(filt, func, kwargs, {k: _jsonable(v) for k, v in shown.items()}, token)


def close_match(name, names=FILTERS):
    """The one of `names` that `name` is probably a misspelling of, or None."""
    import difflib
    close = difflib.get_close_matches(name.lower(), list(names), n=1, cutoff=0.75)
    return close[0] if close else None


def validate(steps, images=None):
    """Run the steps on tiny images so bad values are usage errors found before any file is
    read; the library's messages name the argument and the allowed values, and a chain's name
    the step. A chain is valid when it runs on any one of `images` (default: blank uint8, uint16
    and float32 ones; say a 65536-entry table is valid for uint16 images only)."""
    if images is None:
        images = [np.zeros((16, 16), dt) for dt in (np.uint8, np.uint16, np.float32)]
    first = None
    for image in images:
        for step in steps:
            try:
                image = step(image, threads=1)
            except (ValueError, TypeError, OverflowError) as e:
                first = first or (step, e)
                break
        else:
            return
    step, error = first
    raise UsageError(f"step {step.token!r}: {error}" if step.token else str(error)) from None
