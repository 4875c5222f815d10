"""What a graph node saves for backward: only what its formula needs, as PyTorch does.

Chapter 05 shows these saved tensors (``grad_fn._saved_self``, ...) to explain what a backward
pass frees, so they must be PyTorch's: ``x * 2`` keeps the 2 but not x.
"""

from __future__ import annotations

import pytest

import minigrad


def saved_tensors(node) -> dict:
    """The saved values of a node that are tensors (PyTorch also saves sizes and scalars)."""
    names = [name for name in dir(node) if name.startswith("_saved_")]
    values = {name: getattr(node, name) for name in names}
    return {name: value.tolist() for name, value in values.items() if hasattr(value, "tolist")}


CASES = {
    "x + 2": lambda x, c: x + 2,
    "-x": lambda x, c: -x,
    "x * 2": lambda x, c: x * 2,
    "x * c": lambda x, c: x * c,
    "c * x": lambda x, c: c * x,
    "x * x": lambda x, c: x * x,
    "x / 2": lambda x, c: x / 2,
    "c / x": lambda x, c: c / x,
    "x ** 2": lambda x, c: x**2,
    "x.exp()": lambda x, c: x.exp(),
    "x.sum()": lambda x, c: x.sum(),
}

EXPECTED = {
    "x + 2": {},
    "-x": {},
    "x * 2": {"_saved_other": 2},
    "x * c": {"_saved_other": [3.0, 4.0]},
    "c * x": {"_saved_self": [3.0, 4.0]},
    "x * x": {"_saved_other": [1.0, 2.0], "_saved_self": [1.0, 2.0]},
    "x / 2": {"_saved_other": 2},
    "c / x": {"_saved_other": [1.0, 2.0], "_saved_self": [3.0, 4.0]},
    "x ** 2": {"_saved_self": [1.0, 2.0]},
    "x.exp()": {"_saved_result": pytest.approx([2.718281828, 7.389056099])},
    "x.sum()": {},
}


def run(torch, case: str):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    c = torch.tensor([3.0, 4.0])
    return CASES[case](x, c)


@pytest.mark.parametrize("case", CASES)
def test_a_node_saves_only_what_its_backward_needs(case):
    assert saved_tensors(run(minigrad, case).grad_fn) == EXPECTED[case]


@pytest.mark.parametrize("case", CASES)
def test_saved_tensors_match_pytorch(case):
    torch = pytest.importorskip("torch")
    ours = saved_tensors(run(minigrad, case).grad_fn)
    theirs = saved_tensors(run(torch, case).grad_fn)
    assert ours.keys() == theirs.keys()
    for name, value in theirs.items():
        assert ours[name] == pytest.approx(value)


def test_a_factor_that_needs_no_gradient_is_not_kept_alive():
    x = minigrad.ones(2, requires_grad=True)
    y = (x * 2).grad_fn
    assert y._saved_self is None
    assert (y._saved_other == minigrad.tensor(2)).item()


def test_products_still_differentiate_both_ways():
    a = minigrad.tensor([1.0, 2.0], requires_grad=True)
    b = minigrad.tensor([3.0, 5.0], requires_grad=True)
    (a * b / (b * 2)).sum().backward()
    assert a.grad.tolist() == [0.5, 0.5] and b.grad.tolist() == [0.0, 0.0]
