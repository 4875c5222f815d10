"""Joining and splitting: cat, stack, unbind, split, chunk.

Each case runs with minigrad and PyTorch (values, graphs, gradients, errors) and
against finite differences; split and unbind are several outputs of one node.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_grads_match
from torch_parity import (
    assert_same_error,
    assert_same_grads,
    assert_same_second_grads,
    both,
    graph,
)

import minigrad

rng = np.random.default_rng(0)
A, B, C = rng.standard_normal((2, 3)), rng.standard_normal((2, 3)), rng.standard_normal((4, 3))

CASES = [
    ("cat dim 0", lambda T, a, b, c: T.cat([a, c, b])),
    ("cat dim 1", lambda T, a, b, c: T.cat((a, b, a), dim=1)),
    ("cat dim -1", lambda T, a, b, c: T.cat([a, b], -1)),
    ("cat with a constant", lambda T, a, b, c: T.cat([a, T.ones(1, 3, dtype=T.float64)])),
    ("cat skips a legacy empty", lambda T, a, b, c: T.cat([a, T.tensor([]), b])),
    ("cat of one", lambda T, a, b, c: T.cat([c])),
    ("stack", lambda T, a, b, c: T.stack([a, b, a])),
    ("stack dim 1", lambda T, a, b, c: T.stack((a, b), 1)),
    ("stack dim -1", lambda T, a, b, c: T.stack([a, b], dim=-1)),
    ("unbind one output", lambda T, a, b, c: c.unbind()[2]),
    ("unbind dim 1", lambda T, a, b, c: T.stack(T.unbind(a, 1)[::-1])),
    ("unbind two outputs", lambda T, a, b, c: c.unbind(0)[1] * c.unbind(0)[3]),
    ("split", lambda T, a, b, c: c.split(3)[1]),
    ("split dim 1", lambda T, a, b, c: T.cat(T.split(a, 2, 1)[::-1], 1)),
    ("split sizes", lambda T, a, b, c: c.split([1, 3])[1]),
    ("split sizes with zero", lambda T, a, b, c: T.split(c, [2, 0, 2])[2]),
    ("split larger than the dim", lambda T, a, b, c: c.split(10)[0]),
    ("chunk", lambda T, a, b, c: c.chunk(3)[1]),
    ("chunk dim 1", lambda T, a, b, c: T.chunk(a, 2, dim=1)[1]),
    ("chunk more than the size", lambda T, a, b, c: a.chunk(5)[1]),
]


@pytest.mark.parametrize("fn", [f for _, f in CASES], ids=[i for i, _ in CASES])
def test_matches_torch(fn):
    assert_same_grads(fn, [A, B, C])


@pytest.mark.parametrize("fn", [f for _, f in CASES], ids=[i for i, _ in CASES])
def test_gradients_match_finite_differences(fn):
    assert_grads_match(lambda a, b, c: fn(minigrad, a, b, c), [A, B, C])


PIECES = [
    ("unbind", lambda T, c: c.unbind()),
    ("unbind dim 1", lambda T, c: T.unbind(c, dim=1)),
    ("split", lambda T, c: c.split(3)),
    ("split sizes", lambda T, c: T.split(c, [1, 3])),
    ("chunk", lambda T, c: c.chunk(2, 1)),
    ("chunk of 6 into 4", lambda T, c: T.chunk(c.reshape(12)[:6], 4)),
]


@pytest.mark.parametrize("fn", [f for _, f in PIECES], ids=[i for i, _ in PIECES])
def test_pieces_are_views_of_one_node_as_in_torch(fn):
    torch = pytest.importorskip("torch")
    ones = np.ones((4, 3))
    (ours, (c,)), (theirs, (tc,)) = both(fn, [ones])
    assert [graph(p) for p in ours] == [graph(p) for p in theirs]
    assert [p._output_nr for p in ours] == [p.output_nr for p in theirs]
    assert [p._is_view() for p in ours] == [p._is_view() for p in theirs]
    assert all(p.grad_fn is ours[0].grad_fn for p in ours)
    assert all(p._version_counter is c._version_counter for p in ours)
    # float32, as printed by default
    assert repr(fn(minigrad, minigrad.ones(4, 3, requires_grad=True))) == repr(
        fn(torch, torch.ones(4, 3, requires_grad=True))
    )


def test_reprs_match_torch():
    torch = pytest.importorskip("torch")

    def joined(lib):
        return [
            lib.cat([lib.ones(2, requires_grad=True), lib.zeros(1)]),
            lib.stack([lib.ones(2, requires_grad=True), lib.zeros(2)], 1),
        ]

    assert [repr(r) for r in joined(minigrad)] == [repr(r) for r in joined(torch)]


def test_dtypes_are_promoted_as_in_torch():
    torch = pytest.importorskip("torch")
    for dtypes in [("int64", "float32"), ("float32", "float64"), ("bool", "int64")]:
        for op in ("cat", "stack"):
            ours, theirs = (
                getattr(lib, op)([lib.ones(2, dtype=getattr(lib, d)) for d in dtypes])
                for lib in (minigrad, torch)
            )
            assert str(ours.dtype) == str(theirs.dtype)


def test_unused_pieces_get_zero_gradient():
    c = minigrad.tensor(C, requires_grad=True)
    c.split(1)[2].sum().backward()
    expected = np.zeros_like(C)
    expected[2] = 1
    assert (c.grad.numpy() == expected).all()


SECOND_ORDER = [
    ("cat", lambda T, a, b, c: T.cat([a, b], 1) * T.cat([b, a], 1)),
    ("stack", lambda T, a, b, c: T.stack([a, b]) * T.stack([b, a])),
    ("unbind", lambda T, a, b, c: c.unbind()[0] * c.unbind()[3]),
    ("split", lambda T, a, b, c: c.split(2)[0] * c.split(2)[1]),
    ("chunk", lambda T, a, b, c: T.chunk(c, 4)[1] * T.chunk(c, 4)[2]),
]


@pytest.mark.parametrize("fn", [f for _, f in SECOND_ORDER], ids=[i for i, _ in SECOND_ORDER])
def test_second_derivatives_match_torch(fn):
    assert_same_second_grads(fn, [A, B, C])


ERRORS = [
    ("cat sizes", lambda T, a, b, c: T.cat([a, T.ones(2, 4)])),
    ("cat sizes dim 1", lambda T, a, b, c: T.cat([a, c], 1)),
    ("cat dims", lambda T, a, b, c: T.cat([a, T.ones(3)])),
    ("cat nothing", lambda T, a, b, c: T.cat([])),
    ("cat dim out of range", lambda T, a, b, c: T.cat([a, b], 2)),
    ("cat 0-d", lambda T, a, b, c: T.cat([a.sum(), b.sum()])),
    ("cat a tensor", lambda T, a, b, c: T.cat(a)),
    ("stack sizes", lambda T, a, b, c: T.stack([a, c])),
    ("stack nothing", lambda T, a, b, c: T.stack([])),
    ("stack dim out of range", lambda T, a, b, c: T.stack([a, b], 3)),
    ("stack a tensor", lambda T, a, b, c: T.stack(a)),
    ("unbind 0-d", lambda T, a, b, c: a.sum().unbind()),
    ("unbind dim out of range", lambda T, a, b, c: a.unbind(2)),
    ("split sizes do not add up", lambda T, a, b, c: a.split([1, 1], 1)),
    ("split by zero", lambda T, a, b, c: a.split(0)),
    ("split by a negative", lambda T, a, b, c: a.split(-1)),
    ("split 0-d", lambda T, a, b, c: a.sum().split(1)),
    ("chunk zero", lambda T, a, b, c: a.chunk(0)),
]


@pytest.mark.parametrize("fn", [f for _, f in ERRORS], ids=[i for i, _ in ERRORS])
def test_errors_match_torch(fn):
    assert_same_error(fn, [A, B, C])


INPLACE_ON_PIECES = [
    ("unbind", lambda T, y: y.unbind()[0].add_(1)),
    ("split", lambda T, y: y.split(1)[1].mul_(2)),
    ("chunk", lambda T, y: y.chunk(2)[0].zero_()),
]


@pytest.mark.parametrize(
    "fn", [f for _, f in INPLACE_ON_PIECES], ids=[i for i, _ in INPLACE_ON_PIECES]
)
def test_pieces_refuse_in_place_changes_as_in_torch(fn):
    """One node made all the pieces, so autograd cannot rewrite the graph for one of them."""
    assert_same_error(lambda T, a: fn(T, a * 1), [A])


def test_pieces_made_without_grad_can_change_in_place():
    for lib in (minigrad, pytest.importorskip("torch")):
        a = lib.ones(2, 3, requires_grad=True)
        with lib.no_grad():
            pieces = (a * 1).unbind()
            pieces[0].add_(1)
        assert pieces[0].tolist() == [2.0, 2.0, 2.0]
