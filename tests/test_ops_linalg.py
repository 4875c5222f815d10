"""Matrix products: mm, mv, dot, bmm, addmm, and matmul's dispatch (``@``).

``matmul`` must build PyTorch's graph for every combination of dimensions, so the
cases compare whole grad_fn chains with torch, besides values and gradients.
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


def arrays(*shapes: tuple[int, ...]) -> list[np.ndarray]:
    return [rng.standard_normal(s) for s in shapes]


# (id, input shapes, fn(lib, *tensors))
CASES = [
    ("mm", [(2, 3), (3, 4)], lambda T, a, m: T.mm(a, m)),
    ("Tensor.mm", [(2, 3), (3, 4)], lambda T, a, m: a.mm(m)),
    ("2-D @ 2-D", [(2, 3), (3, 4)], lambda T, a, m: a @ m),
    ("matmul 2-D", [(2, 3), (3, 4)], lambda T, a, m: T.matmul(a, m)),
    ("mm with a constant", [(2, 3), (3, 4)], lambda T, a, m: a @ m.detach()),
    ("mv", [(2, 3), (3,)], lambda T, a, v: T.mv(a, v)),
    ("2-D @ 1-D", [(2, 3), (3,)], lambda T, a, v: a @ v),
    ("dot", [(3,), (3,)], lambda T, v, w: T.dot(v, w)),
    ("1-D @ 1-D", [(3,), (3,)], lambda T, v, w: v @ w),
    ("1-D @ 2-D", [(3,), (3, 4)], lambda T, v, m: v @ m),
    ("constant 1-D @ 2-D", [(3,), (3, 4)], lambda T, v, m: v.detach() @ m),
    ("bmm", [(5, 2, 3), (5, 3, 4)], lambda T, b, c: T.bmm(b, c)),
    ("3-D @ 3-D", [(5, 2, 3), (5, 3, 4)], lambda T, b, c: b @ c),
    ("3-D @ 2-D", [(5, 2, 3), (3, 4)], lambda T, b, m: b @ m),
    ("3-D @ constant 2-D", [(5, 2, 3), (3, 4)], lambda T, b, m: b @ m.detach()),
    ("3-D @ 1-D", [(5, 2, 3), (3,)], lambda T, b, v: b @ v),
    ("3-D @ constant 1-D", [(5, 2, 3), (3,)], lambda T, b, v: b @ v.detach()),
    ("2-D @ 3-D", [(2, 3), (5, 3, 4)], lambda T, m, b: m @ b),
    ("constant 2-D @ 3-D", [(2, 3), (5, 3, 4)], lambda T, m, b: m.detach() @ b),
    ("1-D @ 3-D", [(3,), (5, 3, 4)], lambda T, v, b: v @ b),
    ("constant 1-D @ 3-D", [(3,), (5, 3, 4)], lambda T, v, b: v.detach() @ b),
    ("broadcast batch of 1 @ 3-D", [(1, 2, 3), (5, 3, 4)], lambda T, b, c: b @ c),
    ("constant batch of 1 @ 3-D", [(1, 2, 3), (5, 3, 4)], lambda T, b, c: b.detach() @ c),
    ("3-D @ batch of 1", [(5, 2, 3), (1, 3, 4)], lambda T, b, c: b @ c),
    ("4-D @ 4-D", [(2, 5, 2, 3), (2, 5, 3, 4)], lambda T, b, c: b @ c),
    ("4-D @ 3-D broadcast", [(2, 1, 2, 3), (5, 3, 4)], lambda T, b, c: b @ c),
    ("4-D @ 2-D", [(2, 5, 2, 3), (3, 4)], lambda T, b, m: T.matmul(b, m)),
    ("addmm", [(4,), (2, 3), (3, 4)], lambda T, x, a, m: T.addmm(x, a, m)),
    ("addmm matrix input", [(2, 4), (2, 3), (3, 4)], lambda T, x, a, m: T.addmm(x, a, m)),
    ("addmm column input", [(2, 1), (2, 3), (3, 4)], lambda T, x, a, m: x.addmm(a, m)),
    (
        "addmm beta alpha",
        [(4,), (2, 3), (3, 4)],
        lambda T, x, a, m: T.addmm(x, a, m, beta=0.5, alpha=-2),
    ),
    ("addmm beta 0", [(4,), (2, 3), (3, 4)], lambda T, x, a, m: T.addmm(x, a, m, beta=0)),
]


@pytest.mark.parametrize(("shapes", "fn"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_matches_torch(shapes, fn):
    """Values, the whole grad_fn graph, and gradients."""
    assert_same_grads(fn, arrays(*shapes))


# A detached ("constant") input has no gradient, but its finite difference is not zero.
DIFFERENTIABLE = [c for c in CASES if "constant" not in c[0]]


@pytest.mark.parametrize(
    ("shapes", "fn"), [c[1:] for c in DIFFERENTIABLE], ids=[c[0] for c in DIFFERENTIABLE]
)
def test_gradients_match_finite_differences(shapes, fn):
    assert_grads_match(lambda *ts: fn(minigrad, *ts), arrays(*shapes))


NON_CONTIGUOUS = [
    ("transposed batch @ 2-D", [(5, 3, 2), (3, 4)], lambda T, b, m: b.mT @ m),
    ("transposed batch @ constant 2-D", [(5, 3, 2), (3, 4)], lambda T, b, m: b.mT @ m.detach()),
    ("transposed batch @ constant 1-D", [(5, 3, 2), (3,)], lambda T, b, v: b.mT @ v.detach()),
]


@pytest.mark.parametrize(
    ("shapes", "fn"), [c[1:] for c in NON_CONTIGUOUS], ids=[c[0] for c in NON_CONTIGUOUS]
)
def test_non_contiguous_inputs_match_torch(shapes, fn):
    assert_same_grads(fn, arrays(*shapes))


def test_non_contiguous_gradients_match_finite_differences():
    assert_grads_match(lambda b, m: b.mT @ m, arrays((5, 3, 2), (3, 4)))
    assert_grads_match(lambda b, v: b.mT @ v, arrays((5, 3, 2), (3,)))


def test_the_catalogue_chains():
    """Section 1.4 of the reference, verbatim."""
    v, m = minigrad.ones(3, requires_grad=True), minigrad.ones(3, 4, requires_grad=True)
    b, b2 = minigrad.ones(5, 2, 3, requires_grad=True), minigrad.ones(5, 3, 4, requires_grad=True)
    assert graph(v @ m) == "SqueezeBackward4(MmBackward0(UnsqueezeBackward0(Acc), Acc))"
    assert graph(b @ b2) == (
        "UnsafeViewBackward0(BmmBackward0(ViewBackward0(ExpandBackward0(Acc)), "
        "ViewBackward0(ExpandBackward0(Acc))))"
    )
    assert graph(b @ m) == "UnsafeViewBackward0(MmBackward0(ViewBackward0(Acc), Acc))"


def test_the_tutorial_mm():
    """Section 13 of the reference: printed result and gradients."""
    x = minigrad.tensor([[2.0, 1.0]], requires_grad=True)
    y = minigrad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    z = minigrad.mm(x, y)
    assert f"z:{z}" == "z:tensor([[5., 8.]], grad_fn=<MmBackward0>)"
    z.backward(minigrad.Tensor([[1.0, 0]]), retain_graph=True)
    assert f"x.grad: {x.grad}" == "x.grad: tensor([[1., 3.]])"
    assert f"y.grad: {y.grad}" == "y.grad: tensor([[2., 0.],\n        [1., 0.]])"


def test_reprs_match_torch():
    torch = pytest.importorskip("torch")
    for lib_results in [
        [lib.ones(2, 2, requires_grad=True) @ lib.ones(2, 3, requires_grad=True)
         for lib in (minigrad, torch)],
        [lib.arange(6).reshape(2, 3) @ lib.arange(3) for lib in (minigrad, torch)],
        [lib.ones(3, requires_grad=True) @ lib.ones(3) for lib in (minigrad, torch)],
    ]:
        ours, theirs = lib_results
        assert repr(ours) == repr(theirs)


def test_saved_factors_as_in_torch():
    """A factor is kept only for the other factor's gradient."""
    a = minigrad.ones(2, 3, requires_grad=True)
    m = minigrad.ones(3, 4)
    node = (a @ m).grad_fn
    assert node._saved_mat2 is m and node._saved_self is None
    node = (a @ m.requires_grad_()).grad_fn
    assert node._saved_self is a and node._saved_mat2 is m


SECOND_ORDER = [
    ("mm", [(2, 3), (3, 4)], lambda T, a, m: (a @ m) * (a @ m)),
    ("mv", [(2, 3), (3,)], lambda T, a, v: (a @ v) * (a @ v)),
    ("dot", [(3,), (3,)], lambda T, v, w: v.dot(w) * v.dot(w)),
    ("bmm", [(5, 2, 3), (5, 3, 4)], lambda T, b, c: b.bmm(c) * b.bmm(c)),
    (
        "addmm",
        [(4,), (2, 3), (3, 4)],
        lambda T, x, a, m: T.addmm(x, a, m, beta=2, alpha=3) * T.addmm(x, a, m),
    ),
    ("1-D @ 2-D", [(3,), (3, 4)], lambda T, v, m: (v @ m) * (v @ m)),
]


@pytest.mark.parametrize(
    ("shapes", "fn"), [c[1:] for c in SECOND_ORDER], ids=[c[0] for c in SECOND_ORDER]
)
def test_second_derivatives_match_torch(shapes, fn):
    assert_same_second_grads(fn, arrays(*shapes))


def test_no_gradient_work_for_inputs_that_need_none():
    a = minigrad.ones(2, 3, requires_grad=True)
    m = minigrad.ones(3, 4)
    grads = (a @ m).grad_fn(minigrad.ones(2, 4))
    assert grads[1] is None and grads[0].shape == (2, 3)


def test_operator_with_a_non_tensor_is_not_supported():
    torch = pytest.importorskip("torch")
    for make in (lambda T: T.ones(3) @ [1.0, 2.0, 3.0], lambda T: 2 @ T.ones(3)):
        with pytest.raises(TypeError) as ours:
            make(minigrad)
        with pytest.raises(TypeError) as theirs:
            make(torch)
        assert str(ours.value) == str(theirs.value)


ERRORS = [
    ("mm shapes", [(2, 3), (2, 3)], lambda T, a, b: T.mm(a, b)),
    ("@ shapes", [(2, 3), (2, 3)], lambda T, a, b: a @ b),
    ("mm of a vector", [(3,), (3, 4)], lambda T, a, b: a.mm(b)),
    ("mm with a vector", [(4, 3), (3,)], lambda T, a, b: a.mm(b)),
    ("mm dtypes", [(2, 3), (3, 2)], lambda T, a, b: a.mm(b.float())),
    ("mm int and float", [(2, 3), (3, 2)], lambda T, a, b: a.long().mm(b.float())),
    ("mv shapes", [(2, 3), (4,)], lambda T, a, v: a.mv(v)),
    ("mv with a matrix", [(2, 3), (3, 1)], lambda T, a, v: a.mv(v)),
    ("mv dtypes", [(2, 3), (3,)], lambda T, a, v: a.mv(v.float())),
    ("dot shapes", [(3,), (4,)], lambda T, v, w: v.dot(w)),
    ("dot with a matrix", [(3,), (3, 1)], lambda T, v, w: v.dot(w)),
    ("dot dtypes", [(3,), (3,)], lambda T, v, w: v.long().dot(w)),
    ("bmm shapes", [(5, 2, 3), (5, 2, 4)], lambda T, b, c: b.bmm(c)),
    ("bmm batches", [(5, 2, 3), (4, 3, 4)], lambda T, b, c: b.bmm(c)),
    ("bmm of a matrix", [(2, 3), (3, 4)], lambda T, b, c: b.bmm(c)),
    ("bmm with a matrix", [(2, 2, 3), (3, 4)], lambda T, b, c: b.bmm(c)),
    ("bmm dtypes", [(2, 2, 3), (2, 3, 2)], lambda T, b, c: b.float().bmm(c)),
    ("matmul of 0-d", [(), (3,)], lambda T, s, v: s @ v),
    ("1-D @ 1-D sizes", [(3,), (4,)], lambda T, v, w: v @ w),
    ("2-D @ 1-D sizes", [(2, 3), (4,)], lambda T, a, v: a @ v),
    ("1-D @ 2-D sizes", [(3,), (4, 2)], lambda T, v, m: v @ m),
    ("3-D @ 3-D sizes", [(5, 2, 3), (5, 4, 2)], lambda T, b, c: b @ c),
    ("batches do not broadcast", [(5, 2, 3), (4, 3, 2)], lambda T, b, c: b @ c),
    ("3-D @ 2-D sizes", [(5, 2, 3), (4, 2)], lambda T, b, m: b @ m),
    ("addmm input shape", [(3,), (2, 3), (3, 4)], lambda T, x, a, m: T.addmm(x, a, m)),
    ("addmm mat1 a vector", [(2,), (3,), (3, 2)], lambda T, x, a, m: T.addmm(x, a, m)),
    ("addmm mat2 a vector", [(2,), (2, 3), (3,)], lambda T, x, a, m: T.addmm(x, a, m)),
    ("addmm shapes", [(2,), (2, 3), (4, 2)], lambda T, x, a, m: T.addmm(x, a, m)),
    ("addmm input dtype", [(2,), (2, 3), (3, 2)], lambda T, x, a, m: T.addmm(x.float(), a, m)),
    ("addmm mat1 dtype", [(2,), (2, 3), (3, 2)], lambda T, x, a, m: T.addmm(x, a.float(), m)),
]


@pytest.mark.parametrize(("shapes", "fn"), [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS])
def test_errors_match_torch(shapes, fn):
    assert_same_error(fn, arrays(*shapes))


def test_shape_errors_carry_a_learner_note():
    with pytest.raises(RuntimeError, match="cannot be multiplied") as caught:
        minigrad.ones(2, 3) @ minigrad.ones(2, 3)
    assert any("transpose" in note for note in caught.value.__notes__)


def test_integer_products_match_torch():
    def fn(T, a, b):
        return T.matmul(a, b)

    (ours, _), (theirs, _) = both(fn, [np.arange(6).reshape(2, 3), np.arange(3)])
    assert str(ours.dtype) == str(theirs.dtype) and ours.tolist() == theirs.tolist()
