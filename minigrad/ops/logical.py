"""Whole-tensor truth tests: ``all``, ``any``, ``equal`` and ``allclose``.

Their results are booleans, so none of them is differentiable and none records
anything. ``torch.equal(a, b)`` is the question "bit-identical?" (chapter 08
asks it of frozen weights); ``allclose`` allows for rounding.
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ._record import check_broadcast
from .reduction import Dims, reduced_dims


def all(input: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True where every element (over ``dim``, or all of them) is nonzero: a bool tensor."""
    return _reduce(np.all, input, dim, keepdim)


def any(input: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True where some element (over ``dim``, or all of them) is nonzero: a bool tensor."""
    return _reduce(np.any, input, dim, keepdim)


def _reduce(test, input: Tensor, dim: Dims, keepdim: bool) -> Tensor:
    axes = reduced_dims(dim, input.dim())
    return Tensor._make(np.asarray(test(input._data, axis=axes, keepdims=keepdim)), _dtype.bool)


def equal(input: Tensor, other: Tensor) -> bool:
    """``True`` if both tensors have the same shape and the same elements (NaN equals nothing)."""
    if not isinstance(other, Tensor):
        raise TypeError(
            f"equal(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}"
        )
    return input.shape == other.shape and bool(np.array_equal(input._data, other._data))


def allclose(
    input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> bool:
    """``|input - other| <= atol + rtol * |other|`` everywhere (after broadcasting)."""
    if input.dtype is not other.dtype:
        raise RuntimeError(f"{_name(input.dtype)} did not match {_name(other.dtype)}")
    check_broadcast(input._data.shape, other._data.shape)
    return bool(np.allclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def _name(d: _dtype.dtype) -> str:
    return d._legacy.removesuffix("Tensor")


__all__ = ["all", "allclose", "any", "equal"]
