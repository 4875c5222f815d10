"""Data types: a thin, PyTorch-named layer over NumPy's dtypes.

PyTorch prints ``torch.float32`` where NumPy says ``float32``; the course's
code must print what PyTorch prints, so each dtype carries both names.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "dtype",
    "float16",
    "float32",
    "float64",
    "int32",
    "int64",
    "bool",
    "get_default_dtype",
    "set_default_dtype",
]

_bool = bool


class dtype:  # noqa: N801 - PyTorch's name
    """One element type: its NumPy equivalent and its place in type promotion."""

    __slots__ = ("name", "numpy", "is_floating_point", "_category", "_legacy")

    def __init__(self, name: str, numpy_type: type, category: int, legacy: str) -> None:
        self.name = name
        self.numpy = np.dtype(numpy_type)
        self.is_floating_point = category == 2
        self._category = category  # 0 bool, 1 integer, 2 floating point
        self._legacy = legacy  # the name in "[torch.FloatTensor [2]]"

    @property
    def itemsize(self) -> int:
        return self.numpy.itemsize

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self) -> str:
        return self.name


float16 = dtype("float16", np.float16, 2, "HalfTensor")
float32 = dtype("float32", np.float32, 2, "FloatTensor")
float64 = dtype("float64", np.float64, 2, "DoubleTensor")
int32 = dtype("int32", np.int32, 1, "IntTensor")
int64 = dtype("int64", np.int64, 1, "LongTensor")
bool = dtype("bool", np.bool_, 0, "BoolTensor")  # noqa: A001 - PyTorch's name

# PyTorch's aliases.
half, float, double = float16, float32, float64  # noqa: A001
int, long = int32, int64  # noqa: A001

_ALL = (float16, float32, float64, int32, int64, bool)
_FROM_NUMPY = {d.numpy: d for d in _ALL}

_default = [float32]


def get_default_dtype() -> dtype:
    """The dtype that ``tensor([1.])``, ``ones`` and ``rand`` produce (float32)."""
    return _default[0]


def set_default_dtype(d: dtype) -> None:
    """Change the default floating point dtype, as ``torch.set_default_dtype``."""
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default[0] = d


def from_numpy_dtype(np_dtype: np.dtype) -> dtype:
    """The minigrad dtype of a NumPy array (NumPy types we do not model are refused)."""
    try:
        return _FROM_NUMPY[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype).name}. The only supported "
            "types are: float64, float32, float16, int64, int32, and bool."
        ) from None


def promote(a: dtype, b: dtype) -> dtype:
    """The result dtype of two tensors of equal priority (``torch.promote_types``).

    The higher category wins (bool < integer < floating point), whatever the sizes:
    int64 with float32 gives float32 (NumPy would say float64). Within a
    category the wider type wins.
    """
    if a._category != b._category:
        return a if a._category > b._category else b
    return a if a.itemsize >= b.itemsize else b
