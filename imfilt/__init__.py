"""imfilt: fast, OpenCV-exact classical image filters for NumPy."""
try:
    from . import _core  # noqa: F401  (the compiled extension)
except ImportError as _error:
    # a source checkout without the build (e.g. the clone's root is the working directory):
    # continue with the installed copy, or explain what to run
    from ._source_tree import use_installed_copy
    use_installed_copy(__name__, __path__[0], _error)
else:
    from ._config import __version__, _select_isa, config, show_config
    from .convolution import conv2d, filter2d
    from .derivatives import laplacian, scharr, sep_filter2d, sobel
    from .features import hog, hog_blocks, hog_skimage
    from .morphology import maximum, minimum
    from .rank import median
    from .smooth import gaussian, mean
    from .tone import gamma, lut

    _select_isa()

    __all__ = ["gaussian", "mean", "median", "minimum", "maximum", "gamma", "lut", "hog",
               "hog_blocks", "hog_skimage", "conv2d", "filter2d", "sobel",
               "scharr", "laplacian", "sep_filter2d", "show_config", "config",
               "__version__"]
