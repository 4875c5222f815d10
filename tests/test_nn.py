"""Tests for minigrad.nn: Parameter, Module, layers, losses, init, and freezing (reference §12).

Gradients are checked against float64 central differences (``conftest.assert_grads_match``);
reprs, values, gradients and error texts against PyTorch 2.13 when it is installed.
"""

from __future__ import annotations

import copy
import math
import pickle
import warnings

import numpy as np
import pytest
from conftest import assert_grads_match
from torch_parity import raised

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.nn import init


def to_torch(torch, t: minigrad.Tensor, requires_grad: bool = False):
    return torch.tensor(t.detach().numpy(), requires_grad=requires_grad)


def copy_weights(torch, ours: nn.Module, theirs) -> None:
    """Give a torch module the same parameter values as ours (same names)."""
    with torch.no_grad():
        for name, p in theirs.named_parameters():
            p.copy_(to_torch(torch, dict(ours.named_parameters())[name]))


def make_net(nn_=nn):
    """A model with a nested Sequential, as in the course's chapters, from minigrad or torch."""

    class Net(nn_.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = nn_.Sequential(nn_.Linear(3, 4), nn_.ReLU(), nn_.Linear(4, 2))
            self.head = nn_.Linear(2, 1)

        def forward(self, x):
            return self.head(self.body(x))

    return Net()


# --- Parameter -----------------------------------------------------------------------------------
def test_parameter_is_a_leaf_tensor_that_requires_grad_even_under_no_grad():
    with minigrad.no_grad():
        p = nn.Parameter(minigrad.ones(2))
    assert isinstance(p, minigrad.Tensor)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    assert not nn.Parameter(minigrad.ones(2), requires_grad=False).requires_grad


def test_parameter_repr():
    assert repr(nn.Parameter(minigrad.ones(2))) == (
        "Parameter containing:\ntensor([1., 1.], requires_grad=True)"
    )
    assert str(nn.Parameter(minigrad.ones(2), requires_grad=False)) == (
        "Parameter containing:\ntensor([1., 1.])"
    )
    assert repr(nn.Parameter()) == "Parameter containing:\ntensor([], requires_grad=True)"


def test_parameter_repr_matches_torch():
    torch = pytest.importorskip("torch")
    values = np.arange(6.0).reshape(2, 3) / 7
    for dtype, tdtype in ((minigrad.float32, torch.float32), (minigrad.float64, torch.float64)):
        ours = nn.Parameter(minigrad.tensor(values, dtype=dtype))
        theirs = torch.nn.Parameter(torch.tensor(values, dtype=tdtype))
        assert repr(ours) == repr(theirs)


def test_parameter_shares_memory_and_version_with_its_source():
    t = minigrad.ones(2)
    p = nn.Parameter(t)
    t._data[0] = 5.0
    t._version_counter.value += 1
    assert p.tolist() == [5.0, 1.0]
    assert p._version == 1


def test_parameter_of_integers_cannot_require_grad():
    exc_type, message = raised(lambda: nn.Parameter(minigrad.tensor([1, 2])))
    assert exc_type is RuntimeError
    assert message == "Only Tensors of floating point and complex dtype can require gradients"


def test_parameter_survives_deepcopy_and_pickle():
    p = nn.Parameter(minigrad.tensor([1.0, 2.0]))
    for clone in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert type(clone) is nn.Parameter
        assert clone.requires_grad and clone.tolist() == [1.0, 2.0]
        assert clone.data_ptr() != p.data_ptr()


def test_a_parameter_is_changed_in_place_only_under_no_grad():
    layer = nn.Linear(2, 1)
    exc_type, message = raised(layer.weight.add_, 1.0)
    assert exc_type is RuntimeError
    assert message == "a leaf Variable that requires grad is being used in an in-place operation."
    assert init.zeros_(layer.weight) is layer.weight  # init works under no_grad
    assert type(layer.weight * 2) is minigrad.Tensor  # results of ops are plain tensors


# --- Module: registration and traversal ----------------------------------------------------------
def test_named_parameters_have_dotted_names():
    net = make_net()
    names = [name for name, _ in net.named_parameters()]
    assert names == [
        "body.0.weight",
        "body.0.bias",
        "body.2.weight",
        "body.2.bias",
        "head.weight",
        "head.bias",
    ]
    assert [p.shape for p in net.parameters()] == [(4, 3), (4,), (2, 4), (2,), (1, 2), (1,)]
    assert [name for name, _ in net.named_modules()] == [
        "",
        "body",
        "body.0",
        "body.1",
        "body.2",
        "head",
    ]
    assert [name for name, _ in net.named_children()] == ["body", "head"]
    assert list(net.children()) == [net.body, net.head]
    assert [name for name, _ in net.body.named_parameters(prefix="body")][:1] == ["body.0.weight"]
    assert len(list(net.parameters(recurse=False))) == 0


def test_only_parameters_and_modules_are_registered():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(minigrad.ones(2))
            self.plain = minigrad.ones(2)  # a tensor attribute, not a weight
            self.layers = [nn.Linear(2, 2)]  # a Python list hides its layers

    m = M()
    assert [name for name, _ in m.named_parameters()] == ["w"]
    assert list(m.children()) == []
    assert m.w is m._parameters["w"]
    m.extra = nn.Parameter(minigrad.zeros(1))
    m.w = nn.Parameter(minigrad.zeros(3))  # replacing a parameter keeps its place
    assert [name for name, _ in m.named_parameters()] == ["w", "extra"]
    del m.extra
    m.w = None
    assert list(m.parameters()) == [] and m.w is None
    del m.w
    assert "w" not in m._parameters


def test_a_shared_parameter_is_listed_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(model.parameters())) == 2
    assert [name for name, _ in model.named_modules()] == ["", "0", "1"]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_registration_errors_match_torch():
    torch = pytest.importorskip("torch")

    def before_init(nn_, value):
        class Bad(nn_.Module):
            def __init__(self):
                self.x = value

        return Bad

    cases = [
        lambda nn_, t: before_init(nn_, nn_.Parameter(t.ones(1)))(),
        lambda nn_, t: before_init(nn_, nn_.Linear(1, 1))(),
        lambda nn_, t: setattr(nn_.Linear(2, 1), "weight", t.ones(1, 2)),
        lambda nn_, t: setattr(nn_.Sequential(nn_.ReLU()), "0", 3),
        lambda nn_, t: nn_.Linear(2, 1).register_parameter("a.b", None),
        lambda nn_, t: nn_.Linear(2, 1).register_parameter("c", t.ones(1)),
        lambda nn_, t: nn_.Linear(2, 1).register_parameter("c", nn_.Parameter(t.ones(1)) * 2),
        lambda nn_, t: nn_.Linear(2, 1).register_buffer("in_features", t.ones(1)),
        lambda nn_, t: nn_.Linear(2, 1).add_module("a.b", nn_.ReLU()),
        lambda nn_, t: nn_.Linear(2, 1).add_module("m", 3),
        lambda nn_, t: nn_.Linear(2, 1).missing,
        lambda nn_, t: nn_.Module()(t.ones(1)),
        lambda nn_, t: nn_.Linear(2, 1).train(1),
    ]
    for case in cases:
        assert raised(case, nn, minigrad) == raised(case, torch.nn, torch)


def test_buffers_are_state_but_not_parameters():
    m = nn.Linear(2, 1)
    m.register_buffer("running", minigrad.zeros(2))
    m.register_buffer("scratch", minigrad.zeros(1), persistent=False)
    assert [name for name, _ in m.named_buffers()] == ["running", "scratch"]
    assert list(m.state_dict()) == ["weight", "bias", "running"]
    m.running = minigrad.ones(2)
    assert m._buffers["running"].tolist() == [1.0, 1.0]
    assert len(list(m.parameters())) == 2


def test_apply_visits_children_first_and_returns_the_module():
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    seen = []
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    assert seen == ["Linear", "ReLU", "Sequential"]


def test_train_and_eval_set_training_everywhere_and_return_self():
    net = make_net()
    assert net.training and net.body[0].training
    assert net.eval() is net
    assert not net.training and not net.body[0].training and not net.head.training
    assert net.train() is net and net.body[2].training


def test_double_converts_parameters_in_place():
    model = nn.Linear(2, 1)
    weight = model.weight
    assert model.double() is model
    assert model.weight is weight and weight.dtype is minigrad.float64
    assert model(minigrad.ones(3, 2, dtype=minigrad.float64)).dtype is minigrad.float64
    assert model.to(minigrad.float32).weight.dtype is minigrad.float32


def test_deepcopy_of_a_model_copies_its_parameters():
    model = make_net()
    clone = copy.deepcopy(model)
    pairs = list(zip(model.parameters(), clone.parameters()))
    assert all(type(c) is nn.Parameter and c.requires_grad for _, c in pairs)
    assert all(p.data_ptr() != c.data_ptr() and p.tolist() == c.tolist() for p, c in pairs)
    assert [n for n, _ in clone.named_parameters()] == [n for n, _ in model.named_parameters()]


def test_forgetting_super_init_gets_a_note():
    class Forgot(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="before Module.__init__") as info:
        Forgot()
    assert any("super().__init__()" in note for note in info.value.__notes__)


# --- Module: printing ----------------------------------------------------------------------------
def test_repr_matches_torch():
    torch = pytest.importorskip("torch")
    pairs = [
        (make_net(), make_net(torch.nn)),
        (nn.Linear(3, 4, bias=False), torch.nn.Linear(3, 4, bias=False)),
        (nn.ReLU(inplace=True), torch.nn.ReLU(inplace=True)),
        (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)),
        (nn.LogSoftmax(), torch.nn.LogSoftmax()),
        (nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()),
        (nn.MSELoss(reduction="sum"), torch.nn.MSELoss(reduction="sum")),
        (
            nn.Sequential(nn.Tanh(), nn.Sigmoid()),
            torch.nn.Sequential(torch.nn.Tanh(), torch.nn.Sigmoid()),
        ),
        (nn.Sequential(), torch.nn.Sequential()),
        (nn.ModuleList(), torch.nn.ModuleList()),
    ]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
    layers = [nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2)]
    torch_layers = [
        torch.nn.Linear(2, 2),
        torch.nn.Linear(2, 2),
        torch.nn.ReLU(),
        torch.nn.Linear(2, 2),
    ]
    assert repr(nn.ModuleList(layers)) == repr(torch.nn.ModuleList(torch_layers))
    assert repr(nn.ModuleList([make_net(), make_net()])) == repr(
        torch.nn.ModuleList([make_net(torch.nn), make_net(torch.nn)])
    )


def test_repr_of_the_reference_sequential():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=3, out_features=4, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Linear(in_features=4, out_features=2, bias=True)\n"
        ")"
    )


# --- Module: gradients and saving ----------------------------------------------------------------
def test_zero_grad_sets_to_none_by_default_or_zeros_in_place():
    model = nn.Linear(3, 2)
    model(minigrad.ones(4, 3)).sum().backward()
    grad = model.weight.grad
    model.zero_grad(set_to_none=False)
    assert model.weight.grad is grad and grad.tolist() == [[0.0] * 3] * 2
    model.zero_grad()
    assert model.weight.grad is None and model.bias.grad is None


def test_state_dict_round_trip():
    source, target = make_net(), make_net()
    x = minigrad.randn(5, 3)
    state = source.state_dict()
    assert list(state) == [name for name, _ in source.named_parameters()]
    assert all(not v.requires_grad and type(v) is minigrad.Tensor for v in state.values())
    weight = target.head.weight
    result = target.load_state_dict(state)
    assert repr(result) == "<All keys matched successfully>"
    assert target.head.weight is weight  # copied into the existing parameter
    assert weight._version > 0
    assert target(x).tolist() == source(x).tolist()
    with minigrad.no_grad():  # the state dict aliases the model's parameters
        source.head.bias.add_(1.0)
    assert state["head.bias"].tolist() == source.head.bias.tolist()


def test_load_state_dict_errors_match_torch():
    torch = pytest.importorskip("torch")
    for nn_ in (nn, torch.nn):
        net = make_net(nn_)
        state = dict(net.state_dict())
        del state["head.bias"]
        result = net.load_state_dict(state, strict=False)
        assert repr(result) == ("_IncompatibleKeys(missing_keys=['head.bias'], unexpected_keys=[])")
        assert result.missing_keys == ["head.bias"]

    def load(nn_, t, edit):
        net = make_net(nn_)
        state = dict(net.state_dict())
        edit(state, t)
        net.load_state_dict(state)

    edits = [
        lambda s, t: s.pop("head.bias"),
        lambda s, t: s.update({"extra": t.ones(1), "x.y": t.ones(1)}),
        lambda s, t: (
            s.pop("body.0.bias"),
            s.update({"head.weight": t.ones(3, 3), "z": t.ones(1)}),
        ),
        lambda s, t: s.update({"head.bias": 3}),
    ]
    for edit in edits:
        assert raised(load, nn, minigrad, edit) == raised(load, torch.nn, torch, edit)


# --- Sequential and ModuleList -------------------------------------------------------------------
def test_sequential_indexing():
    layers = [nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)]
    model = nn.Sequential(*layers)
    assert len(model) == 3 and list(model) == layers
    assert model[0] is layers[0] and model[-1] is layers[2] and model[-3] is layers[0]
    tail = model[1:]
    assert type(tail) is nn.Sequential and list(tail) == layers[1:]
    assert list(tail._modules) == ["1", "2"]  # a slice keeps the original names
    assert list(model[::2]) == [layers[0], layers[2]]
    assert raised(lambda: model[3]) == (IndexError, "index 3 is out of range")
    assert raised(lambda: model[-4]) == (IndexError, "index -4 is out of range")
    extra = nn.Tanh()
    assert model.append(extra) is model and model[3] is extra
    x = minigrad.randn(2, 3)
    assert model(x).tolist() == extra(layers[2](layers[1](layers[0](x)))).tolist()


def test_sequential_with_named_layers():
    from collections import OrderedDict

    model = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 3)), ("act", nn.ReLU())]))
    assert [name for name, _ in model.named_parameters()] == ["fc.weight", "fc.bias"]
    assert model.fc is model[0]


def test_module_list_registers_its_layers():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(list(layers.parameters())) == 6
    assert layers[-1] is list(layers)[2]
    assert type(layers[1:]) is nn.ModuleList and len(layers[1:]) == 2
    layers.extend([nn.ReLU()]).append(nn.Tanh())
    assert len(layers) == 5 and [n for n, _ in layers.named_children()][-1] == "4"


# --- Linear --------------------------------------------------------------------------------------
def test_linear_default_init_is_uniform_within_one_over_sqrt_fan_in():
    minigrad.manual_seed(0)
    layer = nn.Linear(16, 200)
    bound = 1 / math.sqrt(16)
    for p in (layer.weight, layer.bias):
        values = p.detach().numpy()
        assert np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.95 * bound  # spread over the whole interval
        assert abs(values.mean()) < 0.1 * bound
    minigrad.manual_seed(0)
    again = nn.Linear(16, 200)
    assert again.weight.tolist() == layer.weight.tolist()


def test_linear_shapes_dtypes_and_parameters():
    layer = nn.Linear(3, 4, dtype=minigrad.float64)
    assert layer.weight.shape == (4, 3) and layer.bias.shape == (4,)
    assert layer.weight.dtype is minigrad.float64
    assert type(layer.weight) is nn.Parameter
    assert nn.Linear(3, 4, bias=False).bias is None
    assert [n for n, _ in nn.Linear(3, 4, bias=False).named_parameters()] == ["weight"]
    assert layer(minigrad.ones(5, 2, 3, dtype=minigrad.float64)).shape == (5, 2, 4)
    assert layer(minigrad.ones(3, dtype=minigrad.float64)).shape == (4,)


def grad_fn_chain(t, depth=3):
    names, fn = [], t.grad_fn
    while fn is not None and len(names) < depth:
        names.append(fn.name())
        nxt = [f for f, _ in fn.next_functions if f is not None and "Accumulate" not in f.name()]
        nxt = [f for f in nxt if f.name() != "TBackward0"]
        fn = nxt[0] if nxt else None
    return names


def test_linear_grad_fn_names_match_torch():
    torch = pytest.importorskip("torch")
    shapes = [(2, 3), (3,), (5, 2, 3), (2, 5, 2, 3)]
    for bias in (True, False):
        ours, theirs = nn.Linear(3, 4, bias=bias), torch.nn.Linear(3, 4, bias=bias)
        for shape in shapes:
            x = minigrad.ones(*shape, requires_grad=True)
            tx = torch.ones(*shape, requires_grad=True)
            assert grad_fn_chain(ours(x)) == grad_fn_chain(theirs(tx)), (bias, shape)
        # A strided (transposed) batch is not flattened into one addmm.
        x = minigrad.ones(2, 3, 5, requires_grad=True).transpose(1, 2)
        tx = torch.ones(2, 3, 5, requires_grad=True).transpose(1, 2)
        assert grad_fn_chain(ours(x), 5) == grad_fn_chain(theirs(tx), 5)
    assert nn.Linear(3, 4)(minigrad.ones(2, 3)).grad_fn.name() == "AddmmBackward0"


def test_linear_on_a_zero_dim_input_matches_torch():
    torch = pytest.importorskip("torch")
    assert raised(lambda: nn.Linear(3, 4)(minigrad.tensor(1.0))) == raised(
        lambda: torch.nn.Linear(3, 4)(torch.tensor(1.0))
    )


@pytest.mark.parametrize("shape", [(4, 3), (3,), (2, 2, 3)])
def test_linear_gradients_match_finite_differences(rng, shape):
    x, w, b = rng.normal(size=shape), rng.normal(size=(2, 3)), rng.normal(size=2)
    assert_grads_match(F.linear, [x, w, b])
    assert_grads_match(F.linear, [x, w])


def test_linear_and_sequential_match_torch():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 2))
    ours.double()
    theirs = torch.nn.Sequential(
        torch.nn.Linear(3, 5),
        torch.nn.Tanh(),
        torch.nn.Linear(5, 4),
        torch.nn.ReLU(),
        torch.nn.Linear(4, 2),
    ).double()
    copy_weights(torch, ours, theirs)
    x = minigrad.randn(6, 3, dtype=minigrad.float64, requires_grad=True)
    tx = to_torch(torch, x, requires_grad=True)
    out, tout = ours(x), theirs(tx)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10)
    for (name, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-10, err_msg=name)


def test_activation_modules_match_their_functions():
    x = minigrad.randn(3, 4)
    assert nn.ReLU()(x).tolist() == F.relu(x).tolist() == minigrad.relu(x).tolist()
    assert nn.Tanh()(x).tolist() == minigrad.tanh(x).tolist()
    assert nn.Sigmoid()(x).tolist() == minigrad.sigmoid(x).tolist()
    probs = nn.Softmax(dim=1)(x)
    np.testing.assert_allclose(probs.sum(1).numpy(), np.ones(3), rtol=1e-6)
    np.testing.assert_allclose(nn.LogSoftmax(dim=1)(x).exp().numpy(), probs.numpy(), rtol=1e-6)
    assert nn.ReLU()(x).grad_fn is None  # no grad needed, nothing recorded


def test_softmax_without_dim_warns_like_torch():
    torch = pytest.importorskip("torch")
    x = minigrad.randn(2, 3)
    for fn, name in ((F.softmax, "softmax"), (F.log_softmax, "log_softmax")):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ours = fn(x)
        assert [str(w.message) for w in caught] == [
            f"Implicit dimension choice for {name} has been deprecated. Change the call to "
            "include dim=X as an argument."
        ]
        theirs = getattr(torch.nn.functional, name)(to_torch(torch, x), dim=1)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


# --- losses --------------------------------------------------------------------------------------
def test_cross_entropy_from_the_reference():
    x = minigrad.tensor([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]], requires_grad=True)
    loss = F.cross_entropy(x, minigrad.tensor([2, 0]))
    assert repr(loss) == "tensor(0.7531, grad_fn=<NllLossBackward0>)"
    assert loss.grad_fn.next_functions[0][0].name() == "LogSoftmaxBackward0"
    loss.backward()
    expected = [[0.0450, 0.1224, -0.1674], [-0.3333, 0.1667, 0.1667]]
    np.testing.assert_allclose(x.grad.numpy(), expected, atol=1e-4)
    assert nn.CrossEntropyLoss()(x, minigrad.tensor([2, 0])).item() == loss.item()


def test_loss_grad_fn_names():
    x = minigrad.randn(2, 3, requires_grad=True)
    mse = F.mse_loss(x, minigrad.zeros(2, 3))
    assert mse.grad_fn.name() == "MseLossBackward0"
    assert [f is None for f, _ in mse.grad_fn.next_functions] == [False, True]
    assert F.nll_loss(x, minigrad.tensor([0, 1])).grad_fn.name() == "NllLossBackward0"
    assert len(F.nll_loss(x, minigrad.tensor([0, 1])).grad_fn.next_functions) == 1
    assert grad_fn_chain(F.l1_loss(x, minigrad.zeros(2, 3))) == [
        "MeanBackward0",
        "AbsBackward0",
        "SubBackward0",
    ]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss_gradients_match_finite_differences(rng, reduction):
    x, y = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    assert_grads_match(lambda a, b: F.mse_loss(a, b, reduction=reduction), [x, y])


def test_mse_loss_with_a_broadcast_target_warns_and_differentiates(rng):
    x, y = rng.normal(size=(3, 4)), rng.normal(size=4)
    with pytest.warns(UserWarning, match=r"Using a target size \(torch.Size\(\[4\]\)\)"):
        assert_grads_match(F.mse_loss, [x, y])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_and_nll_gradients_match_finite_differences(rng, reduction, weighted):
    target = minigrad.tensor([2, 0, 1, 2])
    weight = minigrad.tensor([0.5, 2.0, 1.5], dtype=minigrad.float64) if weighted else None

    def ce(x):
        return F.cross_entropy(x, target, weight, reduction=reduction)

    def nll(x):
        return F.nll_loss(x, target, weight, reduction=reduction)

    assert_grads_match(ce, [rng.normal(size=(4, 3))])
    assert_grads_match(nll, [rng.normal(size=(4, 3))])


def test_nll_loss_of_one_sample_and_ignored_targets(rng):
    assert_grads_match(lambda x: F.nll_loss(x, minigrad.tensor(1)), [rng.normal(size=3)])
    target = minigrad.tensor([1, -100, 0])
    assert_grads_match(lambda x: F.cross_entropy(x, target), [rng.normal(size=(3, 4))])
    assert_grads_match(
        lambda x: F.nll_loss(x, minigrad.tensor([3, 1, 0]), ignore_index=1),
        [rng.normal(size=(3, 4))],
    )


def test_losses_are_twice_differentiable():
    x = minigrad.tensor([[0.5, -1.0, 2.0]], dtype=minigrad.float64, requires_grad=True)
    (g,) = minigrad.autograd.grad(
        F.mse_loss(x, minigrad.zeros(1, 3, dtype=minigrad.float64)), x, create_graph=True
    )
    (h,) = minigrad.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), np.full((1, 3), 2 / 3))
    (g,) = minigrad.autograd.grad(F.cross_entropy(x, minigrad.tensor([1])), x, create_graph=True)
    (h,) = minigrad.autograd.grad(g[0, 1], x)
    p = np.exp(x.detach().numpy()) / np.exp(x.detach().numpy()).sum()
    expected = -p[0, 1] * p[0]  # d softmax_1 / dx = p1 (onehot_1 - p)
    expected[1] += p[0, 1]
    np.testing.assert_allclose(h.numpy()[0], expected, rtol=1e-10)


LOSS_CASES = [
    ("mse_loss", {}, "float"),
    ("mse_loss", {"reduction": "sum"}, "float"),
    ("mse_loss", {"reduction": "none"}, "float"),
    ("l1_loss", {}, "float"),
    ("l1_loss", {"reduction": "none"}, "float"),
    ("cross_entropy", {}, "index"),
    ("cross_entropy", {"reduction": "none"}, "index"),
    ("cross_entropy", {"reduction": "sum", "ignore_index": 0}, "index"),
    ("cross_entropy", {"weight": [0.2, 1.0, 3.0]}, "index"),
    ("nll_loss", {"weight": [0.2, 1.0, 3.0], "reduction": "sum"}, "index"),
    ("nll_loss", {}, "index"),
]


@pytest.mark.parametrize(("name", "kwargs", "kind"), LOSS_CASES)
def test_losses_match_torch(rng, name, kwargs, kind):
    torch = pytest.importorskip("torch")
    x = rng.normal(size=(4, 3))
    y = rng.normal(size=(4, 3)) if kind == "float" else np.array([0, 2, 1, 0])
    results = []
    for lib, fn in ((minigrad, getattr(F, name)), (torch, getattr(torch.nn.functional, name))):
        options = dict(kwargs)
        if "weight" in options:
            options["weight"] = lib.tensor(options["weight"], dtype=lib.float64)
        tx = lib.tensor(x, requires_grad=True)
        loss = fn(tx, lib.tensor(y), **options)
        loss.backward(lib.ones_like(loss))
        results.append((loss.detach().numpy(), tx.grad.numpy(), loss.grad_fn.name()))
    (ours, our_grad, our_name), (theirs, their_grad, their_name) = results
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    np.testing.assert_allclose(our_grad, their_grad, rtol=1e-12)
    assert our_name == their_name


def test_loss_errors_match_torch():
    torch = pytest.importorskip("torch")
    cases = [
        lambda F_, t: F_.nll_loss(t.ones(2, 3), t.tensor([0.0, 1.0])),
        lambda F_, t: F_.nll_loss(t.ones(2, 3), t.tensor([2, 5])),
        lambda F_, t: F_.nll_loss(t.ones(2, 3), t.tensor([2, -1])),
        lambda F_, t: F_.nll_loss(t.ones(2, 3), t.tensor([2, 0, 1])),
        lambda F_, t: F_.nll_loss(t.ones(2, 3), t.tensor([[2, 0]])),
        lambda F_, t: F_.nll_loss(t.ones(2, 3), t.tensor(1)),
        lambda F_, t: F_.nll_loss(t.ones(3), t.tensor([1, 1])),
        lambda F_, t: F_.nll_loss(t.tensor(1.0), t.tensor(2)),
        lambda F_, t: F_.nll_loss(t.ones(2, 3), t.tensor([0, 1]), t.ones(2)),
        lambda F_, t: F_.cross_entropy(t.ones(2, 3), t.tensor([0, 1]), reduction="avg"),
        lambda F_, t: F_.mse_loss(t.ones(2), t.ones(2), reduction="avg"),
        lambda F_, t: F_.l1_loss(t.ones(2), t.ones(2), reduction="avg"),
    ]
    for case in cases:
        assert raised(case, F, minigrad) == raised(case, torch.nn.functional, torch)


def test_nll_loss_when_every_target_is_ignored():
    x = minigrad.ones(2, 3, requires_grad=True)
    ignored = minigrad.tensor([-100, -100])
    assert math.isnan(F.nll_loss(x, ignored).item())
    assert F.nll_loss(x, ignored, reduction="sum").item() == 0.0


def test_cross_entropy_loss_keeps_its_class_weights_as_a_buffer():
    loss = nn.CrossEntropyLoss(weight=minigrad.tensor([1.0, 2.0, 3.0]))
    assert list(loss.state_dict()) == ["weight"]
    x, target = minigrad.randn(4, 3), minigrad.tensor([0, 1, 2, 2])
    assert loss(x, target).item() == F.cross_entropy(x, target, loss.weight).item()


# --- init ----------------------------------------------------------------------------------------
def test_init_functions_fill_in_place_and_return_the_tensor():
    w = nn.Parameter(minigrad.empty(50, 20))
    version = w._version
    assert init.zeros_(w) is w and w.detach().numpy().max() == 0.0
    assert init.ones_(w) is w and w.detach().numpy().min() == 1.0
    assert init.constant_(w, 0.25) is w and set(w.detach().numpy().ravel()) == {0.25}
    assert init.uniform_(w, -2.0, 3.0) is w
    values = w.detach().numpy()
    assert values.min() >= -2.0 and values.max() < 3.0 and values.std() > 1.0
    assert init.normal_(w, 5.0, 0.01) is w and abs(w.detach().numpy().mean() - 5.0) < 0.01
    assert w._version > version and w.is_leaf and w.requires_grad


def test_kaiming_and_xavier_bounds():
    w = minigrad.empty(400, 100)
    init.kaiming_uniform_(w, nonlinearity="relu")
    assert np.abs(w.numpy()).max() <= math.sqrt(6 / 100)
    np.testing.assert_allclose(w.numpy().std(), math.sqrt(2 / 100), rtol=0.05)
    init.kaiming_uniform_(w, mode="fan_out", nonlinearity="relu")
    assert np.abs(w.numpy()).max() <= math.sqrt(6 / 400)
    init.xavier_uniform_(w)
    assert np.abs(w.numpy()).max() <= math.sqrt(6 / 500)
    init.kaiming_normal_(w, nonlinearity="relu")
    np.testing.assert_allclose(w.numpy().std(), math.sqrt(2 / 100), rtol=0.05)
    init.xavier_normal_(w, gain=2.0)
    np.testing.assert_allclose(w.numpy().std(), 2 * math.sqrt(2 / 500), rtol=0.05)


def test_init_helpers_match_torch():
    torch = pytest.importorskip("torch")
    for args in [
        ("relu",),
        ("tanh",),
        ("leaky_relu",),
        ("leaky_relu", 0.2),
        ("sigmoid",),
        ("selu",),
    ]:
        assert init.calculate_gain(*args) == torch.nn.init.calculate_gain(*args)
    cases = [
        lambda i, t: i.calculate_gain("swish"),
        lambda i, t: i.calculate_gain("leaky_relu", "a"),
        lambda i, t: i.xavier_uniform_(t.ones(3)),
        lambda i, t: i.kaiming_uniform_(t.ones(3, 2), mode="fan"),
    ]
    for case in cases:
        assert raised(case, init, minigrad) == raised(case, torch.nn.init, torch)


# --- freezing (reference section 12) -------------------------------------------------------------
def reference_model() -> nn.Sequential:
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))


def test_frozen_parameters_get_no_grad():
    model = reference_model()
    for p in model[0].parameters():
        p.requires_grad = False
    assert [(n, p.requires_grad, p.is_leaf) for n, p in model.named_parameters()] == [
        ("0.weight", False, True),
        ("0.bias", False, True),
        ("2.weight", True, True),
        ("2.bias", True, True),
    ]
    model(minigrad.randn(5, 3)).sum().backward()
    assert model[0].weight.grad is None and model[0].bias.grad is None
    assert model[2].weight.grad.shape == (2, 4) and model[2].bias.grad.shape == (2,)
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == 10


def test_gradient_still_flows_through_a_frozen_layer_to_its_input():
    layer = nn.Linear(3, 2)
    layer.weight.requires_grad = False
    x = minigrad.randn(1, 3, requires_grad=True)
    layer(x).sum().backward()
    assert layer.weight.grad is None
    assert layer.bias.grad.tolist() == [1.0, 1.0]
    np.testing.assert_allclose(x.grad.numpy(), layer.weight.detach().numpy().sum(0, keepdims=True))


def test_requires_grad_false_on_the_whole_model():
    model = reference_model()
    assert model.requires_grad_(False) is model
    assert not any(p.requires_grad for p in model.parameters())
    out = model(minigrad.randn(5, 3))
    assert not out.requires_grad and out.grad_fn is None
    exc_type, message = raised(lambda: out.sum().backward())
    assert exc_type is RuntimeError
    assert message == "element 0 of tensors does not require grad and does not have a grad_fn"
    assert model.requires_grad_() is model and all(p.requires_grad for p in model.parameters())
