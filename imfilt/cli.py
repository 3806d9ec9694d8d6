"""The command line: ``python -m imfilt <command> ...`` (also installed as ``imfilt``).

    imfilt gaussian INPUT... -o OUTPUT --sigma S [--ksize K] [common options]
    imfilt mean     INPUT... -o OUTPUT --size N             [common options]
    imfilt info [--json]
    imfilt demo [-o FOLDER] [--overwrite]
    imfilt bench [bench arguments...]

Exit status: 0 when every file succeeded, 1 when any failed (the others are still written),
2 for usage errors, which are found before any file is read.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import secrets
import sys
import time
from dataclasses import dataclass, field

import numpy as np

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A bad command line found after parsing (option values, output paths): exit status 2."""


# --------------------------------------------------------------------------------------------
# Filter subcommands: each names its imfilt function and turns parsed options into arguments.

def _number_or_pair(kind, what):
    """argparse type for "N" or "H,W" (NumPy order: height first, as in the Python API)."""
    def parse(text):
        parts = text.split(",")
        try:
            if len(parts) not in (1, 2):
                raise ValueError
            values = tuple(kind(p) for p in parts)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected {what} or 'height,width', got {text!r}") from None
        return values[0] if len(values) == 1 else values
    return parse


@dataclass
class FilterCommand:
    name: str                     # the imfilt function, and the subcommand
    help: str
    add_options: object           # (parser) -> None: the filter's own options
    keywords: object              # (args) -> {argument: value} for those options

    def function(self):
        import imfilt
        return getattr(imfilt, self.name)

    def parameters(self, args):
        """Every argument of the filter call except the image, as keyword arguments."""
        return dict(self.keywords(args), border=args.border, cval=args.cval,
                    threads=args.threads)


def _gaussian_options(p):
    p.add_argument("--sigma", type=_number_or_pair(float, "a number"), default=0.0,
                   help="standard deviation in pixels, S or SY,SX (0: derived from --ksize)")
    p.add_argument("--ksize", type=_number_or_pair(int, "an odd integer"), default=None,
                   help="odd kernel size, K or KH,KW (default: derived from --sigma, as OpenCV)")


def _mean_options(p):
    p.add_argument("--size", type=_number_or_pair(int, "an integer"), required=True,
                   help="window size, N or H,W")


FILTER_COMMANDS = {
    c.name: c for c in (
        FilterCommand("gaussian", "Gaussian blur (equals cv2.GaussianBlur)", _gaussian_options,
                      lambda a: {"sigma": a.sigma, "ksize": a.ksize}),
        FilterCommand("mean", "mean / box filter (equals cv2.blur)", _mean_options,
                      lambda a: {"size": a.size}),
    )
}


# --------------------------------------------------------------------------------------------
# Argument parsing

def _build_parser():
    from ._config import __version__
    parser = argparse.ArgumentParser(
        prog="imfilt", description="Fast, OpenCV-exact image filters.",
        epilog="Sizes and sigmas are N or H,W (height first). Run 'imfilt demo' to try it.")
    parser.add_argument("--version", action="version", version=f"imfilt {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for cmd in FILTER_COMMANDS.values():
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        p.add_argument("inputs", nargs="+", metavar="INPUT",
                       help="image files, folders or glob patterns (expanded by imfilt)")
        p.add_argument("-o", "--output", required=True,
                       help="output file for a single input file, else an output folder")
        cmd.add_options(p)
        p.add_argument("--border", default="reflect101",
                       help="reflect101 (default), reflect, replicate, constant, wrap")
        p.add_argument("--cval", type=float, default=0.0, help="value outside the image for "
                       "--border constant (default 0)")
        p.add_argument("--threads", type=int, default=None, help="threads (default: all cores)")
        p.add_argument("-r", "--recursive", action="store_true",
                       help="include images in subfolders of INPUT folders")
        p.add_argument("--overwrite", action="store_true", help="replace existing outputs")
        p.add_argument("--json", action="store_true",
                       help="print a JSON report on stdout (progress stays on stderr)")
        p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    p = sub.add_parser("info", help="show version, compiler, SIMD levels and threads")
    p.add_argument("--json", action="store_true", help="print the configuration as JSON")
    p = sub.add_parser("demo", help="filter a generated sample image; write PNGs and a "
                       "contact sheet")
    p.add_argument("-o", "--output", default="imfilt-demo", help="folder (default ./imfilt-demo)")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--overwrite", action="store_true", help="accepted for symmetry; the demo always regenerates its own files")
    # Only listed here for --help: main() hands everything after "bench" to imfilt._bench
    # untouched, because argparse.REMAINDER mishandles arguments that start with "-".
    sub.add_parser("bench", help="time imfilt against OpenCV and others (see 'imfilt bench "
                   "--help')", add_help=False)
    return parser


def main(argv=None) -> int:
    """Run the command line with `argv` (default sys.argv[1:]); return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "bench":
        return _run_bench(argv[1:])
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version, or a usage error already printed
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    try:
        if args.command == "info":
            return _run_info(args)
        if args.command == "demo":
            return _run_demo(args)
        return _run_filter(FILTER_COMMANDS[args.command], args)
    except UsageError as e:
        print(f"imfilt {args.command}: error: {e}", file=sys.stderr)
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
    report: dict = field(default_factory=dict)


def _readable_extensions():
    from PIL import Image
    return {ext for ext, fmt in Image.registered_extensions().items() if fmt in Image.OPEN}


def _writable_format(path):
    """Pillow's format name for the extension of `path`, or None when it cannot write it."""
    from PIL import Image
    fmt = Image.registered_extensions().get(os.path.splitext(path)[1].lower())
    return fmt if fmt in Image.SAVE else None


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
    exts = _readable_extensions()
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if recursive else []
        for f in sorted(files):
            path = os.path.join(root, f)
            if not f.startswith(".") and os.path.splitext(f)[1].lower() in exts:
                found.append((path, os.path.relpath(path, folder)))
    return found


def plan_tasks(inputs, output, recursive):
    """Expand INPUT arguments and pair each image with its output path.

    The form of the arguments, not what they match, decides the output: one argument naming a
    file (or a missing path) writes `output` as a file; anything else - several arguments, a
    folder, a glob pattern - writes into `output` as a folder. So a glob that happens to match
    one file still writes into a folder.

    Files inside the output folder are never taken from a folder or a pattern, so running a
    command twice does not filter its own results again; name such files one by one instead.
    """
    single = len(inputs) == 1 and not os.path.isdir(inputs[0]) and not _is_glob(inputs[0])
    if single:
        out = output
        if os.path.isdir(output) or output.endswith(("/", os.sep)):  # like cp: into a folder
            out = os.path.join(output, os.path.basename(inputs[0]))
        elif _writable_format(output) is None:
            raise UsageError(f"cannot write an image named {output!r}: unknown or read-only "
                             f"format (use an extension such as .png or .tif)")
        return [Task(inputs[0], out)]
    if os.path.exists(output) and not os.path.isdir(output):
        raise UsageError(f"several inputs need an output folder, but {output!r} is a file")
    tasks, seen = [], set()

    def add(path, rel, expanded=True):
        key = os.path.realpath(path)
        if expanded and _is_inside(path, output):
            return
        if key not in seen:  # the same file named twice (say, by a file and a glob)
            seen.add(key)
            tasks.append(Task(path, os.path.join(output, rel)))

    for arg in inputs:
        pattern = _is_glob(arg)
        matches = sorted(glob.glob(arg, recursive=True)) if pattern else [arg]
        if not matches:
            tasks.append(Task(arg, error="no file matches this pattern"))
        for m in matches:
            if os.path.isdir(m):
                for path, rel in _folder_images(m, recursive):
                    add(path, rel)
            elif os.path.exists(m):
                add(m, os.path.basename(m), expanded=pattern)
            else:
                tasks.append(Task(m, error="no such file or folder"))
    _check_distinct_outputs(tasks)
    return tasks


def _check_distinct_outputs(tasks):
    by_output = {}
    for t in tasks:
        if t.output is None:
            continue
        key = os.path.normcase(os.path.abspath(t.output))
        if key in by_output:
            raise UsageError(f"{by_output[key]!r} and {t.input!r} would both be written to "
                             f"{t.output!r}; filter them in separate runs")
        by_output[key] = t.input


# Pillow modes read as they are (after np.asarray) and the dtype they give.
_DIRECT_MODES = {"L": np.uint8, "RGB": np.uint8, "I;16": np.uint16, "I;16L": np.uint16,
                 "I;16B": np.uint16, "I;16N": np.uint16, "I;16S": np.int16, "I;16BS": np.int16,
                 "F": np.float32}


def image_to_array(im):
    """Pillow image -> (pixels, alpha or None). Alpha is returned apart so it is passed through
    unfiltered; palette, bilevel and other colour modes become L or RGB (8 bit)."""
    mode = im.mode
    if mode in ("P", "PA"):
        im = im.convert("RGBA" if mode == "PA" or "transparency" in im.info else "RGB")
    elif mode == "1":
        im = im.convert("L")
    elif mode == "I":
        # 32-bit integers: what Pillow returns for some 16-bit files. Exact when they fit.
        a = np.asarray(im)
        if a.size and (a.min() < 0 or a.max() > 65535):
            raise ValueError(f"32-bit integer image with values {a.min()}..{a.max()} does not "
                             f"fit in uint16; imfilt reads 8-bit, 16-bit and float32 images")
        return a.astype(np.uint16), None
    elif mode not in _DIRECT_MODES and mode not in ("RGBA", "LA"):
        im = im.convert("RGBA" if "A" in im.getbands() else "RGB")
    mode = im.mode
    a = np.asarray(im)
    if mode in ("RGBA", "LA"):
        colour = a[..., :-1]
        return np.ascontiguousarray(colour[..., 0] if mode == "LA" else colour), a[..., -1]
    return a.astype(np.dtype(_DIRECT_MODES[mode]).newbyteorder("="), copy=False), None


def array_to_image(pixels, alpha):
    from PIL import Image
    if alpha is not None:
        planes = [pixels] if pixels.ndim == 2 else [pixels[..., i] for i in range(pixels.shape[2])]
        pixels = np.dstack(planes + [alpha])  # (H, W, 2) -> LA, (H, W, 4) -> RGBA
    return Image.fromarray(np.ascontiguousarray(pixels))


def read_image(path):
    """(pixels, alpha, save options to carry over) with the EXIF orientation applied."""
    from PIL import Image, ImageOps
    with Image.open(path) as im:
        # exif_transpose returns a loaded copy, so the file can be closed right after.
        im = ImageOps.exif_transpose(im)
    keep = {k: im.info[k] for k in ("icc_profile", "dpi") if k in im.info}
    pixels, alpha = image_to_array(im)
    return pixels, alpha, keep


# Pillow's JPEG/WebP default quality (75) visibly degrades a filtered photo.
_FORMAT_OPTIONS = {"JPEG": {"quality": 95}, "WEBP": {"quality": 95}}


def write_image(path, image, options, overwrite):
    """Write `image` to a temporary name in the destination folder, then move it into place, so
    readers never see a half-written file and a failure leaves no partial output."""
    fmt = _writable_format(path)
    if fmt is None:
        raise ValueError(f"cannot write {os.path.basename(path)!r}: unknown or read-only "
                         f"image format")
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{secrets.token_hex(4)}.tmp")
    # 0o666 and os.open (not mkstemp's 0o600) so the output gets the usual umask permissions.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            image.save(f, format=fmt, **{**_FORMAT_OPTIONS.get(fmt, {}), **options})
        _move_into_place(tmp, path, overwrite)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _move_into_place(tmp, path, overwrite):
    if overwrite:
        os.replace(tmp, path)
        return
    # A hard link fails if `path` appeared meanwhile (another process), where os.replace would
    # silently clobber it; fall back to check-then-replace where links are not supported.
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise FileExistsError(f"{path} exists (use --overwrite to replace it)") from None
    except OSError:
        if os.path.exists(path):
            raise FileExistsError(f"{path} exists (use --overwrite to replace it)") from None
        os.replace(tmp, path)


# --------------------------------------------------------------------------------------------
# Running a filter over files

def _validate_parameters(func, params):
    """Call the filter on a 1x1 image so bad option values are usage errors, found before any
    file is read (the library's messages name the argument and the allowed values)."""
    try:
        func(np.zeros((1, 1), np.float32), **params)
    except (ValueError, TypeError) as e:
        raise UsageError(str(e)) from None


def _filter_one(task, func, params, overwrite):
    """Read, filter and write one file; fills task.report. Raises on failure."""
    if task.error:
        raise FileNotFoundError(task.error)
    if os.path.exists(task.output) and not overwrite:
        # Checked first as well as at the end, to skip the work when the answer is known.
        raise FileExistsError(f"{task.output} exists (use --overwrite to replace it)")
    pixels, alpha, options = read_image(task.input)
    shape = list(pixels.shape)
    if alpha is not None:  # the file's shape: colour channels plus alpha
        shape = shape[:2] + [(shape[2] if len(shape) == 3 else 1) + 1]
    task.report.update(shape=shape, dtype=str(pixels.dtype), alpha=alpha is not None)
    t0 = time.perf_counter()
    result = func(pixels, **params)
    task.report["ms"] = (time.perf_counter() - t0) * 1e3
    write_image(task.output, array_to_image(result, alpha), options, overwrite)


def _jsonable(value):
    return list(value) if isinstance(value, tuple) else value


def _run_filter(cmd, args):
    func = cmd.function()
    params = cmd.parameters(args)
    _validate_parameters(func, params)
    tasks = plan_tasks(args.inputs, args.output, args.recursive)
    if not tasks:
        print(f"imfilt {cmd.name}: error: no image files found in "
              f"{', '.join(args.inputs)} (files in the output folder are skipped"
              + (")" if args.recursive else "; --recursive includes subfolders)"),
              file=sys.stderr)
        return EXIT_FAILED
    jparams = {k: _jsonable(v) for k, v in params.items()}
    failed = []
    for i, task in enumerate(tasks, 1):
        task.report = dict(input=task.input, output=task.output, shape=None, dtype=None,
                           alpha=None, parameters=jparams, ms=None, status="ok", error=None)
        t0 = time.perf_counter()
        try:
            _filter_one(task, func, params, args.overwrite)
        except Exception as e:  # noqa: BLE001 - one bad file must not stop the others
            task.report.update(status="error", error=_describe(e))
            failed.append(task)
            print(f"[{i}/{len(tasks)}] {task.input}: error: {task.report['error']}",
                  file=sys.stderr)
            continue
        if not args.quiet:
            r = task.report
            print(f"[{i}/{len(tasks)}] {task.input} -> {task.output}  "
                  f"{'x'.join(map(str, r['shape']))} {r['dtype']}  filter {r['ms']:.1f} ms, "
                  f"total {(time.perf_counter() - t0) * 1e3:.1f} ms", file=sys.stderr)
    if failed:
        print(f"imfilt {cmd.name}: {len(failed)} of {len(tasks)} files failed: "
              f"{', '.join(t.input for t in failed)}", file=sys.stderr)
    if args.json:
        doc = dict(command=cmd.name, parameters=jparams, succeeded=len(tasks) - len(failed),
                   failed=len(failed), files=[t.report for t in tasks])
        print(json.dumps(doc, indent=2))
    return EXIT_FAILED if failed else EXIT_OK


def _describe(exc):
    text = str(exc) or type(exc).__name__
    # Pillow's messages ("cannot identify image file ...") are clear; for the rest, the type
    # (MemoryError, KeyError, ...) says what went wrong when the message alone would not.
    if isinstance(exc, (OSError, ValueError, TypeError)):
        return text
    return f"{type(exc).__name__}: {text}"


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
    from PIL import Image
    from ._sample import sample_image

    _validate_parameters(imfilt.gaussian, {"sigma": 1.0, "threads": args.threads})
    filters = [f for f in DEMO_FILTERS if hasattr(imfilt, f[2])]
    # the demo's folder holds only files the demo itself generates, so a re-run replaces them
    args.overwrite = True
    image = sample_image()
    write_image(os.path.join(args.output, "sample.png"), Image.fromarray(image), {}, True)
    print(f"sample image {image.shape[1]}x{image.shape[0]} RGB uint8 -> "
          f"{os.path.join(args.output, 'sample.png')}")
    tiles, failed = [("original", image)], 0
    for label, stem, name, positional, keywords in filters:
        path = os.path.join(args.output, f"{stem}.png")
        try:
            result, ms = _best_time(getattr(imfilt, name), image, positional,
                                    dict(keywords, threads=args.threads))
            write_image(path, Image.fromarray(result), {}, True)
        except Exception as e:  # noqa: BLE001 - show the other filters anyway
            print(f"{label:<20} error: {_describe(e)}", file=sys.stderr)
            failed += 1
            continue
        print(f"{label:<20} {ms:8.2f} ms  -> {path}")
        tiles.append((label, result))
    sheet = os.path.join(args.output, "contact_sheet.png")
    write_image(sheet, contact_sheet(tiles), {}, True)
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
