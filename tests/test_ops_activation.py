"""softmax and log_softmax: values, stability for large inputs, gradients, the implicit dim."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import assert_grads_match, assert_second_grads_match
from torch_parity import (
    assert_same_error,
    assert_same_grads,
    assert_same_second_grads,
    assert_same_tensor,
    both,
)

import minigrad

rng = np.random.default_rng(0)
X = rng.standard_normal((3, 4))
X3 = rng.standard_normal((2, 3, 4))

CASES = [
    ("softmax dim 1", lambda T, x, y: T.softmax(x, 1)),
    ("softmax dim 0", lambda T, x, y: T.softmax(x, dim=0)),
    ("softmax dim -1 of 3-D", lambda T, x, y: T.softmax(y, -1)),
    ("softmax dim 1 of 3-D", lambda T, x, y: y.softmax(1)),
    ("Tensor.softmax", lambda T, x, y: x.softmax(dim=1)),
    ("log_softmax dim 1", lambda T, x, y: T.log_softmax(x, 1)),
    ("log_softmax dim 0", lambda T, x, y: x.log_softmax(0)),
    ("log_softmax of 3-D", lambda T, x, y: T.log_softmax(y, dim=2)),
    ("softmax of large values", lambda T, x, y: T.softmax(x * 1000, 1)),
    ("log_softmax of large values", lambda T, x, y: T.log_softmax(x * 1000 + 500, 1)),
    ("softmax dtype", lambda T, x, y: T.softmax(x.float(), 1, dtype=T.float64)),
    ("log_softmax dtype", lambda T, x, y: x.float().log_softmax(1, dtype=T.float64)),
]


@pytest.mark.parametrize("fn", [f for _, f in CASES], ids=[i for i, _ in CASES])
def test_matches_torch(fn):
    assert_same_grads(fn, [X, X3])


@pytest.mark.parametrize("fn", [f for _, f in CASES if "dtype" not in _],
                         ids=[i for i, _ in CASES if "dtype" not in i])
def test_gradients_match_finite_differences(fn):
    assert_grads_match(lambda x, y: fn(minigrad, x, y), [X, X3])


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_large_inputs_do_not_overflow(op):
    x = minigrad.tensor([[1000.0, 0.0, -1000.0], [1000.0, 1000.0, 999.0]], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = getattr(minigrad, op)(x, 1)
        (y * minigrad.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])).sum().backward()
    assert np.isfinite(y.detach().numpy()).all() and np.isfinite(x.grad.numpy()).all()
    torch = pytest.importorskip("torch")
    expected = getattr(torch, op)(torch.tensor(x.detach().numpy()), 1)
    np.testing.assert_allclose(y.detach().numpy(), expected.numpy(), rtol=1e-6)


def test_infinities_give_torchs_values():
    for data in ([float("-inf"), 0.0], [float("-inf")] * 2, [float("inf"), 0.0], [0.0] * 0):
        for op in ("softmax", "log_softmax"):
            (ours, _), (theirs, _) = both(lambda T, x, f=op: getattr(T, f)(x, 0), [np.array(data)])
            np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4), (2, 3, 4, 2)])
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_implicit_dim_warns_and_picks_torchs_dim(shape, op):
    torch = pytest.importorskip("torch")
    data = rng.standard_normal(shape)
    with pytest.warns(UserWarning) as ours:
        result = getattr(minigrad, op)(minigrad.tensor(data))
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        expected = getattr(torch.nn.functional, op)(torch.tensor(data))
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs] == [
        f"Implicit dimension choice for {op} has been deprecated. Change the call to include "
        "dim=X as an argument."
    ]
    assert ours[0].filename == __file__
    np.testing.assert_allclose(result.numpy(), expected.numpy())


def test_0d_input():
    assert_same_grads(lambda T, s: T.softmax(s, 0), [np.array(2.0)])
    assert_same_grads(lambda T, s: s.log_softmax(-1), [np.array(2.0)])


def test_saved_result_and_reprs_match_torch():
    torch = pytest.importorskip("torch")
    data = [[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]
    for op in ("softmax", "log_softmax"):
        ours = getattr(minigrad, op)(minigrad.tensor(data, requires_grad=True), 1)
        theirs = getattr(torch, op)(torch.tensor(data, requires_grad=True), 1)
        assert repr(ours) == repr(theirs)
        assert repr(ours.grad_fn._saved_result) == repr(theirs.grad_fn._saved_result)


def test_cross_entropy_gradient_from_the_reference():
    """Section 10.1: the gradient of mean(-log_softmax[target]) is (softmax - onehot) / N."""
    x = minigrad.tensor([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]], requires_grad=True)
    onehot = minigrad.tensor([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    loss = -(minigrad.log_softmax(x, 1) * onehot).sum() / 2
    assert f"{loss.item():.4f}" == "0.7531"
    loss.backward()
    assert repr(x.grad) == (
        "tensor([[ 0.0450,  0.1224, -0.1674],\n        [-0.3333,  0.1667,  0.1667]])"
    )


SECOND_ORDER = [
    ("softmax", lambda T, x, y: T.softmax(x, 1) * x),
    ("log_softmax", lambda T, x, y: T.log_softmax(y, 0) * y),
]


@pytest.mark.parametrize("fn", [f for _, f in SECOND_ORDER], ids=[i for i, _ in SECOND_ORDER])
def test_second_derivatives_match_torch(fn):
    # PyTorch records its fused *BackwardDataBackward0 nodes; minigrad records the formula's
    # tensor ops, so only values are compared.
    assert_same_second_grads(fn, [X, X3], graphs=False)


@pytest.mark.parametrize("fn", [f for _, f in SECOND_ORDER], ids=[i for i, _ in SECOND_ORDER])
def test_second_derivatives_match_finite_differences(fn):
    assert_second_grads_match(fn, [X, X3], rng)


ERRORS = [
    ("softmax of integers", lambda T, x: T.softmax(x.long(), 1)),
    ("softmax of integers along dim 0", lambda T, x: T.softmax(x.long(), 0)),
    ("log_softmax of integers", lambda T, x: T.log_softmax(x.long(), -1)),
    ("log_softmax of bools along dim 0", lambda T, x: T.log_softmax(x > 0, 0)),
    ("dim out of range", lambda T, x: T.softmax(x, 2)),
]


@pytest.mark.parametrize("fn", [f for _, f in ERRORS], ids=[i for i, _ in ERRORS])
def test_errors_match_torch(fn):
    assert_same_error(fn, [X])


def test_integers_with_a_float_dtype_work():
    (ours, _), (theirs, _) = both(lambda T, x: T.softmax(x, 0, dtype=T.float64), [np.arange(3)])
    assert_same_tensor(ours, theirs)
