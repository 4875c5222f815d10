"""What ``MyFn.apply(*args)`` does, step by step.

1. Make the node, ``MyFnBackward``, with one edge per tensor argument. The node is
   also the ``ctx`` that ``forward`` and ``backward`` share.
2. Run ``forward`` with grad mode off: the operations inside it are not recorded,
   because the node stands for all of them.
3. If grad mode is on and some input requires grad, make each output a result of
   the node, and keep the tensors that ``forward`` saved.

The special cases are PyTorch's: an input returned as it is comes back as a view
of it; an input modified in place (``ctx.mark_dirty``) keeps its identity and gets
the node as its new ``grad_fn``; outputs marked non-differentiable, and integer
outputs, stay outside the graph.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .grad_mode import is_grad_enabled, no_grad
from .graph import Node

if TYPE_CHECKING:
    from .._tensor import Tensor
    from .function import BackwardCFunction

ONCE_DIFFERENTIABLE_ERROR = (
    "trying to differentiate twice a function that was marked with @once_differentiable"
)


def apply_function(cls: type, args: tuple, kwargs: dict) -> Any:
    from .._tensor import Tensor

    inputs = (*args, *kwargs.values())
    tensors = [a for a in inputs if isinstance(a, Tensor)]
    recording = is_grad_enabled() and any(t._requires_grad for t in tensors)
    ctx = _make_ctx(cls, inputs, tensors, recording)
    with no_grad():
        output = _run_forward(cls, ctx, args, kwargs, inputs)
    outputs = output if isinstance(output, tuple) else (output,)
    for tensor in ctx._dirty:
        tensor._version_counter.value += 1  # it was modified in place
    outputs = tuple(_wrap(ctx, i, out, tensors, recording) for i, out in enumerate(outputs))
    if recording:
        _keep_for_backward(ctx, outputs)
    return outputs if isinstance(output, tuple) else outputs[0]


def _make_ctx(cls: type, inputs: tuple, tensors: list, recording: bool) -> BackwardCFunction:
    from .._tensor import Tensor, grad_edge

    edges = tuple(grad_edge(t) if recording else (None, 0) for t in tensors)
    ctx = cls._backward_cls(edges, tuple((t._data.shape, t._dtype) for t in tensors))
    ctx._arg_is_tensor = tuple(isinstance(a, Tensor) for a in inputs)
    ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in inputs)
    return ctx


def _run_forward(cls: type, ctx: Node, args: tuple, kwargs: dict, inputs: tuple) -> Any:
    """``forward(ctx, *args)``; or ``forward(*args)``, then ``setup_context(ctx, inputs, out)``."""
    from .function import Function

    if cls.setup_context is Function.setup_context:
        return cls.forward(ctx, *args, **kwargs)
    output = cls.forward(*args, **kwargs)
    cls.setup_context(ctx, inputs, output)
    return output


def _wrap(ctx: Node, i: int, out: Any, inputs: list, recording: bool) -> Any:
    """Output ``i`` as the caller receives it: made a result of ``ctx`` when recording."""
    from .._tensor import Tensor
    from ..ops.copy_slices import track_view

    if not isinstance(out, Tensor):
        return out
    if any(out is d for d in ctx._dirty):
        if recording:
            _rebase_dirty(ctx, i, out, inputs)
        return out
    if any(out is t for t in inputs):
        out = _alias(out)
    if not recording or any(out is n for n in ctx._non_differentiable):
        return out
    if not out._dtype.is_floating_point:
        return out
    out._grad_fn, out._output_nr, out._requires_grad = ctx, i, True
    if out._base is not None:  # PyTorch forbids changing it in place: it would skip ``ctx``
        track_view(out, out, "custom_function")
    return out


def _alias(tensor: Tensor) -> Tensor:
    """An input returned as it is: a view of it (a plain alias under ``no_grad``)."""
    from .._tensor import Tensor
    from ..ops.copy_slices import track_view

    if not is_grad_enabled():
        return Tensor._make(tensor._data, tensor._dtype, version=tensor._version_counter)
    base = tensor if tensor._base is None else tensor._base
    alias = Tensor._make(tensor._data, tensor._dtype, version=tensor._version_counter, base=base)
    track_view(alias, tensor, "custom_function")
    return alias


def _rebase_dirty(ctx: Node, i: int, out: Tensor, inputs: list) -> None:
    """``ctx.mark_dirty(x)``: ``x`` was changed in place, so ``ctx`` becomes its ``grad_fn``."""
    from ..ops.copy_slices import CopySlices, positions, refresh_views, set_history

    if out._grad_fn is None and out._requires_grad:
        raise RuntimeError(
            "a leaf Variable that requires grad has been used in an in-place operation."
        )
    base = out._base
    if base is None:
        set_history(out, ctx, output_nr=i)
        refresh_views(out)
        return
    if len(ctx.next_functions) != 1 or i != 0:
        raise RuntimeError(
            "minigrad supports mark_dirty() on a view only for a Function with one input and "
            "one output; clone() the view before passing it in."
        )
    set_history(base, CopySlices(base, positions(out._data, base._data), ctx))
    refresh_views(base, also=out)


def _keep_for_backward(ctx: Node, outputs: tuple) -> None:
    """Save what ``forward`` passed to ``save_for_backward``; note the outputs' shapes."""
    from .._tensor import Tensor

    ctx._num_outputs = len(outputs)
    ctx._output_meta = tuple(
        (o._data.shape, o._dtype) if isinstance(o, Tensor) else None for o in outputs
    )
    to_save = ctx._to_save
    is_output = [t is not None and any(t is o for o in outputs) for t in to_save]
    ctx.save({str(k): None if out else t for k, (t, out) in enumerate(zip(to_save, is_output))})
    for k, t in enumerate(to_save):
        if is_output[k]:
            ctx.save_output(str(k), t)  # without a reference cycle tensor -> ctx -> tensor


# --- @once_differentiable ------------------------------------------------------------------------
class Error(Node):
    """A node that must not be differentiated through: running it raises ``message``.

    It is the grad_fn of a ``@once_differentiable`` backward's result, and of a view
    whose base was changed in place in a way autograd could not follow.
    """

    def __init__(
        self,
        next_functions: tuple = (),
        input_meta: tuple = (),
        message: str = ONCE_DIFFERENTIABLE_ERROR,
    ) -> None:
        super().__init__(next_functions, input_meta)
        self.message = message

    def apply(self, *grads: Any) -> tuple:
        raise RuntimeError(self.message)


def error_if_differentiated(result: Any, grads: tuple) -> Any:
    """Give each tensor in ``result`` an ``Error`` grad_fn reaching the grads that require grad."""
    from .._tensor import Tensor
    from ..ops._record import record

    sources = tuple(g for g in grads if isinstance(g, Tensor) and g.requires_grad)
    results = result if isinstance(result, tuple) else (result,)
    wrapped = tuple(
        record(Error, r._data, sources) if isinstance(r, Tensor) else r for r in results
    )
    return wrapped if isinstance(result, tuple) else wrapped[0]
