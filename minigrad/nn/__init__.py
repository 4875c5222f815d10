"""``minigrad.nn``: layers with weights (``Module``, ``Linear``, ...), losses, initialisation.

Everything here is built from the autograd core: a layer's ``forward`` records
ordinary tensor operations, and its weights are leaf tensors (``Parameter``)
whose ``.grad`` fills on ``backward()``.
"""

from . import functional, init, modules
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

# The layer classes are listed once, in modules/__init__.py.
__all__ = ["functional", "init", "Parameter", *modules.__all__]
