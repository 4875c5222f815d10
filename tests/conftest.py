"""Shared test helpers: an independent finite-difference oracle, and a graph walk.

The library has its own ``gradcheck``; the tests use this separate, tiny one so
that a bug in the library cannot hide itself.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import settings

import minigrad

# Property tests draw the same examples on every run: a suite that passes must pass again
# (CI included). To look for new failing examples on purpose: HYPOTHESIS_PROFILE=explore.
settings.register_profile("minigrad", derandomize=True, database=None)
settings.register_profile("explore", max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "minigrad"))


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


def assert_second_grads_match(
    case: Callable[..., minigrad.Tensor], inputs: Sequence[np.ndarray], rng: np.random.Generator
) -> None:
    """Second derivatives of ``case(minigrad, *tensors)`` agree with finite differences.

    What is differentiated both ways is ``w · d(sum case)/d(inputs)``, for random
    weights ``w`` drawn from ``rng``, so its gradient is a Hessian-vector product.
    """
    weights = [minigrad.tensor(rng.standard_normal(np.shape(a))) for a in inputs]

    def first_derivatives(*xs: minigrad.Tensor) -> minigrad.Tensor:
        for x in xs:
            x.requires_grad_()
        grads = minigrad.autograd.grad(
            case(minigrad, *xs).sum(), xs, allow_unused=True, create_graph=True
        )
        return sum((g * w).sum() for g, w in zip(grads, weights) if g is not None)

    assert_grads_match(first_derivatives, inputs)


def graph_nodes(root: Any) -> list:
    """Every node reachable from the node ``root`` (None allowed), each once, depth first.

    Written here rather than taken from the library, for the same reason as the oracle.
    """
    nodes, stack = [], [root]
    while stack:
        node = stack.pop()
        if node is not None and node not in nodes:
            nodes.append(node)
            stack.extend(child for child, _ in node.next_functions)
    return nodes


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
