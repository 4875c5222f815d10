"""Shape operations: views (``view``, ``expand``, ``permute``, ...) and reshapes.

A view shares its input's storage and version counter, exactly like a NumPy
view; its backward formula moves the gradient back into the input's shape.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from .._tensor import Tensor
from ..autograd.graph import Node
from ._record import record
from .copy_slices import track_view
from .reduction import normalize_dims


def _shape_arg(shape: tuple) -> tuple[int, ...]:
    """``view(2, 3)`` and ``view((2, 3))`` both mean shape (2, 3)."""
    if len(shape) == 1 and not isinstance(shape[0], int):
        return tuple(int(s) for s in shape[0])
    return tuple(int(s) for s in shape)


def _infer_shape(shape: tuple[int, ...], numel: int) -> tuple[int, ...]:
    """Resolve the one ``-1`` that ``view``/``reshape`` allow, checking the element count."""
    for i, s in enumerate(shape):
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {list(shape)}")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    if shape.count(-1) == 1 and known and numel % known == 0:
        return tuple(numel // known if s == -1 else s for s in shape)
    if known != numel or shape.count(-1):
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _view_of(input: Tensor, node_type: type[Node], data: np.ndarray, **attrs) -> Tensor:
    out = record(node_type, data, (input,), **attrs)
    if out._grad_fn is None and input._requires_grad:
        out._requires_grad = True  # made under no_grad: a leaf that requires grad (PyTorch)
    out._version_counter = input._version_counter
    out._base = input if input._base is None else input._base
    track_view(out, input)
    return out


class ViewBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        return (grad.reshape(self._input_meta[0][0]),)


class UnsafeViewBackward0(ViewBackward0):
    """A reshape that had to copy (e.g. of a transposed tensor): not a view."""


class ReshapeAliasBackward0(ViewBackward0):
    """A reshape of a non-contiguous tensor that could still be a view."""


def view(input: Tensor, *shape: int) -> Tensor:
    new_shape = _infer_shape(_shape_arg(shape), input.numel())
    data = input._data.view()
    try:
        data.shape = new_shape  # NumPy refuses exactly when a copy would be needed
    except AttributeError:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
        ) from None
    return _view_of(input, ViewBackward0, data)


def reshape(input: Tensor, *shape: int) -> Tensor:
    """A view when the memory layout allows one, otherwise a copy."""
    new_shape = _infer_shape(_shape_arg(shape), input.numel())
    data = input._data.view()
    try:
        data.shape = new_shape
    except AttributeError:  # PyTorch copies (CloneBackward0), then views the copy
        from .pointwise import clone

        copy = clone(input)
        return record(UnsafeViewBackward0, copy._data.reshape(new_shape), (copy,))
    contiguous = input._data.flags.c_contiguous
    return _view_of(input, ViewBackward0 if contiguous else ReshapeAliasBackward0, data)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    if input.ndim == 0:
        return reshape(input, 1)
    start, end = start_dim % input.ndim, end_dim % input.ndim
    if start == end:
        return input
    shape = input.shape
    return reshape(input, (*shape[:start], -1, *shape[end + 1 :]))


class UnsqueezeBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        return (grad.squeeze(self.dim),)


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    dim = normalize_dims(dim, input.ndim + 1)[0]
    return _view_of(input, UnsqueezeBackward0, np.expand_dims(input._data, dim), dim=dim)


class SqueezeBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        return (grad.reshape(self._input_meta[0][0]),)


class SqueezeBackward1(SqueezeBackward0):
    """``squeeze(dim)``: same formula, PyTorch gives it its own name."""


class SqueezeBackward2(SqueezeBackward0):
    """``squeeze((dim0, dim1))``."""


def squeeze(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """Remove dimensions of size 1 (all, or those among ``dim``)."""
    if dim is None:
        return _view_of(input, SqueezeBackward0, np.squeeze(input._data))
    dims = tuple(d for d in normalize_dims(dim, input.ndim) if input.shape[d] == 1)
    node = SqueezeBackward1 if isinstance(dim, int) else SqueezeBackward2
    return _view_of(input, node, np.squeeze(input._data, axis=dims))


class ExpandBackward0(Node):
    """A broadcast copies values, so the gradient is summed back (``sum_to_size``)."""

    def apply(self, grad: Tensor) -> tuple:
        return (grad.sum_to_size(self._input_meta[0][0]),)


def expand(input: Tensor, *sizes: int) -> Tensor:
    target = _shape_arg(sizes)
    lead = len(target) - input.ndim
    if lead < 0:
        raise RuntimeError(
            f"expand(torch.{input.dtype._legacy}{{{list(input.shape)}}}, size={list(target)}): "
            "the number of sizes provided "
            f"({len(target)}) must be greater or equal to the number of dimensions in the tensor "
            f"({input.ndim})"
        )
    for i in range(lead):
        if target[i] == -1:
            raise RuntimeError(
                f"The expanded size of the tensor (-1) isn't allowed in a leading, non-existing "
                f"dimension {i}"
            )
    sizes = input._data.shape
    shape = tuple(sizes[i - lead] if s == -1 else s for i, s in enumerate(target))
    for i, n in enumerate(sizes):
        if n != 1 and n != shape[lead + i]:
            raise RuntimeError(
                f"The expanded size of the tensor ({shape[lead + i]}) must match the existing size "
                f"({n}) at non-singleton dimension {lead + i}.  Target sizes: {list(target)}.  "
                f"Tensor sizes: {list(input.shape)}"
            )
    return _view_of(input, ExpandBackward0, np.broadcast_to(input._data, shape))


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    return expand(input, other.shape)


class PermuteBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        return (grad.permute(tuple(np.argsort(self.dims))),)


def permute(input: Tensor, *dims: int) -> Tensor:
    order = normalize_dims_ordered(_shape_arg(dims), input.ndim)
    return _view_of(input, PermuteBackward0, np.transpose(input._data, order), dims=order)


def normalize_dims_ordered(dims: tuple[int, ...], ndim: int) -> tuple[int, ...]:
    if len(dims) != ndim:
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {ndim} is not equal "
            f"to len(dims) = {len(dims)}"
        )
    order = tuple(normalize_dims(d, ndim)[0] for d in dims)
    if len(set(order)) != len(order):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return order


class TransposeBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        return (grad.transpose(self.dim0, self.dim1),)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    if input.ndim == 0:
        return _view_of(input, TransposeBackward0, input._data.view(), dim0=0, dim1=0)
    d0, d1 = (normalize_dims(d, input.ndim)[0] for d in (dim0, dim1))
    data = np.swapaxes(input._data, d0, d1)
    return _view_of(input, TransposeBackward0, data, dim0=d0, dim1=d1)


class TBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        return (grad.t(),)


def t(input: Tensor) -> Tensor:
    """Transpose a matrix (1-D and 0-D tensors are returned as they are)."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return _view_of(input, TBackward0, input._data.T)


_T_WARNING = (
    "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated "
    "and it will throw an error in a future release. Consider `x.mT` to transpose batches of "
    "matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a "
    "tensor."
)
_warned_transpose: list[bool] = []


def T(input: Tensor) -> Tensor:  # noqa: N802 - PyTorch's name
    """``x.T``: reverse all dimensions (recorded as a permute, as in PyTorch)."""
    if input.ndim != 2 and not _warned_transpose:
        _warned_transpose.append(True)
        warnings.warn(_T_WARNING, UserWarning, stacklevel=3)
    return permute(input, tuple(range(input.ndim - 1, -1, -1)))


def mT(input: Tensor) -> Tensor:  # noqa: N802
    if input.ndim < 2:
        raise RuntimeError(
            "tensor.mT is only supported on matrices or batches of matrices. Got "
            f"{input.ndim}-D tensor."
        )
    return transpose(input, -2, -1)


def contiguous(input: Tensor) -> Tensor:
    if input._data.flags.c_contiguous:
        return input
    from .pointwise import clone

    out = clone(input)
    out._data = np.ascontiguousarray(out._data)
    return out
