"""all, any, equal, allclose: whole-tensor truth tests, as PyTorch answers them."""

from __future__ import annotations

import pytest

import minigrad
from minigrad.ops import logical

A = [[1.0, 0.0], [2.0, 3.0]]


def run(torch, case):
    a = torch.tensor(A)
    return {
        "all": lambda: torch.all(a),
        "any": lambda: torch.any(a),
        "all dim 0": lambda: a.all(dim=0),
        "any dim 1 keepdim": lambda: a.any(1, keepdim=True),
        "all of empty": lambda: torch.tensor([]).all(),
        "any of empty": lambda: torch.tensor([]).any(),
        "all of a grad tensor": lambda: (torch.ones(2, requires_grad=True) * 2).all(),
    }[case]()


CASES = ["all", "any", "all dim 0", "any dim 1 keepdim", "all of empty", "any of empty",
         "all of a grad tensor"]
EXPECTED = [False, True, [True, False], [[True], [True]], True, False, True]


@pytest.mark.parametrize(("case", "expected"), list(zip(CASES, EXPECTED)), ids=CASES)
def test_all_and_any_give_bool_tensors_without_a_graph(case, expected):
    result = run(minigrad, case)
    assert result.dtype is minigrad.bool and result.grad_fn is None
    assert result.tolist() == expected


@pytest.mark.parametrize("case", CASES)
def test_all_and_any_match_pytorch(case):
    torch = pytest.importorskip("torch")
    ours, theirs = run(minigrad, case), run(torch, case)
    assert (ours.tolist(), tuple(ours.shape), repr(ours)) == (
        theirs.tolist(), tuple(theirs.shape), repr(theirs))


def test_equal_is_same_shape_and_same_values():
    t = minigrad.tensor
    assert minigrad.equal(t([1.0, 2.0]), t([1.0, 2.0]))
    assert t([1.0, 2.0]).equal(t([1.0, 2.0], dtype=minigrad.float64))  # values, not dtypes
    assert not minigrad.equal(t([1.0, 2.0]), t([1.0, 2.5]))
    assert not minigrad.equal(minigrad.ones(2), minigrad.ones(1, 2))  # no broadcasting
    assert not minigrad.equal(t([float("nan")]), t([float("nan")]))
    x = minigrad.ones(2, requires_grad=True)
    assert minigrad.equal(x, x * 1)


def test_equal_needs_a_tensor():
    with pytest.raises(TypeError, match=r"^equal\(\): argument 'other' \(position 2\) must be "
                                        r"Tensor, not list$"):
        minigrad.equal(minigrad.ones(2), [1.0, 1.0])


def test_allclose_tolerances_nan_and_errors():
    t = minigrad.tensor
    assert minigrad.allclose(t([1.0, 2.0]), t([1.0, 2.0 + 1e-6]))
    assert not minigrad.allclose(t([1.0, 2.0]), t([1.0, 2.1]))
    assert minigrad.allclose(t([1.0, 2.0]), t([1.0, 2.1]), atol=0.2)
    assert minigrad.allclose(t([[1.0], [1.0]]), t([1.0]))  # broadcasts
    assert not logical.allclose(t([float("nan")]), t([float("nan")]))
    assert logical.allclose(t([float("nan")]), t([float("nan")]), equal_nan=True)
    with pytest.raises(RuntimeError, match="^Float did not match Double$"):
        minigrad.allclose(minigrad.ones(2), minigrad.ones(2, dtype=minigrad.float64))
    with pytest.raises(RuntimeError, match=r"size of tensor a \(2\) must match the size of tensor "
                                           r"b \(3\) at non-singleton dimension 0"):
        minigrad.allclose(minigrad.ones(2), minigrad.ones(3))
