"""Hand-written NumPy: forward and backward derived by hand, no graph at all.

This is the physical limit for an engine that runs on NumPy: the same array
operations, with none of the bookkeeping that recording a graph costs.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..workloads import CHAIN_A, CHAIN_B, MemoryChain, MLPStep, TinyOps
from .base import Case, Engine, Outputs, as_outputs


class HandWrittenNumPy(Engine):
    name = "numpy"
    distribution = module = "numpy"

    def tiny_ops(self, w: TinyOps) -> Case:
        x = w.x.copy()

        def step() -> tuple[np.float32, np.ndarray]:
            a = x * 2 + 1
            y = (a * x).sum()
            dy = np.ones_like(x)  # d(sum)/d(a * x)
            dx = dy * a + (dy * x) * 2  # product rule, then d(x*2+1)/dx = 2
            return y, dx

        def outputs() -> Outputs:
            y, dx = step()
            return {"loss": np.float64(y), "x.grad": dx.astype(np.float64)}

        return Case(step, outputs)

    def mlp_step(self, w: MLPStep, loss: str) -> Case:
        params = [p.copy() for p in w.params()]
        loss_grad = _margin if loss == "margin" else _cross_entropy

        def step() -> tuple[float, list[np.ndarray]]:
            value, grads = _forward_backward(w.x, w.targets, params, loss_grad)
            if loss == "margin":  # + alpha * sum(p²)
                value += w.alpha * sum(float((p * p).sum()) for p in params)
                grads = [g + 2 * w.alpha * p for g, p in zip(grads, params)]
            for p, g in zip(params, grads):
                p -= w.lr * g
            return value, grads

        def outputs() -> Outputs:
            value, grads = step()
            return as_outputs(value, MLPStep.param_names(len(w.weights)), grads, params)

        return Case(step, outputs)

    def chain_forward(self, n: int, x0: float) -> list[np.ndarray]:
        ys = [np.float64(x0)]  # what a hand-written backward keeps: every intermediate
        for _ in range(n):
            ys.append(ys[-1] * CHAIN_A + CHAIN_B)
        return ys

    def chain_backward(self, ys: list[np.ndarray]) -> tuple[float, float]:
        grad = np.float64(1.0)
        for _ in range(len(ys) - 1):
            grad = grad * CHAIN_A  # d(y*A + B)/dy
        return float(ys[-1]), float(grad)

    def memory(self, m: MemoryChain) -> Iterator[str]:
        x, weights = m.x, m.w
        yield "before forward"
        inputs, outputs = [], []  # what backward needs: each layer's input and tanh's output
        y = x
        for w in weights:
            inputs.append(y)
            y = np.tanh(y * w)
            outputs.append(y)
        loss = y.sum()
        yield "after forward"
        grad, grads = np.ones_like(x), []
        while outputs:
            out, inp = outputs.pop(), inputs.pop()
            grad = grad * (1 - out * out)  # through tanh
            grads.append((grad * inp).sum())  # d/dw of y * w
            if inputs:  # on to the previous layer (x itself needs no gradient)
                grad = grad * weights[len(inputs)]
        del out, inp, grad, y
        yield "after backward"
        del loss
        yield "after dropping the loss"


def _forward_backward(x, targets, params, loss_grad) -> tuple[float, list[np.ndarray]]:
    """Forward through ``h @ W + b`` layers with ReLU between, then backpropagate by hand."""
    hs, zs = [x], []
    layers = len(params) // 2
    for i in range(layers):
        z = hs[-1] @ params[2 * i] + params[2 * i + 1]
        zs.append(z)
        if i < layers - 1:
            hs.append(np.maximum(z, 0))
    value, dz = loss_grad(zs[-1], targets)
    backward: list[np.ndarray] = []  # b_last, W_last, ..., b1, W1
    for i in reversed(range(layers)):
        backward += [dz.sum(0), hs[i].T @ dz]
        if i > 0:
            dz = (dz @ params[2 * i].T) * (zs[i - 1] > 0)
    return value, backward[::-1]


def _margin(scores: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """mean(relu(1 - y * score)) and its gradient with respect to the scores."""
    margin = 1 - y * scores
    value = float(np.maximum(margin, 0).mean())
    return value, np.where(margin > 0, -y, 0).astype(scores.dtype) / scores.size


def _cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean softmax cross-entropy, stable (shifted by the row max), and its gradient."""
    rows = np.arange(len(labels))
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    value = float((np.log(total[:, 0]) - shifted[rows, labels]).mean())
    dlogits = exp / total
    dlogits[rows, labels] -= 1
    return value, dlogits / len(labels)
