"""``softmax`` and ``log_softmax``: scores into probabilities (and their logarithms).

``softmax(x)_i = exp(x_i) / sum_j exp(x_j)`` along one dim. Computed as written,
``exp(1000.)`` overflows to inf and the result is nan. Subtracting the maximum first
changes nothing (the factor ``exp(-max)`` cancels) and keeps every ``exp`` at most 1.
``log_softmax`` is ``x - max - log(sum(exp(x - max)))`` for the same reason: it never
takes the log of a probability that has rounded to 0.

Both nodes save their *result* ``y``, which is all their backward formulas need
(``g`` is the incoming gradient, sums run along ``dim``):

* softmax:      ``dx = y * (g - sum(g * y))``
* log_softmax:  ``dx = g - exp(y) * sum(g)``
"""

from __future__ import annotations

import warnings

import numpy as np

from .._dtype import dtype as DType
from .._tensor import Tensor
from ..autograd.graph import Node
from ._record import record
from .reduction import normalize_dims


class SoftmaxBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        y = self.saved("result")
        return (y * (grad - (grad * y).sum(self.dims, keepdim=True)),)


class LogSoftmaxBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        y = self.saved("result")
        return (grad - y.exp() * grad.sum(self.dims, keepdim=True),)


def softmax(input: Tensor, dim: int | None = None, *, dtype: DType | None = None) -> Tensor:
    """``exp(x) / exp(x).sum(dim)``: each slice along ``dim`` becomes positive and sums to 1.

    ``dtype`` casts the input first (e.g. to compute a float16 model's softmax in float64).
    """
    input, dims = _prepare("softmax", input, dim, dtype)
    shifted = _shifted(input._data, dims)
    e = np.exp(shifted)
    data = e / e.sum(axis=dims, keepdims=True)
    return record(SoftmaxBackward0, data, (input,), save_result=True, dims=dims)


def log_softmax(input: Tensor, dim: int | None = None, *, dtype: DType | None = None) -> Tensor:
    """``log(softmax(x))``, computed without overflow (the input of ``nll_loss``)."""
    input, dims = _prepare("log_softmax", input, dim, dtype)
    shifted = _shifted(input._data, dims)
    with np.errstate(all="ignore"):  # a slice of all -inf gives nan, as in PyTorch
        data = shifted - np.log(np.exp(shifted).sum(axis=dims, keepdims=True))
    return record(LogSoftmaxBackward0, data, (input,), save_result=True, dims=dims)


def _shifted(x: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
    """``x`` minus its maximum along ``dims`` (``initial`` lets empty slices through)."""
    with np.errstate(all="ignore"):  # inf - inf: nan, as in PyTorch
        return x - np.max(x, axis=dims, keepdims=True, initial=-np.inf)


def _prepare(
    name: str, input: Tensor, dim: int | None, dtype: DType | None
) -> tuple[Tensor, tuple[int, ...]]:
    """The input cast to ``dtype`` and the dim as a tuple (PyTorch's implicit choice if None)."""
    if dim is None:
        dim = _implicit_dim(name, input.ndim)
    dims = normalize_dims(dim, input.ndim)
    if dtype is not None:
        input = input.to(dtype)
    if not input.dtype.is_floating_point:
        kernel = "lastdim_kernel_impl" if not dims or dims[0] == input.ndim - 1 else "kernel_impl"
        type_name = input.dtype._legacy.removesuffix("Tensor")
        raise NotImplementedError(f'"{name}_{kernel}" not implemented for \'{type_name}\'')
    return input, dims


def _implicit_dim(name: str, ndim: int) -> int:
    """The dim PyTorch used to guess (deprecated): 0 for 0-, 1- and 3-D inputs, else 1."""
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
        "dim=X as an argument.",
        UserWarning,
        stacklevel=4,
    )
    return 0 if ndim in (0, 1, 3) else 1
