"""Maxima and minima: ``max``, ``amax``, ``argmax``, ``maximum`` and their ``min`` twins.

The gradient of a maximum goes to the element that won. The variants differ only
at ties, and PyTorch's choices are kept:

* ``a.max()`` and ``a.amax(dim)`` split the gradient evenly between tied elements;
* ``a.max(dim)`` gives all of it to the index it returns (the first maximum);
* ``maximum(a, b)`` splits it half and half where ``a == b``.

``argmax`` returns positions, int64 numbers that have no gradient.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd.graph import Node
from . import scatter
from ._record import operands, record
from .indexing import GatherBackward0, along_dim, take
from .pointwise import where
from .reduction import Dims, normalize_dims


class _ValuesIndices(NamedTuple):
    values: Tensor
    indices: Tensor

    def __repr__(self) -> str:
        return (
            f"torch.return_types.{type(self).__name__}(\nvalues={self.values!r},\n"
            f"indices={self.indices!r})"
        )


def _return_type(name: str) -> type[_ValuesIndices]:
    """The named tuple PyTorch calls ``torch.return_types.<name>``."""
    namespace = {"__slots__": (), "__module__": "minigrad.return_types", "__qualname__": name}
    return type(name, (_ValuesIndices,), namespace)


MaxResult, MinResult = _return_type("max"), _return_type("min")
Reduce = Callable[..., np.ndarray]  # np.max, np.argmin, ...


# --- ties split evenly: max() / min() of everything, amax / amin ---------------------------------
def _evenly(grad: Tensor, winners: Tensor, dims: tuple[int, ...]) -> Tensor:
    """Share ``grad`` equally among the ``winners`` of each reduced slice.

    ``grad`` has the reduced dims kept as size 1, so it broadcasts over the slice.
    """
    return grad / winners.sum(dims, keepdim=True) * winners


class MaxBackward1(Node):
    """The winners are the elements equal to the result; a NaN result is won by the NaNs."""

    def apply(self, grad: Tensor) -> tuple:
        input, result = self.saved("self", "result")
        winners = (input == result) | ((input != input) & (result != result))
        return (_evenly(grad, winners, tuple(range(input.ndim))),)


class MinBackward1(MaxBackward1):
    """The same formula for the minimum."""


class AmaxBackward0(Node):
    """The winners are the elements equal to the result (a NaN result: nobody, so NaN grads)."""

    def apply(self, grad: Tensor) -> tuple:
        input, result = self.saved("self", "result")
        if not self.keepdim:
            kept = [1 if d in self.dims else n for d, n in enumerate(input.shape)]
            grad, result = grad.reshape(kept), result.reshape(kept)
        return (_evenly(grad, input == result, self.dims),)


class AminBackward0(AmaxBackward0):
    """The same formula for the minimum."""


def _empty_check(input: Tensor, name: str) -> None:
    if input.numel() == 0:
        raise RuntimeError(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
            "the reduction dim with the 'dim' argument."
        )


def _reduce_all(input: Tensor, name: str, reduce: Reduce, node: type[Node]) -> Tensor:
    _empty_check(input, name)
    return record(node, reduce(input._data), (input,), saved={"self": input}, save_result=True)


def _amax(
    input: Tensor, dim: Dims, keepdim: bool, name: str, reduce: Reduce, node: type[Node]
) -> Tensor:
    if dim is None or (not isinstance(dim, int) and len(dim) == 0):  # () means every dim
        _empty_check(input, name)
        dim = None
    dims = normalize_dims(dim, input.ndim)
    for d in dims:
        if input.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    data = reduce(input._data, axis=dims, keepdims=keepdim)
    saved = {"self": input}
    return record(node, data, (input,), saved=saved, save_result=True, dims=dims, keepdim=keepdim)


def amax(input: Tensor, dim: Dims = (), keepdim: bool = False) -> Tensor:
    """The maximum over ``dim`` (all dims by default); ties share the gradient."""
    return _amax(input, dim, keepdim, "amax", np.max, AmaxBackward0)


def amin(input: Tensor, dim: Dims = (), keepdim: bool = False) -> Tensor:
    """The minimum over ``dim`` (all dims by default); ties share the gradient."""
    return _amax(input, dim, keepdim, "amin", np.min, AminBackward0)


# --- along one dim, with indices: max(dim) / min(dim) -----------------------------------------
class MaxBackward0(Node):
    """The gradient goes to the returned index of each slice (a scatter into zeros)."""

    def apply(self, grad: Tensor) -> tuple:
        index = self.index
        if not self.keepdim and index:  # scatter with the reduced dim restored, as PyTorch
            grad = grad.unsqueeze(self.dim)
            index = tuple(np.expand_dims(i, self.dim) for i in index)
        return (scatter.put(grad, self.shape, index, scatter.ScatterBackward0, GatherBackward0),)


class MinBackward0(MaxBackward0):
    """The same formula for the minimum."""


def _reduce_dim(
    input: Tensor, dim: int, keepdim: bool, name: str, arg: Reduce, node: type[Node]
) -> tuple[Tensor, Tensor]:
    """``(values, indices)`` of the extreme along ``dim``: values are ``input`` gathered there."""
    if input.ndim == 0:
        normalize_dims(dim, 0)  # only checks that dim is 0 or -1
        indices, index = np.zeros((), np.int64), ()
    else:
        dim = normalize_dims(dim, input.ndim)[0]
        if input.shape[dim] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")
        indices = arg(input._data, axis=dim, keepdims=True)
        index = along_dim(indices, dim)
        if not keepdim:
            indices, index = np.squeeze(indices, dim), tuple(np.squeeze(i, dim) for i in index)
    values = take(input, index, node, dim=dim, keepdim=keepdim)
    return values, Tensor._make(indices, _dtype.int64)


def max(  # noqa: A001
    input: Tensor, dim: int | Tensor | None = None, keepdim: bool = False
) -> Tensor | _ValuesIndices:
    """``max(a)``: the largest element. ``max(a, dim)``: ``(values, indices)``.

    ``max(a, b)`` with a tensor ``b`` is ``maximum(a, b)``.
    """
    if isinstance(dim, Tensor):
        return maximum(input, dim)
    if dim is None:
        return _reduce_all(input, "max", np.max, MaxBackward1)
    return MaxResult(*_reduce_dim(input, dim, keepdim, "max", np.argmax, MaxBackward0))


def min(  # noqa: A001
    input: Tensor, dim: int | Tensor | None = None, keepdim: bool = False
) -> Tensor | _ValuesIndices:
    """``min(a)``: the smallest element. ``min(a, dim)``: ``(values, indices)``.

    ``min(a, b)`` with a tensor ``b`` is ``minimum(a, b)``.
    """
    if isinstance(dim, Tensor):
        return minimum(input, dim)
    if dim is None:
        return _reduce_all(input, "min", np.min, MinBackward1)
    return MinResult(*_reduce_dim(input, dim, keepdim, "min", np.argmin, MinBackward0))


# --- positions: argmax / argmin -----------------------------------------------------------------
def _arg(input: Tensor, dim: int | None, keepdim: bool, name: str, arg: Reduce) -> Tensor:
    if dim is None:
        if input.numel() == 0:
            raise IndexError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0."
            )
        data = arg(input._data.reshape(-1))
        return Tensor._make(np.reshape(data, (1,) * input.ndim if keepdim else ()), _dtype.int64)
    if input.ndim == 0:
        normalize_dims(dim, 0)
        return Tensor._make(np.zeros((), np.int64))
    dim = normalize_dims(dim, input.ndim)[0]
    if input.shape[dim] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")
    return Tensor._make(arg(input._data, axis=dim, keepdims=keepdim), _dtype.int64)


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """The index of the (first) maximum, over everything (flattened) or along ``dim``."""
    return _arg(input, dim, keepdim, "argmax", np.argmax)


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """The index of the (first) minimum, over everything (flattened) or along ``dim``."""
    return _arg(input, dim, keepdim, "argmin", np.argmin)


# --- element-wise: maximum / minimum --------------------------------------------------------------
def _share(grad: Tensor, loses: Tensor, ties: Tensor) -> Tensor:
    """``grad`` where this side won, half of it at ties, zero where it lost."""
    return where(ties, grad / 2, grad).masked_fill(loses, 0)


class MaximumBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        a, b = self.saved("self", "other")
        ties = a == b
        return (
            _share(grad, a < b, ties) if self.needs_input_grad(0) else None,
            _share(grad, b < a, ties) if self.needs_input_grad(1) else None,
        )


class MinimumBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        a, b = self.saved("self", "other")
        ties = a == b
        return (
            _share(grad, a > b, ties) if self.needs_input_grad(0) else None,
            _share(grad, b > a, ties) if self.needs_input_grad(1) else None,
        )


def _elementwise(
    name: str, input: Tensor, other: Tensor, ufunc: np.ufunc, node: type[Node], position: int = 2
) -> Tensor:
    if not isinstance(other, Tensor):
        raise TypeError(
            f"{name}(): argument 'other' (position {position}) must be Tensor, not "
            f"{type(other).__name__}"
        )
    a, b, dtype = operands(input, other)
    data = ufunc(a._data, b._data, dtype=dtype.numpy)
    return record(node, data, (a, b), dtype=dtype, saved={"self": a, "other": b})


def maximum(input: Tensor, other: Tensor) -> Tensor:
    """The larger of each pair of elements (broadcast); NaN wins."""
    return _elementwise("maximum", input, other, np.maximum, MaximumBackward0)


def minimum(input: Tensor, other: Tensor) -> Tensor:
    """The smaller of each pair of elements (broadcast); NaN wins."""
    return _elementwise("minimum", input, other, np.minimum, MinimumBackward0)


def maximum_method(self: Tensor, other: Tensor) -> Tensor:
    """``a.maximum(b)`` (PyTorch counts ``other`` as argument 1 here)."""
    return _elementwise("maximum", self, other, np.maximum, MaximumBackward0, position=1)


def minimum_method(self: Tensor, other: Tensor) -> Tensor:
    """``a.minimum(b)``."""
    return _elementwise("minimum", self, other, np.minimum, MinimumBackward0, position=1)
