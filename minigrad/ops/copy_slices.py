"""A view modified in place: ``CopySlices`` and ``AsStridedBackward0``.

A view shares memory with its base, so ``y[0:2].mul_(3)`` changes ``y`` too. The new
``y`` is "the old ``y`` with the region ``[0:2]`` replaced by ``MulBackward0`` of that
region". PyTorch records exactly that: the base's ``grad_fn`` becomes a ``CopySlices``
node wrapping the op's node, and every view of the base gets an ``AsStridedBackward0``
node (read my region of the base), so that later uses of *any* view of the base
differentiate through the new values.

A region is given by *positions*: for each element of the view, the flat index of
the base element it shares memory with. Gradients move between a base and a view
with ``take`` (base to view) and ``put`` (view to base, zeros elsewhere), two ops
whose backwards are each other, so all of this can be differentiated again.

To find the views of a base, each view is registered when it is made (``track_view``),
in a registry kept on the version counter that the base and its views share.
"""

from __future__ import annotations

import weakref

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .._tensor import Tensor, _op_name, grad_edge
from ..autograd import grad_mode
from ..autograd._function_apply import Error
from ..autograd.engine import validate_grads
from ..autograd.graph import Node
from ._record import record


# --- the views of a base ---------------------------------------------------------------------
class ViewRegistry:
    """Weak references to the views sharing one version counter, and how unusual ones were made.

    A kind other than "default" follows PyTorch's ``CreationMeta``: "no_grad" (made
    inside ``no_grad``), "custom_function" (returned by a custom ``Function``) or
    "multi_output" (one of several views returned together). Autograd cannot record
    an in-place change of those, so it refuses.
    """

    __slots__ = ("refs", "kinds", "limit")

    def __init__(self) -> None:
        self.refs: list[weakref.ref] = []
        self.kinds: dict[int, tuple[weakref.ref, str]] = {}
        self.limit = 8  # when to drop the references of views that died

    def add(self, view: Tensor, kind: str) -> None:
        ref = weakref.ref(view)
        self.refs.append(ref)
        if kind != "default":
            self.kinds[id(view)] = (ref, kind)
        elif id(view) in self.kinds:
            del self.kinds[id(view)]
        if len(self.refs) > self.limit:
            self.refs = [r for r in self.refs if r() is not None]
            self.kinds = {k: e for k, e in self.kinds.items() if e[0]() is not None}
            self.limit = 2 * len(self.refs) + 8

    def live(self) -> list[Tensor]:
        views = {id(v): v for v in (r() for r in self.refs) if v is not None}
        return list(views.values())

    def kind(self, view: Tensor) -> str:
        entry = self.kinds.get(id(view))
        return entry[1] if entry is not None and entry[0]() is view else "default"


def track_view(view: Tensor, source: Tensor, kind: str = "default") -> None:
    """Register ``view`` (made from ``source``) so in-place ops on its base can update it.

    A view of an unusual view inherits its kind, as in PyTorch.
    """
    counter = view._version_counter
    if counter.views is None:
        counter.views = ViewRegistry()
    if kind == "default":
        kind = view_kind(source) if grad_mode.is_grad_enabled() else "no_grad"
    counter.views.add(view, kind)


def view_kind(tensor: Tensor) -> str:
    registry = tensor._version_counter.views
    return "default" if registry is None else registry.kind(tensor)


def views_of(base: Tensor) -> list[tuple[Tensor, str]]:
    """The live views of ``base``, each with its kind."""
    registry = base._version_counter.views
    if registry is None:
        return []
    return [(v, registry.kind(v)) for v in registry.live() if v._base is base]


def view_error(view: Tensor, kind: str, direct: bool) -> str:
    """PyTorch's refusal to modify a view of an unusual kind (or its base) in place."""
    if kind == "no_grad":
        what = (
            "is being modified inplace"
            if direct
            else ("its base or another view of its base has been modified inplace")
        )
        return (
            f"A view was created in no_grad mode and {what} with grad mode enabled. Given that "
            "this use case is ambiguous and error-prone, it is forbidden. You can clarify your "
            "code by moving both the view and the inplace either both inside the no_grad block "
            "(if you don't want the inplace to be tracked) or both outside (if you want the "
            "inplace to be tracked)."
        )
    what = (
        "is being modified inplace"
        if direct
        else ("its base or another view of its base has been modified inplace")
    )
    start = f"Output {view._output_nr} of {_op_name(view._grad_fn)} is a view and {what}. "
    if kind == "custom_function":
        return start + (
            "This view was created inside a custom Function (or because an input was returned "
            "as-is) and the autograd logic to handle view+inplace would override the custom "
            "backward associated with the custom Function, leading to incorrect gradients. This "
            "behavior is forbidden. You can fix this by cloning the output of the custom Function."
        )
    return start + (
        "This view is the output of a function that returns multiple views. Such functions do "
        "not allow the output views to be modified inplace. You should replace the inplace "
        "operation by an out-of-place one."
    )


# --- where a view's elements live in its base --------------------------------------------------
def positions(view: np.ndarray, base: np.ndarray) -> np.ndarray:
    """For each element of ``view``, the flat (C-order) index of the ``base`` element it aliases.

    Both arrays are laid over one slot per element of the base's memory: the base
    writes its flat indices into its slots, the view reads back the ones it covers.
    """
    size = base.itemsize
    low, high = _byte_bounds(base)
    memory = np.full((high - low) // size, -1, np.int64)

    def laid_out_as(array: np.ndarray) -> np.ndarray:
        start = (array.__array_interface__["data"][0] - low) // size
        strides = tuple(s // size * memory.itemsize for s in array.strides)
        return as_strided(memory[start:], array.shape, strides)

    laid_out_as(base)[...] = np.arange(base.size).reshape(base.shape)
    return laid_out_as(view).copy()


def _byte_bounds(array: np.ndarray) -> tuple[int, int]:
    """The first address an array uses and one past its last."""
    start = array.__array_interface__["data"][0]
    if array.size == 0:
        return start, start
    span = [(n - 1) * step for n, step in zip(array.shape, array.strides)]
    low = start + sum(s for s in span if s < 0)
    return low, start + sum(s for s in span if s > 0) + array.itemsize


def region_mask(region: np.ndarray, shape: tuple[int, ...]) -> Tensor:
    """A bool tensor of ``shape``: True at the positions of the region."""
    mask = np.zeros(int(np.prod(shape)), bool)
    mask[region.reshape(-1)] = True
    return Tensor._make(mask.reshape(shape))


class AsStridedBackward0(Node):
    """Read a region of the input: its gradient is put back into zeros of the input's shape."""

    def apply(self, grad: Tensor) -> tuple:
        return (put(grad, self.positions, self._input_meta[0][0]),)


class AsStridedScatterBackward0(Node):
    """Put values into zeros: the gradient of the values is read back from the same places."""

    def apply(self, grad: Tensor) -> tuple:
        return (take(grad, self.positions),)


def take(input: Tensor, where: np.ndarray) -> Tensor:
    """The elements of ``input`` at flat positions ``where`` (a tensor of ``where``'s shape)."""
    data = input._data.reshape(-1)[where]
    return record(AsStridedBackward0, data, (input,), positions=where)


def put(values: Tensor, where: np.ndarray, shape: tuple[int, ...]) -> Tensor:
    """Zeros of ``shape`` with ``values`` added at flat positions ``where``."""
    data = np.zeros(int(np.prod(shape)), values._data.dtype)
    np.add.at(data, where.reshape(-1), np.broadcast_to(values._data, where.shape).reshape(-1))
    return record(AsStridedScatterBackward0, data.reshape(shape), (values,), positions=where)


# --- a base whose region was modified ------------------------------------------------------
class CopySlices(Node):
    """A base after an in-place op on one of its views: ``fn`` applied to one region.

    The region's gradient goes through ``fn`` (whose first input was the region's
    old values, so what ``fn`` returns for it lands back in the region); the rest of
    the base's gradient passes through untouched. ``fn``'s other inputs are this
    node's other inputs.
    """

    def __init__(self, base: Tensor, region: np.ndarray, fn: Node) -> None:
        super().__init__(
            (grad_edge(base), *fn.next_functions[1:]),
            ((base._data.shape, base._dtype), *fn._input_meta[1:]),
        )
        self.fn = fn
        self.positions = region
        self.mask = region_mask(region, base._data.shape)

    def name(self) -> str:
        return "torch::autograd::CopySlices"

    def apply(self, grad: Tensor) -> tuple:
        grads = validate_grads(self.fn, self.fn.apply(take(grad, self.positions)))
        outside = grad.masked_fill(self.mask, 0.0)
        if grads[0] is not None:
            outside = outside + put(grads[0], self.positions, grad.shape)
        return (outside, *grads[1:])

    def release_saved(self) -> None:
        self.fn.release_saved()


def set_history(tensor: Tensor, node: Node, output_nr: int = 0) -> None:
    """Make ``node`` the tensor's ``grad_fn``, moving a ``retain_grad()`` along with it."""
    old = tensor._grad_fn
    ref = old._retained.get(tensor._output_nr) if old is not None and old._retained else None
    if ref is not None and ref() is tensor:
        del old._retained[tensor._output_nr]
        node._retained = {**(node._retained or {}), output_nr: ref}
    tensor._grad_fn, tensor._output_nr, tensor._requires_grad = node, output_nr, True


def view_node(view: Tensor, base: Tensor) -> AsStridedBackward0:
    """A fresh ``grad_fn`` for ``view``: read its region of ``base`` as ``base`` is now."""
    node = AsStridedBackward0((grad_edge(base),), ((base._data.shape, base._dtype),))
    node.positions = positions(view._data, base._data)
    return node


def refresh_views(base: Tensor, also: Tensor | None = None) -> None:
    """After ``base`` got a new ``grad_fn``, point each of its views at their region of it.

    ``also`` is the view that was just modified (refreshed even if nobody registered
    it). An unusual view is not refreshed: if it was part of a graph, using it again
    raises PyTorch's error (a view made in ``no_grad`` was never part of one).
    """
    views = views_of(base)
    if also is not None and all(v is not also for v, _ in views):
        views.append((also, "default"))
    for view, kind in views:
        if kind == "default":
            set_history(view, view_node(view, base))
        elif view._grad_fn is not None:
            set_history(view, Error((grad_edge(base),), message=view_error(view, kind, False)))
