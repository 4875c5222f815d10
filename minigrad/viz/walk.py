"""Walking the backward graph into what a drawing shows: boxes and arrows, as plain data.

Nothing here knows Graphviz: ``dot.py`` turns a ``Picture`` into DOT text, and
``step.py`` adds to the same ``Picture`` the gradients of one moment of backward.

The walk starts at the outputs' ``grad_fn`` and follows ``next_functions``
breadth-first, with a queue rather than recursion, so a graph thousands of nodes
deep is fine. Ids are handed out in the order the walk meets things (``n0, n1, ...``
for nodes, ``t0, ...`` for tensors), never taken from ``id()``: the same graph
always gives the same picture, on every run and every machine.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Mapping, Sequence

from .._tensor import Tensor
from ..autograd.graph import AccumulateGrad, Node
from .labels import shape_text, values_text

# Every kind of box, in the order the legend lists them, with what it means.
KINDS = {
    "output": "output: backward starts here",
    "result": "result tensor (made by its grad_fn)",
    "fn": "grad_fn node (its backward formula)",
    "accumulate": "AccumulateGrad: adds into leaf.grad",
    "leaf": "leaf tensor that requires grad",
    "nograd": "input that needs no grad (None edge)",
    "saved": "tensor saved for backward",
}


@dataclasses.dataclass
class Box:
    """One drawn node: a tensor, a ``grad_fn`` node or a saved tensor."""

    id: str
    kind: str
    lines: list[str]


@dataclasses.dataclass
class Arrow:
    """``grad``: an edge a gradient flows along; ``none``: a ``None`` edge (nothing flows);
    ``attach``: a result and the node that made it; ``saved``: a saved tensor and its node."""

    tail: str
    head: str
    kind: str = "grad"
    label: str = ""
    output_nr: int = 0  # which output of the head node a ``grad`` arrow feeds


@dataclasses.dataclass(frozen=True)
class Options:
    """What the labels show; ``show_data`` is a bool or the largest numel whose values show."""

    show_saved: bool = False
    show_grad: bool = False
    show_data: bool | int = 6

    def shows_values(self, tensor: Tensor) -> bool:
        if isinstance(self.show_data, bool):
            return self.show_data
        return tensor.numel() <= self.show_data


@dataclasses.dataclass
class Picture:
    """The boxes and arrows, plus the indexes that ``step.py`` needs to annotate them."""

    boxes: list[Box] = dataclasses.field(default_factory=list)
    arrows: list[Arrow] = dataclasses.field(default_factory=list)
    node_ids: dict[Node, str] = dataclasses.field(default_factory=dict)
    # (node id, input index) -> index in ``arrows`` of the edge next_functions[input index].
    slots: dict[tuple[str, int], int] = dataclasses.field(default_factory=dict)
    # Index in ``arrows`` of each output's edge into its grad_fn.
    roots: list[int] = dataclasses.field(default_factory=list)
    # AccumulateGrad node id -> id of its leaf tensor's box.
    leaf_boxes: dict[str, str] = dataclasses.field(default_factory=dict)

    def box(self, box_id: str) -> Box:
        return next(b for b in self.boxes if b.id == box_id)


Names = Mapping[int, tuple[str, Tensor]]  # id(tensor) -> (name, tensor)


def walk(outputs: Sequence[Tensor], names: Names, options: Options) -> Picture:
    """The picture of the backward graph of ``outputs``, tensors named by ``names``."""
    walker = _Walker(names, options)
    for out in outputs:
        walker.add_output(out)
    while walker.queue:
        walker.visit(walker.queue.popleft())
    walker.add_named_results()
    return walker.picture


class _Walker:
    def __init__(self, names: Names, options: Options) -> None:
        self.names = names
        self.options = options
        self.picture = Picture()
        self.queue: deque[Node] = deque()
        self.tensor_ids: dict[int, str] = {}
        self.counts: dict[str, int] = {}

    def new_id(self, prefix: str) -> str:
        n = self.counts.get(prefix, 0)
        self.counts[prefix] = n + 1
        return f"{prefix}{n}"

    def name_of(self, tensor: Tensor) -> str | None:
        entry = self.names.get(id(tensor))
        return None if entry is None else entry[0]

    def node_id(self, node: Node) -> str:
        """The node's id, handed out (and the node queued) the first time it is met."""
        if node not in self.picture.node_ids:
            self.picture.node_ids[node] = self.new_id("n")
            self.queue.append(node)
        return self.picture.node_ids[node]

    def add_output(self, out: Tensor) -> None:
        if id(out) in self.tensor_ids:
            return
        box_id = self.tensor_box(out, "output")
        if out.grad_fn is not None:
            self.picture.roots.append(len(self.picture.arrows))
            head = self.node_id(out.grad_fn)
            self.picture.arrows.append(Arrow(box_id, head, output_nr=out._output_nr))

    def tensor_box(self, tensor: Tensor, kind: str, first_line: str | None = None) -> str:
        """One box per tensor object, however often it is met."""
        if id(tensor) not in self.tensor_ids:
            box_id = self.new_id("t")
            self.tensor_ids[id(tensor)] = box_id
            lines = tensor_lines(tensor, self.name_of(tensor), self.options, first_line)
            self.picture.boxes.append(Box(box_id, kind, lines))
        return self.tensor_ids[id(tensor)]

    def visit(self, node: Node) -> None:
        node_id = self.picture.node_ids[node]
        if isinstance(node, AccumulateGrad):
            self.picture.boxes.append(Box(node_id, "accumulate", ["AccumulateGrad"]))
            leaf_id = self.tensor_box(node.variable, "leaf")
            self.picture.leaf_boxes[node_id] = leaf_id
            self.picture.arrows.append(Arrow(node_id, leaf_id))
        else:
            self.picture.boxes.append(Box(node_id, "fn", [node.name()]))
        for i, (child, output_nr) in enumerate(node.next_functions):
            self.picture.slots[(node_id, i)] = len(self.picture.arrows)
            if child is None:
                self.picture.arrows.append(Arrow(node_id, self.no_grad_box(node, i), "none"))
            else:
                label = f"output {output_nr}" if output_nr else ""
                head = self.node_id(child)
                self.picture.arrows.append(Arrow(node_id, head, label=label, output_nr=output_nr))
        if self.options.show_saved:
            self.add_saved(node, node_id)

    def no_grad_box(self, node: Node, i: int) -> str:
        """A ``None`` in ``next_functions``: that input needs no gradient (the graph
        does not hold it, only its shape and dtype)."""
        shape, dtype = node._input_meta[i]
        box_id = self.new_id("t")
        lines = ["needs no grad", shape_text(shape, dtype)]
        self.picture.boxes.append(Box(box_id, "nograd", lines))
        return box_id

    def add_saved(self, node: Node, node_id: str) -> None:
        """``_saved_*`` attributes, found with ``dir()`` as torchviz does."""
        for attr in sorted(a for a in dir(node) if a.startswith("_saved_")):
            try:
                value = getattr(node, attr)
            except RuntimeError:  # freed by backward(), or changed in place since
                reason = "freed by backward()" if node._freed else "modified in place"
                lines = [attr, f"({reason})"]
            else:
                if not isinstance(value, Tensor):  # e.g. None: nothing was kept
                    continue
                lines = tensor_lines(value, self.name_of(value), self.options, attr)
            box_id = self.new_id("s")
            self.picture.boxes.append(Box(box_id, "saved", lines))
            self.picture.arrows.append(Arrow(box_id, node_id, kind="saved"))

    def add_named_results(self) -> None:
        """Named tensors made by a node of this graph (``y = x + 2``), beside their node."""
        found = []
        for tensor_id, (name, tensor) in self.names.items():
            if tensor_id in self.tensor_ids:
                continue
            node_id = self.picture.node_ids.get(tensor.grad_fn)
            if node_id is not None:
                found.append((int(node_id[1:]), tensor._output_nr, name, tensor))
        for _, _, _, tensor in sorted(found, key=lambda entry: entry[:3]):
            box_id = self.tensor_box(tensor, "result")
            node_id = self.picture.node_ids[tensor.grad_fn]
            self.picture.arrows.append(Arrow(box_id, node_id, kind="attach"))


def tensor_lines(
    tensor: Tensor, name: str | None, options: Options, first_line: str | None = None
) -> list[str]:
    """Name, shape (and dtype unless float32), small values, and ``.grad`` if asked for."""
    lines = [line for line in (first_line, name) if line]
    lines.append(shape_text(tensor.shape, tensor.dtype))
    if options.shows_values(tensor):
        lines.extend(values_text(tensor).splitlines())
    if options.show_grad and (tensor._grad is not None or tensor.is_leaf and tensor.requires_grad):
        lines.extend(grad_lines(tensor._grad, options))
    return lines


def grad_lines(grad: Tensor | None, options: Options) -> list[str]:
    """``grad:`` and its values (or its shape when it is large), or ``grad: None``."""
    if grad is None:
        return ["grad: None"]
    if options.shows_values(grad):
        return ["grad:", *values_text(grad).splitlines()]
    return [f"grad: {shape_text(grad.shape, grad.dtype)}"]
