"""What every engine adapter provides, and the small types they share."""

from __future__ import annotations

import importlib.metadata
import importlib.util
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..workloads import MemoryChain, MLPStep, TinyOps

Outputs = dict[str, np.ndarray]


@dataclass(frozen=True)
class Case:
    """One workload prepared for one engine.

    ``step`` is the timed unit of work. ``outputs`` runs one more step and returns
    its loss and gradients (and updated parameters) as float64 arrays, for checks.
    """

    step: Callable[[], Any]
    outputs: Callable[[], Outputs]


class UnsupportedError(Exception):
    """This engine does not run this workload; the message says why (shown in the report)."""


class Engine:
    """An autograd engine under test. Subclasses implement the workloads they can run."""

    name = ""
    distribution = ""  # the installed package whose version is reported
    module = ""  # what must be importable for the engine to run

    def available(self) -> bool:
        return importlib.util.find_spec(self.module) is not None

    def version(self) -> str:
        return importlib.metadata.version(self.distribution)

    def tiny_ops(self, w: TinyOps) -> Case:
        raise UnsupportedError("not implemented")

    def mlp_step(self, w: MLPStep, loss: str) -> Case:
        """One SGD step; ``loss`` is ``"margin"`` (W2) or ``"cross_entropy"`` (W3)."""
        raise UnsupportedError("not implemented")

    def chain_forward(self, n: int, x0: float) -> Any:
        """W4's forward: ``y = y * A + B`` n times from a leaf ``x0``; returns backward's input."""
        raise UnsupportedError("not implemented")

    def chain_backward(self, state: Any) -> tuple[float, float]:
        """W4's backward: returns ``(y_n, dy_n/dx0)``."""
        raise UnsupportedError("not implemented")

    def memory(self, m: MemoryChain) -> Iterator[str]:
        """W5: yields the name of each point where resident memory is read."""
        raise UnsupportedError("not implemented")


def as_outputs(loss: float, names: list[str], grads: list[Any], params: list[Any]) -> Outputs:
    """The checked values of an MLP step: loss, each gradient, each updated parameter."""
    out = {"loss": np.float64(loss)}
    for name, grad, param in zip(names, grads, params, strict=True):
        out[f"{name}.grad"] = np.asarray(grad, np.float64)
        out[f"{name} after step"] = np.asarray(param, np.float64)
    return out


# The phases of W5, in order: memory is read after each.
MEMORY_PHASES = ("before forward", "after forward", "after backward", "after dropping the loss")


def tanh_chain_phases(x: Any, weights: list[Any]) -> Iterator[str]:
    """W5 for an engine whose tensors have ``*``, ``tanh()``, ``sum()`` and ``backward()``.

    Runs ``y = tanh(y * w)`` for each weight, the loss, its backward and its release, and
    yields the name of each phase (``MEMORY_PHASES``) so that the caller reads memory there.
    """
    yield "before forward"
    y = x
    for w in weights:
        y = (y * w).tanh()
    loss = y.sum()
    del y
    yield "after forward"
    loss.backward()
    yield "after backward"
    del loss
    yield "after dropping the loss"
