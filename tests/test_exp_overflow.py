"""exp overflows to inf silently, as in PyTorch (chapter 09's naive softplus shows it)."""

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
