"""Timing one case: the agreement check, then every library and thread setting interleaved."""
from __future__ import annotations

import gc
import itertools
import random
import statistics
import time

import numpy as np

from .rows import FLOPS, LIBS, OVERHEAD_TARGETS, functions

# a row that runs out of its time budget still gets this many rounds
MIN_ROUNDS = 3
# the 2-thread target of issue 16: imfilt at 2 threads >= 1.7x its 1-thread speed, back to
# back, on rows whose 1-thread call takes over 2 ms
SCALING_TARGET = 1.7
SCALING_MIN_MS = 2.0
# samples per library in the overhead section at least: they cost 2 ms each, and with 3 a
# preempted sample often is the best one left
OVERHEAD_MIN_SAMPLES = 10
# back-to-back calls of imfilt timed per thread setting (the scaling target's samples), and
# the alternating passes they are split into
B2B_CALLS = 10
B2B_PASSES = 2


def _set_threads(mods, n):
    """The reference libraries' thread counts (torch when a builder has registered it)."""
    mods["cv2"].setNumThreads(n)
    if "torch" in mods:
        mods["torch"].set_num_threads(n)


def _as_array(res):
    return np.asarray(res)


def _max_abs_diff(a, b):
    a = _as_array(a)
    b = _as_array(b)
    if a.shape != b.shape:
        return None
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))


def _check(case, fns):
    """Agreement of imfilt with the case's reference (and, for information only, of the other
    libraries with the reference)."""
    ref = _as_array(fns[case.reference]())
    info = {}
    try:
        got = fns["imfilt"]()
    except Exception as e:  # report the row, do not time a broken filter
        del fns["imfilt"]
        info.update(check="error", agree=False, max_abs_diff=None, imfilt_error=repr(e))
        got = None
    if got is None:
        pass
    elif case.tol == 0:
        ok = (isinstance(got, np.ndarray) and got.shape == ref.shape and got.dtype == ref.dtype
              and bool(np.array_equal(got, ref)))
        info["check"] = "exact"
    else:
        d = _max_abs_diff(got, ref)
        ok = isinstance(got, np.ndarray) and d is not None and d <= case.tol
        info["check"] = f"max_abs_diff<={case.tol:g}"
    if got is not None:
        info["agree"] = bool(ok)
        info["max_abs_diff"] = _max_abs_diff(got, ref)
    for lib in LIBS:
        if lib not in ("imfilt", "copy", case.reference) and lib in fns:
            try:
                info[f"{lib}_max_abs_diff"] = _max_abs_diff(fns[lib](), ref)
            except Exception as e:  # pragma: no cover - report, keep going
                info[f"{lib}_max_abs_diff"] = None
                info[f"{lib}_error"] = repr(e)
                del fns[lib]
    return info


def _round_order(libs, rnd):
    """The order of the libraries in round `rnd`: a shuffle seeded by the round number. A
    library's time depends on who ran just before it (after scipy or Pillow the input has left
    the caches; after another filter of the same image it is warm), and a rotation keeps the
    cyclic neighbours -- imfilt would always follow the last library, cv2 always imfilt.
    Shuffled, every library follows each of the others in some rounds, and the best round of
    each is a fair one; the seed keeps runs repeatable."""
    return random.Random(rnd).sample(list(libs), len(libs))


def time_case(case, img, thread_settings, rounds, mods, settle=True, budget=None):
    """One case at one size: check each thread setting, then time everything interleaved.
    `settle`: before every timed call, copy the image into a new array and drop it, so every
    library starts from the same state (the input in cache, the allocator's newest block of
    the image's size just written) instead of the one the previous library left.
    `budget`: seconds after which no new round starts once MIN_ROUNDS are done (None: all
    `rounds`), so that 4K rows with slow counterparts keep the run practical."""
    t_case = time.perf_counter()
    per_thread = []
    for label, ncv, targ in thread_settings:
        fns = functions(case, img, targ, mods)
        _set_threads(mods, ncv)
        info = _check(case, fns)
        for f in fns.values():  # warm-up (caches, thread pools, page faults of outputs)
            f()
        per_thread.append((label, ncv, targ, fns, info, {lib: [] for lib in fns}))

    perf = time.perf_counter
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        present = [lib for lib in LIBS if any(lib in p[3] for p in per_thread)]
        t_start = perf()
        rounds_done = 0
        for rnd in range(rounds):
            if budget is not None and rnd >= MIN_ROUNDS and perf() - t_start > budget:
                break
            rounds_done += 1
            order = _round_order(present, rnd)
            for label, ncv, targ, fns, info, times in per_thread:
                _set_threads(mods, ncv)
                for lib in order:
                    f = fns.get(lib)
                    if f is None:
                        continue
                    if settle:
                        np.copy(img)
                    t0 = perf()
                    f()
                    times[lib].append(perf() - t0)
        round_s = (perf() - t_start) / rounds_done
        # imfilt alone, call after call (its threads stay awake) after 30 ms of warm-up calls:
        # the scaling of the library itself, apart from the VM's wake-up of an idle vCPU that
        # the interleaved rounds pay. B2B_CALLS whatever rounds the budget left, in B2B_PASSES
        # alternating passes: a 2-thread call needs both vCPUs free throughout, so a few
        # samples in one window of a shared machine would understate it against 1 thread
        b2b = {}
        for p in range(B2B_PASSES):
            settings = per_thread if p % 2 == 0 else per_thread[::-1]
            for label, ncv, targ, fns, info, times in settings:
                f = fns.get("imfilt")
                if f is None:
                    continue
                warm = perf() + 0.03  # an idle vCPU can run slow for tens of ms after it wakes
                while True:
                    f()
                    if perf() > warm:
                        break
                for _ in range(B2B_CALLS // B2B_PASSES):
                    t0 = perf()
                    f()
                    dt = perf() - t0
                    b2b[label] = min(b2b.get(label, dt), dt)
    finally:
        if was_enabled:
            gc.enable()

    rows = []
    h, w = img.shape[:2]
    case_s = time.perf_counter() - t_case
    for label, ncv, targ, fns, info, times in per_thread:
        row = {
            "case": case.name, "filter": case.kind, "param": case.param,
            "reference": case.reference,
            "size": f"{w}x{h}", "width": w, "height": h,
            "dtype": case.dtype, "channels": case.channels,
            "threads": label, "threads_n": ncv, "rounds": rounds_done, "target": case.target,
            # seconds per round and for the whole case at this size: what --rounds costs
            "round_s": round_s, "case_elapsed_s": case_s,
        }
        for lib in LIBS:
            ts = times.get(lib)
            row[f"{lib}_best_ms"] = min(ts) * 1e3 if ts else None
            row[f"{lib}_median_ms"] = statistics.median(ts) * 1e3 if ts else None
        ok = row["imfilt_best_ms"] is not None
        ref = case.reference
        row["ratio"] = row["imfilt_best_ms"] / row[f"{ref}_best_ms"] if ok else None
        row["meets_target"] = row["ratio"] <= case.target if ok else None
        row["imfilt_b2b_best_ms"] = b2b[label] * 1e3 if b2b.get(label) else None
        row["ratio_median"] = row["imfilt_median_ms"] / row[f"{ref}_median_ms"] if ok else None
        flops = FLOPS.get((case.name, f"{w}x{h}"))
        row["gflops"] = flops / row["imfilt_best_ms"] / 1e6 if (flops and ok) else None
        row.update(info)
        rows.append(row)
    return rows


def add_speedups(rows):
    """imfilt (and cv2) best at 1 thread / best at this row's setting, same case and size;
    imfilt_b2b: the same from imfilt's back-to-back calls. A 2-thread row whose back-to-back
    1-thread call takes over SCALING_MIN_MS gets the scaling target: `scaling_ok` says whether
    its back-to-back speedup reaches SCALING_TARGET (None where the target does not apply)."""
    one = {(r["case"], r["size"]): r for r in rows if r["threads"] == "1"}
    for r in rows:
        base = one.get((r["case"], r["size"]))
        for lib in ("imfilt", "cv2", "imfilt_b2b"):
            if base is None or not r[f"{lib}_best_ms"] or not base[f"{lib}_best_ms"]:
                r[f"{lib}_speedup"] = None
            else:
                r[f"{lib}_speedup"] = base[f"{lib}_best_ms"] / r[f"{lib}_best_ms"]
        applies = (r["threads_n"] == 2 and r["threads"] != "1"
                   and r["imfilt_b2b_speedup"] is not None
                   and base["imfilt_b2b_best_ms"] > SCALING_MIN_MS)
        r["scaling_ok"] = r["imfilt_b2b_speedup"] >= SCALING_TARGET if applies else None


def _calls_per_sample(fns, sample_s):
    """Calls of the slower library that fill `sample_s`: each library is called for
    `sample_s` (the warm-up: tables, kernels, caches) and its fastest call counts, so that a
    call the machine preempted does not shrink the loop."""
    perf = time.perf_counter
    slowest = 0.0
    for f in fns.values():
        fastest = None
        end = perf() + sample_s
        while True:
            t0 = perf()
            f()
            t1 = perf()
            fastest = t1 - t0 if fastest is None else min(fastest, t1 - t0)
            if t1 > end:
                break
        slowest = max(slowest, fastest)
    return max(1, int(sample_s / slowest))


def time_overhead(case, img, rounds, mods, sample_s=0.002):
    """One tiny-image case: imfilt against its reference at 1 thread, per call. A call takes
    microseconds, so each sample times a loop of calls (the same count for both libraries) and
    divides; the libraries alternate (shuffled order) for `rounds` samples (at least
    OVERHEAD_MIN_SAMPLES); best sample wins. No settling copy: the image and the outputs stay
    in the L1 cache either way."""
    rounds = max(rounds, OVERHEAD_MIN_SAMPLES)
    fns = functions(case, img, None, mods)
    fns = {lib: fns[lib] for lib in ("imfilt", case.reference)}
    _set_threads(mods, 1)
    info = _check(case, fns)
    n = _calls_per_sample(fns, sample_s)
    perf = time.perf_counter
    repeat = itertools.repeat
    times = {lib: [] for lib in fns}
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for rnd in range(rounds):
            for lib in _round_order(list(fns), rnd):
                f = fns[lib]
                t0 = perf()
                for _ in repeat(None, n):
                    f()
                times[lib].append((perf() - t0) / n)
    finally:
        if was_enabled:
            gc.enable()
    h, w = img.shape[:2]
    size = f"{w}x{h}"
    us = {lib: min(ts) * 1e6 if ts else None for lib, ts in times.items()}
    ok = us.get("imfilt") is not None
    ratio = us["imfilt"] / us[case.reference] if ok else None
    target = OVERHEAD_TARGETS.get(size)
    row = {"case": case.name, "filter": case.kind, "param": case.param,
           "reference": case.reference, "size": size, "width": w, "height": h,
           "dtype": case.dtype, "channels": case.channels, "threads": "1",
           "rounds": rounds, "calls_per_sample": n,
           "imfilt_us": us.get("imfilt"), "reference_us": us[case.reference],
           "ratio": ratio, "target": target,
           "meets_target": (ratio <= target) if (ok and target is not None) else None}
    row.update(info)
    return row
