"""The command line: ``python -m imfilt <command> ...`` (also installed as ``imfilt``).

    imfilt FILTER INPUT... -o OUTPUT [filter options] [batch options]
    imfilt run INPUT... -o OUTPUT STEP [STEP...]        (a chain, e.g. gamma:0.45 median:5)
    imfilt hog INPUT... -o DESC.npy [--visualize PICTURE.png] [--style opencv|skimage] [geometry options]
    imfilt info [--json] | demo [-o FOLDER] | bench [bench options]

FILTER is any entry of FILTERS (gaussian, mean, median, minimum, maximum, gamma, lut, filter2d);
each is resolved from the imfilt package when it runs, so a build without one of them still
runs the others and names what is missing.

Exit status: 0 when every file succeeded, 1 when any failed (the others are still written),
2 for usage errors, which are all found before any image file is read or written, 141 when
stdout is closed early (`--json | head`).
"""
from __future__ import annotations

import argparse
import glob
import inspect
import json
import os
import re
import sys
import textwrap
import time
from dataclasses import dataclass, field

import numpy as np

from . import _imageio as imio

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_BROKEN_PIPE = 141   # 128 + SIGPIPE, as for a process the signal ended


class UsageError(Exception):
    """A bad command line (option values, output paths): exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises UsageError instead of exiting, so `main` reports every usage error
    the same way (and as a JSON document under --json)."""

    def error(self, message):
        self.print_usage(sys.stderr)
        raise UsageError(message)


# --------------------------------------------------------------------------------------------
# Option values

def _pair(kind, what):
    """argparse type for "N", "H,W" or "HxW" (NumPy order: height first, as in the API)."""
    def parse(text):
        parts = re.split(r"[,x]", text.strip()) if text.strip() else []
        try:
            if len(parts) not in (1, 2):
                raise ValueError
            values = tuple(kind(p) for p in parts)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected {what} or 'height,width', got {text!r}") from None
        return values[0] if len(values) == 1 else values
    return parse


def _number(kind, what):
    def parse(text):
        try:
            return kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
    return parse


def _positive_int(text):
    value = _number(int, "a positive integer")(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _boolean(text):
    word = text.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def _array_file(text):
    """A file holding an array: .npy, or text (.txt, .csv: rows of numbers)."""
    if not text:
        raise argparse.ArgumentTypeError("expected a file name (.npy, .txt or .csv)")
    return text


def load_array(path):
    """The array in `path` (.npy, or text with one row per line, numbers separated by spaces or
    commas). Errors are usage errors: the file is an option value, not an input image."""
    try:
        if path.lower().endswith(".npy"):
            return np.load(path, allow_pickle=False)
        with open(path) as f:
            text = f.read().replace(",", " ")
        return np.loadtxt(text.splitlines(), ndmin=2)
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read an array from {path!r}: {e}") from None


def load_footprint(path):
    """A structuring element: nonzero entries are in it."""
    return load_array(path) != 0


def load_table(path):
    """A look-up table. Text tables of integers get the smallest unsigned type that holds them
    (uint8 for 0..255), since the table's type is the output's; one column is one table."""
    table = load_array(path)
    if not path.lower().endswith(".npy"):
        if table.ndim == 2 and table.shape[1] == 1:
            table = table[:, 0]
        if table.size and np.all(table == np.round(table)) and table.min() >= 0:
            for dtype in (np.uint8, np.uint16):
                if table.max() <= np.iinfo(dtype).max:
                    return table.astype(dtype)
    return table


# --------------------------------------------------------------------------------------------
# The filters: one table serves the subcommands, the chain steps of `run`, --help and JSON.

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


def _size(required=False, default=OMIT):
    return Param("size", _pair(int, "an integer"), "window size, N or H,W (height first)", "N",
                 default=default, required=required)


_PAIR_INT = _pair(int, "an integer")
FILTERS = {f.name: f for f in (
    Filter("gaussian", "Gaussian blur (equals cv2.GaussianBlur)", (
        Param("sigma", _pair(float, "a number"), "standard deviation in pixels, S or SY,SX "
              "(0: derived from --ksize)", "S", default=0.0),
        Param("ksize", _PAIR_INT, "odd kernel size, K or KH,KW (default: derived from --sigma, "
              "as OpenCV)", "K"),
    ), border="reflect101", one_of=("sigma", "ksize")),
    Filter("mean", "mean (box) filter (equals cv2.blur)", (_size(required=True),),
           border="reflect101"),
    Filter("median", "median filter (equals cv2.medianBlur)", (_size(required=True),),
           border="replicate"),
    Filter("minimum", "minimum filter / erosion (equals cv2.erode)", (
        _size(),
        Param("footprint", _array_file, "structuring element: .npy (or text) file of 0/1, "
              "instead of --size", "FILE", array=load_footprint),
    ), border="ignore (pixels outside the image are left out)"),
    Filter("maximum", "maximum filter / dilation (equals cv2.dilate)", (
        _size(),
        Param("footprint", _array_file, "structuring element: .npy (or text) file of 0/1, "
              "instead of --size", "FILE", array=load_footprint),
    ), border="ignore (pixels outside the image are left out)"),
    Filter("gamma", "gamma correction, gain * x ** gamma (equals adjust_gamma)", (
        Param("gamma", _number(float, "a number"), "exponent", "G", required=True),
        Param("gain", _number(float, "a number"), "factor (default 1)", "K"),
    )),
    Filter("lut", "look-up table: out = table[in] (equals cv2.LUT)", (
        Param("table", _array_file, ".npy (or text) file with the table (256 entries for "
              "8-bit images)", "FILE", required=True, array=load_table),
    )),
    Filter("filter2d", "correlation with a kernel from a file (equals cv2.filter2D)", (
        Param("kernel", _array_file, ".npy (or text) file with the kernel (correlation, as "
              "cv2.filter2D)", "FILE", required=True, array=load_array),
        Param("anchor", _PAIR_INT, "kernel anchor Y,X (default: the centre)", "Y,X"),
        Param("delta", _number(float, "a number"), "added to every result (default 0)", "D"),
    ), border="reflect101"),
    Filter("hog", "HOG descriptors to .npy (equals cv2.HOGDescriptor.compute)", (
        Param("win_size", _PAIR_INT, "detection window H,W (default 128,64)", "H,W"),
        Param("block_size", _PAIR_INT, "block H,W in pixels (default 16,16)", "H,W"),
        Param("block_stride", _PAIR_INT, "block stride H,W (default 8,8)", "H,W"),
        Param("cell_size", _PAIR_INT, "cell H,W (default 8,8)", "H,W"),
        Param("nbins", _number(int, "an integer"), "orientation bins (default 9)", "N"),
        Param("signed", _boolean, "signed gradients, 0..360 degrees (default: unsigned)",
              flag=True),
        Param("gamma_correction", _boolean, "square-root gamma correction (default: on)",
              flag=True),
        Param("win_sigma", _number(float, "a number"), "Gaussian window sigma (default: "
              "(block height + width) / 8)", "S"),
        Param("l2hys_threshold", _number(float, "a number"), "L2-Hys clipping (default 0.2)",
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


def _close_match(name, names=FILTERS):
    """The one of `names` that `name` is probably a misspelling of, or None."""
    import difflib
    close = difflib.get_close_matches(name.lower(), list(names), n=1, cutoff=0.75)
    return close[0] if close else None


def parse_step(token):
    """A chain step: NAME, NAME:VALUE, NAME:KEY=VALUE,KEY=VALUE or NAME:VALUE,KEY=VALUE.

    An item without '=' after the first continues the previous value, so pairs can be written
    with a comma as on the command line (gaussian:sigma=1,2 = sigma (1, 2)) as well as HxW.
    Every error names the step."""
    try:
        return _parse_step(token)
    except UsageError as e:
        raise UsageError(f"step {token!r}: {e}") from None


def _parse_step(token):
    name, _, rest = token.partition(":")
    filt = FILTERS.get(name)
    if filt is None:
        if os.path.exists(token) or _is_glob(token):
            raise UsageError("inputs go before the steps")
        guess = _close_match(name)
        raise UsageError(f"unknown filter {name!r}" + (f" (did you mean {guess!r}?)" if guess
                                                       else "")
                         + f"; steps are {', '.join(IMAGE_FILTERS)}")
    if filt.kind != "image":
        raise UsageError(f"{name} is not a chain step: it computes descriptors, not an image "
                         f"(use 'imfilt {name} INPUT... -o DESCRIPTORS.npy')")
    raw, last = {}, None
    for item in (rest.split(",") if rest else []):
        key, eq, value = item.partition("=")
        if eq:
            key = key.strip().replace("-", "_")
            if key not in filt.keys():
                raise UsageError(f"{filt.name} has no parameter {key!r}; "
                                 f"it takes {', '.join(filt.keys())}")
            if key in raw:
                raise UsageError(f"{key} given twice")
            raw[key], last = value, key
        elif last is not None:
            raw[last] += "," + item
        elif not filt.params:
            raise UsageError(f"{filt.name} takes no value")
        else:
            last = filt.params[0].name
            raw[last] = item
    values = {}
    for key, text in raw.items():
        param = next((p for p in filt.params if p.name == key), None)
        parse = param.parse if param else (str if key == "border" else
                                           _number(float, "a number"))
        try:
            values[key] = parse(text)
        except argparse.ArgumentTypeError as e:
            raise UsageError(f"{key}: {e}") from None
    return make_step(filt, values, token)


_STEP_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]+$")


def looks_like_step(token):
    """Whether a `run` item is a step rather than an input. Filter names with a colon always
    are (a file named like one is written ./median:5); otherwise anything that is not an
    existing path or a pattern and reads NAME:..., names a filter or misspells one, so a typo
    gets "unknown filter" rather than "no steps"."""
    name, colon, rest = token.partition(":")
    if name in IMAGE_FILTERS and colon:
        return True
    if os.path.exists(token) or _is_glob(token) or not _STEP_NAME.match(name) \
            or rest.startswith("//"):  # a URL: an input, which will not be found
        return False
    return bool(colon) or name in FILTERS or _close_match(name) is not None


def validate(steps, dummies):
    """Run the steps on tiny images so bad values are usage errors found before any file is
    read; the library's messages name the argument and the allowed values, and a chain's name
    the step. A chain is valid when it runs on any one of `dummies` (say a 65536-entry table,
    valid for uint16 images only)."""
    first = None
    for dummy in dummies:
        image = dummy
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


def _dummies():
    return [np.zeros((16, 16), dt) for dt in (np.uint8, np.uint16, np.float32)]


# --------------------------------------------------------------------------------------------
# Argument parsing

COMMAND_HELP = {
    **{f.name: f.help for f in FILTERS.values()},
    "run": "a chain of filters: run IN... -o OUT gamma:0.45 median:5",
    "info": "show version, compiler, SIMD levels and threads",
    "demo": "filter a generated sample image; write PNGs and a contact sheet",
    "bench": "time imfilt against OpenCV and others (--quick, --json, --plot)",
}

_STEP_HELP = """\
steps (after the inputs; several run in order on each image, without intermediate files):
  NAME                    the filter with its defaults            minimum
  NAME:VALUE              VALUE is the filter's first parameter   gaussian:1.5  median:5
  NAME:KEY=V,KEY=V        parameters by name                      gaussian:sigma=2,border=wrap
  NAME:VALUE,KEY=V        both                                    median:5,border=reflect
  pairs are H,W or HxW, height first: mean:3x7, gaussian:sigma=1,2 (an item without '=' continues
  the previous value). A file named like a step is written ./NAME.
filters and their keys (first = VALUE):
"""


def _top_parser():
    from ._config import __version__
    parser = _Parser(
        prog="imfilt", description="Fast, OpenCV-exact image filters on image files.",
        epilog="'imfilt COMMAND --help' shows a command's options. Sizes and sigmas are N or "
               "H,W (height first). Run 'imfilt demo' to try it.")
    parser.add_argument("--version", action="version", version=f"imfilt {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, text in COMMAND_HELP.items():
        sub.add_parser(name, help=text, add_help=False)
    return parser


def _add_batch_options(p, *, image=True):
    g = p.add_argument_group("files and batches")
    g.add_argument("--threads", type=_positive_int, default=None,
                   help="threads per filter call (default: the cores divided among --jobs)")
    g.add_argument("-j", "--jobs", type=_positive_int, default=1,
                   help="files processed in parallel (default 1)")
    g.add_argument("-r", "--recursive", action="store_true",
                   help="include images in subfolders of INPUT folders")
    g.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    g.add_argument("--skip-existing", action="store_true",
                   help="leave files whose output exists alone (reported as skipped)")
    g.add_argument("--json", action="store_true",
                   help="print one JSON report on stdout (progress stays on stderr)")
    g.add_argument("-q", "--quiet", action="store_true", help="no progress (errors still shown)")
    g.add_argument("--no-exif-transpose", dest="exif_transpose", action="store_false",
                   help="do not rotate images by their EXIF orientation")
    g.add_argument("--max-pixels", type=int, default=None, metavar="N",
                   help="refuse larger images (Pillow's decompression-bomb guard, default "
                        f"{_default_max_pixels():,}; 0: no limit)")
    g.add_argument("--quality", type=_quality, default=None, metavar="Q",
                   help=f"JPEG and WebP quality, 1..100 (default {imio.DEFAULT_QUALITY})")
    if image:
        g.add_argument("--filter-alpha", action="store_true",
                       help="filter the alpha channel too (default: copied unchanged)")


def _quality(text):
    value = _number(int, "an integer from 1 to 100")(text)
    if not 1 <= value <= 100:
        raise argparse.ArgumentTypeError(f"expected an integer from 1 to 100, got {text!r}")
    return value


def _default_max_pixels():
    from PIL import Image
    return Image.MAX_IMAGE_PIXELS or 0


def _add_param(group, p):
    if p.flag:
        # default None (read as "not given"): Python < 3.11 appends a non-None default to help
        group.add_argument(p.option, dest=p.name, action=argparse.BooleanOptionalAction,
                           default=None, help=p.help)
    else:
        group.add_argument(p.option, dest=p.name, type=p.parse, default=OMIT,
                           metavar=p.metavar, help=p.help, required=p.required)


def _filter_usage(filt):
    """The usage line, with required options shown as required and alternatives as such."""
    parts = [f"imfilt {filt.name} INPUT..."]
    parts.append("[-o DESCRIPTORS.npy] [--visualize PICTURE]" if filt.kind == "hog" else
                 "-o OUTPUT")
    params = {p.name: p for p in filt.params}
    if filt.one_of:
        parts.append("(" + " | ".join(f"{params[n].option} {params[n].metavar}"
                                      for n in filt.one_of) + " | both)")
    parts += [f"{p.option} {p.metavar}" for p in filt.params if p.required]
    return " ".join(parts) + " [options]"


def _command_parser(name):
    fmt = argparse.RawDescriptionHelpFormatter
    if name in FILTERS:
        filt = FILTERS[name]
        hog = filt.kind == "hog"
        p = _Parser(
            prog=f"imfilt {name}", formatter_class=fmt, usage=_filter_usage(filt),
            description=f"{filt.help}.\n\n" + textwrap.fill(
                "INPUTs are image files, folders or glob patterns (expanded by imfilt). One "
                "input file: OUTPUT is a file; otherwise OUTPUT is a folder, created, with the "
                "inputs' relative paths. Options left out are not passed, so the function's "
                "own defaults apply.", 78))
        p.add_argument("inputs", nargs="+", metavar="INPUT", help="image files, folders or "
                       "glob patterns")
        if hog:
            p.add_argument("-o", "--output", help="descriptors: a .npy file of shape "
                           "(windows, length) float32, or a folder for several inputs")
            p.add_argument("--visualize", metavar="PICTURE", help="also draw the cell "
                           "histograms as an image file, or into a folder for several inputs")
            p.add_argument("--style", choices=("opencv", "skimage"), default="opencv",
                           help="--visualize picture: 'opencv' (default) draws each cell's "
                           "block-averaged histogram as oriented glyphs over a dimmed copy of "
                           "the image (hog(visualize=True)); 'skimage' is scikit-image's "
                           "hog_image for the same cells and bins")
        else:
            p.add_argument("-o", "--output", required=True,
                           help="output file for a single input file, else an output folder")
        g = p.add_argument_group(f"{name} options")
        for param in filt.params:
            _add_param(g, param)
        if filt.border:
            g.add_argument("--border", default=OMIT, help=f"reflect101, reflect, replicate, "
                           f"constant, wrap (default: {filt.border})")
            g.add_argument("--cval", type=_number(float, "a number"), default=OMIT,
                           help="value outside the image for --border constant (default 0)")
        _add_batch_options(p, image=not hog)
        return p
    if name == "run":
        lines = []
        for f in FILTERS.values():
            if f.kind == "image":
                lines.append(f"  {f.name:<10} {', '.join(f.keys())}")
        p = _Parser(
            prog="imfilt run", formatter_class=fmt,
            usage="imfilt run INPUT... -o OUTPUT STEP [STEP...] [options]",
            description="Run a chain of filters on each image, e.g.\n"
                        "  imfilt run photos/ -o out/ gamma:0.45 median:5 gaussian:1.5",
            epilog=_STEP_HELP + "\n".join(lines))
        p.add_argument("items", nargs="+", metavar="INPUT_OR_STEP",
                       help="image files, folders or glob patterns, then the steps")
        p.add_argument("-o", "--output", required=True,
                       help="output file for a single input file, else an output folder")
        _add_batch_options(p)
        return p
    if name == "info":
        p = _Parser(prog="imfilt info", description=COMMAND_HELP[name])
        p.add_argument("--json", action="store_true", help="print the configuration as JSON")
        return p
    if name == "demo":
        p = _Parser(prog="imfilt demo", description=COMMAND_HELP[name])
        p.add_argument("-o", "--output", default="imfilt-demo",
                       help="folder (default ./imfilt-demo); the demo regenerates its own files")
        p.add_argument("--threads", type=_positive_int, default=None)
        p.add_argument("--overwrite", action="store_true", help="accepted for symmetry")
        return p
    raise KeyError(name)


def main(argv=None) -> int:
    """Run the command line with `argv` (default sys.argv[1:]); return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        status = _main(argv)
        sys.stdout.flush()  # inside the try: a closed pipe shows up here for short output
        return status
    except BrokenPipeError:
        # `imfilt ... --json | head`: the reader left. Exit as a process killed by SIGPIPE
        # would, without a traceback and without Python's complaint when it flushes stdout.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):  # stdout is not a real file
            pass
        return EXIT_BROKEN_PIPE


def _main(argv):
    if argv and argv[0] == "bench":
        return _run_bench(argv[1:])
    command = argv[0] if argv and argv[0] in COMMAND_HELP else None
    try:
        if command is None:
            return _top_level(argv)
        # intermixed: options may come before, between or after INPUTs and steps
        args = _command_parser(command).parse_intermixed_args(argv[1:])
        if command == "info":
            return _run_info(args)
        if command == "demo":
            return _run_demo(args)
        return _run_files(command, args)
    except SystemExit as e:  # --help, --version
        return e.code if isinstance(e.code, int) else EXIT_OK if e.code is None else EXIT_USAGE
    except UsageError as e:
        print(f"imfilt{' ' + command if command else ''}: error: {e}", file=sys.stderr)
        if "--json" in argv:  # a report was asked for: say what went wrong in it too
            print(json.dumps(dict(command=command, exit_status=EXIT_USAGE, error=str(e),
                                  succeeded=0, failed=0, skipped=0, files=[]), indent=2))
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"imfilt {command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _top_level(argv):
    """No command, --help, --version or an unknown command (with a suggestion)."""
    if argv and not argv[0].startswith("-"):
        guess = _close_match(argv[0], COMMAND_HELP)
        raise UsageError(f"unknown command {argv[0]!r}"
                         + (f" (did you mean {guess!r}?)" if guess else "")
                         + f"; commands are {', '.join(COMMAND_HELP)}")
    _top_parser().parse_args(argv)  # prints the help or the version and exits, or errors
    return EXIT_USAGE


# --------------------------------------------------------------------------------------------
# info and bench

def _run_info(args):
    import imfilt
    if args.json:
        print(json.dumps(imfilt.config(), indent=2, default=str))
    else:
        imfilt.show_config()
    return EXIT_OK


def _run_bench(argv):
    import importlib
    try:
        bench = importlib.import_module("imfilt._bench")
    except ImportError as e:  # the module itself, or a package it needs (cv2, ...)
        print(f"imfilt bench: cannot load the benchmark: {e}\n"
              f"  (it needs the bench extra: pip install 'imfilt[bench]')", file=sys.stderr)
        return EXIT_FAILED
    try:
        status = bench.main(argv)
    except SystemExit as e:  # its own argparse: --help, usage errors
        status = e.code if isinstance(e.code, int) or e.code is None else EXIT_USAGE
    return EXIT_OK if status is None else int(status)


# --------------------------------------------------------------------------------------------
# Inputs and outputs

@dataclass
class Task:
    input: str
    output: str | None = None
    error: str | None = None        # set when the input could not even be found
    visualize: str | None = None    # hog: the picture of the histograms
    report: dict = field(default_factory=dict)
    exists: bool = False            # not written: an output exists (and no --overwrite)


def _is_glob(text):
    """A pattern for imfilt to expand (shells on Windows do not); an existing file whose name
    happens to contain [ or * is taken literally."""
    return any(c in text for c in "*?[") and not os.path.exists(text)


def _is_inside(path, folder):
    try:
        return os.path.commonpath([os.path.realpath(path), os.path.realpath(folder)]) \
            == os.path.realpath(folder)
    except ValueError:  # different drives on Windows
        return False


def _folder_images(folder, recursive):
    """(path, path relative to `folder`) of the image files in `folder`, sorted. Hidden files
    and folders (our temporaries among them) are skipped."""
    exts = imio.image_extensions()
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if recursive else []
        for f in sorted(files):
            path = os.path.join(root, f)
            if not f.startswith(".") and os.path.splitext(f)[1].lower() in exts:
                found.append((path, os.path.relpath(path, folder)))
    return found


def _with_suffix(path, suffix):
    return os.path.splitext(path)[0] + suffix if suffix else path


def plan_tasks(inputs, output, recursive, suffix=None, check_output=None, skip=()):
    """Expand INPUT arguments and pair each image with its output path.

    The form of the arguments, not what they match, decides the output: one argument naming a
    file (or a missing path) writes `output` as a file; anything else - several arguments, a
    folder, a glob pattern - writes into `output` as a folder. So a glob that happens to match
    one file still writes into a folder. In a folder, outputs keep the inputs' relative paths
    and names, with the extension replaced by `suffix` when given (hog: ".npy").
    `check_output(path)` vets a single output file name (raises UsageError).

    Files inside the output folder (and the folders in `skip`) are never taken from a folder or
    a pattern, so running a command twice does not filter its own results again; name such
    files one by one instead.
    """
    single = len(inputs) == 1 and not os.path.isdir(inputs[0]) and not _is_glob(inputs[0])
    if single:
        out = output
        if os.path.isdir(output) or output.endswith(("/", os.sep)):  # like cp: into a folder
            out = os.path.join(output, _with_suffix(os.path.basename(inputs[0]), suffix))
        elif check_output:
            check_output(output)
        return [Task(inputs[0], out)]
    if os.path.exists(output) and not os.path.isdir(output):
        raise UsageError(f"several inputs need an output folder, but {output!r} is a file")
    if not os.path.isdir(output) and (imio.output_format(output) or output.endswith(".npy")):
        raise UsageError(f"several inputs need an output folder, but {output!r} names a file "
                         f"(create the folder first if you mean it)")
    tasks, seen = [], set()

    def add(path, rel, expanded=True):
        key = os.path.realpath(path)
        if expanded and any(_is_inside(path, d) for d in (output, *skip)):
            return
        if key not in seen:  # the same file named twice (say, by a file and a glob)
            seen.add(key)
            tasks.append(Task(path, os.path.join(output, _with_suffix(rel, suffix))))

    for arg in inputs:
        pattern = _is_glob(arg)
        matches = sorted(glob.glob(arg, recursive=True)) if pattern else [arg]
        if not matches:
            tasks.append(Task(arg, error="no file matches this pattern"))
        # A pattern's matches keep their paths below its fixed part: photos/**/*.png writes
        # out/a/x.png for photos/a/x.png.
        root = _glob_root(arg) if pattern else None
        for m in matches:
            if os.path.isdir(m):
                prefix = os.path.relpath(m, root) if pattern else ""
                for path, rel in _folder_images(m, recursive):
                    add(path, os.path.join(prefix, rel))
            elif os.path.exists(m):
                add(m, os.path.relpath(m, root) if pattern else os.path.basename(m),
                    expanded=pattern)
            else:
                tasks.append(Task(m, error="no such file or folder"))
    return tasks


def _glob_root(pattern):
    """The folder before the first wildcard of a pattern ('.' when it starts with one)."""
    head = pattern
    while head and any(c in head for c in "*?["):
        head = os.path.dirname(head)
    return head or "."


def _check_distinct_outputs(tasks):
    by_output = {}
    for t in tasks:
        for out in (t.output, t.visualize):
            if out is None:
                continue
            key = os.path.normcase(os.path.abspath(out))
            if key in by_output:
                raise UsageError(f"{by_output[key]!r} and {t.input!r} would both be written "
                                 f"to {out!r}; filter them in separate runs")
            by_output[key] = t.input


def _image_output(path):
    if imio.output_format(path) is None:
        raise UsageError(f"cannot write an image named {path!r}: unknown or read-only format "
                         f"(use an extension such as .png or .tif)")


def _npy_output(path):
    if not path.lower().endswith(".npy"):
        raise UsageError(f"hog writes its descriptors as .npy; got {path!r}")


# --------------------------------------------------------------------------------------------
# Running a command over files

@dataclass
class Job:
    """Everything one file needs, decided before any file is read."""
    command: str
    inputs: list
    steps: list
    tasks: list
    threads: int | None
    args: argparse.Namespace
    max_pixels: int = 0        # 0: no limit

    def parameters(self):
        if self.command == "run":
            return [s.describe() for s in self.steps]
        return self.steps[0].shown


def _prepare(command, args):
    """Parse and check the whole command line into a Job; raises UsageError."""
    if args.max_pixels is not None and args.max_pixels < 0:
        raise UsageError("--max-pixels must be >= 0 (0: no limit)")
    if args.overwrite and args.skip_existing:
        raise UsageError("--overwrite and --skip-existing contradict each other")
    if command == "run":
        inputs, steps = _chain(args.items)
    else:
        filt = FILTERS[command]
        inputs = args.inputs
        values = {name: getattr(args, name, OMIT) for name in filt.keys()}
        steps = [make_step(filt, {k: v for k, v in values.items()
                                  if v is not OMIT and v is not None})]
    if command == "hog":
        _validate_hog(steps[0])
        tasks = _plan_hog(inputs, args)
    else:
        validate(steps, _dummies())
        tasks = plan_tasks(inputs, args.output, args.recursive, check_output=_image_output)
    _check_distinct_outputs(tasks)
    if args.quality is not None:
        formats = {imio.output_format(o) for t in tasks for o in (t.output, t.visualize) if o}
        if not formats & set(imio.QUALITY_FORMATS):
            raise UsageError("--quality applies to JPEG and WebP outputs, and no output is one "
                             "(.jpg, .webp)")
    jobs = max(1, min(args.jobs, len(tasks)))
    threads = args.threads
    if threads is None and jobs > 1:  # share the cores between files and each file's kernels
        threads = max(1, _cpu_count() // jobs)
    return Job(command, inputs, steps, tasks, threads, args)


def _chain(items):
    """`run`'s positional arguments -> (inputs, steps): the steps are the trailing items."""
    inputs, tokens = [], []
    for item in items:
        if tokens or looks_like_step(item):
            tokens.append(item)
        else:
            inputs.append(item)
    if not tokens:
        raise UsageError("no steps: name filters after the inputs, e.g. 'gaussian:1.5' "
                         "(see 'imfilt run --help')")
    if not inputs:
        raise UsageError("no inputs before the steps")
    return inputs, [parse_step(t) for t in tokens]


def _plan_hog(inputs, args):
    """Tasks with the descriptors (.npy) and/or the picture (--visualize) as outputs."""
    if not args.output and not args.visualize:
        raise UsageError("give -o DESCRIPTORS.npy, --visualize PICTURE.png, or both")
    folders = [d for d in (args.output, args.visualize) if d]

    def plan(dest, suffix, check):
        return plan_tasks(inputs, dest, args.recursive, suffix, check, skip=folders)

    descriptors = plan(args.output, ".npy", _npy_output) if args.output else None
    pictures = plan(args.visualize, ".png", _image_output) if args.visualize else None
    if descriptors is None:
        for t in pictures:
            t.output, t.visualize = None, t.output
        return pictures
    for t, p in zip(descriptors, pictures or ()):
        t.visualize = p.output
    return descriptors


def _validate_hog(step):
    """hog's geometry is checked on a blank image of one window (when that is small)."""
    win = step.shown.get("win_size", (128, 64))
    win = tuple(win) if isinstance(win, (list, tuple)) else (win, win)
    if all(isinstance(v, int) and 0 < v <= 2048 for v in win):
        validate([step], [np.zeros(win, np.uint8)])


def _cpu_count():
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _run_files(command, args):
    from PIL import Image
    job = _prepare(command, args)
    if not job.tasks:
        print(f"imfilt {command}: error: no image files found in "
              f"{', '.join(job.inputs)} (files in the "
              f"output folder are skipped" + (")" if args.recursive else
                                              "; --recursive includes subfolders)"),
              file=sys.stderr)
        if args.json:
            print(json.dumps(dict(command=command, parameters=job.parameters(), jobs=0,
                                  threads=job.threads, succeeded=0, failed=0, skipped=0,
                                  files=[]), indent=2))
        return EXIT_FAILED
    saved = Image.MAX_IMAGE_PIXELS
    # The limit is checked by read_image as a hard one, with the number the user set (Pillow's
    # own guard only warns up to twice its limit, and names the doubled number beyond).
    job.max_pixels = (saved or 0) if args.max_pixels is None else args.max_pixels
    Image.MAX_IMAGE_PIXELS = None
    try:
        return _execute(job)
    finally:
        Image.MAX_IMAGE_PIXELS = saved


def _execute(job):
    args, tasks = job.args, job.tasks
    params = job.parameters()
    progress = Progress(len(tasks), f"imfilt {job.command}", args.quiet)
    worker = _hog_one if job.command == "hog" else _filter_one

    def work(task):
        task.report = dict(input=task.input, output=task.output, shape=None, dtype=None,
                           alpha=None, parameters=params, ms=None, total_ms=None, status="ok",
                           error=None)
        if task.visualize:
            task.report["visualize"] = task.visualize
        t0 = time.perf_counter()
        try:
            worker(task, job)
        except FileExistsError as e:
            task.report.update(status="error", error=_describe(e))
            task.exists = True
        except Exception as e:  # noqa: BLE001 - one bad file must not stop the others
            task.report.update(status="error", error=_describe(e))
        task.report["total_ms"] = round((time.perf_counter() - t0) * 1e3, 3)
        return task

    jobs = max(1, min(args.jobs, len(tasks)))
    try:
        if jobs == 1:
            for task in tasks:
                progress.done(work(task))
        else:
            from concurrent.futures import ThreadPoolExecutor, as_completed
            pool = ThreadPoolExecutor(jobs, thread_name_prefix="imfilt")
            try:
                for future in as_completed([pool.submit(work, t) for t in tasks]):
                    progress.done(future.result())
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)  # running files finish cleanly
                raise
            pool.shutdown()
    finally:
        progress.close()
    failed = [t for t in tasks if t.report.get("status") == "error"]
    skipped = [t for t in tasks if t.report.get("status") == "skipped"]
    exist = [t for t in failed if t.exists]
    broken = [t for t in failed if not t.exists]
    if broken:
        print(f"imfilt {job.command}: {len(broken)} of {len(tasks)} files failed: "
              f"{', '.join(t.input for t in broken)}", file=sys.stderr)
    if exist:
        print(f"imfilt {job.command}: {len(exist)} of {len(tasks)} files not written because "
              f"their outputs exist; --overwrite replaces them, --skip-existing leaves them and "
              f"counts them as skipped", file=sys.stderr)
    if args.json:
        doc = dict(command=job.command, parameters=params, jobs=jobs, threads=job.threads,
                   succeeded=len(tasks) - len(failed) - len(skipped), failed=len(failed),
                   skipped=len(skipped), files=[t.report for t in tasks])
        print(json.dumps(doc, indent=2))
    return EXIT_FAILED if failed else EXIT_OK


def _outputs_exist(task, job):
    """True when the task should be skipped; raises when an output exists and may not be
    replaced. Checked before reading as well as at the end (where it is atomic), to skip the
    work when the answer is known."""
    outs = [o for o in (task.output, task.visualize) if o]
    existing = [o for o in outs if os.path.exists(o)]
    if not existing or job.args.overwrite:
        return False
    if job.args.skip_existing and len(existing) == len(outs):
        return True
    raise FileExistsError(f"{existing[0]} exists (use --overwrite to replace it)")


def _read(task, job):
    if task.error:
        raise FileNotFoundError(task.error)
    picture = imio.read_image(task.input, exif_transpose=job.args.exif_transpose,
                              max_pixels=job.max_pixels)
    task.report.update(shape=list(picture.pixels.shape), dtype=str(picture.pixels.dtype),
                       alpha=picture.alpha)
    return picture


def _filter_one(task, job):
    """Read, filter and write one image file; fills task.report. Raises on failure."""
    if _outputs_exist(task, job):
        task.report["status"] = "skipped"
        return
    picture = _read(task, job)
    has_alpha, options = picture.alpha, picture.options
    # Only `result` refers to the pixels, so each step's input is freed once its output
    # exists: memory stays at two images, however long the chain (alpha is a copy for that).
    result, alpha, picture = picture.pixels, None, None
    if has_alpha and not job.args.filter_alpha:
        alpha = result[..., -1].copy()
        result = result[..., 0] if result.shape[2] == 2 else result[..., :-1]
    t0 = time.perf_counter()
    for step in job.steps:
        result = step(result, job.threads)
    task.report["ms"] = round((time.perf_counter() - t0) * 1e3, 3)
    if alpha is not None:
        result = np.dstack([result, alpha.astype(result.dtype)])
    _, write = imio.encode(task.output, result, has_alpha, options, quality=job.args.quality)
    imio.write_atomic(task.output, write, job.args.overwrite)


def _hog_one(task, job):
    """Descriptors (.npy) and, when asked, the picture of the cell histograms."""
    if _outputs_exist(task, job):
        task.report["status"] = "skipped"
        return
    picture = _read(task, job)
    pixels = picture.pixels
    if picture.alpha:  # the descriptors see the colours; alpha is left out
        pixels = pixels[..., 0] if pixels.shape[2] == 2 else pixels[..., :-1]
    step = job.steps[0]
    t0 = time.perf_counter()
    if task.visualize and job.args.style == "opencv":  # one call gives both
        descriptors, picture_out = step.func(pixels, **step.kwargs, threads=job.threads,
                                             visualize=True)
    else:
        descriptors = step(pixels, job.threads) if task.output else None
        picture_out = _hog_picture(pixels, step, job.threads) if task.visualize else None
    task.report["ms"] = round((time.perf_counter() - t0) * 1e3, 3)
    if task.visualize:
        _, write_picture = imio.encode(task.visualize, picture_out, False, {},
                                       quality=job.args.quality)
    if descriptors is not None:
        task.report.update(descriptor_shape=list(descriptors.shape),
                           descriptor_dtype=str(descriptors.dtype))
        imio.write_atomic(task.output, lambda f: np.save(f, descriptors), job.args.overwrite)
    if task.visualize:
        imio.write_atomic(task.visualize, write_picture, job.args.overwrite)


def _hog_picture(pixels, step, threads):
    """scikit-image's HOG picture (hog_skimage(visualize=True)) for the same cells and bins,
    scaled to 0..255."""
    import imfilt
    func = getattr(imfilt, "hog_skimage", None)
    if func is None:
        raise RuntimeError("this build of imfilt has no hog_skimage, which --visualize uses")
    pair = lambda v: tuple(v) if isinstance(v, (list, tuple)) else (v, v)  # noqa: E731
    cell = pair(step.shown.get("cell_size", (8, 8)))
    block = pair(step.shown.get("block_size", (16, 16)))
    _, hog_image = func(pixels, orientations=step.shown.get("nbins", 9), pixels_per_cell=cell,
                        cells_per_block=(max(1, block[0] // cell[0]),
                                         max(1, block[1] // cell[1])),
                        visualize=True, channel_axis=-1 if pixels.ndim == 3 else None,
                        threads=threads)
    hog_image = np.asarray(hog_image, np.float64)
    top = hog_image.max(initial=0.0)
    scaled = hog_image * (255.0 / top) if top > 0 else hog_image
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def _describe(exc):
    text = str(exc) or type(exc).__name__
    # Pillow's messages ("cannot identify image file ...") are clear; for the rest, the type
    # (MemoryError, KeyError, ...) says what went wrong when the message alone would not.
    if isinstance(exc, (OSError, ValueError, TypeError)):
        return text
    return f"{type(exc).__name__}: {text}"


class Progress:
    """Progress on stderr: a bar on a terminal (tqdm when installed, else a counter line),
    one line per file otherwise (logs). Errors are always shown, even with --quiet."""

    def __init__(self, total, label, quiet):
        self.total, self.label, self.quiet = total, label, quiet
        self.count = self.failed = 0
        self.drawn = 0.0
        self.tty = not quiet and sys.stderr.isatty()
        self.bar = None
        if self.tty:
            try:
                from tqdm import tqdm
                self.bar = tqdm(total=total, desc=label, unit="file", file=sys.stderr)
            except ImportError:
                self._draw()

    def _draw(self, force=False):
        now = time.monotonic()
        if not force and self.count < self.total and now - self.drawn < 0.1:
            return  # a few redraws a second are enough
        self.drawn = now
        failed = f", {self.failed} failed" if self.failed else ""
        sys.stderr.write(f"\r{self.label}: {self.count}/{self.total} files{failed}")
        sys.stderr.flush()

    def message(self, text):
        if self.bar is not None:
            self.bar.write(text, file=sys.stderr)
        elif self.tty:
            sys.stderr.write("\r\x1b[K" + text + "\n")
            self._draw(force=True)
        else:
            print(text, file=sys.stderr, flush=True)

    def done(self, task):
        self.count += 1
        r = task.report
        if r["status"] == "error":
            self.failed += 1
            self.message(f"[{self.count}/{self.total}] {task.input}: error: {r['error']}")
        elif not self.tty and not self.quiet:
            if r["status"] == "skipped":
                self.message(f"[{self.count}/{self.total}] {task.input}: skipped, output exists")
            else:
                outs = " + ".join(o for o in (task.output, task.visualize) if o)
                self.message(f"[{self.count}/{self.total}] {task.input} -> {outs}  "
                             f"{'x'.join(map(str, r['shape']))} {r['dtype']}  "
                             f"filter {r['ms']:.1f} ms, total {r['total_ms']:.1f} ms")
        if self.bar is not None:
            self.bar.update(1)
            if self.failed:
                self.bar.set_postfix(failed=self.failed)
        elif self.tty:
            self._draw()

    def close(self):
        if self.bar is not None:
            self.bar.close()
        elif self.tty:
            sys.stderr.write("\n")
            sys.stderr.flush()


# --------------------------------------------------------------------------------------------
# demo

# (label, file stem, imfilt function, positional arguments, keyword arguments). Filters not in
# this build of imfilt are skipped, so the demo shows whatever is available.
DEMO_FILTERS = [
    ("gaussian sigma=1", "gaussian_sigma1", "gaussian", (1.0,), {}),
    ("gaussian sigma=2", "gaussian_sigma2", "gaussian", (2.0,), {}),
    ("gaussian sigma=5", "gaussian_sigma5", "gaussian", (5.0,), {}),
    ("mean 5x5", "mean_5", "mean", (5,), {}),
    ("mean 31x31", "mean_31", "mean", (31,), {}),
    ("median 5x5", "median_5", "median", (5,), {}),
    ("minimum 5x5", "minimum_5", "minimum", (5,), {}),
    ("maximum 5x5", "maximum_5", "maximum", (5,), {}),
    ("gamma 0.5", "gamma_0.5", "gamma", (0.5,), {}),
    ("filter2d sharpen", "filter2d_sharpen", "filter2d",
     (np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], np.float32),), {}),
]


def _run_demo(args):
    import imfilt
    from ._sample import sample_image

    filters = [f for f in DEMO_FILTERS if hasattr(imfilt, f[2])]
    # the demo's folder holds only files the demo itself generates, so a re-run replaces them
    image = sample_image()
    imio.write_image(os.path.join(args.output, "sample.png"), image, overwrite=True)
    print(f"sample image {image.shape[1]}x{image.shape[0]} RGB uint8 -> "
          f"{os.path.join(args.output, 'sample.png')}")
    tiles, failed = [("original", image)], 0
    for label, stem, name, positional, keywords in filters:
        path = os.path.join(args.output, f"{stem}.png")
        try:
            result, ms = _best_time(getattr(imfilt, name), image, positional,
                                    dict(keywords, threads=args.threads))
            imio.write_image(path, result, overwrite=True)
        except Exception as e:  # noqa: BLE001 - show the other filters anyway
            print(f"{label:<20} error: {_describe(e)}", file=sys.stderr)
            failed += 1
            continue
        print(f"{label:<20} {ms:8.2f} ms  -> {path}")
        tiles.append((label, result))
    sheet = os.path.join(args.output, "contact_sheet.png")
    image = contact_sheet(tiles)
    imio.write_atomic(sheet, lambda f: image.save(f, format="PNG"), True)
    print(f"contact sheet -> {sheet}")
    return EXIT_FAILED if failed else EXIT_OK


def _best_time(func, image, positional, keywords, repeats=3):
    """The result and the best of a few timings: the first call pays for page faults and
    thread start-up, which is not the filter's speed."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = func(image, *positional, **keywords)
        best = min(best, time.perf_counter() - t0)
    return result, best * 1e3


def contact_sheet(tiles, columns=3, thumb_width=320, pad=8, label_height=18):
    """A grid of labelled thumbnails, as a Pillow RGB image. `tiles`: (label, uint8 array)."""
    from PIL import Image, ImageDraw, ImageFont
    h, w = tiles[0][1].shape[:2]
    tw, th = thumb_width, max(1, round(h * thumb_width / w))
    rows = -(-len(tiles) // columns)
    sheet = Image.new("RGB", (columns * (tw + pad) + pad, rows * (th + label_height + pad) + pad),
                      (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default()
    for k, (label, arr) in enumerate(tiles):
        x = pad + (k % columns) * (tw + pad)
        y = pad + (k // columns) * (th + label_height + pad)
        thumb = Image.fromarray(arr).convert("RGB").resize((tw, th), Image.Resampling.LANCZOS)
        sheet.paste(thumb, (x, y))
        draw.text((x, y + th + 3), label, fill=(0, 0, 0), font=font)
    return sheet
