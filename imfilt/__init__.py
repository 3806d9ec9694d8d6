"""imfilt: fast, OpenCV-exact classical image filters for NumPy."""
from ._config import __version__, _select_isa, config, show_config
from .convolution import conv2d, filter2d
from .features import hog, hog_blocks, hog_skimage
from .morphology import maximum, minimum
from .rank import median
from .smooth import gaussian, mean
from .tone import gamma, lut

_select_isa()

__all__ = ["gaussian", "mean", "median", "minimum", "maximum", "gamma", "lut", "hog",
           "hog_blocks", "hog_skimage", "conv2d", "filter2d", "show_config", "config",
           "__version__"]
