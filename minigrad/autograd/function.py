"""``Function``: define an operation with your own forward and backward.

``MyExp.apply(x)`` runs ``forward`` without recording, then records one node,
``MyExpBackward``, that is also the ``ctx`` both methods receive: what forward
saves on it (``ctx.save_for_backward``) backward reads (``ctx.saved_tensors``).
The steps of ``apply`` are in ``_function_apply.py``.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

from .grad_mode import is_grad_enabled, no_grad
from .graph import Node

__all__ = ["Function", "FunctionCtx", "BackwardCFunction", "once_differentiable"]


class FunctionCtx:
    """What ``forward`` can tell ``backward`` (the methods of ``ctx``)."""

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep tensors (or None) for backward: checked for in-place changes, freed after use."""
        from .._tensor import Tensor

        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"save_for_backward can only save variables, but argument {i} is of type "
                    f"{type(t).__name__}"
                )
        self._to_save = tensors

    def mark_dirty(self, *tensors: Any) -> None:
        """Declare the inputs that ``forward`` modified in place (and returns)."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors: Any) -> None:
        """Declare outputs that have no gradient (indices, masks): backward gets zeros for them."""
        self._non_differentiable = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """With False, backward receives None (not zeros) for outputs that got no gradient."""
        self.materialize_grads = value

    def mark_shared_storage(self, *pairs: Any) -> None:
        warnings.warn(
            "`mark_shared_storage` is deprecated. Tensors with shared storages are automatically "
            "tracked. Note that calls to `set_()` are not tracked",
            DeprecationWarning,
            stacklevel=2,
        )


class BackwardCFunction(Node, FunctionCtx):
    """The node of a custom Function: it runs the user's ``backward``."""

    _forward_cls: type[Function]
    materialize_grads = True
    _to_save: tuple = ()
    _dirty: tuple = ()
    _non_differentiable: tuple = ()
    _output_meta: tuple = ()

    def __repr__(self) -> str:
        return f"<minigrad.autograd.function.{self.name()} object at {id(self):#x}>"

    @property
    def saved_tensors(self) -> tuple:
        """What ``forward`` passed to ``save_for_backward``; an error once freed."""
        if self._freed:
            self.saved()  # raises the "backward through the graph a second time" error
        return tuple(self.saved(str(i)) for i in range(len(self._saved or ())))

    def apply(self, *grad_outputs: Any) -> tuple:
        from .._creation import zeros

        if self.materialize_grads:  # an output that got no gradient gets zeros
            grad_outputs = tuple(
                zeros(meta[0], dtype=meta[1]) if g is None and meta is not None else g
                for g, meta in zip(grad_outputs, self._output_meta)
            )
        result = self._forward_cls._backward_method()(self, *grad_outputs)
        return self._check_grads(result)

    def _check_grads(self, result: Any) -> tuple:
        """One gradient per tensor argument, from one per argument (trailing Nones allowed)."""
        from .._tensor import Tensor

        result = result if isinstance(result, tuple) else (result,)
        n = len(self._arg_is_tensor)
        if len(result) > n and all(g is None for g in result[n:]):
            result = result[:n]
        if len(result) != n:
            raise RuntimeError(
                f"function {self.name()} returned an incorrect number of gradients "
                f"(expected {n}, got {len(result)})"
            )
        grads = []
        for i, (g, is_tensor) in enumerate(zip(result, self._arg_is_tensor)):
            if not is_tensor:
                if g is not None:
                    raise RuntimeError(
                        f"function {self.name()} returned a gradient different than None at "
                        f"position {i + 1}, but the corresponding forward input was not a Variable"
                    )
                continue
            if g is not None and not isinstance(g, Tensor):
                raise RuntimeError(f"expected Variable or None (got {type(g).__name__})")
            grads.append(g)
        return tuple(grads)


class _FunctionMeta(type):
    """Gives every Function subclass its node class, named ``<Name>Backward`` (no digit)."""

    def __init__(cls, name: str, bases: tuple, namespace: dict) -> None:
        backward_cls = type(f"{name}Backward", (BackwardCFunction,), {"_forward_cls": cls})
        backward_cls.__module__ = "minigrad.autograd.function"
        cls._backward_cls = backward_cls
        super().__init__(name, bases, namespace)


class Function(FunctionCtx, metaclass=_FunctionMeta):
    """Base class for operations with a hand-written backward.

    Subclasses define ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)``
    as static methods (or ``forward(*args)`` plus ``setup_context(ctx, inputs,
    output)``) and are called as ``MyFn.apply(*args)``. ``backward`` returns one
    gradient (or None) per argument of ``forward``.
    """

    @staticmethod
    def forward(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function."
        )

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom "
            "autograd.Function to use it with backward mode AD."
        )

    vjp = backward

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> None:
        raise NotImplementedError("setup_context is not implemented.")

    @classmethod
    def _backward_method(cls) -> Callable[..., Any]:
        """The user's ``backward``, or ``vjp`` (its other name); not both."""
        if cls.vjp is Function.vjp:
            return cls.backward
        if cls.backward is not Function.backward:
            raise RuntimeError(
                "Implementing both 'backward' and 'vjp' for a custom Function is not allowed. "
                "You should only implement one of them."
            )
        return cls.vjp

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        warnings.warn(
            f"{type(self)} should not be instantiated. Methods on autograd functions are all "
            "static, so you should invoke them on the class itself. Instantiating an autograd "
            "function will raise an error in a future version of PyTorch.",
            DeprecationWarning,
            stacklevel=2,
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please use "
            "new-style autograd function with static forward method. (Example: "
            "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)"
        )

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on the arguments and record one ``<Name>Backward`` node."""
        from ._function_apply import apply_function

        return apply_function(cls, args, kwargs)


def once_differentiable(backward: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``backward`` without recording: its result cannot be differentiated again.

    Under ``create_graph=True`` the result gets an ``Error`` grad_fn, so that trying
    to differentiate it raises instead of silently giving a wrong zero.
    """

    @functools.wraps(backward)
    def wrapper(ctx: Any, *grads: Any) -> Any:
        from ._function_apply import error_if_differentiated

        with no_grad():
            result = backward(ctx, *grads)
        if not is_grad_enabled() or not any(getattr(g, "requires_grad", False) for g in grads):
            return result
        return error_if_differentiated(result, grads)

    return wrapper
