"""What ``Function.apply`` does: run ``forward`` unrecorded, then record one node."""

from __future__ import annotations

from typing import Any

from .grad_mode import is_grad_enabled, no_grad
from .graph import Node

ONCE_DIFFERENTIABLE_ERROR = (
    "trying to differentiate twice a function that was marked with @once_differentiable"
)


def apply_function(cls: type, args: tuple, kwargs: dict) -> Any:
    from .._tensor import Tensor, grad_edge
    from .function import Function

    all_args = (*args, *kwargs.values())
    tensors = [a for a in all_args if isinstance(a, Tensor)]
    ctx = cls._backward_cls(
        tuple(grad_edge(t) for t in tensors), tuple((t.shape, t.dtype) for t in tensors)
    )
    ctx._arg_is_tensor = tuple(isinstance(a, Tensor) for a in all_args)
    ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in all_args)
    with no_grad():
        if cls.setup_context is not Function.setup_context:
            output = cls.forward(*args, **kwargs)
            cls.setup_context(ctx, all_args, output)
        else:
            output = cls.forward(ctx, *args, **kwargs)
    if not (is_grad_enabled() and any(t.requires_grad for t in tensors)):
        return output
    outputs = output if isinstance(output, tuple) else (output,)
    outputs = tuple(_connect(ctx, i, out, tensors) for i, out in enumerate(outputs))
    ctx._num_outputs = len(outputs)
    ctx._output_meta = tuple(
        (o.shape, o.dtype) if isinstance(o, Tensor) else ((), None) for o in outputs
    )
    _save(ctx, outputs)
    return outputs if isinstance(output, tuple) else outputs[0]


def _connect(ctx: Node, i: int, out: Any, inputs: list) -> Any:
    """Make output ``i`` a result of ``ctx`` (unless marked non-differentiable)."""
    from .._tensor import Tensor

    if not isinstance(out, Tensor):
        return out
    dirty = any(out is d for d in ctx._dirty)
    if dirty and out.is_leaf and out.requires_grad:
        raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")
    if not dirty and any(out is t for t in inputs):
        out = Tensor._make(out._data, out.dtype, version=out._version_counter, base=out)
    if any(out is n for n in ctx._non_differentiable) or not out.dtype.is_floating_point:
        return out
    out._grad_fn = ctx
    out._output_nr = i
    out._requires_grad = True
    return out


def _save(ctx: Node, outputs: tuple) -> None:
    to_save = ctx._to_save
    ctx.save({str(i): None if any(t is o for o in outputs) else t for i, t in enumerate(to_save)})
    for i, t in enumerate(to_save):
        if t is not None and any(t is o for o in outputs):
            ctx.save_output(str(i), t)


class Error(Node):
    """The grad_fn of a ``@once_differentiable`` backward's result: differentiating it fails."""

    def apply(self, *grads: Any) -> tuple:
        raise RuntimeError(ONCE_DIFFERENTIABLE_ERROR)


def error_if_differentiated(result: Any, grads: tuple) -> Any:
    from .._tensor import Tensor
    from ..ops._record import record

    sources = tuple(g for g in grads if isinstance(g, Tensor) and g.requires_grad)
    results = result if isinstance(result, tuple) else (result,)
    wrapped = tuple(
        record(Error, r._data, sources) if isinstance(r, Tensor) else r for r in results
    )
    return wrapped if isinstance(result, tuple) else wrapped[0]
