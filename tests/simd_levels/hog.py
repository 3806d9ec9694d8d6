"""HOG (OpenCV and scikit-image semantics) at one SIMD level (run by run_level.py; checked by
filters/test_hog.py)."""
import numpy as np
import skimage.data

import imfilt


def results():
    c = skimage.data.coffee()
    g = skimage.data.camera()
    return {
        "cv_rgb": imfilt.hog(c[:200, :151], win_stride=8, padding=8),
        "cv_gray": imfilt.hog_blocks(g, gamma_correction=False, signed=True, nbins=7),
        "cv_f32": imfilt.hog_blocks(c.astype(np.float32) / 7, padding=(3, 5)),
        "sk_rgb": imfilt.hog_skimage(c, channel_axis=2, transform_sqrt=True),
        "sk_gray": imfilt.hog_skimage(g, block_norm="L1", orientations=8),
    }
