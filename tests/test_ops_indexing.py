"""Indexing (``a[...]``, select, narrow, index_select, gather, masked_select).

Every case runs with minigrad and with PyTorch (values, grad_fn chains, views,
gradients); every gradient is also checked against finite differences.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import assert_grads_match
from torch_parity import (
    assert_same_error,
    assert_same_grads,
    assert_same_second_grads,
    both,
    graph,
    tensors,
)

import minigrad

A = np.random.default_rng(0).standard_normal((2, 3, 4))
MASK_2x3 = np.array([[True, False, True], [False, False, True]])
MASK_3x4 = np.arange(12).reshape(3, 4) % 3 == 0

# (id, fn(lib, a)) with a of shape (2, 3, 4)
GETITEM = [
    ("int", lambda T, a: a[0]),
    ("two ints", lambda T, a: a[0, 1]),
    ("three ints", lambda T, a: a[0, 1, 2]),
    ("colon int", lambda T, a: a[:, 1]),
    ("ellipsis int", lambda T, a: a[..., 0]),
    ("slice", lambda T, a: a[:, 1:]),
    ("none", lambda T, a: a[None]),
    ("colon none", lambda T, a: a[:, None]),
    ("int colon int", lambda T, a: a[0, :, 1]),
    ("slice int", lambda T, a: a[1:, 0]),
    ("int slice", lambda T, a: a[0, 1:]),
    ("step", lambda T, a: a[::2]),
    ("steps and bounds", lambda T, a: a[:, ::2, 1:3]),
    ("lone full slice", lambda T, a: a[:]),
    ("full slices", lambda T, a: a[:, :]),
    ("full explicit bounds", lambda T, a: a[0:2, 0:3]),
    ("ellipsis", lambda T, a: a[...]),
    ("empty tuple", lambda T, a: a[()]),
    ("negative", lambda T, a: a[-1]),
    ("none int", lambda T, a: a[None, 0]),
    ("int none", lambda T, a: a[0, None]),
    ("ellipsis none", lambda T, a: a[..., None]),
    ("chained", lambda T, a: a[0][1]),
    ("beyond the end", lambda T, a: a[1:100]),
    ("empty slice", lambda T, a: a[:, 3:1]),
    ("negative bounds", lambda T, a: a[:, -2:-1]),
    ("mixed basic", lambda T, a: a[0, ..., None, 1]),
    ("two ellipses", lambda T, a: a[..., 0, ...]),
    ("0-d int tensor", lambda T, a: a[T.tensor(1)]),
    ("numpy int", lambda T, a: a[np.int64(1)]),
    ("list", lambda T, a: a[[1, 0]]),
    ("repeated list", lambda T, a: a[[0, 0, 1]]),
    ("colon list", lambda T, a: a[:, [0, 2, 2]]),
    ("int list", lambda T, a: a[0, [0, 2]]),
    ("two lists", lambda T, a: a[[0, 1], [1, 2]]),
    ("repeated pairs", lambda T, a: a[[0, 0], [1, 1]]),
    ("separated lists", lambda T, a: a[[0, 1], :, [1, 2]]),
    ("adjacent lists", lambda T, a: a[:, [0, 1], [0, 3]]),
    ("list slice list", lambda T, a: a[[0, 1], 1:, [0, 1]]),
    ("broadcast lists", lambda T, a: a[[0], [[0], [1]]]),
    ("slice list", lambda T, a: a[1:, [0, 2]]),
    ("list colon int", lambda T, a: a[[0, 1], :, 0]),
    ("none list", lambda T, a: a[None, [0, 1]]),
    ("empty list", lambda T, a: a[[]]),
    ("long tensor", lambda T, a: a[T.tensor([1, 0, 1])]),
    ("2-d long tensor", lambda T, a: a[T.tensor([[0, 1], [1, 1]])]),
    ("int32 tensor", lambda T, a: a[T.tensor([1, 0], dtype=T.int32)]),
    ("numpy array", lambda T, a: a[np.array([1, 0])]),
    ("2-d numpy array", lambda T, a: a[np.array([[0, 1], [1, 0]])]),
    ("value mask", lambda T, a: a[a > 0]),
    ("2-d mask", lambda T, a: a[T.tensor(MASK_2x3)]),
    ("2-d mask then int", lambda T, a: a[T.tensor(MASK_2x3), 0]),
    ("int then 2-d mask", lambda T, a: a[0, T.tensor(MASK_3x4)]),
    ("colon mask", lambda T, a: a[:, T.tensor([True, False, True])]),
    ("ellipsis mask", lambda T, a: a[..., T.tensor([True, False, False, True])]),
    ("numpy mask", lambda T, a: a[np.array([False, True])]),
    ("bool list", lambda T, a: a[[True, False]]),
    ("true", lambda T, a: a[True]),
    ("false", lambda T, a: a[False]),
    ("colon true", lambda T, a: a[:, True]),
    ("0-d bool tensor", lambda T, a: a[T.tensor(True)]),
]


@pytest.mark.parametrize("fn", [f for _, f in GETITEM], ids=[i for i, _ in GETITEM])
def test_getitem_gradients_match_finite_differences(fn):
    assert_grads_match(lambda a: fn(minigrad, a), [A])


@pytest.mark.parametrize("fn", [f for _, f in GETITEM], ids=[i for i, _ in GETITEM])
def test_getitem_matches_torch(fn):
    """Values, the grad_fn chain (names and next_functions), gradients, and views."""
    assert_same_grads(fn, [A])


@pytest.mark.parametrize("fn", [f for _, f in GETITEM], ids=[i for i, _ in GETITEM])
def test_getitem_views_match_torch(fn):
    (ours, (a,)), (theirs, (ta,)) = both(fn, [A])
    assert ours._is_view() == theirs._is_view()
    assert (ours._base is a) == (theirs._base is ta)


def test_basic_indexing_shares_storage_and_version_counter():
    a = minigrad.tensor(A.copy())
    row = a[0, 1:]
    assert row._base is a and row._version_counter is a._version_counter
    assert np.shares_memory(row._data, a._data)
    picked = a[[0, 0]]
    assert picked._base is None and not np.shares_memory(picked._data, a._data)


def test_repeated_indices_accumulate():
    a = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a[[0, 0, 2, 0]].sum().backward()
    assert a.grad.tolist() == [3.0, 0.0, 1.0]


SCALAR_CASES = [
    ("none", lambda T, s: s[None]),
    ("two nones", lambda T, s: s[None, None]),
    ("ellipsis", lambda T, s: s[...]),
    ("true", lambda T, s: s[True]),
    ("false", lambda T, s: s[False]),
    ("own mask", lambda T, s: s[s > 0]),
]


@pytest.mark.parametrize("fn", [f for _, f in SCALAR_CASES], ids=[i for i, _ in SCALAR_CASES])
def test_indexing_a_0d_tensor_matches_torch(fn):
    assert_same_grads(fn, [np.array(3.0)])
    assert_grads_match(lambda s: fn(minigrad, s), [np.array(3.0)])


OPS = [
    ("select", lambda T, a: a.select(1, -1)),
    ("torch.select", lambda T, a: T.select(a, 0, 1)),
    ("narrow", lambda T, a: a.narrow(2, 1, 2)),
    ("narrow negative start", lambda T, a: a.narrow(1, -2, 2)),
    ("narrow tensor start", lambda T, a: T.narrow(a, 0, T.tensor(1), 1)),
    ("index_select", lambda T, a: a.index_select(1, T.tensor([2, 0, 2]))),
    ("index_select 0-d index", lambda T, a: T.index_select(a, 2, T.tensor(3))),
    ("gather", lambda T, a: a.gather(2, T.tensor([[[0, 0, 3]] * 3] * 2))),
    ("gather smaller index", lambda T, a: T.gather(a, 1, T.tensor([[[2, 0]], [[1, 1]]]))),
    ("masked_select", lambda T, a: a.masked_select(a > 0.5)),
    ("masked_select broadcast mask", lambda T, a: T.masked_select(a, T.tensor([True, False] * 2))),
]


@pytest.mark.parametrize("fn", [f for _, f in OPS], ids=[i for i, _ in OPS])
def test_indexing_ops_match_torch_and_finite_differences(fn):
    assert_same_grads(fn, [A])
    assert_grads_match(lambda a: fn(minigrad, a), [A])


def test_masked_select_broadcasts_its_input():
    mask = np.array([[True, False, True], [False, False, True]])

    def fn(T, v):
        return v.masked_select(T.tensor(mask))

    assert_same_grads(fn, [np.array([1.0, 2.0, 3.0])])
    assert_grads_match(lambda v: fn(minigrad, v), [np.array([1.0, 2.0, 3.0])])


def test_gather_of_a_0d_tensor():
    def fn(T, s):
        return s.gather(0, T.tensor(0))

    assert_same_grads(fn, [np.array(3.0)])


SECOND_ORDER = [
    ("select", lambda T, a: a[0] * a[1]),
    ("slice", lambda T, a: a[:, 1:] * a[:, :-1]),
    ("index", lambda T, a: a[[0, 0, 1]] * a[[1, 0, 0]]),
    ("mask", lambda T, a: a[a > 0] * a[a > 0]),
    ("gather", lambda T, a: a.gather(2, T.tensor([[[0, 3, 3]] * 3] * 2)) * a[..., :3]),
    ("index_select", lambda T, a: a.index_select(2, T.tensor([1, 1])) * a[..., 2:]),
    ("masked_select", lambda T, a: a.masked_select(a > 0) * a.masked_select(a > 0)),
]


@pytest.mark.parametrize("fn", [f for _, f in SECOND_ORDER], ids=[i for i, _ in SECOND_ORDER])
def test_second_derivatives_match_torch(fn):
    """The backward of indexing is itself differentiable, with PyTorch's node names."""
    assert_same_second_grads(fn, [A])


@pytest.mark.parametrize("fn", [f for _, f in SECOND_ORDER], ids=[i for i, _ in SECOND_ORDER])
def test_second_derivatives_match_finite_differences(fn):
    weights = minigrad.tensor(np.random.default_rng(1).standard_normal(A.shape))

    def first_derivative(a):
        a.requires_grad_()
        (g,) = minigrad.autograd.grad(fn(minigrad, a).sum(), a, create_graph=True)
        return g * weights

    assert_grads_match(first_derivative, [A])


def test_third_derivative_goes_through_indexing_again():
    x = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x[[0, 0, 2]] ** 4).sum()
    (g,) = minigrad.autograd.grad(y, x, create_graph=True)
    (h,) = minigrad.autograd.grad(g.sum(), x, create_graph=True)
    (k,) = minigrad.autograd.grad(h.sum(), x)
    assert k.tolist() == [48.0, 0.0, 72.0]  # 24 * x per use: 2 uses of x[0], 1 of x[2]


ERRORS = [
    ("int out of range", lambda T, a: a[5]),
    ("negative out of range", lambda T, a: a[-3]),
    ("second dim out of range", lambda T, a: a[:, 3]),
    ("too many", lambda T, a: a[0, 0, 0, 0]),
    ("list out of range", lambda T, a: a[[0, 5]]),
    ("negative list out of range", lambda T, a: a[[0, -5]]),
    ("mask shape", lambda T, a: a[T.ones(3, dtype=T.bool)]),
    ("mask shape at dim 1", lambda T, a: a[:, T.ones(2, dtype=T.bool)]),
    ("float", lambda T, a: a[1.5]),
    ("float tensor", lambda T, a: a[T.tensor(1.0)]),
    ("dict", lambda T, a: a[{}]),
    ("zero step", lambda T, a: a[::0]),
    ("negative step", lambda T, a: a[::-1]),
    ("lists do not broadcast", lambda T, a: a[[0, 1], [0, 1, 2]]),
    ("int of 0-d", lambda T, a: a.sum()[0]),
    ("slice of 0-d", lambda T, a: a.sum()[:]),
    ("two ints of 0-d", lambda T, a: a.sum()[0, 0]),
    ("select out of range", lambda T, a: a.select(1, 3)),
    ("select dim out of range", lambda T, a: a.select(3, 0)),
    ("select of 0-d", lambda T, a: a.sum().select(0, 0)),
    ("narrow too long", lambda T, a: a.narrow(1, 2, 2)),
    ("narrow negative length", lambda T, a: a.narrow(1, 0, -1)),
    ("narrow start out of range", lambda T, a: a.narrow(1, 4, 0)),
    ("narrow of 0-d", lambda T, a: a.sum().narrow(0, 0, 1)),
    ("gather float index", lambda T, a: a.gather(1, T.zeros(2, 1, 4))),
    ("gather index out of range", lambda T, a: a.gather(1, T.full((2, 1, 4), 3))),
    ("gather negative index", lambda T, a: a.gather(2, T.tensor([[[-1]]]))),
    ("gather index dims", lambda T, a: a.gather(1, T.zeros(2, 1, dtype=T.long))),
    ("gather index too big", lambda T, a: a.gather(1, T.zeros(3, 1, 4, dtype=T.long))),
    ("index_select matrix", lambda T, a: a.index_select(1, T.tensor([[0]]))),
    ("index_select float", lambda T, a: a.index_select(1, T.tensor([0.0]))),
    ("index_select out of range", lambda T, a: a.index_select(1, T.tensor([3]))),
    ("index_select negative", lambda T, a: a.index_select(2, T.tensor([-1]))),
    ("index_select list", lambda T, a: a.index_select(1, [0])),
    ("masked_select float mask", lambda T, a: a.masked_select(T.ones(3))),
    ("masked_select shapes", lambda T, a: a.masked_select(T.ones(5, dtype=T.bool))),
]


@pytest.mark.parametrize("fn", [f for _, f in ERRORS], ids=[i for i, _ in ERRORS])
def test_errors_match_torch(fn):
    assert_same_error(fn, [A])


def test_a_list_holding_slices_is_read_as_a_tuple_with_torchs_warning():
    torch = pytest.importorskip("torch")
    (a,), (ta,) = tensors(minigrad, [A]), tensors(torch, [A])
    with pytest.warns(UserWarning) as ours:
        out = a[[0, slice(None)]]
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        expected = ta[[0, slice(None)]]
    assert str(theirs[0].message).startswith(str(ours[0].message))
    assert ours[0].filename == __file__
    assert graph(out) == graph(expected) == "SelectBackward0(Acc)"


def test_iterating_unbinds_as_in_torch():
    torch = pytest.importorskip("torch")
    (a,), (ta,) = tensors(minigrad, [A]), tensors(torch, [A])
    assert [graph(r) for r in a] == [graph(r) for r in ta]


def test_no_graph_without_grad():
    a = minigrad.tensor(A)
    with minigrad.no_grad():
        b = minigrad.tensor(A, requires_grad=True)[[0, 1]]
    assert a[0].grad_fn is None and a[[0, 1]].grad_fn is None and b.grad_fn is None
