"""End to end: minigrad.nn and minigrad.optim train a small network, and freezing works.

The data set is two interleaved spirals in the plane (one class each), seeded,
which no linear classifier separates: a hidden layer has to learn features.
"""

from __future__ import annotations

import numpy as np

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad import optim


def two_spirals(per_class: int = 100, seed: int = 0) -> tuple[minigrad.Tensor, minigrad.Tensor]:
    """Points on two spirals of 1.5 turns, the second the first rotated by 180 degrees."""
    rng = np.random.default_rng(seed)
    angle = np.sqrt(rng.uniform(size=per_class)) * 3 * np.pi  # denser towards the outside
    arm = np.stack([angle * np.cos(angle), angle * np.sin(angle)], axis=1) / (3 * np.pi)
    points = np.concatenate([arm, -arm]) + rng.normal(scale=0.05, size=(2 * per_class, 2))
    labels = np.repeat([0, 1], per_class)
    return minigrad.tensor(points, dtype=minigrad.float32), minigrad.tensor(labels)


def accuracy(model: nn.Module, x: minigrad.Tensor, y: minigrad.Tensor) -> float:
    with minigrad.no_grad():
        predicted = model(x).numpy().argmax(axis=1)
    return float((predicted == y.numpy()).mean())


def fit(model: nn.Module, optimizer: optim.Optimizer, x, y, steps: int) -> list[float]:
    """Full-batch training; the loss of every step."""
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def test_an_mlp_learns_two_spirals():
    x, y = two_spirals()
    minigrad.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 2)
    )
    assert accuracy(model, x, y) < 0.8
    losses = fit(model, optim.Adam(model.parameters(), lr=0.02), x, y, steps=250)
    assert losses[-1] < 0.1 * losses[0]
    assert accuracy(model, x, y) >= 0.95


def test_sgd_with_momentum_also_trains_it():
    x, y = two_spirals()
    minigrad.manual_seed(1)
    model = nn.Sequential(
        nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 2)
    )
    fit(model, optim.SGD(model.parameters(), lr=0.3, momentum=0.9), x, y, steps=300)
    assert accuracy(model, x, y) >= 0.95


def test_a_frozen_first_layer_stays_bit_identical_while_the_head_learns():
    x, y = two_spirals()
    minigrad.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 2))
    model[0].requires_grad_(False)
    frozen = [p.detach().numpy().copy() for p in model[0].parameters()]
    versions = [p._version for p in model[0].parameters()]
    head = [p.detach().numpy().copy() for p in model[2].parameters()]
    before = accuracy(model, x, y)

    # The optimizer is given every parameter: the frozen ones have no .grad and are skipped.
    fit(model, optim.Adam(model.parameters(), lr=0.05), x, y, steps=150)

    assert all(p.grad is None for p in model[0].parameters())
    for p, original, version in zip(model[0].parameters(), frozen, versions):
        assert np.array_equal(p.detach().numpy(), original) and p._version == version
    assert not any(
        np.array_equal(p.detach().numpy(), h) for p, h in zip(model[2].parameters(), head)
    )
    assert accuracy(model, x, y) >= before + 0.1
