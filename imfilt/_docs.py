"""Docstring fragments shared by every filter, filled in with str.format."""
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])  # decorators keep the signature (type checkers)

IMAGE = """image : ndarray, shape (H, W) or (H, W, C)
        uint8, uint16, int16, float32 or float64; any strides, byte order or writeability."""

BORDER = """border : str, keyword-only
        How pixels outside the image are read: 'reflect101' (dcb|abcd|cba, OpenCV's default),
        'reflect' (cba|abcd|dcb), 'replicate' (aaa|abcd|ddd), 'constant' (cval), 'wrap'
        (bcd|abcd|abc). scipy's 'mirror' and 'nearest' are accepted for reflect101 and replicate.
        Kernels larger than the image repeat the pattern.
    cval : float, keyword-only
        The value outside the image for border='constant' (saturated to the image's type)."""

OUT = """out : ndarray, optional, keyword-only
        Where to write the result: same shape and dtype as the result, writable. It may be the
        input itself; the result is still exact.
    threads : int or None, keyword-only
        OpenMP threads; None uses all cores (OMP_NUM_THREADS), except that a short job (a few
        hundred microseconds) stays on one core unless imfilt ran in the last 2 ms: waking
        sleeping threads costs more than such a job saves, while calls in a loop find them
        awake. An explicit count is used as given (tiny images always run on one thread).
        The result is bit-identical for any thread count."""


SAME = """ndarray of the input's shape and dtype."""


def fill(**fragments: str) -> Callable[[F], F]:
    """Decorator: format the function's docstring with the shared fragments."""
    def deco(fn: F) -> F:
        fn.__doc__ = (fn.__doc__ or "").format(IMAGE=IMAGE, BORDER=BORDER, OUT=OUT, SAME=SAME,
                                       **fragments)
        return fn
    return deco
