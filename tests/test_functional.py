"""``minigrad.autograd.functional`` (reference section 11).

The reference's examples and errors, parity with PyTorch (when installed), and
the mathematical identities the functions must satisfy: ``vjp = vᵀJ``, ``jvp = Jv``,
``hvp = Hv`` and ``vhp = vᵀH``, with ``J`` and ``H`` checked by finite differences.
"""

from __future__ import annotations

import numpy as np
import pytest
from torch_parity import error_text, same_in_torch

import minigrad
from minigrad.autograd.functional import hessian, hvp, jacobian, jvp, vhp, vjp


def f(x):
    return x**2 + 3 * x


def s(x):
    return (x**3).sum()


def test_reference_examples():
    def scenario(torch):
        F = torch.autograd.functional
        x = torch.tensor([1.0, 2.0, 3.0])
        p = torch.tensor([1.0, 2.0])
        a, b = torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])
        J = F.jacobian(f, x)
        return [
            str(J),
            str(J.requires_grad),
            str(F.jacobian(lambda u, w: u * w, (a, b))),
            str(F.jacobian(lambda t: (t * 2, t.sum()), p)),
            str(F.jacobian(lambda t: t.sum(), p)),
            str(F.hessian(s, p)),
            str(F.vjp(f, x, torch.ones(3))),
            str(F.vjp(s, p)),
            str(F.jvp(f, x, torch.ones(3))),
            str(F.hvp(s, p, torch.tensor([1.0, 0.0]))),
            str(F.vhp(s, p, torch.tensor([1.0, 0.0]))),
        ]

    log = same_in_torch(scenario)
    assert log[0] == "tensor([[5., 0., 0.],\n        [0., 7., 0.],\n        [0., 0., 9.]])"
    assert log[1] == "False"
    assert log[5] == "tensor([[ 6.,  0.],\n        [ 0., 12.]])"
    assert log[6] == "(tensor([ 4., 10., 18.]), tensor([5., 7., 9.]))"
    assert log[7] == "(tensor(9.), tensor([ 3., 12.]))"
    assert log[9] == "(tensor(9.), tensor([6., 0.]))"


def test_reference_errors():
    def scenario(torch):
        F = torch.autograd.functional
        x = torch.tensor([1.0, 2.0, 3.0])
        return [
            str(F.jacobian(lambda t: torch.ones(2), x)),
            error_text(lambda: F.jacobian(lambda t: torch.ones(2), x, strict=True)),
            error_text(lambda: F.vjp(lambda t: t * 2, x)),
            error_text(lambda: F.hessian(lambda t: t * 2, x)),
            error_text(lambda: F.jacobian(f, [1.0, 2.0]), TypeError),
        ]

    assert same_in_torch(scenario) == [
        "tensor([[0., 0., 0.],\n        [0., 0., 0.]])",
        "Output 0 of the user-provided function does not require gradients. The outputs must be "
        "computed in a differentiable manner from the input when running in strict mode.",
        "The vector v can only be None if the user-provided function returns a single Tensor "
        "with a single element.",
        "The Tensor returned by the function given to hessian should contain a single element",
        "The inputs given to jacobian must be either a Tensor or a tuple of Tensors but the "
        "given inputs has type <class 'list'>.",
    ]


def test_more_errors_match_pytorch():
    def scenario(torch):
        F = torch.autograd.functional
        x = torch.tensor([1.0, 2.0, 3.0])
        pair = (x, x * 2)
        return [
            error_text(lambda: F.jacobian(f, (x, [1.0])), TypeError),
            error_text(lambda: F.vjp(f, x, torch.ones(2))),
            error_text(lambda: F.vjp(f, x, (torch.ones(3), torch.ones(3)))),
            error_text(lambda: F.jvp(lambda a, b: a * b, pair, (torch.ones(3), torch.ones(2)))),
            error_text(lambda: F.jvp(lambda a, b: a * b, pair, (torch.ones(3),))),
            error_text(lambda: F.jvp(f, x)),
            error_text(lambda: F.hvp(s, x)),
            error_text(lambda: F.vhp(lambda t: t, x, torch.ones(3))),
            error_text(lambda: F.hvp(lambda t: (t.sum(), t.sum()), x, torch.ones(3))),
            error_text(lambda: F.jacobian(lambda a, b: a * 2, pair, strict=True)),
            error_text(lambda: F.jvp(lambda t: torch.ones(3), x, torch.ones(3), strict=True)),
            str(F.jvp(lambda t: t * 2, x, torch.ones(3), strict=True)),
            error_text(lambda: F.hvp(lambda t: (t * 2).sum(), x, torch.ones(3), strict=True)),
            error_text(lambda: F.jacobian(lambda t: t * 2, x, strict=True, create_graph=True)),
            error_text(lambda: F.vjp(lambda t: t * 2, x, x, strict=True, create_graph=True)),
            error_text(lambda: F.hessian(lambda t: (t * 2).sum(), x, strict=True)),
            error_text(lambda: F.vjp(lambda a, b: a * 2, pair, torch.ones(3), strict=True)),
            error_text(lambda: F.jacobian(f, x, strategy="forward-mode"), NotImplementedError),
            error_text(lambda: F.jacobian(f, x, strict=True, vectorize=True)),
            error_text(lambda: F.jacobian(f, x, strategy="sideways"), AssertionError),
        ]

    assert len(same_in_torch(scenario)) == 20


def test_return_structures_follow_the_inputs_and_outputs():
    a = minigrad.tensor([1.0, 2.0])
    b = minigrad.tensor([3.0, 4.0, 5.0])

    def g(u, w):
        return (u.sum() * w, u * 2)

    J = jacobian(g, (a, b))
    assert [[tuple(block.shape) for block in row] for row in J] == [
        [(3, 2), (3, 3)],
        [(2, 2), (2, 3)],
    ]
    H = hessian(lambda u, w: (u * u).sum() * w.sum(), (a, b))
    assert [[tuple(block.shape) for block in row] for row in H] == [
        [(2, 2), (2, 3)],
        [(3, 2), (3, 3)],
    ]
    assert jacobian(lambda t: t.sum(), minigrad.ones(2, 3)).shape == (2, 3)
    assert jacobian(lambda t: t * 2, minigrad.ones(2, 3)).shape == (2, 3, 2, 3)
    out, v = vjp(g, (a, b), (minigrad.ones(3), minigrad.ones(2)))
    assert isinstance(out, tuple) and isinstance(v, tuple)
    out, v = jvp(lambda t: t * 2, a, minigrad.ones(2))
    assert isinstance(out, minigrad.Tensor) and isinstance(v, minigrad.Tensor)


def test_inputs_are_not_touched_and_results_carry_no_graph():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    out, v = vjp(f, x, minigrad.ones(2))
    assert x.grad is None
    assert not out.requires_grad and not v.requires_grad
    assert not jacobian(f, x).requires_grad


def test_create_graph_gives_differentiable_results():
    def scenario(torch):
        F = torch.autograd.functional
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        J = F.jacobian(f, x, create_graph=True)
        log = [str(J), str(F.vjp(f, x, torch.ones(2), create_graph=True))]
        log.append(str(F.jvp(f, x, torch.ones(2), create_graph=True)))
        log.append(str(F.hessian(s, x, create_graph=True).requires_grad))
        J.sum().backward()
        return [*log, str(x.grad)]

    assert (
        same_in_torch(scenario)[0]
        == "tensor([[5., 0.],\n        [0., 7.]], grad_fn=<ViewBackward0>)"
    )


def test_forward_mode_jacobian_equals_reverse_mode():
    x = minigrad.tensor([0.3, -0.8, 1.1], dtype=minigrad.float64)

    def g(t):
        return (t.exp() * t.sum(), t[:2] * t[1:])

    forward = jacobian(g, x, vectorize=True, strategy="forward-mode")
    reverse = jacobian(g, x)
    for a, b in zip(forward, reverse):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)


# --- the identities, checked numerically ----------------------------------------------------------
def numeric_jacobian(fn, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences: ``J[i, j] = d out_i / d x_j`` (out and x flattened)."""
    columns = []
    for j in range(x.size):
        step = np.zeros(x.size)
        step[j] = eps
        plus = fn(minigrad.tensor((x.ravel() + step).reshape(x.shape))).numpy().ravel()
        minus = fn(minigrad.tensor((x.ravel() - step).reshape(x.shape))).numpy().ravel()
        columns.append((plus - minus) / (2 * eps))
    return np.stack(columns, axis=1)


def g(t):
    return (t.tanh() * t.sum()).exp()


def scalar(t):
    return (t.sin() * t * t).sum()


@pytest.fixture
def point(rng) -> np.ndarray:
    return rng.normal(size=(2, 3))


def test_jacobian_and_products_match_finite_differences(point, rng):
    x = minigrad.tensor(point)
    J = numeric_jacobian(g, point)
    np.testing.assert_allclose(jacobian(g, x).numpy().reshape(6, 6), J, rtol=1e-6, atol=1e-8)
    v = rng.normal(size=(2, 3))
    _, vJ = vjp(g, x, minigrad.tensor(v))
    _, Jv = jvp(g, x, minigrad.tensor(v))
    np.testing.assert_allclose(vJ.numpy().ravel(), v.ravel() @ J, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(Jv.numpy().ravel(), J @ v.ravel(), rtol=1e-6, atol=1e-8)


def test_hessian_and_products_match_finite_differences(point, rng):
    x = minigrad.tensor(point)

    def gradient(t):
        return minigrad.autograd.grad(scalar(t.requires_grad_()), t)[0]

    H = numeric_jacobian(gradient, point)
    np.testing.assert_allclose(hessian(scalar, x).numpy().reshape(6, 6), H, rtol=1e-6, atol=1e-7)
    v = rng.normal(size=(2, 3))
    _, Hv = hvp(scalar, x, minigrad.tensor(v))
    _, vH = vhp(scalar, x, minigrad.tensor(v))
    np.testing.assert_allclose(Hv.numpy().ravel(), H @ v.ravel(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(vH.numpy().ravel(), v.ravel() @ H, rtol=1e-6, atol=1e-7)


def test_values_match_pytorch(point):
    torch = pytest.importorskip("torch")
    import torch.autograd.functional as TF

    ours = [
        jacobian(g, minigrad.tensor(point)),
        hessian(scalar, minigrad.tensor(point)),
        jvp(g, minigrad.tensor(point), minigrad.tensor(point))[1],
        hvp(scalar, minigrad.tensor(point), minigrad.tensor(point))[1],
    ]
    theirs = [
        TF.jacobian(g, torch.tensor(point)),
        TF.hessian(scalar, torch.tensor(point)),
        TF.jvp(g, torch.tensor(point), torch.tensor(point))[1],
        TF.hvp(scalar, torch.tensor(point), torch.tensor(point))[1],
    ]
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-14)
