"""Timing in-process workloads fairly: checked first, then interleaved repeats.

Each sample runs a step enough times to last ``sample_seconds`` (so the clock's
resolution does not matter), and the engines take turns sample by sample, starting
each round with a different engine: a slow spell of the machine hits all of them.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .engines import Case


@dataclass(frozen=True)
class Timing:
    """Seconds per step over the samples."""

    samples: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def spread(self) -> float:
        """Interquartile range relative to the median."""
        q1, _, q3 = statistics.quantiles(self.samples, n=4)
        return (q3 - q1) / self.median

    def as_dict(self) -> dict[str, Any]:
        return {"median": self.median, "spread": self.spread, "samples": self.samples}


def calls_per_sample(step: Callable[[], Any], sample_seconds: float) -> int:
    """How many calls of ``step`` last about ``sample_seconds`` (one at least)."""
    step()  # warm up: imports, caches, first-call allocations
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            step()
        elapsed = time.perf_counter() - start
        if elapsed >= sample_seconds / 4 or elapsed * 2 > sample_seconds:
            return max(1, round(calls * sample_seconds / elapsed))
        calls *= 4


def interleaved(
    steps: dict[str, Callable[[], Any]], repeats: int, sample_seconds: float
) -> dict[str, Timing]:
    calls = {name: calls_per_sample(step, sample_seconds) for name, step in steps.items()}
    samples: dict[str, list[float]] = {name: [] for name in steps}
    names = list(steps)
    for r in range(repeats):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            step, n = steps[name], calls[name]
            gc.collect()  # every sample starts without garbage left by the previous engine
            start = time.perf_counter()
            for _ in range(n):
                step()
            samples[name].append((time.perf_counter() - start) / n)
    return {name: Timing(s) for name, s in samples.items()}


def compare(reference: dict[str, np.ndarray], other: dict[str, np.ndarray]) -> float:
    """The largest difference between two engines' outputs, relative to the values' scale.

    Each array's difference is divided by its own largest magnitude (at least 1e-3, for
    gradients that are nearly zero), so float32 rounding counts the same everywhere.
    """
    if reference.keys() != other.keys():
        raise ValueError(f"outputs differ: {sorted(reference)} vs {sorted(other)}")
    worst = 0.0
    for key, ref in reference.items():
        value = np.asarray(other[key], np.float64)
        if value.shape != ref.shape:
            raise ValueError(f"{key}: shape {value.shape}, expected {ref.shape}")
        scale = max(float(np.abs(ref).max(initial=0.0)), 1e-3)
        worst = max(worst, float(np.abs(value - ref).max(initial=0.0)) / scale)
    return worst


# float32 engines differ from each other (and from micrograd's float64) by rounding only.
CHECK_TOLERANCE = 1e-4


def checked_cases(
    cases: dict[str, Case], reference: str
) -> tuple[dict[str, Case], dict[str, dict[str, Any]]]:
    """Run each case once and compare it with the reference engine's outputs.

    Returns the cases that passed, and for every engine its check result.
    """
    ref = cases[reference].outputs()
    passed, checks = {}, {}
    for name, case in cases.items():
        try:
            error = compare(ref, ref if name == reference else case.outputs())
        except Exception as exc:  # a wrong shape, a missing op: reported, not timed
            checks[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            continue
        checks[name] = {"max_rel_error": error, "ok": error <= CHECK_TOLERANCE}
        if error <= CHECK_TOLERANCE:
            passed[name] = cases[name]
    return passed, checks
