"""The engine and its front doors: ``Tensor.backward``, ``autograd.backward``,
``autograd.grad`` and grad mode, against what PyTorch 2.13 does (reference §4-§7).
"""

from __future__ import annotations

import gc
import inspect
import threading
import time
import warnings
import weakref

import pytest
from conftest import graph_nodes
from test_tensor_api import warnings_in_fresh_process
from torch_parity import raises

import minigrad as torch

SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through "
    "the graph a second time or if you need to access saved tensors after calling backward."
)
IMPLICIT = "grad can be implicitly created only for scalar outputs"
# Tested once below; elsewhere it is only noise.
CREATE_GRAPH_WARNING = pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph")


NO_GRAD_FN = "element {} of tensors does not require grad and does not have a grad_fn"


def ones(*shape: int) -> torch.Tensor:
    return torch.ones(*shape, requires_grad=True)


# --- reuse, diamonds, accumulation ------------------------------------------------------------
def test_a_plus_a_sends_both_gradients_to_a():
    a = torch.tensor(3.0, requires_grad=True)
    (a + a).backward()
    assert a.grad.item() == 2.0
    nodes = (a + a).grad_fn.next_functions
    assert nodes[0][0] is nodes[1][0]  # one AccumulateGrad for the leaf, reused


def test_a_node_used_twice_gets_the_sum_of_both_gradients():
    a = torch.tensor(3.0, requires_grad=True)
    b = a + a
    c = b * b + b  # dc/db = 2b + 1 = 13, dc/da = 2 * 13
    c.backward()
    assert a.grad.item() == 26.0


def test_diamond():
    a = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(5.0, requires_grad=True)
    x = a + b
    y = x * a  # dy/da = x + a, dy/db = a
    y.backward()
    assert (a.grad.item(), b.grad.item()) == (9.0, 2.0)


def test_repeated_backward_accumulates_in_place():
    x = ones(2)
    (x * 2).sum().backward()
    first = x.grad
    for expected in ([4.0, 4.0], [6.0, 6.0]):
        (x * 2).sum().backward()
        assert x.grad.tolist() == expected
    assert x.grad is first
    x.grad = None
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_vector_jacobian_weights_accumulate():
    x = ones(2)
    y = x * 2
    y.backward(torch.ones(2), retain_graph=True)
    y.backward(gradient=torch.tensor([1.0, 10.0]))
    assert x.grad.tolist() == [4.0, 22.0]


# --- freeing what was saved ----------------------------------------------------------------
SAVES_NOTHING = {
    "(x + 2).sum()": lambda x: (x + 2).sum(),
    "(x - 2).sum()": lambda x: (x - 2).sum(),
    "(-x).sum()": lambda x: (-x).sum(),
    "x.sum()": lambda x: x.sum(),
    "x.mean()": lambda x: x.mean(),
    "views": lambda x: x.view(2, 1).t().expand(3, 2).sum(),
}
SAVES_SOMETHING = {
    "(x * 2).sum()": lambda x: (x * 2).sum(),
    "(x / 2).sum()": lambda x: (x / 2).sum(),
    "x.exp().sum()": lambda x: x.exp().sum(),
    "(x * x).sum()": lambda x: (x * x).sum(),
    "(2 - x).relu().sum()": lambda x: (2 - x).relu().sum(),
}


@pytest.mark.parametrize("case", SAVES_NOTHING)
def test_a_graph_that_saved_nothing_can_be_run_again(case):
    x = ones(2)
    y = SAVES_NOTHING[case](x)
    y.backward()
    once = x.grad.clone()
    y.backward()
    assert (x.grad / once).tolist() == [2.0, 2.0]


@pytest.mark.parametrize("case", SAVES_SOMETHING)
def test_a_second_backward_through_freed_saved_tensors_raises(case):
    x = ones(2)
    y = SAVES_SOMETHING[case](x)
    y.backward()
    with raises(RuntimeError, SECOND_BACKWARD) as info:
        y.backward()
    assert any("retain_graph=True" in note for note in info.value.__notes__)


def test_saved_tensors_cannot_be_read_after_backward_nor_grad_twice():
    x = ones(2)
    y = (x * x).sum()
    assert y.grad_fn.next_functions[0][0]._saved_self is x
    y.backward()
    with raises(RuntimeError, SECOND_BACKWARD):
        y.grad_fn.next_functions[0][0]._saved_self  # noqa: B018 - the access raises
    y = (x * x).sum()
    torch.autograd.grad(y, x)
    with raises(RuntimeError, SECOND_BACKWARD):
        torch.autograd.grad(y, x)


def test_retain_graph_keeps_the_graph_for_one_more_backward():
    x = ones(2)
    y = (x * 2).sum()
    y.backward(retain_graph=True)
    assert x.grad.tolist() == [2.0, 2.0]
    y.backward()
    assert x.grad.tolist() == [4.0, 4.0]
    with raises(RuntimeError, SECOND_BACKWARD):
        y.backward()


# --- create_graph: higher derivatives --------------------------------------------------------
@CREATE_GRAPH_WARNING
def test_create_graph_gives_second_and_third_derivatives():
    x = torch.tensor(2.0, requires_grad=True)
    (x**3).backward(create_graph=True)
    g = x.grad
    assert g.item() == 12.0 and g.requires_grad
    x.grad = None
    g.backward(create_graph=True)
    g2 = x.grad
    assert g2.item() == 12.0
    x.grad = None
    g2.backward()
    assert x.grad.item() == 6.0


@CREATE_GRAPH_WARNING
def test_grad_after_create_graph_prints_copybackwards():
    x = torch.tensor(2.0, requires_grad=True)
    (x**3).backward(create_graph=True)
    assert repr(x.grad) == "tensor(12., grad_fn=<CopyBackwards>)"
    assert x.grad.grad_fn.name() == "torch::autograd::CopyBackwards"
    assert x.grad.grad_fn.next_functions[0][0] is None  # the copy's destination needs no grad


def test_backward_with_create_graph_warns_once_per_process():
    code = (
        "x = torch.tensor(2.0, requires_grad=True)\n"
        "for _ in range(3): (x**3).backward(create_graph=True)"
    )
    assert warnings_in_fresh_process(code) == [
        "Using backward() with create_graph=True will create a reference cycle between the "
        "parameter and its gradient which can cause a memory leak. We recommend using "
        "autograd.grad when creating the graph to avoid this. If you have to use this function, "
        "make sure to reset the .grad fields of your parameters to None after use to break the "
        "cycle and avoid the leak."
    ]


@CREATE_GRAPH_WARNING
def test_grad_accumulates_into_the_graph_under_create_graph():
    x = torch.tensor(2.0, requires_grad=True)
    (x**3).backward(create_graph=True)
    x.grad.backward()
    assert repr(x.grad) == "tensor(24., grad_fn=<CopyBackwards>)"


@CREATE_GRAPH_WARNING
def test_retain_graph_defaults_to_create_graph():
    x = torch.tensor(2.0, requires_grad=True)
    y = x**3
    y.backward(create_graph=True)
    y.backward()
    assert repr(x.grad) == "tensor(24., grad_fn=<CopyBackwards>)"
    x = torch.tensor(2.0, requires_grad=True)
    y = x**3
    y.backward(create_graph=True, retain_graph=False)
    with raises(RuntimeError, SECOND_BACKWARD):
        y.backward()


# --- inputs= (§4.4) ---------------------------------------------------------------------
def test_inputs_limits_which_leaves_get_a_gradient():
    x, w = ones(2), ones(2)
    (x * w).sum().backward(inputs=[x])
    assert x.grad.tolist() == [1.0, 1.0] and w.grad is None
    x, w = ones(2), ones(2)
    (x * w).sum().backward(inputs=x)
    assert x.grad.tolist() == [1.0, 1.0] and w.grad is None


def test_a_result_named_in_inputs_gets_its_grad_without_a_warning():
    x = ones(2)
    y = x * 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (y * 3).sum().backward(inputs=[y])
        assert y.grad.tolist() == [3.0, 3.0]
    assert x.grad is None
    y.retain_grad()
    (y * 3).sum().backward(inputs=[y])
    assert y.grad.tolist() == [6.0, 6.0]  # counted once, though y also retains its grad


def test_a_result_named_in_inputs_retains_its_grad_from_then_on():
    x = ones(2)
    y = x * 2
    z = (y * 3).sum()
    z.backward(inputs=[y], retain_graph=True)
    assert y.retains_grad
    z.backward()
    assert y.grad.tolist() == [6.0, 6.0] and x.grad.tolist() == [6.0, 6.0]
    with raises(RuntimeError, "can't retain_grad on Tensor that has requires_grad=False"):
        z.backward(inputs=[x, torch.ones(2)])


def test_an_unrelated_leaf_in_inputs_is_left_alone():
    x, u = ones(2), ones(2)
    (x * 3).sum().backward(inputs=[u])
    assert u.grad is None and x.grad is None


def test_empty_inputs_are_an_error():
    with raises(RuntimeError, "`inputs` argument to `backward()` cannot be empty."):
        (ones(2) * 2).sum().backward(inputs=[])


# --- Tensor.backward errors and implicit gradients (§4) ------------------------------------
@pytest.mark.parametrize(
    ("out_shape", "grad_shape"), [((2,), (3,)), ((2, 2), (4,)), ((2, 2), (1, 2)), ((), (1,))]
)
def test_a_gradient_of_the_wrong_shape_is_an_error(out_shape, grad_shape):
    y = (ones(*out_shape) * 2) if out_shape else (ones(2) * 2).sum()
    message = (
        f"Mismatch in shape: grad_output[0] has a shape of torch.Size({list(grad_shape)}) and "
        f"output[0] has a shape of torch.Size({list(out_shape)})."
    )
    with raises(RuntimeError, message):
        y.backward(torch.ones(*grad_shape))


def test_implicit_gradient_only_for_one_element():
    with raises(RuntimeError, IMPLICIT):
        (ones(2) + 2).backward()
    x = ones(1, 1)
    (x + 2).backward()
    assert x.grad.tolist() == [[1.0]]
    x = ones(2)
    (x * 2).sum().backward(None)
    assert x.grad.tolist() == [2.0, 2.0]


def test_gradient_argument_is_cast_but_must_be_a_tensor():
    x = ones(2)
    (x * 2).sum().backward(torch.tensor(5.0))
    assert x.grad.tolist() == [10.0, 10.0]
    for dtype in (torch.float64, torch.int64):
        x = ones(2)
        (x * 2).backward(torch.ones(2, dtype=dtype))
        assert x.grad.dtype is torch.float32 and x.grad.tolist() == [2.0, 2.0]
    with raises(TypeError, "gradients can be either Tensors or None, but got float"):
        (x * 2).backward([1.0, 1.0])
    with raises(TypeError, "'float' object is not iterable"):
        (x * 2).backward(2.0)
    with raises(TypeError, "Tensor.backward() got an unexpected keyword argument 'grad_variables'"):
        (x * 2).sum().backward(grad_variables=torch.tensor(1.0))


def test_backward_on_something_without_a_graph_is_an_error():
    with raises(RuntimeError, NO_GRAD_FN.format(0)):
        torch.ones(2).sum().backward()
    with torch.no_grad():
        y = (ones(2) * 2).sum()
    with raises(RuntimeError, NO_GRAD_FN.format(0)):
        y.backward()


def test_backward_of_a_leaf_accumulates_into_it():
    x = ones(2)
    x.backward(torch.ones(2))
    x.backward(torch.tensor([1.0, 2.0]))
    assert x.grad.tolist() == [2.0, 3.0]


# --- deep graphs and memory ------------------------------------------------------------------
def test_a_million_node_chain_runs_backward_and_is_freed():
    x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    start = time.perf_counter()
    y = x
    for _ in range(500_000):  # two nodes per step: MulBackward0, AddBackward0
        y = y * 1.0001 + 0.0001
    y.backward()  # no recursion: a RecursionError would come from here
    assert x.grad.item() == pytest.approx(1.0001**500_000, rel=1e-6)
    node = weakref.ref(y.grad_fn.next_functions[0][0])
    del y  # freeing a million nested nodes must not overflow the C stack either
    assert node() is None
    assert time.perf_counter() - start < 120


def test_a_deep_graph_that_saved_tensors_is_freed_without_backward():
    y = torch.tensor(0.5, requires_grad=True)
    for _ in range(100_000):
        y = y.sin()  # each node saves its input, which holds the previous node
    node = weakref.ref(y.grad_fn)
    del y
    assert node() is None


BUILDERS = {
    "mul": lambda x: (x * x).sum(),
    "exp (saves its result)": lambda x: x.exp().sum(),
    "tanh": lambda x: x.tanh().sum(),
    "sigmoid": lambda x: x.sigmoid().sum(),
    "relu": lambda x: (x * 2).relu().sum(),
    "1 / x": lambda x: (1 / x).sum(),
    "2 ** x": lambda x: (2**x).mean(),
    "views": lambda x: x.view(3, 1).expand(3, 2).t().sum(),
    "retain_grad": lambda x: retained(x * 2).sum(),
}


def retained(t: torch.Tensor) -> torch.Tensor:
    t.retain_grad()
    return t


@pytest.mark.parametrize("case", BUILDERS)
@pytest.mark.parametrize("run_backward", [False, True])
def test_a_dropped_graph_is_freed_by_reference_counting_alone(case, run_backward):
    gc.collect()
    gc.disable()
    try:
        x = ones(3)
        y = BUILDERS[case](x)
        if run_backward:
            y.backward(retain_graph=True)
        refs = [weakref.ref(node) for node in graph_nodes(y.grad_fn)]
        assert any(type(r()).__name__ == "AccumulateGrad" for r in refs)
        tensor_ref = weakref.ref(y)
        del y
        assert tensor_ref() is None
        assert [r() for r in refs if r() is not None] == []
    finally:
        gc.enable()


def test_grads_from_autograd_grad_with_create_graph_are_freed_too():
    gc.disable()
    try:
        x = ones(3)
        (g,) = torch.autograd.grad(x.exp().sum(), x, create_graph=True)
        refs = [weakref.ref(node) for node in graph_nodes(g.grad_fn)]
        del g
        assert [r() for r in refs if r() is not None] == []
    finally:
        gc.enable()


# --- autograd.backward (§5) -------------------------------------------------------------
def test_autograd_backward_signature():
    params = inspect.signature(torch.autograd.backward).parameters
    assert list(params) == [
        "tensors", "grad_tensors", "retain_graph", "create_graph", "grad_variables", "inputs"
    ]  # fmt: skip
    assert [p.default for p in list(params.values())[1:]] == [None, None, False, None, None]


def test_autograd_backward_sums_several_outputs():
    x = ones(2)
    assert torch.autograd.backward([(2 * x).sum(), (x * x).sum()]) is None
    assert x.grad.tolist() == [4.0, 4.0]
    x = ones(2)
    torch.autograd.backward([x * 2, x**2], [torch.ones(2), torch.tensor([1.0, 10.0])])
    assert x.grad.tolist() == [4.0, 22.0]
    x = ones(2)
    torch.autograd.backward([(x * 2).sum(), x**2], [None, torch.ones(2)])
    assert x.grad.tolist() == [4.0, 4.0]
    x = ones(2)
    torch.autograd.backward((x * 2).sum(), inputs={"x": x})
    assert x.grad.tolist() == [2.0, 2.0]


def test_autograd_backward_errors():
    x = ones(2)
    with raises(RuntimeError, IMPLICIT):
        torch.autograd.backward([x * 2, x**2], [None, torch.ones(2)])
    with raises(RuntimeError, "got 2 tensors and 1 gradients"):
        torch.autograd.backward([x * 2, x**2], [torch.ones(2)])
    with raises(RuntimeError, NO_GRAD_FN.format(1)):
        torch.autograd.backward([x * 2, torch.ones(2)], [torch.ones(2), torch.ones(2)])
    with raises(RuntimeError, "`inputs` argument to `backward()` cannot be empty."):
        torch.autograd.backward([x * 2], [torch.ones(2)], inputs=[])


def test_grad_variables_is_deprecated_but_still_works():
    x = ones(2)
    with pytest.warns(FutureWarning, match="^`grad_variables` is deprecated. Use `grad_tensors`"):
        torch.autograd.backward([x * 2], None, None, False, [torch.ones(2)])
    assert x.grad.tolist() == [2.0, 2.0]
    message = (
        "`grad_tensors` and `grad_variables` (deprecated) arguments both passed to `backward()`. "
        "Please only use `grad_tensors`."
    )
    with pytest.warns(FutureWarning), raises(RuntimeError, message):
        torch.autograd.backward([x * 2], [torch.ones(2)], grad_variables=[torch.ones(2)])


# --- autograd.grad (§6) -----------------------------------------------------------------
def test_autograd_grad_signature():
    params = inspect.signature(torch.autograd.grad).parameters
    assert {name: p.default for name, p in params.items()} == {
        "outputs": inspect.Parameter.empty,
        "inputs": inspect.Parameter.empty,
        "grad_outputs": None,
        "retain_graph": None,
        "create_graph": False,
        "only_inputs": True,
        "allow_unused": None,
        "is_grads_batched": False,
        "materialize_grads": False,
    }


def test_grad_returns_a_tuple_and_never_touches_dot_grad():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    result = torch.autograd.grad((x**2).sum(), x)
    assert type(result) is tuple and result[0].tolist() == [2.0, 4.0]
    assert x.grad is None and not result[0].requires_grad
    x.grad = torch.tensor([3.0, 3.0])
    torch.autograd.grad((x**2).sum(), x)
    assert x.grad.tolist() == [3.0, 3.0]


def test_grad_with_create_graph_is_differentiable_and_retains_the_graph():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x**2).sum()
    (g,) = torch.autograd.grad(y, x, create_graph=True)
    assert repr(g) == "tensor([2., 4.], grad_fn=<MulBackward0>)"
    torch.autograd.grad(y, x)  # retain_graph defaulted to create_graph
    x = torch.tensor(2.0, requires_grad=True)
    (g,) = torch.autograd.grad(x**3, x, create_graph=True)
    (g2,) = torch.autograd.grad(g, x, create_graph=True)
    (g3,) = torch.autograd.grad(g2, x)
    assert [g.item(), g2.item(), g3.item()] == [12.0, 12.0, 6.0]


def test_grad_with_dict_inputs_returns_a_dict():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    w = torch.tensor([3.0, 4.0], requires_grad=True)
    result = torch.autograd.grad((x * w).sum(), {"x": x, "w": w})
    assert type(result) is dict
    assert {k: v.tolist() for k, v in result.items()} == {"x": [3.0, 4.0], "w": [1.0, 2.0]}


def test_grad_sums_several_outputs_with_optional_grad_outputs():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (g,) = torch.autograd.grad([(2 * x).sum(), (x * x).sum()], x)
    assert g.tolist() == [4.0, 6.0]
    (g,) = torch.autograd.grad([2 * x, (x * x).sum()], x, [torch.ones(2), None])
    assert g.tolist() == [4.0, 6.0]


def test_grad_of_a_non_leaf_and_of_the_same_input_twice():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    (g,) = torch.autograd.grad((y * 3).sum(), y)
    assert g.tolist() == [3.0, 3.0]
    a, b = torch.autograd.grad((y * 3).sum(), [x, x])
    assert a.tolist() == b.tolist() == [6.0, 6.0]


def test_unused_inputs():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    u = torch.ones(2, requires_grad=True)
    message = (
        "The differentiated Tensor at index 1 appears to not have been used in the graph. "
        "Set allow_unused=True if this is the desired behavior."
    )
    with raises(RuntimeError, message):
        torch.autograd.grad((2 * x).sum(), [x, u])
    g, none = torch.autograd.grad((2 * x).sum(), [x, u], allow_unused=True)
    assert g.tolist() == [2.0, 2.0] and none is None
    for allow in (None, True):
        g, zeros = torch.autograd.grad(
            (2 * x).sum(), [x, u], materialize_grads=True, allow_unused=allow
        )
        assert zeros.tolist() == [0.0, 0.0]
    message = (
        "Expected allow_unused to be True or not passed when materialize_grads=True, "
        "but got: allow_unused=False."
    )
    with raises(ValueError, message):
        torch.autograd.grad((2 * x).sum(), [x, u], materialize_grads=True, allow_unused=False)


def test_grad_errors():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    for other in (x.detach(), torch.ones(2)):
        with raises(RuntimeError, "One of the differentiated Tensors does not require grad"):
            torch.autograd.grad((2 * x).sum(), [x, other], allow_unused=True)
    with raises(RuntimeError, NO_GRAD_FN.format(0)):
        torch.autograd.grad(torch.ones(2).sum(), [x])
    with raises(RuntimeError, "`inputs` argument to `grad()` cannot be empty."):
        torch.autograd.grad((2 * x).sum(), [])
    with raises(RuntimeError, IMPLICIT):
        torch.autograd.grad(2 * x, x)
    message = (
        "Mismatch in shape: grad_output[0] has a shape of torch.Size([3]) and output[0] has a "
        "shape of torch.Size([2])."
    )
    with raises(RuntimeError, message):
        torch.autograd.grad(2 * x, x, torch.ones(3))


def test_only_inputs_false_warns_and_changes_nothing():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        torch.autograd.grad((2 * x).sum(), x, only_inputs=True)
    with pytest.warns(FutureWarning) as caught:
        (g,) = torch.autograd.grad((2 * x).sum(), x, only_inputs=False)
    assert str(caught[0].message) == (
        "only_inputs argument is deprecated and is ignored now (defaults to True). To accumulate "
        "gradient for other parts of the graph, please use torch.autograd.backward."
    )
    assert g.tolist() == [2.0, 2.0]


def test_is_grads_batched_gives_one_vjp_per_row():
    if not hasattr(torch, "stack"):
        pytest.skip("is_grads_batched stacks its rows: minigrad.stack is not there yet")
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (jacobian,) = torch.autograd.grad(x**2, x, torch.eye(2), is_grads_batched=True)
    assert jacobian.tolist() == [[2.0, 0.0], [0.0, 4.0]]


# --- grad mode (§7) ------------------------------------------------------------------------
def test_no_grad_and_enable_grad_nest_and_restore():
    assert torch.is_grad_enabled()
    with torch.no_grad():
        assert not torch.is_grad_enabled()
        with torch.enable_grad():
            assert torch.is_grad_enabled()
        assert not torch.is_grad_enabled()
    assert torch.is_grad_enabled()
    with pytest.raises(ZeroDivisionError), torch.no_grad():
        1 / 0  # noqa: B018
    assert torch.is_grad_enabled()


def test_results_under_no_grad_are_leaves_but_factories_keep_requires_grad():
    x = ones(2)
    with torch.no_grad():
        y = x * 2
        made = torch.ones(2, requires_grad=True)
        assert (y.requires_grad, y.is_leaf, y.grad_fn) == (False, True, None)
        assert repr(made) == "tensor([1., 1.], requires_grad=True)"
        assert not (made * 2).requires_grad
    assert (made * 2).requires_grad


def test_a_view_made_under_no_grad_is_a_leaf_that_requires_grad():
    x = ones(2, 2)
    with torch.no_grad():
        views = [x.view(4), x.t(), x.reshape(4), x.expand(3, 2, 2), x.unsqueeze(0).squeeze(0)]
        copy = x.t().reshape(4)  # not a view
    assert all((v.requires_grad, v.is_leaf, v.grad_fn) == (True, True, None) for v in views)
    assert not copy.requires_grad
    (views[0] * 2).sum().backward()
    assert views[0].grad.tolist() == [2.0] * 4 and x.grad is None


@pytest.mark.parametrize("decorator", [torch.no_grad, torch.no_grad()])
def test_no_grad_decorates_with_or_without_parentheses(decorator):
    @decorator
    def inside():
        """Docstring kept."""
        return torch.is_grad_enabled()

    assert inside() is False and torch.is_grad_enabled()
    assert inside.__name__ == "inside" and inside.__doc__ == "Docstring kept."


@pytest.mark.parametrize("decorator", [torch.enable_grad, torch.enable_grad()])
def test_enable_grad_decorates_with_or_without_parentheses(decorator):
    inside = decorator(torch.is_grad_enabled)
    with torch.no_grad():
        assert inside() is True
        assert not torch.is_grad_enabled()


def test_a_decorated_generator_runs_without_grad_between_yields():
    @torch.no_grad()
    def states():
        yield torch.is_grad_enabled()
        yield torch.is_grad_enabled()

    assert list(states()) == [False, False]
    gen = torch.no_grad(states.__wrapped__)()
    assert next(gen) is False and torch.is_grad_enabled()


def test_set_grad_enabled_as_a_function_a_context_and_a_decorator():
    torch.set_grad_enabled(False)
    try:
        assert not torch.is_grad_enabled()
    finally:
        torch.set_grad_enabled(True)
    with torch.set_grad_enabled(False):
        assert not torch.is_grad_enabled()
    assert torch.is_grad_enabled()
    with torch.set_grad_enabled(mode=False):
        assert not torch.is_grad_enabled()

    @torch.set_grad_enabled(False)
    def inside():
        return torch.is_grad_enabled()

    assert torch.is_grad_enabled()  # decorating does not switch
    assert inside() is False and torch.is_grad_enabled()
    assert repr(torch.set_grad_enabled(True)) == (
        "torch.autograd.grad_mode.set_grad_enabled(mode=True)"
    )
    message = "set_grad_enabled.__init__() missing 1 required positional argument: 'mode'"
    with raises(TypeError, message):
        torch.set_grad_enabled()


def test_the_class_itself_is_not_a_context_manager():
    with raises(TypeError, "'type' object does not support the context manager protocol"):
        with torch.no_grad:
            pass


def test_grad_mode_classes_follow_pytorchs_hierarchy():
    assert [c.__name__ for c in torch.no_grad.__mro__] == [
        "no_grad", "_NoParamDecoratorContextManager", "_DecoratorContextManager", "object"
    ]  # fmt: skip
    assert list(inspect.signature(torch.no_grad.__init__).parameters) == ["self"]


def run_in_thread(fn):
    result = []
    thread = threading.Thread(target=lambda: result.append(fn()))
    thread.start()
    thread.join()
    return result[0]


def test_grad_mode_is_thread_local():
    x = ones(2)
    with torch.no_grad():
        seen = run_in_thread(lambda: (torch.is_grad_enabled(), (x * 2).requires_grad))
        assert seen == (True, True)

    def disable():
        torch.set_grad_enabled(False)
        return torch.is_grad_enabled()

    assert run_in_thread(disable) is False
    assert torch.is_grad_enabled()
