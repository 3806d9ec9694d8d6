"""Option values: argparse types (numbers, pairs, flags) and the arrays that option files hold."""
from __future__ import annotations

import argparse
import re

import numpy as np

from .errors import UsageError


def pair(kind, what):
    """argparse type for "N", "H,W" or "HxW" (NumPy order: height first, as in the API)."""
    def parse(text):
        parts = re.split(r"[,x]", text.strip()) if text.strip() else []
        try:
            if len(parts) not in (1, 2):
                raise ValueError
            values = tuple(kind(p) for p in parts)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected {what} or 'height,width', got {text!r}") from None
        return values[0] if len(values) == 1 else values
    return parse


def number(kind, what):
    def parse(text):
        try:
            return kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
    return parse


def positive_int(text):
    value = number(int, "a positive integer")(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def boolean(text):
    word = text.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def array_file(text):
    """A file holding an array: .npy, or text (.txt, .csv: rows of numbers)."""
    if not text:
        raise argparse.ArgumentTypeError("expected a file name (.npy, .txt or .csv)")
    return text


def load_array(path):
    """The array in `path` (.npy, or text with one row per line, numbers separated by spaces or
    commas). Errors are usage errors: the file is an option value, not an input image."""
    try:
        if path.lower().endswith(".npy"):
            return np.load(path, allow_pickle=False)
        with open(path) as f:
            text = f.read().replace(",", " ")
        return np.loadtxt(text.splitlines(), ndmin=2)
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read an array from {path!r}: {e}") from None


def load_footprint(path):
    """A structuring element: nonzero entries are in it."""
    return load_array(path) != 0


def load_table(path):
    """A look-up table. Text tables of integers get the smallest unsigned type that holds them
    (uint8 for 0..255), since the table's type is the output's; one column is one table."""
    table = load_array(path)
    if not path.lower().endswith(".npy"):
        if table.ndim == 2 and table.shape[1] == 1:
            table = table[:, 0]
        if table.size and np.all(table == np.round(table)) and table.min() >= 0:
            for dtype in (np.uint8, np.uint16):
                if table.max() <= np.iinfo(dtype).max:
                    return table.astype(dtype)
    return table


def quality(text):
    value = number(int, "an integer from 1 to 100")(text)
    if not 1 <= value <= 100:
        raise argparse.ArgumentTypeError(f"expected an integer from 1 to 100, got {text!r}")
    return value
