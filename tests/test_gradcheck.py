"""``gradcheck`` and ``gradgradcheck`` (reference section 11.1)."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest
from torch_parity import error_text, same_in_torch

import minigrad
from minigrad.autograd import gradcheck, gradgradcheck
from minigrad.autograd.gradcheck import GradcheckError


def exp_function(torch, factor: float = 1.0):
    """``exp`` with a hand-written backward, wrong by ``factor`` unless it is 1."""

    class Exp(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return factor * g * y

    return Exp


def test_signatures_and_defaults_are_pytorchs():
    assert str(inspect.signature(gradcheck)) == (
        "(func: 'Callable[..., Tensor | Sequence[Tensor]]', inputs: 'Tensor | Sequence[Any]', *, "
        "eps: 'float' = 1e-06, atol: 'float' = 1e-05, rtol: 'float' = 0.001, raise_exception: "
        "'bool' = True, nondet_tol: 'float' = 0.0, check_undefined_grad: 'bool' = True, "
        "check_grad_dtypes: 'bool' = False, check_batched_grad: 'bool' = False, "
        "check_batched_forward_grad: 'bool' = False, check_forward_ad: 'bool' = False, "
        "check_backward_ad: 'bool' = True, fast_mode: 'bool' = False, masked: 'bool | None' = "
        "None) -> 'bool'"
    )
    parameters = inspect.signature(gradgradcheck).parameters
    assert list(parameters)[:3] == ["func", "inputs", "grad_outputs"]
    assert parameters["gen_non_contig_grad_outputs"].default is False
    assert parameters["check_rev_over_rev"].default is True
    assert minigrad.autograd.gradcheck is gradcheck
    assert issubclass(GradcheckError, RuntimeError)


def test_a_correct_backward_passes():
    def scenario(torch):
        x = torch.tensor([0.367, 0.765, -1.056], dtype=torch.float64, requires_grad=True)
        exp = exp_function(torch)
        return [
            str(torch.autograd.gradcheck(exp.apply, x)),
            str(torch.autograd.gradcheck(exp.apply, (x,))),
        ]

    assert same_in_torch(scenario) == ["True", "True"]


def test_a_wrong_backward_shows_both_jacobians():
    def scenario(torch):
        x = torch.tensor([0.367, 0.765, -1.056], dtype=torch.float64, requires_grad=True)
        exp = exp_function(torch, factor=2.0)
        log = [error_text(lambda: torch.autograd.gradcheck(exp.apply, x))]
        log.append(str(torch.autograd.gradcheck(exp.apply, x, raise_exception=False)))
        return log

    message, quiet = same_in_torch(scenario)
    assert message == (
        "Jacobian mismatch for output 0 with respect to input 0,\n"
        "numerical:tensor([[1.4434, 0.0000, 0.0000],\n"
        "        [0.0000, 2.1490, 0.0000],\n"
        "        [0.0000, 0.0000, 0.3478]], dtype=torch.float64)\n"
        "analytical:tensor([[2.8868, 0.0000, 0.0000],\n"
        "        [0.0000, 4.2980, 0.0000],\n"
        "        [0.0000, 0.0000, 0.6957]], dtype=torch.float64)\n"
    )
    assert quiet == "False"


def test_raise_exception_false_prints_nothing(capsys):
    x = minigrad.tensor([0.0, 1.0], dtype=minigrad.float64, requires_grad=True)
    assert gradcheck(exp_function(minigrad, 2.0).apply, x, raise_exception=False) is False
    assert capsys.readouterr() == ("", "")


def test_rows_are_inputs_and_columns_are_outputs():
    def scenario(torch):
        x = torch.ones(3, dtype=torch.float64, requires_grad=True)
        return [
            error_text(
                lambda: torch.autograd.gradcheck(
                    lambda t: (t[:2] * t[1:]).sum() * 3, x, atol=0.0, rtol=0.0, eps=0.1
                )
            )
        ]

    (message,) = same_in_torch(scenario)
    assert "analytical:tensor([[3.],\n        [6.],\n        [3.]], dtype=torch.float64)" in message


def test_float32_warns_and_fails():
    def scenario(torch):
        x = torch.tensor([0.367, 0.765], requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = torch.autograd.gradcheck(exp_function(torch).apply, x, raise_exception=False)
        return [str(result), *(f"{w.category.__name__}: {w.message}" for w in caught)]

    assert same_in_torch(scenario) == [
        "False",
        "UserWarning: Input #0 requires gradient and is not a double precision floating point or "
        "complex. This check will likely fail if all the inputs are not of double precision "
        "floating point or complex. ",
    ]


def test_input_errors():
    def scenario(torch):
        check = torch.autograd.gradcheck
        ones = torch.ones(1, dtype=torch.float64, requires_grad=True)
        return [
            error_text(lambda: check(torch.exp, torch.ones(2, dtype=torch.float64)), ValueError),
            error_text(lambda: check(lambda t: t.sum(0), ones.expand(2, 2))),
        ]

    assert same_in_torch(scenario) == [
        "gradcheck expects at least one input tensor to require gradient, but none of them have "
        "requires_grad=True.",
        "The 0th input has a dimension with stride 0. gradcheck only supports inputs that are "
        "non-overlapping to be able to compute the numerical gradients correctly. You should call "
        ".contiguous on the input before passing it to gradcheck.",
    ]


def test_other_failures():
    def scenario(torch):
        class NotScaled(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2 + (1 - g.abs().sum())  # right for one-hot g only

        class Noisy(torch.autograd.Function):
            calls = [0]

            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                Noisy.calls[0] += 1
                return g * (2 + Noisy.calls[0] * 1e-9)

        check = torch.autograd.gradcheck
        x = torch.ones(2, dtype=torch.float64, requires_grad=True)
        return [
            error_text(lambda: check(NotScaled.apply, x), Exception),
            error_text(lambda: check(lambda t: t.detach() * 2, x), Exception),
            error_text(lambda: check(Noisy.apply, x), Exception).split("NOTE:")[0],
            str(check(Noisy.apply, x, nondet_tol=1e-6)),
        ]

    log = same_in_torch(scenario)
    assert log[:2] == [
        "backward not multiplied by grad_output",
        "Numerical gradient for function expected to be zero",
    ]
    assert log[2].startswith("Backward is not reentrant, i.e., running backward with same input")
    assert log[3] == "True"


@pytest.mark.parametrize(
    "fn",
    [
        lambda a, b: (a * b).sum() * a,
        lambda a, b: (a.tanh() @ b.view(3, 1), (a - b).abs()),
        lambda a, b: minigrad.where(a > 0, a.exp(), b.sigmoid()),
    ],
)
def test_library_ops_pass_gradcheck_and_gradgradcheck(fn, rng):
    a = minigrad.tensor(rng.normal(size=3), requires_grad=True)
    b = minigrad.tensor(rng.normal(size=3), requires_grad=True)
    assert gradcheck(fn, (a, b))
    assert gradgradcheck(fn, (a, b))


def test_gradgradcheck_catches_a_wrong_second_derivative():
    def scenario(torch):
        class Cube(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x**3

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * 3 * x * x.detach()  # right value, half the second derivative

        x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
        ones = torch.ones(2, dtype=torch.float64)
        return [
            str(torch.autograd.gradcheck(Cube.apply, x)),
            str(torch.autograd.gradgradcheck(Cube.apply, x, raise_exception=False)),
            error_text(lambda: torch.autograd.gradgradcheck(Cube.apply, x, ones)),
        ]

    assert same_in_torch(scenario) == [
        "True",
        "False",
        "Jacobian mismatch for output 0 with respect to input 0,\n"
        "numerical:tensor([[ 6.0000,  0.0000],\n        [ 0.0000, 12.0000]], dtype=torch.float64)\n"
        "analytical:tensor([[3., 0.],\n        [0., 6.]], dtype=torch.float64)\n",
    ]


def test_fast_mode_runs_the_slow_check():
    x = minigrad.tensor([0.0, 1.0], dtype=minigrad.float64, requires_grad=True)
    assert gradcheck(exp_function(minigrad).apply, x, fast_mode=True)
    with pytest.raises(GradcheckError, match="^Jacobian mismatch for output 0"):
        gradcheck(exp_function(minigrad, 2.0).apply, x, fast_mode=True)


def test_checks_minigrad_cannot_run_are_refused():
    x = minigrad.ones(1, dtype=minigrad.float64, requires_grad=True)
    for flag in ("check_forward_ad", "check_batched_grad", "check_batched_forward_grad"):
        with pytest.raises(NotImplementedError, match="no forward-mode AD and no vmap"):
            gradcheck(minigrad.exp, x, **{flag: True})


def test_inputs_are_left_as_they_were():
    x = minigrad.tensor([0.5, -0.25], dtype=minigrad.float64, requires_grad=True)
    before = x.detach().numpy().copy()
    gradcheck(lambda t: t * t, x)
    np.testing.assert_array_equal(x.detach().numpy(), before)
    assert x.grad is None and x._version == 0
