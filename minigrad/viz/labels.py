"""How tensors are written inside a drawing: shapes, values and gradients.

Values are printed by minigrad's own printer (the one ``print(tensor)`` uses,
PyTorch's format), so a number in a picture looks like the same number in a cell.
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from .._tensor_str import _elements_str


def shape_text(shape: tuple, dtype: _dtype.dtype) -> str:
    """``(2, 2)``; the dtype is added when it is not the default float one: ``(3,) int64``."""
    text = str(tuple(shape))
    if dtype is not _dtype.get_default_dtype():
        text += f" {dtype.name}"
    return text


def values_text(tensor: Tensor) -> str:
    """The elements alone, as ``print`` lays them out: ``[[1., 1.],\\n [1., 1.]]``."""
    data = np.asarray(tensor._data)
    if data.size == 0:
        return "[]"
    return _elements_str(data, 0, tensor.dtype.is_floating_point)


def one_line(tensor: Tensor | None) -> str:
    """``tensor([[4.5000, 4.5000], [4.5000, 4.5000]])``: a tensor's repr on a single line."""
    if tensor is None:
        return "None"
    plain = Tensor._make(tensor._data, tensor._dtype)  # no grad_fn=... suffix
    return " ".join(repr(plain).split())
