"""Finite-difference checks of every op in arithmetic, pointwise, reduction and shape.

Each case is ``fn(*tensors)`` on float64 inputs; ``assert_grads_match`` compares the
backward pass with central differences of ``fn(...).sum()``. Inputs stay away from
kinks (0 for ``abs``/``relu``, the bounds of ``clamp``), where finite differences
are meaningless; the kinks have their own tests, against PyTorch's conventions.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_grads_match

import minigrad

RNG = np.random.default_rng(1234)


def normal(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def positive(*shape: int) -> np.ndarray:
    return RNG.uniform(0.5, 2.0, shape)


def away_from_zero(*shape: int) -> np.ndarray:
    """Values with |x| in [0.2, 1.5], either sign: no kink of abs/relu/sign is near."""
    return RNG.uniform(0.2, 1.5, shape) * RNG.choice([-1.0, 1.0], shape)


def ramp(*shape: int) -> minigrad.Tensor:
    """Distinct weights 0, 1, 2, ...: a view's gradient then shows where each element went."""
    return minigrad.arange(float(np.prod(shape))).view(*shape)


# (fn, inputs): one finite-difference check each.
CASES = {
    # arithmetic, tensor with tensor
    "add": (lambda a, b: a + b, [normal(2, 3), normal(2, 3)]),
    "add alpha": (lambda a, b: minigrad.add(a, b, alpha=2.5), [normal(2, 3), normal(2, 3)]),
    "sub": (lambda a, b: a - b, [normal(2, 3), normal(2, 3)]),
    "sub alpha": (lambda a, b: minigrad.sub(a, b, alpha=-3), [normal(2, 3), normal(2, 3)]),
    "mul": (lambda a, b: a * b, [normal(2, 3), normal(2, 3)]),
    "div": (lambda a, b: a / b, [normal(2, 3), positive(2, 3)]),
    "pow tensor": (lambda a, b: a**b, [positive(2, 3), normal(2, 3)]),
    "a * a": (lambda a: a * a, [normal(4)]),
    "a / a": (lambda a: a / a, [positive(4)]),
    "a ** a": (lambda a: a**a, [positive(4)]),
    # arithmetic with Python numbers on either side
    "x + 2": (lambda x: x + 2, [normal(3)]),
    "2 + x": (lambda x: 2 + x, [normal(3)]),
    "x - 2": (lambda x: x - 2, [normal(3)]),
    "2 - x": (lambda x: 2 - x, [normal(3)]),
    "x * 2.5": (lambda x: x * 2.5, [normal(3)]),
    "2.5 * x": (lambda x: 2.5 * x, [normal(3)]),
    "x / 4": (lambda x: x / 4, [normal(3)]),
    "1 / x": (lambda x: 1 / x, [positive(3)]),
    "3 / x": (lambda x: 3 / x, [away_from_zero(3)]),
    "x ** 2": (lambda x: x**2, [normal(3)]),
    "x ** 3": (lambda x: x**3, [normal(3)]),
    "x ** -1": (lambda x: x**-1, [positive(3)]),
    "x ** 0.5": (lambda x: x**0.5, [positive(3)]),
    "x ** 0": (lambda x: x**0, [normal(3)]),
    "2 ** x": (lambda x: 2**x, [normal(3)]),
    "0.5 ** x": (lambda x: 0.5**x, [normal(3)]),
    "x + True": (lambda x: x + True, [normal(3)]),
    "-x": (lambda x: -x, [normal(3)]),
    "+x": (lambda x: +x, [normal(3)]),
    "x % 2.5": (lambda x: x % 2.5, [RNG.uniform(0.2, 2.3, 3)]),
    "a % b": (lambda a, b: a % b, [RNG.uniform(3.2, 3.6, 3), RNG.uniform(2.0, 2.2, 3)]),
    "reciprocal": (lambda x: x.reciprocal(), [away_from_zero(3)]),
    "square": (lambda x: minigrad.square(x), [normal(3)]),
    "rsub": (lambda x: minigrad.rsub(x, 2), [normal(3)]),
    # arithmetic with NumPy arrays on either side
    "x * array": (lambda x: x * np.array([1.0, -2.0, 3.0]), [normal(3)]),
    "array * x": (lambda x: np.array([1.0, -2.0, 3.0]) * x, [normal(3)]),
    "array + x": (lambda x: np.array([1.0, -2.0, 3.0]) + x, [normal(2, 3)]),
    "array - x": (lambda x: np.array([1.0, -2.0, 3.0]) - x, [normal(2, 3)]),
    "x - array": (lambda x: x - np.array([1.0, -2.0, 3.0]), [normal(3)]),
    "array / x": (lambda x: np.array([1.0, -2.0, 3.0]) / x, [positive(3)]),
    "x / array": (lambda x: x / np.array([1.0, -2.0, 3.0]), [normal(3)]),
    "array ** x": (lambda x: np.array([1.5, 2.0, 3.0]) ** x, [normal(3)]),
    "x ** array": (lambda x: x ** np.array([1.0, 2.0, 0.5]), [positive(3)]),
    "scalar array * x": (lambda x: np.float64(3.0) * x, [normal(3)]),
    # broadcasting (reference §10)
    "(3,1) + (1,4)": (lambda a, b: a + b, [normal(3, 1), normal(1, 4)]),
    "(2,3) * (3,)": (lambda a, b: a * b, [normal(2, 3), normal(3)]),
    "(2,3) * 0-d": (lambda a, s: a * s, [normal(2, 3), normal()]),
    "(2,3) * (1,)": (lambda a, s: a * s, [normal(2, 3), normal(1)]),
    "(4,1,3) * (2,1)": (lambda a, b: a * b, [normal(4, 1, 3), normal(2, 1)]),
    "(2,1) / (1,3)": (lambda a, b: a / b, [normal(2, 1), positive(1, 3)]),
    "(2,1) - (2,3)": (lambda a, b: a - b, [normal(2, 1), normal(2, 3)]),
    "(3,) ** (2,1)": (lambda a, b: a**b, [positive(3), normal(2, 1)]),
    # pointwise
    "exp": (lambda x: x.exp(), [normal(2, 3)]),
    "log": (lambda x: x.log(), [positive(2, 3)]),
    "tanh": (lambda x: x.tanh(), [normal(2, 3)]),
    "sigmoid": (lambda x: x.sigmoid(), [normal(2, 3)]),
    "relu": (lambda x: x.relu(), [away_from_zero(2, 3)]),
    "abs": (lambda x: x.abs(), [away_from_zero(2, 3)]),
    "sign": (lambda x: x.sign() * x, [away_from_zero(2, 3)]),
    "sqrt": (lambda x: x.sqrt(), [positive(2, 3)]),
    "sin": (lambda x: x.sin(), [normal(2, 3)]),
    "cos": (lambda x: x.cos(), [normal(2, 3)]),
    "clamp": (lambda x: x.clamp(-0.5, 0.5), [np.array([-1.0, -0.3, 0.1, 0.4, 0.9])]),
    "clamp min": (lambda x: x.clamp(min=0.25), [np.array([-1.0, 0.1, 0.4, 0.9])]),
    "clamp max": (lambda x: minigrad.clamp(x, max=0.25), [np.array([-1.0, 0.1, 0.4, 0.9])]),
    "where": (
        lambda a, b: minigrad.where(minigrad.tensor([True, False, True]), a, b),
        [normal(2, 3), normal(3)],
    ),
    "where number": (
        lambda a: minigrad.where(minigrad.tensor([[True], [False]]), a, 0.0),
        [normal(2, 3)],
    ),
    "masked_fill": (
        lambda x: x.masked_fill(minigrad.tensor([True, False, False]), 5.0),
        [normal(2, 3)],
    ),
    "clone": (lambda x: x.clone() * x, [normal(2, 3)]),
    # reductions
    "sum": (lambda x: x.sum() * x, [normal(2, 3)]),
    "sum dim": (lambda x: x.sum(1) ** 2, [normal(2, 3)]),
    "sum keepdim": (lambda x: x.sum(0, keepdim=True) * x, [normal(2, 3)]),
    "sum negative dim": (lambda x: x.sum(-1) ** 2, [normal(2, 3, 4)]),
    "sum dims": (lambda x: x.sum((0, -1)) ** 2, [normal(2, 3, 4)]),
    "sum dims keepdim": (lambda x: x.sum([0, 2], keepdim=True) * x, [normal(2, 3, 4)]),
    "sum ()": (lambda x: x.sum(()) ** 2, [normal(2, 3)]),
    "sum 0-d": (lambda x: x.sum(0) ** 2, [normal()]),
    "mean": (lambda x: x.mean() * x, [normal(2, 3)]),
    "mean dim": (lambda x: x.mean(0) ** 2, [normal(2, 3)]),
    "mean keepdim": (lambda x: x.mean(-1, keepdim=True) * x, [normal(2, 3)]),
    "mean dims": (lambda x: x.mean((1, 2)) ** 2, [normal(2, 3, 4)]),
    "mean None keepdim": (lambda x: x.mean(None, True) * x, [normal(2, 3)]),
    "sum_to_size": (lambda x: x.sum_to_size(1, 3) ** 2, [normal(2, 3)]),
    # shapes and views
    "view": (lambda x: x.view(3, 2) * ramp(3, 2), [normal(2, 3)]),
    "view -1": (lambda x: x.view(-1) ** 2, [normal(2, 3)]),
    "reshape": (lambda x: x.reshape(6) ** 2, [normal(2, 3)]),
    "reshape copy": (lambda x: x.t().reshape(6) * minigrad.arange(6.0), [normal(2, 3)]),
    "reshape alias": (lambda x: x.t().reshape(3, 1, 2) ** 2, [normal(2, 3)]),
    "flatten": (lambda x: x.flatten(1) ** 2, [normal(2, 3, 4)]),
    "unsqueeze": (lambda x: x.unsqueeze(1) * minigrad.ones(3, 4, 1), [normal(3, 1)]),
    "squeeze": (lambda x: x.squeeze() ** 2, [normal(2, 1, 3)]),
    "squeeze dim": (lambda x: x.squeeze(1) ** 2, [normal(2, 1, 3)]),
    "squeeze dims": (lambda x: x.squeeze((0, 1)) ** 2, [normal(1, 1, 3)]),
    "expand": (lambda x: x.expand(4, 2, 3) * ramp(4, 2, 3), [normal(2, 1)]),
    "expand -1": (lambda x: x.expand(-1, 4) ** 2, [normal(3, 1)]),
    "expand_as": (lambda x: x.expand_as(minigrad.ones(2, 3)) ** 2, [normal(3)]),
    "permute": (lambda x: x.permute(2, 0, 1) * ramp(4, 2, 3), [normal(2, 3, 4)]),
    "transpose": (lambda x: x.transpose(0, -1) * ramp(3, 2), [normal(2, 3)]),
    "t": (lambda x: x.t() * ramp(3, 2), [normal(2, 3)]),
    "T": (lambda x: x.T * ramp(3, 2), [normal(2, 3)]),
    "mT": (lambda x: x.mT * ramp(2, 3, 2), [normal(2, 2, 3)]),
    "contiguous": (lambda x: x.t().contiguous() * ramp(3, 2), [normal(2, 3)]),
}


@pytest.mark.parametrize("case", CASES)
def test_gradient_matches_finite_differences(case):
    fn, inputs = CASES[case]
    assert_grads_match(fn, inputs)


def derivative(fn):
    """``x -> sum of d(sum fn)/d(inputs)``, itself differentiable (``create_graph=True``).

    Finite differences of this function check second derivatives; nesting it
    checks third derivatives.
    """

    def first(*xs: minigrad.Tensor) -> minigrad.Tensor:
        for x in xs:
            if not x.requires_grad:  # the finite-difference side passes plain tensors
                x.requires_grad_()
        grads = minigrad.autograd.grad(fn(*xs).sum(), xs, create_graph=True)
        return sum(g.sum() for g in grads)

    return first


# Ops whose first derivative still depends on the input (linear ones have none).
NONLINEAR = [
    "mul", "div", "pow tensor", "a * a", "a / a", "a ** a", "1 / x", "x ** 3", "x ** -1",
    "x ** 0.5", "2 ** x", "(2,3) * (3,)", "(2,1) / (1,3)", "(3,) ** (2,1)", "exp", "log",
    "tanh", "sigmoid", "sqrt", "sin", "cos", "reciprocal", "sum dim", "mean dims", "view -1",
    "reshape alias", "squeeze dims", "expand -1", "sum_to_size", "clone",
]  # fmt: skip


@pytest.mark.parametrize("case", NONLINEAR)
def test_second_derivative_matches_finite_differences(case):
    fn, inputs = CASES[case]
    assert_grads_match(derivative(fn), inputs, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("case", ["x ** 3", "exp", "tanh", "sigmoid", "log", "a / a", "a ** a"])
def test_third_derivative_matches_finite_differences(case):
    fn, inputs = CASES[case]
    assert_grads_match(derivative(derivative(fn)), inputs, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize(
    ("call", "op"),
    [
        (lambda x: x // 2, "floor_divide"),
        (lambda x: 2 // x, "floor_divide"),
        (lambda x: 5 % x, "remainder"),
    ],
)
def test_ops_without_a_derivative_fail_in_backward_as_in_pytorch(call, op):
    y = call(minigrad.tensor([1.5, -2.5], requires_grad=True))
    assert repr(y.grad_fn).startswith("<NotImplemented object at 0x")
    with pytest.raises(RuntimeError) as info:
        y.sum().backward()
    assert str(info.value) == f"derivative for aten::{op} is not implemented"


def test_x_cubed_derivatives_at_2_are_12_then_12_then_6():
    x = minigrad.tensor(2.0, requires_grad=True)
    (g,) = minigrad.autograd.grad(x**3, x, create_graph=True)
    (g2,) = minigrad.autograd.grad(g, x, create_graph=True)
    (g3,) = minigrad.autograd.grad(g2, x)
    assert (g.item(), g2.item(), g3.item()) == (12.0, 12.0, 6.0)


def test_a_cast_sends_the_gradient_back_in_the_input_dtype():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x.double()
    assert y.grad_fn.name() == "ToCopyBackward0"
    (y * minigrad.tensor([3.0, 4.0], dtype=minigrad.float64)).sum().backward()
    assert x.grad.dtype is minigrad.float32 and x.grad.tolist() == [3.0, 4.0]


# --- kinks and ties: PyTorch's conventions (reference §10.1) ---------------------------------
def grad_of(fn, values: list[float]) -> list[float]:
    x = minigrad.tensor(values, requires_grad=True)
    fn(x).sum().backward()
    return x.grad.tolist()


@pytest.mark.parametrize(
    ("fn", "at", "expected"),
    [
        (lambda x: x.relu(), [0.0, -1.0, 2.0], [0.0, 0.0, 1.0]),
        (lambda x: x.abs(), [0.0, -2.0, 2.0], [0.0, -1.0, 1.0]),
        (lambda x: x.clamp(min=0), [0.0, -1.0], [1.0, 0.0]),
        (lambda x: x.clamp(-1, 1), [-1.0, 1.0, 1.5], [1.0, 1.0, 0.0]),
        (lambda x: x.sqrt(), [0.0], [np.inf]),
        (lambda x: x**0.5, [0.0], [np.inf]),
        (lambda x: x.log(), [0.0], [np.inf]),
        (lambda x: x**2, [0.0], [0.0]),
        (lambda x: x**0, [0.0, 3.0], [0.0, 0.0]),
        (lambda x: x.sign(), [0.0, 2.0], [0.0, 0.0]),
        (lambda x: 0**x, [0.0, 1.0, -1.0], [0.0, 0.0, -np.inf]),
    ],
)
def test_gradient_at_a_kink_follows_pytorch(fn, at, expected):
    assert grad_of(fn, at) == expected


def test_tensor_power_kinks_follow_pytorch():
    a = minigrad.tensor(-1.0, requires_grad=True)
    b = minigrad.tensor(0.5, requires_grad=True)
    (a**b).backward()
    assert np.isnan(a.grad.item()) and np.isnan(b.grad.item())
    a = minigrad.tensor(0.0, requires_grad=True)
    b = minigrad.tensor(2.0, requires_grad=True)
    (a**b).backward()
    assert (a.grad.item(), b.grad.item()) == (0.0, 0.0)


def test_relu_and_abs_at_nan_follow_pytorch():
    assert grad_of(lambda x: x.relu(), [float("nan"), 1.0]) == [1.0, 1.0]
    assert grad_of(lambda x: x.abs(), [float("nan"), -1.0]) == [0.0, -1.0]


# --- broadcasting: gradient shapes and values (reference §10) -------------------------------
def test_broadcast_gradients_are_summed_back_to_each_input_shape():
    a = minigrad.ones(3, 1, requires_grad=True)
    b = minigrad.ones(1, 4, requires_grad=True)
    (a + b).sum().backward()
    assert a.grad.tolist() == [[4.0], [4.0], [4.0]]
    assert b.grad.tolist() == [[3.0, 3.0, 3.0, 3.0]]

    a = minigrad.arange(6.0).reshape(2, 3).requires_grad_()
    b = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.tolist() == [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]
    assert b.grad.tolist() == [3.0, 5.0, 7.0]

    for s, shape in [(minigrad.tensor(2.0), ()), (minigrad.tensor([2.0]), (1,))]:
        s.requires_grad_()
        (minigrad.ones(2, 3) * s).sum().backward()
        assert s.grad.shape == shape and s.grad.sum().item() == 6.0

    a = minigrad.ones(4, 1, 3, requires_grad=True)
    b = minigrad.ones(2, 1, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.shape == (4, 1, 3) and b.grad.tolist() == [[12.0], [12.0]]


def test_shapes_that_do_not_broadcast_raise_pytorchs_error():
    with pytest.raises(RuntimeError) as info:
        minigrad.ones(2, 3) + minigrad.ones(4)
    assert str(info.value) == (
        "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"
    )
    with pytest.raises(RuntimeError, match="tensor a \\(3\\) .* tensor b \\(5\\) .* dimension 2"):
        minigrad.ones(2, 1, 3) * minigrad.ones(4, 5)


# --- sum and mean: dims, keepdim, names --------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "shape", "name"),
    [
        (lambda x: x.sum(), (), "SumBackward0"),
        (lambda x: x.sum(0), (3, 4), "SumBackward1"),
        (lambda x: x.sum(-1), (2, 3), "SumBackward1"),
        (lambda x: x.sum((0, -1)), (3,), "SumBackward1"),
        (lambda x: x.sum(dim=1, keepdim=True), (2, 1, 4), "SumBackward1"),
        (lambda x: x.sum(()), (), "SumBackward1"),
        (lambda x: x.sum(None, True), (1, 1, 1), "SumBackward1"),
        (lambda x: x.mean(), (), "MeanBackward0"),
        (lambda x: x.mean(1), (2, 4), "MeanBackward1"),
        (lambda x: x.mean([-2, -1], keepdim=True), (2, 1, 1), "MeanBackward1"),
    ],
)
def test_reductions_shapes_and_node_names(call, shape, name):
    out = call(minigrad.ones(2, 3, 4, requires_grad=True))
    assert out.shape == shape
    assert out.grad_fn.name() == name


def test_reduction_dim_errors():
    x = minigrad.ones(2, 3)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of"):
        x.sum(2)
    with pytest.raises(RuntimeError, match="^dim 0 appears multiple times in the list of dims$"):
        x.sum((0, -2))
    with pytest.raises(RuntimeError, match="^mean\\(\\): could not infer output dtype"):
        minigrad.arange(3).mean()


def test_integer_sums_are_int64_and_means_of_floats_keep_their_dtype():
    assert minigrad.tensor([True, False, True]).sum().dtype is minigrad.int64
    assert minigrad.tensor([1, 2], dtype=minigrad.int32).sum().dtype is minigrad.int64
    assert minigrad.ones(2, dtype=minigrad.float64).mean().dtype is minigrad.float64
    assert minigrad.arange(3).mean(dtype=minigrad.float64).item() == 1.0
