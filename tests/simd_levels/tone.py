"""lut and gamma at one SIMD level (run by run_level.py; checked by filters/test_tone.py)."""
import numpy as np
import skimage.data

import imfilt


def results():
    rng = np.random.default_rng(7)
    ast = skimage.data.astronaut()[:203, :389]
    cam = skimage.data.camera()[:131, :517]
    res = {}
    for ch in (1, 2, 3, 4, 5):
        img = np.dstack([ast, ast])[:, :, :ch] if ch > 1 else cam
        for td in ("uint8", "int16", "float32", "float64", "complex128"):
            t = (rng.normal(0, 300, (256, ch)) if td != "uint8"
                 else rng.integers(0, 256, (256, ch))).astype(td)
            res[f"lut/{ch}/{td}/per"] = imfilt.lut(img, t if ch > 1 else t[:, 0])
            res[f"lut/{ch}/{td}/shared"] = imfilt.lut(img, t[:, 0])
    img16 = (ast.astype(np.uint16) * 257)[::-1]
    res["lut16"] = imfilt.lut(img16, rng.integers(0, 65535, 65536).astype(np.uint16))
    res["gamma8"] = imfilt.gamma(ast, 2.2)
    res["gamma16"] = imfilt.gamma(img16, 0.45, 1.1)
    f = ast.astype(np.float32) / 255
    for g in (0.45, 2.2, 0.5, 2.0, 20.0):
        res[f"gamma32/{g}"] = imfilt.gamma(f, g)
    return res
