"""``minigrad.autograd``: differentiate through the graph that operations recorded.

* ``backward(tensors, grad_tensors)`` adds d(tensors)/d(leaf) into every ``leaf.grad``;
* ``grad(outputs, inputs)`` returns d(outputs)/d(inputs) and touches no ``.grad``;
* ``Function`` lets you define an operation with your own backward formula.
"""

from __future__ import annotations

from . import anomaly_mode, functional
from .anomaly_mode import detect_anomaly, set_detect_anomaly
from .api import backward, grad
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import gradcheck, gradgradcheck  # the functions shadow the module, as in PyTorch
from .graph import Node

__all__ = [
    "Function",
    "FunctionCtx",
    "Node",
    "anomaly_mode",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "functional",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "is_grad_enabled",
    "no_grad",
    "once_differentiable",
    "set_detect_anomaly",
    "set_grad_enabled",
]
