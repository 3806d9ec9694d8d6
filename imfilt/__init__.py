"""imfilt: fast, OpenCV-exact classical image filters for NumPy."""
from ._config import __version__, _select_isa, config, show_config
from .smooth import gaussian, mean
from .rank import median

_select_isa()

__all__ = ["gaussian", "mean", "median", "show_config", "config", "__version__"]
