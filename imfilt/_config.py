"""Build and run-time configuration: version, compiler, SIMD levels, threads."""
from __future__ import annotations

from typing import Any, Dict, Optional, TextIO

from . import _core
from ._normalize import cpu_request

__version__ = "0.1.0"


def _select_isa():
    """Pick the kernel table once at import; $IMFILT_CPU caps the level (baseline, avx2, ...)."""
    _core.select_isa(cpu_request())


def config() -> Dict[str, Any]:
    c = dict(_core.config())
    c["version"] = __version__
    c["isa_requested"] = cpu_request() or None
    return c


def show_config(file: Optional[TextIO] = None) -> Dict[str, Any]:
    """Print version, compiler, SIMD levels (built, supported by this CPU, active) and OpenMP
    threads; returns the same information as a dict."""
    import sys
    c = config()
    out = file or sys.stdout
    print(f"imfilt {c['version']}", file=out)
    print(f"  compiler:        {c['compiler']}", file=out)
    print(f"  SIMD built:      {', '.join(c['isa_built'])}", file=out)
    print(f"  SIMD supported:  {', '.join(c['isa_supported'])}", file=out)
    print(f"  SIMD active:     {c['isa_active']}"
          + (f"  (IMFILT_CPU={c['isa_requested']})" if c["isa_requested"] else ""), file=out)
    print(f"  OpenMP:          {'yes' if c['openmp'] else 'no'}, {c['max_threads']} threads",
          file=out)
    return c
