"""``minigrad.nn.functional`` (``F``): layers and losses as plain functions.

The classes in ``minigrad.nn`` hold weights and call these functions in their
``forward``; here the weights are arguments: ``F.linear(x, W, b)``.
Import it the PyTorch way: ``import minigrad.nn.functional as F``. ``sigmoid``,
``tanh``, ``softmax`` and ``log_softmax`` are the tensor operations themselves.
"""

from __future__ import annotations

import warnings

from .._tensor import Tensor
from ..ops import pointwise
from ..ops.activation import log_softmax, softmax
from ..ops.linalg import addmm
from ..ops.pointwise import sigmoid, tanh
from . import _losses

__all__ = [
    "linear",
    "relu",
    "sigmoid",
    "tanh",
    "softmax",
    "log_softmax",
    "mse_loss",
    "l1_loss",
    "nll_loss",
    "cross_entropy",
]


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``: the affine map of ``nn.Linear``.

    The graph matches PyTorch's: a batch (2-D input) with a bias is a single
    ``addmm`` (``AddmmBackward0``); other shapes are flattened to a batch and
    viewed back (``ViewBackward0``); without a bias it is a matrix product.
    """
    if input.dim() == 0 or weight.dim() == 0:
        raise RuntimeError(
            "both arguments to linear need to be at least 1D, but they are "
            f"{input.dim()}D and {weight.dim()}D"
        )
    if bias is None:
        return input @ weight.t()
    if input.dim() == 2:
        return addmm(bias, input, weight.t())
    if not input._data.flags.c_contiguous:  # PyTorch does not flatten a strided batch
        return input @ weight.t() + bias
    batch = input.reshape(-1, input.shape[-1])
    return addmm(bias, batch, weight.t()).view(*input.shape[:-1], weight.shape[0])


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0); ``inplace=True`` overwrites ``input`` (which must not be needed later)."""
    return input.relu_() if inplace else pointwise.relu(input)


def mse_loss(input: Tensor, target: Tensor, *, reduction: str = "mean") -> Tensor:
    """Mean squared error, ``((input - target) ** 2).mean()``, as one ``MseLossBackward0`` node."""
    _losses.check_reduction(reduction)
    if target.shape != input.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            UserWarning,
            stacklevel=2,
        )
    return _losses.mse_loss(input, target, reduction)


def l1_loss(input: Tensor, target: Tensor, *, reduction: str = "mean") -> Tensor:
    """Mean absolute error, built from ``sub``, ``abs`` and ``mean`` nodes (as in PyTorch)."""
    _losses.check_reduction(reduction)
    losses = (input - target).abs()
    if reduction == "none":
        return losses
    return losses.mean() if reduction == "mean" else losses.sum()


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log likelihood: ``-input[i, target[i]]``, averaged over the batch.

    ``input`` holds log-probabilities (N, C) (or (C,) for one sample), ``target``
    the class indices (int64). ``weight`` scales each class; targets equal to
    ``ignore_index`` count for nothing.
    """
    _losses.check_reduction(reduction)
    return _losses.nll_loss(input, target, weight, ignore_index, reduction)


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """``nll_loss(log_softmax(input, dim=1), target)``: the classification loss on raw scores.

    ``input`` holds unnormalised scores (logits), not probabilities: applying
    softmax first is a classic mistake that still trains, only worse.
    """
    _losses.check_reduction(reduction)
    class_dim = 0 if input.dim() == 1 else 1
    return nll_loss(
        log_softmax(input, class_dim),
        target,
        weight,
        ignore_index=ignore_index,
        reduction=reduction,
    )
