"""W6: how long the course takes to check, as a learner runs it (``make test``).

One run of ``make test`` gives both numbers: its wall time is the whole suite's, and
pytest's JUnit XML report (asked for through ``PYTEST_ADDOPTS``) times every nbval
cell, kernel start included, so the cells of one notebook add up to its time.
"""

from __future__ import annotations

import subprocess
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path
from typing import Any

UNIT_TESTS = "unit tests (tests/)"


def run_course(root: Path, work: Path, env: dict[str, str]) -> dict[str, Any]:
    """Time ``make test`` in ``root``; ``env`` is the learner's environment."""
    report = work / "course-junit.xml"
    report.unlink(missing_ok=True)
    subprocess.run(["make", "--no-print-directory", "venv"], cwd=root, env=env, check=True,
                   capture_output=True)  # untimed: install only if pyproject.toml changed
    env = {**env, "PYTEST_ADDOPTS": f"{env.get('PYTEST_ADDOPTS', '')} --junitxml={report}"}
    start = time.perf_counter()
    proc = subprocess.run(["make", "--no-print-directory", "test"], cwd=root, env=env,
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    summary = [line.strip("= ") for line in proc.stdout.splitlines() if " in " in line
               and any(word in line for word in ("passed", "failed", "error"))]
    result = {"wall": wall, "exit_code": proc.returncode, "summary": summary[-1:],
              "notebooks": len(list((root / "notebooks").glob("*.ipynb")))}
    if report.exists():
        result.update(parse_junit(report))
    return result


def parse_junit(path: Path) -> dict[str, Any]:
    """Per-notebook seconds (and the unit tests' total) with pass/fail counts."""
    files: dict[str, dict[str, float]] = defaultdict(lambda: {"seconds": 0.0, "tests": 0,
                                                              "failed": 0})
    for case in ET.parse(path).getroot().iter("testcase"):
        classname = case.get("classname", "")
        name = UNIT_TESTS
        if ".ipynb" in classname:  # "notebooks.01_tensors.ipynb" -> notebooks/01_tensors.ipynb
            folder, _, stem = classname.partition(".ipynb")[0].partition(".")
            name = f"{folder}/{stem}.ipynb"
        entry = files[name]
        entry["seconds"] += float(case.get("time", 0))
        entry["tests"] += 1
        entry["failed"] += any(child.tag in ("failure", "error") for child in case)
    return {"files": dict(sorted(files.items()))}
