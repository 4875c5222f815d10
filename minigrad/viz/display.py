"""``draw``: the graph object a notebook shows inline.

A graph is displayed with three representations at once: SVG (sharp, shown in
a trusted notebook), PNG (shown by an untrusted notebook, e.g. a fresh clone,
and by GitHub's viewer) and a deterministic ``text/plain``: the DOT source, the
same on every machine, which is what nbval compares (Graphviz's SVG differs
between Graphviz builds and is masked by tests/nbval_sanitize.cfg).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path

from .._tensor import Tensor
from .dot import SHOW_DATA, to_dot
from .render import Rendering, render


class GraphImage:
    """A rendered graph: ``.source`` (DOT), ``.svg()``, ``.png()``, ``.save(path)``.

    ``text`` is the ``text/plain`` shown beside the picture (and instead of it when
    there is none); by default the DOT source. ``text_is`` finishes the sentence
    "no picture, so ..." for that text.
    """

    def __init__(
        self, source: str, text: str | None = None, text_is: str = "this is the graph's DOT text"
    ) -> None:
        self.source = source
        self.text = source if text is None else text
        self.text_is = text_is
        self._rendering: Rendering | None = None

    def rendering(self) -> Rendering:
        """Graphviz's output, made once (on first display) and kept."""
        if self._rendering is None:
            self._rendering = render(self.source)
        return self._rendering

    def svg(self) -> str | None:
        return self.rendering().svg

    def png(self) -> bytes | None:
        return self.rendering().png

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict:
        shown = self.rendering()
        if shown.svg is None or shown.png is None:
            return {"text/plain": f"{self.no_picture_note()}\n{self.text}"}
        return {
            "image/svg+xml": shown.svg,
            "image/png": base64.b64encode(shown.png).decode("ascii"),
            "text/plain": self.text,
        }

    def has_picture(self) -> bool:
        shown = self.rendering()
        return shown.svg is not None and shown.png is not None

    def no_picture_note(self) -> str:
        """Why there is no picture, what the text is, how to get one: a ``//`` comment, so
        that the note and DOT text below it still parse as DOT."""
        shown = self.rendering()
        note = f"// {shown.problem}, so {self.text_is}."
        return f"{note} {shown.hint}" if shown.hint else note

    def __repr__(self) -> str:
        return self.text

    def save(self, path: str | Path) -> Path:
        """Write ``.svg``, ``.png`` or ``.dot``/``.gv`` (by the suffix); returns the path."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix in (".dot", ".gv"):
            path.write_text(self.source, encoding="utf-8")
            return path
        if suffix not in (".svg", ".png"):
            raise ValueError(f"cannot save a graph as {suffix!r}: use .svg, .png, .dot or .gv")
        shown = self.rendering()
        if shown.svg is None or shown.png is None:
            raise RuntimeError(shown.message)
        if suffix == ".svg":
            path.write_text(shown.svg, encoding="utf-8")
        else:
            path.write_bytes(shown.png)
        return path

    def to_graphviz(self):  # -> graphviz.Source (an optional package: no import at load)
        """The same graph as a ``graphviz.Source`` (``.render()``, ``.view()``, as torchviz)."""
        import graphviz

        from .render import point_graphviz_package

        point_graphviz_package()
        return graphviz.Source(self.source)


def draw(
    *outputs: Tensor,
    params: Mapping[str, Tensor] | None = None,
    show_saved: bool = False,
    show_grad: bool = False,
    show_data: bool | int = SHOW_DATA,
    legend: bool = False,
) -> GraphImage:
    """Draw the backward graph of ``outputs``: as the last line of a cell, it shows inline.

    The options are ``to_dot``'s. Without Graphviz the DOT text is shown with a
    one-line install hint; drawing never raises because Graphviz is missing.
    """
    return GraphImage(
        to_dot(
            *outputs,
            params=params,
            show_saved=show_saved,
            show_grad=show_grad,
            show_data=show_data,
            legend=legend,
        )
    )


make_dot = draw  # torchviz's name, for those who know it
