"""Element-wise functions (exp, log, tanh, relu, ...), comparisons, ``where`` and copies.

Each backward formula says which tensor it saves, and that choice matters to a
learner: ``exp``, ``tanh``, ``sigmoid`` and ``relu`` save their *result*, ``log``
and ``abs`` their *input*. Changing a saved tensor in place breaks backward.
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._creation import zeros_like
from .._dtype import dtype as DType
from .._tensor import Tensor
from ..autograd.graph import Node
from ._record import (
    Scalar,
    as_tensor,
    check_broadcast,
    float_type,
    operands,
    record,
    result_type,
    wrapped_number,
)


def _floating(input: Tensor) -> tuple[np.ndarray, DType]:
    dtype = float_type(input.dtype)
    return input._data.astype(dtype.numpy, copy=False), dtype


class ExpBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        return (grad * self.saved("result"),)


def exp(input: Tensor) -> Tensor:
    data, dtype = _floating(input)
    with np.errstate(all="ignore"):  # exp(100.) is inf in float32, silently (as in PyTorch)
        out = np.exp(data)
    return record(ExpBackward0, out, (input,), dtype=dtype, save_result=True)


class LogBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        return (grad / self.saved("self"),)


def log(input: Tensor) -> Tensor:
    data, dtype = _floating(input)
    with np.errstate(all="ignore"):
        out = np.log(data)
    return record(LogBackward0, out, (input,), dtype=dtype, saved={"self": input})


class TanhBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        result = self.saved("result")
        return (grad * (1 - result * result),)


def tanh(input: Tensor) -> Tensor:
    data, dtype = _floating(input)
    return record(TanhBackward0, np.tanh(data), (input,), dtype=dtype, save_result=True)


class SigmoidBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        result = self.saved("result")
        return (grad * result * (1 - result),)


def sigmoid(input: Tensor) -> Tensor:
    data, dtype = _floating(input)
    e = np.exp(-np.abs(data))  # never overflows, unlike 1 / (1 + exp(-x)) for x << 0
    out = np.where(data >= 0, 1 / (1 + e), e / (1 + e))
    return record(SigmoidBackward0, out, (input,), dtype=dtype, save_result=True)


class ReluBackward0(Node):
    """relu'(x) is 0 where the result is <= 0 (also at 0, as PyTorch), else 1."""

    def apply(self, grad: Tensor) -> tuple:
        return (threshold_backward(grad, self.saved("result"), 0),)


class ThresholdBackwardBackward0(Node):
    """The gradient passes where the gradient did; the mask itself has no derivative (zeros)."""

    def apply(self, grad: Tensor) -> tuple:
        input = self.saved("self")
        return (
            threshold_backward(grad, input, self.threshold) if self.needs_input_grad(0) else None,
            zeros_like(input) if self.needs_input_grad(1) else None,
        )


def threshold_backward(grad_output: Tensor, input: Tensor, threshold: Scalar) -> Tensor:
    """``grad_output`` where ``input > threshold``, else 0: ReLU's backward, as PyTorch's op.

    A recorded op of both tensors (not a ``masked_fill`` of the gradient), so that with
    ``create_graph=True`` the gradient depends on the ReLU's output, as in PyTorch: its
    ``grad_fn`` is ``ThresholdBackwardBackward0`` and a second derivative is 0, not an error.
    A nan input lets the gradient through (``nan <= 0`` is false).
    """
    data = _fill_where(input._data <= threshold, 0, grad_output._data)
    inputs = (grad_output, input)
    saved = {"self": input}
    return record(ThresholdBackwardBackward0, data, inputs, saved=saved, threshold=threshold)


def relu(input: Tensor) -> Tensor:
    return record(ReluBackward0, np.maximum(input._data, 0), (input,), save_result=True)


class AbsBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        return (grad * self.saved("self").sign(),)


def abs(input: Tensor) -> Tensor:  # noqa: A001
    return record(AbsBackward0, np.abs(input._data), (input,), saved={"self": input})


def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 (0 for nan, as PyTorch); its gradient is zero everywhere."""
    data = np.sign(input._data)
    if input.dtype.is_floating_point:
        data = np.where(np.isnan(data), 0.0, data)
    return record(SignBackward0, data, (input,))


class SignBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        return (zeros_like(grad),)


class SqrtBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        return (grad / (2 * self.saved("result")),)


def sqrt(input: Tensor) -> Tensor:
    data, dtype = _floating(input)
    with np.errstate(all="ignore"):
        out = np.sqrt(data)
    return record(SqrtBackward0, out, (input,), dtype=dtype, save_result=True)


class SinBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        return (grad * self.saved("self").cos(),)


def sin(input: Tensor) -> Tensor:
    data, dtype = _floating(input)
    return record(SinBackward0, np.sin(data), (input,), dtype=dtype, saved={"self": input})


class CosBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        return (grad * -self.saved("self").sin(),)


def cos(input: Tensor) -> Tensor:
    data, dtype = _floating(input)
    return record(CosBackward0, np.cos(data), (input,), dtype=dtype, saved={"self": input})


class ClampBackward1(Node):
    """The gradient passes where min <= x <= max (the boundary counts as inside)."""

    def apply(self, grad: Tensor) -> tuple:
        x = self.saved("self")
        inside = x == x  # all True (False only at nan)
        if self.min is not None:
            inside = inside & (x >= self.min)
        if self.max is not None:
            inside = inside & (x <= self.max)
        return (grad * inside,)


def clamp(input: Tensor, min: Scalar | None = None, max: Scalar | None = None) -> Tensor:  # noqa: A002
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    bounds = (wrapped_number(v) for v in (min, max) if v is not None)
    dtype = result_type(input, *bounds)  # an int tensor clamped at 0.5 becomes float
    data = np.clip(input._data.astype(dtype.numpy, copy=False), min, max)
    return record(
        ClampBackward1, data, (input,), dtype=dtype, saved={"self": input}, min=min, max=max
    )


class WhereBackward0(Node):
    """The condition is not differentiable: two edges, to ``input`` and ``other``."""

    def apply(self, grad: Tensor) -> tuple:
        condition = self.saved("condition")
        return grad.masked_fill(condition.logical_not(), 0.0), grad.masked_fill(condition, 0.0)


def where(condition: Tensor, input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:
    a, b, dtype = operands(input, other)
    condition = as_tensor(condition)
    data = np.where(condition._data, a._data, b._data)
    return record(WhereBackward0, data, (a, b), dtype=dtype, saved={"condition": condition})


class MaskedFillBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        return (grad.masked_fill(self.saved("mask"), 0.0),)


def masked_fill(input: Tensor, mask: Tensor, value: Scalar) -> Tensor:
    mask = as_tensor(mask)
    if mask._data.shape != input._data.shape:
        check_broadcast(mask._data.shape, input._data.shape)
    data = _fill_where(mask._data.astype(bool, copy=False), value, input._data)
    return record(MaskedFillBackward0, data, (input,), saved={"mask": mask})


def _fill_where(mask: np.ndarray, value: Scalar, data: np.ndarray) -> np.ndarray:
    """``np.where(mask, value, data)`` in ``data``'s dtype, bit for bit, computed on the bits.

    ``np.where`` branches on every element, and on a mask as random as ReLU's the CPU
    guesses half of those branches wrong: ~0.25 ms for 256x256, where ``data * ~mask``
    takes 0.02 ms. A product is not exact, though (``inf * 0`` is nan, ``-1. * 0`` is
    -0.), and the backward formulas that zero gradients (ReLU's, ``where``'s...) call
    ``masked_fill``. Masking the bits is exact for any value: AND with all bits set keeps
    an element, AND with 0 makes it +0. (or 0, or False), and OR then puts ``value`` there.
    """
    unsigned = np.dtype(f"u{data.itemsize}")  # the same bits, seen as an unsigned integer
    fill = np.asarray(value, data.dtype).view(unsigned)
    keep = mask.astype(unsigned)
    keep -= 1  # True -> 0, False -> all bits set (unsigned integers wrap around)
    bits = data.view(unsigned) & keep
    if fill.any():  # filling with 0 (the usual case) needs no second pass
        bits |= fill & ~keep
    return bits.view(data.dtype)


# --- comparisons: bool results, no graph ---------------------------------------------------------
def _compare(ufunc: np.ufunc):
    def compare(input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:
        a, b, _ = operands(input, other)
        return Tensor._make(ufunc(a._data, b._data), _dtype.bool)

    compare.__name__ = ufunc.__name__
    compare.__doc__ = f"Element-wise ``{ufunc.__name__}``: a bool tensor outside the graph."
    return compare


eq, ne, lt, le, gt, ge = map(
    _compare, (np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal)
)
logical_and, logical_or, logical_xor = map(
    _compare, (np.logical_and, np.logical_or, np.logical_xor)
)


def logical_not(input: Tensor) -> Tensor:
    return Tensor._make(np.logical_not(input._data), _dtype.bool)


def bitwise_not(input: Tensor) -> Tensor:
    return Tensor._make(~input._data, input.dtype)


# --- copies and casts -----------------------------------------------------------------------------
class CloneBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        return (grad,)


def clone(input: Tensor) -> Tensor:
    return record(CloneBackward0, input._data.copy(), (input,))


class ToCopyBackward0(Node):
    """The engine casts the gradient back to the input's dtype."""

    def apply(self, grad: Tensor) -> tuple:
        return (grad,)


def to_dtype(input: Tensor, dtype: DType) -> Tensor:
    """``a.to(torch.float64)``; ``a`` itself when it already has that dtype."""
    if dtype is input.dtype:
        return input
    if input.requires_grad and not dtype.is_floating_point:
        return Tensor._make(input._data.astype(dtype.numpy), dtype)
    return record(ToCopyBackward0, input._data.astype(dtype.numpy), (input,), dtype=dtype)


class CopyBackwards(Node):
    """``dst.copy_(src)``: the gradient goes to ``src``; ``dst``'s old values were overwritten.

    PyTorch builds a leaf's ``.grad`` under ``create_graph=True`` the same way (an
    empty tensor into which the gradient is copied), so its first edge is None.
    """

    def name(self) -> str:
        return "torch::autograd::CopyBackwards"

    def apply(self, grad: Tensor) -> tuple:
        return (zeros_like(grad) if self.needs_input_grad(0) else None, grad)

    @staticmethod
    def wrap(grad: Tensor) -> Tensor:
        empty = Tensor._make(np.empty_like(grad._data))
        return record(CopyBackwards, grad._data.copy(), (empty, grad))
