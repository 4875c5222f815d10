"""``Parameter``: a tensor that a ``Module`` counts as one of its weights.

A parameter is an ordinary leaf tensor with ``requires_grad=True``; the only
difference is its type. Assigning one to a module attribute (``self.weight =
Parameter(...)``) registers it, so that ``model.parameters()`` finds it and an
optimizer can update it. A plain tensor assigned the same way is not registered.
"""

from __future__ import annotations

from typing import Any

from .._creation import empty
from .._errors import with_note
from .._tensor import Tensor
from .._tensor_str import tensor_str

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A tensor registered as a module's weight when assigned as its attribute.

    ``Parameter(t)`` shares ``t``'s memory and version counter (an alias, as
    ``t.detach()`` is), and requires grad even when created inside ``no_grad``:
    weights are created once, not computed, so grad mode does not concern them.
    """

    __slots__ = ()
    __module__ = "minigrad.nn.parameter"

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        if data is None:
            data = empty(0)
        if requires_grad and not data.dtype.is_floating_point:
            message = "Only Tensors of floating point and complex dtype can require gradients"
            raise with_note(RuntimeError(message), "int_requires_grad")
        Tensor._init_like(self, data._data, data.dtype, requires_grad)
        self._version_counter = data._version_counter

    def __repr__(self) -> str:
        return "Parameter containing:\n" + tensor_str(self)

    __str__ = __repr__

    def __reduce_ex__(self, protocol: Any) -> Any:
        """Pickled (e.g. in a saved model) as a parameter, not as a plain tensor."""
        return (Parameter, (Tensor._make(self._data.copy(), self.dtype), self.requires_grad))
