"""The backward graph: ``Node`` (PyTorch's ``grad_fn`` objects) and ``AccumulateGrad``.

Every differentiable operation creates one node. A node knows how to turn the
gradient of its output into gradients of its inputs (``apply``), and where those
go next (``next_functions``: one ``(node, output_nr)`` edge per input, ``None`` for
inputs that need no grad). Leaves that require grad end in an ``AccumulateGrad``
node, which adds what arrives into ``leaf.grad``. Edges point from outputs to
inputs, so the graph is the *backward* graph: the engine walks it from the loss.
"""

from __future__ import annotations

import itertools
import sys
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import _tensor  # a module reference: _tensor imports this module too
from .._errors import with_note
from ..utils.hooks import RemovableHandle
from . import anomaly_mode

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = ["Node", "AccumulateGrad", "SavedTensor"]

Edge = tuple["Node | None", int]

_sequence = itertools.count()

SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through "
    "the graph a second time or if you need to access saved tensors after calling backward."
)


class Node:
    """One recorded operation in the backward graph.

    Subclasses implement ``apply(*grad_outputs) -> tuple`` of gradients, one per
    input, written with Tensor operations so that the gradient computation can
    itself be recorded (``create_graph=True``). Calling a node runs ``apply``, as
    ``y.grad_fn(g)`` does in PyTorch.
    """

    # Slots rather than a __dict__ per node: a graph of a million nodes takes far less
    # memory and far less of the garbage collector's time. The attributes of some ops
    # (``alpha``, ``dim``, ...) still go to a __dict__, made only for the nodes that have any.
    __slots__ = (
        "next_functions", "_input_meta", "_sequence_nr", "_saved", "_freed", "__dict__",
        "__weakref__",
    )  # fmt: skip

    _pre_hooks: dict[int, Callable[..., Any]] | None = None
    _post_hooks: dict[int, Callable[..., Any]] | None = None
    _tensor_hooks: dict[int, tuple[int, Callable[..., Any]]] | None = None
    _retained: dict[int, weakref.ref] | None = None
    _num_outputs = 1  # gradients arriving per call of ``apply``

    def __init__(self, next_functions: tuple[Edge, ...] = (), input_meta: tuple = ()) -> None:
        self.next_functions = next_functions
        # (shape, dtype) of each input: the engine reshapes and casts gradients to match.
        self._input_meta = input_meta
        # Newer nodes run first: the engine's tie-break, as in PyTorch.
        self._sequence_nr = next(_sequence)
        if anomaly_mode._state.enabled:  # where was I recorded? (for backward's error messages)
            self._forward_stack = anomaly_mode.forward_stack()
        self._saved: dict[str, SavedTensor | None] | None = None
        self._freed = False

    def name(self) -> str:
        return type(self).__name__

    def apply(self, *grad_outputs: Tensor) -> tuple[Tensor | None, ...]:
        raise NotImplementedError

    def __call__(self, *grad_outputs: Tensor) -> Any:
        grads = self.apply(*grad_outputs)
        return grads[0] if len(grads) == 1 else grads

    def __repr__(self) -> str:  # torch::autograd::CopySlices prints as <CopySlices object ...>
        return f"<{self.name().rsplit('::', 1)[-1]} object at {id(self):#x}>"

    @property
    def metadata(self) -> dict:
        if "_metadata" not in self.__dict__:
            self._metadata: dict = {}
        return self._metadata

    @property
    def requires_grad(self) -> bool:
        return any(fn is not None for fn, _ in self.next_functions)

    def needs_input_grad(self, i: int) -> bool:
        """Whether input ``i`` needs a gradient (so ``apply`` may skip the work if not)."""
        return self.next_functions[i][0] is not None

    # --- saved tensors ---------------------------------------------------------------------
    def save(self, tensors: dict[str, Tensor | None]) -> None:
        """Keep tensors for backward; their versions are checked when they are used."""
        self._saved = {k: None if t is None else SavedTensor(t) for k, t in tensors.items()}

    def save_output(self, name: str, output: Tensor) -> None:
        """Keep this node's own output (e.g. ``exp``) without a reference cycle."""
        if self._saved is None:
            self._saved = {}
        self._saved[name] = SavedTensor(output, is_output=True)

    def resave_output(self, old: Tensor, new: Tensor) -> None:
        """An in-place op wrote its result ``old`` into ``new``: keep ``new`` where ``old`` was."""
        for name, saved in (self._saved or {}).items():
            if saved is not None and saved.holds_output(old):
                self.save_output(name, new)

    def saved(self, *names: str) -> Any:
        """The saved tensors named, unpacked; the second-backward error once freed."""
        if self._freed:
            raise with_note(RuntimeError(SECOND_BACKWARD), "second_backward")
        assert self._saved is not None
        saved = self._saved
        values = [None if saved[name] is None else saved[name].unpack(self) for name in names]
        return values[0] if len(values) == 1 else tuple(values)

    def release_saved(self) -> None:
        """Free what was saved (called by the engine unless ``retain_graph``)."""
        if self._saved:
            # The names stay, so ``dir(node)`` still lists ``_saved_self`` as in PyTorch.
            self._saved = dict.fromkeys(self._saved)
            self._freed = True

    def __getattr__(self, attr: str) -> Any:
        # PyTorch exposes saved values as ``grad_fn._saved_self``, ``_saved_other``, ...
        # and the op's other arguments as ``_saved_exponent``, ``_saved_dim``, ...
        if attr.startswith("_saved_") and self._saved and attr[7:] in self._saved:
            return self.saved(attr[7:])
        if attr.startswith("_saved_") and attr[7:] in self.__dict__:
            return self.__dict__[attr[7:]]
        if attr.startswith("_saved_") and self._freed:
            raise with_note(RuntimeError(SECOND_BACKWARD), "second_backward")
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{attr}'")

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *(f"_saved_{k}" for k in (self._saved or ()))]

    # --- hooks -----------------------------------------------------------------------------
    def register_hook(self, fn: Callable[..., Any]) -> RemovableHandle:
        """``fn(grad_inputs, grad_outputs)`` runs after ``apply``; may return new grad_inputs."""
        if self._post_hooks is None:
            self._post_hooks = {}
        return _add_hook(self._post_hooks, fn)

    def register_prehook(self, fn: Callable[..., Any]) -> RemovableHandle:
        """``fn(grad_outputs)`` runs before ``apply``; may return new grad_outputs."""
        if self._pre_hooks is None:
            self._pre_hooks = {}
        return _add_hook(self._pre_hooks, fn)


def _add_hook(hooks: dict[int, Callable[..., Any]], fn: Callable[..., Any]) -> RemovableHandle:
    handle = RemovableHandle(hooks)
    hooks[handle.id] = fn
    return handle


class AccumulateGrad(Node):
    """The end of every path to a leaf: adds the arriving gradient into ``leaf.grad``."""

    def __init__(self, variable: Tensor) -> None:
        super().__init__((), ((variable.shape, variable.dtype),))
        self.variable = variable
        # As PyTorch: the highest priority, so a leaf's gradient is stored as soon as it is final.
        self._sequence_nr = sys.maxsize

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    @property
    def _tensor_hooks(self) -> dict | None:  # a leaf's hooks live on the leaf itself
        return self.variable._hooks

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"

    def apply(self, grad: Tensor) -> tuple[()]:
        _tensor.accumulate_grad(self.variable, grad)
        return ()


class SavedTensor:
    """A tensor kept for backward, with the version it had when saved.

    A node's own output is stored as bare data plus the version counter: keeping
    the output tensor itself would make ``tensor -> node -> tensor`` a reference
    cycle. When unpacked it is rebuilt with this node as its ``grad_fn``.
    """

    __slots__ = ("_tensor", "_output", "_saved_version")

    def __init__(self, tensor: Tensor, is_output: bool = False) -> None:
        self._saved_version = tensor._version
        if is_output:
            self._tensor = None
            counter = tensor._version_counter  # shared with the output, which is not kept
            self._output = (tensor._data, tensor._dtype, tensor._output_nr, counter)
        else:
            self._tensor = tensor
            self._output = None

    def holds_output(self, output: Tensor) -> bool:
        return self._output is not None and self._output[0] is output._data

    def unpack(self, node: Node) -> Tensor:
        """The saved tensor; PyTorch's error if it was modified in place since it was saved.

        The error names the tensor's current ``grad_fn`` for a saved input, and the
        node that saved it for a saved output (as PyTorch does).
        """
        if self._output is None:
            tensor = self._tensor
        else:
            data, dtype, output_nr, counter = self._output
            tensor = _tensor.Tensor._make(data, dtype, grad_fn=node, version=counter)
            tensor._output_nr = output_nr
        if tensor._version != self._saved_version:
            raise _tensor.version_error(tensor, node, tensor._version, self._saved_version)
        return tensor
