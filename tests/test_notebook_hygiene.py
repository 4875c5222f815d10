"""Every committed notebook is executed, normalised, honest about errors and free of this machine.

Outputs themselves are compared by nbval (`make test`); this file checks what nbval does not:
a cell with no execution count is silently not compared by nbval, metadata churn, addresses and
paths that would differ on the next run, and graphs that only a trusted notebook would show.
Regenerate notebooks with `make notebooks` (.ci/notebooks.py, whose normaliser is reused here).
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
NAME = re.compile(r"^(\d{2})_[a-z0-9]+(?:_[a-z0-9]+)*\.ipynb$")
ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,16}")  # the same as tests/nbval_sanitize.cfg
RAISES = "raises-exception"
SKIP = "nbval-skip"

each_notebook = pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])


@functools.cache
def tool() -> Any:
    """.ci/notebooks.py, imported as a module."""
    spec = importlib.util.spec_from_file_location("ci_notebooks", ROOT / ".ci" / "notebooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.cache
def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def code_cells(nb: dict) -> list[tuple[int, dict]]:
    return [(i, cell) for i, cell in enumerate(nb["cells"]) if cell["cell_type"] == "code"]


def tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def output_texts(output: dict) -> list[str]:
    """Every text of one output that nbval or a reader sees (not base64 images)."""
    kind = output.get("output_type")
    if kind == "stream":
        return [text(output.get("text", ""))]
    if kind == "error":
        return [output.get("ename", ""), output.get("evalue", ""), *output.get("traceback", [])]
    return [
        text(value)
        for mime, value in output.get("data", {}).items()
        if mime not in tool().BINARY_MIME
    ]


# --------------------------------------------------------------------------- the collection


def test_notebooks_folder_exists():
    assert NOTEBOOK_DIR.is_dir(), "notebooks/ is missing"


def test_notebooks_are_numbered_consecutively_from_00():
    names = [path.name for path in NOTEBOOKS]
    badly_named = [name for name in names if not NAME.match(name)]
    assert not badly_named, f"name notebooks NN_lower_case.ipynb: {badly_named}"
    numbers = [int(name[:2]) for name in names]
    assert numbers == list(range(len(numbers))), f"numbers must run 00, 01, ...: {names}"


# --------------------------------------------------------------------------- each notebook


@each_notebook
def test_every_code_cell_was_executed(path):
    missing = [
        i
        for i, cell in code_cells(load(path))
        if text(cell["source"]).strip()
        and SKIP not in tags(cell)
        and cell.get("execution_count") is None
    ]
    assert not missing, (
        f"cells {missing} have no execution count, so nbval would not compare them: "
        "run `make notebooks`"
    )


@each_notebook
def test_is_normalised(path):
    problem = tool().check_text(path.read_text(encoding="utf-8"), path.name)
    assert problem is None, (
        f"run `make notebooks` (or `python .ci/notebooks.py {path}`):\n{problem}"
    )


@each_notebook
def test_errors_only_in_raises_exception_cells(path):
    for i, cell in code_cells(load(path)):
        has_error = any(out.get("output_type") == "error" for out in cell.get("outputs", []))
        if RAISES in tags(cell):
            assert has_error, f"cell {i} is tagged {RAISES} but has no error output"
        else:
            assert not has_error, f"cell {i} has an error output but no {RAISES} tag"


@each_notebook
def test_no_memory_addresses_or_machine_paths(path):
    paths = tool().machine_paths()
    for i, cell in code_cells(load(path)):
        for output in cell.get("outputs", []):
            for value in output_texts(output):
                address = ADDRESS.search(value)
                assert address is None, (
                    f"cell {i} shows a memory address {address.group()!r}: give the object a "
                    "repr without id(), or do not display it"
                )
                for pattern, _placeholder in paths:
                    found = pattern.search(value)
                    assert found is None, f"cell {i} shows this machine's path {found.group()!r}"
                kernel_dir = tool().IPYKERNEL_CELL_DIR.search(value)
                assert kernel_dir is None, f"cell {i} shows a kernel file {kernel_dir.group()!r}"


@each_notebook
def test_svg_outputs_carry_png(path):
    # An untrusted notebook (a fresh clone, GitHub's viewer) shows stored PNG but not stored SVG.
    for i, cell in code_cells(load(path)):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/svg+xml" in data:
                assert "image/png" in data, f"cell {i} has an SVG output without its PNG"


# --------------------------------------------------------------------------- the normaliser itself


def _messy_notebook() -> dict:
    def code(source, count, outputs=(), **metadata):
        return {
            "cell_type": "code",
            "execution_count": count,
            "metadata": metadata,
            "outputs": list(outputs),
            "source": source,
        }

    result = {
        "output_type": "execute_result",
        "execution_count": 7,
        "data": {"text/plain": "2"},
        "metadata": {},
    }
    return {
        "nbformat": 4,
        "nbformat_minor": 4,
        "metadata": {
            "kernelspec": {"name": "venv", "display_name": "My venv", "language": "python"},
            "language_info": {"name": "python", "version": "3.11.7", "mimetype": "text/x-python"},
            "widgets": {"state": {}},
        },
        "cells": [
            {"cell_type": "markdown", "metadata": {"collapsed": True}, "source": ["# Title"]},
            code(
                ["x = 1\n", "print(x)"],
                5,
                [
                    {"output_type": "stream", "name": "stdout", "text": ["1\n"]},
                    {"output_type": "stream", "name": "stdout", "text": "2\n"},
                ],
                scrolled=True,
                tags=["a", "a"],
            ),
            code("1 + 1", 7, [result], execution={"iopub.status.busy": "2026-01-01"}),
            code("  \n", 9, [{"output_type": "stream", "name": "stdout", "text": "stale"}]),
            code(
                "import warnings; warnings.warn('w')",
                11,
                [
                    {
                        "output_type": "stream",
                        "name": "stderr",
                        "text": "/tmp/ipykernel_4242/123.py:1: UserWarning: w\n",
                    }
                ],
            ),
        ],
    }


def test_normaliser_on_a_messy_notebook():
    ci = tool()
    text_in = json.dumps(_messy_notebook())
    nb = json.loads(ci.normalise_text(text_in))
    assert nb["nbformat"] == 4 and nb["nbformat_minor"] == 5
    assert nb["metadata"] == {
        "kernelspec": {
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
            "name": "python3",
        },
        "language_info": {"name": "python"},
    }
    cells = nb["cells"]
    assert all(re.fullmatch(r"[0-9a-f]{8}", cell["id"]) for cell in cells)
    assert [cell["metadata"] for cell in cells] == [{}, {"tags": ["a"]}, {}, {}, {}]
    assert [cell.get("execution_count") for cell in cells] == [None, 1, 2, None, 3]
    assert cells[1]["outputs"] == [
        {"output_type": "stream", "name": "stdout", "text": ["1\n", "2\n"]}
    ]
    assert cells[2]["outputs"][0]["execution_count"] == 2
    assert cells[3]["outputs"] == []
    assert cells[4]["outputs"][0]["text"] == ["<ipykernel>/123.py:1: UserWarning: w\n"]
    # Idempotent, stable ids, and --check agrees.
    once = ci.normalise_text(text_in)
    assert ci.normalise_text(once) == once == ci.normalise_text(text_in)
    assert ci.check_text(once) is None
    assert ci.check_text(text_in) is not None


def test_normaliser_scrubs_this_machines_paths():
    ci = tool()
    traceback_line = f"File {ROOT}/minigrad/_tensor.py:12, in backward"
    assert ci.scrub_paths(traceback_line) == "File <repo>/minigrad/_tensor.py:12, in backward"
    assert "<repo>" not in ci.scrub_paths(f"{ROOT}x/other")  # only whole path components


def test_normaliser_and_sanitizer_agree_on_kernel_files():
    from nbval.plugin import get_sanitize_patterns

    with open(ROOT / "tests" / "nbval_sanitize.cfg") as f:
        rules = get_sanitize_patterns(f.read())
    live = "/tmp/ipykernel_31337/2781236473.py:3: UserWarning: w"
    sanitized = live
    for regex, replace in rules:
        sanitized = re.sub(regex, replace, sanitized)
    assert sanitized == tool().scrub_paths(live) == "<ipykernel>/2781236473.py:3: UserWarning: w"
