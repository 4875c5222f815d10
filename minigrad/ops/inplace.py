"""In-place operations (原地操作): ``add_``, ``mul_``, ``zero_``, ``+=``, ``y[0] = 1.`` ...

An in-place op overwrites a tensor's values, so autograd must answer three questions.

1. **Is it allowed?** Not on a leaf that requires grad, nor on a view of one: the
   leaf's ``.grad`` would belong to values that no longer exist. Inside ``no_grad``
   it is allowed, and that is how an optimizer updates parameters.
2. **What is the tensor's ``grad_fn`` now?** The op's own node: after ``y.add_(1)``,
   ``y`` is the output of an ``AddBackward0`` whose input is the *old* ``y``. If the
   tensor is a view, its base changed as well (see ``copy_slices.py``).
3. **Which saved tensors are stale?** Every op adds 1 to the version counter that
   the tensor shares with its views and ``detach()``-ed aliases. A node that saved
   the tensor remembers its version, and backward refuses a changed one.

Each op runs the ordinary out-of-place op on a copy of the old values (so that
what its node saves is the old values, not the overwritten ones), writes the
result into the tensor, and then gives the tensor the op's node.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._creation import zeros_like
from .._errors import with_note
from .._tensor import Tensor, grad_dtype_name
from ..autograd import grad_mode
from ..autograd.graph import Node
from . import arithmetic, pointwise, shape
from ._record import Scalar, as_tensor, check_broadcast, operands, record
from .copy_slices import (
    CopySlices,
    positions,
    refresh_views,
    region_mask,
    set_history,
    take,
    track_view,
    view_error,
    view_kind,
    view_node,
)

LEAF_ERROR = "leaf Variable that requires grad is being used in an in-place operation."
INTERNAL_OVERLAP = (
    "unsupported operation: more than one element of the written-to tensor refers to a single "
    "memory location. Please clone() the tensor before performing the operation."
)
PARTIAL_OVERLAP = (
    "unsupported operation: some elements of the input tensor and the written-to tensor refer to "
    "a single memory location. Please clone() the tensor before performing the operation."
)


def inplace(op: Callable[..., Tensor], self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """Run ``op(self, *args, **kwargs)`` and write the result into ``self``; return ``self``."""
    tensors = [a for a in (*args, *kwargs.values()) if isinstance(a, Tensor)]
    recording = grad_mode.is_grad_enabled() and (
        _requires_grad(self) or any(t._requires_grad for t in tensors)
    )
    if recording:
        _check_allowed(self)
    _check_overlap(self, tensors)
    if not recording and op in _UFUNCS and len(args) == 1 and kwargs.keys() <= {"alpha"}:
        if _combine_into(self, _UFUNCS[op], *args, **kwargs):
            return self
    result = op(_old_values(self) if recording else self, *args, **kwargs)
    _write(self, result)
    if result._grad_fn is not None:
        _take_history(self, result)
    return self


def _requires_grad(tensor: Tensor) -> bool:
    """A view of a tensor that requires grad counts as one, even if made in ``no_grad``."""
    return tensor._requires_grad or (tensor._base is not None and tensor._base._requires_grad)


def _check_allowed(self: Tensor) -> None:
    """PyTorch's refusals, checked only when the op is recorded (so never inside no_grad)."""
    base = self._base
    if base is not None:
        kind = view_kind(self)
        if kind != "default":
            raise RuntimeError(view_error(self, kind, direct=True))
        if base._grad_fn is None and base._requires_grad:
            message = "a view of a " + LEAF_ERROR
            raise with_note(RuntimeError(message), "leaf_inplace")
    elif self._grad_fn is None and self._requires_grad:
        raise with_note(RuntimeError("a " + LEAF_ERROR), "leaf_inplace")


def _check_overlap(self: Tensor, inputs: list[Tensor]) -> None:
    """Refuse to write where the result would depend on the order elements are written in."""
    data = self._data
    if any(step == 0 and n > 1 for step, n in zip(data.strides, data.shape)):
        raise RuntimeError(INTERNAL_OVERLAP)
    for other in inputs:
        if _partial_overlap(data, other._data):
            raise RuntimeError(PARTIAL_OVERLAP)


def _partial_overlap(a: np.ndarray, b: np.ndarray) -> bool:
    """Do two dense arrays share some memory without being the same elements (as PyTorch)?"""
    if not np.may_share_memory(a, b):  # the usual case, told by the bounds alone
        return False
    if _layout(a) == _layout(b):
        return False
    return all(x.flags.c_contiguous or x.flags.f_contiguous for x in (a, b))


def _layout(a: np.ndarray) -> tuple:
    return a.__array_interface__["data"][0], a.shape, a.strides


def _old_values(self: Tensor) -> Tensor:
    """A copy of ``self``'s values at ``self``'s place in the graph: the op's input."""
    old = Tensor._make(self._data.copy(), self._dtype)
    old._grad_fn, old._output_nr, old._requires_grad = (
        self._grad_fn,
        self._output_nr,
        self._requires_grad,
    )
    return old


def _write(self: Tensor, result: Tensor) -> None:
    if result.shape != self.shape:
        raise RuntimeError(
            f"output with shape {list(self.shape)} doesn't match the broadcast shape "
            f"{list(result.shape)}"
        )
    if result._dtype._category > self._dtype._category:  # float into int, int into bool
        raise RuntimeError(
            f"result type {grad_dtype_name(result._dtype)} can't be cast to the desired output "
            f"type {grad_dtype_name(self._dtype)}"
        )
    self._data[...] = result._data
    self._version_counter.value += 1


# ``add_`` and ``sub_`` with nothing to record (an optimizer's update under ``no_grad``).
_UFUNCS = {arithmetic.add: np.add, arithmetic.sub: np.subtract}


def _combine_into(self: Tensor, ufunc: np.ufunc, other: Tensor | Scalar, alpha: Scalar = 1) -> bool:
    """``self ± alpha * other`` computed as ``add``/``sub`` compute it, but into ``self``.

    With no graph, the old values are not needed, so NumPy can write the result
    straight into ``self``'s memory (``out=``) instead of into a new array that is
    then copied over: the SGD update takes half the time. NumPy reads an input that
    overlaps ``self`` as if it had been copied first. Only a result of ``self``'s own
    shape and dtype is written here; for any other (an error, or a cast) this returns
    False, having written nothing, and the ordinary path decides.
    """
    a, b, dtype = operands(self, other)
    if dtype is not self._dtype or np.broadcast(a._data, b._data).shape != self._data.shape:
        return False
    scaled = b._data if alpha == 1 else alpha * b._data
    ufunc(a._data, scaled, out=self._data, dtype=dtype.numpy)
    self._version_counter.value += 1
    return True


def _take_history(self: Tensor, result: Tensor) -> None:
    """``self`` now holds ``result``'s values: give it (or its base) ``result``'s node."""
    fn = result._grad_fn
    base = self._base
    if base is None:
        set_history(self, fn)
        refresh_views(self)
    else:
        set_history(base, CopySlices(base, positions(self._data, base._data), fn))
        refresh_views(base, also=self)
    fn.resave_output(result, self)  # ``exp_`` saved its result: that is ``self`` now


# --- ops that only exist in place --------------------------------------------------------------
class ZeroBackward0(Node):
    def apply(self, grad: Tensor) -> tuple:
        return (zeros_like(grad),)


class FillBackward2(ZeroBackward0):
    """``fill_(number)``: the old values were overwritten by a constant."""


class FillBackward3(Node):
    """``fill_(tensor)``: every element is the 0-d value, so its gradient is the sum."""

    def apply(self, grad: Tensor) -> tuple:
        return (zeros_like(grad) if self.needs_input_grad(0) else None, grad.sum())


def _zeros(old: Tensor) -> Tensor:
    return record(ZeroBackward0, np.zeros_like(old._data), (old,))


def _filled(old: Tensor, value: Tensor | Scalar) -> Tensor:
    if not isinstance(value, Tensor):
        return record(FillBackward2, np.full_like(old._data, value), (old,))
    if value.ndim != 0:
        raise RuntimeError(
            "fill_ only supports 0-dimension value tensor but got tensor with "
            f"{value.ndim} dimensions."
        )
    return record(FillBackward3, np.full_like(old._data, value._data), (old, value))


def _copied(old: Tensor, src: Tensor) -> Tensor:
    """``src`` broadcast to ``old``'s shape and cast to its dtype (what ``copy_`` writes)."""
    src = as_tensor(src)
    check_broadcast(old._data.shape, src._data.shape)
    out_shape = np.broadcast_shapes(old._data.shape, src._data.shape)
    data = np.broadcast_to(src._data, out_shape).astype(old._dtype.numpy)
    return record(pointwise.CopyBackwards, data, (old, src), dtype=old._dtype)


# --- the in-place versions of ordinary ops ----------------------------------------------------
def _in_place(op: Callable[..., Tensor], name: str) -> Callable[..., Tensor]:
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return inplace(op, self, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"The in-place version of ``{op.__name__}``: changes ``self`` and returns it."
    return method


add_ = _in_place(arithmetic.add, "add_")
sub_ = _in_place(arithmetic.sub, "sub_")
mul_ = _in_place(arithmetic.mul, "mul_")
div_ = _in_place(arithmetic.div, "div_")
pow_ = _in_place(arithmetic.pow, "pow_")
neg_ = _in_place(arithmetic.neg, "neg_")
exp_ = _in_place(pointwise.exp, "exp_")
log_ = _in_place(pointwise.log, "log_")
sqrt_ = _in_place(pointwise.sqrt, "sqrt_")
abs_ = _in_place(pointwise.abs, "abs_")
tanh_ = _in_place(pointwise.tanh, "tanh_")
sigmoid_ = _in_place(pointwise.sigmoid, "sigmoid_")
relu_ = _in_place(pointwise.relu, "relu_")
clamp_ = _in_place(pointwise.clamp, "clamp_")
masked_fill_ = _in_place(pointwise.masked_fill, "masked_fill_")
zero_ = _in_place(_zeros, "zero_")
fill_ = _in_place(_filled, "fill_")
copy_ = _in_place(_copied, "copy_")


# --- t[index] = value ------------------------------------------------------------------------
class IndexPutBackward0(Node):
    """``t[index] = values`` with an advanced index: the gradient of the values is read
    back from the indexed places, where the old values get none."""

    def apply(self, grad: Tensor) -> tuple:
        return (
            grad.masked_fill(self.mask, 0.0) if self.needs_input_grad(0) else None,
            take(grad, self.positions) if self.needs_input_grad(1) else None,
        )


def _index_put(old: Tensor, key: tuple, values: Tensor) -> Tensor:
    region = np.arange(old.numel()).reshape(old._data.shape)[key]
    if not _broadcasts_to(values._data.shape, region.shape):
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(values.shape)} cannot be broadcast to "
            f"indexing result of shape {list(region.shape)}"
        )
    data = old._data.copy()
    data[key] = values._data
    mask = region_mask(region, old._data.shape)
    return record(
        IndexPutBackward0, data, (old, values), dtype=old._dtype, positions=region, mask=mask
    )


def _broadcasts_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


def setitem(self: Tensor, index: Any, value: Tensor | Scalar) -> None:
    """``t[index] = value``: copy into a view of ``t`` (basic index) or ``index_put_``."""
    if not isinstance(value, Tensor | bool | int | float | np.number):
        kind = type(value)
        name = (
            kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
        )
        raise TypeError(f"can't assign a {name} to a torch.{self._dtype._legacy}")
    value = as_tensor(value)
    key = tuple(p._data if isinstance(p, Tensor) else p for p in _as_tuple(index))
    if all(_is_basic(p) for p in key):
        region = _region(self, key)
        copy_(region, _fit(value, region.shape))
    else:
        inplace(_index_put, self, key, value)


def _as_tuple(index: Any) -> tuple:
    return index if isinstance(index, tuple) else (index,)


def _is_basic(part: Any) -> bool:
    """Ints, slices, None and ``...`` select a view; lists, arrays and bools do not."""
    return (
        part is None
        or part is Ellipsis
        or isinstance(part, slice)
        or (isinstance(part, int | np.integer) and not isinstance(part, bool | np.bool_))
    )


def _region(self: Tensor, key: tuple) -> Tensor:
    """The view ``self[key]``, as a view of ``self``'s base that in-place ops can update."""
    base = self if self._base is None else self._base
    data = self._data[key if Ellipsis in key else (*key, Ellipsis)]  # 0-d results stay views
    region = Tensor._make(data, self._dtype, version=self._version_counter, base=base)
    track_view(region, self)
    if grad_mode.is_grad_enabled() and base._requires_grad and view_kind(region) == "default":
        set_history(region, view_node(region, base))
    return region


def _fit(value: Tensor, size: tuple[int, ...]) -> Tensor:
    """The value expanded to the region's shape, after dropping leading 1s (as PyTorch)."""
    if value.shape == size:
        return value
    dims = list(value.shape)
    while dims and dims[0] == 1:
        dims.pop(0)
    if len(dims) != value.ndim:
        value = shape.reshape(value, tuple(dims))
    return shape.expand(value, size)
