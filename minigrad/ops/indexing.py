"""Indexing: ``a[0]``, ``a[:, 1:]``, ``a[None]``, ``a[[0, 0]]``, ``a[a > 0]`` and friends.

*Basic* indexing (ints, slices, ``None``, ``...``) never copies: the result is a
view of ``a``, built as PyTorch builds it, one index at a time from left to right.
An int is a ``select`` (``SelectBackward0``), a slice a ``slice``
(``SliceBackward0``, skipped when it keeps everything), ``None`` an ``unsqueeze``
(``UnsqueezeBackward0``). So ``a[1:, 0]`` records ``SelectBackward0 -> SliceBackward0``.

*Advanced* indexing (integer lists, arrays or tensors, bool masks) copies the chosen
elements into a new tensor: one ``IndexBackward0`` node, applied last, to the view
that the basic indices produced. Which elements are chosen follows NumPy's rules.

Every backward here puts the gradient into zeros of the input's shape: see
``scatter.py``, which also holds the way back.
"""

from __future__ import annotations

import operator
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd.graph import Node
from . import scatter
from ._record import check_broadcast, record
from .reduction import normalize_dims
from .shape import _view_of, unsqueeze


# --- views: select, slice, alias ---------------------------------------------------------------
class SelectBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        return (scatter.embed(grad, self._input_meta[0][0], self.dim, self.key),)


class SliceBackward0(SelectBackward0):
    """The same formula for a slice."""


def basic_index(input: Tensor, dim: int, key: int | slice) -> Tensor:
    """The view with ``key`` applied at ``dim``: an int drops the dim, a slice keeps it."""
    data = input._data[(slice(None),) * dim + (key, ...)]  # `...` keeps a 0-d result an array
    node = SelectBackward0 if isinstance(key, int) else SliceBackward0
    return _view_of(input, node, data, dim=dim, key=key)


class AliasBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        return (grad,)


def alias(input: Tensor) -> Tensor:
    """``a[...]``: a view of all of ``a``."""
    return _view_of(input, AliasBackward0, input._data.view())


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """``input.select(1, 0)`` is ``input[:, 0]``."""
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    dim = normalize_dims(dim, input.ndim)[0]
    index, size = operator.index(index), input.shape[dim]
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(input.shape)} at "
            f"dimension {dim}"
        )
    return basic_index(input, dim, index % size)


def narrow(input: Tensor, dim: int, start: int | Tensor, length: int) -> Tensor:
    """``input.narrow(1, 2, 3)`` is ``input[:, 2:5]`` (a ``SliceBackward0`` view)."""
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    dim = normalize_dims(dim, input.ndim)[0]
    start, size = operator.index(start), input.shape[dim]
    if not -size <= start <= size:
        raise IndexError(
            f"start out of range (expected to be in range of [{-size}, {size}], but got {start})"
        )
    start = start + size if start < 0 else start
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return basic_index(input, dim, slice(start, start + length, 1))


# --- copies: integer-array indexing and its relatives -----------------------------------------
class IndexBackward0(Node):
    """``a[index]`` with integer arrays: every element picked sends its gradient back home.

    An element picked twice gets both gradients, added up (``scatter.put``).
    """

    put_node: type[Node] = scatter.IndexPutImplBackward0

    def apply(self, grad: Tensor) -> tuple:
        return (scatter.put(grad, self.shape, self.index, self.put_node, type(self)),)


class GatherBackward0(IndexBackward0):
    put_node = scatter.ScatterAddBackward0


class IndexSelectBackward0(IndexBackward0):
    put_node = scatter.IndexAddBackward0


class MaskedSelectBackward0(IndexBackward0):
    put_node = scatter.MaskedScatterBackward0


def take(
    input: Tensor, index: tuple, node: type[Node], shape: tuple[int, ...] | None = None, **attrs
) -> Tensor:
    """``input[index]`` for a NumPy advanced ``index`` (a copy), recorded as ``node``.

    With ``shape``, ``input`` is first broadcast to it (``masked_select``).
    """
    data = input._data if shape is None else np.broadcast_to(input._data, shape)
    return record(node, data[index], (input,), index=index, shape=data.shape, **attrs)


def _one_dim(dim: int, ndim: int) -> int:
    """``dim`` made non-negative; a 0-d tensor accepts 0 and -1, as if it had one dim."""
    dims = normalize_dims(dim, ndim)
    return dims[0] if dims else 0


def along_dim(indices: np.ndarray, dim: int) -> tuple:
    """The NumPy index of ``gather``: ``indices`` along ``dim``, the same position elsewhere."""
    if indices.ndim == 0:
        return ()
    grids = list(np.ix_(*(np.arange(n) for n in indices.shape)))
    grids[dim] = indices
    return tuple(grids)


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The entries ``index`` (a vector) along ``dim``, e.g. whole rows for ``dim=0``."""
    if not isinstance(index, Tensor):
        raise TypeError(
            "index_select(): argument 'index' (position 2) must be Tensor, not "
            f"{type(index).__name__}"
        )
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if index.dtype not in (_dtype.int32, _dtype.int64):
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    dim = _one_dim(dim, input.ndim)
    positions, size = index._data.reshape(-1), (input.shape[dim] if input.ndim else 1)
    if (positions < 0).any():
        raise IndexError("index out of range in self")
    if (positions >= size).any():
        bad = positions[positions >= size][0]
        raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim={size}")
    key = (slice(None),) * dim + (positions,) if input.ndim else ()  # a 0-d input has one entry
    return take(input, key, IndexSelectBackward0)


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """``out[i][j] = input[i][index[i][j]]`` for ``dim=1``: pick one entry per position.

    ``sparse_grad`` is there for PyTorch's signature: gradients here are always dense.
    """
    if index.dtype not in (_dtype.int32, _dtype.int64):
        raise RuntimeError("gather(): Expected dtype int32/int64 for index")
    if max(index.ndim, 1) != max(input.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    dim = _one_dim(dim, input.ndim)
    for d in range(index.ndim):
        if d != dim and index.shape[d] > input.shape[d]:
            raise RuntimeError(
                f"Size does not match at dimension {d} expected index {list(index.shape)} to be "
                f"no larger than self {list(input.shape)} apart from dimension {dim}"
            )
    size = input.shape[dim] if input.ndim else 1
    bad = index._data[(index._data < 0) | (index._data >= size)]
    if bad.size:
        raise RuntimeError(
            f"index {bad.flat[0]} is out of bounds for dimension {dim} with size {size}"
        )
    return take(input, along_dim(index._data, dim), GatherBackward0)


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements where ``mask`` (broadcast with ``input``) is True, as a 1-D tensor."""
    if mask.dtype is not _dtype.bool:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    check_broadcast(mask.shape, input.shape)  # the order of PyTorch's message
    shape = np.broadcast_shapes(input.shape, mask.shape) or (1,)
    index = np.nonzero(np.broadcast_to(mask._data, shape))
    return take(input, index, MaskedSelectBackward0, shape=shape)


# --- Tensor.__getitem__ -------------------------------------------------------------------------
def getitem(input: Tensor, index: Any) -> Tensor:
    """``input[index]``: a chain of views for basic indices, then one copy for advanced ones."""
    if isinstance(index, slice):  # a lone slice is always recorded, even ``a[:]``
        if input.ndim == 0:
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
        return basic_index(input, 0, _slice_key(index, input.shape[0]))
    if _is_int(index) and input.ndim == 0:
        raise IndexError(ZERO_DIM_INDEX)
    if not isinstance(index, tuple):
        index = tuple(index) if _sequence_as_tuple(index) else (index,)
    return _apply_indices(input, index)


def _apply_indices(input: Tensor, index: tuple) -> Tensor:
    """Walk the indices left to right; ``dim`` is where the next one applies in ``result``."""
    consumed = sum(_dims_consumed(item) for item in index)
    if consumed > input.ndim:
        raise IndexError(f"too many indices for tensor of dimension {input.ndim}")
    result, dim, arrays = input, 0, {}
    for item in index:
        if item is None:
            result, dim = unsqueeze(result, dim), dim + 1
        elif item is Ellipsis:
            dim += input.ndim - consumed
        elif _is_bool(item):  # a[True] is a[None][[0]]; a[False] is a[None][[]]
            result = unsqueeze(result, dim)
            arrays[dim] = np.array([0] if item else [], dtype=np.int64)
            dim += 1
        elif _is_int(item):
            result = _select(result, dim, operator.index(item))
        elif isinstance(item, slice):
            key = _slice_key(item, result.shape[dim])
            if key != slice(0, result.shape[dim], 1):
                result = basic_index(result, dim, key)
            dim += 1
        else:
            arrays[dim] = array = _index_array(item)
            dim += array.ndim if array.dtype == np.bool_ else 1
    if arrays:
        return take(result, _advanced_key(result.shape, arrays), IndexBackward0)
    return alias(input) if result is input else result


def _select(input: Tensor, dim: int, index: int) -> Tensor:
    size = input.shape[dim]
    if not -size <= index < size:
        raise IndexError(f"index {index} is out of bounds for dimension {dim} with size {size}")
    return basic_index(input, dim, index % size)


def _slice_key(item: slice, size: int) -> slice:
    """The slice with its bounds resolved for a dim of ``size`` (steps must be positive)."""
    step = 1 if item.step is None else operator.index(item.step)
    if step == 0:
        raise ValueError("slice step cannot be zero")
    if step < 0:
        raise ValueError("step must be greater than zero")
    start, stop, _ = item.indices(size)
    return slice(start, max(start, stop), step)


def _advanced_key(shape: tuple[int, ...], arrays: dict[int, np.ndarray]) -> tuple:
    """The NumPy index for the advanced entries found at ``arrays``' dims (``:`` elsewhere).

    A bool mask becomes the integer arrays of its True positions (``np.nonzero``).
    """
    key: list = []
    for dim in sorted(arrays):
        key += [slice(None)] * (dim - len(key))
        array = arrays[dim]
        if array.dtype == np.bool_:
            _check_mask(array, shape, dim)
            key += np.nonzero(array)
        else:
            _check_bounds(array, shape[dim], dim)
            key.append(array)
    shapes = [k.shape for k in key if isinstance(k, np.ndarray)]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        listed = ", ".join(str(list(s)) for s in shapes)
        raise IndexError(
            f"shape mismatch: indexing tensors could not be broadcast together with shapes {listed}"
        ) from None
    return tuple(key)


def _check_mask(mask: np.ndarray, shape: tuple[int, ...], dim: int) -> None:
    for i, n in enumerate(mask.shape):
        if n != shape[dim + i]:
            raise IndexError(
                f"The shape of the mask {list(mask.shape)} at index {i} does not match the shape "
                f"of the indexed tensor {list(shape)} at index {dim + i}"
            )


def _check_bounds(array: np.ndarray, size: int, dim: int) -> None:
    bad = array[(array < -size) | (array >= size)]
    if bad.size:
        raise IndexError(
            f"index {bad.flat[0]} is out of bounds for dimension {dim} with size {size}"
        )


def _index_array(item: Any) -> np.ndarray:
    """An advanced index as an int64 or bool array (lists become integers, as in PyTorch)."""
    if isinstance(item, Tensor):
        array = item._data
    elif isinstance(item, np.ndarray):
        array = item
    elif isinstance(item, list | tuple):
        array = np.asarray(item)
        if array.dtype != np.bool_:
            array = array.astype(np.int64)
    else:
        raise IndexError(
            "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
            f"valid indices (got {type(item).__name__})"
        )
    if array.dtype == np.bool_:
        return array
    if not np.issubdtype(array.dtype, np.integer):
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return array.astype(np.int64, copy=False)


def _is_int(item: Any) -> bool:
    """Python and NumPy ints, and 0-d integer tensors or arrays (not bools)."""
    if isinstance(item, Tensor | np.ndarray):
        return item.ndim == 0 and np.issubdtype(_array(item).dtype, np.integer)
    return isinstance(item, int | np.integer) and not isinstance(item, bool)


def _is_bool(item: Any) -> bool:
    if isinstance(item, Tensor | np.ndarray):
        return item.ndim == 0 and _array(item).dtype == np.bool_
    return isinstance(item, bool | np.bool_)


def _array(item: Tensor | np.ndarray) -> np.ndarray:
    return item._data if isinstance(item, Tensor) else item


def _dims_consumed(item: Any) -> int:
    """How many dims of the input an index uses up (``None``, ``...`` and bools: none)."""
    if item is None or item is Ellipsis or _is_bool(item):
        return 0
    if isinstance(item, Tensor | np.ndarray) and _array(item).dtype == np.bool_:
        return item.ndim
    return 1


def _sequence_as_tuple(index: Any) -> bool:
    """PyTorch's legacy rule: ``a[[0, slice(None)]]`` means ``a[0, :]`` (with a warning)."""
    if not isinstance(index, list) or len(index) >= 32:
        return False
    if any(
        x is None or x is Ellipsis or isinstance(x, Tensor | Sequence | np.ndarray | slice)
        for x in index
    ):
        warnings.warn(SEQUENCE_AS_TUPLE_WARNING, UserWarning, stacklevel=3)
        return True
    return False


ZERO_DIM_INDEX = (
    "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ "
    "to convert a 0-dim tensor to a number"
)
SEQUENCE_AS_TUPLE_WARNING = (
    "Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed "
    "in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be "
    "interpreted as tensor index, x[torch.tensor(seq)], which will result either in an error or "
    "a different result"
)
