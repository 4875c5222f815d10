"""``autograd.backward`` and ``autograd.grad``: argument checks around the engine.

Both walk the same graph with the same engine. ``backward`` *accumulates* into
``.grad`` (and is what ``loss.backward()`` calls); ``grad`` *returns* the
gradients of the inputs you name and leaves every ``.grad`` alone.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .. import _tensor  # a module reference: _tensor imports this package too
from .._errors import with_note
from .engine import check_root, run_backward

if TYPE_CHECKING:
    from .._tensor import Tensor

_warned_create_graph: list[bool] = []

CREATE_GRAPH_WARNING = (
    "Using backward() with create_graph=True will create a reference cycle between the parameter "
    "and its gradient which can cause a memory leak. We recommend using autograd.grad when "
    "creating the graph to avoid this. If you have to use this function, make sure to reset the "
    ".grad fields of your parameters to None after use to break the cycle and avoid the leak."
)


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    grad_variables: Tensor | Sequence[Tensor | None] | None = None,
    inputs: Tensor | Sequence[Tensor] | Mapping[str, Tensor] | None = None,
) -> None:
    """Accumulate the gradient of ``tensors`` into the ``.grad`` of the leaves.

    ``grad_tensors`` holds d(loss)/d(tensor) for each tensor: the vector ``v`` of
    the vector-Jacobian product ``vᵀJ`` (向量-雅可比积). It may be omitted only for
    single-element tensors. The graph's saved tensors are freed afterwards unless
    ``retain_graph`` (which defaults to ``create_graph``). With ``inputs`` only
    those tensors receive gradients.
    """
    if grad_variables is not None:
        message = "`grad_variables` is deprecated. Use `grad_tensors` instead."
        warnings.warn(message, FutureWarning, stacklevel=2)
        if grad_tensors is not None:
            raise RuntimeError(
                "`grad_tensors` and `grad_variables` (deprecated) arguments both passed to "
                "`backward()`. Please only use `grad_tensors`."
            )
        grad_tensors = grad_variables
    tensors = _as_tuple(tensors)
    inputs = _inputs_tuple(inputs, "backward") if inputs is not None else ()
    grads = make_grads(tensors, grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    for i, t in enumerate(tensors):
        check_root(i, t)
    for t in inputs:
        t.retain_grad()  # as PyTorch: a result named in ``inputs`` keeps its .grad from now on
    if create_graph and not _warned_create_graph:
        _warned_create_graph.append(True)
        warnings.warn(CREATE_GRAPH_WARNING, UserWarning, stacklevel=3)
    run_backward(
        [_tensor.grad_edge(t) for t in tensors],
        grads,
        keep_graph=retain_graph,
        create_graph=create_graph,
        inputs=[_tensor.grad_edge(t) for t in inputs],
    )


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor] | Mapping[str, Tensor],
    grad_outputs: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...] | dict[str, Tensor | None]:
    """Return d(outputs)/d(inputs) as a tuple, one entry per input; no ``.grad`` changes.

    ``grad_outputs`` plays the role of ``grad_tensors`` in ``backward``. With
    ``create_graph=True`` the results are themselves differentiable, which is how
    higher derivatives are taken. ``allow_unused=True`` returns ``None`` for an
    input the outputs do not depend on; ``materialize_grads=True`` returns zeros.
    """
    if materialize_grads and allow_unused is False:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, "
            "but got: allow_unused=False."
        )
    if allow_unused is None:
        allow_unused = materialize_grads
    if not only_inputs:
        warnings.warn(
            "only_inputs argument is deprecated and is ignored now (defaults to True). To "
            "accumulate gradient for other parts of the graph, please use torch.autograd.backward.",
            FutureWarning,
            stacklevel=2,
        )
    names = list(inputs) if isinstance(inputs, Mapping) else None
    outputs = _as_tuple(outputs)
    inputs = _inputs_tuple(inputs, "grad")
    if retain_graph is None:
        retain_graph = create_graph
    for i, t in enumerate(outputs):
        if not t.requires_grad:
            check_root(i, t)
    for t in inputs:
        if not t.requires_grad:
            message = "One of the differentiated Tensors does not require grad"
            raise with_note(RuntimeError(message), "input_no_grad")
    if is_grads_batched:
        result = _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph)
    else:
        result = run_backward(
            [_tensor.grad_edge(t) for t in outputs],
            make_grads(outputs, grad_outputs),
            keep_graph=retain_graph,
            create_graph=create_graph,
            inputs=[_tensor.grad_edge(t) for t in inputs],
            accumulate_grad=False,
        )
    result = _fill_unused(result, inputs, allow_unused, materialize_grads)
    return dict(zip(names, result)) if names is not None else tuple(result)


def _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph) -> list:
    """``is_grads_batched``: one backward pass per row of the grad_outputs, stacked."""
    from .._creation import zeros_like
    from ..ops.joining import stack

    batches = [grad_outputs] if not isinstance(grad_outputs, Sequence) else list(grad_outputs)
    n = batches[0].shape[0]
    rows = []
    for k in range(n):
        rows.append(
            run_backward(
                [_tensor.grad_edge(t) for t in outputs],
                make_grads(outputs, [g[k] for g in batches]),
                keep_graph=retain_graph or k < n - 1,
                create_graph=create_graph,
                inputs=[_tensor.grad_edge(t) for t in inputs],
                accumulate_grad=False,
            )
        )
    return [
        None
        if all(row[i] is None for row in rows)
        else stack([zeros_like(x) if row[i] is None else row[i] for row in rows])
        for i, x in enumerate(inputs)
    ]


def _fill_unused(result: list, inputs: tuple, allow_unused: bool, materialize: bool) -> list:
    from .._creation import zeros_like

    for i, g in enumerate(result):
        if g is not None:
            continue
        if not allow_unused:
            message = (
                f"The differentiated Tensor at index {i} appears to not have been used in the "
                "graph. Set allow_unused=True if this is the desired behavior."
            )
            raise with_note(RuntimeError(message), "unused_input")
        if materialize:
            result[i] = zeros_like(inputs[i])
    return result


def make_grads(outputs: tuple, grads: object) -> list:
    """One gradient per output: given ones are checked, missing ones made for scalars."""
    from .._creation import ones_like  # (_creation cannot be imported before this module)

    if grads is None:
        grads = (None,) * len(outputs)
    elif isinstance(grads, _tensor.Tensor):
        grads = (grads,)
    else:
        grads = tuple(grads)
    result = []
    for i, (out, g) in enumerate(zip(outputs, grads)):
        if isinstance(g, _tensor.Tensor):
            if g.shape != out.shape:
                message = (
                    f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] "
                    f"has a shape of {out.shape}."
                )
                raise with_note(RuntimeError(message), "shape_mismatch")
            result.append(g.to(out.dtype) if g.dtype is not out.dtype else g)
        elif g is None:
            if out.requires_grad and out.numel() != 1:
                message = "grad can be implicitly created only for scalar outputs"
                raise with_note(RuntimeError(message), "implicit_scalar")
            result.append(ones_like(out))
        else:
            raise TypeError(
                f"gradients can be either Tensors or None, but got {type(g).__name__}"
            )
    if len(grads) != len(outputs):  # checked after the types, as PyTorch does
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grads)} gradients")
    return result


def _as_tuple(tensors: object) -> tuple:
    return (tensors,) if isinstance(tensors, _tensor.Tensor) else tuple(tensors)


def _inputs_tuple(inputs: object, caller: str) -> tuple:
    if isinstance(inputs, Mapping):
        inputs = tuple(inputs.values())
    inputs = _as_tuple(inputs)
    if not inputs:
        raise RuntimeError(f"`inputs` argument to `{caller}()` cannot be empty.")
    return inputs
