"""Turn ``results.json`` into ``benchmarks/RESULTS.md``.

``python benchmarks/report.py`` re-renders the last run (after editing ``analysis.md``,
the hand-written part, which is appended as it is).
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
ANALYSIS = HERE / "analysis.md"

TITLES = {
    "W1": "W1 tiny ops: `y = ((x*2 + 1) * x).sum(); y.backward()`, 4 elements",
    "W2": "W2 micrograd's demo: MLP 2-16-16-1, 100 points, max-margin loss, one SGD step",
    "W3": "W3 BLAS-bound MLP step: 784-256-10, batch 256, softmax cross-entropy, one SGD step",
    "W4": "W4 deep chain: `y = y * 1.0001 + 0.0001` N times, then backward (float64 scalar)",
    "W5": "W5 memory: 10 layers of `y = tanh(y * w)` on 10⁷ float32 (40 MB), `loss = y.sum()`",
    "W6": "W6 the course: `make test` (ruff, unit tests, every notebook under strict nbval)",
}


# --- targets ------------------------------------------------------------------------------------
def _median(workload: dict, engine: str) -> float | None:
    entry = workload.get("engines", {}).get(engine, {})
    return entry.get("median")


def _ratio(top: float | None, bottom: float | None) -> float | None:
    return None if top is None or not bottom else top / bottom


# W1-W3: each target is the ratio of two engines' medians, in the workload or a part of it.
RATIOS = {
    "W1": [("", "minigrad", "torch")],
    "W2": [("", "minigrad", "torch"), ("", "micrograd", "minigrad")],
    "W3": [("", "minigrad", "numpy"), ("single_thread", "minigrad", "numpy")],
}


def _part(workload: dict, key: str) -> dict:
    return workload.get(key, {}) if key else workload


def target_values(name: str, workload: dict) -> list[float | None]:
    """The measured value of each of ``TARGETS[name]``, in order (None: not measured)."""
    if name in RATIOS:
        return [_ratio(_median(_part(workload, part), top), _median(_part(workload, part), bottom))
                for part, top, bottom in RATIOS[name]]
    if name == "W4":
        biggest = str(max(workload["sizes"]))
        per_node = {e: runs.get(biggest, {}).get("per_node") for e, runs in
                    workload["engines"].items()}
        return [_ratio(per_node.get("minigrad"), per_node.get("torch"))]
    if name == "W5":
        return [workload["engines"].get("minigrad", {}).get("leftover")]
    return [workload.get("wall")]


def _noise(name: str, workload: dict, index: int) -> str:
    """The larger spread of the two medians a ratio compares: how far to trust it."""
    part, *engines = RATIOS[name][index]
    entries = _part(workload, part).get("engines", {})
    spreads = [entries.get(e, {}).get("spread") for e in engines]
    return "" if None in spreads else f" (spread ±{max(spreads) / 2:.0%})"


def all_met(name: str, workloads: dict) -> bool:
    from .workloads import TARGETS

    values = target_values(name, workloads[name])
    return all(t.met(v) for t, v in zip(TARGETS[name], values))


# --- formatting ---------------------------------------------------------------------------------
def seconds(t: float | None) -> str:
    if t is None:
        return "–"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if t >= scale:
            return f"{t / scale:.3g} {unit}"
    return f"{t * 1e9:.3g} ns"


def times(r: float | None) -> str:
    return "–" if r is None else f"{r:.3g}×"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows] + [""]


def status(entry: dict) -> str:
    if entry.get("status") == "ok":
        return "ok"
    return f"{entry.get('status', '?')}: {entry.get('error', '')}".strip(": ")


# --- sections -----------------------------------------------------------------------------------
def targets_section(workloads: dict) -> list[str]:
    from .workloads import TARGETS

    rows = []
    for name, workload in workloads.items():
        for i, (target, value) in enumerate(zip(TARGETS[name], target_values(name, workload))):
            shown = "not measured" if value is None else _target_value(name, workload, value)
            if name in RATIOS and value is not None:
                shown += _noise(name, workload, i)
            rows.append([name, target.text, shown, "**met**" if target.met(value) else "not met"])
    return ["## Targets", "", *table(["", "target", "measured", ""], rows)]


def _target_value(name: str, workload: dict, value: float) -> str:
    if name == "W5":
        return f"{value:+.1%}"
    if name == "W6":
        return seconds(value) + _failing(workload)
    return times(value)


def machine_section(machine: dict) -> list[str]:
    lines = ["## Machine", "",
             f"- {machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB; "
             f"{machine['platform']}",
             "- " + ", ".join(f"{k} {v}" for k, v in machine["versions"].items()),
             "- threads: " + (", ".join(f"{k} {v}" for k, v in machine["threads"].items()) or "–")]
    loads = [machine.get(f"load_average_at_{when}") for when in ("start", "end")]
    lines.append("- load average (1, 5, 15 min) at start / end: " +
                 " / ".join(", ".join(map(str, load)) for load in loads if load))
    removed = machine["blas_overrides_removed"]
    if removed:
        pairs = ", ".join(f"{k}={v}" for k, v in removed.items())
        lines.append(f"- unset for the benchmark (not for W6, which runs as learners do): {pairs}")
    rows = [[b.get("internal_api", ""), str(b.get("version", "")), str(b.get("architecture", "")),
             str(b.get("num_threads", "")), b.get("filepath", "")] for b in machine["blas"]]
    pools = "BLAS and thread pools in use (threadpoolctl, after importing every engine):"
    header = ["library", "version", "kernel", "threads", "file"]
    return [*lines, "", pools, "", *table(header, rows)]


def timed_section(name: str, workload: dict) -> list[str]:
    """W1-W3: medians, spreads, ratios, and each engine's agreement with hand-written NumPy."""
    engines = workload["engines"]
    torch, numpy = _median(workload, "torch"), _median(workload, "numpy")
    rows = []
    for engine, entry in engines.items():
        median = entry.get("median")
        spread = f"±{entry['spread'] / 2:.1%}" if "spread" in entry else "–"
        error = f"{entry['max_rel_error']:.1e}" if "max_rel_error" in entry else "–"
        rows.append([engine, seconds(median), spread, times(_ratio(median, torch)),
                     times(_ratio(median, numpy)), error, status(entry)])
    header = ["engine", "median per step", "spread (IQR/2)", "× PyTorch", "× NumPy",
              "max rel. diff vs NumPy", "status"]
    return table(header, rows)


def chain_section(workload: dict) -> list[str]:
    engines = workload["engines"]
    rows = []
    for n in workload["sizes"]:
        torch = engines.get("torch", {}).get(str(n), {}).get("per_node")
        for engine, runs in engines.items():
            run = runs[str(n)]
            rows.append([f"{n:.0e}".replace("e+0", "e"), engine, seconds(run.get("per_node")),
                         times(_ratio(run.get("per_node"), torch)), seconds(run.get("forward")),
                         seconds(run.get("forward_gc_off")), seconds(run.get("backward")),
                         _mb(run.get("peak_mb")), status(run)])
    header = ["N", "engine", "time per node", "× PyTorch", "forward", "forward, GC off",
              "backward", "peak memory", "status"]
    note = ("2N nodes per chain (a mul and an add per step); peak = the process's high-water "
            "resident memory above its level before the first chain (after a 10-step warm-up); "
            "median of 5 runs (3 for 10⁵, 1 for 10⁶), each engine and size in a fresh process. "
            "\"GC off\": the same forward with Python's cyclic garbage collector disabled "
            "(`gc.disable()`), to show what collecting costs a graph made of Python objects.")
    return [note, "", *table(header, rows)]


def memory_section(workload: dict) -> list[str]:
    from .engines import MEMORY_PHASES

    phases = [*MEMORY_PHASES[1:], "after gc.collect()"]
    rows = []
    for engine, entry in workload["engines"].items():
        above = entry.get("above_mb", {})
        leftover = entry.get("leftover")
        rows.append([engine, _mb(entry.get("before_mb")), *(_mb(above.get(p)) for p in phases),
                     "–" if leftover is None else f"{leftover:+.1%}", status(entry)])
    note = ("Resident memory (RSS) before the forward, then above that level after each "
            "phase; each engine in a fresh process. Backward runs without `retain_graph`. "
            "HIPS autograd's `make_vjp` keeps its graph until the vjp function is dropped.")
    header = ["engine", "before forward", *phases, "left after drop", "status"]
    return [note, "", *table(header, rows)]


def _failing(course: dict) -> str:
    if course.get("exit_code") == 0:
        return ""
    return f" (make test failed: {', '.join(course.get('summary', [])) or 'see below'})"


def course_section(workload: dict) -> list[str]:
    summary = ", ".join(workload.get("summary", []))
    lines = [f"`make test` took {seconds(workload['wall'])} (exit code {workload['exit_code']}; "
             f"{summary}) with {workload['notebooks']} notebook(s) in `notebooks/`.", ""]
    rows = [[name, seconds(f["seconds"]), str(f["tests"]), str(f["failed"])]
            for name, f in workload.get("files", {}).items()]
    note = ("Per file: the sum of its tests' times from pytest's JUnit report; for a notebook "
            "that is every cell under nbval, kernel start included.")
    return [*lines, note, "", *table(["file", "time", "tests", "failed"], rows)]


def _mb(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f} MB"


def render(results: dict) -> str:
    machine, workloads = results["machine"], results["workloads"]
    dirty = " (with uncommitted changes in minigrad/)" if machine["uncommitted changes"] else ""
    lines = ["# Benchmarks: minigrad, PyTorch, hand-written NumPy, a minimal NumPy autograd, "
             "micrograd, HIPS autograd", "",
             f"Generated by `make bench` (`python benchmarks/run.py`) on {machine['date']} at "
             f"commit {machine['commit']}{dirty}. Do not edit: the hand-written analysis is "
             "`benchmarks/analysis.md`, appended at the end.", "",
             "Method: every engine's loss and gradients are checked against hand-written NumPy "
             "before it is timed (a wrong engine is not timed). In-process workloads take turns "
             "sample by sample (21 samples, each engine starting a round in turn); a sample "
             "repeats the step for at least 50-100 ms. Spread is half the interquartile range, "
             "relative to the median.", "",
             *targets_section(workloads), *machine_section(machine)]
    sections = {"W1": timed_section, "W2": timed_section, "W3": timed_section,
                "W4": lambda _, w: chain_section(w), "W5": lambda _, w: memory_section(w),
                "W6": lambda _, w: course_section(w)}
    for name, workload in workloads.items():
        lines += [f"## {TITLES[name]}", "", *sections[name](name, workload)]
        if "single_thread" in workload:
            lines += ["With one BLAS thread (threadpoolctl; `torch.set_num_threads(1)`). With "
                      "its own threads a BLAS call is as slow as its slowest thread, so the "
                      "table above depends on whether other work holds a core (see the "
                      "spreads); with one thread the engines differ by their own overhead "
                      "only:", "", *timed_section(name, workload["single_thread"])]
        if workload.get("hot_spots"):
            lines += ["Target missed: minigrad's hot spots (pyinstrument, own time):", "", "```",
                      *workload["hot_spots"], "```", ""]
    if ANALYSIS.exists():
        lines += [ANALYSIS.read_text().rstrip(), ""]
    return "\n".join(lines)


def write(results: dict) -> None:
    RESULTS.write_text(render(results))


if __name__ == "__main__":
    import sys

    sys.path[0] = str(HERE.parent)
    from benchmarks import report

    report.write(json.loads((HERE / ".work" / "results.json").read_text()))
