"""The command line: ``python -m imfilt <command> ...`` (also installed as ``imfilt``).

    imfilt FILTER INPUT... -o OUTPUT [filter options] [batch options]
    imfilt run INPUT... -o OUTPUT STEP [STEP...]        (a chain, e.g. gamma:0.45 median:5)
    imfilt hog INPUT... -o DESC.npy [--visualize PICTURE.png] [--style opencv|skimage] [geometry options]
    imfilt info [--json] | demo [-o FOLDER] | bench [bench options]

FILTER is any entry of registry.FILTERS (gaussian, mean, median, minimum, maximum, gamma, lut,
filter2d); each is resolved from the imfilt package when it runs, so a build without one of them
still runs the others and names what is missing.

Exit status: 0 when every file succeeded, 1 when any failed (the others are still written),
2 for usage errors, which are all found before any image file is read or written, 141 when
stdout is closed early (`--json | head`).

The modules, one job each (a command flows through them top to bottom):
    commands   the argparse parsers and main(), which dispatches a command
    options    option values: numbers, pairs, flags, arrays in files
    registry   the filters and their parameters; Steps that run one
    chain      the step language of `run`
    plan       inputs (files, folders, patterns) paired with output paths
    execute    a command's Job run over its files, with progress
    imageio    image files <-> arrays, exactly or not at all (png: the 16-bit PNG codec)
    demo       `imfilt demo` and its generated picture
    errors     exit statuses and usage errors
"""
from .commands import main

__all__ = ["main"]
