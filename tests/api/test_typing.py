"""Every public function carries real annotations (py.typed ships with the package), so
typing.get_type_hints -- what IDEs and mypy read -- names each parameter and the result."""
from __future__ import annotations

import inspect
import pathlib
import typing

import pytest

import imfilt
import imfilt.dask

PUBLIC = [getattr(imfilt, name) for name in imfilt.__all__ if callable(getattr(imfilt, name))]
DASK = [getattr(imfilt.dask, name) for name in ("gaussian", "mean", "median", "minimum",
                                                "maximum", "filter2d", "gamma", "lut")]


@pytest.mark.parametrize("fn", PUBLIC + DASK, ids=lambda f: f"{f.__module__}.{f.__name__}")
def test_every_parameter_and_the_result_are_annotated(fn):
    hints = typing.get_type_hints(fn)
    params = set(inspect.signature(fn).parameters)
    assert params <= set(hints), params - set(hints)
    assert "return" in hints


def test_py_typed_ships_with_the_package():
    assert (pathlib.Path(imfilt.__file__).parent / "py.typed").is_file()
