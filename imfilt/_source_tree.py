"""A source checkout imported by accident: running Python in the clone's root puts the source
folder `imfilt/` first on sys.path, ahead of the copy `pip install .` built (the source folder
has no compiled extension). The package's __init__ then hands the import over to the
installed copy, or says what to run."""
from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys


def _has_extension(folder: str) -> bool:
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    try:
        return any(f.startswith("_core.") and f.endswith(suffixes) for f in os.listdir(folder))
    except OSError:
        return False


def use_installed_copy(name: str, source_dir: str, error: ImportError) -> None:
    """Replace the half-imported source package `name` in sys.modules by the first installed
    copy on sys.path that has the compiled extension; ImportError saying what to run if none.
    `error`: the failed import of the extension, raised as it is if the extension exists."""
    here = os.path.realpath(source_dir)
    if _has_extension(here):  # built here, but it failed to load: that error is the news
        raise error
    for entry in sys.path:
        folder = os.path.join(os.path.realpath(entry or os.getcwd()), name)
        init = os.path.join(folder, "__init__.py")
        if os.path.realpath(folder) == here or not os.path.isfile(init):
            continue
        if not _has_extension(folder):
            continue
        for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[loaded]  # the source tree's half-imported modules
        spec = importlib.util.spec_from_file_location(name, init,
                                                      submodule_search_locations=[folder])
        assert spec is not None and spec.loader is not None  # a file location always has both
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
        return
    raise ImportError(
        f"{name} is being imported from its source tree ({here}), which has no compiled "
        f"extension ({name}/_core), and no installed {name} was found on sys.path. Build and "
        f"install it first: `pip install .` (development: `pip install --no-build-isolation "
        f"-e .`); an installed copy is then used even from this folder.")
