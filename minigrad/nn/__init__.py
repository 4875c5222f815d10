"""``minigrad.nn``: layers with weights (``Module``, ``Linear``, ...), losses, initialisation.

Everything here is built from the autograd core: a layer's ``forward`` records
ordinary tensor operations, and its weights are leaf tensors (``Parameter``)
whose ``.grad`` fills on ``backward()``.
"""

from . import functional, init
from .modules import (
    CrossEntropyLoss,
    L1Loss,
    Linear,
    LogSoftmax,
    Module,
    ModuleList,
    MSELoss,
    NLLLoss,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)
from .parameter import Parameter

__all__ = [
    "functional",
    "init",
    "Parameter",
    "Module",
    "Linear",
    "Sequential",
    "ModuleList",
    "ReLU",
    "Tanh",
    "Sigmoid",
    "Softmax",
    "LogSoftmax",
    "MSELoss",
    "L1Loss",
    "NLLLoss",
    "CrossEntropyLoss",
]
