"""minigrad: PyTorch's autograd, rebuilt on NumPy to be read and learned from.

``import minigrad as torch`` runs the course's subset of PyTorch code unchanged:
the same names, signatures, printed output and error messages.
"""

# isort: skip_file
# The order below matters: ``ops`` attaches the operations to ``Tensor``, and ``nn``
# and ``optim`` are built on everything before them.

from __future__ import annotations

import builtins as _builtins

from . import _dtype
from ._dtype import (
    bool,
    double,
    dtype,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int32,
    int64,
    long,
    set_default_dtype,
)
from ._size import Size
from ._tensor import Tensor
from ._tensor_str import set_printoptions
from . import ops  # attaches the operations to Tensor
from ._creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    tensor,
    zeros,
    zeros_like,
)
from . import autograd
from .autograd.anomaly_mode import is_anomaly_check_nan_enabled, is_anomaly_enabled
from .autograd.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .ops.activation import log_softmax, softmax
from .ops.arithmetic import (
    add,
    div,
    floor_divide,
    mul,
    neg,
    pow,
    reciprocal,
    remainder,
    rsub,
    square,
    sub,
)
from .ops.comparison import amax, amin, argmax, argmin, max, maximum, min, minimum
from .ops.indexing import gather, index_select, masked_select, narrow, select
from .ops.joining import cat, chunk, split, stack, unbind
from .ops.linalg import addmm, bmm, dot, matmul, mm, mv
from .ops.logical import all, allclose, any, equal
from .ops.pointwise import (
    abs,
    clamp,
    clone,
    cos,
    eq,
    exp,
    ge,
    gt,
    le,
    log,
    lt,
    masked_fill,
    ne,
    relu,
    sigmoid,
    sign,
    sin,
    sqrt,
    tanh,
    where,
)
from .ops.reduction import mean, sum
from .ops.shape import flatten, permute, reshape, squeeze, t, transpose, unsqueeze
from .random import initial_seed, manual_seed, seed
from . import nn, optim

__version__ = "0.1.0"


def is_tensor(obj: object) -> _builtins.bool:
    return isinstance(obj, Tensor)


def __getattr__(name: str) -> object:
    # ``minigrad.viz`` (graph drawing) is imported on first use, so ``import minigrad`` stays fast.
    if name == "viz":
        import importlib

        return importlib.import_module(".viz", __name__)
    raise AttributeError(f"module 'minigrad' has no attribute '{name}'")


del _dtype
