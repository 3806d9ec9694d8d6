"""How a command ends: its exit status, usage errors, and the one-line text of other errors."""
from __future__ import annotations

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_BROKEN_PIPE = 141   # 128 + SIGPIPE, as for a process the signal ended


class UsageError(Exception):
    """A bad command line (option values, output paths): exit status 2."""


def describe(exc):
    """A failure in one line: the message, after the exception's type where that helps."""
    text = str(exc) or type(exc).__name__
    # Pillow's messages ("cannot identify image file ...") are clear; for the rest, the type
    # (MemoryError, KeyError, ...) says what went wrong when the message alone would not.
    if isinstance(exc, (OSError, ValueError, TypeError)):
        return text
    return f"{type(exc).__name__}: {text}"
