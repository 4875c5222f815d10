"""Where minigrad spends its time, for the report of a missed target (pyinstrument)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def hot_spots(step: Callable[[], Any], seconds: float = 2.0, top: int = 15) -> list[str]:
    """Run ``step`` repeatedly under pyinstrument; the ``top`` functions by own time.

    Lines read ``12.6% record  minigrad/ops/_record.py:28``. A function's own time
    includes the NumPy calls it makes directly, which is what an optimisation can change.
    """
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0002)
    profiler.start()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        step()
    profiler.stop()
    text = profiler.output_text(flat=True, time="percent_of_total")
    lines = [line.strip() for line in text.splitlines() if "%" in line and "[self]" not in line]
    return lines[:top]
