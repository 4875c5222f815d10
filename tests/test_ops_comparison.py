"""max/min (whole, or along a dim with indices), amax/amin, argmax/argmin, maximum/minimum.

Gradients at ties follow PyTorch (reference section 10.1): split evenly for
``max()``/``amax``, all to the returned index for ``max(dim)``, half and half for
``maximum``. Finite differences are only taken away from ties.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_grads_match, assert_second_grads_match
from torch_parity import (
    assert_same_error,
    assert_same_grads,
    assert_same_second_grads,
    both,
    graph,
)

import minigrad

rng = np.random.default_rng(0)
A = rng.standard_normal((3, 4))  # no ties
B = rng.standard_normal((4,))
TIES = np.array([[1.0, 3.0, 3.0, 0.0], [7.0, 2.0, 7.0, 7.0], [0.0, 0.0, 0.0, 0.0]])

CASES = [
    ("max", lambda T, a, b: a.max()),
    ("torch.min", lambda T, a, b: T.min(a)),
    ("max dim", lambda T, a, b: a.max(dim=1).values),
    ("max dim keepdim", lambda T, a, b: T.max(a, 0, keepdim=True)[0]),
    ("max negative dim", lambda T, a, b: a.max(-1).values),
    ("min dim", lambda T, a, b: a.min(1).values),
    ("min dim keepdim", lambda T, a, b: T.min(a, 1, True).values),
    ("amax", lambda T, a, b: a.amax(1)),
    ("amax of all", lambda T, a, b: T.amax(a)),
    ("amax of dims", lambda T, a, b: a.amax((0, 1))),
    ("amax keepdim", lambda T, a, b: a.amax(0, keepdim=True)),
    ("amin", lambda T, a, b: T.amin(a, -1)),
    ("maximum", lambda T, a, b: T.maximum(a, b)),
    ("minimum", lambda T, a, b: T.minimum(b, a)),
    ("max of two", lambda T, a, b: T.max(a, b)),
    ("Tensor.max of two", lambda T, a, b: b.max(a)),
    ("min of two", lambda T, a, b: T.min(a, b)),
]


@pytest.mark.parametrize("fn", [f for _, f in CASES], ids=[i for i, _ in CASES])
def test_matches_torch(fn):
    assert_same_grads(fn, [A, B])


@pytest.mark.parametrize("fn", [f for _, f in CASES], ids=[i for i, _ in CASES])
def test_ties_match_torch(fn):
    assert_same_grads(fn, [TIES, TIES[1]])


@pytest.mark.parametrize("fn", [f for _, f in CASES], ids=[i for i, _ in CASES])
def test_gradients_match_finite_differences(fn):
    assert_grads_match(lambda a, b: fn(minigrad, a, b), [A, B])


def test_the_reference_tie_conventions():
    """Section 10.1 of the reference."""
    x = minigrad.tensor([1.0, 3.0, 3.0], requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5]
    x = minigrad.tensor([1.0, 3.0, 3.0], requires_grad=True)
    x.amax().backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5]
    x = minigrad.tensor([[1.0, 3.0, 3.0]], requires_grad=True)
    x.max(dim=1).values.backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0]]
    a = minigrad.tensor([1.0, 2.0], requires_grad=True)
    b = minigrad.tensor([1.0, 1.0], requires_grad=True)
    minigrad.maximum(a, b).sum().backward()
    assert a.grad.tolist() == [0.5, 1.0] and b.grad.tolist() == [0.5, 0.0]


def test_max_along_a_dim_returns_torchs_named_tuple():
    torch = pytest.importorskip("torch")
    data = [[1.0, 5.0, 3.0], [7.0, 2.0, 7.0]]
    ours = minigrad.tensor(data, requires_grad=True).max(dim=1)
    theirs = torch.tensor(data, requires_grad=True).max(dim=1)
    assert repr(ours) == repr(theirs) == (
        "torch.return_types.max(\n"
        "values=tensor([5., 7.], grad_fn=<MaxBackward0>),\n"
        "indices=tensor([1, 0]))"
    )
    assert type(ours).__name__ == "max" and isinstance(ours, tuple) and len(ours) == 2
    values, indices = ours
    assert values is ours.values is ours[0] and indices is ours.indices is ours[1]
    assert indices.grad_fn is None and str(indices.dtype) == "torch.int64"
    assert graph(values) == graph(theirs.values)
    for keepdim in (False, True):
        for op in ("max", "min"):
            ours = getattr(minigrad.ones(2, 3, 2), op)(0, keepdim)
            theirs = getattr(torch.ones(2, 3, 2), op)(0, keepdim)
            assert repr(ours) == repr(theirs)


def test_0d_tensors_match_torch():
    for fn in [
        lambda T, s: s.max(),
        lambda T, s: s.max(0).values,
        lambda T, s: s.min(-1, keepdim=True).values,
        lambda T, s: s.amax(),
        lambda T, s: s.amax(0),
    ]:
        assert_same_grads(fn, [np.array(2.0)])


ARG_CASES = [
    ("argmax", lambda T, a: a.argmax()),
    ("argmax dim", lambda T, a: T.argmax(a, 1)),
    ("argmax keepdim", lambda T, a: a.argmax(dim=0, keepdim=True)),
    ("argmax keepdim without dim", lambda T, a: a.argmax(keepdim=True)),
    ("argmin", lambda T, a: T.argmin(a)),
    ("argmin dim", lambda T, a: a.argmin(-1)),
    ("max indices", lambda T, a: a.max(1).indices),
    ("min indices", lambda T, a: a.min(0, keepdim=True).indices),
    ("argmax of 0-d", lambda T, a: a.sum().argmax()),
    ("argmax of 0-d along a dim", lambda T, a: a.sum().argmax(0)),
]


@pytest.mark.parametrize("fn", [f for _, f in ARG_CASES], ids=[i for i, _ in ARG_CASES])
@pytest.mark.parametrize("data", [A, TIES], ids=["distinct", "ties"])
def test_positions_match_torch(fn, data):
    (ours, _), (theirs, _) = both(fn, [data])
    assert ours.tolist() == theirs.tolist()
    assert str(ours.dtype) == str(theirs.dtype) == "torch.int64"
    assert ours.grad_fn is None and not ours.requires_grad


def test_nan_wins_as_in_torch():
    nan = float("nan")
    data = np.array([1.0, nan, nan, 2.0])
    for fn in [
        lambda T, a: a.max(),
        lambda T, a: a.amin(),
        lambda T, a: a.max(0).values,
        lambda T, a: T.maximum(a, a[[3, 2, 1, 0]]),
    ]:
        (ours, (a,)), (theirs, (ta,)) = both(fn, [data])
        np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
        ours.sum().backward()
        theirs.sum().backward()
        np.testing.assert_array_equal(a.grad.numpy(), ta.grad.numpy())
    (ours, _), (theirs, _) = both(lambda T, a: a.argmax(), [data])
    assert ours.item() == theirs.item()


def test_dtype_promotion_of_maximum_matches_torch():
    torch = pytest.importorskip("torch")
    for lib_pair in [("int64", "float32"), ("float32", "float64"), ("int32", "int64")]:
        ours = minigrad.maximum(*(minigrad.ones(2, dtype=getattr(minigrad, d)) for d in lib_pair))
        theirs = torch.maximum(*(torch.ones(2, dtype=getattr(torch, d)) for d in lib_pair))
        assert str(ours.dtype) == str(theirs.dtype)


SECOND_ORDER = [
    ("max", lambda T, a, b: a.max() * a),
    ("max dim", lambda T, a, b: a.max(1).values * a.min(1).values),
    ("amax", lambda T, a, b: a.amax(0) * b),
    ("maximum", lambda T, a, b: T.maximum(a, b) * T.minimum(a, b)),
]
# PyTorch's C++ formulas for these two use ops minigrad lacks (masked_fill_ with a tensor
# value, division by a number), so only their values are compared, not their graphs.
OTHER_FORMULAS = {"max", "maximum"}


@pytest.mark.parametrize("name, fn", SECOND_ORDER, ids=[i for i, _ in SECOND_ORDER])
def test_second_derivatives_match_torch(name, fn):
    assert_same_second_grads(fn, [A, B], graphs=name not in OTHER_FORMULAS)


@pytest.mark.parametrize("fn", [f for _, f in SECOND_ORDER], ids=[i for i, _ in SECOND_ORDER])
def test_second_derivatives_match_finite_differences(fn):
    assert_second_grads_match(fn, [A, B], rng)


ERRORS = [
    ("max of empty", lambda T, a: T.ones(0).max()),
    ("min of empty", lambda T, a: T.zeros(2, 0).min()),
    ("max along an empty dim", lambda T, a: T.zeros(0, 3).max(0)),
    ("min along an empty dim", lambda T, a: T.zeros(3, 0).min(1)),
    ("amax of empty", lambda T, a: T.ones(0).amax()),
    ("amax along an empty dim", lambda T, a: T.zeros(0, 3).amax(0)),
    ("argmax of empty", lambda T, a: T.ones(0).argmax()),
    ("argmin along an empty dim", lambda T, a: T.zeros(0, 3).argmin(0)),
    ("max dim out of range", lambda T, a: a.max(2)),
    ("argmax dim out of range", lambda T, a: a.argmax(-3)),
    ("maximum of a number", lambda T, a: T.maximum(a, 2)),
    ("minimum of a number", lambda T, a: a.minimum(2.5)),
    ("maximum shapes", lambda T, a: T.maximum(a, T.ones(3))),
]


@pytest.mark.parametrize("fn", [f for _, f in ERRORS], ids=[i for i, _ in ERRORS])
def test_errors_match_torch(fn):
    assert_same_error(fn, [A])


def test_empty_slices_along_another_dim_are_fine():
    torch = pytest.importorskip("torch")
    assert repr(minigrad.zeros(0, 3).max(1)) == repr(torch.zeros(0, 3).max(1))
