"""Property tests: random shapes and random chains of ops, built alike in minigrad and torch.

Hypothesis draws a program step by step (each step must fit the current shape):
element-wise functions, binary ops with a fresh broadcastable operand or an earlier
result (so nodes are reused: diamonds), ``sum``/``mean`` over random dims, and
reshapes/transposes/expands. The program runs in both
libraries on the same float64 data; values, graphs and every leaf's gradient must agree.
A second property checks a few ops against finite differences instead of torch.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_grads_match
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

UNARY = {
    "neg": lambda x: -x,
    "exp": lambda x: x.tanh().exp(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu(),
    "abs": lambda x: x.abs(),
    "sin": lambda x: x.sin(),
    "cos": lambda x: x.cos(),
    "square": lambda x: x * x,
    "cube": lambda x: x**3,
    "scale": lambda x: x * 2.5,
    "rsub": lambda x: 2 - x,
    "div number": lambda x: x / 3,
    "rdiv": lambda x: 1 / (x * x + 1),
    "sqrt": lambda x: (x * x + 1).sqrt(),
    "log": lambda x: (x * x + 1).log(),
    "pow": lambda x: (x * x + 1) ** 1.5,
    "rpow": lambda x: 2 ** x.tanh(),
    "clamp": lambda x: x.clamp(-0.5, 0.5),
    "clone": lambda x: x.clone(),
}
BINARY = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: y - x,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / (y * y + 1),
    "pow": lambda x, y: (x * x + 1) ** y.tanh(),
    "where": lambda x, y: x.where(x > y, y),
}
ELEMENTS = st.floats(-2, 2, allow_nan=False, width=64)


def broadcastable_to(shape: tuple[int, ...]):
    """Shapes that broadcast to ``shape``: some dims set to 1, some leading dims dropped."""
    return st.integers(0, len(shape)).flatmap(
        lambda drop: st.tuples(*(st.sampled_from([n, 1]) for n in shape[drop:]))
    )


@st.composite
def step(draw, shape: tuple[int, ...]):
    """One op that fits ``shape``: (description, fn(x, leaf), shape of a new leaf or None)."""
    kinds = ["unary", "binary", "reduce"] + (["shape"] if shape else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "unary":
        name = draw(st.sampled_from(sorted(UNARY)))
        return name, lambda lib, x, y: UNARY[name](x), None
    if kind == "binary":
        name = draw(st.sampled_from(sorted(BINARY)))
        other = draw(broadcastable_to(shape))
        if draw(st.booleans()):  # the new operand may also be the one that broadcasts up
            shape, other = other, shape
        return f"{name} {other}", lambda lib, x, y: BINARY[name](x, y), other
    if kind == "reduce":
        return (*draw(reduction(len(shape))), None)
    return (*draw(reshaping(shape)), None)


@st.composite
def reduction(draw, ndim: int):
    how = draw(st.sampled_from(["sum", "mean"]))
    if ndim == 0 or draw(st.booleans()):
        return f"{how}()", lambda lib, x, y: getattr(x, how)()
    dims = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    dims = tuple(d - ndim if draw(st.booleans()) else d for d in dims)  # negative dims too
    keepdim = draw(st.booleans())
    return f"{how}({dims}, {keepdim})", lambda lib, x, y: getattr(x, how)(dims, keepdim)


@st.composite
def reshaping(draw, shape: tuple[int, ...]):
    ndim = len(shape)
    options = ["flatten", "unsqueeze expand", "reshape"]
    options += ["transpose", "permute"] if ndim > 1 else []
    options += ["t"] if ndim <= 2 else []
    kind = draw(st.sampled_from(options))
    if kind == "flatten":
        return "view(-1)", lambda lib, x, y: x.view(-1)
    if kind == "reshape":
        new = draw(st.permutations(shape))  # same numel; a copy when x is not contiguous
        return f"reshape{new}", lambda lib, x, y: x.reshape(*new)
    if kind == "unsqueeze expand":
        dim = draw(st.integers(0, ndim))
        size = draw(st.integers(1, 3))
        new = shape[:dim] + (size,) + shape[dim:]
        return f"unsqueeze({dim}).expand{new}", lambda lib, x, y: x.unsqueeze(dim).expand(*new)
    if kind == "transpose":
        d0, d1 = draw(st.permutations(range(ndim)))[:2]
        return f"transpose({d0}, {d1})", lambda lib, x, y: x.transpose(d0, d1)
    if kind == "permute":
        order = tuple(draw(st.permutations(range(ndim))))
        return f"permute{order}", lambda lib, x, y: x.permute(*order)
    return "t()", lambda lib, x, y: x.t()


def graph(node) -> object:
    if node is None:
        return None
    return (node.name(), tuple(graph(child) for child, _ in node.next_functions))


def broadcastable(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    try:
        np.broadcast_shapes(tuple(a), tuple(b))
    except ValueError:
        return False
    return True


def assert_close(ours, theirs) -> None:
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6, atol=1e-9)


@SETTINGS
@given(data=st.data())
def test_random_programs_match_torch(data):
    torch = pytest.importorskip("torch")
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=4), label="shape")
    start = data.draw(hnp.arrays(np.float64, shape, elements=ELEMENTS), label="x")
    ours = [minigrad.tensor(start, requires_grad=True)]
    theirs = [torch.tensor(start, requires_grad=True)]
    x_ours, x_theirs = ours[0], theirs[0]
    history = [(x_ours, x_theirs)]  # earlier results, to be used again: reuse and diamonds
    for _ in range(data.draw(st.integers(1, 6), label="steps")):
        description, fn, leaf_shape = data.draw(step(tuple(x_ours.shape)), label="step")
        y_ours = y_theirs = None
        earlier = [pair for pair in history if broadcastable(pair[0].shape, x_ours.shape)]
        if leaf_shape is not None and earlier and data.draw(st.booleans(), label="reuse"):
            y_ours, y_theirs = data.draw(st.sampled_from(earlier), label="earlier result")
        elif leaf_shape is not None:
            leaf = data.draw(hnp.arrays(np.float64, leaf_shape, elements=ELEMENTS), label="y")
            y_ours = minigrad.tensor(leaf, requires_grad=True)
            y_theirs = torch.tensor(leaf, requires_grad=True)
            ours.append(y_ours)
            theirs.append(y_theirs)
        try:
            x_theirs = fn(torch, x_theirs, y_theirs)
        except RuntimeError as error:  # e.g. view(-1) of an expanded tensor: the same error
            with pytest.raises(RuntimeError) as ours_error:
                fn(minigrad, x_ours, y_ours)
            assert str(ours_error.value) == str(error)
            return
        x_ours = fn(minigrad, x_ours, y_ours)
        assert tuple(x_ours.shape) == tuple(x_theirs.shape), description
        assume(np.isfinite(x_theirs.detach().numpy()).all())
        assert_close(x_ours, x_theirs)
        history.append((x_ours, x_theirs))
    assert graph(x_ours.grad_fn) == graph(x_theirs.grad_fn)
    weights = np.arange(1.0, x_theirs.numel() + 1).reshape(tuple(x_theirs.shape))
    (x_ours * minigrad.tensor(weights)).sum().backward()
    (x_theirs * torch.tensor(weights)).sum().backward()
    for mine, expected in zip(ours, theirs):
        assert (mine.grad is None) == (expected.grad is None)
        if expected.grad is not None:
            assume(np.isfinite(expected.grad.numpy()).all())
            assert_close(mine.grad, expected.grad)


@SETTINGS
@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    op=st.sampled_from(["add", "sub", "mul", "div", "pow"]),
    data=st.data(),
)
def test_broadcasting_ops_match_finite_differences(shapes, op, data):
    a_shape, b_shape = shapes.input_shapes
    a = data.draw(hnp.arrays(np.float64, a_shape, elements=st.floats(0.5, 2)), label="a")
    b = data.draw(hnp.arrays(np.float64, b_shape, elements=st.floats(-2, 2)), label="b")
    assert_grads_match(lambda x, y: BINARY[op](x, y), [a, b])


@SETTINGS
@given(
    shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=3),
    how=st.sampled_from(["sum", "mean"]),
    data=st.data(),
)
def test_reductions_over_random_dims_match_finite_differences(shape, how, data):
    x = data.draw(hnp.arrays(np.float64, shape, elements=ELEMENTS), label="x")
    ndim = len(shape)
    dim = st.integers(-ndim, ndim - 1)
    dims = data.draw(st.lists(dim, min_size=1, unique_by=lambda d: d % ndim), label="dims")
    keepdim = data.draw(st.booleans())
    assert_grads_match(lambda t: getattr(t, how)(tuple(dims), keepdim) ** 2, [x])
