"""Putting a gradient back where indexing took it from.

The backward of ``a[0]``, ``a[1:]`` or ``a[[0, 0]]`` is a tensor of zeros of ``a``'s
shape with the incoming gradient written at the indexed places, and *added* where
an index repeats (``a[[0, 0]]`` uses row 0 twice, so row 0 gets both gradients).

That step is an operation in its own right, with its own node, so that
``create_graph=True`` can differentiate it again; its backward is the indexing it
undoes. The node names are PyTorch's (``SelectBackwardBackward0``,
``IndexPutImplBackward0``, ...), which is what a second-order graph shows.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.graph import Node
from ._record import record


# --- basic indexing (one int or one slice along one dim): the result was a view -------------
class SelectBackwardBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        from .indexing import basic_index

        return (basic_index(grad, self.dim, self.key),)


class SliceBackwardBackward0(SelectBackwardBackward0):
    """The same formula for a slice."""


def embed(grad: Tensor, shape: tuple[int, ...], dim: int, key: int | slice) -> Tensor:
    """Zeros of ``shape`` holding ``grad`` at position ``key`` (an int or a slice) of ``dim``."""
    data = np.zeros(shape, grad._data.dtype)
    data[(slice(None),) * dim + (key,)] = grad._data
    node = SelectBackwardBackward0 if isinstance(key, int) else SliceBackwardBackward0
    return record(node, data, (grad,), dim=dim, key=key)


# --- advanced indexing (integer arrays): the result was a copy -------------------------------
class IndexPutImplBackward0(Node):
    """``zeros.index_put_(index, values, accumulate=True)``: d/d(values) is ``grad[index]``.

    The zeros are the first input (no edge); the values are the second. ``take_node``
    names the indexing that reads ``grad[index]`` (``IndexBackward0``, ``GatherBackward0``...).
    """

    def apply(self, grad: Tensor) -> tuple:
        from .indexing import take

        return None, take(grad, self.index, self.take_node)


class ScatterAddBackward0(IndexPutImplBackward0):
    """Undoes ``gather``."""


class ScatterBackward0(IndexPutImplBackward0):
    """Undoes ``max(dim)`` and ``min(dim)``: one index per slice, so nothing repeats."""


class IndexAddBackward0(IndexPutImplBackward0):
    """Undoes ``index_select``."""


class MaskedScatterBackward0(IndexPutImplBackward0):
    """Undoes ``masked_select``."""


def put(
    values: Tensor, shape: tuple[int, ...], index: tuple, node: type[Node], take_node: type[Node]
) -> Tensor:
    """Zeros of ``shape`` with ``values`` added at the NumPy ``index`` (repeats accumulate)."""
    data = np.zeros(shape, values._data.dtype)
    np.add.at(data, index, values._data)
    zeros = Tensor._make(np.broadcast_to(np.zeros((), data.dtype), shape))
    return record(node, data, (zeros, values), index=index, take_node=take_node)
