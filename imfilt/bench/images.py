"""The bench's images: photographs (or a generated picture) resized to each size and type."""
from __future__ import annotations

import numpy as np


def base_images():
    """(gray uint8, RGB uint8, label): skimage's camera and astronaut photographs when
    available, else imfilt.cli.demo's generated picture, else a deterministic synthetic scene."""
    try:
        from skimage import data
        return np.ascontiguousarray(data.camera()), np.ascontiguousarray(data.astronaut()), \
            "skimage.data camera/astronaut"
    except Exception:  # pragma: no cover - skimage is a bench extra
        pass
    try:  # imfilt's own generated, photo-like picture
        from ..cli.demo import sample_image
        rgb = np.ascontiguousarray(sample_image(720, 1280))
        gray = np.ascontiguousarray(
            np.rint(rgb @ np.array([0.299, 0.587, 0.114])).clip(0, 255).astype(np.uint8))
        return gray, rgb, "imfilt.cli.demo.sample_image"
    except Exception:  # pragma: no cover
        pass
    rng = np.random.default_rng(12345)
    yy, xx = np.mgrid[0:512, 0:512].astype(np.float64)
    scene = 96 + 60 * np.sin(xx / 37.0) * np.cos(yy / 23.0) + 0.15 * xx
    scene[(xx - 300) ** 2 + (yy - 200) ** 2 < 90 ** 2] = 230
    scene[100:400, 60:90] = 20
    scene += rng.normal(0, 6, scene.shape)
    gray = np.clip(scene, 0, 255).astype(np.uint8)
    rgb = np.stack([gray, np.roll(gray, 40, axis=1), 255 - gray], axis=-1)
    return gray, np.ascontiguousarray(rgb), "synthetic"


def make_input(cv2, bases, dtype, channels, w, h):
    gray, rgb, _ = bases
    src = gray if channels == 1 else rgb if channels == 3 else \
        np.dstack([rgb, gray] * 2)[..., :channels]
    img = cv2.resize(src, (w, h), interpolation=cv2.INTER_LINEAR if (w < src.shape[1] or
                                                                      h < src.shape[0])
                     else cv2.INTER_CUBIC)
    img = np.ascontiguousarray(img)
    if dtype in ("float32", "float64"):
        img = img.astype(dtype) / np.dtype(dtype).type(255.0)
    elif dtype == "uint16":
        img = img.astype(np.uint16) * np.uint16(257)
    elif dtype == "int16":
        img = (img.astype(np.int16) - 128) * np.int16(100)
    return img
