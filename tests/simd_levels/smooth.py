"""gaussian and mean at one SIMD level (run by run_level.py; checked by filters/test_smooth.py)."""
import numpy as np
import skimage.data

import imfilt
from images import dtype_images


def results():
    images = dtype_images(skimage.data.astronaut()[:83, :517])  # odd width > 8 AVX-512 vectors
    res = {}
    for name, img in images.items():
        gray = np.ascontiguousarray(img[:, :, 0])
        for tag, a in (("rgb", img), ("gray", gray), ("narrow", gray[:, :13])):
            for border in ("reflect101", "reflect", "replicate", "constant", "wrap"):
                res[f"{name}/{tag}/g1.5/{border}"] = imfilt.gaussian(a, 1.5, border=border,
                                                                     cval=3)
            res[f"{name}/{tag}/g(0.6,4)"] = imfilt.gaussian(a, (0.6, 4.0))
            for k in (3, 5, 7, 9, 15):
                res[f"{name}/{tag}/k{k}"] = imfilt.gaussian(a, 0, ksize=k)
            for s in (2, 3, 5, (2, 7), 16, 17, 31):
                res[f"{name}/{tag}/m{s}"] = imfilt.mean(a, s)
                res[f"{name}/{tag}/m{s}/wrap"] = imfilt.mean(a, s, border="wrap")
            res[f"{name}/{tag}/sum(3,8)"] = imfilt.mean(a, (3, 8), normalize=False)
    # a float sample's value must not depend on where its column falls (vector body or row
    # tail): the interior of a narrower image equals the same samples of the full image
    rng = np.random.default_rng(0)
    k2d = np.arange(25.0).reshape(5, 5) / 300
    for dt in ("float32", "float64"):
        R = rng.random((24, 160)).astype(dt)
        for key, f, rad in (("g2", lambda a: imfilt.gaussian(a, 2.0), 8),
                            ("m5", lambda a: imfilt.mean(a, 5), 2),
                            ("f2d", lambda a: imfilt.filter2d(a, k2d), 2)):
            full, moved = f(R), 0
            for w in range(2 * rad + 1, 160):
                part = f(R[:, :w])
                moved += int((part[rad:-rad, :w - rad] != full[rad:-rad, :w - rad]).sum())
            res[f"position/{dt}/{key}"] = np.array([moved])
    return res
