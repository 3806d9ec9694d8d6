"""Type aliases of the public signatures (the annotations say what each argument accepts;
the validator, imfilt/_normalize/, enforces it). typing.Union / Optional rather than `|`,
so typing.get_type_hints resolves them on every supported Python."""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

Image = npt.NDArray[Any]                  # (H, W) or (H, W, C): uint8, uint16, int16, float32, float64
ImageLike = npt.ArrayLike                 # anything np.asarray turns into such an image
Size = Union[int, Tuple[int, int], Sequence[int]]          # N or (height, width)
Sigma = Union[float, Tuple[float, float], Sequence[float]]  # s or (sigma_y, sigma_x)
Pair = Union[int, Tuple[int, int], Sequence[int]]          # (y, x) geometry: cells, strides
Border = str                              # reflect101, reflect, replicate, constant, wrap (+ aliases)
Number = Union[int, float, np.number]
Threads = Optional[int]                   # None: the thread policy (README, Threads)
Out = Optional[npt.NDArray[Any]]
DType = Optional[npt.DTypeLike]           # an output dtype (cv2's ddepth); None: the default

__all__ = ["Image", "ImageLike", "Size", "Sigma", "Pair", "Border", "Number", "Threads", "Out",
           "DType", "Optional", "Union", "Tuple", "Sequence", "Any", "Callable"]
