"""W6: how long the course takes to check, as a learner runs it (``make test``).

One run of ``make test`` gives both numbers: its wall time is the whole suite's, and
pytest's JUnit XML report (asked for through ``PYTEST_ADDOPTS``) times every nbval
cell, kernel start included, so the cells of one notebook add up to its time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path
from typing import Any

UNIT_TESTS = "unit tests (tests/)"


TIMEOUT = 900  # seconds: a hung notebook must not hang the benchmark


def run_course(root: Path, work: Path, env: dict[str, str]) -> dict[str, Any]:
    """Time ``make test`` in ``root``; ``env`` is the learner's environment."""
    work.mkdir(exist_ok=True)
    report = work / "course-junit.xml"
    report.unlink(missing_ok=True)
    subprocess.run(["make", "--no-print-directory", "venv"], cwd=root, env=env, check=True,
                   capture_output=True)  # untimed: install only if pyproject.toml changed
    env = {**env, "PYTEST_ADDOPTS": f"{env.get('PYTEST_ADDOPTS', '')} --junitxml={report}"}
    start = time.perf_counter()
    exit_code, output = _run_group(["make", "--no-print-directory", "test"], root, env)
    wall = time.perf_counter() - start
    summary = [line.strip("= ") for line in output.splitlines() if " in " in line
               and any(word in line for word in ("passed", "failed", "error"))]
    if exit_code is None:
        summary = [f"stopped after {TIMEOUT} s"]
    result = {"wall": wall, "exit_code": exit_code, "summary": summary[-1:],
              "notebooks": len(list((root / "notebooks").glob("*.ipynb")))}
    if report.exists():
        result.update(parse_junit(report))
    return result


def _run_group(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[int | None, str]:
    """Run ``command`` in its own process group; past ``TIMEOUT`` kill the group (exit None)."""
    with subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, start_new_session=True) as proc:
        try:
            output, _ = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            output, _ = proc.communicate()
            return None, output
    return proc.returncode, output


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
