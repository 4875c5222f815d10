"""What the numbers were measured on: machine, versions, and the BLAS actually in use."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from .engines import Engine

ROOT = Path(__file__).resolve().parent.parent


def machine_info(engines: list[Engine], blas_overrides: dict[str, str]) -> dict[str, Any]:
    """Imports every engine first, so that threadpoolctl sees each one's BLAS and OpenMP."""
    import numpy as np
    import psutil
    from threadpoolctl import threadpool_info

    versions = {"python": platform.python_version(), "numpy": np.__version__}
    versions.update({e.name: e.version() for e in engines if e.name != "numpy"})
    threads = {}
    if any(e.name == "torch" for e in engines):
        import torch

        threads["torch intra-op threads"] = torch.get_num_threads()
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _git("rev-parse", "--short", "HEAD"),
        "uncommitted changes": bool(_git("status", "--porcelain", "--", "minigrad")),
        "platform": platform.platform(),
        "cpu": _cpu_name(),
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "versions": versions,
        "threads": threads,
        "blas": [_pool(p) for p in threadpool_info()],
        "blas_overrides_removed": blas_overrides,
        "load_average_at_start": load_average(),
    }


def load_average() -> list[float]:
    """The 1, 5 and 15-minute load averages: other work on the machine slows every engine."""
    return [round(x, 2) for x in os.getloadavg()]


def _pool(info: dict[str, Any]) -> dict[str, Any]:
    keys = ("internal_api", "version", "architecture", "num_threads", "filepath")
    return {k: (Path(info[k]).name if k == "filepath" else info[k]) for k in keys if k in info}


def _cpu_name() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _git(*args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    return proc.stdout.strip()
