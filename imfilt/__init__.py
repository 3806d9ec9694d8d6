"""imfilt: fast, OpenCV-exact classical image filters for NumPy."""
from ._config import __version__, _select_isa, config, show_config
from .morphology import maximum, minimum
from .smooth import gaussian, mean

_select_isa()

__all__ = ["gaussian", "mean", "minimum", "maximum", "show_config", "config", "__version__"]
