"""minimum and maximum at one SIMD level (run by run_level.py; checked by
filters/test_morphology.py)."""
import cv2
import numpy as np
import skimage.data

import imfilt


def results():
    photo = skimage.data.astronaut()[:67, :517]
    x = photo.astype(np.int64)
    images = {"uint8": photo, "uint16": (x * 257 - (x * 7919) % 257).astype(np.uint16),
              "int16": ((x - 128) * 250 + 7).astype(np.int16),
              "float32": (x / 255.0 - 0.5).astype(np.float32), "float64": x / 255.0}
    images["float32"][::7, ::5] = np.nan
    se = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 13))
    res = {}
    for name, img in images.items():
        gray = np.ascontiguousarray(img[:, :, 0])
        for tag, a in (("rgb", img), ("gray", gray), ("narrow", gray[:, :13])):
            for fn in (imfilt.minimum, imfilt.maximum):
                for s in (2, 3, 4, 5, (3, 16), 15, (40, 70)):
                    res[f"{name}/{tag}/{fn.__name__}/{s}"] = fn(a, s)
                res[f"{name}/{tag}/{fn.__name__}/ell"] = fn(a, footprint=se, border="reflect")
                res[f"{name}/{tag}/{fn.__name__}/wrap"] = fn(a, 9, border="wrap")
    return res
