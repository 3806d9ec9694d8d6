"""The bench's command line: its options, the run over cases and sizes, the exit status."""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

from . import isa
from .images import base_images, make_input
from .report import plot, print_overhead, print_side_by_side, print_summary, write_json
from .rows import CASES, OVERHEAD_CASES, OVERHEAD_TARGETS
from .timing import add_speedups, time_case, time_overhead

# the three sizes of issue 16's targets
DEFAULT_SIZES = "512x512,1920x1080,3840x2160"
DEFAULT_ROUNDS = 30
QUICK_ROUNDS = 5
# seconds per case and size (all libraries and thread settings) after which no round starts
DEFAULT_BUDGET = 2.0


def _comma_list(text, parse, what):
    """parse(item) for each item of a comma-separated list (empty items skipped)."""
    items = [parse(item) for item in (i.strip().lower() for i in text.split(",")) if item]
    if not items:
        raise argparse.ArgumentTypeError(f"no {what} given")
    return items


def _size(item):
    try:
        w, h = (int(v) for v in item.split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size {item!r} is not WIDTHxHEIGHT") from None
    if w < 1 or h < 1:
        raise argparse.ArgumentTypeError(f"size {item!r} must be positive")
    return w, h


def _thread_setting(item):
    """'all' or N -> (label, cv2 thread count, imfilt threads argument)."""
    if item == "all":
        return "all", os.cpu_count() or 1, None
    try:
        n = int(item)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"thread setting {item!r} is neither an integer nor 'all'") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"thread count must be >= 1, got {n}")
    return str(n), n, n


def _parse_sizes(text):
    return _comma_list(text, _size, "sizes")


def _parse_threads(text):
    """'1,all' -> [(label, cv2 thread count, imfilt threads argument)]."""
    return _comma_list(text, _thread_setting, "thread settings")


def _parse_levels(text):
    try:
        return isa.parse_levels(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _build_parser():
    ap = argparse.ArgumentParser(
        prog="imfilt-bench",
        description="Time imfilt against cv2 (and scipy.ndimage, Pillow) in one process, "
                    "interleaved, after checking that imfilt and cv2 agree.")
    ap.add_argument("--quick", action="store_true",
                    help=f"{QUICK_ROUNDS} rounds instead of {DEFAULT_ROUNDS}")
    ap.add_argument("--rounds", type=int, default=None,
                    help="rounds of the round-robin (overrides --quick)")
    ap.add_argument("--threads", type=_parse_threads, default=_parse_threads("1,all"),
                    metavar="LIST", help="comma-separated thread settings: integers and/or "
                                         "'all' (default: 1,all)")
    ap.add_argument("--sizes", type=_parse_sizes, default=_parse_sizes(DEFAULT_SIZES),
                    metavar="WxH,...", help=f"image sizes (default: {DEFAULT_SIZES})")
    ap.add_argument("--filter", action="append", default=None, metavar="NAME",
                    help="only cases whose name contains NAME (comma-separated or repeated), "
                         "e.g. 'mean', 'gaussian_s2', 'f32'")
    ap.add_argument("--budget", type=float, default=DEFAULT_BUDGET, metavar="SECONDS",
                    help="per case and size: start no new round after SECONDS once 3 rounds "
                         f"are done (default {DEFAULT_BUDGET:g}; 0: always all rounds)")
    ap.add_argument("--overhead", choices=("run", "only", "skip"), default="run",
                    help="the tiny-image (" + ", ".join(OVERHEAD_TARGETS) + ") per-call "
                         "overhead section: with the rows, printed after them (default), "
                         "only it, or skip it")
    ap.add_argument("--isa", type=_parse_levels, default=None, metavar="LEVEL[,LEVEL...]",
                    help="run the bench once per level (" + ", ".join(isa.LEVELS) + ") in a "
                         "subprocess with imfilt and cv2 both capped to it, then the ratios "
                         "side by side")
    ap.add_argument("--isa-child", choices=isa.LEVELS, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--no-others", action="store_true",
                    help="time only imfilt, cv2 and the copy floor (skip scipy and Pillow)")
    ap.add_argument("--no-settle", action="store_true",
                    help="time each call in whatever state the previous library left (by "
                         "default every timed call follows the same copy of the image)")
    ap.add_argument("--json", metavar="PATH", help="write rows and metadata as JSON")
    ap.add_argument("--plot", metavar="PNG", help="bar chart of the ratios (needs matplotlib)")
    ap.add_argument("--list", action="store_true", help="list the case names and exit")
    return ap


def _select(cases, filters):
    if not filters:
        return list(cases)
    words = [w.strip() for f in filters for w in f.split(",") if w.strip()]
    return [c for c in cases if any(w in c.name for w in words)]


def _child_argv(args, rounds):
    """The options of this run for an --isa subprocess (its --json and level are added)."""
    argv = ["--rounds", str(rounds), "--budget", repr(args.budget),
            "--threads", ",".join(t[0] for t in args.threads),
            "--sizes", ",".join(f"{w}x{h}" for w, h in args.sizes),
            "--overhead", args.overhead]
    for f in args.filter or ():
        argv += ["--filter", f]
    if args.no_others:
        argv.append("--no-others")
    if args.no_settle:
        argv.append("--no-settle")
    return argv


def main(argv=None) -> int:
    """Run the bench with `argv` (default sys.argv[1:]); 0, 1 when outputs disagree, 2 for
    usage errors."""
    args = _build_parser().parse_args(argv)
    if args.list:
        for c in CASES:
            print(c.name)
        print("overhead section (" + ", ".join(OVERHEAD_TARGETS) + "):")
        for c in OVERHEAD_CASES:
            print(f"  {c.name}")
        return 0
    try:
        import cv2
    except ImportError:
        print("imfilt bench: OpenCV (cv2) is required as the reference; install "
              "opencv-python-headless (pip install 'imfilt[bench]')", file=sys.stderr)
        return 2
    import imfilt

    cases = [] if args.overhead == "only" else _select(CASES, args.filter)
    tiny = [] if args.overhead == "skip" else _select(OVERHEAD_CASES, args.filter)
    if not cases and not tiny:
        print(f"no case matches {args.filter!r}; cases: {', '.join(c.name for c in CASES)}; "
              f"overhead cases: {', '.join(c.name for c in OVERHEAD_CASES)}", file=sys.stderr)
        return 2
    rounds = args.rounds if args.rounds is not None else (
        QUICK_ROUNDS if args.quick else DEFAULT_ROUNDS)
    if rounds < 1:
        print("--rounds must be >= 1", file=sys.stderr)
        return 2
    if args.budget < 0:
        print("--budget must be >= 0", file=sys.stderr)
        return 2
    cfg = imfilt.config()
    if args.isa:
        if args.plot:
            print("--plot draws the chart of one run; it does not combine with --isa",
                  file=sys.stderr)
            return 2
        status, docs = isa.run_levels(args.isa, _child_argv(args, rounds), cfg, cv2)
        if len(docs) == len(args.isa):
            print_side_by_side(docs)
            if args.json:
                write_json(args.json, None, args=args, argv=argv, cfg=cfg, mods={"cv2": cv2},
                           rounds=rounds, levels=docs)
        return status
    cap = None
    if args.isa_child:
        cap = isa.check_cap(args.isa_child, cfg, cv2)
        if not cap["ok"]:
            print(f"imfilt bench: --isa {args.isa_child}: {isa.describe(cap)}", file=sys.stderr)
            return 2

    mods = {"cv2": cv2, "numpy": np}
    if not args.no_others and cases:
        try:
            import scipy.ndimage as ndi
            mods["scipy"] = ndi
        except ImportError:
            print("note: scipy not installed; scipy column left empty")
        try:
            from PIL import Image, ImageFilter
            mods["pillow"] = (Image, ImageFilter)
        except ImportError:
            print("note: Pillow not installed; pillow column left empty")

    bases = base_images()
    cv2_threads_before = cv2.getNumThreads()
    ipp = cv2.ipp.getIppVersion() if cv2.ipp.useIPP() else "off"
    print(f"imfilt {cfg.get('version')} (SIMD {cfg.get('isa_active')}, OpenMP "
          f"{'yes' if cfg.get('openmp') else 'no'}, {cfg.get('max_threads')} threads), "
          f"cv2 {cv2.__version__} (IPP {ipp}), cpu_count {os.cpu_count()}; images: {bases[2]}; "
          f"{rounds} rounds (budget {args.budget:g} s per row), interleaved; times in ms "
          f"(best/median); ratio = imfilt/cv2 best")
    if cap:
        print(isa.describe(cap))
    budget = args.budget or None
    t_start = time.perf_counter()
    rows, overhead = [], []
    try:
        for case in tiny:
            for size in OVERHEAD_TARGETS:
                (w, h), = _parse_sizes(size)
                img = make_input(cv2, bases, case.dtype, case.channels, w, h)
                overhead.append(time_overhead(case, img, rounds, {"cv2": cv2, "numpy": np}))
        t_rows = time.perf_counter()
        for case in cases:
            sizes = [_parse_sizes(case.size)[0]] if case.size else args.sizes
            for (w, h) in sizes:
                img = make_input(cv2, bases, case.dtype, case.channels, w, h)
                rows.extend(time_case(case, img, args.threads, rounds, mods,
                                      settle=not args.no_settle, budget=budget))
    finally:
        cv2.setNumThreads(cv2_threads_before)
    t_end = time.perf_counter()
    add_speedups(rows)
    bad = print_summary(rows, t_end - t_rows) if rows else []
    bad += print_overhead(overhead, t_rows - t_start) if overhead else []
    if args.json:
        write_json(args.json, rows, args=args, argv=argv, cfg=cfg, mods=mods, images=bases[2],
                   rounds=rounds, elapsed=t_end - t_start, overhead=overhead, cap=cap)
    if args.plot and rows:
        plot(rows, args.plot)
    return 1 if bad else 0
