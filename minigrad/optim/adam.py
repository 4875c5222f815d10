"""``Adam``: gradient descent with a step size per weight.

Adam keeps two moving averages per parameter: ``exp_avg`` of the gradient
(momentum) and ``exp_avg_sq`` of its square (how large gradients usually are).
Each weight steps by about ``lr * exp_avg / sqrt(exp_avg_sq)``, so a weight
whose gradients are tiny still moves at a useful speed. Both averages start at
zero and are biased towards it early on; dividing by ``1 - beta**step`` corrects that.
"""

from __future__ import annotations

from typing import Any

from .._creation import tensor, zeros_like
from .._tensor import Tensor
from ..ops.comparison import maximum
from .optimizer import Optimizer, ParamsT

__all__ = ["Adam"]


class Adam(Optimizer):
    """PyTorch's Adam, step for step (the same numbers from the same start).

    For each parameter with a gradient ``g``, at step ``t = 1, 2, ...``:

    * ``g = g + weight_decay * p``, if ``weight_decay`` (L2, not AdamW's decoupled decay);
    * ``m = beta1 * m + (1 - beta1) * g`` and ``v = beta2 * v + (1 - beta2) * g²``;
    * ``p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)``.

    With ``amsgrad=True`` the largest ``v`` seen so far replaces ``v`` in the last line.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update(
        self, param: Tensor, grad: Tensor, group: dict[str, Any], state: dict[str, Any]
    ) -> None:
        if not state:
            _init_state(param, state, group["amsgrad"])
        beta1, beta2 = group["betas"]
        if group["maximize"]:
            grad = -grad
        state["step"].add_(1)
        if group["weight_decay"] != 0:
            grad = grad.add(param, alpha=group["weight_decay"])
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
        exp_avg_sq.mul_(beta2).add_(grad * grad, alpha=1 - beta2)

        step = state["step"].item()
        step_size = group["lr"] / (1 - beta1**step)
        bias_correction2_sqrt = (1 - beta2**step) ** 0.5
        if group["amsgrad"]:
            largest = state["max_exp_avg_sq"]
            largest.copy_(maximum(largest, exp_avg_sq))
            exp_avg_sq = largest
        denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(group["eps"])
        param.add_(exp_avg / denom, alpha=-step_size)


def _init_state(param: Tensor, state: dict[str, Any], amsgrad: bool) -> None:
    """Zero averages, and a step counter kept as a float tensor (as PyTorch prints it)."""
    state["step"] = tensor(0.0)
    state["exp_avg"] = zeros_like(param)
    state["exp_avg_sq"] = zeros_like(param)
    if amsgrad:
        state["max_exp_avg_sq"] = zeros_like(param)
