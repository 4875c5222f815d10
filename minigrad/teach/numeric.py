"""Finite differences: derivatives from nothing but evaluating the function.

For a small step ``eps``, the central difference

    (f(x + eps) - f(x - eps)) / (2 * eps)

approximates f'(x) with an error of order eps² (the one-sided difference has an
error of order eps). It needs two evaluations per input element, which is why
autograd exists, but it is the independent check that every gradient in the
course is compared against. Everything here runs in float64: in float32 the
rounding error of f, divided by 2*eps, would swamp the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad


def numerical_jacobian(f: Callable[[Tensor], Any], x: Any, eps: float = 1e-6) -> Tensor:
    """d f(x) / d x by central differences: a float64 tensor of shape ``f(x).shape + x.shape``.

    ``f`` receives a float64 tensor shaped like ``x`` (which needs no grad) and
    returns a tensor or a number.
    """
    point = _as_float64(x)
    columns = []
    for index in np.ndindex(point.shape):
        step = np.zeros_like(point)
        step[index] = eps
        columns.append((_evaluate(f, point + step) - _evaluate(f, point - step)) / (2 * eps))
    out_shape = _evaluate(f, point).shape
    jacobian = np.stack(columns, axis=-1) if columns else np.zeros(out_shape + (0,))
    return Tensor._make(jacobian.reshape(out_shape + point.shape))


def numerical_grad(f: Callable[[Tensor], Any], x: Any, eps: float = 1e-6) -> Tensor:
    """d f(x) / d x for an ``f`` that returns one number: a float64 tensor shaped like ``x``."""
    point = _as_float64(x)
    value = _evaluate(f, point)
    if value.size != 1:
        raise ValueError(
            f"numerical_grad needs f to return a single number, but it returned shape "
            f"{value.shape}: reduce it (e.g. f(x).sum()) or use numerical_jacobian"
        )
    return numerical_jacobian(f, point, eps).reshape(point.shape)


def _as_float64(x: Any) -> np.ndarray:
    if isinstance(x, Tensor):
        return x.detach().numpy().astype(np.float64)
    return np.array(x, dtype=np.float64)


def _evaluate(f: Callable[[Tensor], Any], point: np.ndarray) -> np.ndarray:
    with no_grad():
        value = f(Tensor._make(point.copy()))
    if isinstance(value, Tensor):
        return value.numpy().astype(np.float64)
    return np.asarray(value, dtype=np.float64)
