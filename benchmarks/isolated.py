"""W4 and W5, each engine and size in a fresh process: memory readings need a clean slate.

The parent calls ``run_isolated(kind, engine, arg)``, which starts
``python benchmarks/run.py --child KIND ENGINE ARG``; the child runs ``deep_chain``
or ``memory_phases`` and prints one JSON line. A child that crashes or runs out
of time is a result too, recorded with its exit code.
"""

from __future__ import annotations

import gc
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .engines import MEMORY_PHASES, Engine, UnsupportedError, by_name
from .workloads import CHAIN_X0, chain_closed_form, memory_chain

RUN_PY = Path(__file__).with_name("run.py")
MB = 2**20


def run_isolated(kind: str, engine: str, arg: str = "", timeout: float = 300) -> dict[str, Any]:
    command = [sys.executable, str(RUN_PY), "--child", kind, engine, arg]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": "failed", "error": f"timed out after {timeout:.0f} s"}
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = proc.stderr.strip().splitlines()[-1:] or ["no output"]
        return {"status": "failed", "error": f"exit code {proc.returncode}: {tail[0]}"}
    return json.loads(lines[-1])


def child_main(kind: str, engine: str, arg: str) -> None:
    """Entry point of the child process: print the result as one JSON line."""
    try:
        result = deep_chain(engine, int(arg)) if kind == "chain" else memory_phases(engine)
    except UnsupportedError as exc:
        result = {"status": "unsupported", "error": str(exc)}
    print(json.dumps(result))


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / MB


STATUS = Path("/proc/self/status")


def reset_peak() -> None:
    """Start a new high-water mark (Linux: writing 5 to clear_refs resets VmHWM)."""
    if STATUS.exists():
        Path("/proc/self/clear_refs").write_text("5")


def peak_rss_mb() -> float:
    """The high-water resident memory since ``reset_peak``.

    Linux: VmHWM. Not ``ru_maxrss``, which keeps the parent's peak across fork and exec.
    macOS: ``ru_maxrss`` (in bytes), which then includes the imports' peak.
    """
    if STATUS.exists():
        line = next(x for x in STATUS.read_text().splitlines() if x.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MB


def deep_chain(engine_name: str, n: int) -> dict[str, Any]:
    """W4: build the chain, backward, free it; the median of a few runs (one for 10⁶).

    Below 10⁶ the runs are repeated with Python's cyclic garbage collector off: the
    difference is what collecting costs an engine whose graph is made of Python objects.
    """
    engine = by_name(engine_name)
    repeats = 1 if n >= 10**6 else 3 if n >= 10**5 else 5
    engine.chain_backward(engine.chain_forward(10, CHAIN_X0))  # one-time lazy set-up, unmeasured
    base = rss_mb()
    reset_peak()
    try:
        forward, backward, y, grad = _timed_chains(engine, n, repeats)
    except RecursionError as exc:
        return {"status": "failed", "error": f"RecursionError: {exc}"}
    peak = max(0.0, peak_rss_mb() - base)
    expected = chain_closed_form(n)
    error = max(abs(y - expected[0]) / abs(expected[0]), abs(grad - expected[1]) / expected[1])
    total = statistics.median(f + b for f, b in zip(forward, backward))
    result = {
        "status": "ok" if error < 1e-6 else "wrong",
        "forward": statistics.median(forward),
        "backward": statistics.median(backward),
        "total": total,
        "per_node": total / (2 * n),  # each step records a mul and an add
        "peak_mb": peak,
        "max_rel_error": error,
    }
    if n < 10**6:
        gc.disable()
        forward, _, _, _ = _timed_chains(engine, n, repeats)
        gc.enable()
        result["forward_gc_off"] = statistics.median(forward)
    return result


def _timed_chains(engine: Engine, n: int, repeats: int) -> tuple[list, list, float, float]:
    """Seconds of each run's forward and backward, and the last run's ``(y, dy/dx)``."""
    forward, backward = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        state = engine.chain_forward(n, CHAIN_X0)
        built = time.perf_counter()
        y, grad = engine.chain_backward(state)
        forward.append(built - start)
        backward.append(time.perf_counter() - built)
        del state
    return forward, backward, y, grad


def memory_phases(engine_name: str) -> dict[str, Any]:
    """W5: resident memory at each phase, in MB above the pre-forward level."""
    readings = {}
    for phase in by_name(engine_name).memory(memory_chain()):
        readings[phase] = rss_mb()
        if phase == MEMORY_PHASES[-1]:  # the generator still holds the inputs here
            gc.collect()
            readings["after gc.collect()"] = rss_mb()
    base = readings["before forward"]
    return {
        "status": "ok",
        "before_mb": base,
        "above_mb": {phase: mb - base for phase, mb in readings.items()},
        "leftover": (readings["after dropping the loss"] - base) / base,
    }
