"""Karpathy's micrograd: one Python object per scalar, the smallest autograd there is.

Its ``backward`` sorts the graph with a recursive function, so a graph deeper than
Python's recursion limit raises ``RecursionError``: W4 records that as a result.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..workloads import MemoryChain, MLPStep, TinyOps, chain
from .base import Case, Engine, Outputs, UnsupportedError, as_outputs


class Micrograd(Engine):
    name = "micrograd"
    distribution = module = "micrograd"

    def tiny_ops(self, w: TinyOps) -> Case:
        from micrograd.engine import Value

        xs = [Value(float(v)) for v in w.x]

        def step() -> Any:
            for v in xs:
                v.grad = 0.0
            y = sum((v * 2 + 1) * v for v in xs)
            y.backward()
            return y

        def outputs() -> Outputs:
            y = step()
            return {"loss": np.float64(y.data), "x.grad": np.array([v.grad for v in xs])}

        return Case(step, outputs)

    def mlp_step(self, w: MLPStep, loss: str) -> Case:
        if loss != "margin":
            raise UnsupportedError("scalar engine: one step would build ~10⁸ Value objects")
        model = _model(w)
        params = model.parameters()
        inputs = [[float(v) for v in row] for row in w.x]
        targets = [float(v) for v in w.targets[:, 0]]

        def step() -> Any:
            """micrograd's demo, verbatim: its ``loss()`` and one update."""
            scores = [model(x) for x in inputs]
            losses = [(1 + -y * score).relu() for y, score in zip(targets, scores)]
            data_loss = sum(losses) * (1.0 / len(losses))
            reg_loss = w.alpha * sum(p * p for p in params)
            total = data_loss + reg_loss
            model.zero_grad()
            total.backward()
            for p in params:
                p.data -= w.lr * p.grad
            return total

        def outputs() -> Outputs:
            total = step()
            names = MLPStep.param_names(len(w.weights))
            grads = _as_arrays(model, w, "grad")
            values = _as_arrays(model, w, "data")
            return as_outputs(total.data, names, grads, values)

        return Case(step, outputs)

    def chain_forward(self, n: int, x0: float) -> tuple[Any, Any]:
        from micrograd.engine import Value

        x = Value(x0)
        return x, chain(x, n)

    def chain_backward(self, state: tuple[Any, Any]) -> tuple[float, float]:
        x, y = state
        y.backward()
        return y.data, x.grad

    def memory(self, m: MemoryChain) -> Iterator[str]:
        raise UnsupportedError("scalar engine: 10⁷ elements would be 10⁸ Value objects")


def _model(w: MLPStep) -> Any:
    """micrograd's ``MLP`` with its random weights replaced by the workload's."""
    from micrograd.nn import MLP

    sizes = [w.weights[0].shape[0], *(W.shape[1] for W in w.weights)]
    model = MLP(sizes[0], sizes[1:])
    for layer, weight, bias in zip(model.layers, w.weights, w.biases):
        for j, neuron in enumerate(layer.neurons):
            for i, v in enumerate(neuron.w):
                v.data = float(weight[i, j])
            neuron.b.data = float(bias[j])
    return model


def _as_arrays(model: Any, w: MLPStep, field: str) -> list[np.ndarray]:
    """Per-neuron scalars gathered back into W1, b1, W2, ... arrays."""
    arrays = []
    for layer, weight in zip(model.layers, w.weights):
        W = np.array([[getattr(v, field) for v in n.w] for n in layer.neurons]).T
        b = np.array([getattr(n.b, field) for n in layer.neurons])
        assert W.shape == weight.shape
        arrays += [W, b]
    return arrays
