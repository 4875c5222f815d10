"""minigrad and PyTorch run the very same code here: minigrad's API is PyTorch's.

``TorchLike("minigrad")`` imports ``minigrad`` and uses it as ``torch``, the course's
promise (``import minigrad as torch``). Parameters are plain leaf tensors rather than
``nn.Linear`` modules, so that every engine starts from the same arrays.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import numpy as np

from ..workloads import MemoryChain, MLPStep, TinyOps, chain
from .base import Case, Engine, as_outputs, tanh_chain_phases


class TorchLike(Engine):
    def __init__(self, name: str) -> None:
        self.name = self.distribution = self.module = name

    @property
    def torch(self) -> ModuleType:
        return importlib.import_module(self.module)

    def version(self) -> str:
        return self.torch.__version__

    def tiny_ops(self, w: TinyOps) -> Case:
        x = self.torch.tensor(w.x, requires_grad=True)

        def step() -> Any:
            x.grad = None
            y = ((x * 2 + 1) * x).sum()
            y.backward()
            return y

        def outputs() -> dict[str, np.ndarray]:
            y = step()
            return {"loss": np.float64(y.item()), "x.grad": x.grad.numpy().astype(np.float64)}

        return Case(step, outputs)

    def mlp_step(self, w: MLPStep, loss: str) -> Case:
        torch = self.torch
        params = [torch.tensor(p, requires_grad=True) for p in w.params()]
        x = torch.tensor(w.x)
        targets = torch.tensor(w.targets)
        optimizer = torch.optim.SGD(params, lr=w.lr)
        loss_fn = self._margin_loss if loss == "margin" else self._cross_entropy

        def step() -> Any:
            scores = mlp(x, params)
            value = loss_fn(scores, targets, params, w.alpha)
            optimizer.zero_grad()
            value.backward()
            optimizer.step()
            return value

        def outputs() -> dict[str, np.ndarray]:
            value = step()
            grads = [p.grad.numpy() for p in params]
            values = [p.detach().numpy() for p in params]
            names = MLPStep.param_names(len(w.weights))
            return as_outputs(value.item(), names, grads, values)

        return Case(step, outputs)

    @staticmethod
    def _margin_loss(scores: Any, targets: Any, params: list, alpha: float) -> Any:
        """micrograd's demo loss: mean(relu(1 - y * score)) + alpha * sum(p²)."""
        data_loss = (1 - targets * scores).relu().mean()
        reg_loss = sum((p * p).sum() for p in params)
        return data_loss + alpha * reg_loss

    def _cross_entropy(self, scores: Any, targets: Any, params: list, alpha: float) -> Any:
        return self.torch.nn.functional.cross_entropy(scores, targets)

    def chain_forward(self, n: int, x0: float) -> tuple[Any, Any]:
        x = self.torch.tensor(x0, dtype=self.torch.float64, requires_grad=True)
        return x, chain(x, n)

    def chain_backward(self, state: tuple[Any, Any]) -> tuple[float, float]:
        x, y = state
        y.backward()
        return y.item(), x.grad.item()

    def memory(self, m: MemoryChain) -> Iterator[str]:
        torch = self.torch
        x = torch.tensor(m.x)
        weights = [torch.tensor(w, requires_grad=True) for w in m.w]
        yield from tanh_chain_phases(x, weights)


def mlp(x: Any, params: list) -> Any:
    """``h @ W + b`` per layer, ReLU between layers."""
    pairs = list(zip(params[::2], params[1::2]))
    h = x
    for i, (weight, bias) in enumerate(pairs):
        h = h @ weight + bias
        if i < len(pairs) - 1:
            h = h.relu()
    return h
