"""HIPS autograd: differentiates functions of NumPy arrays by tracing them.

It is functional (``grad(f)(x)`` returns the gradient, there is no ``.grad``), so
its forward and backward run in one call; W4 and W5 use ``make_vjp`` to split them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..workloads import MemoryChain, MLPStep, TinyOps, chain
from .base import Case, Engine, Outputs, as_outputs


class HIPSAutograd(Engine):
    name = "autograd"
    distribution = module = "autograd"

    def tiny_ops(self, w: TinyOps) -> Case:
        import autograd.numpy as anp
        from autograd import value_and_grad

        step_fn = value_and_grad(lambda x: anp.sum((x * 2 + 1) * x))
        x = w.x.copy()

        def step() -> tuple[Any, np.ndarray]:
            return step_fn(x)

        def outputs() -> Outputs:
            y, dx = step()
            return {"loss": np.float64(y), "x.grad": np.asarray(dx, np.float64)}

        return Case(step, outputs)

    def mlp_step(self, w: MLPStep, loss: str) -> Case:
        from autograd import value_and_grad

        params = [p.copy() for p in w.params()]
        loss_fn = _margin_loss if loss == "margin" else _cross_entropy
        step_fn = value_and_grad(lambda ps: loss_fn(_mlp(w.x, ps), w.targets, ps, w.alpha))

        def step() -> tuple[Any, list[np.ndarray]]:
            value, grads = step_fn(params)
            for p, g in zip(params, grads):
                p -= w.lr * g
            return value, grads

        def outputs() -> Outputs:
            value, grads = step()
            return as_outputs(value, MLPStep.param_names(len(w.weights)), grads, params)

        return Case(step, outputs)

    def chain_forward(self, n: int, x0: float) -> tuple[Any, Any]:
        from autograd import make_vjp

        return make_vjp(lambda y: chain(y, n))(np.float64(x0))

    def chain_backward(self, state: tuple[Any, Any]) -> tuple[float, float]:
        vjp, y = state
        return float(y), float(vjp(np.float64(1.0)))

    def memory(self, m: MemoryChain) -> Iterator[str]:
        import autograd.numpy as anp
        from autograd import make_vjp

        def chain(weights: np.ndarray) -> Any:
            y = m.x
            for k in range(len(m.w)):
                y = anp.tanh(y * weights[k])
            return anp.sum(y)

        yield "before forward"
        vjp, loss = make_vjp(chain)(m.w)
        yield "after forward"
        grad = vjp(np.float32(1.0))
        yield "after backward"
        del vjp, loss, grad
        yield "after dropping the loss"


def _mlp(x: np.ndarray, params: list) -> Any:
    layers = len(params) // 2
    h = x
    for i in range(layers):
        h = h @ params[2 * i] + params[2 * i + 1]
        if i < layers - 1:
            h = h * (h > 0)  # ReLU; autograd.numpy.maximum splits the gradient at 0
    return h


def _margin_loss(scores: Any, targets: np.ndarray, params: list, alpha: float) -> Any:
    import autograd.numpy as anp

    margin = 1 - targets * scores
    data_loss = anp.mean(margin * (margin > 0))
    return data_loss + alpha * sum(anp.sum(p * p) for p in params)


def _cross_entropy(logits: Any, labels: np.ndarray, params: list, alpha: float) -> Any:
    import autograd.numpy as anp

    shifted = logits - anp.max(logits, axis=1, keepdims=True)
    log_probs = shifted - anp.log(anp.sum(anp.exp(shifted), axis=1, keepdims=True))
    return -anp.mean(log_probs[np.arange(len(labels)), labels])
