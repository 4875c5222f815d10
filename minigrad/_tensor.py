"""``Tensor``: a NumPy array plus what autograd needs to know about it.

The autograd part of a tensor is small:

* ``requires_grad``: should operations on it be recorded?
* ``grad_fn``: the graph node (``Node``) that produced it, ``None`` for leaves (叶子节点);
* ``grad``: where ``backward()`` accumulates d(output)/d(this), for leaves only;
* a version counter, bumped by every in-place change, so that backward can tell
  when a value it saved has been overwritten.

Everything else (arithmetic, reductions, views) lives in ``minigrad/ops`` and is
attached here as methods, so ``x + 2`` and ``x.sum()`` read as in PyTorch.
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from . import _dtype, autograd
from ._dtype import dtype as DType
from ._errors import with_note
from ._size import Size
from .autograd import anomaly_mode, grad_mode
from .autograd.graph import AccumulateGrad, Node
from .utils.hooks import RemovableHandle

__all__ = ["Tensor"]


class _VersionCounter:
    """Shared by a tensor, its views and its ``detach()``-ed aliases.

    ``views`` remembers the live views, which an in-place op must update
    (``minigrad/ops/inplace.py``).
    """

    __slots__ = ("value", "views")

    def __init__(self) -> None:
        self.value = 0
        self.views: Any = None  # an ops.copy_slices.ViewRegistry once a view exists


class Tensor:
    """A multi-dimensional array that can record the operations applied to it."""

    __slots__ = (
        "_data",
        "_dtype",
        "_requires_grad",
        "_grad",
        "_grad_fn",
        "_output_nr",
        "_counter",
        "_base",
        "_accumulator",
        "_hooks",
        "_post_accumulate_hooks",
        "__weakref__",
    )

    __module__ = "minigrad"
    # NumPy defers to our reflected operators: ``np_array * x`` calls ``x.__rmul__``.
    __array_priority__ = 1000

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """The legacy constructor: ``Tensor([1, 2])`` is float32, ``Tensor(2, 3)`` a shape."""
        from ._creation import legacy_new

        legacy_new(self, args, kwargs)

    @classmethod
    def _make(
        cls,
        data: Any,
        dtype: DType | None = None,
        requires_grad: bool = False,
        grad_fn: Node | None = None,
        version: _VersionCounter | None = None,
        base: Tensor | None = None,
    ) -> Tensor:
        """Wrap an array without copying (the constructor every op uses)."""
        self = object.__new__(cls)
        data = np.asarray(data)
        if dtype is None:
            dtype = _dtype.from_numpy_dtype(data.dtype)
        elif data.dtype != dtype.numpy:
            data = data.astype(dtype.numpy)
        self._data = data
        self._dtype = dtype
        self._requires_grad = requires_grad or grad_fn is not None
        self._grad = None
        self._grad_fn = grad_fn
        self._output_nr = 0
        self._counter = version  # None until needed: see ``_version_counter``
        self._base = base
        self._accumulator = None
        self._hooks = None
        self._post_accumulate_hooks = None
        return self

    # --- what the tensor holds ----------------------------------------------------------------
    @property
    def data(self) -> Tensor:
        """The same values as a tensor outside the graph (in-place changes go unnoticed!)."""
        return Tensor._make(self._data, self._dtype)

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data
        self._dtype = value._dtype

    @property
    def dtype(self) -> DType:
        return self._dtype

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None) -> Size | int:
        if dim is None:
            return self.shape
        rank = max(self._data.ndim, 1)
        if not -rank <= dim < rank:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], "
                f"but got {dim})"
            )
        return self._data.shape[dim] if self._data.ndim else 1

    def dim(self) -> int:
        return self._data.ndim

    ndim = property(dim)

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    @property
    def device(self) -> device:
        return _CPU

    @property
    def _version(self) -> int:
        return 0 if self._counter is None else self._counter.value

    @property
    def _version_counter(self) -> _VersionCounter:
        """Made on first use: most tensors are never saved, viewed or changed in place, and an
        op that skips one object per result is measurably faster."""
        if self._counter is None:
            self._counter = _VersionCounter()
        return self._counter

    @_version_counter.setter
    def _version_counter(self, counter: _VersionCounter) -> None:
        self._counter = counter

    def is_floating_point(self) -> bool:
        return self._dtype.is_floating_point

    def _is_view(self) -> bool:
        return self._base is not None

    def data_ptr(self) -> int:
        return self._data.__array_interface__["data"][0]

    # --- autograd state -------------------------------------------------------------------------
    @property
    def grad_fn(self) -> Node | None:
        """The node that created this tensor; ``None`` for leaves."""
        return self._grad_fn

    @property
    def is_leaf(self) -> bool:
        """Created by the user (or by ops that record nothing), not by a recorded op."""
        return self._grad_fn is None

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self._grad_fn is not None:
            message = NON_LEAF_ERROR
            if not value:
                message += NON_LEAF_HINT
            raise with_note(RuntimeError(message), "non_leaf_requires_grad")
        if value and not self._dtype.is_floating_point:
            message = "only Tensors of floating point and complex dtype can require gradients"
            raise with_note(RuntimeError(message), "int_requires_grad")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return ``self`` (a no-op on results set to True)."""
        if self._grad_fn is not None:
            if not requires_grad:
                message = NON_LEAF_ERROR + NON_LEAF_HINT
                raise with_note(RuntimeError(message), "non_leaf_requires_grad")
            return self
        if requires_grad and not self._dtype.is_floating_point:
            message = "only Tensors of floating point dtype can require gradients"
            raise with_note(RuntimeError(message), "int_requires_grad")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def grad(self) -> Tensor | None:
        """The accumulated gradient of a leaf (or of a result after ``retain_grad()``)."""
        if self._grad is None and self._grad_fn is not None and not self.retains_grad:
            warnings.warn(NON_LEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            _check_grad_assignment(self, value)
        self._grad = value

    @property
    def retains_grad(self) -> bool:
        fn = self._grad_fn
        return fn is not None and bool(fn._retained) and self._output_nr in fn._retained

    def retain_grad(self) -> None:
        """Ask backward to keep this result's ``.grad`` (leaves keep theirs anyway)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is None:
            return
        if self._grad_fn._retained is None:
            self._grad_fn._retained = {}
        self._grad_fn._retained[self._output_nr] = weakref.ref(self)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Run ``hook(grad)`` when this tensor's gradient is computed; it may return a new one."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is None:
            if self._hooks is None:
                self._hooks = {}
            hooks, entry = self._hooks, (0, hook)
        else:
            if self._grad_fn._tensor_hooks is None:
                self._grad_fn._tensor_hooks = {}
            hooks, entry = self._grad_fn._tensor_hooks, (self._output_nr, hook)
        handle = RemovableHandle(hooks)
        hooks[handle.id] = entry
        return handle

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]) -> RemovableHandle:
        """Run ``hook(tensor)`` after backward has written this leaf's ``.grad``."""
        if self._grad_fn is not None:
            raise RuntimeError(
                "post accumulate grad hooks cannot be registered on non-leaf tensors"
            )
        if self._post_accumulate_hooks is None:
            self._post_accumulate_hooks = {}
        handle = RemovableHandle(self._post_accumulate_hooks)
        self._post_accumulate_hooks[handle.id] = hook
        return handle

    def detach(self) -> Tensor:
        """The same data, cut from the graph: a leaf with ``requires_grad=False``.

        It shares storage and the version counter, so in-place changes to either
        are seen by autograd.
        """
        return Tensor._make(self._data, self._dtype, version=self._version_counter)

    def detach_(self) -> Tensor:
        """Make this tensor a leaf that requires no grad, in place."""
        if self._base is not None:
            raise RuntimeError(DETACH_VIEW_ERROR)
        self._grad_fn = None
        self._output_nr = 0
        self._requires_grad = False
        return self

    def backward(
        self,
        gradient: Tensor | None = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Tensor | Sequence[Tensor] | None = None,
    ) -> None:
        """Compute d(self)/d(leaf) for every leaf and add it into ``leaf.grad``.

        ``gradient`` is d(loss)/d(self) when ``self`` is not a single number: the
        weights of a vector-Jacobian product. See ``minigrad.autograd.backward``.
        """
        autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # --- conversion ------------------------------------------------------------------------------
    def item(self) -> float | int | bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.reshape(()).item()

    def tolist(self) -> Any:
        return self._data.tolist()

    def numpy(self) -> np.ndarray:
        """The underlying array (shared); refused while the tensor requires grad."""
        if self._requires_grad:
            raise with_note(RuntimeError(NUMPY_ERROR), "numpy_requires_grad")
        return self._data

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    def __float__(self) -> float:
        _check_one_element(self)
        if self._requires_grad:
            _warn_once("float", FLOAT_WARNING)
        return float(self.item())

    def __int__(self) -> int:
        _check_one_element(self)
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            amount = "no values" if self._data.size == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {amount} is ambiguous")
        return bool(self._data.reshape(()).item())

    def __index__(self) -> int:
        if self._dtype.is_floating_point or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __format__(self, spec: str) -> str:
        """A 0-d tensor formats as its number: ``f"{loss}"`` gives ``'0.25'``, as in PyTorch."""
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))  # one UnbindBackward0 node for all rows, as PyTorch

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        from ._tensor_str import tensor_str

        return tensor_str(self)

    __str__ = __repr__

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (_rebuild, (self._data.copy(), self._dtype.name, self._requires_grad))

    def __deepcopy__(self, memo: dict) -> Tensor:
        if self._grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                "protocol at the moment.  If you were attempting to deepcopy a module, this may be "
                "because of a torch.nn.utils.weight_norm usage, see "
                "https://github.com/pytorch/pytorch/pull/103001"
            )
        new = type(self).__new__(type(self))
        Tensor._init_like(new, self._data.copy(), self._dtype, self._requires_grad)
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = new
        return new

    @staticmethod
    def _init_like(new: Tensor, data: np.ndarray, dtype: DType, requires_grad: bool) -> None:
        made = Tensor._make(data, dtype, requires_grad)
        for slot in Tensor.__slots__:
            if slot != "__weakref__":
                setattr(new, slot, getattr(made, slot))


def _check_one_element(tensor: Tensor) -> None:
    """``float(t)`` and ``int(t)`` (unlike ``t.item()``) raise a ValueError."""
    if tensor._data.size != 1:
        raise ValueError("only one element tensors can be converted to Python scalars")


class device:  # noqa: N801 - PyTorch's name
    """Where a tensor's data lives: minigrad has only the CPU."""

    __slots__ = ("type",)

    def __init__(self, type: str = "cpu") -> None:  # noqa: A002 - PyTorch's name
        self.type = type

    def __repr__(self) -> str:
        return f"device(type='{self.type}')"

    def __str__(self) -> str:
        return self.type

    def __eq__(self, other: object) -> bool:
        return isinstance(other, device) and other.type == self.type

    def __hash__(self) -> int:
        return hash(self.type)


_CPU = device("cpu")


def _rebuild(data: np.ndarray, dtype_name: str, requires_grad: bool) -> Tensor:
    return Tensor._make(data, getattr(_dtype, dtype_name), requires_grad)


# --- helpers the engine calls ---------------------------------------------------------------------
def grad_edge(tensor: Tensor) -> tuple[Node | None, int]:
    """Where a gradient for ``tensor`` must be sent: its ``grad_fn``, or its leaf accumulator."""
    if not tensor._requires_grad:
        return (None, 0)
    if tensor._grad_fn is not None:
        return (tensor._grad_fn, tensor._output_nr)
    return (grad_accumulator(tensor), 0)


def grad_accumulator(leaf: Tensor) -> AccumulateGrad:
    """The leaf's one ``AccumulateGrad`` node, shared by every op while a graph holds it.

    The leaf keeps only a weak reference, so a dropped graph frees the node.
    """
    node = leaf._accumulator() if leaf._accumulator is not None else None
    if node is None:
        node = AccumulateGrad(leaf)
        leaf._accumulator = weakref.ref(node)
    return node


def accumulate_grad(leaf: Tensor, grad: Tensor) -> None:
    """``leaf.grad += grad``: in place when there is one, a fresh copy the first time."""
    if leaf._grad is None:
        if grad_mode.is_grad_enabled() and grad._requires_grad:
            from .ops.pointwise import CopyBackwards

            leaf._grad = CopyBackwards.wrap(grad)
        else:
            leaf._grad = Tensor._make(grad._data.copy(), grad._dtype)
    elif grad_mode.is_grad_enabled() and (grad._requires_grad or leaf._grad._requires_grad):
        leaf._grad = leaf._grad + grad
    else:
        leaf._grad._data += grad._data
        leaf._grad._version_counter.value += 1
    if leaf._post_accumulate_hooks:
        for hook in list(leaf._post_accumulate_hooks.values()):
            hook(leaf)


def accumulate_retained_grad(tensor: Tensor, grad: Tensor) -> None:
    """What ``retain_grad()`` asks for: keep a copy of the gradient on a result."""
    if tensor._grad is None:
        tensor._grad = grad if grad._requires_grad else Tensor._make(grad._data.copy(), grad._dtype)
    else:
        tensor._grad = tensor._grad + grad


def version_error(tensor: Tensor, node: Node, version: int, expected: int) -> RuntimeError:
    """PyTorch's message for a saved tensor that was modified in place.

    A leaf, or a tensor that needs no grad, has no "which is output ..." clause.
    """
    shape = ", ".join(str(d) for d in tensor.shape)
    description = f"[torch.{tensor.dtype._legacy} [{shape}]]"
    fn = tensor._grad_fn
    where = "" if fn is None else f", which is output {tensor._output_nr} of {_op_name(fn)},"
    message = (
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: {description}{where} is at version {version}; expected version {expected} "
        "instead. Hint: "
    )
    if anomaly_mode.is_anomaly_enabled():
        message += (
            "the backtrace further above shows the operation that failed to compute its "
            "gradient. The variable in question was changed in there or anywhere later. Good luck!"
        )
    else:
        message += (
            "enable anomaly detection to find the operation that failed to compute its gradient, "
            "with torch.autograd.set_detect_anomaly(True, check_nan=False)."
        )
    return with_note(RuntimeError(message), "version")


def _op_name(fn: Node) -> str:
    """How PyTorch's messages name a node: AddBackward0 -> Add, PowBackward1 -> Pow1, MyExpBackward
    -> MyExp; other names (torch::autograd::CopySlices) as they are."""
    name = fn.name()
    stem, found, rest = name.rpartition("Backward")
    if not (found and stem and (rest.isdigit() or not rest)):
        return name
    return stem + ("" if rest == "0" else rest)


def _check_grad_assignment(tensor: Tensor, grad: Any) -> None:
    if not isinstance(grad, Tensor):
        raise TypeError(
            "assigned grad expected to be a Tensor or None but got grad of type "
            f"{type(grad).__name__}"
        )
    # The dtype is checked first, as in PyTorch.
    if grad.dtype is not tensor.dtype:
        raise RuntimeError(
            f"attempting to assign a gradient with dtype '{_C_NAMES[grad.dtype.name]}' to a tensor "
            f"with grad_dtype '{grad_dtype_name(tensor.dtype)}'. The gradient must match the "
            "tensor's grad_dtype (defaults to the tensor's dtype). You can set the tensor's "
            "grad_dtype attribute with a specific dtype, or None to allow any dtype. Set "
            "grad_dtype with caution. Diverging the dtypes of a tensor and its gradient may break "
            "downstream systems that assume they match."
        )
    if grad.shape != tensor.shape:
        raise RuntimeError(
            f"attempting to assign a gradient of size '{list(grad.shape)}' to a tensor of size "
            f"'{list(tensor.shape)}'. Please ensure that the gradient and the tensor are the same "
            "size"
        )


_C_NAMES = {
    "float16": "c10::Half",
    "float32": "float",
    "float64": "double",
    "int32": "int",
    "int64": "long int",
    "bool": "bool",
}


def grad_dtype_name(d: DType) -> str:
    return d._legacy.removesuffix("Tensor")


_warned: set[str] = set()


def _warn_once(key: str, message: str) -> None:
    if key not in _warned:
        _warned.add(key)
        warnings.warn(message, UserWarning, stacklevel=3)


NON_LEAF_ERROR = "you can only change requires_grad flags of leaf variables."
NON_LEAF_HINT = (
    " If you want to use a computed variable in a subgraph that doesn't require "
    "differentiation use var_no_grad = var.detach()."
)
NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad field "
    "to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you "
    "access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See "
    "github.com/pytorch/pytorch/pull/30531 for more information."
)
NUMPY_ERROR = (
    "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
)
FLOAT_WARNING = (
    "Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
    "Consider using tensor.detach() first."
)
DETACH_VIEW_ERROR = (
    "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel "
    "(DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of DDP "
    "buckets, and hence detach_() cannot be called on these gradients. To fix this error, please "
    "refer to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution."
)
