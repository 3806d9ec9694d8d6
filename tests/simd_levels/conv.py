"""conv2d and filter2d at one SIMD level, with conv2d's inputs (run by run_level.py; checked
by filters/test_conv.py)."""
import numpy as np
import skimage.data

import imfilt


def results():
    rng = np.random.default_rng(1)
    res = {}
    for dt in ("float32", "float64"):
        x = rng.standard_normal((2, 8, 23, 37)).astype(dt)
        for name, ws, g, s in (("dw3", (8, 1, 3, 3), 8, 1), ("dw3s2", (8, 1, 3, 3), 8, 2),
                               ("dw5m2", (16, 1, 5, 5), 8, 1), ("dense", (12, 8, 3, 3), 1, 1),
                               ("dense_s2", (12, 8, 3, 3), 1, 2), ("grouped", (12, 2, 3, 3), 4, 1),
                               ("pw", (20, 8, 1, 1), 1, 1)):
            w = rng.standard_normal(ws).astype(dt)
            b = rng.standard_normal(ws[0]).astype(dt)
            res[f"{dt}/{name}"] = imfilt.conv2d(x, w, b, padding=ws[2] // 2, groups=g, stride=s)
            res[f"{dt}/{name}/x"], res[f"{dt}/{name}/w"], res[f"{dt}/{name}/b"] = x, w, b
    img = skimage.data.astronaut()[:91, :133]
    k = rng.standard_normal((5, 5)) / 5
    for dt, a in (("uint8", img), ("uint16", img.astype(np.uint16) * 257),
                  ("float32", (img / 255).astype(np.float32)), ("float64", img / 255.0)):
        res[f"f2d/{dt}"] = imfilt.filter2d(a, k, border="wrap", delta=1)
        res[f"f2d/{dt}/sep"] = imfilt.filter2d(a, np.outer([1, 2, 1], [1, 0, -1]))
    return res
