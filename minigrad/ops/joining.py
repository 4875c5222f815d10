"""Joining and splitting: ``cat``, ``stack``, ``unbind``, ``split``, ``chunk``.

They undo each other, and so do their backward formulas: the gradient of ``cat``
is cut into slices (one per input), the gradient of ``stack`` is selected apart,
and the gradients of the pieces of ``split``/``unbind`` are joined back with
``cat``/``stack`` (zeros for the pieces that got none).

``unbind`` and ``split`` are the first ops here with several outputs: one node,
and each output is a view of the input that remembers which output it is
(``output_nr``), so its gradient arrives in the right slot.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.graph import Node
from ._record import record, result_type
from .copy_slices import track_view
from .indexing import basic_index
from .reduction import normalize_dims
from .shape import _view_of


def _tensor_list(op: str, tensors: Sequence[Tensor]) -> list[Tensor]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, Sequence):
        raise TypeError(
            f"{op}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
            f"{type(tensors).__name__}"
        )
    return list(tensors)


# --- cat --------------------------------------------------------------------------------------
class CatBackward0(Node):
    """Each input gets its own slice of the gradient, along ``dim``."""

    def apply(self, grad: Tensor) -> tuple:
        grads, start = [], 0
        for shape, _ in self._input_meta:
            if shape == (0,) and grad.ndim != 1:  # a legacy empty input took no part
                grads.append(None)
                continue
            stop = start + shape[self.dim]
            grads.append(basic_index(grad, self.dim, slice(start, stop, 1)))
            start = stop
        return tuple(g if self.needs_input_grad(i) else None for i, g in enumerate(grads))


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing ``dim``; the other sizes must match."""
    tensors = _tensor_list("cat", tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    # PyTorch still skips 1-D empty tensors, once the usual way to start a loop of cats.
    joined = [t for t in tensors if t.shape != (0,)] or tensors[:1]
    dim = normalize_dims(dim, joined[0].ndim)[0]
    _check_cat_shapes(tensors, joined[0], dim)
    dtype = result_type(*tensors)
    data = np.concatenate([t._data for t in joined], axis=dim, dtype=dtype.numpy)
    return record(CatBackward0, data, tuple(tensors), dtype=dtype, dim=dim)


def _check_cat_shapes(tensors: list[Tensor], first: Tensor, dim: int) -> None:
    for i, t in enumerate(tensors):
        if t.shape == (0,):
            continue
        if t.ndim != first.ndim:
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {first.ndim} and {t.ndim}"
            )
        for d, (expected, got) in enumerate(zip(first.shape, t.shape)):
            if d != dim and expected != got:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {dim}. Expected size "
                    f"{expected} but got size {got} for tensor number {i} in the list."
                )


# --- stack ------------------------------------------------------------------------------------
class StackBackward0(Node):
    """Input ``i`` was placed at index ``i`` of the new ``dim``: select it back."""

    def apply(self, grad: Tensor) -> tuple:
        return tuple(
            basic_index(grad, self.dim, i) if self.needs_input_grad(i) else None
            for i in range(len(self._input_meta))
        )


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors of equal shape along a new ``dim``."""
    tensors = _tensor_list("stack", tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    dim = normalize_dims(dim, tensors[0].ndim + 1)[0]
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(
                "stack expects each tensor to be equal size, but got "
                f"{list(tensors[0].shape)} at entry 0 and {list(t.shape)} at entry {i}"
            )
    dtype = result_type(*tensors)
    data = np.stack([t._data for t in tensors], axis=dim, dtype=dtype.numpy)
    return record(StackBackward0, data, tuple(tensors), dtype=dtype, dim=dim)


# --- several outputs: unbind, split, chunk ------------------------------------------------------
def _views(input: Tensor, node_type: type[Node], arrays: list[np.ndarray], **attrs) -> tuple:
    """Views of ``input`` made by one ``node_type`` node; output ``i`` is its output ``i``.

    In-place changes to them are refused (see ``copy_slices.py``): one node cannot
    be rewritten for a single output.
    """
    outputs = [_view_of(input, node_type, arrays[0], **attrs)]
    node = outputs[0]._grad_fn
    for i, data in enumerate(arrays[1:], 1):
        out = Tensor._make(data, version=input._version_counter, base=outputs[0]._base)
        if node is not None:
            out._grad_fn, out._output_nr, out._requires_grad = node, i, True
        outputs.append(out)
    if node is not None:
        node._num_outputs = len(arrays)
    kind = "multi_output" if grad_mode.is_grad_enabled() else "no_grad"
    for out in outputs:
        track_view(out, input, kind)
    return tuple(outputs)


def _zeros_for_missing(grads: tuple, shapes: list[tuple[int, ...]], like: Tensor) -> list[Tensor]:
    """Outputs that received no gradient contribute zeros (constants: no graph edge)."""
    return [
        Tensor._make(np.zeros(shape, like._data.dtype)) if g is None else g
        for g, shape in zip(grads, shapes)
    ]


class UnbindBackward0(Node):
    def apply(self, *grads: Tensor) -> tuple:
        like = next(g for g in grads if g is not None)
        return (stack(_zeros_for_missing(grads, [like.shape] * len(grads), like), self.dim),)


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices along ``dim``, each a view without that dim: ``list(a)`` for ``dim=0``."""
    if input.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    dim = normalize_dims(dim, input.ndim)[0]
    index = (slice(None),) * dim
    arrays = [input._data[(*index, i, ...)] for i in range(input.shape[dim])]
    return _views(input, UnbindBackward0, arrays, dim=dim)


class SplitBackward0(Node):
    def apply(self, *grads: Tensor) -> tuple:
        like = next(g for g in grads if g is not None)
        shape = list(self._input_meta[0][0])
        shapes = []
        for size in self.sizes:
            shape[self.dim] = size
            shapes.append(tuple(shape))
        return (cat(_zeros_for_missing(grads, shapes, like), self.dim),)


class SplitWithSizesBackward0(SplitBackward0):
    """``split([1, 2])``: the same formula, PyTorch's own name."""


def split(
    tensor: Tensor, split_size_or_sections: int | list[int], dim: int = 0
) -> tuple[Tensor, ...]:
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the listed sizes."""
    if tensor.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    dim = normalize_dims(dim, tensor.ndim)[0]
    length = tensor.shape[dim]
    if isinstance(split_size_or_sections, int):
        sizes = _equal_sizes(split_size_or_sections, length)
        node: type[Node] = SplitBackward0
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != length or min(sizes, default=0) < 0:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {length} (input tensor's "
                f"size at dimension {dim}), but got split_sizes={sizes}"
            )
        node = SplitWithSizesBackward0
    starts = np.cumsum([0, *sizes])
    index = (slice(None),) * dim
    arrays = [tensor._data[(*index, slice(a, b))] for a, b in zip(starts, starts[1:])]
    return _views(tensor, node, arrays, dim=dim, sizes=sizes)


def _equal_sizes(split_size: int, length: int) -> list[int]:
    if split_size < 0:
        raise RuntimeError(
            f"split expects split_size be non-negative, but got split_size={split_size}"
        )
    if split_size == 0:
        if length:
            raise RuntimeError(
                "split_size can only be 0 if dimension size is 0, but got dimension size of "
                f"{length}"
            )
        return [0]
    count = max(-(-length // split_size), 1)
    return [split_size] * (count - 1) + [length - split_size * (count - 1)]


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """At most ``chunks`` pieces of ``ceil(size / chunks)`` (the last may be smaller)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if input.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    size = input.shape[normalize_dims(dim, input.ndim)[0]]
    return split(input, -(-size // chunks), dim)
