"""Inputs shared by the family modules (imported from this folder, run_level.py's sys.path[0])."""
import numpy as np


def dtype_images(photo):
    """A uint8 photograph in every filter dtype: uint16 with varied low bytes, int16 around 0,
    floats in [0, 1]."""
    x = photo.astype(np.int64)
    return {
        "uint8": photo,
        "uint16": (x * 257 - (x * 7919) % 257).astype(np.uint16),
        "int16": ((x - 128) * 250 + 7).astype(np.int16),
        "float32": (x / 255.0).astype(np.float32),
        "float64": x / 255.0,
    }
