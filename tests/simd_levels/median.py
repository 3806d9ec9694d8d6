"""median at one SIMD level (run by run_level.py; checked by filters/test_median.py)."""
import numpy as np
import skimage.data

import imfilt
from images import dtype_images


def results():
    images = dtype_images(skimage.data.astronaut()[:83, :517])
    images["float32"][::7, ::5] = np.nan
    res = {}
    for name, img in images.items():
        gray = np.ascontiguousarray(img[:, :, 0])
        for tag, a in (("rgb", img), ("gray", gray), ("narrow", gray[:, :13])):
            for size in (3, 5, 7, 9, (3, 5), 17):
                borders = ("replicate", "constant", "wrap")
                if size == 3:  # the 3x3 kernels read each row's ends through the border
                    borders += ("reflect101", "reflect")
                for border in borders:
                    res[f"{name}/{tag}/{size}/{border}"] = imfilt.median(a, size, border=border,
                                                                         cval=3)
    return res
