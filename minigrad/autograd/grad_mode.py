"""Grad mode: the one switch that decides whether operations record a graph.

Like DeZero's ``Config.enable_backprop`` there is a single flag; like PyTorch it
is thread-local (a new thread starts with grad enabled) and every switch works
as a function call, a context manager and a decorator.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled"]

F = TypeVar("F", bound=Callable[..., Any])


class _State(threading.local):
    enabled = True  # class attribute: every new thread starts with grad enabled


_state = _State()


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad record the graph."""
    return _state.enabled


def _set_enabled(mode: bool) -> None:
    _state.enabled = bool(mode)


class _DecoratorContextManager:
    """A context manager that also decorates functions (and generators)."""

    def __call__(self, func: F) -> F:
        if inspect.isclass(func):
            raise TypeError(f"{type(self).__name__} cannot decorate a class")
        if inspect.isgeneratorfunction(func):
            return self._wrap_generator(func)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.clone():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def _wrap_generator(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            gen = func(*args, **kwargs)
            value = None
            while True:
                with self.clone():
                    try:
                        item = gen.send(value)
                    except StopIteration as stop:
                        return stop.value
                value = yield item

        return wrapper  # type: ignore[return-value]

    def clone(self) -> _DecoratorContextManager:
        return type(self)()

    def __enter__(self) -> None:
        raise NotImplementedError

    def __exit__(self, *exc_info: object) -> None:
        _set_enabled(self._prev)


class _NoParamDecoratorContextManager(_DecoratorContextManager):
    """Allows ``@no_grad`` as well as ``@no_grad()``."""

    def __new__(cls, orig_func: Callable[..., Any] | None = None) -> Any:
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamDecoratorContextManager):  # noqa: N801 - PyTorch's name
    """Disable graph recording inside the block.

    Results computed here have ``requires_grad=False`` and no ``grad_fn``: they are
    leaves (叶子节点). Use it for evaluation and for optimizer updates such as
    ``w -= lr * w.grad``. Factories called with ``requires_grad=True`` still
    produce tensors that require grad.
    """

    def __init__(self) -> None:
        self._prev = False

    def __enter__(self) -> None:
        self._prev = is_grad_enabled()
        _set_enabled(False)


class enable_grad(_NoParamDecoratorContextManager):  # noqa: N801
    """Enable graph recording inside the block, even within ``no_grad``."""

    def __enter__(self) -> None:
        self._prev = is_grad_enabled()
        _set_enabled(True)


class set_grad_enabled(_DecoratorContextManager):  # noqa: N801
    """Set grad mode to ``mode``: at once when called, restored when used with ``with``."""

    def __init__(self, mode: bool) -> None:
        self._prev = is_grad_enabled()
        self.mode = bool(mode)
        _set_enabled(mode)

    def __call__(self, func: F) -> F:
        _set_enabled(self._prev)  # decorating must not change the current mode
        return super().__call__(func)

    def __enter__(self) -> None:
        _set_enabled(self.mode)

    def clone(self) -> set_grad_enabled:
        prev = is_grad_enabled()
        clone = type(self)(self.mode)
        _set_enabled(prev)
        clone._prev = prev
        return clone

    def __repr__(self) -> str:
        return f"torch.autograd.grad_mode.set_grad_enabled(mode={self.mode})"
