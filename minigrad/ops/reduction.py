"""Reductions: ``sum``, ``mean`` and ``sum_to_size``.

Their backward formulas spread the incoming gradient back over every element
that was reduced: a reshape that restores the reduced dimensions, then an
``expand`` (a broadcast) to the input's shape.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._dtype import dtype as DType
from .._tensor import Tensor
from ..autograd.graph import Node
from ._record import float_type, record

Dims = int | Sequence[int] | None


def normalize_dims(dim: Dims, ndim: int) -> tuple[int, ...]:
    """``dim`` as a sorted tuple of non-negative axes (all axes when None)."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    rank = max(ndim, 1)  # a 0-d tensor accepts dim 0 and -1
    for d in dims:
        if not -rank <= d < rank:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], "
                f"but got {d})"
            )
    positive = sorted(d % rank for d in dims)
    for a, b in zip(positive, positive[1:]):
        if a == b:
            raise RuntimeError(f"dim {a} appears multiple times in the list of dims")
    return tuple(positive) if ndim else ()


def reduced_dims(dim: Dims, ndim: int) -> tuple[int, ...]:
    """The dims a reduction removes: ``None`` and an empty list mean all, as in PyTorch."""
    if dim is None or (not isinstance(dim, int) and len(dim) == 0):
        return tuple(range(ndim))
    return normalize_dims(dim, ndim)


def _spread(grad: Tensor, shape: tuple[int, ...], dims: tuple[int, ...], keepdim: bool) -> Tensor:
    """Undo a reduction over ``dims``: give every reduced element the same gradient."""
    if not keepdim:
        kept = [1 if i in dims else n for i, n in enumerate(shape)]
        grad = grad.reshape(kept)
    return grad.expand(shape)


class SumBackward0(Node):
    """``a.sum()``: every element gets the output's gradient."""

    def apply(self, grad: Tensor) -> tuple:
        shape = self._input_meta[0][0]
        return (grad.expand(shape),)  # a 0-d gradient expands to any shape


class SumBackward1(Node):
    """``a.sum(dim, keepdim)``."""

    def apply(self, grad: Tensor) -> tuple:
        return (_spread(grad, self._input_meta[0][0], self.dim, self.keepdim),)


def sum(  # noqa: A001
    input: Tensor, dim: Dims = None, keepdim: bool = False, *, dtype: DType | None = None
) -> Tensor:
    """Add up all elements (SumBackward0), or along ``dim`` (SumBackward1).

    Integer and bool tensors are summed as int64, as in PyTorch.
    """
    out_dtype = dtype or (input.dtype if input.dtype.is_floating_point else _int64())
    if dim is None and not keepdim:
        data = np.sum(input._data, dtype=out_dtype.numpy)
        return record(SumBackward0, data, (input,), dtype=out_dtype)
    dims = reduced_dims(dim, input.ndim)
    data = np.sum(input._data, axis=dims, keepdims=keepdim, dtype=out_dtype.numpy)
    return record(SumBackward1, data, (input,), dtype=out_dtype, dim=dims, keepdim=keepdim)


def _int64() -> DType:
    from .._dtype import int64

    return int64


class MeanBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        shape = self._input_meta[0][0]
        n = int(np.prod(shape))
        return ((grad / n).expand(shape),)


class MeanBackward1(Node):
    def apply(self, grad: Tensor) -> tuple:
        shape = self._input_meta[0][0]
        n = int(np.prod([shape[d] for d in self.dim]))
        return (_spread(grad / n, shape, self.dim, self.keepdim),)


def mean(
    input: Tensor, dim: Dims = None, keepdim: bool = False, *, dtype: DType | None = None
) -> Tensor:
    if not (dtype or input.dtype).is_floating_point:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {input.dtype._legacy.removesuffix('Tensor')}"
        )
    out_dtype = float_type(dtype or input.dtype)
    if dim is None and not keepdim:
        data = np.mean(input._data, dtype=out_dtype.numpy)
        return record(MeanBackward0, data, (input,), dtype=out_dtype)
    dims = reduced_dims(dim, input.ndim)
    data = np.mean(input._data, axis=dims, keepdims=keepdim, dtype=out_dtype.numpy)
    return record(MeanBackward1, data, (input,), dtype=out_dtype, dim=dims, keepdim=keepdim)


def sum_to_size(input: Tensor, *size: int | Sequence[int]) -> Tensor:
    """Sum a broadcast result back down to ``size`` (how broadcasting is undone)."""
    shape = tuple(size[0]) if len(size) == 1 and not isinstance(size[0], int) else tuple(size)
    sizes = input._data.shape
    if sizes == shape:
        return input
    lead = len(sizes) - len(shape)
    dims = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and sizes[lead + i] != 1
    )
    out = sum(input, dims, keepdim=True) if dims else input
    return out.reshape(shape) if out._data.shape != shape else out
