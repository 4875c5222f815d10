"""Shared test helpers: an independent finite-difference oracle.

The library has its own ``gradcheck``; the tests use this separate, tiny one so
that a bug in the library cannot hide itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest

import minigrad


def numerical_grads(
    fn: Callable[..., minigrad.Tensor], inputs: Sequence[np.ndarray], eps: float = 1e-6
) -> list[np.ndarray]:
    """Central differences of ``fn(*tensors).sum()`` (float64) w.r.t. each input array."""
    arrays = [np.array(a, dtype=np.float64) for a in inputs]
    grads = []
    for a in arrays:
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            old = a[idx]
            a[idx] = old + eps
            plus = float(fn(*[minigrad.tensor(x) for x in arrays]).sum().item())
            a[idx] = old - eps
            minus = float(fn(*[minigrad.tensor(x) for x in arrays]).sum().item())
            a[idx] = old
            g[idx] = (plus - minus) / (2 * eps)
        grads.append(g)
    return grads


def analytic_grads(
    fn: Callable[..., minigrad.Tensor], inputs: Sequence[np.ndarray]
) -> list[np.ndarray]:
    """``fn(*tensors).sum().backward()`` and the resulting ``.grad`` arrays."""
    tensors = [minigrad.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in inputs]
    fn(*tensors).sum().backward()
    return [np.zeros(t.shape) if t.grad is None else t.grad.numpy() for t in tensors]


def assert_grads_match(
    fn: Callable[..., minigrad.Tensor],
    inputs: Sequence[np.ndarray],
    atol: float = 1e-6,
    rtol: float = 1e-5,
) -> None:
    """The backward pass agrees with central finite differences, input by input."""
    numeric = numerical_grads(fn, inputs)
    analytic = analytic_grads(fn, inputs)
    for i, (n, a) in enumerate(zip(numeric, analytic)):
        assert a.shape == n.shape, f"input {i}: grad shape {a.shape} != {n.shape}"
        np.testing.assert_allclose(a, n, atol=atol, rtol=rtol, err_msg=f"input {i}")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
