"""Docstring fragments shared by the public functions, filled in with str.format by `fill`:
a parameter documented in more than one function is written once, here."""
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])  # decorators keep the signature (type checkers)

LAYOUT = "Any strides, byte order or writeability."

IMAGE = f"""image : ndarray, shape (H, W) or (H, W, C)
        uint8, uint16, int16, float32 or float64. {LAYOUT}"""

MODES = """'reflect101' (dcb|abcd|cba), 'reflect' (cba|abcd|dcb), 'replicate' (aaa|abcd|ddd),
        'constant' (cval), 'wrap' (bcd|abcd|abc); scipy's 'mirror' and 'nearest' are accepted
        for reflect101 and replicate. Windows larger than the image repeat the pattern."""

CVAL = """cval : float, keyword-only
        The value outside the image for border='constant' (saturated to the image's type)."""

BORDER = f"""border : str, keyword-only
        How pixels outside the image are read (OpenCV's default border is 'reflect101'):
        {MODES}
    {CVAL}"""

THREADS = """threads : int or None, keyword-only
        OpenMP threads; None uses all cores (OMP_NUM_THREADS), except that a short job (a few
        hundred microseconds) stays on one core unless imfilt ran in the last 2 ms: waking
        sleeping threads costs more than such a job saves, while calls in a loop find them
        awake. An explicit count is used as given (tiny images always run on one thread).
        The result is bit-identical for any thread count."""

OUT_ARRAY = """out : ndarray, optional, keyword-only
        Where to write the result: same shape and dtype as the result, writable. It may be the
        input itself; the result is still exact."""

OUT = f"""{OUT_ARRAY}
    {THREADS}"""

SAME = """ndarray of the input's shape and dtype."""

RETURNS_SAME = f"""Returns
    -------
    {SAME}"""

_FRAGMENTS = dict(LAYOUT=LAYOUT, IMAGE=IMAGE, MODES=MODES, CVAL=CVAL, BORDER=BORDER,
                  THREADS=THREADS, OUT_ARRAY=OUT_ARRAY, OUT=OUT, SAME=SAME,
                  RETURNS_SAME=RETURNS_SAME)


def fill(doc: str = "", **words: str) -> Callable[[F], F]:
    """Decorator: the function's docstring (or `doc`, a template several functions share)
    formatted with the shared fragments and `words`."""
    def deco(fn: F) -> F:
        fn.__doc__ = (doc or fn.__doc__ or "").format(**_FRAGMENTS, **words)
        return fn
    return deco
