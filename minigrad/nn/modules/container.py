"""Containers: ``Sequential`` (a pipeline of layers) and ``ModuleList`` (a list of layers).

Both register their items as child modules named ``'0'``, ``'1'``, ..., which
is where names such as ``'0.weight'`` in ``named_parameters()`` come from.
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any

from .module import Module, _addindent

__all__ = ["Sequential", "ModuleList"]


def _item(modules: list[Module], idx: int) -> Module:
    """``modules[idx]`` with PyTorch's range check and message."""
    size = len(modules)
    idx = operator.index(idx)
    if not -size <= idx < size:
        raise IndexError(f"index {idx} is out of range")
    return modules[idx]


class Sequential(Module):
    """Layers applied one after the other: ``Sequential(Linear(2, 8), ReLU(), Linear(8, 1))``.

    Index it like a list (``model[0]``, ``model[-1]``, ``model[1:]``); a slice is
    a new ``Sequential`` sharing the same layers. An ``OrderedDict`` argument
    names the layers.
    """

    def __init__(self, *args: Module) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for idx, module in enumerate(args):
                self.add_module(str(idx), module)

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        return _item(list(self._modules.values()), idx)

    def __setitem__(self, idx: int, module: Module) -> None:
        """``model[-1] = nn.Linear(16, 3)``: replace a layer (how a new head is put on a model)."""
        setattr(self, _item(list(self._modules), idx), module)

    def __delitem__(self, idx: int | slice) -> None:
        """Remove layers; the rest are numbered 0, 1, ... again, as in PyTorch."""
        keys = list(self._modules)
        for key in keys[idx] if isinstance(idx, slice) else [_item(keys, idx)]:
            delattr(self, key)
        self._modules = OrderedDict((str(i), m) for i, m in enumerate(self._modules.values()))

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self)), module)
        return self

    def forward(self, input: Any) -> Any:
        for module in self:
            input = module(input)
        return input


class ModuleList(Module):
    """A list whose modules are registered (a plain Python list of layers would hide
    their parameters from ``parameters()`` and the optimizer).
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return type(self)(list(self._modules.values())[idx])
        return _item(list(self._modules.values()), idx)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for module in modules:
            self.append(module)
        return self

    def __repr__(self) -> str:
        """Runs of identical layers are printed once: ``(0-2): 3 x Linear(...)``."""
        reprs = [repr(module) for module in self]
        if not reprs:
            return self._get_name() + "()"
        runs: list[list[Any]] = []  # [start, end, repr]
        for i, text in enumerate(reprs):
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        lines = []
        for start, end, text in runs:
            label = f"({start}): {text}" if start == end else (
                f"({start}-{end}): {end - start + 1} x {text}"
            )
            lines.append(_addindent(label, 2))
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"
