"""Run the same code with minigrad and with PyTorch, and compare what comes out.

The APIs are the same, so the code is too. Two styles share these helpers:

* the ops tests write each case once as ``fn(lib, *tensors)``, where ``lib`` is either
  ``minigrad`` or ``torch``, and compare tensors, graphs, gradients and errors;
* the scenario tests (functions, hooks, in-place, ...) write ``scenario(torch)``, which
  returns a log of strings: ``same_in_torch`` runs it on both and compares the logs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest

import minigrad

Case = Callable[..., Any]


def graph(t: Any) -> str:
    """The backward graph below ``t`` as nested names: ``MulBackward0(Acc, None)``."""

    def walk(node: Any) -> str:
        if node is None:
            return "None"
        if node.name().endswith("AccumulateGrad"):
            return "Acc"
        children = ", ".join(walk(child) for child, _ in node.next_functions)
        return f"{node.name()}({children})" if children else node.name()

    return walk(t.grad_fn)


def tensors(lib: Any, arrays: list[np.ndarray], requires_grad: bool = True) -> list[Any]:
    """float64 leaves holding copies of ``arrays`` (integer arrays stay integer, no grad)."""
    out = []
    for a in arrays:
        a = np.array(a)
        grad = requires_grad and a.dtype.kind == "f"
        out.append(lib.tensor(a, requires_grad=grad))
    return out


def both(fn: Case, arrays: list[np.ndarray], requires_grad: bool = True):
    """``fn`` run with minigrad and with torch: ``(ours, our_inputs), (theirs, their_inputs)``."""
    torch = pytest.importorskip("torch")
    ours_in = tensors(minigrad, arrays, requires_grad)
    theirs_in = tensors(torch, arrays, requires_grad)
    return (fn(minigrad, *ours_in), ours_in), (fn(torch, *theirs_in), theirs_in)


def values(t: Any) -> np.ndarray:
    return np.asarray(t.detach().numpy())


def assert_same_tensor(ours: Any, theirs: Any) -> None:
    """Same shape, dtype, values, ``requires_grad`` and backward graph."""
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_allclose(values(ours), values(theirs), rtol=1e-6, atol=1e-9)
    assert ours.requires_grad == theirs.requires_grad
    assert graph(ours) == graph(theirs)


def assert_same_grads(fn: Case, arrays: list[np.ndarray], weights_seed: int = 1) -> None:
    """Values and graphs agree, then the gradients of a weighted sum of the output."""
    torch = pytest.importorskip("torch")
    (ours, ours_in), (theirs, theirs_in) = both(fn, arrays)
    assert_same_tensor(ours, theirs)
    w = np.asarray(np.random.default_rng(weights_seed).standard_normal(tuple(theirs.shape)))
    (ours * minigrad.tensor(w)).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()
    for a, b in zip(ours_in, theirs_in):
        if b.requires_grad:
            assert (a.grad is None) == (b.grad is None)
            if b.grad is not None:
                np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-6, atol=1e-9)


def assert_same_second_grads(fn: Case, arrays: list[np.ndarray], graphs: bool = True) -> None:
    """Second derivatives agree with torch: d/dx of (w . d(sum fn)/dx), for random w.

    So do the first derivatives and (with ``graphs``) the graphs that
    ``create_graph=True`` recorded for them.
    """
    torch = pytest.importorskip("torch")
    results = []
    for lib, (out, inputs) in zip((minigrad, torch), both(fn, arrays)):
        grads = lib.autograd.grad(out.sum(), inputs, create_graph=True, allow_unused=True)
        grads = [g for g in grads if g is not None]
        rng = np.random.default_rng(0)
        weights = [np.asarray(rng.standard_normal(tuple(g.shape))) for g in grads]
        total = sum((g * lib.tensor(w)).sum() for g, w in zip(grads, weights))
        second = lib.autograd.grad(total, inputs, allow_unused=True)
        results.append(([graph(g) for g in grads], [values(g) for g in grads], second))
    (our_graphs, our_first, our_second), (their_graphs, their_first, their_second) = results
    if graphs:
        assert our_graphs == their_graphs, f"minigrad {our_graphs} != torch {their_graphs}"
    for a, b in zip(our_first, their_first):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)
    for a, b in zip(our_second, their_second):
        assert (a is None) == (b is None)
        if b is not None:
            np.testing.assert_allclose(values(a), values(b), rtol=1e-6, atol=1e-9)


def raised(fn: Callable[..., Any], *args: Any) -> tuple[type, str]:
    """The type and message of what ``fn(*args)`` raises."""
    try:
        fn(*args)
    except Exception as exc:  # noqa: BLE001 - the type is part of what is compared
        return type(exc), str(exc)
    raise AssertionError("no exception raised")


def assert_same_error(fn: Case, arrays: list[np.ndarray]) -> None:
    """``fn`` raises the same exception type (by name) and message in both libraries."""
    torch = pytest.importorskip("torch")
    ours = raised(lambda: fn(minigrad, *tensors(minigrad, arrays)))
    theirs = raised(lambda: fn(torch, *tensors(torch, arrays)))
    ours, theirs = (ours[0].__name__, ours[1]), (theirs[0].__name__, theirs[1])
    assert ours == theirs, f"minigrad {ours} != torch {theirs}"


# --- scenarios: ``scenario(torch)`` returns a log -----------------------------------------------
def same_in_torch(scenario: Callable[[Any], list[str]]) -> list[str]:
    """Run ``scenario(module)`` on minigrad and (if installed) torch; return minigrad's log."""
    ours = scenario(minigrad)
    try:
        import torch
    except ImportError:
        return ours
    assert ours == scenario(torch)
    return ours


def error_text(fn: Callable[[], Any], exc_type: type[BaseException] = RuntimeError) -> str:
    """The message of the ``exc_type`` that ``fn()`` must raise."""
    with pytest.raises(exc_type) as info:
        fn()
    return str(info.value)


@contextmanager
def raises(kind: type[Exception], message: str) -> Iterator[pytest.ExceptionInfo]:
    """PyTorch's exception type and exact message (minigrad's learner note comes apart)."""
    with pytest.raises(kind) as info:
        yield info
    assert str(info.value) == message


def masked(text: str) -> str:
    """Addresses (``0x7f…``) differ between runs and libraries: they read ``0x…``."""
    return re.sub(r"0x[0-9a-f]+", "0x…", text)


def names(node: Any) -> list:
    """The names of the nodes ``node`` passes gradients on to (None for a missing edge)."""
    return [None if n is None else n.name() for n, _ in node.next_functions]
