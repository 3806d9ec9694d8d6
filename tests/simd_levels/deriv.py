"""sobel, laplacian and sep_filter2d at one SIMD level (run by run_level.py; checked by
filters/test_derivatives.py)."""
import numpy as np
import skimage.data

import imfilt


def results():
    img = skimage.data.astronaut()[:97, :141]
    f32 = (img / 255).astype(np.float32)
    res = {}
    for k in (1, 3, 5, 7, -1):
        res[f"u8/sobel{k}/dx"] = imfilt.sobel(img, dx=1, ksize=k)
        res[f"u8/sobel{k}/dy/f32"] = imfilt.sobel(img, dy=1, ksize=k, dtype=np.float32)
        res[f"f32/sobel{k}/dx"] = imfilt.sobel(f32, dx=1, ksize=k, border="wrap")
    for k in (1, 3, 5, 9):
        res[f"u8/laplacian{k}"] = imfilt.laplacian(img, ksize=k, border="constant", cval=9)
        res[f"f64/laplacian{k}"] = imfilt.laplacian(f32, ksize=k, dtype=np.float64)
    res["f32/sep"] = imfilt.sep_filter2d(f32, [0.2, 0.5, 0.3], [1, -2, 0.5, 2, -1], delta=0.1)
    res["u16/sep"] = imfilt.sep_filter2d(img.astype(np.uint16) * 257, [1, 2, 1], [0.5, 0, -0.5])
    return res
