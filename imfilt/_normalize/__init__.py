"""The one argument validator: every public function checks and normalises each argument
through these functions (`from . import _normalize as N`) before its one C call, and no
module checks an argument on its own (Python validates, C trusts).

- `scalars`: numbers (`number` is the check under every numeric argument), pairs, windows,
  borders, cval, threads, and the limits on scratch and output sizes;
- `arrays`: images and the dtypes each family takes, `out`, byte-row views, footprints,
  kernels, lookup tables, conv2d operands;
- `families`: arguments checked together (Gaussian sizes, mean windows beyond MAX_KERNEL,
  anchors, conv2d geometry, HOG geometry)."""
import os

# the public names of the three modules, each used as N.<name>
from .arrays import (  # noqa: F401
    CONV_DTYPES, DTYPE_CODES, GAMMA_DTYPES, HOG_DTYPES, LUT_DTYPES, SUPPORTED_DTYPES,
    TABLE_LENGTHS, as_array, byte_rows, c_rows, check_image, check_ndim, conv_operand, finish,
    footprint_mask, gamma_dtype, hog_image, hog_values, kernel1d, kernel2d, lut_image, lut_table,
    native, OUTPUT_DTYPES, output_dtype, prepare_out, refuse_lazy, same_elements)
from .families import (  # noqa: F401
    HOG_NORMS, MAX_NBINS, anchor, box_limits, conv2d_output, conv2d_shapes, conv_padding,
    deriv_args, gaussian_args, gaussian_ksize, gaussian_sizes, hog_grid, hog_params, hog_window_plan,
    hog_windows, laplacian_ksize, skimage_cells, skimage_image, skimage_norm)
from .scalars import (  # noqa: F401
    BORDER_ALIASES, BORDER_CODES, BORDERS, MAX_KERNEL, MAX_OUTPUT_BYTES, MAX_SCRATCH_BYTES,
    MAX_THREADS, boolean, border_code, check_output, check_scratch, cval_arg, integer, is_number,
    number, odd_pair, pair, real, threads_arg, window)


def cpu_request():
    """The SIMD level IMFILT_CPU asks for ('' when unset)."""
    return os.environ.get("IMFILT_CPU", "").strip().lower()
