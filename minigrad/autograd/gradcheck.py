"""``gradcheck``: is a backward formula right? Compare it with finite differences.

For ``y = f(x)`` the Jacobian ``J[i, j] = dy_j / dx_i`` can be estimated without any
backward formula, by central differences (中心差分):
``(f(x + eps·e_i) - f(x - eps·e_i)) / (2·eps)``, one row per input element. Backward
gives the same matrix one column at a time (``autograd.grad`` with a one-hot
``grad_output`` per output element). ``gradcheck`` builds both and compares them
with ``allclose(analytical, numerical, rtol, atol)``.

The differences need double precision: with ``eps = 1e-6`` a float32 input loses the
perturbation to rounding, which is why a float32 input draws a warning (and a check
that will likely fail). ``gradgradcheck`` runs ``gradcheck`` on the gradient itself,
that is, it checks second derivatives.

The checks, messages and defaults are PyTorch's slow mode. minigrad has no
forward-mode AD and no vmap: ``check_forward_ad``, ``check_batched_grad`` and
``check_batched_forward_grad`` cannot be True; ``fast_mode=True`` runs the slow,
exact comparison; ``check_undefined_grad`` has nothing to check, since minigrad has
no undefined gradients (a missing gradient is None, and no backward runs on it).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .api import grad

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(RuntimeError):
    """Error raised by :func:`gradcheck` and :func:`gradgradcheck`."""


FAILED_NONDET_MSG = """\n
NOTE: If your op relies on non-deterministic operations i.e., it is listed here:
https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html
this failure might be expected.

If you are adding a new operator, please file an issue and then use one of the
workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck.
If the test
- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck
  with `nondet_tol=<tol>` as a keyword argument.
- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test
  to have `gradcheck_nondet_tol=<tol>`.
- is a Module test (e.g., in common_nn.py), then modify the corresponding
  module_test entry to have `gradcheck_nondet_tol=<tol>`
"""


def gradcheck(
    func: Callable[..., Tensor | Sequence[Tensor]],
    inputs: Tensor | Sequence[Any],
    *,
    eps: float = 1e-06,
    atol: float = 1e-05,
    rtol: float = 0.001,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_batched_forward_grad: bool = False,
    check_forward_ad: bool = False,
    check_backward_ad: bool = True,
    fast_mode: bool = False,
    masked: bool | None = None,
) -> bool:
    """True if backward's Jacobian of ``func`` matches finite differences at ``inputs``.

    Otherwise raise ``GradcheckError`` (or return False with ``raise_exception=False``)
    showing both Jacobians, with one row per input element and one column per
    output element. Use float64 inputs that require grad.
    """
    if not (check_forward_ad or check_backward_ad):
        raise AssertionError(
            "Expected at least one of check_forward_ad or check_backward_ad to be True"
        )
    if check_forward_ad or check_batched_grad or check_batched_forward_grad:
        raise NotImplementedError(
            "minigrad has no forward-mode AD and no vmap: gradcheck only checks backward mode "
            "(check_forward_ad, check_batched_grad and check_batched_forward_grad must be False)."
        )
    try:
        return _check(func, _as_tuple(inputs), eps, atol, rtol, nondet_tol)
    except GradcheckError:
        if raise_exception:
            raise
        return False


def gradgradcheck(
    func: Callable[..., Tensor | Sequence[Tensor]],
    inputs: Tensor | Sequence[Any],
    grad_outputs: Tensor | Sequence[Tensor] | None = None,
    *,
    eps: float = 1e-06,
    atol: float = 1e-05,
    rtol: float = 0.001,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_fwd_over_rev: bool = False,
    check_rev_over_rev: bool = True,
    fast_mode: bool = False,
    masked: bool = False,
) -> bool:
    """``gradcheck`` of the gradient: checks second derivatives of ``func``.

    The gradient is ``autograd.grad(func(*inputs), inputs, grad_outputs,
    create_graph=True)``, seen as a function of both ``inputs`` and
    ``grad_outputs`` (random in [-1, 1) when not given).
    """
    from .._creation import rand

    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        grad_outputs = tuple(
            (
                rand(*o.shape, dtype=o.dtype if o.is_floating_point() else None) * 2 - 1
            ).requires_grad_()
            for o in _differentiable_outputs(func(*inputs))
        )
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n = len(grad_outputs)
    wants_grad = [_is_tensor(x) and x.requires_grad for x in (*inputs, *grad_outputs)]

    def gradient(*args: Any) -> tuple:
        args = tuple(x.requires_grad_() if w else x for x, w in zip(args, wants_grad))
        outputs = _differentiable_outputs(func(*args[:-n]))
        wrt = tuple(x for x, w in zip(args[:-n], wants_grad) if w)
        grads = grad(outputs, wrt, args[-n:], create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(
        gradient,
        (*inputs, *grad_outputs),
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
        nondet_tol=nondet_tol,
        check_forward_ad=check_fwd_over_rev,
        check_backward_ad=check_rev_over_rev,
        check_batched_grad=check_batched_grad,
        fast_mode=fast_mode,
    )


# --- the check ------------------------------------------------------------------------------
def _check(
    func: Callable, inputs: tuple, eps: float, atol: float, rtol: float, nondet_tol: float
) -> bool:
    _check_inputs(inputs)
    func_out = _as_tuple(func(*inputs))
    outputs = _differentiable_outputs(func_out)
    numerical = _numerical_jacobians(func, inputs, func_out, eps)
    if not outputs:  # nothing to differentiate: the function must then be constant
        if any(np.any(j._data != 0) for per_output in numerical for j in per_output):
            raise GradcheckError("Numerical gradient for function expected to be zero")
        return True
    numerical = [n for o, n in zip(_float_outputs(func_out), numerical) if o.requires_grad]
    for i, out in enumerate(outputs):
        analytical = _analytical_jacobians(inputs, out, nondet_tol)
        for j, (a, n) in enumerate(zip(analytical, numerical[i])):
            if not np.allclose(a._data, n._data, rtol=rtol, atol=atol):
                raise GradcheckError(
                    f"Jacobian mismatch for output {i:d} with respect to input {j:d},\n"
                    f"numerical:{n}\nanalytical:{a}\n"
                )
    _check_backward_scales_with_grad_output(outputs, inputs)
    return True


def _check_inputs(inputs: tuple) -> None:
    requiring = False
    for i, x in enumerate(inputs):
        if not (_is_tensor(x) and x.requires_grad):
            continue
        if x.dtype.name != "float64":
            warnings.warn(
                f"Input #{i} requires gradient and is not a double precision floating point or "
                "complex. This check will likely fail if all the inputs are not of double "
                "precision floating point or complex. ",
                stacklevel=4,
            )
        if any(step == 0 and n > 1 for step, n in zip(x._data.strides, x._data.shape)):
            raise RuntimeError(
                f"The {i}th input has a dimension with stride 0. gradcheck only supports inputs "
                "that are non-overlapping to be able to compute the numerical gradients "
                "correctly. You should call .contiguous on the input before passing it to "
                "gradcheck."
            )
        requiring = True
    if not requiring:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of them "
            "have requires_grad=True."
        )


def _numerical_jacobians(func: Callable, inputs: tuple, func_out: tuple, eps: float) -> list:
    """``[output][input]``: central differences, one row per element of each input."""
    from .._tensor import Tensor

    float_outs = _float_outputs(func_out)
    per_input = []
    for k, x in enumerate(inputs):
        if not (_is_tensor(x) and x.requires_grad):
            continue
        alias = x.detach()  # same memory: perturbing it perturbs the input
        args = (*inputs[:k], alias, *inputs[k + 1 :])
        rows = [np.zeros((x.numel(), o.numel()), o._data.dtype) for o in float_outs]
        for row, idx in enumerate(np.ndindex(x.shape)):
            original = alias._data[idx]
            alias._data[idx] = original - eps
            below = _float_values(func(*args))
            alias._data[idx] = original + eps
            above = _float_values(func(*args))
            alias._data[idx] = original
            for jac, a, b in zip(rows, below, above):
                jac[row] = ((b - a) / (2 * eps)).reshape(-1)
        per_input.append([Tensor._make(jac) for jac in rows])
    return [list(per_output) for per_output in zip(*per_input)] if per_input else []


def _analytical_jacobians(inputs: tuple, out: Tensor, nondet_tol: float) -> list[Tensor]:
    """Backward's Jacobian of ``out``, per input, computed twice to catch nondeterminism."""
    from .._tensor import Tensor

    wrt = tuple(x for x in inputs if _is_tensor(x) and x.requires_grad)
    first, second = _jacobian_columns(out, wrt), _jacobian_columns(out, wrt)
    for a, b in zip(first, second):
        if a.size and np.abs(a - b).max() > nondet_tol:
            raise GradcheckError(
                "Backward is not reentrant, i.e., running backward with same input and "
                "grad_output multiple times gives different values, although analytical "
                "gradient matches numerical gradient."
                f"The tolerance for nondeterminism was {nondet_tol}." + FAILED_NONDET_MSG
            )
    return [Tensor._make(jac) for jac in first]


def _jacobian_columns(out: Tensor, wrt: tuple) -> list[np.ndarray]:
    """Column ``j`` is the gradient of output element ``j``: a one-hot ``grad_output``."""
    from .._tensor import Tensor

    columns = [np.zeros((x.numel(), out.numel()), x._data.dtype) for x in wrt]
    for j in range(out.numel()):
        one_hot = np.zeros(out.numel(), out._data.dtype)
        one_hot[j] = 1
        v = Tensor._make(one_hot.reshape(out._data.shape))
        grads = grad(out, wrt, v, retain_graph=True, allow_unused=True)
        for jac, g in zip(columns, grads):
            if g is not None:
                jac[:, j] = g._data.reshape(-1)
    return columns


def _check_backward_scales_with_grad_output(outputs: tuple, inputs: tuple) -> None:
    """A zero ``grad_output`` must give zero gradients (backward is linear in it)."""
    from .._creation import zeros_like

    wrt = tuple(x for x in inputs if _is_tensor(x) and x.requires_grad)
    grads = grad(outputs, wrt, [zeros_like(o) for o in outputs], allow_unused=True)
    if any(g is not None and np.any(g._data != 0) for g in grads):
        raise GradcheckError("backward not multiplied by grad_output")


# --- small helpers -------------------------------------------------------------------------------
def _as_tuple(x: Any) -> tuple:
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _is_tensor(x: Any) -> bool:
    from .._tensor import Tensor

    return isinstance(x, Tensor)


def _differentiable_outputs(outputs: Any) -> tuple:
    return tuple(o for o in _as_tuple(outputs) if o.requires_grad)


def _float_outputs(outputs: tuple) -> list:
    return [o for o in outputs if _is_tensor(o) and o.is_floating_point()]


def _float_values(outputs: Any) -> list[np.ndarray]:
    return [o._data.copy() for o in _float_outputs(_as_tuple(outputs))]
