"""``make bench``: run W1-W6 on every installed engine and write ``benchmarks/RESULTS.md``.

    python benchmarks/run.py                 # everything (6-9 minutes on 2 cores)
    python benchmarks/run.py --only W1 W4    # some workloads
    python benchmarks/run.py --quick         # fewer repeats and sizes, to try changes

Raw results go to ``benchmarks/.work/results.json``; ``benchmarks/report.py`` turns
them into Markdown, with ``benchmarks/analysis.md`` (hand-written) appended.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

BLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
SAVED_OVERRIDES = "MINIGRAD_BENCH_BLAS_OVERRIDES"


def without_blas_overrides() -> None:
    """Restart this script without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, before NumPy loads.

    Some machines set them to work around old OpenBLAS builds; they force a slower
    kernel on a current NumPy. The values are kept (``SAVED_OVERRIDES``) for the
    report and for W6, which runs the course in the learner's own environment.
    """
    found = {name: os.environ[name] for name in BLAS_OVERRIDES if name in os.environ}
    if not found:
        return
    env = {k: v for k, v in os.environ.items() if k not in BLAS_OVERRIDES}
    env[SAVED_OVERRIDES] = json.dumps(found)
    os.execve(sys.executable, [sys.executable, *sys.argv], env)


if __name__ == "__main__":
    without_blas_overrides()
    # Run as a script, this folder is on sys.path; the package needs the project root instead.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from benchmarks import course, isolated, report  # noqa: E402
from benchmarks.engines import Case, Engine, UnsupportedError, installed_engines  # noqa: E402
from benchmarks.hotspots import hot_spots  # noqa: E402
from benchmarks.machine import load_average, machine_info  # noqa: E402
from benchmarks.timing import checked_cases, interleaved  # noqa: E402
from benchmarks.workloads import (  # noqa: E402
    CHAIN_SIZES,
    CHAIN_X0,
    blas_mlp,
    micrograd_demo,
    tiny_ops,
)

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".work"
ALL = ("W1", "W2", "W3", "W4", "W5", "W6")


def in_process(
    make: Callable[[Engine], Case], engines: list[Engine], repeats: int, sample_seconds: float
) -> dict[str, dict]:
    """W1-W3: prepare each engine's case, check it against hand-written NumPy, time it."""
    cases: dict[str, Case] = {}
    entries: dict[str, dict] = {}
    for engine in engines:
        try:
            cases[engine.name] = make(engine)
        except UnsupportedError as exc:
            entries[engine.name] = {"status": "unsupported", "error": str(exc)}
        except Exception as exc:  # minigrad still growing: a missing op is a result
            entries[engine.name] = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
    passed, checks = checked_cases(cases, reference="numpy")
    for name, check in checks.items():
        status = "ok" if check["ok"] else "failed" if "error" in check else "wrong"
        entries[name] = {"status": status, **check}
    steps = {name: case.step for name, case in passed.items()}
    for name, timing in interleaved(steps, repeats, sample_seconds).items():
        entries[name].update(timing.as_dict())
    return {"engines": {e.name: entries[e.name] for e in engines}}


def blas_step(engines: list[Engine], repeats: int) -> dict[str, dict]:
    """W3 twice: with the BLAS's own thread count, and with one thread.

    On a machine that other work keeps busy, a BLAS that spins its threads waiting for
    a core is slowed many times over; with one thread the engines still differ by their
    own overhead only, which is what the target is about.
    """
    result = in_process(lambda e: e.mlp_step(blas_mlp(), "cross_entropy"), engines, repeats, 0.1)
    with one_thread():
        result["single_thread"] = in_process(
            lambda e: e.mlp_step(blas_mlp(), "cross_entropy"), engines, repeats, 0.1
        )
    return result


@contextmanager
def one_thread() -> Iterator[None]:
    """NumPy's BLAS (threadpoolctl) and PyTorch's own pool limited to one thread."""
    from threadpoolctl import threadpool_limits

    torch = sys.modules.get("torch")
    threads = torch.get_num_threads() if torch else 0
    with threadpool_limits(limits=1):
        if torch:
            torch.set_num_threads(1)
        try:
            yield
        finally:
            if torch:
                torch.set_num_threads(threads)


def deep_chain(engines: list[Engine], sizes: tuple[int, ...]) -> dict[str, dict]:
    """W4, each engine and size in its own process; an engine that failed is not run bigger."""
    runs: dict[str, dict[str, dict]] = {e.name: {} for e in engines}
    for n in sizes:
        for engine in engines:
            failed = [r for r in runs[engine.name].values() if r["status"] != "ok"]
            if failed:
                runs[engine.name][str(n)] = {"status": "skipped", "error": "failed when smaller"}
            else:
                runs[engine.name][str(n)] = isolated.run_isolated("chain", engine.name, str(n))
            print(f"  W4 {engine.name} n={n}: {runs[engine.name][str(n)]}", flush=True)
    return {"sizes": list(sizes), "engines": runs}


def memory(engines: list[Engine]) -> dict[str, dict]:
    return {"engines": {e.name: isolated.run_isolated("memory", e.name) for e in engines}}


def minigrad_ran(workload: dict) -> bool:
    """Whether minigrad ran (W1-W3) or ran at some size (W4): only then can it be profiled."""
    entry = workload["engines"].get("minigrad", {})
    runs = entry.values() if "status" not in entry else [entry]
    return any(run.get("status") == "ok" for run in runs)


def profile_minigrad(workload: str, engines: list[Engine]) -> list[str]:
    """Hot spots of minigrad's side of a workload whose target was missed."""
    minigrad = next(e for e in engines if e.name == "minigrad")
    if workload == "W4":
        return hot_spots(lambda: minigrad.chain_backward(minigrad.chain_forward(10**4, CHAIN_X0)))
    make = {"W1": lambda: minigrad.tiny_ops(tiny_ops()),
            "W2": lambda: minigrad.mlp_step(micrograd_demo(), "margin"),
            "W3": lambda: minigrad.mlp_step(blas_mlp(), "cross_entropy")}[workload]
    return hot_spots(make().step)


def run(selected: list[str], quick: bool) -> dict:
    engines = installed_engines()
    repeats = 5 if quick else 21
    overrides = json.loads(os.environ.pop(SAVED_OVERRIDES, "{}"))
    results: dict = {"machine": machine_info(engines, overrides), "workloads": {}}
    plan = {
        "W1": lambda: in_process(lambda e: e.tiny_ops(tiny_ops()), engines, repeats, 0.05),
        "W2": lambda: in_process(lambda e: e.mlp_step(micrograd_demo(), "margin"), engines,
                                 repeats, 0.1),
        "W3": lambda: blas_step(engines, repeats),
        "W4": lambda: deep_chain(engines, CHAIN_SIZES[:2] if quick else CHAIN_SIZES),
        "W5": lambda: memory(engines),
        # The course runs in the learner's environment: BLAS overrides put back.
        "W6": lambda: course.run_course(ROOT, WORK, {**os.environ, **overrides}),
    }
    for name in selected:
        print(f"{name} ...", flush=True)
        results["workloads"][name] = plan[name]()
    for name in [n for n in selected if n in ("W1", "W2", "W3", "W4")]:
        workload = results["workloads"][name]
        if minigrad_ran(workload) and not report.all_met(name, results["workloads"]):
            print(f"{name}: target missed, profiling minigrad", flush=True)
            workload["hot_spots"] = profile_minigrad(name, engines)
    results["machine"]["load_average_at_end"] = load_average()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=ALL, default=list(ALL))
    parser.add_argument("--quick", action="store_true", help="fewer repeats and sizes")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "ENGINE", "ARG"), help="internal")
    args = parser.parse_args()
    if args.child:
        isolated.child_main(*args.child)
        return
    results = run(args.only, args.quick)
    WORK.mkdir(exist_ok=True)
    (WORK / "results.json").write_text(json.dumps(results, indent=1))
    report.write(results)
    print(f"wrote {report.RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
