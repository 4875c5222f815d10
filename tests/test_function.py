"""Custom ``autograd.Function`` (reference section 9).

Each scenario defines its Functions on a ``torch``-like module, runs on minigrad
and, when PyTorch is installed, must print the same there. Gradients of the
Functions are checked against finite differences as well.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import assert_grads_match
from torch_parity import error_text, masked, names, same_in_torch

import minigrad
from minigrad.autograd import Function, once_differentiable


def masked_as_minigrad(text: str) -> str:
    """Addresses masked, and the module named after the library (``torch.`` reads ``minigrad.``)."""
    return masked(text).replace("torch.", "minigrad.")


def my_exp(torch):
    class MyExp(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad_out):
            (y,) = ctx.saved_tensors
            return grad_out * y

    return MyExp


def test_my_exp_as_in_the_reference():
    def scenario(torch):
        x = torch.tensor([0.0, 1.0], requires_grad=True)
        y = my_exp(torch).apply(x)
        log = [
            str(y),
            masked_as_minigrad(repr(y.grad_fn)),
            y.grad_fn.name(),
            masked_as_minigrad(str(y.grad_fn.next_functions)),
        ]
        log.append(type(y.grad_fn).__module__.replace("torch.", "minigrad."))
        y.sum().backward()
        return [*log, str(x.grad)]

    assert same_in_torch(scenario) == [
        "tensor([1.0000, 2.7183], grad_fn=<MyExpBackward>)",
        "<minigrad.autograd.function.MyExpBackward object at 0x…>",
        "MyExpBackward",
        "((<AccumulateGrad object at 0x…>, 0),)",
        "minigrad.autograd.function",
        "tensor([1.0000, 2.7183])",
    ]


def test_the_ctx_is_the_node():
    x = minigrad.tensor([0.0, 1.0], requires_grad=True)
    y = my_exp(minigrad).apply(x)
    assert isinstance(y.grad_fn, minigrad.autograd.function.FunctionCtx)
    assert y.grad_fn.needs_input_grad == (True,)
    assert len(y.grad_fn.saved_tensors) == 1


def test_grad_mode_inside_forward_and_backward():
    def scenario(torch):
        log = []

        class Sq(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                log.append(("forward", torch.is_grad_enabled(), x.requires_grad, ctx.saved_tensors))
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            def backward(ctx, g):
                log.append(("backward", torch.is_grad_enabled()))
                (x,) = ctx.saved_tensors
                return 2 * x * g

        x = torch.tensor(3.0, requires_grad=True)
        (g,) = torch.autograd.grad(Sq.apply(x), x, create_graph=True)
        log.append((str(g), str(torch.autograd.grad(g, x))))
        Sq.apply(x).backward()
        return [str(entry) for entry in log]

    assert same_in_torch(scenario) == [
        "('forward', False, True, ())",
        "('backward', True)",
        "('tensor(6., grad_fn=<MulBackward0>)', '(tensor(2.),)')",
        "('forward', False, True, ())",
        "('backward', False)",
    ]


def test_needs_input_grad_and_non_tensor_arguments():
    def scenario(torch):
        seen = []

        class Scale(torch.autograd.Function):
            @staticmethod
            def forward(ctx, a, b, k):
                ctx.k = k
                seen.append(str(ctx.needs_input_grad))
                return a * b * k

            @staticmethod
            def backward(ctx, g):
                seen.append(str(ctx.needs_input_grad))
                return g * 2 * ctx.k, g, None

        a = torch.ones(2, requires_grad=True)
        b = torch.ones(2)
        Scale.apply(a, b, 10).sum().backward()
        return [*seen, str(a.grad), str(b.grad)]

    assert same_in_torch(scenario) == [
        "(True, False, False)",
        "(True, False, False)",
        "tensor([20., 20.])",
        "None",
    ]


def test_keyword_arguments_and_trailing_nones():
    def scenario(torch):
        class KW(torch.autograd.Function):
            @staticmethod
            def forward(ctx, a, b=None):
                return a * 2 + (0 if b is None else b)

            @staticmethod
            def backward(ctx, g):
                return g * 2, g, None, None

        x = torch.ones(2, requires_grad=True)
        y = torch.ones(2, requires_grad=True)
        KW.apply(x, b=y).sum().backward()
        log = [str(x.grad), str(y.grad)]
        z = KW.apply(a=x)
        return [*log, error_text(lambda: z.sum().backward())]

    assert same_in_torch(scenario)[-1] == (
        "function KWBackward returned an incorrect number of gradients (expected 1, got 4)"
    )


def test_setup_context_style():
    def scenario(torch):
        class MyLinear(torch.autograd.Function):
            @staticmethod
            def forward(x, w):
                return x * w

            @staticmethod
            def setup_context(ctx, inputs, output):
                x, w = inputs
                ctx.save_for_backward(x, w)

            @staticmethod
            def backward(ctx, g):
                x, w = ctx.saved_tensors
                return g * w, g * x

        x = torch.tensor([1.0, 2.0], requires_grad=True)
        w = torch.tensor([3.0, 4.0], requires_grad=True)
        y = MyLinear.apply(x, w)
        y.sum().backward()
        return [masked_as_minigrad(repr(y.grad_fn)), str(x.grad), str(w.grad)]

    assert (
        same_in_torch(scenario)[0] == "<minigrad.autograd.function.MyLinearBackward object at 0x…>"
    )


def test_vjp_is_another_name_for_backward():
    def scenario(torch):
        class V(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def vjp(ctx, g):
                return g * 2

        class Both(V):
            @staticmethod
            def backward(ctx, g):
                return g

        x = torch.ones(2, requires_grad=True)
        V.apply(x).sum().backward()
        return [str(x.grad), error_text(lambda: Both.apply(x).sum().backward())]

    assert same_in_torch(scenario) == [
        "tensor([2., 2.])",
        "Implementing both 'backward' and 'vjp' for a custom Function is not allowed. You should "
        "only implement one of them.",
    ]


# --- what backward returns ------------------------------------------------------------------------
def bad_functions(torch):
    def make(name, forward, backward):
        return type(
            name,
            (torch.autograd.Function,),
            {"forward": staticmethod(forward), "backward": staticmethod(backward)},
        )

    return {
        "one for two": make("Bad", lambda ctx, a, b: a * b, lambda ctx, g: g),
        "three for one": make("Bad", lambda ctx, a: a * 2, lambda ctx, g: (g, g, g)),
        "scalar shape": make("BadShape", lambda ctx, a: a * 2, lambda ctx, g: g.sum()),
        "wrong shape": make("BadShape2", lambda ctx, a: a * 2, lambda ctx, g: torch.ones(3)),
        "python float": make("BadFloat", lambda ctx, a: a * 2, lambda ctx, g: 1.0),
        "non-tensor arg": make("GradForNonTensor", lambda ctx, a, k: a * k, lambda ctx, g: (g, g)),
    }


BAD_BACKWARD_ERRORS = {
    "one for two": (
        "function BadBackward returned an incorrect number of gradients (expected 2, got 1)"
    ),
    "three for one": (
        "function BadBackward returned an incorrect number of gradients (expected 1, got 3)"
    ),
    "scalar shape": (
        "Function BadShapeBackward returned an invalid gradient at index 0 - got [] but expected "
        "shape compatible with [2]"
    ),
    "wrong shape": (
        "Function BadShape2Backward returned an invalid gradient at index 0 - got [3] but "
        "expected shape compatible with [2]"
    ),
    "python float": "expected Variable or None (got float)",
    "non-tensor arg": (
        "function GradForNonTensorBackward returned a gradient different than None at position "
        "2, but the corresponding forward input was not a Variable"
    ),
}


@pytest.mark.parametrize("case", BAD_BACKWARD_ERRORS)
def test_backward_return_errors(case):
    def scenario(torch):
        fn = bad_functions(torch)[case]
        a = torch.ones(2, requires_grad=True)
        args = {"one for two": (a, a * 1), "non-tensor arg": (a, 2)}.get(case, (a,))
        return [error_text(lambda: fn.apply(*args).sum().backward())]

    assert same_in_torch(scenario) == [BAD_BACKWARD_ERRORS[case]]


def test_broadcastable_and_wrong_dtype_grads_are_fitted():
    def scenario(torch):
        class Wide(torch.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                return a * 2

            @staticmethod
            def backward(ctx, g):
                return torch.ones(3, 2, dtype=torch.float64)

        a = torch.ones(2, requires_grad=True)
        Wide.apply(a).sum().backward()
        return [str(a.grad), str(a.grad.dtype)]

    assert same_in_torch(scenario) == ["tensor([3., 3.])", "torch.float32"]


def test_grads_for_inputs_that_need_none_are_dropped():
    def scenario(torch):
        class Mul(torch.autograd.Function):
            @staticmethod
            def forward(ctx, a, b):
                return a * b

            @staticmethod
            def backward(ctx, g):
                return None, g

        a = torch.ones(2, requires_grad=True)
        b = torch.ones(2)
        c = torch.ones(2, requires_grad=True)
        Mul.apply(a, b).sum().backward()
        Mul.apply(a, c).sum().backward()
        return [str(a.grad), str(b.grad), str(c.grad)]

    assert same_in_torch(scenario) == ["None", "None", "tensor([1., 1.])"]


def test_no_backward_and_no_forward():
    def scenario(torch):
        class NoBackward(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

        class NoForward(torch.autograd.Function):
            pass

        x = torch.ones(2, requires_grad=True)
        return [
            error_text(lambda: NoBackward.apply(x).sum().backward(), NotImplementedError),
            error_text(lambda: NoForward.apply(x), NotImplementedError),
        ]

    assert same_in_torch(scenario) == [
        "You must implement either the backward or vjp method for your custom autograd.Function "
        "to use it with backward mode AD.",
        "You must implement the forward function for custom autograd.Function.",
    ]


# --- saved tensors ----------------------------------------------------------------------------
def test_save_for_backward_takes_tensors_and_none():
    def scenario(torch):
        class Saver(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(None, x, x * 2)
                return x * 3

            @staticmethod
            def backward(ctx, g):
                nothing, x, doubled = ctx.saved_tensors
                return g * doubled / x + (0 if nothing is None else 1)

        class Bad(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x, 3)
                return x

        x = torch.ones(2, requires_grad=True)
        y = Saver.apply(x)
        y.sum().backward()
        return [
            str(x.grad),
            error_text(lambda: y.sum().backward()),
            error_text(lambda: y.grad_fn.saved_tensors),
            error_text(lambda: Bad.apply(x), TypeError),
        ]

    log = same_in_torch(scenario)
    assert log[0] == "tensor([2., 2.])"
    assert log[1] == log[2]
    assert log[1].startswith("Trying to backward through the graph a second time")
    assert log[3] == "save_for_backward can only save variables, but argument 1 is of type int"


def test_saved_tensors_are_version_checked():
    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        y = my_exp(torch).apply(x)
        z = y * 1
        with torch.no_grad():
            y.add_(1)
        return [error_text(lambda: z.sum().backward())]

    (message,) = same_in_torch(scenario)
    assert "which is output 0 of MyExp, is at version 1; expected version 0" in message


def test_retain_graph_keeps_saved_tensors():
    x = minigrad.ones(2, requires_grad=True)
    y = my_exp(minigrad).apply(x)
    y.sum().backward(retain_graph=True)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.e * np.ones(2), rtol=1e-6)


# --- outputs ------------------------------------------------------------------------------------
def test_non_differentiable_and_integer_outputs_get_zero_grads():
    def scenario(torch):
        seen = []

        class SortFn(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                i = x.argmax()
                ctx.mark_non_differentiable(i)
                return x * 2, i

            @staticmethod
            def backward(ctx, gv, gi):
                seen.append((str(gv), str(gi)))
                return gv

        class IntOut(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x.long(), x * 2

            @staticmethod
            def backward(ctx, g_int, g):
                seen.append(str(g_int))
                return g * 2

        x = torch.tensor([3.0, 1.0, 2.0], requires_grad=True)
        v, i = SortFn.apply(x)
        log = [str(v), str((i.requires_grad, i.grad_fn))]
        v.sum().backward()
        n, m = IntOut.apply(x)
        log.append(str((n.requires_grad, n.grad_fn)))
        m.sum().backward()
        return [*log, *map(str, seen), str(x.grad)]

    assert same_in_torch(scenario) == [
        "tensor([6., 2., 4.], grad_fn=<SortFnBackward>)",
        "(False, None)",
        "(False, None)",
        "('tensor([1., 1., 1.])', 'tensor(0)')",
        "tensor([0, 0, 0])",
        "tensor([3., 3., 3.])",
    ]


@pytest.mark.parametrize("materialize", [True, False])
def test_unused_outputs_get_zeros_or_none(materialize):
    def scenario(torch):
        seen = []

        class Two(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(materialize)
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, g1, g2):
                seen.append(str(g2))
                return g1 * 2

        x = torch.ones(2, requires_grad=True)
        a, _ = Two.apply(x)
        a.sum().backward()
        return seen

    assert same_in_torch(scenario) == ["tensor([0., 0.])" if materialize else "None"]


def test_no_graph_without_inputs_requiring_grad_or_under_no_grad():
    def scenario(torch):
        f = my_exp(torch)
        x = torch.ones(2, requires_grad=True)
        with torch.no_grad():
            a = f.apply(x)
        b = f.apply(torch.ones(2))
        return [str((t.requires_grad, t.grad_fn, t.is_leaf)) for t in (a, b)]

    assert same_in_torch(scenario) == ["(False, None, True)", "(False, None, True)"]


def identity(torch):
    class Id(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    return Id


def test_an_input_returned_as_it_is_comes_back_as_a_view():
    def scenario(torch):
        Id = identity(torch)
        x = torch.ones(2, requires_grad=True)
        o = Id.apply(x)
        log = [str((o is x, o._is_view(), o._base is x, o.grad_fn.name(), o._version))]
        v = (x * 1).view(2)
        log.append(str(Id.apply(v)._base is v._base))
        a = torch.ones(2)
        log.append(str((Id.apply(a) is a, Id.apply(a)._is_view())))
        with torch.no_grad():
            n = Id.apply(x)
        log.append(str((n is x, n._is_view(), n.requires_grad)))
        o.sum().backward()
        return [*log, str(x.grad)]

    assert same_in_torch(scenario) == [
        "(False, True, True, 'IdBackward', 0)",
        "True",
        "(False, True)",
        "(False, False, False)",
        "tensor([1., 1.])",
    ]


def test_views_returned_by_a_function_cannot_be_changed_in_place():
    def scenario(torch):
        Id = identity(torch)
        x = torch.ones(2, requires_grad=True)
        o = Id.apply(x * 1)
        log = [error_text(lambda: o.add_(1))]
        with torch.no_grad():
            o.add_(1)
        y = x * 1
        o = Id.apply(y)
        y.mul_(2)  # the base changed: o's graph is no longer valid
        return [*log, str(o._version), error_text(lambda: o.sum().backward())]

    log = same_in_torch(scenario)
    assert log[0] == (
        "Output 0 of Id is a view and is being modified inplace. This view was created inside a "
        "custom Function (or because an input was returned as-is) and the autograd logic to "
        "handle view+inplace would override the custom backward associated with the custom "
        "Function, leading to incorrect gradients. This behavior is forbidden. You can fix this "
        "by cloning the output of the custom Function."
    )
    assert log[2].startswith(
        "Output 0 of Id is a view and its base or another view of its base has been modified "
        "inplace. This view was created inside a custom Function"
    )


def test_mark_dirty():
    def scenario(torch):
        class Dirty(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.add_(1)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 3

        x = torch.ones(2, requires_grad=True)
        y = x * 1
        d = Dirty.apply(y)
        log = [str((d is y, d.grad_fn.name(), y._version, names(d.grad_fn)))]
        d.sum().backward()
        log.append(str(x.grad))
        a = torch.ones(2)
        log.append(str((Dirty.apply(a) is a, a._version, a.grad_fn)))
        y = x * 1
        v = y[0:1]
        Dirty.apply(v)
        log.append(str((y.grad_fn.name(), v.grad_fn.name())))
        x.grad = None
        y.sum().backward()
        log.append(str(x.grad))
        log.append(error_text(lambda: Dirty.apply(x)))
        return [*log, str((x, x._version))]

    assert same_in_torch(scenario) == [
        "(True, 'DirtyBackward', 2, ['MulBackward0'])",
        "tensor([3., 3.])",
        "(True, 2, None)",
        "('torch::autograd::CopySlices', 'AsStridedBackward0')",
        "tensor([3., 1.])",
        "a leaf Variable that requires grad has been used in an in-place operation.",
        "(tensor([2., 2.], requires_grad=True), 2)",
    ]


# --- once_differentiable, instantiation, mark_shared_storage -------------------------------------
def test_once_differentiable():
    def scenario(torch):
        class Sq(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            @torch.autograd.function.once_differentiable
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return 2 * x * g

        x = torch.tensor(3.0, requires_grad=True)
        (g,) = torch.autograd.grad(Sq.apply(x), x, create_graph=True)
        log = [str((g, g.requires_grad, g.grad_fn))]
        log.append(error_text(lambda: torch.autograd.grad(g, x)))
        y = Sq.apply(x)
        (g,) = torch.autograd.grad(y * y, x, create_graph=True)
        log += [str(g), error_text(g.backward)]
        return log

    assert same_in_torch(scenario) == [
        "(tensor(6.), False, None)",
        "element 0 of tensors does not require grad and does not have a grad_fn",
        "tensor(108., grad_fn=<Error>)",
        "trying to differentiate twice a function that was marked with @once_differentiable",
    ]


def test_instantiating_a_function_warns_then_fails():
    def scenario(torch):
        class F2(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            message = error_text(lambda: F2()(torch.ones(1)))
        return [message, *(f"{w.category.__name__}: {w.message}" for w in caught)]

    log = same_in_torch(scenario)
    assert log[0].startswith(
        "Legacy autograd function with non-static forward method is deprecated."
    )
    assert log[1].startswith("DeprecationWarning: <class '")
    assert log[1].endswith(
        "F2'> should not be instantiated. Methods on autograd functions are all static, so you "
        "should invoke them on the class itself. Instantiating an autograd function will raise an "
        "error in a future version of PyTorch."
    )


def test_mark_shared_storage_is_deprecated():
    class Shared(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_shared_storage((x, x))
            return x * 2

    with pytest.warns(DeprecationWarning, match="`mark_shared_storage` is deprecated"):
        Shared.apply(minigrad.ones(1, requires_grad=True))


# --- correctness: custom backwards twice differentiable, checked numerically ---------------------
class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * x * x * g


class MulAdd(Function):
    """Several inputs, a non-tensor argument and two outputs."""

    @staticmethod
    def forward(ctx, a, b, k):
        ctx.save_for_backward(a, b)
        ctx.k = k
        return a * b + k, a - b

    @staticmethod
    def backward(ctx, g1, g2):
        a, b = ctx.saved_tensors
        return g1 * b + g2, g1 * a - g2, None


def test_custom_functions_match_finite_differences():
    x = np.array([0.3, -1.2, 2.0])
    y = np.array([1.5, 0.4, -0.7])
    assert_grads_match(lambda a: Cube.apply(a) * a, [x])
    assert_grads_match(lambda a, b: sum(o * o for o in MulAdd.apply(a, b, 2.0)), [x, y])


def test_a_custom_backward_written_in_tensor_ops_is_twice_differentiable():
    x = minigrad.tensor([0.5, -1.0], dtype=minigrad.float64, requires_grad=True)
    (g,) = minigrad.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    (h,) = minigrad.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(g.detach().numpy(), 3 * x.detach().numpy() ** 2)
    np.testing.assert_allclose(h.numpy(), 6 * x.detach().numpy())
    assert minigrad.autograd.gradcheck(Cube.apply, x)
    assert minigrad.autograd.gradgradcheck(Cube.apply, x)


def test_once_differentiable_is_importable_from_autograd():
    assert once_differentiable is minigrad.autograd.function.once_differentiable
