"""Anomaly detection: which forward line made the backward pass fail?

A backward error names a node (``MulBackward0``) but not the line of *your* code
that created it. With anomaly detection on, every node remembers the stack at the
moment it was recorded; when running it fails, a warning prints that stack before
the error propagates, and the version-counter error's hint points to it. With
``check_nan`` a node whose gradients contain nan is an error too.

It slows every operation down (a stack is captured per node): use it to debug.
"""

from __future__ import annotations

import os
import traceback
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .graph import Node

__all__ = [
    "detect_anomaly",
    "set_detect_anomaly",
    "is_anomaly_enabled",
    "is_anomaly_check_nan_enabled",
]

_LIBRARY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class _State:
    enabled = False
    check_nan = True


_state = _State()


def is_anomaly_enabled() -> bool:
    return _state.enabled


def is_anomaly_check_nan_enabled() -> bool:
    return _state.check_nan


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """Context manager (or decorator) that turns anomaly detection on inside it."""

    def __init__(self, check_nan: bool = True) -> None:
        self.prev = _state.enabled
        self.check_nan = check_nan
        self.prev_check_nan = _state.check_nan
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should "
            "only be enabled for debugging.",
            stacklevel=2,
        )

    def __enter__(self) -> None:
        _state.enabled, _state.check_nan = True, self.check_nan

    def __exit__(self, *exc_info: object) -> None:
        _state.enabled, _state.check_nan = self.prev, self.prev_check_nan

    def __call__(self, func: Any) -> Any:
        import functools

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return wrapper


class set_detect_anomaly:  # noqa: N801 - PyTorch's name
    """Turn anomaly detection on or off now; as a context manager, restore it on exit."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev, self.prev_check_nan = _state.enabled, _state.check_nan
        _state.enabled, _state.check_nan = bool(mode), bool(check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc_info: object) -> None:
        _state.enabled, _state.check_nan = self.prev, self.prev_check_nan


# --- what the graph and the engine call --------------------------------------------------------
def forward_stack() -> str:
    """The caller's stack, without minigrad's own frames: where a node is being recorded."""
    frames = [f for f in traceback.extract_stack() if not f.filename.startswith(_LIBRARY)]
    return "".join(traceback.format_list(frames))


def run_node(node: Node, grad_outputs: list) -> tuple:
    """``node.apply``, reporting the forward stack of a node that fails or returns nan."""
    try:
        grads = node.apply(*grad_outputs)
        if _state.check_nan:
            for i, g in enumerate(grads):
                if g is not None and np.isnan(g._data).any():
                    message = f"Function '{node.name()}' returned nan values in its {i}th output."
                    raise RuntimeError(message)
    except Exception:
        stack = getattr(node, "_forward_stack", None)
        if stack is not None:
            warnings.warn(
                f"Error detected in {node.name()}. Traceback of forward call that caused the "
                f"error:\n{stack}",
                UserWarning,
                stacklevel=2,
            )
        raise
    return grads
