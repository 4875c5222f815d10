"""The engine: runs the backward graph from the outputs to the leaves.

The whole idea fits in ``run_backward``:

1. Count, for every node reachable from the outputs, how many edges point into it
   (an iterative walk, not recursion, so a graph a million nodes deep is fine).
2. Start from the outputs with their gradients. A node runs only once all the
   gradients headed for it have arrived and been summed: that is a topological
   order, and it is why ``a + a`` and diamonds get their gradients added up.
   Among ready nodes the newest runs first, as in PyTorch (and a leaf's
   ``AccumulateGrad`` before any other: its gradient is final once it is ready).
3. Each node turns the gradient of its output into gradients of its inputs
   (``apply``); those flow along ``next_functions``. ``AccumulateGrad`` nodes add
   them into ``leaf.grad``. Saved tensors are freed unless ``retain_graph``.

``autograd.grad`` uses the same walk but *captures* the gradients arriving at the
requested inputs instead of writing ``.grad``.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .. import _tensor
from .._errors import with_note
from . import anomaly_mode
from .grad_mode import set_grad_enabled
from .graph import AccumulateGrad, Edge, Node

if TYPE_CHECKING:
    from .._tensor import Tensor


def count_dependencies(roots: Sequence[Node]) -> dict[Node, int]:
    """For each node reachable from ``roots``: how many edges lead into it."""
    deps: dict[Node, int] = {}
    stack = list(roots)
    seen = set(roots)
    while stack:
        node = stack.pop()
        for child, _ in node.next_functions:
            if child is None:
                continue
            deps[child] = deps.get(child, 0) + 1
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return deps


def nodes_leading_to(roots: Sequence[Node], targets: set[Node]) -> set[Node]:
    """The nodes from which some target can be reached (targets included)."""
    needed: set[Node] = set()
    done: set[Node] = set()
    stack = [(node, False) for node in roots]
    while stack:  # iterative post-order: children are decided before their parent
        node, children_done = stack.pop()
        if children_done:
            if node in targets or any(c in needed for c, _ in node.next_functions):
                needed.add(node)
            continue
        if node in done:
            continue
        done.add(node)
        stack.append((node, True))
        stack.extend((c, False) for c, _ in node.next_functions if c is not None and c not in done)
    return needed


def run_backward(
    roots: Sequence[Edge],
    grads: Sequence[Tensor],
    keep_graph: bool,
    create_graph: bool,
    inputs: Sequence[Edge] = (),
    accumulate_grad: bool = True,
) -> list[Tensor | None]:
    """Propagate ``grads`` from the ``roots`` edges back through the graph.

    With ``accumulate_grad`` the leaves' ``.grad`` are updated (``backward``);
    otherwise the gradients reaching ``inputs`` are returned (``autograd.grad``).
    With ``inputs`` only the part of the graph that leads to them runs.
    """
    root_nodes = list(dict.fromkeys(node for node, _ in roots))
    deps = count_dependencies(root_nodes)
    captures: dict[Node, list[tuple[int, int]]] = {}
    for i, (node, nr) in enumerate(inputs):
        captures.setdefault(node, []).append((nr, i))
    needed = nodes_leading_to(root_nodes, set(captures)) if inputs else None
    captured: list[Tensor | None] = [None] * len(inputs)

    buffers: dict[Node, list[Tensor | None]] = {}
    for (node, nr), grad in zip(roots, grads, strict=True):
        _add_to_buffer(buffers, node, nr, grad)
    # A heap of (-sequence number, push order, node): the newest node first; the push
    # order breaks ties (between AccumulateGrad nodes) without comparing nodes.
    order = itertools.count()
    ready = [(-n._sequence_nr, next(order), n) for n in root_nodes if deps.get(n, 0) == 0]
    heapq.heapify(ready)

    # Formulas overflow to inf and give nan as PyTorch's do: silently. (NumPy would warn;
    # one errstate for the whole pass also covers the hooks that run inside it.)
    with set_grad_enabled(create_graph), np.errstate(all="ignore"):
        while ready:
            node = heapq.heappop(ready)[2]
            grad_outputs = buffers.pop(node, None)
            runs = needed is None or _should_run(node, needed, accumulate_grad)
            # autograd.grad returns a gradient as it arrives, before the tensor's hooks, when
            # it flows on through the node; when it stops here, after them (as PyTorch).
            if runs and node in captures:
                _capture(captures[node], grad_outputs, captured)
            if node._tensor_hooks or node._retained:
                grad_outputs = _run_tensor_hooks(node, grad_outputs)
            if not runs:
                if node in captures:
                    _capture(captures[node], grad_outputs, captured)
                continue  # nothing it would compute leads to the requested inputs
            grad_inputs = _call(node, grad_outputs)
            if not keep_graph:
                node.release_saved()
            for (child, nr), grad in zip(node.next_functions, grad_inputs):
                if child is None or (needed is not None and child not in needed):
                    continue
                if grad is not None:
                    _add_to_buffer(buffers, child, nr, grad)
                deps[child] -= 1
                if deps[child] == 0:
                    heapq.heappush(ready, (-child._sequence_nr, next(order), child))
    return captured


def _capture(slots: list[tuple[int, int]], grads: list | None, captured: list) -> None:
    """Keep the gradients that arrived for the requested inputs (``autograd.grad``)."""
    for nr, i in slots:
        captured[i] = grads[nr] if grads else None


def _should_run(node: Node, needed: set[Node], accumulate_grad: bool) -> bool:
    if isinstance(node, AccumulateGrad):
        return accumulate_grad  # reached only when it is one of the inputs
    return any(child in needed for child, _ in node.next_functions)


def _add_to_buffer(buffers: dict, node: Node, nr: int, grad: Tensor) -> None:
    """Sum the gradients that meet at the same node output (reuse, diamonds)."""
    buffer = buffers.get(node)
    if buffer is None:
        buffer = buffers[node] = [None] * max(nr + 1, node._num_outputs)
    buffer[nr] = grad if buffer[nr] is None else buffer[nr] + grad


def _run_tensor_hooks(node: Node, grads: list | None) -> list | None:
    """Hooks registered on the tensors this node produced, then ``retain_grad``."""
    if grads is None:
        return None
    if node._tensor_hooks:
        for nr, hook in list(node._tensor_hooks.values()):
            if grads[nr] is not None:
                grads[nr] = _checked_hook_result(hook, grads[nr])
    if node._retained:
        for nr, ref in node._retained.items():
            tensor = ref()
            if tensor is not None and grads[nr] is not None:
                _tensor.accumulate_retained_grad(tensor, grads[nr])
    return grads


def _checked_hook_result(hook, grad: Tensor) -> Tensor:
    result = hook(grad)
    if result is None:
        return grad
    if not isinstance(result, _tensor.Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(result).__name__}'")
    name = getattr(hook, "__name__", hook)
    if result.dtype is not grad.dtype:
        raise RuntimeError(
            f"hook '{name}' has changed the type of value (was torch.{grad.dtype._legacy} "
            f"got torch.{result.dtype._legacy})"
        )
    if result.shape != grad.shape:
        raise RuntimeError(f"hook '{name}' has changed the size of value")
    return result


def _call(node: Node, grad_outputs: list | None) -> tuple:
    """Run one node: pre-hooks, ``apply``, post-hooks, then fit grads to the inputs."""
    if grad_outputs is None or not _any_grad(grad_outputs):
        return (None,) * len(node.next_functions)
    if node._pre_hooks:
        for hook in list(node._pre_hooks.values()):
            result = hook(tuple(grad_outputs))
            if result is not None:
                grad_outputs = list(result)
    if anomaly_mode._state.enabled:  # name the forward line if it fails
        grad_inputs = anomaly_mode.run_node(node, grad_outputs)
    else:
        grad_inputs = node.apply(*grad_outputs)
    if node._post_hooks:
        for hook in list(node._post_hooks.values()):
            result = hook(tuple(grad_inputs), tuple(grad_outputs))
            if result is not None:
                grad_inputs = tuple(result)
    return validate_grads(node, grad_inputs)


def _any_grad(grads: list) -> bool:
    for grad in grads:
        if grad is not None:
            return True
    return False


def validate_grads(node: Node, grads: tuple) -> tuple:
    """Sum broadcast gradients back to each input's shape and cast to its dtype."""
    out = []
    for (child, _), grad, (shape, dtype) in zip(node.next_functions, grads, node._input_meta):
        if grad is None or child is None:
            out.append(None)
            continue
        if not isinstance(grad, _tensor.Tensor):
            raise RuntimeError(f"expected Variable or None (got {type(grad).__name__})")
        if grad._data.shape != shape:
            if not _expandable(shape, grad._data.shape):
                raise RuntimeError(
                    f"Function {node.name()} returned an invalid gradient at index {len(out)} - "
                    f"got {list(grad.shape)} but expected shape compatible with {list(shape)}"
                )
            grad = grad.sum_to_size(shape)
        if grad._dtype is not dtype:
            grad = grad.to(dtype)
        out.append(grad)
    return tuple(out)


def _expandable(shape: tuple, to: tuple) -> bool:
    """Whether a tensor of ``shape`` broadcasts to ``to`` (so ``to`` can be summed back)."""
    if len(shape) > len(to):
        return False
    return all(s == t or s == 1 for s, t in zip(reversed(shape), reversed(to)))


def check_root(i: int, tensor: Tensor) -> None:
    if not tensor.requires_grad:
        message = f"element {i} of tensors does not require grad and does not have a grad_fn"
        raise with_note(RuntimeError(message), "no_grad_fn")
