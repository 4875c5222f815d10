"""How an operation records itself in the graph: ``record`` and operand handling.

Every op in this package follows the same two steps:

1. compute the result with NumPy, on the operands' arrays;
2. ``record`` it: if grad mode is on and some input requires grad, create the
   op's ``Node`` (``AddBackward0``, ...) with one edge per input and the tensors
   its backward formula needs, and make it the result's ``grad_fn``.

Otherwise the result is a plain leaf: that is all ``no_grad`` changes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype
from .._dtype import dtype as DType
from .._tensor import Tensor, grad_edge
from ..autograd import grad_mode
from ..autograd.graph import Node

Scalar = int | float | bool
# The unions an op tests numbers against, built once: written inside ``isinstance(...)``,
# ``bool | int | ...`` would build a new union object on every call of every op.
_NUMBER = bool | int | float | np.number
_BOOL = bool | np.bool_
_INTEGER = int | np.integer


def record(
    node_type: type[Node],
    data: Any,
    inputs: tuple[Tensor, ...],
    *,
    dtype: DType | None = None,
    saved: dict[str, Tensor | None] | None = None,
    save_result: bool = False,
    **attrs: Any,
) -> Tensor:
    """Wrap ``data`` as the op's result, and record ``node_type`` if a graph is wanted."""
    result = Tensor._make(data, dtype)
    if not (grad_mode._state.enabled and _any_requires_grad(inputs)):
        return result
    # (List comprehensions: this runs for every op, and a generator costs more to start.)
    node = node_type(
        tuple([grad_edge(t) for t in inputs]),
        tuple([(t._data.shape, t._dtype) for t in inputs]),
    )
    if saved:
        node.save(saved)
    if save_result:
        node.save_output("result", result)
    for name, value in attrs.items():
        setattr(node, name, value)
    result._grad_fn = node
    result._requires_grad = True
    return result


def _any_requires_grad(inputs: tuple[Tensor, ...]) -> bool:
    for t in inputs:
        if t._requires_grad:
            return True
    return False


def as_tensor(value: Tensor | Scalar | np.ndarray) -> Tensor:
    """Tensors pass through; numbers and arrays become constant tensors."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, _NUMBER):
        return wrapped_number(value)
    from .._creation import tensor

    return tensor(value)


class _WrappedNumber(Tensor):
    """A Python number in an op: it never changes the dtype of a tensor operand."""

    __slots__ = ()


def is_number(t: Tensor) -> bool:
    """Whether ``t`` stands for a Python number in an op (``x ** 2``, ``2 - x``)."""
    return isinstance(t, _WrappedNumber)


def wrapped_number(value: Scalar) -> Tensor:
    dtype = _NUMBER_DTYPES.get(type(value))  # the usual Python types, looked up directly
    if dtype is None:
        if isinstance(value, _BOOL):
            dtype = _dtype.bool
        elif isinstance(value, _INTEGER):
            dtype = _dtype.int64
        else:
            dtype = _dtype.float64
    return _WrappedNumber._make(np.array(value, dtype.numpy), dtype)


_NUMBER_DTYPES = {float: _dtype.float64, int: _dtype.int64, bool: _dtype.bool}


def result_type(*operands: Tensor) -> DType:
    """PyTorch's promotion: dimensioned tensors > 0-d tensors > Python numbers.

    A lower group only matters when it has a higher category (bool < int < float):
    ``int_tensor * 1.5`` is float32, but ``float32_tensor * 1.5`` stays float32
    and so does ``ones(2) + tensor(1., dtype=float64)``.
    """
    groups: list[DType | None] = [None, None, None]  # dimensioned, zero-dim, wrapped
    for t in operands:
        if isinstance(t, _WrappedNumber):
            rank, d = 2, _wrapped_dtype(t._dtype)
        else:
            rank, d = (0 if t._data.ndim else 1), t._dtype
        groups[rank] = d if groups[rank] is None else _dtype.promote(groups[rank], d)
    return _combine(groups[0], _combine(groups[1], groups[2]))


def _wrapped_dtype(d: DType) -> DType:
    return _dtype.get_default_dtype() if d.is_floating_point else d


def _combine(higher: DType | None, lower: DType | None) -> DType | None:
    if higher is None:
        return lower
    if lower is None or higher.is_floating_point:
        return higher
    if higher is _dtype.bool or lower._category > higher._category:
        return _dtype.promote(higher, lower)
    return higher


def operands(a: Any, b: Any) -> tuple[Tensor, Tensor, DType]:
    """Both operands as tensors, with the dtype of the result."""
    a, b = as_tensor(a), as_tensor(b)
    shape_a, shape_b = a._data.shape, b._data.shape
    if shape_a != shape_b and shape_a and shape_b:  # a 0-d operand broadcasts to any shape
        check_broadcast(shape_a, shape_b)
    # The common cases, decided without the general rule: the same dtype, or a float
    # tensor with a Python number (``x * 2``), which never changes the tensor's dtype.
    if a._dtype is b._dtype or (a._dtype.is_floating_point and type(b) is _WrappedNumber):
        return a, b, a._dtype
    return a, b, result_type(a, b)


def check_broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> None:
    """PyTorch's error when two shapes do not broadcast (NumPy's would name no dimension).

    Shapes are aligned on the right; each pair of sizes must be equal or one of them 1.
    """
    ndim = max(len(a), len(b))
    a, b = (1,) * (ndim - len(a)) + a, (1,) * (ndim - len(b)) + b
    for i in range(ndim - 1, -1, -1):
        size_a, size_b = a[i], b[i]
        if size_a != size_b and size_a != 1 and size_b != 1:
            raise RuntimeError(
                f"The size of tensor a ({size_a}) must match the size of tensor b ({size_b}) "
                f"at non-singleton dimension {i}"
            )


def float_type(d: DType) -> DType:
    """Integer inputs to ``/``, ``exp``, ``mean``... give the default float dtype."""
    return d if d.is_floating_point else _dtype.get_default_dtype()
