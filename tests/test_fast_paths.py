"""The fast paths taken for W3 give exactly what the slow ones gave, and what PyTorch gives.

* ``masked_fill`` (and so ReLU's backward) selects on the bits instead of ``np.where``:
  checked bit for bit, with inf and nan gradients, nan inputs and signed zeros, where a
  product ``grad * mask`` would be wrong.
* ``add_``/``sub_`` with nothing to record write straight into the tensor (NumPy's
  ``out=``): the version counter, views, overlap, broadcasting and dtype rules stay.

The expected values were recorded with PyTorch 2.13; where PyTorch is installed the
scenarios are also run against it.
"""

from __future__ import annotations

import numpy as np
import pytest
from torch_parity import error_text, same_in_torch

import minigrad

NAN, INF = float("nan"), float("inf")


def bits(t: minigrad.Tensor) -> bytes:
    """The exact bytes of the values: tells -0. from 0. and compares nan as nan."""
    return np.ascontiguousarray(t.detach().numpy()).tobytes()


# --- ReLU's backward and masked_fill -----------------------------------------------------------
X = [-1.0, 0.0, 2.0, NAN, 3.0, -2.0, -0.0, 4.0, -5.0, 1.0]
GRAD = [1.0, INF, NAN, 5.0, -INF, NAN, -INF, -0.0, -3.0, -0.0]
# PyTorch: the gradient passes where the result is not <= 0 (so also where it is nan),
# else it is +0., whatever the gradient there (inf, nan or negative).
RELU_GRAD = [0.0, 0.0, NAN, 5.0, -INF, 0.0, 0.0, -0.0, 0.0, -0.0]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_relu_backward_with_non_finite_gradients_is_pytorchs_bit_for_bit(dtype: str) -> None:
    x = minigrad.tensor(X, dtype=getattr(minigrad, dtype), requires_grad=True)
    grad = minigrad.tensor(GRAD, dtype=getattr(minigrad, dtype))
    (got,) = minigrad.autograd.grad(x.relu(), x, grad)
    assert bits(got) == np.asarray(RELU_GRAD, dtype).tobytes()


def test_relu_double_backward_still_differentiates_through_the_gradient() -> None:
    x = minigrad.tensor(X, requires_grad=True)
    grad = minigrad.tensor(GRAD, requires_grad=True)
    (first,) = minigrad.autograd.grad(x.relu(), x, grad, create_graph=True)
    assert first.requires_grad
    (second,) = minigrad.autograd.grad(first.sum(), grad)
    assert second.tolist() == [0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0]


def test_relu_backward_on_a_large_random_layer_matches_where() -> None:
    rng = np.random.default_rng(0)
    z = rng.standard_normal((64, 64)).astype(np.float32)
    g = rng.standard_normal((64, 64)).astype(np.float32)
    g[rng.random((64, 64)) < 0.1] = np.inf
    x = minigrad.tensor(z, requires_grad=True)
    (got,) = minigrad.autograd.grad(x.relu(), x, minigrad.tensor(g))
    expected = np.where(z <= 0, np.float32(0.0), g)  # what PyTorch computes, element by element
    assert bits(got) == expected.tobytes()


MASK = [True, False, True, True, False, True, False, True, False, True]


@pytest.mark.parametrize(
    ("dtype", "values", "fill", "expected"),
    [
        ("float32", X, -0.0, [-0.0, 0.0, -0.0, -0.0, 3.0, -0.0, -0.0, -0.0, -5.0, -0.0]),
        ("float64", X, NAN, [NAN, 0.0, NAN, NAN, 3.0, NAN, -0.0, NAN, -5.0, NAN]),
        ("float16", GRAD, 2.5, [2.5, INF, 2.5, 2.5, -INF, 2.5, -INF, 2.5, -3.0, 2.5]),
        ("int32", list(range(-5, 5)), -7, [-7, -4, -7, -7, -1, -7, 1, -7, 3, -7]),
        ("int64", list(range(-5, 5)), 0, [0, -4, 0, 0, -1, 0, 1, 0, 3, 0]),
        ("bool", [True] * 5 + [False] * 5, False, [False, True, False, False, True] + [False] * 5),
        ("bool", [False] * 10, True, MASK),
    ],
)
def test_masked_fill_every_dtype_bit_for_bit(dtype, values, fill, expected) -> None:
    t = minigrad.tensor(values, dtype=getattr(minigrad, dtype))
    got = t.masked_fill(minigrad.tensor(MASK), fill)
    assert got.dtype is t.dtype
    assert bits(got) == np.asarray(expected, dtype).tobytes()


def test_masked_fill_broadcasts_the_mask_and_the_input() -> None:
    t = minigrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert t.masked_fill(minigrad.tensor([True, False, True]), 0.0).tolist() == [
        [0.0, 2.0, 0.0],
        [0.0, 5.0, 0.0],
    ]
    column = minigrad.tensor([1.0, 2.0])
    mask = minigrad.tensor([[True], [False], [True]])
    assert column.masked_fill(mask, -1.0).tolist() == [[-1.0, -1.0], [1.0, 2.0], [-1.0, -1.0]]
    assert t.t().masked_fill(minigrad.tensor(True), 9.0).tolist() == [[9.0] * 2] * 3


def test_masked_fill_mask_that_does_not_broadcast_is_pytorchs_error() -> None:
    t = minigrad.arange(10.0)
    message = error_text(lambda: t.masked_fill(minigrad.zeros(2, 5, dtype=minigrad.bool), 1.0))
    assert message == (
        "The size of tensor a (5) must match the size of tensor b (10) at non-singleton "
        "dimension 1"
    )


# --- add_ / sub_ with nothing recorded ----------------------------------------------------------
def test_sgd_style_update_in_no_grad_bumps_the_version_and_updates_views() -> None:
    def scenario(torch):
        p = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        row, alias = p[1], p.detach()
        log = [f"versions {p._version} {row._version} {alias._version}"]
        with torch.no_grad():
            out = p.add_(torch.tensor([[1.0, 1.0], [2.0, 2.0]]), alpha=-0.5)
            p.sub_(torch.tensor([1.0, 0.0]))  # broadcast along the rows
            row.add_(1)
            alias.sub_(torch.tensor(2.0), alpha=2)
        log.append(f"returns self {out is p}, is leaf {p.is_leaf}, grad_fn {p.grad_fn}")
        log.append(f"values {p.tolist()} row {row.tolist()} alias {alias.tolist()}")
        log.append(f"versions {p._version} {row._version} {alias._version}")
        return log

    assert same_in_torch(scenario)[-1] == "versions 4 4 4"


def test_in_place_add_without_grad_reads_an_overlapping_input_before_writing() -> None:
    def scenario(torch):
        t = torch.arange(8.0)
        t[::2].add_(t[1::2])  # interleaved, not dense: allowed, inputs read first
        u = torch.arange(4.0)
        u.add_(u, alpha=3)  # the very same elements
        return [str(t.tolist()), str(u.tolist())]

    assert same_in_torch(scenario)[0] == "[1.0, 1.0, 5.0, 3.0, 9.0, 5.0, 13.0, 7.0]"


@pytest.mark.parametrize("grad_mode", ["no_grad", "nothing requires grad"])
def test_in_place_add_without_grad_keeps_every_refusal(grad_mode: str) -> None:
    def scenario(torch):
        def attempt(fn):
            try:
                with torch.no_grad() if grad_mode == "no_grad" else torch.enable_grad():
                    fn()
            except RuntimeError as exc:
                return str(exc)
            return "no error"

        ints = torch.tensor([1, 2, 3])
        flags = torch.tensor([True, False])
        floats = torch.ones(2, 3)
        halves = torch.ones(3, dtype=torch.float16)
        return [
            attempt(lambda: ints.add_(torch.tensor([0.5, 0.5, 0.5]))),
            attempt(lambda: ints.sub_(1.5)),
            attempt(lambda: flags.add_(torch.tensor([1, 1]))),
            attempt(lambda: floats.add_(torch.ones(4, 2, 3))),
            attempt(lambda: floats.add_(torch.ones(4))),
            attempt(lambda: torch.ones(1).expand(3).add_(1)),
            attempt(lambda: (lambda t: t[1:].add_(t[:-1]))(torch.arange(4.0))),
            attempt(lambda: halves.add_(torch.ones(3, dtype=torch.float64), alpha=2)),
            f"{ints.tolist()} {flags.tolist()} {floats.tolist()} {halves.tolist()}",
        ]

    log = same_in_torch(scenario)
    assert log[0] == "result type Float can't be cast to the desired output type Long"
    assert log[3] == "output with shape [2, 3] doesn't match the broadcast shape [4, 2, 3]"
    assert log[-2] == "no error"  # float64 into float16: same category, cast on write
    assert log[-1] == "[1, 2, 3] [True, False] [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]] [3.0, 3.0, 3.0]"


def test_in_place_add_in_no_grad_still_stales_saved_tensors() -> None:
    def scenario(torch):
        w = torch.tensor([1.0, 2.0], requires_grad=True)
        y = w * 2
        z = y * y  # saves y (version 0)
        with torch.no_grad():
            y.add_(1)
        try:
            z.sum().backward()
        except RuntimeError as exc:
            return [str(exc).split(";")[0]]
        return ["no error"]

    assert "modified by an inplace operation" in same_in_torch(scenario)[0]


def test_optimizer_step_gives_the_same_numbers_as_the_out_of_place_formula() -> None:
    rng = np.random.default_rng(1)
    w = minigrad.tensor(rng.standard_normal((5, 3)).astype(np.float32), requires_grad=True)
    g = rng.standard_normal((5, 3)).astype(np.float32)
    w.grad = minigrad.tensor(g)
    before = w.detach().clone()
    minigrad.optim.SGD([w], lr=0.1).step()
    assert bits(w) == bits(before.add(minigrad.tensor(g), alpha=-0.1))
    assert w._version == 1


# --- nll_loss reads only the picked entries -----------------------------------------------------
@pytest.mark.parametrize(
    ("target", "weight", "reduction", "expected"),
    [
        ([0, -100, 0], None, "none", [-0.0, 0.0, 0.0]),
        ([2, 2, 0], [1.0, 0.0, 0.0], "none", [-0.0, NAN, 0.0]),
        ([0, 1, 0], None, "mean", -1 / 6),
        ([0, 1, 0], [0.3, 0.7, 1.0], "sum", -0.35),
        ([-100, -100, -100], None, "mean", NAN),
    ],
)
def test_nll_loss_with_inf_at_other_classes_is_pytorchs(target, weight, reduction, expected):
    x = minigrad.tensor([[0.0, -INF, 1.0], [2.0, 0.5, INF], [-0.0, 1.0, 2.0]])
    w = None if weight is None else minigrad.tensor(weight)
    loss = minigrad.nn.functional.nll_loss(x, minigrad.tensor(target), w, reduction=reduction)
    got, expected = loss.detach().numpy(), np.asarray(expected, np.float32)
    np.testing.assert_array_equal(got, expected)  # nan where PyTorch has nan (of any sign)
    assert (np.signbit(got) == np.signbit(expected))[~np.isnan(expected)].all()  # -0. vs 0.


def test_relu_second_derivative_is_recorded_as_in_pytorch():
    """ReLU's backward is ``threshold_backward`` of the gradient *and* the output: with
    ``create_graph`` the first derivative requires grad, and its own derivative is zeros."""

    def scenario(torch):
        x = torch.tensor([-1.0, 0.0, 2.0, float("nan")], requires_grad=True)
        v = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        (g,) = torch.autograd.grad(x.relu(), x, v, create_graph=True)
        inputs = [None if fn is None else fn.name() for fn, _ in g.grad_fn.next_functions]
        gx, gv = torch.autograd.grad(g.sum(), (x, v))
        threshold = g.grad_fn._saved_threshold
        return [g.grad_fn.name(), str(inputs), str(g.tolist()), str(gx.tolist()), str(gv.tolist()),
                str(threshold)]

    log = same_in_torch(scenario)
    assert log[:2] == ["ThresholdBackwardBackward0",
                       "['torch::autograd::AccumulateGrad', 'ReluBackward0']"]
    assert log[2:5] == ["[0.0, 0.0, 3.0, 4.0]", "[0.0, 0.0, 0.0, 0.0]", "[0.0, 0.0, 1.0, 1.0]"]
