"""The chain language of `imfilt run`: steps such as gaussian:1.5 or median:5,border=wrap."""
from __future__ import annotations

import argparse
import os
import re

from .errors import UsageError
from .options import number
from .plan import is_glob
from .registry import FILTERS, IMAGE_FILTERS, close_match, make_step

_STEP_HELP = """\
steps (after the inputs; several run in order on each image, without intermediate files):
  NAME                    the filter with its defaults            minimum
  NAME:VALUE              VALUE is the filter's first parameter   gaussian:1.5  median:5
  NAME:KEY=V,KEY=V        parameters by name                      gaussian:sigma=2,border=wrap
  NAME:VALUE,KEY=V        both                                    median:5,border=reflect
  pairs are H,W or HxW, height first: mean:3x7, gaussian:sigma=1,2 (an item without '=' continues
  the previous value). A file named like a step is written ./NAME.
filters and their keys (first = VALUE):
"""


def help_text():
    """The `run --help` epilog: the step syntax, then each filter with its keys."""
    return _STEP_HELP + "\n".join(f"  {f.name:<10} {', '.join(f.keys())}"
                                 for f in FILTERS.values() if f.kind == "image")


def split_chain(items):
    """`run`'s positional arguments -> (inputs, steps): the steps are the trailing items."""
    inputs, tokens = [], []
    for item in items:
        if tokens or looks_like_step(item):
            tokens.append(item)
        else:
            inputs.append(item)
    if not tokens:
        raise UsageError("no steps: name filters after the inputs, e.g. 'gaussian:1.5' "
                         "(see 'imfilt run --help')")
    if not inputs:
        raise UsageError("no inputs before the steps")
    return inputs, [parse_step(t) for t in tokens]


def parse_step(token):
    """A chain step: NAME, NAME:VALUE, NAME:KEY=VALUE,KEY=VALUE or NAME:VALUE,KEY=VALUE.

    An item without '=' after the first continues the previous value, so pairs can be written
    with a comma as on the command line (gaussian:sigma=1,2 = sigma (1, 2)) as well as HxW.
    Every error names the step."""
    try:
        return _parse_step(token)
    except UsageError as e:
        raise UsageError(f"step {token!r}: {e}") from None


def _parse_step(token):
    name, _, rest = token.partition(":")
    filt = FILTERS.get(name)
    if filt is None:
        if os.path.exists(token) or is_glob(token):
            raise UsageError("inputs go before the steps")
        guess = close_match(name)
        raise UsageError(f"unknown filter {name!r}" + (f" (did you mean {guess!r}?)" if guess
                                                       else "")
                         + f"; steps are {', '.join(IMAGE_FILTERS)}")
    if filt.kind != "image":
        raise UsageError(f"{name} is not a chain step: it computes descriptors, not an image "
                         f"(use 'imfilt {name} INPUT... -o DESCRIPTORS.npy')")
    raw, last = {}, None
    for item in (rest.split(",") if rest else []):
        key, eq, value = item.partition("=")
        if eq:
            key = key.strip().replace("-", "_")
            if key not in filt.keys():
                raise UsageError(f"{filt.name} has no parameter {key!r}; "
                                 f"it takes {', '.join(filt.keys())}")
            if key in raw:
                raise UsageError(f"{key} given twice")
            raw[key], last = value, key
        elif last is not None:
            raw[last] += "," + item
        elif not filt.params:
            raise UsageError(f"{filt.name} takes no value")
        else:
            last = filt.params[0].name
            raw[last] = item
    values = {}
    for key, text in raw.items():
        param = next((p for p in filt.params if p.name == key), None)
        parse = param.parse if param else (str if key == "border" else
                                           number(float, "a number"))
        try:
            values[key] = parse(text)
        except argparse.ArgumentTypeError as e:
            raise UsageError(f"{key}: {e}") from None
    return make_step(filt, values, token)


_STEP_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]+$")


def looks_like_step(token):
    """Whether a `run` item is a step rather than an input. Filter names with a colon always
    are (a file named like one is written ./median:5); otherwise anything that is not an
    existing path or a pattern and reads NAME:..., names a filter or misspells one, so a typo
    gets "unknown filter" rather than "no steps"."""
    name, colon, rest = token.partition(":")
    if name in IMAGE_FILTERS and colon:
        return True
    if os.path.exists(token) or is_glob(token) or not _STEP_NAME.match(name) \
            or rest.startswith("//"):  # a URL: an input, which will not be found
        return False
    return bool(colon) or name in FILTERS or close_match(name) is not None
