"""Parsing the command line (argparse, built from the filter registry) and `main`, which runs it."""
from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap

from . import imageio as imio
from .chain import help_text
from .demo import run_demo
from .errors import (EXIT_BROKEN_PIPE, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE,
                     UsageError)
from .execute import run_files
from .options import number, positive_int, quality
from .registry import FILTERS, OMIT, close_match


class _Parser(argparse.ArgumentParser):
    """argparse that raises UsageError instead of exiting, so `main` reports every usage error
    the same way (and as a JSON document under --json)."""

    def error(self, message):
        self.print_usage(sys.stderr)
        raise UsageError(message)


COMMAND_HELP = {
    **{f.name: f.help for f in FILTERS.values()},
    "run": "a chain of filters: run IN... -o OUT gamma:0.45 median:5",
    "info": "show version, compiler, SIMD levels and threads",
    "demo": "filter a generated sample image; write PNGs and a contact sheet",
    "bench": "time imfilt against OpenCV and others (--isa, --quick, --json)",
}


def _top_parser():
    from .._config import __version__
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
    g.add_argument("--threads", type=positive_int, default=None,
                   help="threads per filter call (default: the cores divided among --jobs)")
    g.add_argument("-j", "--jobs", type=positive_int, default=1,
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
    g.add_argument("--quality", type=quality, default=None, metavar="Q",
                   help=f"JPEG and WebP quality, 1..100 (default {imio.DEFAULT_QUALITY})")
    if image:
        g.add_argument("--filter-alpha", action="store_true",
                       help="filter the alpha channel too (default: copied unchanged)")


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
            g.add_argument("--cval", type=number(float, "a number"), default=OMIT,
                           help="value outside the image for --border constant (default 0)")
        _add_batch_options(p, image=not hog)
        return p
    if name == "run":
        p = _Parser(
            prog="imfilt run", formatter_class=fmt,
            usage="imfilt run INPUT... -o OUTPUT STEP [STEP...] [options]",
            description="Run a chain of filters on each image, e.g.\n"
                        "  imfilt run photos/ -o out/ gamma:0.45 median:5 gaussian:1.5",
            epilog=help_text())
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
        p.add_argument("--threads", type=positive_int, default=None)
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
            return run_demo(args)
        return run_files(command, args)
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
        guess = close_match(argv[0], COMMAND_HELP)
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
        bench = importlib.import_module("imfilt.bench")
    except ImportError as e:  # the module itself, or a package it needs (cv2, ...)
        print(f"imfilt bench: cannot load the benchmark: {e}\n"
              f"  (it needs the bench extra: pip install 'imfilt[bench]')", file=sys.stderr)
        return EXIT_FAILED
    try:
        status = bench.main(argv)
    except SystemExit as e:  # its own argparse: --help, usage errors
        status = e.code if isinstance(e.code, int) or e.code is None else EXIT_USAGE
    return EXIT_OK if status is None else int(status)
