"""Which name a tensor gets in a drawing: the ``params`` given, or the caller's variable names.

``draw(out)`` in a notebook labels ``x``, ``y`` and ``out`` by looking up the
variables of the code that called it (its frame's locals, then globals), as a
reader would name them. Several names for one tensor are common (``a = b = x``,
a loop variable): the shortest wins, then the first alphabetically, so the
choice never depends on dict order. Names starting with ``_`` (IPython's ``_``,
``_3``, private helpers) are skipped, and so are names that are not identifiers
(tools such as pytest add locals like ``@py_assert1``).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from types import FrameType

from .._tensor import Tensor
from .walk import Names


def param_names(params: Mapping[str, Tensor]) -> Names:
    """``params`` (name -> tensor, e.g. ``dict(model.named_parameters())``) as ``Names``."""
    for name, value in params.items():
        if not isinstance(value, Tensor):
            raise TypeError(f"params[{name!r}] must be a Tensor, not {type(value).__name__}")
    return _choose([dict(params)], skip_private=False)


def caller_names() -> Names:
    """The names the first caller outside ``minigrad.viz`` gives its tensors."""
    frame = _user_frame()
    if frame is None:
        return {}
    try:
        scopes = [frame.f_locals]
        if frame.f_locals is not frame.f_globals:
            scopes.append(frame.f_globals)
        return _choose(scopes)
    finally:
        del frame  # a frame referenced from a local makes a reference cycle


def _user_frame() -> FrameType | None:
    frame = inspect.currentframe()
    while frame is not None and frame.f_globals.get("__name__", "").startswith(__package__):
        frame = frame.f_back
    return frame


def _choose(scopes: list[Mapping[str, object]], skip_private: bool = True) -> Names:
    """For every tensor, its best name from the first scope that names it."""
    chosen: dict[int, tuple[str, Tensor]] = {}
    for scope in scopes:
        found: dict[int, list[str]] = {}
        tensors: dict[int, Tensor] = {}
        for name, value in list(scope.items()):
            if not isinstance(value, Tensor) or (skip_private and not _public(name)):
                continue
            found.setdefault(id(value), []).append(name)
            tensors[id(value)] = value
        for key, names in found.items():
            if key not in chosen:
                chosen[key] = (min(names, key=lambda n: (len(n), n)), tensors[key])
    return chosen


def _public(name: str) -> bool:
    """A variable a reader wrote: not ``_``-prefixed, nor a tool's (pytest's ``@py_assert1``)."""
    return name.isidentifier() and not name.startswith("_")
