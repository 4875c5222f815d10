"""``Size``: the shape of a tensor, a tuple that prints as PyTorch's does."""

from __future__ import annotations

from typing import Any


class Size(tuple):
    """A tuple of ints, printed ``torch.Size([2, 3])``, and ``numel()``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    __str__ = __repr__

    def __getitem__(self, key: Any) -> Any:
        """``shape[1:]`` is a Size too; ``shape[0]`` an int."""
        item = super().__getitem__(key)
        return Size(item) if isinstance(key, slice) else item

    def __add__(self, other: tuple) -> Size:
        return Size(super().__add__(other))

    def numel(self) -> int:
        n = 1
        for d in self:
            n *= d
        return n
