"""DOT text for a backward graph: a pure, deterministic function of the graph.

``to_dot(out)`` is what ``draw(out)`` renders, and what tests compare with
expected text. It needs no Graphviz: the text is Graphviz's input language.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from .._tensor import Tensor
from .names import caller_names, param_names
from .walk import KINDS, Box, Options, Picture, walk

CAPTION = "backward graph: arrows follow grad_fn.next_functions, the way gradients flow"
SHOW_DATA = 6  # by default, values are shown for tensors of at most this many elements

FONT = 'fontname="Helvetica"'
KIND_STYLES = {
    "output": 'shape=box, style=filled, fillcolor="darkolivegreen1"',
    "result": 'shape=box, style=filled, fillcolor="lightyellow"',
    "fn": 'shape=box, style="rounded,filled", fillcolor="lightgray"',
    "accumulate": 'shape=box, style="rounded,filled", fillcolor="lightsteelblue"',
    "leaf": 'shape=box, style=filled, fillcolor="lightblue"',
    "nograd": 'shape=box, style=dashed, color="gray50", fontcolor="gray35"',
    "saved": 'shape=box, style=filled, fillcolor="orange"',
}
ARROW_STYLES = {
    "grad": "",
    "none": 'style=dashed, color="gray50"',
    "attach": "style=dashed, arrowhead=none",
    "saved": "style=dotted, arrowhead=none",
}
CURRENT = 'penwidth=3, color="red"'
DONE = 'color="gray60", fontcolor="gray40"'
HOT = 'color="red", fontcolor="red", penwidth=2'


@dataclasses.dataclass
class Marks:
    """One moment of a backward pass drawn over a picture (``step.py`` makes them)."""

    current: str | None = None
    done: frozenset[str] = frozenset()
    hot_arrows: frozenset[int] = frozenset()
    arrow_labels: dict[int, str] = dataclasses.field(default_factory=dict)
    box_lines: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    caption: str = CAPTION


def to_dot(
    *outputs: Tensor,
    params: Mapping[str, Tensor] | None = None,
    show_saved: bool = False,
    show_grad: bool = False,
    show_data: bool | int = SHOW_DATA,
    legend: bool = False,
) -> str:
    """The DOT source of the backward graph of ``outputs``.

    Tensors are named by ``params`` (name -> tensor) or else by the caller's
    variable names. ``show_data``: values of tensors with at most this many
    elements (``True``: all, ``False``: none). ``show_grad`` adds ``.grad``,
    ``show_saved`` the tensors each node saved for backward, ``legend`` a key.
    """
    names = param_names(params) if params is not None else caller_names()
    picture = walk(as_outputs(outputs), names, Options(show_saved, show_grad, show_data))
    return picture_dot(picture, legend=legend)


def as_outputs(outputs: Iterable) -> list[Tensor]:
    """``draw(a, b)`` and ``draw([a, b])`` both draw a and b."""
    flat = []
    for item in outputs:
        flat.extend(item if isinstance(item, list | tuple) else [item])
    for item in flat:
        if not isinstance(item, Tensor):
            raise TypeError(f"can only draw Tensors, but got {type(item).__name__}")
    return flat


def picture_dot(picture: Picture, marks: Marks | None = None, legend: bool = False) -> str:
    marks = marks or Marks()
    lines = [
        "digraph backward {",
        f'  graph [label="{escape(marks.caption)}", labelloc=b, fontsize=10, {FONT}]',
        f"  node [fontsize=11, {FONT}]",
        f"  edge [fontsize=9, {FONT}]",
    ]
    lines += (box_statement(box, marks) for box in picture.boxes)
    for i, arrow in enumerate(picture.arrows):
        attrs = [ARROW_STYLES[arrow.kind]]
        label = marks.arrow_labels.get(i, arrow.label)
        if label:
            attrs.append(f'label="{escape(label)}"')
        if i in marks.hot_arrows:
            attrs.append(HOT)
        lines.append(f"  {arrow.tail} -> {arrow.head}{attribute_list(attrs)}")
    if legend:
        lines += legend_statements()
    lines.append("}")
    return "\n".join(lines) + "\n"


def box_statement(box: Box, marks: Marks) -> str:
    text = "\n".join(marks.box_lines.get(box.id, box.lines))
    attrs = [f'label="{escape(text)}"', KIND_STYLES[box.kind]]
    if box.id == marks.current:
        attrs.append(CURRENT)
    elif box.id in marks.done:
        attrs.append(DONE)
    return f"  {box.id}{attribute_list(attrs)}"


def legend_statements() -> list[str]:
    """A key with one box per kind, stacked by invisible edges."""
    lines = ['  subgraph cluster_legend {', '    label="legend"', '    color="gray70"']
    ids = [f"legend_{kind}" for kind in KINDS]
    for node_id, (kind, meaning) in zip(ids, KINDS.items()):
        lines.append(f'    {node_id} [label="{escape(meaning)}", {KIND_STYLES[kind]}]')
    lines += (f"    {a} -> {b} [style=invis]" for a, b in zip(ids, ids[1:]))
    lines.append("  }")
    return lines


def attribute_list(attrs: list[str]) -> str:
    attrs = [a for a in attrs if a]
    return f" [{', '.join(attrs)}]" if attrs else ""


def escape(text: str) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, newlines as ``\\n``."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
