"""Running a command over its files: the Job, each file read, filtered and written, progress."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass

import numpy as np

from . import imageio as imio
from .chain import split_chain
from .errors import EXIT_FAILED, EXIT_OK, UsageError, describe
from .plan import check_distinct_outputs, cpu_count, image_output, plan_hog, plan_tasks
from .registry import FILTERS, OMIT, make_step, validate


@dataclass
class Job:
    """Everything one file needs, decided before any file is read."""
    command: str
    inputs: list
    steps: list
    tasks: list
    threads: int | None
    args: argparse.Namespace
    max_pixels: int = 0        # 0: no limit

    def parameters(self):
        if self.command == "run":
            return [s.describe() for s in self.steps]
        return self.steps[0].shown


def prepare(command, args):
    """Parse and check the whole command line into a Job; raises UsageError."""
    if args.max_pixels is not None and args.max_pixels < 0:
        raise UsageError("--max-pixels must be >= 0 (0: no limit)")
    if args.overwrite and args.skip_existing:
        raise UsageError("--overwrite and --skip-existing contradict each other")
    if command == "run":
        inputs, steps = split_chain(args.items)
    else:
        filt = FILTERS[command]
        inputs = args.inputs
        values = {name: getattr(args, name, OMIT) for name in filt.keys()}
        steps = [make_step(filt, {k: v for k, v in values.items()
                                  if v is not OMIT and v is not None})]
    if command == "hog":
        _validate_hog(steps[0])
        tasks = plan_hog(inputs, args)
    else:
        validate(steps)
        tasks = plan_tasks(inputs, args.output, args.recursive, check_output=image_output)
    check_distinct_outputs(tasks)
    if args.quality is not None:
        formats = {imio.output_format(o) for t in tasks for o in (t.output, t.visualize) if o}
        if not formats & set(imio.QUALITY_FORMATS):
            raise UsageError("--quality applies to JPEG and WebP outputs, and no output is one "
                             "(.jpg, .webp)")
    jobs = max(1, min(args.jobs, len(tasks)))
    threads = args.threads
    if threads is None and jobs > 1:  # share the cores between files and each file's kernels
        threads = max(1, cpu_count() // jobs)
    return Job(command, inputs, steps, tasks, threads, args)


def _validate_hog(step):
    """hog's geometry is checked on a blank image of one window (when that is small)."""
    win = _height_width(step.shown.get("win_size", (128, 64)))
    if all(isinstance(v, int) and 0 < v <= 2048 for v in win):
        validate([step], [np.zeros(win, np.uint8)])


def _height_width(value):
    """(height, width) of a size given as N or H,W (a list once it is in the JSON report)."""
    return tuple(value) if isinstance(value, (list, tuple)) else (value, value)


def run_files(command, args):
    """A filter, `run` or `hog` command over its files; the exit status."""
    from PIL import Image
    job = prepare(command, args)
    if not job.tasks:
        print(f"imfilt {command}: error: no image files found in "
              f"{', '.join(job.inputs)} (files in the "
              f"output folder are skipped" + (")" if args.recursive else
                                              "; --recursive includes subfolders)"),
              file=sys.stderr)
        if args.json:
            print(json.dumps(dict(command=command, parameters=job.parameters(), jobs=0,
                                  threads=job.threads, succeeded=0, failed=0, skipped=0,
                                  files=[]), indent=2))
        return EXIT_FAILED
    saved = Image.MAX_IMAGE_PIXELS
    # The limit is checked by read_image as a hard one, with the number the user set (Pillow's
    # own guard only warns up to twice its limit, and names the doubled number beyond).
    job.max_pixels = (saved or 0) if args.max_pixels is None else args.max_pixels
    Image.MAX_IMAGE_PIXELS = None
    try:
        return _execute(job)
    finally:
        Image.MAX_IMAGE_PIXELS = saved


def _execute(job):
    args, tasks = job.args, job.tasks
    params = job.parameters()
    progress = Progress(len(tasks), f"imfilt {job.command}", args.quiet)
    worker = _hog_one if job.command == "hog" else _filter_one

    def work(task):
        task.report = dict(input=task.input, output=task.output, shape=None, dtype=None,
                           alpha=None, parameters=params, ms=None, total_ms=None, status="ok",
                           error=None)
        if task.visualize:
            task.report["visualize"] = task.visualize
        t0 = time.perf_counter()
        try:
            if _outputs_exist(task, job):
                task.report["status"] = "skipped"
            else:
                worker(task, job)
        except FileExistsError as e:
            task.report.update(status="error", error=describe(e))
            task.exists = True
        except Exception as e:  # noqa: BLE001 - one bad file must not stop the others
            task.report.update(status="error", error=describe(e))
        task.report["total_ms"] = round((time.perf_counter() - t0) * 1e3, 3)
        return task

    jobs = max(1, min(args.jobs, len(tasks)))
    try:
        if jobs == 1:
            for task in tasks:
                progress.done(work(task))
        else:
            from concurrent.futures import ThreadPoolExecutor, as_completed
            pool = ThreadPoolExecutor(jobs, thread_name_prefix="imfilt")
            try:
                for future in as_completed([pool.submit(work, t) for t in tasks]):
                    progress.done(future.result())
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)  # running files finish cleanly
                raise
            pool.shutdown()
    finally:
        progress.close()
    failed = [t for t in tasks if t.report.get("status") == "error"]
    skipped = [t for t in tasks if t.report.get("status") == "skipped"]
    exist = [t for t in failed if t.exists]
    broken = [t for t in failed if not t.exists]
    if broken:
        print(f"imfilt {job.command}: {len(broken)} of {len(tasks)} files failed: "
              f"{', '.join(t.input for t in broken)}", file=sys.stderr)
    if exist:
        print(f"imfilt {job.command}: {len(exist)} of {len(tasks)} files not written because "
              f"their outputs exist; --overwrite replaces them, --skip-existing leaves them and "
              f"counts them as skipped", file=sys.stderr)
    if args.json:
        doc = dict(command=job.command, parameters=params, jobs=jobs, threads=job.threads,
                   succeeded=len(tasks) - len(failed) - len(skipped), failed=len(failed),
                   skipped=len(skipped), files=[t.report for t in tasks])
        print(json.dumps(doc, indent=2))
    return EXIT_FAILED if failed else EXIT_OK


def _outputs_exist(task, job):
    """True when the task should be skipped; raises when an output exists and may not be
    replaced. Checked before reading as well as at the end (where it is atomic), to skip the
    work when the answer is known."""
    outs = [o for o in (task.output, task.visualize) if o]
    existing = [o for o in outs if os.path.exists(o)]
    if not existing or job.args.overwrite:
        return False
    if job.args.skip_existing and len(existing) == len(outs):
        return True
    raise FileExistsError(f"{existing[0]} exists (use --overwrite to replace it)")


def _read(task, job):
    if task.error:
        raise FileNotFoundError(task.error)
    picture = imio.read_image(task.input, exif_transpose=job.args.exif_transpose,
                              max_pixels=job.max_pixels)
    task.report.update(shape=list(picture.pixels.shape), dtype=str(picture.pixels.dtype),
                       alpha=picture.alpha)
    return picture


def _colours(pixels):
    """The channels before alpha, the last one."""
    return pixels[..., 0] if pixels.shape[2] == 2 else pixels[..., :-1]


def _filter_one(task, job):
    """Read, filter and write one image file; fills task.report. Raises on failure."""
    picture = _read(task, job)
    has_alpha, options = picture.alpha, picture.options
    # Only `result` refers to the pixels, so each step's input is freed once its output
    # exists: memory stays at two images, however long the chain (alpha is a copy for that).
    result, alpha, picture = picture.pixels, None, None
    if has_alpha and not job.args.filter_alpha:
        alpha = result[..., -1].copy()
        result = _colours(result)
    t0 = time.perf_counter()
    for step in job.steps:
        result = step(result, job.threads)
    task.report["ms"] = round((time.perf_counter() - t0) * 1e3, 3)
    if alpha is not None:
        result = np.dstack([result, alpha.astype(result.dtype)])
    _, write = imio.encode(task.output, result, has_alpha, options, quality=job.args.quality)
    imio.write_atomic(task.output, write, job.args.overwrite)


def _hog_one(task, job):
    """Descriptors (.npy) and, when asked, the picture of the cell histograms."""
    picture = _read(task, job)
    pixels = picture.pixels
    if picture.alpha:  # the descriptors see the colours; alpha is left out
        pixels = _colours(pixels)
    step = job.steps[0]
    t0 = time.perf_counter()
    if task.visualize and job.args.style == "opencv":  # one call gives both
        descriptors, picture_out = step.func(pixels, **step.kwargs, threads=job.threads,
                                             visualize=True)
    else:
        descriptors = step(pixels, job.threads) if task.output else None
        picture_out = _hog_picture(pixels, step, job.threads) if task.visualize else None
    task.report["ms"] = round((time.perf_counter() - t0) * 1e3, 3)
    if task.visualize:
        _, write_picture = imio.encode(task.visualize, picture_out, False, {},
                                       quality=job.args.quality)
    if descriptors is not None:
        task.report.update(descriptor_shape=list(descriptors.shape),
                           descriptor_dtype=str(descriptors.dtype))
        imio.write_atomic(task.output, lambda f: np.save(f, descriptors), job.args.overwrite)
    if task.visualize:
        imio.write_atomic(task.visualize, write_picture, job.args.overwrite)


def _hog_picture(pixels, step, threads):
    """scikit-image's HOG picture (hog_skimage(visualize=True)) for the same cells and bins,
    scaled to 0..255."""
    import imfilt
    func = getattr(imfilt, "hog_skimage", None)
    if func is None:
        raise RuntimeError("this build of imfilt has no hog_skimage, which --visualize uses")
    cell = _height_width(step.shown.get("cell_size", (8, 8)))
    block = _height_width(step.shown.get("block_size", (16, 16)))
    _, hog_image = func(pixels, orientations=step.shown.get("nbins", 9), pixels_per_cell=cell,
                        cells_per_block=(max(1, block[0] // cell[0]),
                                         max(1, block[1] // cell[1])),
                        visualize=True, channel_axis=-1 if pixels.ndim == 3 else None,
                        threads=threads)
    hog_image = np.asarray(hog_image, np.float64)
    top = hog_image.max(initial=0.0)
    scaled = hog_image * (255.0 / top) if top > 0 else hog_image
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


class Progress:
    """Progress on stderr: a bar on a terminal (tqdm when installed, else a counter line),
    one line per file otherwise (logs). Errors are always shown, even with --quiet."""

    def __init__(self, total, label, quiet):
        self.total, self.label, self.quiet = total, label, quiet
        self.count = self.failed = 0
        self.drawn = 0.0
        self.tty = not quiet and sys.stderr.isatty()
        self.bar = None
        if self.tty:
            try:
                from tqdm import tqdm
                self.bar = tqdm(total=total, desc=label, unit="file", file=sys.stderr)
            except ImportError:
                self._draw()

    def _draw(self, force=False):
        now = time.monotonic()
        if not force and self.count < self.total and now - self.drawn < 0.1:
            return  # a few redraws a second are enough
        self.drawn = now
        failed = f", {self.failed} failed" if self.failed else ""
        sys.stderr.write(f"\r{self.label}: {self.count}/{self.total} files{failed}")
        sys.stderr.flush()

    def message(self, text):
        if self.bar is not None:
            self.bar.write(text, file=sys.stderr)
        elif self.tty:
            sys.stderr.write("\r\x1b[K" + text + "\n")
            self._draw(force=True)
        else:
            print(text, file=sys.stderr, flush=True)

    def done(self, task):
        self.count += 1
        r = task.report
        if r["status"] == "error":
            self.failed += 1
            self.message(f"[{self.count}/{self.total}] {task.input}: error: {r['error']}")
        elif not self.tty and not self.quiet:
            if r["status"] == "skipped":
                self.message(f"[{self.count}/{self.total}] {task.input}: skipped, output exists")
            else:
                outs = " + ".join(o for o in (task.output, task.visualize) if o)
                self.message(f"[{self.count}/{self.total}] {task.input} -> {outs}  "
                             f"{'x'.join(map(str, r['shape']))} {r['dtype']}  "
                             f"filter {r['ms']:.1f} ms, total {r['total_ms']:.1f} ms")
        if self.bar is not None:
            self.bar.update(1)
            if self.failed:
                self.bar.set_postfix(failed=self.failed)
        elif self.tty:
            self._draw()

    def close(self):
        if self.bar is not None:
            self.bar.close()
        elif self.tty:
            sys.stderr.write("\n")
            sys.stderr.flush()
