"""minigrad.teach: the notebooks' helpers show the real code and check honestly."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import minigrad
from minigrad import teach
from minigrad.teach import checks

# --------------------------------------------------------------------------- show_source


def test_source_of_a_method_is_dedented_with_a_relative_path():
    source = teach.source_of(minigrad.Tensor.backward)
    assert source.path == "minigrad/_tensor.py"
    assert source.name == "Tensor.backward"
    assert source.code.startswith("def backward(")
    assert "run_backward" not in source.code and "backward(self, gradient" in source.code


def test_source_of_a_property_shows_getter_and_setter():
    code = teach.source_of(minigrad.Tensor.requires_grad).code
    assert "@property" in code and "@requires_grad.setter" in code


def test_source_of_a_graph_node_is_its_class():
    x = minigrad.ones(2, requires_grad=True)
    source = teach.source_of((x * 3).grad_fn)
    assert (source.path, source.name) == ("minigrad/ops/arithmetic.py", "MulBackward0")
    assert source.code.startswith("class MulBackward0(Node):")


def test_source_display_forms_are_deterministic_markdown_and_text():
    source = teach.source_of(minigrad.autograd.engine.run_backward)
    markdown = source._repr_markdown_()
    assert markdown.startswith("`minigrad/autograd/engine.py`: **`run_backward`**")
    assert "```python\ndef run_backward(" in markdown
    assert repr(source).startswith("# minigrad/autograd/engine.py: run_backward\ndef run_backward(")
    assert "/work" not in markdown + repr(source) and str(source) == repr(source)


def test_show_source_prints_plain_text_outside_jupyter(capsys):
    teach.show_source(minigrad.Tensor.is_leaf)
    out = capsys.readouterr().out
    assert out.startswith("# minigrad/_tensor.py: Tensor.is_leaf\n@property\ndef is_leaf(")


def test_show_source_refuses_code_outside_minigrad():
    with pytest.raises(TypeError, match="minigrad's own code"):
        teach.source_of(np.sum)


# --------------------------------------------------------------------------- finite differences


def test_numerical_grad_of_a_cube_is_float64_and_shaped_like_x():
    grad = teach.numerical_grad(lambda t: (t**3).sum(), minigrad.tensor([1.0, 2.0]))
    assert grad.dtype is minigrad.float64 and grad.shape == (2,)
    np.testing.assert_allclose(grad.numpy(), [3.0, 12.0], rtol=1e-8)


def test_numerical_grad_accepts_arrays_and_functions_returning_numbers():
    grad = teach.numerical_grad(lambda t: float((t**2).sum()), [[3.0, 5.0]])
    np.testing.assert_allclose(grad.numpy(), [[6.0, 10.0]], rtol=1e-8)


def test_numerical_grad_needs_a_single_number():
    with pytest.raises(ValueError, match=r"returned shape \(2,\).*numerical_jacobian"):
        teach.numerical_grad(lambda t: t * 2, [1.0, 2.0])


def test_numerical_jacobian_has_output_then_input_dimensions():
    w = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    jac = teach.numerical_jacobian(lambda t: (t * minigrad.tensor(w)).sum(1), np.ones((2, 3)))
    assert jac.shape == (2, 2, 3)
    expected = np.zeros((2, 2, 3))
    expected[0, 0], expected[1, 1] = w[0], w[1]
    np.testing.assert_allclose(jac.numpy(), expected, atol=1e-8)


def test_numerical_grad_agrees_with_backward():
    x = minigrad.tensor([0.5, -1.5, 2.0], dtype=minigrad.float64, requires_grad=True)
    f = lambda t: (t * t.exp()).mean()  # noqa: E731
    f(x).backward()
    np.testing.assert_allclose(teach.numerical_grad(f, x).numpy(), x.grad.numpy(), rtol=1e-7)


def test_numerical_grad_does_not_touch_the_input_or_record_a_graph():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    teach.numerical_grad(lambda t: seen.append(t.requires_grad) or (t * 2).sum(), x)
    assert not any(seen) and x.grad is None and x.tolist() == [1.0, 2.0]


# --------------------------------------------------------------------------- assert_close, compare


def test_assert_close_compares_shapes_values_none_and_tuples():
    teach.assert_close(minigrad.tensor([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9]))
    teach.assert_close((None, minigrad.tensor(3.0)), (None, 3.0))
    with pytest.raises(AssertionError, match=r"expected shape \(2, 1\), got shape \(2,\)"):
        teach.assert_close(minigrad.ones(2), np.ones((2, 1)), "x.grad")
    with pytest.raises(AssertionError, match=r"x.grad differs\n  got:      tensor\(\[1., 1.\]\)"):
        teach.assert_close(minigrad.ones(2), minigrad.tensor([1.0, 2.0]), "x.grad")
    with pytest.raises(AssertionError, match="expected None"):
        teach.assert_close(minigrad.ones(2), None)
    with pytest.raises(AssertionError, match="expected 2 values"):
        teach.assert_close((minigrad.ones(2),), (minigrad.ones(2), None))
    teach.assert_close("AddBackward0", "AddBackward0")
    with pytest.raises(AssertionError):
        teach.assert_close("MulBackward0", "AddBackward0")


def test_assert_close_reads_tensors_that_require_grad():
    y = minigrad.ones(2, requires_grad=True) * 2
    teach.assert_close(y, [2.0, 2.0])


def test_an_ellipsis_answer_is_not_done_rather_than_wrong():
    with pytest.raises(teach.NotDoneError):
        teach.assert_close(..., 1.0)
    with pytest.raises(teach.NotDoneError):
        teach.assert_close((True, ...), (True, False))
    with pytest.raises(AssertionError, match="differs"):
        teach.assert_close((minigrad.ones(1), 2.0), (minigrad.ones(1), 3.0))


def test_compare_prints_one_line(capsys):
    teach.compare("x.grad", minigrad.tensor([6.0]), minigrad.tensor([6.0]), numeric=[6.0000001])
    assert capsys.readouterr().out == "✅ x.grad: yours matches minigrad and finite differences\n"
    teach.compare("y", 1.0, minigrad.tensor(1.0))
    assert capsys.readouterr().out == "✅ y: yours matches minigrad\n"


def test_compare_fails_on_a_wrong_result_or_a_wrong_reference(capsys):
    with pytest.raises(AssertionError, match="x.grad: yours vs minigrad"):
        teach.compare("x.grad", minigrad.tensor([5.0]), minigrad.tensor([6.0]))
    with pytest.raises(AssertionError, match="x.grad: minigrad vs finite differences"):
        teach.compare("x.grad", [5.0], minigrad.tensor([5.0]), numeric=[6.0])
    assert capsys.readouterr().out == ""


def _seed_grad(torch):
    x = torch.ones(2, 2, requires_grad=True)
    ((x + 2) * (x + 2) * 3).mean().backward()
    print("noise that must not reach the notebook")
    warnings.warn("noise", UserWarning, stacklevel=1)
    return x.grad


def test_compare_output_is_the_same_with_or_without_pytorch(capsys, monkeypatch):
    mine = minigrad.full((2, 2), 4.5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        teach.compare("x.grad", mine, _seed_grad(minigrad), pytorch=_seed_grad)
        with_torch = capsys.readouterr()
        monkeypatch.setattr(checks, "_pytorch", lambda: None)
        teach.compare("x.grad", mine, _seed_grad(minigrad), pytorch=_seed_grad)
        without = capsys.readouterr()
    assert with_torch.out.endswith("✅ x.grad: yours matches minigrad\n")
    assert with_torch == without
    assert len(caught) == 2  # the two minigrad runs above warn; the PyTorch run is silenced


def test_compare_checks_pytorch_when_it_is_installed():
    pytest.importorskip("torch")
    with pytest.raises(AssertionError, match="PyTorch vs minigrad"):
        teach.compare("x.grad", [4.5], minigrad.tensor([4.5]), pytorch=lambda t: t.tensor([9.0]))


# --------------------------------------------------------------------------- exercises


def test_check_passes_with_a_green_line(capsys):
    teach.check("Exercise 3.1", minigrad.tensor([4.5]), [4.5])
    assert capsys.readouterr().out == "✅ Exercise 3.1 passed\n"


def test_check_of_an_unattempted_answer_says_not_done_and_does_not_raise(capsys):
    teach.check("Exercise 3.1", ..., [4.5])
    assert capsys.readouterr().out.startswith("✏️ Exercise 3.1: not done yet.")


def test_a_wrong_answer_raises_with_the_hint_as_a_note(capsys):
    with pytest.raises(AssertionError) as info:
        teach.check("Exercise 3.1", [4.0], [4.5], hint="d(mean)/dx_i is 1/n")
    assert str(info.value).startswith("❌ Exercise 3.1: your answer differs")
    assert info.value.__notes__ == ["Hint: d(mean)/dx_i is 1/n"]
    assert capsys.readouterr().out == ""


def test_exercise_block_runs_code_checks(capsys):
    def my_double(t):
        raise NotImplementedError

    with teach.exercise("Exercise 1.2"):
        teach.assert_close(my_double(minigrad.ones(2)), [2.0, 2.0])
    assert "not done yet" in capsys.readouterr().out

    with teach.exercise("Exercise 1.2"):
        teach.assert_close(minigrad.ones(2) * 2, [2.0, 2.0])
    assert capsys.readouterr().out == "✅ Exercise 1.2 passed\n"

    with pytest.raises(AssertionError, match="❌ Exercise 1.2: wrong") as info:
        with teach.exercise("Exercise 1.2"):
            raise AssertionError("wrong")
    assert not hasattr(info.value, "__notes__")


def test_require_answer_marks_a_placeholder_as_not_done(capsys):
    answer = ...
    with teach.exercise("Exercise 1.2"):
        teach.require_answer(1.0, answer)
        raise AssertionError("never reached")
    assert "not done yet" in capsys.readouterr().out
    teach.require_answer(minigrad.ones(2), None)


def test_exercise_lets_other_errors_through():
    with pytest.raises(TypeError):
        with teach.exercise("Exercise 1.3"):
            raise TypeError("a bug in the learner's code")


# --------------------------------------------------------------------------- masked_addresses


def test_masked_addresses_hides_only_addresses(capsys):
    x = minigrad.ones(2, requires_grad=True)
    with teach.masked_addresses():
        print((x + 2).grad_fn, 0x10)
    assert capsys.readouterr().out == "<AddBackward0 object at 0x…> 16\n"


def test_masked_addresses_still_prints_when_the_block_raises(capsys):
    with pytest.raises(ZeroDivisionError):
        with teach.masked_addresses():
            print(object())
            1 / 0  # noqa: B018
    assert capsys.readouterr().out == "<object object at 0x…>\n"


# --------------------------------------------------------------------------- notebook solutions
#
# Convention of the course notebooks: an exercise cell is tagged "exercise" and holds a placeholder
# (`...` or `raise NotImplementedError`), so the committed notebook's check says "not done yet".
# The next Markdown cell with a <details> block holds the solution as a ```python block. Here each
# notebook runs with every exercise cell followed by its solution (as if the learner had typed it
# in), and every check must pass.

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = re.compile(r"<details>.*?```python\n(.*?)```.*?</details>", re.DOTALL)


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def _tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def solved_cells(path: Path) -> list[tuple[str, bool]]:
    """The notebook's code cells, each exercise followed by its solution: (source, must_raise)."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    solved = []
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        source = _source(cell)
        if "exercise" in _tags(cell):
            markdown = (_source(c) for c in cells[i + 1 :] if c["cell_type"] == "markdown")
            found = next(filter(None, map(SOLUTION.search, markdown)), None)
            assert found, f"{path.name}: exercise cell {i} has no <details> solution after it"
            source += "\n" + found.group(1)
        solved.append((source, "raises-exception" in _tags(cell)))
    return solved


WITH_EXERCISES = [
    path
    for path in sorted((ROOT / "notebooks").glob("*.ipynb"))
    if any("exercise" in _tags(c) for c in json.loads(path.read_text(encoding="utf-8"))["cells"])
]


# Run in a fresh interpreter: a notebook may change global state (default dtype, print options).
RUNNER = """
import json, sys, warnings
warnings.simplefilter("ignore")
namespace = {"__name__": "__main__"}
for n, (source, must_raise) in enumerate(json.load(sys.stdin)):
    code = compile(source, f"<code cell {n}>", "exec")
    try:
        exec(code, namespace)
    except Exception:
        if not must_raise:
            raise
    else:
        if must_raise:
            sys.exit(f"code cell {n} is tagged raises-exception but did not raise")
"""


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=[p.name for p in WITH_EXERCISES])
def test_the_revealed_solutions_pass_their_checks(path):
    run = subprocess.run(
        [sys.executable, "-c", RUNNER],
        input=json.dumps(solved_cells(path)),
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=path.parent,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    exercises = sum("exercise" in _tags(cell) for cell in cells)
    assert "not done yet" not in run.stdout
    assert run.stdout.count("✅ Exercise") == exercises, run.stdout
