"""Hooks, retain_grad and ``.grad`` assignment (reference section 3 and 4.3).

Each scenario is written once against a ``torch``-like module. It runs on minigrad
with the values the reference records, and, when PyTorch is installed, on PyTorch
too, and both must print the same.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from torch_parity import error_text, same_in_torch

import minigrad

NON_LEAF_WARNING = "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed."


def torch_or_skip():
    return pytest.importorskip("torch")


# --- retain_grad and the non-leaf warning ------------------------------------------------------
def test_retain_grad_keeps_a_results_grad_and_accumulates():
    def scenario(torch):
        x = torch.ones(3, requires_grad=True)
        y = x * 2
        y.retain_grad()
        log = [str((y.retains_grad, x.retains_grad))]
        (y * y).sum().backward(retain_graph=True)
        log += [str(y.grad), str(x.grad)]
        (y * y).sum().backward(retain_graph=True)
        log.append(str(y.grad))
        x.retain_grad()
        log.append(str(x.retains_grad))
        return log

    assert same_in_torch(scenario) == [
        "(True, False)",
        "tensor([4., 4., 4.])",
        "tensor([8., 8., 8.])",
        "tensor([8., 8., 8.])",
        "False",
    ]


def test_retain_grad_on_a_tensor_without_grad_is_an_error():
    message = error_text(lambda: minigrad.ones(3).retain_grad())
    assert message == "can't retain_grad on Tensor that has requires_grad=False"


def test_non_leaf_grad_warns_on_every_access():
    x = minigrad.ones(3, requires_grad=True)
    y = x * 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert y.grad is None
        assert y.grad is None
        assert x.grad is None
    assert [str(w.message).startswith(NON_LEAF_WARNING) for w in caught] == [True, True]
    assert caught[0].category is UserWarning
    assert str(caught[0].message).endswith(
        "See github.com/pytorch/pytorch/pull/30531 for more information."
    )


def test_no_warning_when_retained_or_listed_in_inputs():
    x = minigrad.ones(3, requires_grad=True)
    y = x * 2
    y.retain_grad()
    z = x * 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert y.grad is None
        (z * z).sum().backward(inputs=[z])
        assert z.grad is not None
        assert minigrad.ones(2).grad is None


# --- tensor hooks --------------------------------------------------------------------------------
def test_leaf_hook_runs_before_accumulation():
    def scenario(torch):
        x = torch.ones(3, requires_grad=True)
        x.register_hook(lambda g: g * 10)
        (x * 2).sum().backward()
        return [str(x.grad)]

    assert same_in_torch(scenario) == ["tensor([20., 20., 20.])"]


def test_leaf_hook_sees_the_summed_gradient_once():
    def scenario(torch):
        x = torch.ones(3, requires_grad=True)
        seen = []
        x.register_hook(lambda g: seen.append(str(g)))
        (x * 2 + x * 3).sum().backward()
        return [*seen, str(x.grad)]

    assert same_in_torch(scenario) == ["tensor([5., 5., 5.])", "tensor([5., 5., 5.])"]


def test_non_leaf_hook_changes_what_flows_on():
    def scenario(torch):
        x = torch.ones(3, requires_grad=True)
        y = x * 2
        seen = []
        y.register_hook(lambda g: seen.append(str(g)) or g * 100)
        (y * 3).sum().backward()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return [*seen, str(x.grad), str(y.grad)]

    assert same_in_torch(scenario) == [
        "tensor([3., 3., 3.])",
        "tensor([600., 600., 600.])",
        "None",
    ]


def test_hooks_chain_in_registration_order():
    def scenario(torch):
        x = torch.ones(3, requires_grad=True)
        y = x * 2
        seen = []
        y.register_hook(lambda g: g + 1)
        y.register_hook(lambda g: seen.append(str(g)) or g * 2)
        y.sum().backward()
        return [*seen, str(x.grad)]

    assert same_in_torch(scenario) == ["tensor([2., 2., 2.])", "tensor([8., 8., 8.])"]


@pytest.mark.parametrize("retain_first", [True, False])
def test_retained_grad_is_the_post_hook_value(retain_first):
    def scenario(torch):
        x = torch.ones(3, requires_grad=True)
        y = x * 2
        if retain_first:
            y.retain_grad()
        y.register_hook(lambda g: g * 100)
        if not retain_first:
            y.retain_grad()
        (y * 3).sum().backward()
        return [str(y.grad), str(x.grad)]

    assert same_in_torch(scenario) == ["tensor([300., 300., 300.])", "tensor([600., 600., 600.])"]


def test_hooks_also_run_for_autograd_grad():
    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        seen = []
        x.register_hook(lambda g: seen.append(str(g)) or g * 10)
        (g,) = torch.autograd.grad((x * 2).sum(), x)
        return [*seen, str(g), str(x.grad)]

    assert same_in_torch(scenario) == ["tensor([2., 2.])", "tensor([20., 20.])", "None"]


def test_handle_removes_once_or_twice_and_is_a_context_manager():
    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        handle = x.register_hook(lambda g: g * 10)
        handle.remove()
        handle.remove()
        (x * 1).sum().backward()
        log = [str(x.grad), type(handle.id).__name__]
        x.grad = None
        with x.register_hook(lambda g: g * 0):
            (x * 1).sum().backward()
        log.append(str(x.grad))
        (x * 1).sum().backward()
        log.append(str(x.grad))
        return log

    assert same_in_torch(scenario) == [
        "tensor([1., 1.])",
        "int",
        "tensor([0., 0.])",
        "tensor([1., 1.])",
    ]


def test_handles_have_distinct_ids():
    x = minigrad.ones(2, requires_grad=True)
    assert x.register_hook(lambda g: g).id != x.register_hook(lambda g: g).id


def test_hook_errors_match_pytorch():
    def scenario(torch):
        x = torch.ones(3, requires_grad=True)

        def named_hook(g):
            return g.sum()

        log = [error_text(lambda: torch.ones(3).register_hook(print))]
        for hook, exc in [
            (named_hook, RuntimeError),
            (lambda g: g.sum(), RuntimeError),
            (lambda g: 5, TypeError),
            (lambda g: g.double(), RuntimeError),
        ]:
            y = x * 2
            y.register_hook(hook)
            log.append(error_text(y.sum().backward, exc))
        return log

    assert same_in_torch(scenario) == [
        "cannot register a hook on a tensor that doesn't require gradient",
        "hook 'named_hook' has changed the size of value",
        "hook '<lambda>' has changed the size of value",
        "expected Variable, but hook returned 'int'",
        "hook '<lambda>' has changed the type of value (was torch.FloatTensor got "
        "torch.DoubleTensor)",
    ]


def test_hook_on_a_result_before_and_after_an_in_place_change():
    """A hook registered before ``y.mul_(5)`` sees the gradient w.r.t. the old value."""

    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        y = x * 2
        seen = []
        y.register_hook(lambda g: seen.append(("old", str(g))))
        y.mul_(5)
        y.register_hook(lambda g: seen.append(("new", str(g))))
        (y * y).sum().backward()
        return [*map(str, seen), str(x.grad)]

    assert same_in_torch(scenario) == [
        "('new', 'tensor([20., 20.])')",
        "('old', 'tensor([100., 100.])')",
        "tensor([200., 200.])",
    ]


# --- node hooks and post-accumulate hooks -------------------------------------------------------
def test_node_hook_and_prehook_receive_tuples():
    def scenario(torch):
        x = torch.ones(3, requires_grad=True)
        y = x * 2
        seen = []
        y.grad_fn.register_prehook(lambda go: seen.append(("pre", str(go))))
        y.grad_fn.register_hook(lambda gi, go: seen.append(("post", str(gi), str(go))))
        y.sum().backward()
        return [str(s) for s in seen]

    assert same_in_torch(scenario) == [
        "('pre', '(tensor([1., 1., 1.]),)')",
        "('post', '(tensor([2., 2., 2.]), None)', '(tensor([1., 1., 1.]),)')",
    ]


def test_node_hooks_can_replace_gradients():
    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        y = x * 2
        y.grad_fn.register_prehook(lambda go: (go[0] * 3,))
        y.grad_fn.register_hook(lambda gi, go: (gi[0] + 1, gi[1]))
        y.sum().backward()
        return [str(x.grad)]

    assert same_in_torch(scenario) == ["tensor([7., 7.])"]


def test_post_accumulate_grad_hook_sees_the_written_grad():
    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        seen = []
        x.register_post_accumulate_grad_hook(lambda p: seen.append((p is x, str(p.grad))))
        (x * 2).sum().backward()
        (x * 3).sum().backward()
        return [str(s) for s in seen]

    assert same_in_torch(scenario) == [
        "(True, 'tensor([2., 2.])')",
        "(True, 'tensor([5., 5.])')",
    ]


def test_post_accumulate_grad_hook_is_for_leaves_only():
    def scenario(torch):
        y = torch.ones(2, requires_grad=True) * 2
        return [error_text(lambda: y.register_post_accumulate_grad_hook(print))]

    assert same_in_torch(scenario) == [
        "post accumulate grad hooks cannot be registered on non-leaf tensors"
    ]


# --- .grad: in-place accumulation and assignment checks -----------------------------------------
def test_grad_accumulates_in_place_into_the_same_tensor():
    x = minigrad.ones(2, requires_grad=True)
    (x * 2).sum().backward()
    g = x.grad
    (x * 2).sum().backward()
    assert g is x.grad
    assert str(g) == "tensor([4., 4.])"
    x.grad.zero_()
    assert str(x.grad) == "tensor([0., 0.])"
    x.grad = None
    (x * 2).sum().backward()
    assert str(x.grad) == "tensor([2., 2.])"


def test_an_assigned_grad_is_accumulated_into():
    x = minigrad.ones(2, requires_grad=True)
    g = minigrad.zeros(2)
    x.grad = g
    (x * 3).sum().backward()
    assert x.grad is g
    np.testing.assert_array_equal(g.numpy(), [3.0, 3.0])


def test_grad_assignment_errors_match_pytorch():
    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        xi = torch.ones(2, dtype=torch.int64)
        return [
            error_text(lambda: setattr(x, "grad", torch.ones(3))),
            error_text(lambda: setattr(x, "grad", torch.ones(2, dtype=torch.float64))),
            error_text(lambda: setattr(x, "grad", torch.ones(2, dtype=torch.int64))),
            error_text(lambda: setattr(xi, "grad", torch.ones(2))),
            error_text(lambda: setattr(x, "grad", [1.0, 2.0]), TypeError),
        ]

    log = same_in_torch(scenario)
    assert log[0] == (
        "attempting to assign a gradient of size '[3]' to a tensor of size '[2]'. Please ensure "
        "that the gradient and the tensor are the same size"
    )
    assert log[1].startswith(
        "attempting to assign a gradient with dtype 'double' to a tensor with grad_dtype 'Float'."
    )
    assert log[4] == "assigned grad expected to be a Tensor or None but got grad of type list"
