"""The bench's report: the table on stdout, the JSON file with the run's metadata, the chart."""
from __future__ import annotations

import datetime
import json
import os
import platform
import sys

import numpy as np

from .rows import LIBS


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
    head = (["case", "size", "dtype", "thr", "imfilt best/med", "cv2 best/med", "ratio", "vs"]
            + others + ["imfilt 1T/xT", "cv2 1T/xT", "imfilt 1T/xT b2b"]
            + (["GFLOP/s"] if gf else []))
    lines = []
    for r in rows:
        ratio = _fmt(r["ratio"], 2)
        if "imfilt_error" in r:
            ratio += " ERROR"
        elif not r["agree"]:
            ratio += " MISMATCH"
        elif r["ratio"] > 1.0:
            ratio += " *"
        dt = r["dtype"] + (f"x{r['channels']}" if r["channels"] > 1 else "")
        sp = "" if r["threads"] == "1" else _fmt(r.get("imfilt_speedup"), 2)
        spc = "" if r["threads"] == "1" else _fmt(r.get("cv2_speedup"), 2)
        spb = "" if r["threads"] == "1" else _fmt(r.get("imfilt_b2b_speedup"), 2)
        lines.append([
            r["case"], r["size"], dt, r["threads"],
            f"{_fmt(r['imfilt_best_ms'])}/{_fmt(r['imfilt_median_ms'])}",
            f"{_fmt(r['cv2_best_ms'])}/{_fmt(r['cv2_median_ms'])}",
            ratio, r["reference"], *[_fmt(r.get(f"{lib}_best_ms")) for lib in others], sp, spc,
            spb,
        ] + ([_fmt(r.get("gflops"), 1)] if gf else []))
    widths = [max(len(head[i]), *(len(l[i]) for l in lines)) if lines else len(head[i])
              for i in range(len(head))]
    left = {0, 1, 2, 3, 7}

    def fmt_line(cells):
        return "  ".join(c.ljust(widths[i]) if i in left else c.rjust(widths[i])
                         for i, c in enumerate(cells)).rstrip()

    out = [fmt_line(head), fmt_line(["-" * w for w in widths])]
    prev = None
    for r, l in zip(rows, lines):
        if prev is not None and r["case"] != prev:
            out.append("")
        prev = r["case"]
        out.append(fmt_line(l))
    return "\n".join(out)


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
    print(f"({elapsed:.1f} s; '*' = imfilt slower than cv2; 1T/xT = best at 1 thread / best at "
          f"this setting; copy = np.copyto of the same image, a memory-bandwidth floor)")
    bad = [r for r in rows if not r["agree"]]
    if bad:
        print(f"MISMATCH: imfilt and cv2 outputs differ in {len(bad)} row(s): "
              + ", ".join(sorted({f"{r['case']} {r['size']} t={r['threads']}" for r in bad})))
        for err in sorted({r["imfilt_error"] for r in bad if "imfilt_error" in r}):
            print(f"  imfilt raised {err}")
    return bad


def write_json(path, rows, *, args, argv, cfg, mods, images, rounds, elapsed):
    """The rows and the run's metadata (versions, machine, git state, options) as JSON."""
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "imfilt_config": cfg,
        "cv2_version": mods["cv2"].__version__,
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
        "elapsed_s": elapsed,
        "argv": list(argv) if argv is not None else sys.argv[1:],
    }
    with open(path, "w") as f:
        json.dump({"metadata": meta, "rows": rows}, f, indent=1, default=_json_default)
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
