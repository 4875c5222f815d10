"""The workloads W1-W6: their seeded inputs, their sizes and the targets they are judged by.

Every engine gets the very same arrays, so that results can be compared number for
number before anything is timed. ``full=False`` gives the tiny sizes of the smoke test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

SEED = 0

# W4: y = y * A + B, repeated N times. In float64: A**(10**6) is about 3e43, past float32's range.
CHAIN_A = 1.0001
CHAIN_B = 0.0001
CHAIN_X0 = 0.5
CHAIN_SIZES = (10**3, 10**4, 10**5, 10**6)

# W2: micrograd's demo (its README's notebook): SVM "max-margin" loss plus L2 regularisation.
W2_SIZES = (2, 16, 16, 1)
W2_POINTS = 100
W2_ALPHA = 1e-4
LEARNING_RATE = 0.1

# W3: an MNIST-sized MLP step.
W3_SIZES = (784, 256, 10)
W3_BATCH = 256

# W5: a deep elementwise chain on one big input: y = tanh(y * w_k), k = 1..depth, loss = y.sum().
# Each array is 40 MB, above glibc's largest mmap threshold (32 MB), so a freed array goes back
# to the operating system at once and resident memory shows what the graph still holds.
W5_ELEMENTS = 10_000_000
W5_DEPTH = 10


@dataclass(frozen=True)
class Target:
    """One line of the issue's targets: ``value <= limit`` (or ``>=`` when ``at_least``)."""

    workload: str
    text: str
    limit: float
    at_least: bool = False

    def met(self, value: float | None) -> bool:
        if value is None:
            return False
        return value >= self.limit if self.at_least else value <= self.limit


TARGETS = {
    "W1": [Target("W1", "minigrad time ≤ 0.5× PyTorch's", 0.5)],
    "W2": [
        Target("W2", "minigrad time ≤ 0.7× PyTorch's", 0.7),
        Target("W2", "minigrad ≥ 1000× faster than micrograd", 1000.0, at_least=True),
    ],
    "W3": [
        Target("W3", "minigrad time ≤ 1.2× hand-written NumPy's (BLAS's own threads)", 1.2),
        Target("W3", "the same with one BLAS thread", 1.2),
    ],
    "W4": [Target("W4", "10⁶-node chain completes, time per node ≤ 0.6× PyTorch's", 0.6)],
    "W5": [Target("W5", "after dropping the loss, memory within 10% of pre-forward level", 0.1)],
    "W6": [Target("W6", "whole course (`make test`) ≤ 2 minutes", 120.0)],
}


@dataclass(frozen=True)
class TinyOps:
    """W1: ``y = ((x*2 + 1) * x).sum(); y.backward()`` on 4 elements."""

    x: np.ndarray


@dataclass(frozen=True)
class MLPStep:
    """W2 and W3: one SGD step of an MLP (ReLU between layers, none after the last).

    ``weights[i]`` has shape (fan_in, fan_out): the forward is ``h @ W + b``.
    W2's targets are +1/-1 scores for the max-margin loss, W3's are class indices.
    """

    x: np.ndarray
    targets: np.ndarray
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    lr: float = LEARNING_RATE
    alpha: float = W2_ALPHA

    def params(self) -> list[np.ndarray]:
        """Parameters in the order every engine reports them: W1, b1, W2, b2, ..."""
        return [p for pair in zip(self.weights, self.biases) for p in pair]

    @staticmethod
    def param_names(layers: int) -> list[str]:
        return [f"{kind}{i + 1}" for i in range(layers) for kind in ("W", "b")]


@dataclass(frozen=True)
class MemoryChain:
    """W5: a big input without grad, and one scalar weight per layer that requires grad."""

    x: np.ndarray
    w: np.ndarray


def tiny_ops() -> TinyOps:
    rng = np.random.default_rng(SEED)
    return TinyOps(rng.standard_normal(4).astype(np.float32))


def moons(n: int, rng: np.random.Generator, noise: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's ``make_moons`` (two interleaved half circles), without scikit-learn."""
    half = n // 2
    outer = np.linspace(0, np.pi, n - half)
    inner = np.linspace(0, np.pi, half)
    x = np.concatenate([
        np.stack([np.cos(outer), np.sin(outer)], axis=1),
        np.stack([1 - np.cos(inner), 1 - np.sin(inner) - 0.5], axis=1),
    ])
    y = np.concatenate([np.zeros(n - half), np.ones(half)])
    x += rng.normal(scale=noise, size=x.shape)
    return x, y


def micrograd_demo(points: int = W2_POINTS, sizes: tuple[int, ...] = W2_SIZES) -> MLPStep:
    """W2: micrograd's demo; weights uniform in [-1, 1], zero biases, as micrograd's ``Neuron``."""
    rng = np.random.default_rng(SEED)
    x, y = moons(points, rng)
    weights = tuple(rng.uniform(-1, 1, (i, o)).astype(np.float32) for i, o in zip(sizes, sizes[1:]))
    biases = tuple(np.zeros(o, np.float32) for o in sizes[1:])
    scores = (2 * y - 1).reshape(-1, 1).astype(np.float32)  # labels as -1 / +1
    return MLPStep(x.astype(np.float32), scores, weights, biases)


def blas_mlp(batch: int = W3_BATCH, sizes: tuple[int, ...] = W3_SIZES) -> MLPStep:
    """W3: random images and labels; ``nn.Linear``'s default init, U(±1/sqrt(fan_in))."""
    rng = np.random.default_rng(SEED)
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    labels = rng.integers(0, sizes[-1], batch)

    def uniform(fan_in: int, shape: tuple[int, ...]) -> np.ndarray:
        bound = 1 / np.sqrt(fan_in)
        return rng.uniform(-bound, bound, shape).astype(np.float32)

    weights = tuple(uniform(i, (i, o)) for i, o in zip(sizes, sizes[1:]))
    biases = tuple(uniform(i, (o,)) for i, o in zip(sizes, sizes[1:]))
    return MLPStep(x, labels, weights, biases)


def memory_chain(elements: int = W5_ELEMENTS, depth: int = W5_DEPTH) -> MemoryChain:
    rng = np.random.default_rng(SEED)
    x = rng.standard_normal(elements).astype(np.float32)
    w = rng.uniform(0.5, 1.5, depth).astype(np.float32)
    return MemoryChain(x, w)


def chain(y: Any, n: int) -> Any:
    """W4's forward: ``y = y * A + B``, n times, in the number or tensor type of an engine."""
    for _ in range(n):
        y = y * CHAIN_A + CHAIN_B
    return y


def chain_closed_form(n: int, x0: float = CHAIN_X0) -> tuple[float, float]:
    """W4's exact answer: y_n = a^n x0 + b (a^n - 1) / (a - 1), and dy_n/dx0 = a^n."""
    a_n = CHAIN_A**n
    return a_n * x0 + CHAIN_B * (a_n - 1) / (CHAIN_A - 1), a_n
