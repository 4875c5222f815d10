"""``Size``: the shape of a tensor, a tuple that prints as PyTorch's does."""

from __future__ import annotations


class Size(tuple):
    """A tuple of ints, printed ``torch.Size([2, 3])``, and ``numel()``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    __str__ = __repr__

    def numel(self) -> int:
        n = 1
        for d in self:
            n *= d
        return n
