"""The bench under an instruction-set cap: one subprocess per level with imfilt *and* cv2 held
to it, each verifying that the cap took, then their tables side by side (``--isa``).

imfilt is capped by IMFILT_CPU. cv2 by OPENCV_IPP (IPP's dispatch level) and
OPENCV_CPU_DISABLE (OpenCV's own dispatched code): every feature above the level that this CPU
has is disabled, the single AVX-512 subsets and the per-generation groups (AVX512-CLX, -CNL,
...) included -- disabling only AVX512F/-SKX/-COMMON/-ICL leaves AVX512-CLX code enabled.
NumPy, the reference of the gamma float rows, by NPY_DISABLE_CPU_FEATURES: its dispatch targets
above the level (X86_V4 and the AVX512_* groups; X86_V3 too at baseline). torch, the conv2d
rows' reference, by ATEN_CPU_CAPABILITY (its ATen kernels) and ONEDNN_MAX_CPU_ISA (oneDNN's).
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile

LEVELS = ("native", "baseline", "avx2", "avx512")

# OPENCV_IPP value and the mark its getIppVersion() string then carries, per capped level
_IPP = {"baseline": ("sse42", "SSE4.2"), "avx2": ("avx2", "AVX2"), "avx512": ("avx512", "AVX-512")}
_BELOW_AVX512_ABOVE_BASELINE = ("AVX", "AVX2", "FMA3", "FP16", "AVX_VNNI")
_CAP_VARS = ("IMFILT_CPU", "OPENCV_IPP", "OPENCV_CPU_DISABLE", "NPY_DISABLE_CPU_FEATURES",
             "ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA")
# ATEN_CPU_CAPABILITY and ONEDNN_MAX_CPU_ISA values per capped level (torch.backends.cpu
# .get_cpu_capability() then reports the first)
_TORCH = {"baseline": ("default", "SSE41"), "avx2": ("avx2", "AVX2"), "avx512": ("avx512", "AVX512_CORE")}
_NUMPY_ABOVE = {"avx2": ("X86_V4", "AVX512"), "baseline": ("X86_V4", "AVX512", "X86_V3", "AVX2",
                                                             "FMA3", "AVX_VNNI")}


def parse_levels(text):
    """'avx2,avx512' -> ['avx2', 'avx512']; ValueError naming the unknown level."""
    levels = []
    for item in (i.strip().lower() for i in text.split(",")):
        if not item:
            continue
        if item not in LEVELS:
            raise ValueError(f"unknown ISA level {item!r}; levels: {', '.join(LEVELS)}")
        if item not in levels:
            levels.append(item)
    if not levels:
        raise ValueError("no ISA level given")
    return levels


def cv2_features(cv2):
    """The names of the CPU features cv2 uses now (detected and not disabled)."""
    names = (cv2.getHardwareFeatureName(i) for i in range(512))
    return {n for i, n in enumerate(names) if n and cv2.checkHardwareSupport(i)}


def numpy_dispatch():
    """(NumPy's dispatch targets, its features in use now)."""
    try:
        from numpy._core import _multiarray_umath as m
    except ImportError:  # NumPy 1.x
        from numpy.core import _multiarray_umath as m
    return list(m.__cpu_dispatch__), {k for k, v in m.__cpu_features__.items() if v}


def _numpy_above(level, targets):
    """NumPy's dispatch targets that exceed `level`."""
    prefixes = _NUMPY_ABOVE.get(level, ())
    return [t for t in targets if t.startswith(prefixes)]


def _above(level, features):
    """The features of `features` that exceed `level` (none for native and avx512)."""
    if level in ("native", "avx512"):
        return set()
    over = {f for f in features if f.startswith("AVX512")}
    if level == "baseline":
        over |= {f for f in features if f in _BELOW_AVX512_ABOVE_BASELINE}
    return over


def refusal(level, cfg, cv2):
    """Why `level` cannot run here (None when it can)."""
    if level == "native":
        return None
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return f"--isa {level}: the capped levels are x86-64 levels; this is {platform.machine()}"
    if level not in cfg.get("isa_built", ()):
        return (f"--isa {level}: this build of imfilt lacks {level} "
                f"(built: {', '.join(cfg.get('isa_built', ()))})")
    if level not in cfg.get("isa_supported", ()):
        return (f"--isa {level}: this CPU lacks {level} "
                f"(supported: {', '.join(cfg.get('isa_supported', ()))})")
    if level == "avx512" and "AVX512-SKX" not in cv2_features(cv2):
        return f"--isa {level}: cv2 sees no AVX512-SKX on this CPU"
    return None


def environment(level, cv2, base=None):
    """The environment of the subprocess for `level`: `base` (os.environ) without any cap of
    its own, plus the caps of both libraries."""
    env = {k: v for k, v in (os.environ if base is None else base).items()
           if k not in _CAP_VARS}
    if level == "native":
        return env
    env["IMFILT_CPU"] = level
    env["OPENCV_IPP"] = _IPP[level][0]
    off = sorted(_above(level, cv2_features(cv2)))
    if off:
        env["OPENCV_CPU_DISABLE"] = ",".join(off)
    env["ATEN_CPU_CAPABILITY"], env["ONEDNN_MAX_CPU_ISA"] = _TORCH[level]
    np_off = _numpy_above(level, numpy_dispatch()[0])
    if np_off:
        env["NPY_DISABLE_CPU_FEATURES"] = " ".join(np_off)
    return env


def check_cap(level, cfg, cv2):
    """In the subprocess: whether the cap of `level` took, with what was seen."""
    feats = cv2_features(cv2)
    ipp = cv2.ipp.getIppVersion() if cv2.ipp.useIPP() else None
    native_isa = cfg.get("isa_requested") is None
    checks = {"imfilt": native_isa if level == "native" else cfg.get("isa_active") == level,
              "cv2_features": not _above(level, feats),
              "numpy_features": not (set(_numpy_above(level, numpy_dispatch()[0]))
                                     & numpy_dispatch()[1])}
    if level in _IPP:
        checks["cv2_ipp"] = ipp is None or _IPP[level][1] in ipp
    return {"level": level, "ok": all(checks.values()), "checks": checks,
            "imfilt_isa_active": cfg.get("isa_active"),
            "cv2_ipp": ipp, "cv2_features_line": cv2.getCPUFeaturesLine(),
            "cv2_cpu_disable": os.environ.get("OPENCV_CPU_DISABLE"),
            "opencv_ipp": os.environ.get("OPENCV_IPP"),
            "numpy_disable": os.environ.get("NPY_DISABLE_CPU_FEATURES"),
            "torch_capability": _torch_capability()}


def _torch_capability():
    """torch's kernel level (None without torch): reported, not checked (optional reference)."""
    try:
        import torch
    except ImportError:
        return None
    return torch.backends.cpu.get_cpu_capability()


def describe(cap):
    """One line for a table header: the level and what shows that the cap took."""
    verdict = "cap verified" if cap["ok"] else "CAP FAILED: " + ", ".join(
        k for k, v in cap["checks"].items() if not v)
    return (f"level {cap['level']}: imfilt {cap['imfilt_isa_active']}, cv2 IPP "
            f"{cap['cv2_ipp'] or 'off'}, cv2 features {cap['cv2_features_line']}, NumPy off "
            f"{cap.get('numpy_disable') or '-'}, torch {cap.get('torch_capability') or '-'} "
            f"-- {verdict}")


def run_levels(levels, child_argv, cfg, cv2):
    """Run the bench once per level in a subprocess (its output streams through); returns
    (exit status, [the JSON document of each level that ran])."""
    for level in levels:
        why = refusal(level, cfg, cv2)
        if why:
            print(f"imfilt bench: {why}", file=sys.stderr)
            return 2, []
    docs, status = [], 0
    with tempfile.TemporaryDirectory(prefix="imfilt-bench-isa-") as tmp:
        for level in levels:
            path = os.path.join(tmp, f"{level}.json")
            print(f"=== --isa {level}: subprocess", flush=True)
            cmd = [sys.executable, "-c",
                   "import sys, imfilt.bench as b; sys.exit(b.main(sys.argv[1:]))",
                   *child_argv, "--isa-child", level, "--json", path]
            rc = subprocess.run(cmd, env=environment(level, cv2)).returncode
            if rc not in (0, 1) or not os.path.exists(path):
                print(f"imfilt bench: the {level} run failed (exit status {rc})",
                      file=sys.stderr)
                return 2, docs
            status = max(status, rc)
            with open(path) as f:
                docs.append(json.load(f))
    return status, docs
