"""Overflow gives inf and invalid operations nan silently, as in PyTorch (NumPy would warn).

Chapter 09's naive softplus shows it for exp; exploding gradients show it in backward.
"""

from __future__ import annotations

import math
import warnings

import minigrad


def test_exp_of_a_large_float32_is_inf_without_a_numpy_warning():
    x = minigrad.tensor([100.0, -100.0, 0.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = x.exp()
        naive_softplus = (1 + y).log()
    assert y.tolist()[0] == math.inf and y.tolist()[2] == 1.0
    assert naive_softplus.tolist()[0] == math.inf
    y.sum().backward()
    assert x.grad.tolist()[0] == math.inf  # d exp(x)/dx = exp(x)


def _silently(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn()


def test_overflow_and_invalid_products_are_silent_as_in_pytorch():
    big = minigrad.tensor([1e20, -1e20, 2.0])  # float32: 1e40 overflows
    assert _silently(lambda: big * big).tolist() == [math.inf, math.inf, 4.0]
    assert _silently(lambda: big**3).tolist() == [math.inf, -math.inf, 8.0]
    assert _silently(lambda: big / 1e-30).tolist()[:2] == [math.inf, -math.inf]
    assert math.isnan(_silently(lambda: minigrad.tensor(math.inf) * 0).item())


def test_backward_formulas_overflow_silently_as_in_pytorch():
    """Exploding gradients: PyTorch gives inf (and nan from inf - inf) without a word."""
    x = minigrad.tensor([1e20, 1.0], requires_grad=True)
    _silently(lambda: (x * x * x).sum().backward())  # grad 3x² overflows float32
    assert x.grad.tolist() == [math.inf, 3.0]
    w = minigrad.tensor([1e30, 1.0], requires_grad=True)
    v = minigrad.tensor([1e30, 1.0], requires_grad=True)
    _silently(lambda: (w * v).sum().backward(minigrad.tensor(1e10)))  # grads 1e40: inf
    assert w.grad.tolist() == [math.inf, 1e10] and v.grad.tolist() == [math.inf, 1e10]
