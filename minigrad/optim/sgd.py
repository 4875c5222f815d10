"""``SGD``: stochastic gradient descent, with optional momentum and weight decay.

The plain update is ``p -= lr * p.grad``. Momentum keeps a running sum of past
gradients, ``buf = momentum * buf + grad``, and steps along it instead, which
smooths noisy gradients and speeds up progress along consistent directions.
"""

from __future__ import annotations

from typing import Any

from .._tensor import Tensor
from .optimizer import Optimizer, ParamsT

__all__ = ["SGD"]


class SGD(Optimizer):
    """PyTorch's SGD, step for step (the same numbers from the same start).

    For each parameter with a gradient ``g``:

    * ``g = g + weight_decay * p`` (L2 regularisation), if ``weight_decay``;
    * with momentum: ``buf = g`` on the first step, then
      ``buf = momentum * buf + (1 - dampening) * g``; the step direction is ``buf``,
      or ``g + momentum * buf`` with ``nesterov=True``;
    * ``p = p - lr * direction`` (``+`` with ``maximize=True``).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update(
        self, param: Tensor, grad: Tensor, group: dict[str, Any], state: dict[str, Any]
    ) -> None:
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"] != 0:
            grad = grad.add(param, alpha=group["weight_decay"])
        momentum = group["momentum"]
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = grad.clone().detach()
            else:
                buf.mul_(momentum).add_(grad, alpha=1 - group["dampening"])
            grad = grad.add(buf, alpha=momentum) if group["nesterov"] else buf
        param.add_(grad, alpha=-group["lr"])
