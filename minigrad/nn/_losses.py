"""Two losses with graph nodes of their own: ``MseLossBackward0`` and ``NllLossBackward0``.

PyTorch computes these losses in one C++ kernel each, so a loss is a single
node in the graph rather than a chain of subtractions and means. minigrad does
the same: a NumPy forward, and a backward formula written in Tensor ops (so
``create_graph=True`` can differentiate it again).
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd.graph import Node
from ..ops._record import operands, record

REDUCTIONS = ("none", "mean", "sum")


def check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _reduce(losses: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "mean":
        return losses.mean()
    return losses.sum() if reduction == "sum" else losses


# --- mean squared error --------------------------------------------------------------------
class MseLossBackward0(Node):
    """d/d(input) of mean((input - target)²) is 2 (input - target) / n; target: the negative."""

    def apply(self, grad: Tensor) -> tuple:
        input, target = self.saved("self", "target")
        diff = input - target
        scale = 2.0 / diff.numel() if self.reduction == "mean" else 2.0
        grad_input = grad * diff * scale
        return (
            grad_input if self.needs_input_grad(0) else None,
            -grad_input if self.needs_input_grad(1) else None,
        )


def mse_loss(input: Tensor, target: Tensor, reduction: str) -> Tensor:
    """The squared differences (broadcast), then reduced; one ``MseLossBackward0`` node."""
    input, target, dtype = operands(input, target)
    diff = input._data - target._data
    data = _reduce(diff * diff, reduction)
    saved = {"self": input, "target": target}
    return record(
        MseLossBackward0, data, (input, target), dtype=dtype, saved=saved, reduction=reduction
    )


# --- negative log likelihood ---------------------------------------------------------------
class NllLossBackward0(Node):
    """The loss picks ``-weight[t] * input[i, t]`` for each sample, so its gradient is that
    coefficient at the picked position and zero elsewhere (divided by the total weight
    for 'mean'). The target is not differentiable: there is one edge, to the input.
    """

    def apply(self, grad: Tensor) -> tuple:
        input, target, weight = self.saved("self", "target", "weight")
        coefficients = _picked_weights(input.shape, target._data, weight, self.ignore_index)
        if self.reduction == "mean":
            coefficients = coefficients / self.total_weight
        coefficients = Tensor._make(-coefficients, input.dtype)
        if self.reduction == "none" and grad.dim() == 1:
            grad = grad.unsqueeze(1)
        return ((grad * coefficients).reshape(input.shape),)


def _picked_weights(
    shape: tuple[int, ...], target: np.ndarray, weight: Tensor | None, ignore_index: int
) -> np.ndarray:
    """A (batch, classes) array: each sample's class weight at its target class, else 0."""
    picked, sample_weight = _targets(target, weight, ignore_index)
    out = np.zeros((picked.size, shape[-1]))
    out[np.arange(picked.size), picked] = sample_weight
    return out


def _targets(
    target: np.ndarray, weight: Tensor | None, ignore_index: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each sample's class (0 where ignored) and its weight (float64; 0 where ignored)."""
    target = target.reshape(-1)
    kept = target != ignore_index
    picked = np.where(kept, target, 0)
    if weight is None:
        return picked, kept.astype(np.float64)
    return picked, np.where(kept, weight._data.astype(np.float64)[picked], 0.0)


def nll_loss(
    input: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int, reduction: str
) -> Tensor:
    """``-input[i, target[i]]`` per sample (times the class weight), then reduced.

    Only the picked entries are read, as PyTorch does: an ignored sample, or an inf
    at another class, cannot turn the loss into nan (a product with a one-hot
    matrix would: ``0 * inf``).
    """
    _check_nll_args(input, target, weight, ignore_index)
    picked, sample_weight = _targets(target._data, weight, ignore_index)
    values = input._data.reshape(-1, input.shape[-1])[np.arange(picked.size), picked]
    kept = target._data.reshape(-1) != ignore_index
    with np.errstate(all="ignore"):  # a weight of 0 at an inf is nan, as in PyTorch
        losses = np.where(kept, -(sample_weight * values), 0.0)
    total_weight = sample_weight.sum()
    if reduction == "mean":
        with np.errstate(all="ignore"):  # all ignored: 0/0 = nan, as PyTorch
            data = losses.sum() / total_weight
    else:
        data = _reduce(losses.reshape(target.shape), reduction)
    saved = {"self": input, "target": target, "weight": weight}
    return record(
        NllLossBackward0,
        np.asarray(data, input.dtype.numpy),
        (input,),
        saved=saved,
        ignore_index=ignore_index,
        reduction=reduction,
        total_weight=total_weight,
    )


def _check_nll_args(
    input: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int
) -> None:
    """PyTorch's checks, in its order: dimensions, batch sizes, dtype, weight, class range."""
    if input.dim() < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.dim()})")
    if input.dim() > 2:
        raise NotImplementedError(
            "minigrad's nll_loss takes inputs of shape (N, C) or (C,); flatten the extra "
            "dimensions first: input.reshape(-1, C) with target.reshape(-1)"
        )
    if input.dim() == 2 and input.shape[0] != (target.shape[0] if target.dim() else 0):
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
            f"({target.shape[0] if target.dim() else 0})."
        )
    if target.dim() > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input.dim() == 1 and target.dim() == 1 and target.shape[0] != 1:
        raise ValueError(
            f"For 1D input, 1D target must have size 1, but got target size: {target.shape[0]}"
        )
    if target.dtype is not _dtype.int64:
        name = target.dtype._legacy.removesuffix("Tensor")
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {name}")
    classes = input.shape[-1]
    if weight is not None and weight.shape != (classes,):
        raise RuntimeError(
            f"weight tensor should be defined either for all {classes} classes or no classes "
            f"but got weight tensor of shape: {list(weight.shape)}"
        )
    labels = target._data[target._data != ignore_index]
    out_of_range = labels[(labels < 0) | (labels >= classes)]
    if out_of_range.size:
        raise IndexError(f"Target {out_of_range[0]} is out of bounds.")
