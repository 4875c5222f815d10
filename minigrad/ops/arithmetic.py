"""``+ - * / **`` and their reflected forms, each beside its backward formula.

The formulas are written with Tensor operations, not NumPy, so that with
``create_graph=True`` the gradient computation is itself recorded and can be
differentiated again. Broadcasting is undone by the engine, which sums each
gradient back to its input's shape (see ``engine.validate_grads``).
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._creation import zeros_like
from .._tensor import Tensor
from ..autograd.graph import Node
from ._record import Scalar, as_tensor, float_type, is_number, operands, record


class AddBackward0(Node):
    """d(a + alpha*b) = (1, alpha): nothing needs saving."""

    def apply(self, grad: Tensor) -> tuple:
        return (
            grad if self.needs_input_grad(0) else None,
            (grad if self.alpha == 1 else grad * self.alpha) if self.needs_input_grad(1) else None,
        )


def add(input: Tensor | Scalar, other: Tensor | Scalar, *, alpha: Scalar = 1) -> Tensor:
    a, b, dtype = operands(input, other)
    # Computed in the result dtype, as PyTorch does: float32 + 0.1 adds float32(0.1).
    data = np.add(a._data, b._data if alpha == 1 else alpha * b._data, dtype=dtype.numpy)
    return record(AddBackward0, data, (a, b), dtype=dtype, alpha=alpha)


class SubBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        grad_other = None
        if self.needs_input_grad(1):
            grad_other = -grad if self.alpha == 1 else grad * -self.alpha
        return (grad if self.needs_input_grad(0) else None, grad_other)


def sub(input: Tensor | Scalar, other: Tensor | Scalar, *, alpha: Scalar = 1) -> Tensor:
    a, b, dtype = operands(input, other)
    data = np.subtract(a._data, b._data if alpha == 1 else alpha * b._data, dtype=dtype.numpy)
    return record(SubBackward0, data, (a, b), dtype=dtype, alpha=alpha)


class RsubBackward0(Node):
    """``torch.rsub(a, b)`` is ``b - alpha*a``: the order of the edges is (a, b)."""

    def apply(self, grad: Tensor) -> tuple:
        return (
            grad * -self.alpha if self.needs_input_grad(0) else None,
            grad if self.needs_input_grad(1) else None,
        )


class RsubBackward1(Node):
    """``2 - a``: the number is not a graph input, so there is a single edge."""

    def apply(self, grad: Tensor) -> tuple:
        return (-grad if self.alpha == 1 else grad * -self.alpha,)


def rsub(input: Tensor, other: Tensor | Scalar, *, alpha: Scalar = 1) -> Tensor:
    """``other - alpha*input`` (``2 - a`` calls it with a Python number ``other``)."""
    a, b, dtype = operands(input, other)
    data = np.subtract(b._data, a._data if alpha == 1 else alpha * a._data, dtype=dtype.numpy)
    if is_number(b):
        return record(RsubBackward1, data, (a,), dtype=dtype, alpha=alpha)
    return record(RsubBackward0, data, (a, b), dtype=dtype, alpha=alpha)


class MulBackward0(Node):
    """d(a*b) = (b, a): a factor is saved if the other needs a gradient (a number as a tensor)."""

    def apply(self, grad: Tensor) -> tuple:
        a, b = self.saved("self", "other")
        return (
            grad * b if self.needs_input_grad(0) else None,
            grad * a if self.needs_input_grad(1) else None,
        )


def mul(input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:
    a, b, dtype = operands(input, other)
    # As PyTorch, save a factor only if the other one needs its gradient.
    saved = {"self": _if_needed(a, b), "other": _if_needed(b, a)}
    with np.errstate(all="ignore"):  # inf * 0 is nan, an overflow inf: silently, as PyTorch
        data = np.multiply(a._data, b._data, dtype=dtype.numpy)
    return record(MulBackward0, data, (a, b), dtype=dtype, saved=saved)


def _if_needed(value: Tensor, for_input: Tensor) -> Tensor | None:
    """``value`` if ``for_input``'s gradient (which needs it) will be computed, else None."""
    return value if for_input._requires_grad else None


class DivBackward0(Node):
    """d(a/b) = (1/b, -a/b²)."""

    def apply(self, grad: Tensor) -> tuple:
        a, b = self.saved("self", "other")
        return (
            grad / b if self.needs_input_grad(0) else None,
            -grad * a / (b * b) if self.needs_input_grad(1) else None,
        )


def div(input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:
    a, b, dtype = operands(input, other)
    dtype = float_type(dtype)
    with np.errstate(all="ignore"):  # x/0 is inf or nan, silently
        data = np.true_divide(a._data, b._data, dtype=dtype.numpy)
    saved = {"self": _if_needed(a, b), "other": b}  # d/da = 1/b; only d/db needs a
    return record(DivBackward0, data, (a, b), dtype=dtype, saved=saved)


def rdiv(input: Tensor, other: Scalar) -> Tensor:
    """``2 / a`` is computed as ``a.reciprocal() * 2``, as PyTorch does."""
    return mul(reciprocal(input), other)


class ReciprocalBackward0(Node):
    """d(1/a) = -1/a² = -result²: the result is saved, not the input."""

    def apply(self, grad: Tensor) -> tuple:
        result = self.saved("result")
        return (-grad * result * result,)


def reciprocal(input: Tensor) -> Tensor:
    dtype = float_type(input.dtype)
    with np.errstate(all="ignore"):  # 1/0 is inf, silently (as in PyTorch)
        data = np.reciprocal(input._data.astype(dtype.numpy))
    return record(ReciprocalBackward0, data, (input,), dtype=dtype, save_result=True)


class NegBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        return (-grad,)


def neg(input: Tensor) -> Tensor:
    if input.dtype is _dtype.bool:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
            "invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return record(NegBackward0, -input._data, (input,))


class PowBackward0(Node):
    """d(a**n) = n * a**(n-1), for a Python number n (zero when n == 0)."""

    def apply(self, grad: Tensor) -> tuple:
        a = self.saved("self")
        n = self.exponent
        if n == 0:
            return (zeros_like(grad),)
        return (grad * (n * a ** (n - 1)),)


class PowBackward1(Node):
    """a**b for two tensors: d/da = b * a**(b-1), d/db = a**b * log(a)."""

    def apply(self, grad: Tensor) -> tuple:
        a, b, result = self.saved("self", "exponent", "result")
        grad_a = grad_b = None
        if self.needs_input_grad(0):
            grad_a = grad * b * a ** (b - 1)
            grad_a = grad_a.masked_fill(b == 0, 0.0)
        if self.needs_input_grad(1):
            # 0**b has derivative 0 in b where b >= 0 (PyTorch's convention), not 0*log(0).
            grad_b = (grad * result * a.log()).masked_fill((a == 0) & (b >= 0), 0.0)
        return grad_a, grad_b


class PowBackward2(Node):
    """``2 ** a``: d/da = 2**a * log(2), from the saved result.

    For a base of 0, PyTorch takes the derivative to be 0 where ``a >= 0``
    (instead of ``0 * log(0) = nan``). A negative base gives nan.
    """

    def apply(self, grad: Tensor) -> tuple:
        result = self.saved("result")
        with np.errstate(all="ignore"):
            log_base = float(np.log(self.base))
        grad = grad * result * log_base
        if self.base == 0:
            grad = grad.masked_fill(self.saved("exponent") >= 0, 0.0)
        return (grad,)


def pow(input: Tensor | Scalar, exponent: Tensor | Scalar) -> Tensor:  # noqa: A001
    """``a ** n`` (PowBackward0), ``2 ** a`` (PowBackward2) or ``a ** b`` (PowBackward1)."""
    a, b, dtype = operands(input, exponent)
    if not dtype.is_floating_point and (b._data < 0).any():
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    with np.errstate(all="ignore"):  # 0**-1 is inf, (-1)**0.5 nan, silently
        data = np.power(a._data, b._data, dtype=dtype.numpy)
    if is_number(b):
        return record(PowBackward0, data, (a,), dtype=dtype, saved={"self": a}, exponent=exponent)
    if is_number(a):
        saved = {"exponent": b}
        return record(
            PowBackward2, data, (b,), dtype=dtype, saved=saved, save_result=True, base=input
        )
    saved = {"self": a, "exponent": b}
    return record(PowBackward1, data, (a, b), dtype=dtype, saved=saved, save_result=True)


def rpow(input: Tensor, other: Scalar) -> Tensor:
    return pow(other, input)


def square(input: Tensor) -> Tensor:
    return pow(input, 2)


class NotImplemented(Node):  # noqa: A001 - PyTorch's name for this node
    """The node of an op PyTorch gives no derivative (``//``): backward through it fails."""

    def name(self) -> str:
        return "torch::autograd::NotImplemented"

    def apply(self, grad: Tensor) -> tuple:
        raise RuntimeError(f"derivative for aten::{self.op} is not implemented")


def _tensor_inputs(*operands: Tensor) -> tuple[Tensor, ...]:
    """The operands that are graph inputs: Python numbers are not."""
    return tuple(t for t in operands if not is_number(t))


def floor_divide(input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:
    """``//``: PyTorch defines no derivative (it would be zero almost everywhere)."""
    a, b, dtype = operands(input, other)
    with np.errstate(all="ignore"):
        data = np.floor_divide(a._data, b._data, dtype=dtype.numpy)
    return record(NotImplemented, data, _tensor_inputs(a, b), dtype=dtype, op="floor_divide")


class RemainderBackward0(Node):
    """``a % 2``: the remainder moves one for one with ``a`` (between the jumps)."""

    def apply(self, grad: Tensor) -> tuple:
        return (grad,)


class RemainderBackward1(Node):
    """``a % b`` = a - b * floor(a / b): d/da = 1, d/db = -floor(a / b)."""

    def apply(self, grad: Tensor) -> tuple:
        a, b = self.saved("self", "other")
        return (
            grad if self.needs_input_grad(0) else None,
            grad * -(a // b).detach() if self.needs_input_grad(1) else None,
        )


def remainder(input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:
    """``a % b`` with the sign of ``b``, as Python's (and PyTorch's) ``%``."""
    a, b, dtype = operands(input, other)
    with np.errstate(all="ignore"):
        # As PyTorch: fmod, moved to the sign of b (np.remainder differs in the sign of 0).
        data = np.fmod(a._data, b._data, dtype=dtype.numpy)
        data = np.where((data != 0) & ((b._data < 0) != (data < 0)), data + b._data, data)
    if is_number(a):  # 5 % x: PyTorch has no derivative for it
        return record(NotImplemented, data, (b,), dtype=dtype, op="remainder")
    if is_number(b):
        return record(RemainderBackward0, data, (a,), dtype=dtype)
    saved = {"self": a, "other": b}
    return record(RemainderBackward1, data, (a, b), dtype=dtype, saved=saved)


__all__ = [
    "add",
    "sub",
    "rsub",
    "mul",
    "div",
    "rdiv",
    "reciprocal",
    "neg",
    "pow",
    "rpow",
    "square",
    "floor_divide",
    "remainder",
    "as_tensor",
]
