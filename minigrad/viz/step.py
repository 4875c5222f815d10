"""Step through backward: the real engine's run, one frame per node it processes.

``step_through(out)`` does not simulate backward, so it cannot disagree with it.
It registers a pre-hook and a post-hook on every node of ``out``'s graph and
runs the real ``backward(retain_graph=True)``: the pre-hooks record the order in
which the engine runs the nodes and the gradient each one receives, the
post-hooks what each one sends along ``next_functions`` and the leaves' ``.grad``
so far. During that run the leaves' ``.grad`` are replaced by copies, and put
back afterwards: stepping through changes no gradient of yours. (Hooks you
registered yourself run as in any backward.)

Each frame shows, after one node ran: that node in red, the gradient every edge
has carried so far (where several meet, the node adds them up), and the leaves'
``.grad``. In a stored notebook (and on GitHub) the frames are shown one below
the other, each with PNG, SVG and a deterministic ``text/plain`` for nbval;
``interactive=True`` shows one frame at a time with a slider and buttons (live
kernel with ipywidgets). The widget is opt-in because its output holds a
random model id, which a stored notebook could never match.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Mapping, Sequence

from .._tensor import Tensor
from ..autograd.engine import validate_grads
from ..autograd.graph import AccumulateGrad, Node
from .display import GraphImage
from .dot import SHOW_DATA, Marks, picture_dot
from .labels import one_line, shape_text, values_text
from .names import caller_names, param_names
from .walk import Arrow, Names, Options, Picture, grad_lines, walk


@dataclasses.dataclass
class Step:
    """What the engine did at one node, as its hooks saw it."""

    node: Node
    node_id: str
    received: tuple[Tensor | None, ...]  # the node's grad_outputs
    sent: tuple[Tensor | None, ...] = ()  # one per next_functions edge
    leaf_grads: dict[str, Tensor | None] = dataclasses.field(default_factory=dict)


class StepThrough:
    """The frames of one backward pass; shows them all, or a slider over them."""

    def __init__(self, steps: list[Step], frames: list[GraphImage], interactive: bool) -> None:
        self.steps = steps  # what the engine did, one per frame
        self.frames = frames
        self.interactive = interactive

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, i: int) -> GraphImage:
        return self.frames[i]

    def __repr__(self) -> str:
        return "\n".join(frame.text for frame in self.frames)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        if self.interactive:
            try:
                display(self.widget())
                return
            except ImportError:
                print("ipywidgets is not installed: showing every step (pip install ipywidgets)")
        for k, frame in enumerate(self.frames):
            if k > 0 and not frame.has_picture():  # why there is no picture: said once, above
                display({"text/plain": frame.text}, raw=True)
            else:
                display(frame)

    def widget(self):  # -> ipywidgets.VBox (an optional package: no import at load)
        """A slider and previous/next buttons over the frames."""
        import ipywidgets as widgets
        from IPython.display import display

        slider = widgets.IntSlider(value=1, min=1, max=len(self.frames), description="step")
        back, forward = widgets.Button(description="previous"), widgets.Button(description="next")
        shown = widgets.Output()

        def show(_: object = None) -> None:
            with shown:
                shown.clear_output(wait=True)
                display(self.frames[slider.value - 1])

        def move(by: int) -> None:
            slider.value = min(max(slider.value + by, slider.min), slider.max)

        slider.observe(show, names="value")
        back.on_click(lambda _: move(-1))
        forward.on_click(lambda _: move(1))
        show()
        return widgets.VBox([widgets.HBox([back, slider, forward]), shown])


def step_through(
    output: Tensor,
    gradient: Tensor | None = None,
    *,
    params: Mapping[str, Tensor] | None = None,
    show_data: bool | int = SHOW_DATA,
    interactive: bool = False,
) -> StepThrough:
    """Run ``output.backward(gradient)`` for real, one frame per node the engine runs.

    Nothing you own changes: the graph is retained and every ``.grad`` is as before.
    """
    if output.grad_fn is None and output.requires_grad:
        raise ValueError(
            "step_through needs a result of operations: this tensor is a leaf, so backward() "
            "would only add the gradient into its own .grad"
        )
    names = param_names(params) if params is not None else caller_names()
    options = Options(show_data=show_data)
    picture = walk([output], names, options)
    steps = record_backward(output, gradient, picture)
    frames = [
        GraphImage(
            picture_dot(picture, frame_marks(picture, steps, k, names, options)),
            frame_text(steps, k, picture, names),
            text_is="each step is shown as text",
        )
        for k in range(len(steps))
    ]
    return StepThrough(steps, frames, interactive)


def record_backward(output: Tensor, gradient: Tensor | None, picture: Picture) -> list[Step]:
    """Run the real backward with recording hooks on every node; the steps in engine order."""
    from ..autograd import backward

    steps: dict[Node, Step] = {}  # insertion order is the engine's order
    leaves = {
        picture.leaf_boxes[node_id]: node.variable
        for node, node_id in picture.node_ids.items()
        if isinstance(node, AccumulateGrad)
    }

    def before(node: Node, node_id: str):
        def hook(grad_outputs: tuple) -> None:
            steps[node] = Step(node, node_id, tuple(grad_outputs))

        return hook

    def after(node: Node):
        def hook(grad_inputs: tuple, grad_outputs: tuple) -> None:
            step = steps[node]
            step.sent = validate_grads(node, tuple(grad_inputs))  # what the engine sends on
            step.leaf_grads = {box: _copy(leaf._grad) for box, leaf in leaves.items()}

        return hook

    handles = []
    for node, node_id in picture.node_ids.items():
        handles.append(node.register_prehook(before(node, node_id)))
        handles.append(node.register_hook(after(node)))
    try:
        with _grads_put_back([*leaves.values(), *_retained(picture)]):
            backward(output, gradient, retain_graph=True)
    finally:
        for handle in handles:
            handle.remove()
    return list(steps.values())


@contextlib.contextmanager
def _grads_put_back(tensors: Sequence[Tensor]) -> Iterator[None]:
    """Give ``tensors`` copies of their ``.grad`` to accumulate into; restore the originals."""
    kept = [(t, t._grad) for t in tensors]
    for tensor, grad in kept:
        tensor._grad = _copy(grad)
    try:
        yield
    finally:
        for tensor, grad in kept:
            tensor._grad = grad


def _retained(picture: Picture) -> list[Tensor]:
    """Results whose ``retain_grad()`` makes backward write their ``.grad`` too."""
    found = []
    for node in picture.node_ids:
        for ref in (node._retained or {}).values():
            if ref() is not None:
                found.append(ref())
    return found


def _copy(grad: Tensor | None) -> Tensor | None:
    return None if grad is None else Tensor._make(grad._data.copy(), grad._dtype)


def carried(picture: Picture, steps: list[Step], upto: int) -> dict[int, Tensor]:
    """Arrow index -> the gradient it carried, once steps[0..upto] have run."""
    found: dict[int, Tensor] = {}
    for i in picture.roots:  # the gradient backward starts with, as the first node got it
        first = steps[0] if steps else None
        if first is not None and picture.arrows[i].head == first.node_id:
            grad = first.received[picture.arrows[i].output_nr]
            if grad is not None:
                found[i] = grad
    for step in steps[: upto + 1]:
        for i, grad in enumerate(step.sent):
            if grad is not None:
                found[picture.slots[(step.node_id, i)]] = grad
    return found


def incoming(picture: Picture, flows: dict[int, Tensor], node_id: str) -> dict[int, list[int]]:
    """Output number of the node -> the arrows that brought it a gradient (in arrow order)."""
    found: dict[int, list[int]] = {}
    for i in sorted(flows):
        if picture.arrows[i].head == node_id:
            found.setdefault(picture.arrows[i].output_nr, []).append(i)
    return found


def frame_marks(
    picture: Picture, steps: list[Step], k: int, names: Names, options: Options
) -> Marks:
    step = steps[k]
    flows = carried(picture, steps, k)
    arrivals = incoming(picture, flows, step.node_id)
    box_lines = {
        box: picture.box(box).lines + grad_lines(grad, options)
        for box, grad in step.leaf_grads.items()
    }
    sums = [nr for nr, arrows in arrivals.items() if len(arrows) > 1]
    if sums:
        box_lines[step.node_id] = list(picture.box(step.node_id).lines)
    for nr in sums:  # gradients that meet here are added up before the node runs
        total = step.received[nr]
        where = f"output {nr} " if len(step.received) > 1 else ""
        shown = values_text(total).splitlines() if options.shows_values(total) else []
        box_lines[step.node_id] += [f"{where}receives the sum:", *shown]
    return Marks(
        current=step.node_id,
        done=frozenset(s.node_id for s in steps[:k]),
        hot_arrows=frozenset(i for arrows in arrivals.values() for i in arrows),
        arrow_labels={i: _edge_text(picture.arrows[i], g, options) for i, g in flows.items()},
        box_lines=box_lines,
        caption=f"step {k + 1}/{len(steps)}: {_node_name(step.node, names)} (red) has run. "
        "Each arrow shows the gradient it carried (backward graph: grad_fn.next_functions)",
    )


def frame_text(steps: list[Step], k: int, picture: Picture, names: Names) -> str:
    """``step 2/5: MulBackward0`` and what it received and sent, one tensor per line."""
    step = steps[k]
    flows = carried(picture, steps, k)
    lines = [f"step {k + 1}/{len(steps)}: {_node_name(step.node, names)}"]
    for nr, arrows in incoming(picture, flows, step.node_id).items():
        received = " + ".join(one_line(flows[i]) for i in arrows)
        if len(arrows) > 1:
            received += f" = {one_line(step.received[nr])}"
        where = f" on output {nr}" if len(step.received) > 1 else ""
        lines.append(f"  receives{where} {received}")
    for (child, _), grad in zip(step.node.next_functions, step.sent):
        if child is not None and grad is not None:
            lines.append(f"  sends {one_line(grad)} to {_node_name(child, names)}")
    if isinstance(step.node, AccumulateGrad):
        grad = step.leaf_grads[picture.leaf_boxes[step.node_id]]
        lines.append(f"  {_leaf_name(step.node, names)}.grad is now {one_line(grad)}")
    return "\n".join(lines)


def _edge_text(arrow: Arrow, grad: Tensor, options: Options) -> str:
    """The gradient an arrow carried, after its own label (``output 1``) if it has one."""
    text = values_text(grad) if options.shows_values(grad) else shape_text(grad.shape, grad.dtype)
    return f"{arrow.label}:\n{text}" if arrow.label else text


def _node_name(node: Node, names: Names) -> str:
    if isinstance(node, AccumulateGrad):
        return f"AccumulateGrad ({_leaf_name(node, names)})"
    return node.name()


def _leaf_name(node: AccumulateGrad, names: Names) -> str:
    entry = names.get(id(node.variable))
    return "leaf" if entry is None else entry[0]
