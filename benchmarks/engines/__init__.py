"""The engines under test, each running the workloads its own idiomatic way."""

from __future__ import annotations

from .base import MEMORY_PHASES, Case, Engine, UnsupportedError
from .hips_autograd import HIPSAutograd
from .micrograd_engine import Micrograd
from .minimal import MinimalAutograd
from .numpy_engine import HandWrittenNumPy
from .torchlike import TorchLike


def all_engines() -> list[Engine]:
    """In report order: the engine under test, the reference, the limits, the others.

    The limits: hand-written NumPy (no graph at all), then the smallest NumPy autograd.
    """
    return [TorchLike("minigrad"), TorchLike("torch"), HandWrittenNumPy(), MinimalAutograd(),
            Micrograd(), HIPSAutograd()]


def installed_engines() -> list[Engine]:
    return [e for e in all_engines() if e.available()]


def by_name(name: str) -> Engine:
    return next(e for e in all_engines() if e.name == name)


__all__ = [
    "MEMORY_PHASES",
    "Case",
    "Engine",
    "UnsupportedError",
    "all_engines",
    "by_name",
    "installed_engines",
]
