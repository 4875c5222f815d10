"""``show_source``: the real code of a minigrad function, class or method, in the notebook.

The course builds scratch versions of each idea, then reads the library's own
code. Showing it from the installed package (not a copy pasted into the text)
means the notebook can never drift from the library it describes.
"""

from __future__ import annotations

import inspect
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .output import display

# The folder that holds the ``minigrad`` package: paths are shown relative to it.
_ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass(frozen=True)
class Source:
    """A piece of minigrad's source, with the file it lives in (relative to the repository)."""

    path: str
    name: str
    code: str

    def _repr_markdown_(self) -> str:
        return f"`{self.path}`: **`{self.name}`**\n\n```python\n{self.code}\n```\n"

    def __repr__(self) -> str:
        return f"# {self.path}: {self.name}\n{self.code}"


def source_of(obj: Any) -> Source:
    """The source of ``obj``: a function, class, method or property of minigrad.

    Any other object (a graph node, say) stands for its class, so
    ``source_of(y.grad_fn)`` is the code of ``AddBackward0``.
    """
    functions = _functions_of(obj)
    path = _relative_path(functions[0])
    code = "\n".join(textwrap.dedent(inspect.getsource(f)).rstrip() for f in functions)
    return Source(path, _name_of(functions[0]), code)


def show_source(obj: Any) -> None:
    """Display the source of ``obj`` (see ``source_of``), highlighted in Jupyter."""
    display(source_of(obj))


def _functions_of(obj: Any) -> list[Any]:
    """What ``inspect.getsource`` can read for ``obj``: a property gives its getter and setter."""
    if isinstance(obj, property):
        return [f for f in (obj.fget, obj.fset) if f is not None]
    obj = inspect.unwrap(getattr(obj, "__func__", obj))
    if inspect.isfunction(obj) or inspect.isclass(obj) or inspect.ismodule(obj):
        return [obj]
    return [type(obj)]


def _name_of(obj: Any) -> str:
    return getattr(obj, "__qualname__", None) or obj.__name__


def _relative_path(obj: Any) -> str:
    file = inspect.getsourcefile(obj)
    path = Path(file).resolve() if file else None
    package = _ROOT / "minigrad"
    if path is None or not path.is_relative_to(package):
        raise TypeError(f"show_source shows minigrad's own code, and {obj!r} is not part of it")
    return path.relative_to(_ROOT).as_posix()
