"""The bench: imfilt timed against OpenCV (and scipy, Pillow, torch where they have the filter).

Not part of the filters: ``python -m imfilt bench`` and ``python bench/run.py`` run it (see
bench/README.md); ``main(argv)`` is the whole run.

Method: everything runs in one process; for every case and size the libraries *and* the thread
settings are interleaved round-robin (imfilt, cv2, scipy, Pillow, copy, for each thread setting,
repeated for N rounds; the library order is shuffled (seeded) from round to round), so slow
drifts of the machine hit all of them alike. Every timed call is preceded by the same settling
step, a copy of the image into a new array that is dropped, so no library inherits the cache and
allocator state another one left (--no-settle: it does, and a library's time then depends on
which one ran before it). Each row reports the best and the median of the rounds; the ratio
column is imfilt_best / reference_best (below 1.0: imfilt is faster). Before any timing the
outputs of imfilt and the reference are compared (bit-exact, or within the case's tolerance) and
a row whose outputs differ is marked.

The modules:
    runner   options, the run over cases and sizes, the exit status (main)
    rows     each Case and the callables that run it per library; the overhead section's cases
    images   the input images at each size and type
    timing   the agreement check, then the interleaved rounds of one case (loops of calls for
             the tiny-image overhead section)
    report   the tables, the JSON file, the chart
    isa      --isa: one subprocess per instruction-set level, both libraries capped
"""
from .rows import CASES
from .runner import main

__all__ = ["main", "CASES"]
