"""Smoke test of ``benchmarks/``: every workload once, at a tiny size, on each installed engine.

Nothing here is timed against a limit: the benchmark's numbers are in RESULTS.md. These
tests check that each engine computes the same losses and gradients as hand-written NumPy
(the check the benchmark makes before timing), and that the harness and report work.
"""

from __future__ import annotations

import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `benchmarks` is not installed

from benchmarks import course, report  # noqa: E402
from benchmarks.engines import (  # noqa: E402
    MEMORY_PHASES,
    UnsupportedError,
    by_name,
    installed_engines,
)
from benchmarks.engines.minimal import Array  # noqa: E402
from benchmarks.timing import checked_cases, compare, interleaved  # noqa: E402
from benchmarks.workloads import (  # noqa: E402
    TARGETS,
    blas_mlp,
    chain_closed_form,
    memory_chain,
    micrograd_demo,
    tiny_ops,
)

ENGINES = installed_engines()
TINY = {
    "W1": lambda e: e.tiny_ops(tiny_ops()),
    "W2": lambda e: e.mlp_step(micrograd_demo(points=10, sizes=(2, 4, 4, 1)), "margin"),
    "W3": lambda e: e.mlp_step(blas_mlp(batch=8, sizes=(20, 16, 5)), "cross_entropy"),
}


@pytest.mark.parametrize("workload", sorted(TINY))
def test_engines_agree_with_hand_written_numpy(workload):
    cases = {}
    for engine in ENGINES:
        try:
            cases[engine.name] = TINY[workload](engine)
        except UnsupportedError:
            continue
    passed, checks = checked_cases(cases, reference="numpy")
    assert {"minigrad", "numpy", "minimal"} <= set(cases)
    assert checks == {name: {"max_rel_error": pytest.approx(0, abs=1e-4), "ok": True}
                      for name in cases}
    timings = interleaved({name: case.step for name, case in passed.items()}, 3, 0.001)
    assert all(len(t.samples) == 3 and t.median > 0 for t in timings.values())


def test_a_wrong_gradient_fails_the_check():
    reference = {"loss": np.float64(1.0), "x.grad": np.array([1.0, 2.0])}
    assert compare(reference, reference) == 0
    assert compare(reference, {**reference, "x.grad": np.array([1.0, 2.1])}) > 1e-3


@pytest.mark.parametrize("engine", ENGINES, ids=lambda e: e.name)
def test_deep_chain_matches_its_closed_form(engine):
    y, grad = engine.chain_backward(engine.chain_forward(10, 0.5))
    assert (y, grad) == pytest.approx(chain_closed_form(10, 0.5), rel=1e-12)


@pytest.mark.parametrize("engine", ENGINES, ids=lambda e: e.name)
def test_memory_workload_reads_every_phase(engine):
    try:
        phases = list(engine.memory(memory_chain(elements=100, depth=3)))
    except UnsupportedError:
        pytest.skip(f"{engine.name} does not run W5")
    assert phases == list(MEMORY_PHASES)


def test_minimal_engine_runs_a_chain_deeper_than_the_recursion_limit():
    n = 20_000  # 40 000 nodes: a recursive topological sort raises RecursionError
    assert 2 * n > 10 * sys.getrecursionlimit()
    engine = by_name("minimal")
    y, grad = engine.chain_backward(engine.chain_forward(n, 0.5))
    assert (y, grad) == pytest.approx(chain_closed_form(n, 0.5), rel=1e-9)


def test_minimal_engine_w5_gradients_match_hand_written_numpy():
    m = memory_chain(elements=1000, depth=4)
    weights = [Array(w) for w in m.w]
    y = m.x
    for w in weights:
        y = (y * w).tanh()
    y.sum().backward()
    # By hand: y_k = tanh(y_{k-1} * w_k), dL/dw_k = sum(dL/dy_k * (1 - y_k²) * y_{k-1}).
    ys = [m.x]
    for w in m.w:
        ys.append(np.tanh(ys[-1] * w))
    grad, expected = np.ones_like(m.x), []
    for k in reversed(range(len(m.w))):
        grad = grad * (1 - ys[k + 1] ** 2)
        expected.append((grad * ys[k]).sum())
        grad = grad * m.w[k]
    assert [w.grad for w in weights] == pytest.approx(expected[::-1], rel=1e-4)


def test_minimal_engine_frees_the_graph_at_backward():
    tracemalloc.start()  # NumPy reports its arrays' memory to tracemalloc
    try:
        traced = {}
        for phase in by_name("minimal").memory(memory_chain(elements=250_000, depth=4)):
            traced[phase] = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    one_array = 250_000 * 4
    above = {phase: traced[phase] - traced["before forward"] for phase in MEMORY_PHASES}
    assert above["after forward"] > 4 * one_array  # each layer's output, kept for backward
    assert above["after backward"] < one_array / 2  # given back by backward, loss still held
    assert above["after dropping the loss"] < one_array / 2


def test_minimal_engine_sums_broadcast_gradients_back_to_each_shape():
    a, b = Array(np.array([[1.0], [2.0], [3.0]])), Array(np.array([1.0, 10.0, 100.0, 1000.0]))
    loss = (a * b + np.ones((3, 4)) - b).mean()  # a (3, 1) and b (4,) broadcast to (3, 4)
    loss.backward()
    assert loss.data == pytest.approx((6 * 1111 + 12 - 3 * 1111) / 12)
    assert a.grad.shape == (3, 1) and b.grad.shape == (4,)
    np.testing.assert_allclose(a.grad, np.full((3, 1), 1111 / 12))
    np.testing.assert_allclose(b.grad, (6 - 3) / 12 * np.ones(4))


def test_course_times_come_from_junit_per_notebook(tmp_path):
    junit = tmp_path / "junit.xml"
    junit.write_text(
        '<testsuites><testsuite name="pytest" tests="3">'
        '<testcase classname="notebooks.01_tensors.ipynb" name="Cell 0" time="1.5" />'
        '<testcase classname="notebooks.01_tensors.ipynb" name="Cell 1" time="0.5">'
        "<failure /></testcase>"
        '<testcase classname="tests.test_x.TestX" name="test_a" time="0.25" />'
        "</testsuite></testsuites>"
    )
    assert course.parse_junit(junit) == {"files": {
        "notebooks/01_tensors.ipynb": {"seconds": 2.0, "tests": 2, "failed": 1},
        course.UNIT_TESTS: {"seconds": 0.25, "tests": 1, "failed": 0},
    }}


def test_report_says_met_or_not_met_per_target():
    timed = {"engines": {"minigrad": {"status": "ok", "median": 1e-5, "spread": 0.1},
                         "torch": {"status": "ok", "median": 4e-5, "spread": 0.1},
                         "numpy": {"status": "ok", "median": 1e-6, "spread": 0.1}}}
    workloads = {"W1": timed, "W3": timed, "W6": {"wall": 150.0, "exit_code": 0, "notebooks": 0}}
    assert report.target_values("W1", timed) == [pytest.approx(0.25)]
    assert report.all_met("W1", workloads)
    assert not report.all_met("W3", workloads)  # 10x hand-written NumPy, one thread not run
    assert not report.all_met("W6", workloads)  # over 2 minutes
    lines = report.targets_section(workloads)
    assert sum("**met**" in line for line in lines) == 1
    assert sum("not met" in line for line in lines) == 3
    assert len(TARGETS) == 6
