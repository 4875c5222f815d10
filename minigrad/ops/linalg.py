"""Matrix products: ``mm``, ``mv``, ``dot``, ``bmm``, ``addmm`` and ``matmul`` (``@``).

For ``C = A @ B`` the backward formulas are again matrix products:
``dA = dC @ B.T`` and ``dB = A.T @ dC``. Each factor is saved only when the *other*
one needs its gradient, and nothing is computed for an input that needs none.

``matmul`` is not an operation of its own: it picks one of the others by the
inputs' dimensions, exactly as PyTorch's ``_matmul_impl`` does, so that the graph
(``v @ M`` is ``SqueezeBackward4 -> MmBackward0 -> UnsqueezeBackward0``) is PyTorch's.
"""

from __future__ import annotations

import math

import numpy as np

from .._dtype import dtype as DType
from .._errors import with_note
from .._tensor import _C_NAMES, Tensor
from ..autograd.graph import Node
from ._record import Scalar, check_broadcast, record
from .shape import UnsafeViewBackward0, reshape


def _scalar_name(d: DType) -> str:
    return d._legacy.removesuffix("Tensor")  # "FloatTensor" -> "Float"


def _save_for_each_other(a: Tensor, b: Tensor, names: tuple[str, str]) -> dict:
    """``a`` is needed for ``b``'s gradient and vice versa: save only what will be used."""
    return {names[0]: a if b._requires_grad else None, names[1]: b if a._requires_grad else None}


# --- mm ----------------------------------------------------------------------------------------
class MmBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        a, b = self.saved("self", "mat2")
        return (
            grad.mm(b.t()) if self.needs_input_grad(0) else None,
            a.t().mm(grad) if self.needs_input_grad(1) else None,
        )


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """The product of two matrices, (n, m) @ (m, p) -> (n, p)."""
    if input._data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    _check_mm_shapes(input, mat2)
    if input._dtype is not mat2._dtype:
        raise RuntimeError(
            "expected m1 and m2 to have the same dtype, but got: "
            f"{_C_NAMES[input.dtype.name]} != {_C_NAMES[mat2.dtype.name]}"
        )
    saved = _save_for_each_other(input, mat2, ("self", "mat2"))
    return record(MmBackward0, input._data @ mat2._data, (input, mat2), saved=saved)


def _check_mm_shapes(mat1: Tensor, mat2: Tensor) -> None:
    (n, m), (k, p) = mat1._data.shape, mat2._data.shape
    if m != k:
        message = f"mat1 and mat2 shapes cannot be multiplied ({n}x{m} and {k}x{p})"
        raise with_note(RuntimeError(message), "matmul_shapes")


# --- addmm: beta * input + alpha * (mat1 @ mat2), the affine map of nn.Linear --------------------
class AddmmBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        mat1, mat2 = self.saved("mat1", "mat2")
        alpha, beta = self.alpha, self.beta
        grads = [None, None, None]
        if self.needs_input_grad(0):  # broadcast back to input's shape by the engine
            grads[0] = scale(grad, beta)
        if self.needs_input_grad(1):
            grads[1] = scale(grad.mm(mat2.t()), alpha)
        if self.needs_input_grad(2):
            grads[2] = scale(mat1.t().mm(grad), alpha)
        return tuple(grads)


class MulBackward1(Node):
    """``tensor * number`` inside a backward formula: one edge, the tensor's."""

    def apply(self, grad: Tensor) -> tuple:
        return (scale(grad, self.factor),)


def scale(input: Tensor, factor: Scalar) -> Tensor:
    """``input * factor`` as PyTorch's C++ formulas multiply by a number (``MulBackward1``)."""
    if factor == 1:
        return input
    data = input._data * factor
    return record(MulBackward1, data, (input,), dtype=input.dtype, factor=factor)


def addmm(
    input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Scalar = 1, alpha: Scalar = 1
) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``, ``input`` broadcast to the product's shape."""
    for name, mat in (("mat1", mat1), ("mat2", mat2)):
        if mat.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {mat.ndim}-D tensor")
    _check_mm_shapes(mat1, mat2)
    for name, t in (("self", input), ("mat1", mat1)):
        if t.dtype is not mat2.dtype:
            raise RuntimeError(
                f"{name} and mat2 must have the same dtype, but got {_scalar_name(t.dtype)} and "
                f"{_scalar_name(mat2.dtype)}"
            )
    shape = (mat1.shape[0], mat2.shape[1])
    input.detach().expand(shape)  # PyTorch's error if input does not broadcast to the result
    product = mat1._data @ mat2._data
    if beta == 0:  # input is ignored, even its nan and inf
        data = alpha * product
    else:
        data = beta * input._data + alpha * product
    saved = _save_for_each_other(mat1, mat2, ("mat1", "mat2"))
    return record(
        AddmmBackward0, data, (input, mat1, mat2), dtype=mat2.dtype, saved=saved,
        alpha=alpha, beta=beta,
    )


# --- mv and dot ----------------------------------------------------------------------------------
class MvBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        mat, vec = self.saved("self", "vec")
        return (
            grad.reshape(-1, 1) * vec if self.needs_input_grad(0) else None,  # the outer product
            mat.t().mv(grad) if self.needs_input_grad(1) else None,
        )


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix times vector, (n, m) @ (m,) -> (n,)."""
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(
            f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}"
        )
    if input.shape[1] != vec.shape[0]:
        n, m = input.shape
        message = f"size mismatch, got input ({n}), mat ({n}x{m}), vec ({vec.shape[0]})"
        raise with_note(RuntimeError(message), "matmul_shapes")
    if input.dtype is not vec.dtype:
        v, a = _scalar_name(vec.dtype), _scalar_name(input.dtype)
        message = f"addmv input tensors must have the same dtype, but got {v}, {a}, and {v}"
        raise RuntimeError(message)
    saved = _save_for_each_other(input, vec, ("self", "vec"))
    return record(MvBackward0, input._data @ vec._data, (input, vec), saved=saved)


class DotBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        a, b = self.saved("self", "tensor")
        return (
            grad * b if self.needs_input_grad(0) else None,
            grad * a if self.needs_input_grad(1) else None,
        )


def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """The inner product of two vectors: a 0-d tensor."""
    if input.ndim != 1 or tensor.ndim != 1:
        raise RuntimeError(
            f"1D tensors expected, but got {input.ndim}D and {tensor.ndim}D tensors"
        )
    n, m = input.shape[0], tensor.shape[0]
    if n != m:
        message = (
            f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the same "
            f"number of elements, but got {n} and {m} elements respectively"
        )
        raise with_note(RuntimeError(message), "matmul_shapes")
    if input.dtype is not tensor.dtype:
        raise RuntimeError(
            "dot : expected both vectors to have same dtype, but found "
            f"{_scalar_name(input.dtype)} and {_scalar_name(tensor.dtype)}"
        )
    saved = _save_for_each_other(input, tensor, ("self", "tensor"))
    return record(DotBackward0, np.dot(input._data, tensor._data), (input, tensor), saved=saved)


# --- bmm ---------------------------------------------------------------------------------------
class BmmBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        a, b = self.saved("self", "mat2")
        return (
            grad.bmm(b.mT) if self.needs_input_grad(0) else None,
            a.mT.bmm(grad) if self.needs_input_grad(1) else None,
        )


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """A batch of matrix products: (b, n, m) @ (b, m, p) -> (b, n, p)."""
    for name, t in (("batch1", input), ("batch2", mat2)):
        if t.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    expected = [input.shape[0], input.shape[2]]
    if list(mat2.shape[:2]) != expected:
        message = (
            f"Expected size for first two dimensions of batch2 tensor to be: {expected} but got: "
            f"{list(mat2.shape[:2])}."
        )
        raise with_note(RuntimeError(message), "matmul_shapes")
    if input.dtype is not mat2.dtype:
        raise RuntimeError(
            f"expected scalar type {_scalar_name(input.dtype)} but found "
            f"{_scalar_name(mat2.dtype)}"
        )
    saved = _save_for_each_other(input, mat2, ("self", "mat2"))
    return record(BmmBackward0, np.matmul(input._data, mat2._data), (input, mat2), saved=saved)


# --- matmul: dispatch on the dimensions ---------------------------------------------------------
class SqueezeBackward4(Node):
    """The in-place ``squeeze_(0)`` that ends ``vector @ matrix``."""

    def apply(self, grad: Tensor) -> tuple:
        return (grad.unsqueeze(0),)


def _unsafe_view(input: Tensor, shape: tuple[int, ...]) -> Tensor:
    """A reshape of a fresh result, recorded as PyTorch's ``_unsafe_view`` (no shared version)."""
    return record(UnsafeViewBackward0, input._data.reshape(shape), (input,))


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """``input @ other`` by the inputs' dimensions (NumPy's rules, PyTorch's graphs).

    1-D @ 1-D is ``dot``; 2-D @ 1-D ``mv``; 1-D @ 2-D and 2-D @ 2-D ``mm``. With more
    dims the extra ones are batch dims: folded into the rows of one ``mm`` when
    only one side has them, otherwise broadcast and run through ``bmm``.
    """
    d1, d2 = input.ndim, other.ndim
    if d1 == 0 or d2 == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {d1}D and {d2}D"
        )
    if d1 == 1 and d2 == 1:
        return dot(input, other)
    if d1 == 2 and d2 == 1:
        return mv(input, other)
    if d1 == 1 and d2 == 2:
        product = mm(input.unsqueeze(0), other)
        return record(SqueezeBackward4, product._data[0], (product,))
    if d1 == 2 and d2 == 2:
        return mm(input, other)
    if _should_fold(input, other):
        return _folded_matmul(input, other)
    return _batched_matmul(input, other)


def _should_fold(t1: Tensor, t2: Tensor) -> bool:
    """Whether the batch dims of the bigger side can become rows of a single ``mm``/``mv``.

    Always when the smaller side requires grad (its gradient is then one ``mm``, not
    a sum over a broadcast batch); otherwise only when folding needs no copy.
    """
    big = t1._data if t1.ndim >= t2.ndim else np.swapaxes(t2._data, -1, -2)
    small = t2 if t1.ndim >= t2.ndim else t1
    if not (big.ndim >= 3 and small.ndim <= 2):
        return False
    if small._requires_grad:
        return True
    if t1.ndim == 2:
        return False
    if big.size == 0:
        return True
    shape, strides = big.shape, big.strides
    return all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(big.ndim - 2))


def _folded_matmul(t1: Tensor, t2: Tensor) -> Tensor:
    """(b, n, m) @ (m, p) as (b*n, m) @ (m, p); a smaller left side goes through transposes."""
    transpose = t2.ndim > t1.ndim
    big = t2.mT if transpose else t1
    small = (t1.t() if t1.ndim == 2 else t1) if transpose else t2
    rows = big.shape[:-1]
    folded = reshape(big, (math.prod(rows), big.shape[-1]))
    if small.ndim == 1:
        return _unsafe_view(mv(folded, small), rows)
    out = _unsafe_view(mm(folded, small), (*rows, small.shape[1]))
    return out.mT.contiguous() if transpose else out


def _batched_matmul(t1: Tensor, t2: Tensor) -> Tensor:
    """Broadcast the batch dims of both sides, flatten them into one, and ``bmm``."""
    d1, d2 = t1.ndim, t2.ndim
    n, m1 = (t1.shape[-2] if d1 > 1 else 1), t1.shape[-1]
    m2, p = (t2.shape[-2] if d2 > 1 else t2.shape[0]), (t2.shape[-1] if d2 > 1 else 1)
    batch1, batch2 = t1.shape[: max(d1 - 2, 0)], t2.shape[: max(d2 - 2, 0)]
    if d1 == 3 and d2 == 3 and batch1[0] != batch2[0]:
        if batch1[0] == 1 and t1._requires_grad:  # fold instead of expanding a grad-needing side
            return matmul(t1.squeeze(0), t2)
        if batch2[0] == 1 and t2._requires_grad:
            return matmul(t1, t2.squeeze(0))
    check_broadcast(batch1, batch2)
    batch = np.broadcast_shapes(batch1, batch2)
    size = math.prod(batch)
    left = reshape(t1.expand(*batch, n, m1), (size, n, m1))
    if d2 == 1:
        right = reshape(t2.expand(*batch, m2), (size, m2)).unsqueeze(2)
        product = left.bmm(right).squeeze(-1)
    else:
        product = left.bmm(reshape(t2.expand(*batch, m2, p), (size, m2, p)))
    out_shape = (*batch, *((n,) if d1 > 1 else ()), *((p,) if d2 > 1 else ()))
    return _unsafe_view(product, out_shape)


def __matmul__(self: Tensor, other: object) -> Tensor:  # noqa: N807 - the operator itself
    return matmul(self, other) if isinstance(other, Tensor) else NotImplemented


def __rmatmul__(self: Tensor, other: object) -> Tensor:  # noqa: N807
    return matmul(other, self) if isinstance(other, Tensor) else NotImplemented
