"""Tests for minigrad.optim: SGD and Adam against PyTorch, parameter groups, skipping, errors.

The trajectory tests start minigrad and PyTorch from the same float64 weights,
run 20 steps on the same data, and compare the parameters (relative 1e-6).
"""

from __future__ import annotations

import numpy as np
import pytest
from torch_parity import raised

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad import optim


def make_model(lib, weights: list[np.ndarray]):
    """The same small float64 MLP in minigrad or torch, from the given weights."""
    model = lib.nn.Sequential(lib.nn.Linear(3, 5), lib.nn.Tanh(), lib.nn.Linear(5, 2)).double()
    with lib.no_grad():
        for p, w in zip(model.parameters(), weights):
            p.copy_(lib.tensor(w))
    return model


def train(lib, make_optimizer, weights, steps: int = 20) -> list[np.ndarray]:
    """``steps`` full-batch steps of MSE regression; the final parameters as arrays."""
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    model = make_model(lib, weights)
    optimizer = make_optimizer(lib, model)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = lib.nn.functional.mse_loss(model(lib.tensor(x)), lib.tensor(y))
        loss.backward()
        optimizer.step()
    return [p.detach().numpy().copy() for p in model.parameters()]


def initial_weights() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.normal(size=s) for s in [(5, 3), (5,), (2, 5), (2,)]]


SGD_SETTINGS = [
    {"lr": 0.1},
    {"lr": 0.1, "momentum": 0.9},
    {"lr": 0.1, "momentum": 0.9, "dampening": 0.3},
    {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    {"lr": 0.1, "momentum": 0.8, "weight_decay": 0.01},
    {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1},
    {"lr": 0.1, "maximize": True},
]
ADAM_SETTINGS = [
    {},
    {"lr": 0.05},
    {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6},
    {"lr": 0.05, "weight_decay": 0.1},
    {"lr": 0.05, "amsgrad": True},
    {"lr": 0.01, "maximize": True},
]


@pytest.mark.parametrize(
    ("name", "settings"),
    [("SGD", settings) for settings in SGD_SETTINGS]
    + [("Adam", settings) for settings in ADAM_SETTINGS],
)
def test_trajectory_matches_torch(name, settings):
    torch = pytest.importorskip("torch")
    weights = initial_weights()

    def make(lib, model):
        return getattr(lib.optim, name)(model.parameters(), **settings)

    ours, theirs = train(minigrad, make, weights), train(torch, make, weights)
    for a, b, w in zip(ours, theirs, weights):
        assert not np.allclose(a, w)  # the parameters did move
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_parameter_groups_with_their_own_settings_match_torch(name):
    torch = pytest.importorskip("torch")
    weights = initial_weights()

    def make(lib, model):
        groups = [
            {"params": model[0].parameters()},
            {"params": model[2].parameters(), "lr": 0.2, "weight_decay": 0.05},
        ]
        return getattr(lib.optim, name)(
            groups, lr=0.01, **({"momentum": 0.9} if name == "SGD" else {})
        )

    for a, b in zip(train(minigrad, make, weights), train(torch, make, weights)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-12)


def test_param_groups_are_filled_with_the_defaults():
    w, b = nn.Parameter(minigrad.ones(2)), nn.Parameter(minigrad.ones(1))
    opt = optim.SGD([{"params": [w]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.9)
    first, second = opt.param_groups
    assert first["params"] == [w] and second["params"] == [b]
    assert first["lr"] == 0.1 and second["lr"] == 0.5
    assert second["momentum"] == 0.9 and second["nesterov"] is False
    assert opt.defaults == {
        "lr": 0.1,
        "momentum": 0.9,
        "dampening": 0,
        "weight_decay": 0,
        "nesterov": False,
        "maximize": False,
    }
    c = nn.Parameter(minigrad.ones(3))
    opt.add_param_group({"params": [c], "momentum": 0.5})
    assert opt.param_groups[2]["lr"] == 0.1 and opt.param_groups[2]["momentum"] == 0.5
    named = optim.Adam([("w", w), ("b", b)]).param_groups[0]
    assert named["params"] == [w, b] and named["param_names"] == ["w", "b"]


def test_repr_lists_each_group_settings():
    opt = optim.SGD([nn.Parameter(minigrad.ones(2))], lr=0.1, momentum=0.9)
    assert repr(opt) == (
        "SGD (\nParameter Group 0\n    dampening: 0\n    lr: 0.1\n    maximize: False\n"
        "    momentum: 0.9\n    nesterov: False\n    weight_decay: 0\n)"
    )


def test_errors_match_torch():
    torch = pytest.importorskip("torch")
    cases = [
        lambda o, t, w: o.SGD([], lr=0.1),
        lambda o, t, w: o.SGD(w, lr=0.1),
        lambda o, t, w: o.SGD([w * 2], lr=0.1),
        lambda o, t, w: o.SGD([[w]], lr=0.1),
        lambda o, t, w: o.SGD([{"params": {w}}], lr=0.1),
        lambda o, t, w: o.SGD([{"params": [w]}, {"params": [w]}], lr=0.1),
        lambda o, t, w: o.SGD([w], lr=-0.1),
        lambda o, t, w: o.SGD([w], lr=0.1, momentum=-1),
        lambda o, t, w: o.SGD([w], lr=0.1, weight_decay=-1),
        lambda o, t, w: o.SGD([w], lr=0.1, nesterov=True),
        lambda o, t, w: o.SGD([w], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
        lambda o, t, w: o.SGD([w], lr=0.1).add_param_group({"params": w}),
        lambda o, t, w: o.SGD([w], lr=0.1).add_param_group([w]),
        lambda o, t, w: o.Adam([w], lr=-1),
        lambda o, t, w: o.Adam([w], eps=-1),
        lambda o, t, w: o.Adam([w], betas=(1.0, 0.9)),
        lambda o, t, w: o.Adam([w], betas=(0.9, -0.1)),
        lambda o, t, w: o.Adam([w], weight_decay=-1),
        lambda o, t, w: o.SGD([w], lr=0.1).load_state_dict({"state": {}, "param_groups": []}),
    ]
    for case in cases:
        ours = raised(case, optim, minigrad, minigrad.ones(2, requires_grad=True))
        theirs = raised(case, torch.optim, torch, torch.ones(2, requires_grad=True))
        assert ours == theirs


def test_an_empty_parameter_list_explains_the_usual_causes():
    model = nn.Linear(2, 1)
    params = model.parameters()
    optim.SGD(params, lr=0.1)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list") as info:
        optim.SGD(params, lr=0.1)  # the generator is used up
    assert any("generator" in note for note in info.value.__notes__)


def test_duplicate_parameters_warn_like_torch():
    w = minigrad.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match="optimizer contains a parameter group with duplicate"):
        optim.SGD([w, w], lr=0.1)


def test_params_without_grad_are_skipped():
    frozen = nn.Parameter(minigrad.ones(2), requires_grad=False)
    unused = nn.Parameter(minigrad.ones(2))
    used = nn.Parameter(minigrad.ones(2))
    opt = optim.SGD([frozen, unused, used], lr=0.1, momentum=0.9, weight_decay=0.1)
    (used * 3).sum().backward()
    opt.step()
    assert frozen.tolist() == [1.0, 1.0] and unused.tolist() == [1.0, 1.0]
    assert frozen._version == 0 and unused._version == 0
    assert used.tolist() != [1.0, 1.0]
    assert list(opt.state) == [used]


def test_step_updates_in_place_outside_the_graph():
    w = nn.Parameter(minigrad.tensor([1.0, 2.0]))
    opt = optim.SGD([w], lr=0.1)
    (w * 3).sum().backward()
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [0.7, 1.7], rtol=1e-6)
    assert w.is_leaf and w.grad_fn is None and w.requires_grad and w._version == 1
    assert minigrad.is_grad_enabled()


def test_zero_grad():
    w = nn.Parameter(minigrad.ones(2))
    opt = optim.Adam([w])
    (w * 2).sum().backward()
    grad = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is grad and grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert w.grad is None


def test_closure_is_evaluated_with_grad_enabled_and_returned():
    w = nn.Parameter(minigrad.tensor([3.0]))
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with minigrad.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 9.0 and w.tolist() == [1.5]


def test_adam_state_after_one_step_matches_torch():
    torch = pytest.importorskip("torch")
    states = []
    for lib in (minigrad, torch):
        w = lib.ones(2, requires_grad=True)
        opt = lib.optim.Adam([w], amsgrad=True)
        w.grad = lib.tensor([1.0, -2.0])
        opt.step()
        states.append({k: repr(v) for k, v in opt.state[w].items()})
    assert states[0] == states[1]


def test_state_dict_round_trip_continues_the_same_trajectory():
    weights = initial_weights()

    def make(lib, model):
        return lib.optim.Adam(model.parameters(), lr=0.05)

    expected = train(minigrad, make, weights, steps=6)

    rng = np.random.default_rng(1)
    x, y = minigrad.tensor(rng.normal(size=(8, 3))), minigrad.tensor(rng.normal(size=(8, 2)))
    model = make_model(minigrad, weights)
    opt = make(minigrad, model)

    def run(optimizer, steps):
        for _ in range(steps):
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()

    run(opt, 3)
    saved = opt.state_dict()
    assert list(saved["state"]) == [0, 1, 2, 3]
    assert saved["param_groups"][0]["params"] == [0, 1, 2, 3]
    fresh = make(minigrad, model)
    fresh.load_state_dict(saved)
    run(fresh, 3)
    for a, b in zip(model.parameters(), expected):
        np.testing.assert_allclose(a.detach().numpy(), b, rtol=1e-12)


def test_an_optimizer_over_trainable_params_trains_only_them():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    model[0].requires_grad_(False)
    before = [p.detach().numpy().copy() for p in model.parameters()]
    opt = optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    assert len(opt.param_groups[0]["params"]) == 2
    model(minigrad.randn(5, 3)).sum().backward()
    opt.step()
    after = [p.detach().numpy() for p in model.parameters()]
    assert [np.array_equal(a, b) for a, b in zip(before, after)] == [True, True, False, False]
