"""The bench's report: the table on stdout, the JSON file with the run's metadata, the chart."""
from __future__ import annotations

import datetime
import json
import os
import platform
import sys

import numpy as np

from .isa import describe
from .rows import LIBS
from .timing import SCALING_MIN_MS, SCALING_TARGET


def _fmt(v, nd=None):
    if v is None:
        return "-"
    if v != v:  # nan
        return "nan"
    if nd is not None:
        return f"{v:.{nd}f}"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    if v >= 1:
        return f"{v:.2f}"
    return f"{v:.3f}"


def table(rows):
    others = [lib for lib in LIBS if lib not in ("imfilt", "cv2")
              and any(r.get(f"{lib}_best_ms") is not None for r in rows)]
    gf = any(r.get("gflops") for r in rows)
    head = (["case", "size", "dtype", "thr", "imfilt best/med", "cv2 best/med", "ratio",
             "target", "vs"]
            + others + ["imfilt 1T/xT", "cv2 1T/xT", "imfilt 1T/xT b2b"]
            + (["GFLOP/s"] if gf else []))
    lines = []
    for r in rows:
        sp = "" if r["threads"] == "1" else _fmt(r.get("imfilt_speedup"), 2)
        spc = "" if r["threads"] == "1" else _fmt(r.get("cv2_speedup"), 2)
        spb = "" if r["threads"] == "1" else _fmt(r.get("imfilt_b2b_speedup"), 2)
        if r.get("scaling_ok") is False:
            spb += " *"
        lines.append([
            r["case"], r["size"], _dtype(r), r["threads"],
            f"{_fmt(r['imfilt_best_ms'])}/{_fmt(r['imfilt_median_ms'])}",
            f"{_fmt(r['cv2_best_ms'])}/{_fmt(r['cv2_median_ms'])}",
            _ratio(r), f"{r['target']:g}", r["reference"],
            *[_fmt(r.get(f"{lib}_best_ms")) for lib in others], sp, spc, spb,
        ] + ([_fmt(r.get("gflops"), 1)] if gf else []))
    return _layout(head, lines, [r["case"] for r in rows], left={0, 1, 2, 3, 8})


def _dtype(r):
    return r["dtype"] + (f"x{r['channels']}" if r["channels"] > 1 else "")


def _ratio(r):
    """The ratio with its mark: ERROR, MISMATCH, or '*' above the row's target."""
    text = _fmt(r["ratio"], 2)
    if "imfilt_error" in r:
        return text + " ERROR"
    if not r["agree"]:
        return text + " MISMATCH"
    return text + (" *" if r["meets_target"] is False else "")


def _layout(head, lines, groups, left):
    """Aligned columns (`left`: the left-aligned ones), a blank line where `groups` changes."""
    widths = [max(len(head[i]), *(len(l[i]) for l in lines)) if lines else len(head[i])
              for i in range(len(head))]

    def fmt_line(cells):
        return "  ".join(c.ljust(widths[i]) if i in left else c.rjust(widths[i])
                         for i, c in enumerate(cells)).rstrip()

    out = [fmt_line(head), fmt_line(["-" * w for w in widths])]
    prev = None
    for g, l in zip(groups, lines):
        if prev is not None and g != prev:
            out.append("")
        prev = g
        out.append(fmt_line(l))
    return "\n".join(out)


def overhead_table(rows):
    head = ["case", "size", "dtype", "imfilt us", "cv2 us", "ratio", "target", "calls/sample"]
    lines = [[r["case"], r["size"], _dtype(r), _fmt(r["imfilt_us"]), _fmt(r["reference_us"]),
              _ratio(r), _fmt(r["target"], 1), str(r["calls_per_sample"])] for r in rows]
    return _layout(head, lines, [r["case"] for r in rows], left={0, 1, 2})


def print_overhead(rows, elapsed):
    """The tiny-image section and its legend; returns the rows whose outputs disagree."""
    print()
    print("Per-call overhead: imfilt with its default arguments vs cv2 at 1 thread, "
          "microseconds per call (a loop of calls per sample, interleaved, best sample)")
    print(overhead_table(rows))
    print(f"({elapsed:.1f} s; '*' = ratio above the target: "
          + ", ".join(f"{r['target']:g} at {r['size']}" for r in
                      {r["size"]: r for r in rows}.values()) + ")")
    return _report_bad(rows)


def side_by_side(docs, key, value):
    """Rows of every level's `key` list aligned by case, size and thread setting: (the first
    level's row, [value(row) of each level, '' where a level lacks it])."""
    index = [{(r["case"], r["size"], r["threads"]): r for r in d[key]} for d in docs]
    order = []
    for d in docs:
        order += [k for k in ((r["case"], r["size"], r["threads"]) for r in d[key])
                  if k not in order]
    return [(next(ix[k] for ix in index if k in ix),
             [value(ix[k]) if k in ix else "" for ix in index]) for k in order]


def print_side_by_side(docs):
    """The --isa summary: each level's cap, then its ratios (and 2-thread back-to-back
    speedups) in one column per level."""
    levels = [d["metadata"]["isa_cap"]["level"] for d in docs]
    print("\n=== side by side, imfilt / cv2 at each level")
    for d in docs:
        print(describe(d["metadata"]["isa_cap"]))
    if any(d["rows"] for d in docs):
        multi = any(r["threads"] != "1" for d in docs for r in d["rows"])

        def cells(r):
            b2b = ""
            if r["threads"] != "1":
                b2b = _fmt(r.get("imfilt_b2b_speedup"), 2)
                b2b += " *" if r.get("scaling_ok") is False else ""
            return (_ratio(r), b2b)

        aligned = side_by_side(docs, "rows", cells)
        head = (["case", "size", "dtype", "thr", "target"] + [f"ratio {lv}" for lv in levels]
                + ([f"1T/xT b2b {lv}" for lv in levels] if multi else []))
        lines = [[r["case"], r["size"], _dtype(r), r["threads"], f"{r['target']:g}"]
                 + [c[0] if c else "" for c in cs] + ([c[1] if c else "" for c in cs]
                                                      if multi else [])
                 for r, cs in aligned]
        print(_layout(head, lines, [r["case"] for r, _ in aligned], left={0, 1, 2, 3}))
    if any(d.get("overhead") for d in docs):
        aligned = side_by_side(docs, "overhead", _ratio)
        head = ["case", "size", "dtype", "target"] + [f"ratio {lv}" for lv in levels]
        lines = [[r["case"], r["size"], _dtype(r), _fmt(r["target"], 1), *cs]
                 for r, cs in aligned]
        print("\nPer-call overhead (imfilt / cv2 per call)")
        print(_layout(head, lines, [r["case"] for r, _ in aligned], left={0, 1, 2}))
    print("('*' = above the target; in 1T/xT b2b: under "
          f"{SCALING_TARGET:g} on a 2-thread row over {SCALING_MIN_MS:g} ms at 1 thread)")


def plot(rows, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"--plot: matplotlib is not installed; skipping {path}")
        return False
    rows = [r for r in rows if r["ratio"] is not None]
    labels = [f"{r['case']} {r['size']} t={r['threads']}" for r in rows]
    ratios = [r["ratio"] for r in rows]
    colors = ["tab:red" if not r["agree"] else ("tab:orange" if r["ratio"] > 1.0
                                                 else "tab:green") for r in rows]
    fig, ax = plt.subplots(figsize=(8, 0.28 * len(rows) + 1.5))
    ypos = np.arange(len(rows))
    ax.barh(ypos, ratios, color=colors)
    ax.axvline(1.0, color="k", lw=1)
    ax.set_yticks(ypos)
    ax.set_yticklabels(labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("imfilt best / reference best  (< 1: imfilt faster)")
    ax.set_title("imfilt vs the references (OpenCV unless noted)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"wrote {path}")
    return True


def print_summary(rows, elapsed):
    """The table, its legend and the rows whose outputs disagree; returns those rows."""
    print(table(rows))
    print(f"({elapsed:.1f} s; '*' in ratio = above the row's target (1.0: imfilt slower than "
          f"the reference); 1T/xT = best at 1 thread / best at this setting; '*' in 1T/xT b2b = "
          f"under {SCALING_TARGET:g} on a 2-thread row whose back-to-back 1-thread call takes "
          f"over {SCALING_MIN_MS:g} ms; copy = np.copyto of the same image, a memory-bandwidth "
          f"floor)")
    scaled = [r for r in rows if r.get("scaling_ok") is not None]
    if scaled:
        slow = [r for r in scaled if not r["scaling_ok"]]
        print(f"2 threads vs 1, back to back, rows over {SCALING_MIN_MS:g} ms: {len(scaled)} "
              f"rows, {len(slow)} under {SCALING_TARGET:g}"
              + (": " + ", ".join(f"{r['case']} {r['size']} {r['imfilt_b2b_speedup']:.2f}"
                                  for r in slow) if slow else ""))
    flat = kernel_size_flatness(rows)
    if flat:
        print(f"time flat in kernel size, t(63) / t(15) (target {FLATNESS_TARGET:g}): "
              + ", ".join(f"{f} {size} t={th} {v:.2f}{' *' if v > FLATNESS_TARGET else ''}"
                          for f, size, th, v in flat))
    return _report_bad(rows)


FLATNESS_TARGET = 1.3  # issue 16: median and maximum cost the same at size 63 as at 15


def kernel_size_flatness(rows):
    """(filter, size, threads, imfilt t(63) / t(15)) for median and maximum where both ran."""
    best = {(r["case"], r["size"], r["threads"]): r["imfilt_best_ms"] for r in rows
            if r.get("imfilt_best_ms")}
    out = []
    for (case, size, th), t15 in best.items():
        for f in ("median", "maximum"):
            t63 = best.get((f"{f}_63", size, th))
            if case == f"{f}_15" and t63:
                out.append((f, size, th, t63 / t15))
    return out


def _report_bad(rows):
    """Print and return the rows whose outputs disagree (or where imfilt raised)."""
    bad = [r for r in rows if not r["agree"]]
    if bad:
        print(f"MISMATCH: imfilt and cv2 outputs differ in {len(bad)} row(s): "
              + ", ".join(sorted({f"{r['case']} {r['size']} t={r['threads']}" for r in bad})))
        for err in sorted({r["imfilt_error"] for r in bad if "imfilt_error" in r}):
            print(f"  imfilt raised {err}")
    return bad


def write_json(path, rows, *, args, argv, cfg, mods, rounds, images=None, elapsed=None,
               overhead=(), cap=None, levels=None):
    """The rows, the overhead section and the run's metadata (versions, machine, git state,
    options, the ISA cap and its checks) as JSON; with --isa (`levels`), each level's document
    under "levels" instead of rows."""
    cv2 = mods["cv2"]
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "imfilt_config": cfg,
        "cv2_version": cv2.__version__,
        "cv2_ipp": cv2.ipp.getIppVersion() if cv2.ipp.useIPP() else None,
        "cv2_features_line": cv2.getCPUFeaturesLine(),
        "isa_cap": cap,
        "scipy_version": _version("scipy") if "scipy" in mods else None,
        "pillow_version": _version("PIL") if "pillow" in mods else None,
        "numpy_version": np.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "cpu_affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
        else None,
        "loadavg_after": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "images": images,
        "git": _git_state(),
        "rounds": rounds,
        "settle": not args.no_settle,
        "threads": [t[0] for t in args.threads],
        "sizes": [f"{w}x{h}" for w, h in args.sizes],
        "budget_s": args.budget,
        "overhead": args.overhead,
        "elapsed_s": elapsed,
        "argv": list(argv) if argv is not None else sys.argv[1:],
    }
    doc = {"metadata": meta}
    if levels is None:
        doc.update(rows=rows, overhead=list(overhead))
    else:
        doc.update(isa_levels=[d["metadata"]["isa_cap"]["level"] for d in levels],
                   levels=levels)
    with open(path, "w") as f:
        json.dump(doc, f, indent=1, default=_json_default)
    if cap is None:  # an --isa subprocess writes for its parent, not for the reader
        print(f"wrote {path}")


def _git_state():
    """Commit and dirty files of the source tree imfilt was imported from (None outside git):
    with an editable install, uncommitted kernel edits are what gets measured."""
    import subprocess
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        head = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10,
                               check=True).stdout.splitlines()
        return {"head": head, "modified": [line[3:] for line in dirty]}
    except Exception:
        return None


def _version(mod):
    try:
        return __import__(mod).__version__
    except Exception:
        return None


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)
