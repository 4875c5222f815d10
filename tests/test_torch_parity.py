"""The same code run with minigrad and with PyTorch gives the same results.

Each case is a line of PyTorch code that leaves its result in ``out``. It runs
twice, with ``torch`` bound to each library, and the two runs must agree on the
``repr`` of ``out`` (values, ``grad_fn=<...>``, ``dtype=``), its node's name, the
shape of the graph below it (node names, ``None`` edges), and then, after a
weighted ``backward``, on the ``.grad`` of every leaf the line created. Error
cases must raise the same exception type with the same message.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from torch_parity import masked

import minigrad

torch = pytest.importorskip("torch")

SETUP = (
    "a = torch.tensor([[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]], dtype=torch.float64, "
    "requires_grad=True); "
    "b = torch.tensor([[2.0, 1.0, -0.5], [3.0, -1.5, 2.5]], dtype=torch.float64, "
    "requires_grad=True); "
    "p = torch.tensor([[0.5, 1.0, 2.0], [3.0, 0.25, 1.5]], requires_grad=True); "
    "v = torch.tensor([1.0, -2.0, 0.5], requires_grad=True); "
    "s = torch.tensor(1.5, requires_grad=True); "
    "c = torch.tensor([[3.0, 4.0, 5.0], [6.0, 7.0, 8.0]], dtype=torch.float64); "
)

EXPRESSIONS = [
    # arithmetic and reflected operators
    "a + b", "a + 2", "2 + a", "a + 2.5", "torch.add(a, b, alpha=2)", "a - b", "a - 2", "2 - a",
    "torch.sub(a, b, alpha=3)", "torch.rsub(a, b)", "torch.rsub(a, 2, alpha=3)", "a * b", "a * 2",
    "2 * a", "a * a", "a * c", "c * a", "a / b", "a / 2", "2 / a", "c / a", "p ** 2", "p ** 2.0",
    "p ** 0.5", "p.pow(3)", "torch.square(p)", "p ** p", "2 ** p", "-a", "a.neg()",
    "a.reciprocal()", "+a", "a + True", "1 - v", "3 / v", "a % 2", "a % b",
    "torch.remainder(a, -1.5)",
    # broadcasting and mixed dtypes
    "a + v", "a * s", "v * a", "a[:, :1] + b[:1]", "p * a", "a * 2.5", "p * torch.ones(1)",
    "torch.ones(4, 1, 3, requires_grad=True) * torch.ones(2, 1, requires_grad=True)",
    # element-wise functions
    "a.exp()", "p.log()", "a.tanh()", "a.sigmoid()", "torch.sigmoid(a)", "a.relu()",
    "torch.relu(a)", "a.abs()", "p.sqrt()", "a.sin()", "a.cos()", "a.sign()", "a.clamp(min=0)",
    "a.clamp(-1, 1)", "torch.clamp(a, max=0.5)", "torch.where(a > 0, a, b)",
    "torch.where(a > 0, a, 0.0)", "a.masked_fill(a < 0, 0.0)", "a.clone()", "p.double()",
    "a.float()", "p.to(torch.float64)",
    # reductions
    "a.sum()", "a.sum(0)", "a.sum(dim=1, keepdim=True)", "a.sum(-1)", "a.sum((0, 1))",
    "a.sum(())", "a.mean()", "a.mean(0)", "a.mean(dim=1)", "a.mean(-1, keepdim=True)",
    "a.sum_to_size(1, 3)", "v.sum(0)", "s.sum()", "s.mean(0)",
    # shapes and views
    "a.view(3, 2)", "a.view(-1)", "a.reshape(3, 2)", "a.reshape(-1)", "a.t().reshape(6)",
    "a.t().reshape(3, 2)", "a.flatten()", "a.t().flatten()", "a.unsqueeze(0)", "a.unsqueeze(-1)",
    "a.unsqueeze(0).squeeze()", "a.unsqueeze(0).squeeze(0)", "a.unsqueeze(1).squeeze((0, 1))",
    "a[:1].expand(4, 3)", "a.expand(2, 2, 3)", "v.expand(2, 3)", "a.permute(1, 0)", "a.T", "a.t()",
    "a.mT", "a.transpose(0, 1)", "a.t().contiguous()", "a.contiguous()", "v.t()",
    # whole graphs
    "(a * a * 3).mean()", "((a + 2) * (a + 2) * 3).mean()", "a + a", "(a + a) * (a + a) + (a + a)",
    "(a + b) * a", "(a * 2).sum()", "a.exp().log().tanh().sum(1)",
    "(p.sqrt() + p.reciprocal() * a.float()).mean(0)",
    # PyTorch's conventions at kinks (§10.1)
    "torch.tensor([0.0, -1.0, 2.0], requires_grad=True).relu()",
    "torch.tensor([0.0, -1.0, 2.0], requires_grad=True).abs()",
    "torch.tensor([0.0, -1.0], requires_grad=True).clamp(min=0)",
    "torch.tensor([0.0, 1.0], requires_grad=True).sqrt()",
    "torch.tensor([0.0, 1.0], requires_grad=True) ** 0.5",
    "torch.tensor([0.0, 1.0], requires_grad=True).log()",
    "torch.tensor([0.0, 1.0], requires_grad=True) ** 0",
    "torch.tensor([0.0, 1.0], requires_grad=True) ** 2",
    "0 ** torch.tensor([0.0, 1.0, -1.0], requires_grad=True)",
    "torch.tensor(-1.0, requires_grad=True) ** torch.tensor(0.5, requires_grad=True)",
    "torch.tensor(0.0, requires_grad=True) ** torch.tensor(2.0, requires_grad=True)",
    "torch.tensor([float('nan'), 1.0], requires_grad=True).relu()",
    # results that record nothing
    "c + 2", "torch.arange(3) * 2", "torch.arange(3) / 2", "torch.arange(3) + 1.5",
    "torch.ones(2) + torch.tensor(1.0, dtype=torch.float64)", "a > 0", "a.detach() * 2",
    "c // 2", "c % 2.5", "torch.tensor([5, -5]) % 3", "torch.tensor([5, -5]) // 3",
    "torch.tensor([1, 2]) ** 2.0", "torch.tensor([True, False]).sum()", "c.mean(1)",
]  # fmt: skip


def run(library, code: str) -> dict:
    namespace = {"torch": library, "np": np}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the x.T deprecation, tested elsewhere
        exec(SETUP + code, namespace)
    return namespace


def structure(node, depth: int = 4):
    """A node as (name, edges) with its children down to ``depth``; None stays None."""
    if node is None:
        return None
    if depth == 0:
        return node.name()
    return (node.name(), tuple((structure(n, depth - 1), nr) for n, nr in node.next_functions))


def leaves(namespace: dict) -> dict:
    return {
        name: value
        for name, value in namespace.items()
        if hasattr(value, "requires_grad") and value.requires_grad and value.is_leaf
    }


def weights(library, out):
    """Distinct weights 1, 2, 3, ... for a backward through a non-scalar ``out``."""
    data = np.arange(1.0, out.numel() + 1).reshape(tuple(out.shape))
    return library.tensor(data).to(out.dtype)


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_same_result_graph_and_gradients(expression):
    ours = run(minigrad, f"out = {expression}")
    theirs = run(torch, f"out = {expression}")
    out, expected = ours["out"], theirs["out"]
    assert masked(repr(out)) == masked(repr(expected))
    assert structure(out.grad_fn) == structure(expected.grad_fn)
    if not expected.requires_grad:
        return
    out.backward(weights(minigrad, out))
    expected.backward(weights(torch, expected))
    our_leaves, their_leaves = leaves(ours), leaves(theirs)
    assert our_leaves.keys() == their_leaves.keys()
    for name, leaf in their_leaves.items():
        mine = our_leaves[name]
        assert (mine.grad is None) == (leaf.grad is None), name
        if leaf.grad is not None:
            assert masked(repr(mine.grad)) == masked(repr(leaf.grad)), name
            np.testing.assert_allclose(mine.grad.numpy(), leaf.grad.numpy(), rtol=1e-6)


SECOND_ORDER = [
    "x = torch.tensor(2.0, requires_grad=True); (x ** 3).backward(create_graph=True); out = x.grad",
    "x = torch.tensor(2.0, requires_grad=True); (x ** 3).backward(create_graph=True); "
    "(x ** 3).backward(create_graph=True); out = x.grad",
    "x = torch.tensor(2.0, requires_grad=True); out, = torch.autograd.grad(x ** 3, x, "
    "create_graph=True)",
    "x = torch.tensor([1.0, 2.0], requires_grad=True); "
    "g, = torch.autograd.grad((x.exp() * x).sum(), x, create_graph=True); "
    "out, = torch.autograd.grad(g.sum(), x)",
    "x = torch.tensor(2.0, requires_grad=True); y = x ** 3; y.backward(create_graph=True); "
    "y.backward(); out = x.grad",
]


@pytest.mark.parametrize("code", SECOND_ORDER)
def test_same_results_of_create_graph(code):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the create_graph reference-cycle warning
        ours, theirs = run(minigrad, code)["out"], run(torch, code)["out"]
    assert masked(repr(ours)) == masked(repr(theirs))
    assert (ours.grad_fn is None) == (theirs.grad_fn is None)
    if theirs.grad_fn is not None:
        assert ours.grad_fn.name() == theirs.grad_fn.name()


# Lines that raise: §2.3, §4, §5, §6 (and a few more).
ERRORS = [
    # §2.3 requires_grad
    "y = a * 2; y.requires_grad = False",
    "y = a * 2; y.requires_grad = True",
    "y = a * 2; y.requires_grad_(False)",
    "i = torch.tensor([1, 2, 3]); i.requires_grad = True",
    "torch.tensor([1, 2, 3], requires_grad=True)",
    "torch.ones(3, dtype=torch.long, requires_grad=True)",
    "torch.tensor([True], requires_grad=True)",
    "torch.arange(3).requires_grad_()",
    "torch.Tensor([1.0, 2.0], requires_grad=True)",
    "a.view(6).detach_()",
    "a.numpy()",
    "a.item()",
    "float(a)",
    "len(torch.tensor(3.0))",
    "torch.set_default_dtype(torch.int64)",
    "torch.tensor([[1, 2], [3]])",
    "torch.tensor([1.0, 'a'])",
    # §4 Tensor.backward
    "(a + 2).backward()",
    "(v * 2).backward(torch.ones(3, 1))",
    "(a * 2).backward(torch.ones(6))",
    "(a * 2).backward(torch.ones(1, 3))",
    "(a * 2).sum().backward(torch.ones(1))",
    "(v * 2).backward([1.0, 1.0, 1.0])",
    "(v * 2).backward(2.0)",
    "torch.ones(2).sum().backward()",
    "(v * 2).sum().backward(inputs=[])",
    "(v * 2).sum().backward(inputs=[v, c])",
    "(v * 2).sum().backward(grad_variables=torch.tensor(1.0))",
    "y = (v * v).sum(); y.backward(); y.backward()",
    "y = v.exp().sum(); y.backward(); y.backward()",
    "y = (v / 2).sum(); y.backward(); y.grad_fn.next_functions[0][0]._saved_other",
    "y = (v * 2).sum(); y.backward(retain_graph=True); y.backward(); y.backward()",
    "y = s ** 3; y.backward(create_graph=True, retain_graph=False); y.backward()",
    "a.grad = torch.ones(3)",
    "a.grad = torch.ones(2, 3)",
    "a.grad = [1.0]",
    "torch.ones(3).retain_grad()",
    # §5 autograd.backward
    "torch.autograd.backward([v * 2, v ** 2], [None, torch.ones(3)])",
    "torch.autograd.backward([v * 2, v ** 2], [torch.ones(3)])",
    "torch.autograd.backward([v * 2, torch.ones(3)], [torch.ones(3), torch.ones(3)])",
    "torch.autograd.backward([v * 2], [torch.ones(3)], inputs=[])",
    "torch.autograd.backward([v * 2], [torch.ones(3)], grad_variables=[torch.ones(3)])",
    # §6 autograd.grad
    "torch.autograd.grad((2 * v).sum(), [v, s])",
    "torch.autograd.grad((2 * v).sum(), [v, s], materialize_grads=True, allow_unused=False)",
    "torch.autograd.grad((2 * v).sum(), [v, v.detach()])",
    "torch.autograd.grad((2 * v).sum(), [v, c])",
    "torch.autograd.grad(torch.ones(2).sum(), [v])",
    "torch.autograd.grad((2 * v).sum(), [])",
    "torch.autograd.grad(2 * v, v)",
    "torch.autograd.grad(2 * v, v, torch.ones(2))",
    "y = (v * v).sum(); torch.autograd.grad(y, v); torch.autograd.grad(y, v)",
    # ops
    "torch.ones(2, 3) + torch.ones(4)",
    "torch.ones(2, 1, 3) * torch.ones(4, 5)",
    "a.view(4)",
    "a.t().view(6)",
    "a.view(-1, -1)",
    "a.reshape(3, -2)",
    "a.sum(2)",
    "a.sum((0, -2))",
    "a.permute(0, 0)",
    "a.permute(0)",
    "a.expand(2, 4)",
    "a.expand(2)",
    "a[:1].expand(-1, 2, 3)",
    "a.unsqueeze(3)",
    "a.view(2, 3, 1).t()",
    "torch.arange(3).mean()",
    "torch.tensor([1, 2]) ** -1",
    "-torch.tensor([True])",
    "a.size(2)",
    "bool(a)",
    "a.clamp()",
    "(a // 2).sum().backward()",
    "(2 // a).sum().backward()",
    "(5 % a).sum().backward()",
]


def raised(library, code: str) -> tuple[str, str]:
    try:
        run(library, code)
    except Exception as exc:  # noqa: BLE001 - the exception is the result
        return type(exc).__name__, str(exc)
    raise AssertionError(f"{library.__name__}: no exception from {code}")


@pytest.mark.parametrize("code", ERRORS)
def test_same_error(code):
    assert raised(minigrad, code) == raised(torch, code)


HOOKED = "y = v * v; h = y.register_hook(lambda g: g * 10); "


@pytest.mark.parametrize(
    "code",
    [
        "out = torch.autograd.grad((v * v).sum(), v)",
        "out = torch.autograd.grad((a * b).sum(), {'a': a, 'b': b})",
        "out = torch.autograd.grad((2 * v).sum(), [v, s], allow_unused=True)",
        "out = torch.autograd.grad((2 * v).sum(), [v, s], materialize_grads=True)",
        "out = torch.autograd.grad([(2 * v).sum(), (v * v).sum()], v)",
        "out = torch.autograd.grad([2 * v, (v * v).sum()], v, [torch.ones(3), None])",
        "y = v * 2; out = torch.autograd.grad((y * 3).sum(), [y, v])",
        "out = torch.autograd.grad(v ** 2, v, torch.eye(3), is_grads_batched=True)",
        # a tensor hook on a requested non-leaf: the gradient before the hook if it flows on
        HOOKED + "out = torch.autograd.grad(y.sum(), [y, v])",
        HOOKED + "out = torch.autograd.grad(y.sum(), [y])",
        HOOKED + "y.sum().backward(inputs=[y, v]); out = (y.grad, v.grad, y.retains_grad)",
        "h = v.register_hook(lambda g: g * 10); out = torch.autograd.grad((v * v).sum(), v)",
    ],
)
def test_same_autograd_grad_results(code):
    if "is_grads_batched" in code and not hasattr(minigrad, "stack"):
        pytest.skip("is_grads_batched needs minigrad.stack")
    ours, theirs = run(minigrad, code)["out"], run(torch, code)["out"]
    assert type(ours) is type(theirs)
    assert masked(repr(ours)) == masked(repr(theirs))


@pytest.mark.parametrize("op", ["x * c", "x + c", "x - c", "c - x", "x / c", "c / x", "x * y"])
@pytest.mark.parametrize("c", [0.1, 1 / 3, 2.7182818])
def test_float32_arithmetic_rounds_exactly_as_pytorch(op, c):
    # A Python number becomes a float32 before the operation, not after it: 1 ulp matters
    # when a notebook prints .item() or compares results with ==.
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((2, 1000)).astype(np.float32)
    results = []
    for library in (minigrad, torch):
        namespace = {"x": library.tensor(x), "y": library.tensor(y), "c": c}
        results.append(eval(op, namespace).numpy())  # noqa: S307 - our own expressions
    np.testing.assert_array_equal(*results)


ORDER_SETUP = (
    "log = []; g = torch.tensor(1.0, requires_grad=True); "
    "h = torch.tensor(2.0, requires_grad=True); "
    "hooks = [t.register_hook(lambda grad, n=n: log.append(n)) for n, t in (('g', g), ('h', h))]; "
)


@pytest.mark.parametrize(
    "code",
    [
        # g's AccumulateGrad was made first (by `unused`) but runs as soon as it is ready
        "unused = g * 5; c = h * 2; d = g * 3; (c + d).backward()",
        "c = g * 2; d = h * 3; e = c * d; (e + g).backward()",
        "c = g * h; d = c * g; (d + c + h).backward()",
    ],
)
def test_same_order_of_backward(code):
    assert run(minigrad, ORDER_SETUP + code)["log"] == run(torch, ORDER_SETUP + code)["log"]
