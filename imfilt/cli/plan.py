"""File planning: INPUT arguments (files, folders, patterns) paired with their output paths."""
from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field

from . import imageio as imio
from .errors import UsageError


@dataclass
class Task:
    """One input file, where its results go, and (once run) its report."""
    input: str
    output: str | None = None
    error: str | None = None        # set when the input could not even be found
    visualize: str | None = None    # hog: the picture of the histograms
    report: dict = field(default_factory=dict)
    exists: bool = False            # not written: an output exists (and no --overwrite)


def is_glob(text):
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
    exts = imio.image_extensions()
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if recursive else []
        for f in sorted(files):
            path = os.path.join(root, f)
            if not f.startswith(".") and os.path.splitext(f)[1].lower() in exts:
                found.append((path, os.path.relpath(path, folder)))
    return found


def _with_suffix(path, suffix):
    return os.path.splitext(path)[0] + suffix if suffix else path


def plan_tasks(inputs, output, recursive, suffix=None, check_output=None, skip=()):
    """Expand INPUT arguments and pair each image with its output path.

    The form of the arguments, not what they match, decides the output: one argument naming a
    file (or a missing path) writes `output` as a file; anything else - several arguments, a
    folder, a glob pattern - writes into `output` as a folder. So a glob that happens to match
    one file still writes into a folder. In a folder, outputs keep the inputs' relative paths
    and names, with the extension replaced by `suffix` when given (hog: ".npy").
    `check_output(path)` vets a single output file name (raises UsageError).

    Files inside the output folder (and the folders in `skip`) are never taken from a folder or
    a pattern, so running a command twice does not filter its own results again; name such
    files one by one instead.
    """
    single = len(inputs) == 1 and not os.path.isdir(inputs[0]) and not is_glob(inputs[0])
    if single:
        out = output
        if os.path.isdir(output) or output.endswith(("/", os.sep)):  # like cp: into a folder
            out = os.path.join(output, _with_suffix(os.path.basename(inputs[0]), suffix))
        elif check_output:
            check_output(output)
        return [Task(inputs[0], out)]
    if os.path.exists(output) and not os.path.isdir(output):
        raise UsageError(f"several inputs need an output folder, but {output!r} is a file")
    if not os.path.isdir(output) and (imio.output_format(output) or output.endswith(".npy")):
        raise UsageError(f"several inputs need an output folder, but {output!r} names a file "
                         f"(create the folder first if you mean it)")
    tasks, seen = [], set()

    def add(path, rel, expanded=True):
        key = os.path.realpath(path)
        if expanded and any(_is_inside(path, d) for d in (output, *skip)):
            return
        if key not in seen:  # the same file named twice (say, by a file and a glob)
            seen.add(key)
            tasks.append(Task(path, os.path.join(output, _with_suffix(rel, suffix))))

    for arg in inputs:
        pattern = is_glob(arg)
        matches = sorted(glob.glob(arg, recursive=True)) if pattern else [arg]
        if not matches:
            tasks.append(Task(arg, error="no file matches this pattern"))
        # A pattern's matches keep their paths below its fixed part: photos/**/*.png writes
        # out/a/x.png for photos/a/x.png.
        root = _glob_root(arg) if pattern else None
        for m in matches:
            if os.path.isdir(m):
                prefix = os.path.relpath(m, root) if pattern else ""
                for path, rel in _folder_images(m, recursive):
                    add(path, os.path.join(prefix, rel))
            elif os.path.exists(m):
                add(m, os.path.relpath(m, root) if pattern else os.path.basename(m),
                    expanded=pattern)
            else:
                tasks.append(Task(m, error="no such file or folder"))
    return tasks


def _glob_root(pattern):
    """The folder before the first wildcard of a pattern ('.' when it starts with one)."""
    head = pattern
    while head and any(c in head for c in "*?["):
        head = os.path.dirname(head)
    return head or "."


def check_distinct_outputs(tasks):
    """Refuse two inputs written to one output (say a.png and a.tif, both to a.png)."""
    by_output = {}
    for t in tasks:
        for out in (t.output, t.visualize):
            if out is None:
                continue
            key = os.path.normcase(os.path.abspath(out))
            if key in by_output:
                raise UsageError(f"{by_output[key]!r} and {t.input!r} would both be written "
                                 f"to {out!r}; filter them in separate runs")
            by_output[key] = t.input


def image_output(path):
    """Refuse an output file name in no format imfilt writes."""
    if imio.output_format(path) is None:
        raise UsageError(f"cannot write an image named {path!r}: unknown or read-only format "
                         f"(use an extension such as .png or .tif)")


def _npy_output(path):
    if not path.lower().endswith(".npy"):
        raise UsageError(f"hog writes its descriptors as .npy; got {path!r}")


def plan_hog(inputs, args):
    """Tasks with the descriptors (.npy) and/or the picture (--visualize) as outputs."""
    if not args.output and not args.visualize:
        raise UsageError("give -o DESCRIPTORS.npy, --visualize PICTURE.png, or both")
    folders = [d for d in (args.output, args.visualize) if d]

    def plan(dest, suffix, check):
        return plan_tasks(inputs, dest, args.recursive, suffix, check, skip=folders)

    descriptors = plan(args.output, ".npy", _npy_output) if args.output else None
    pictures = plan(args.visualize, ".png", image_output) if args.visualize else None
    if descriptors is None:
        for t in pictures:
            t.output, t.visualize = None, t.output
        return pictures
    for t, p in zip(descriptors, pictures or ()):
        t.visualize = p.output
    return descriptors


def cpu_count():
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
