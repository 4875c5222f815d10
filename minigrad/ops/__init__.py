"""The operations, each module holding forwards beside their backward nodes.

PyTorch keeps forward kernels in ATen and derivative formulas in
``derivatives.yaml``; minigrad keeps each op's NumPy forward and its ``Node``
(``MulBackward0``, ...) side by side, so one screen shows both directions.
This file attaches the ops to ``Tensor`` as methods and operators.
"""

from __future__ import annotations

from typing import Any

from .. import _dtype
from .._tensor import Tensor
from . import (
    activation,
    arithmetic,
    comparison,
    indexing,
    inplace,
    joining,
    linalg,
    logical,
    pointwise,
    reduction,
    shape,
)
from ._record import as_tensor


def _reflected(fn):
    def method(self: Tensor, other: Any) -> Tensor:
        return fn(as_tensor(other), self)

    return method


def _to(self: Tensor, *args: Any, dtype: _dtype.dtype | None = None, **kwargs: Any) -> Tensor:
    """``t.to(torch.float64)``; devices other than the CPU do not exist here."""
    for a in args:
        if isinstance(a, _dtype.dtype):
            dtype = a
        elif isinstance(a, Tensor):  # t.to(other): other's dtype
            dtype = a.dtype
    return self if dtype is None else pointwise.to_dtype(self, dtype)


def _type_cast(dtype: _dtype.dtype):
    def cast(self: Tensor) -> Tensor:
        return pointwise.to_dtype(self, dtype)

    return cast


METHODS = {
    # arithmetic and its operators
    "add": arithmetic.add,
    "sub": arithmetic.sub,
    "mul": arithmetic.mul,
    "div": arithmetic.div,
    "pow": arithmetic.pow,
    "neg": arithmetic.neg,
    "reciprocal": arithmetic.reciprocal,
    "square": arithmetic.square,
    "__add__": arithmetic.add,
    # x + 2 and 2 + x record the same node, edges in (tensor, number) order, as in PyTorch.
    "__radd__": arithmetic.add,
    "__sub__": arithmetic.sub,
    "__rsub__": arithmetic.rsub,
    "__mul__": arithmetic.mul,
    "__rmul__": arithmetic.mul,
    "__truediv__": arithmetic.div,
    "__rtruediv__": arithmetic.rdiv,
    "__pow__": arithmetic.pow,
    "__rpow__": arithmetic.rpow,
    "__neg__": arithmetic.neg,
    "__pos__": lambda self: self,
    "__floordiv__": arithmetic.floor_divide,
    "__rfloordiv__": _reflected(arithmetic.floor_divide),
    "__mod__": arithmetic.remainder,
    "__rmod__": _reflected(arithmetic.remainder),
    "remainder": arithmetic.remainder,
    "floor_divide": arithmetic.floor_divide,
    "__abs__": pointwise.abs,
    # element-wise functions
    "exp": pointwise.exp,
    "log": pointwise.log,
    "tanh": pointwise.tanh,
    "sigmoid": pointwise.sigmoid,
    "relu": pointwise.relu,
    "abs": pointwise.abs,
    "sign": pointwise.sign,
    "sqrt": pointwise.sqrt,
    "sin": pointwise.sin,
    "cos": pointwise.cos,
    "clamp": pointwise.clamp,
    "clip": pointwise.clamp,
    "masked_fill": pointwise.masked_fill,
    "where": lambda self, condition, other: pointwise.where(condition, self, other),
    "clone": pointwise.clone,
    "to": _to,
    "float": _type_cast(_dtype.float32),
    "double": _type_cast(_dtype.float64),
    "long": _type_cast(_dtype.int64),
    "int": _type_cast(_dtype.int32),
    "bool": _type_cast(_dtype.bool),
    # comparisons
    "eq": pointwise.eq,
    "ne": pointwise.ne,
    "lt": pointwise.lt,
    "le": pointwise.le,
    "gt": pointwise.gt,
    "ge": pointwise.ge,
    "__eq__": pointwise.eq,
    "__ne__": pointwise.ne,
    "__lt__": pointwise.lt,
    "__le__": pointwise.le,
    "__gt__": pointwise.gt,
    "__ge__": pointwise.ge,
    "__and__": pointwise.logical_and,
    "__or__": pointwise.logical_or,
    "__xor__": pointwise.logical_xor,
    "__invert__": pointwise.bitwise_not,
    "logical_not": pointwise.logical_not,
    # reductions
    "sum": reduction.sum,
    "mean": reduction.mean,
    "sum_to_size": reduction.sum_to_size,
    # whole-tensor truth tests (no graph)
    "all": logical.all,
    "any": logical.any,
    "equal": logical.equal,
    "allclose": logical.allclose,
    # shapes and views
    "view": shape.view,
    "reshape": shape.reshape,
    "flatten": shape.flatten,
    "unsqueeze": shape.unsqueeze,
    "squeeze": shape.squeeze,
    "expand": shape.expand,
    "expand_as": shape.expand_as,
    "permute": shape.permute,
    "transpose": shape.transpose,
    "t": shape.t,
    "contiguous": shape.contiguous,
    "T": property(shape.T),
    "mT": property(shape.mT),
    # indexing
    "__getitem__": indexing.getitem,
    "select": indexing.select,
    "narrow": indexing.narrow,
    "index_select": indexing.index_select,
    "gather": indexing.gather,
    "masked_select": indexing.masked_select,
    # joining and splitting
    "unbind": joining.unbind,
    "split": joining.split,
    "chunk": joining.chunk,
    # matrix products
    "mm": linalg.mm,
    "mv": linalg.mv,
    "dot": linalg.dot,
    "bmm": linalg.bmm,
    "matmul": linalg.matmul,
    "addmm": linalg.addmm,
    "__matmul__": linalg.__matmul__,
    "__rmatmul__": linalg.__rmatmul__,
    # maxima and minima
    "max": comparison.max,
    "min": comparison.min,
    "amax": comparison.amax,
    "amin": comparison.amin,
    "argmax": comparison.argmax,
    "argmin": comparison.argmin,
    "maximum": comparison.maximum_method,
    "minimum": comparison.minimum_method,
    # softmax
    "softmax": activation.softmax,
    "log_softmax": activation.log_softmax,
    # in-place operations
    "add_": inplace.add_,
    "sub_": inplace.sub_,
    "mul_": inplace.mul_,
    "div_": inplace.div_,
    "pow_": inplace.pow_,
    "neg_": inplace.neg_,
    "exp_": inplace.exp_,
    "log_": inplace.log_,
    "sqrt_": inplace.sqrt_,
    "abs_": inplace.abs_,
    "tanh_": inplace.tanh_,
    "sigmoid_": inplace.sigmoid_,
    "relu_": inplace.relu_,
    "clamp_": inplace.clamp_,
    "clip_": inplace.clamp_,
    "masked_fill_": inplace.masked_fill_,
    "zero_": inplace.zero_,
    "fill_": inplace.fill_,
    "copy_": inplace.copy_,
    "__iadd__": inplace.add_,
    "__isub__": inplace.sub_,
    "__imul__": inplace.mul_,
    "__itruediv__": inplace.div_,
    "__setitem__": inplace.setitem,
}

for _name, _fn in METHODS.items():
    setattr(Tensor, _name, _fn)
