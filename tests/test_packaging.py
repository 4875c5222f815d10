"""The install files agree: pyproject.toml, environment.yml, the Makefile and .ci/run."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent

# conda-forge name -> pip name, where they differ. conda-forge's `graphviz` is the C program
# (`dot`); on PyPI the `graphviz-pure` binary plays that part. `python-graphviz` is the Python
# wrapper that PyPI calls `graphviz`.
CONDA_TO_PIP = {
    "graphviz": "graphviz-pure",
    "python-graphviz": "graphviz",
}
# conda packages that are the environment itself, not a dependency of the project.
CONDA_ONLY = {"python", "pip"}
TORCH_PIN = "torch==2.13.0"


def parse_environment_yml(text: str) -> dict:
    """Parse the small subset of YAML that environment.yml uses.

    Returns {"name": str, "channels": [str], "conda": [spec], "pip": [line]}. Raises ValueError
    on anything outside that subset, so that the file stays readable by this parser.
    """
    result: dict = {"name": None, "channels": [], "conda": [], "pip": []}
    section = None
    in_pip = False
    pip_indent = 0
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        stripped = line.strip()
        if indent == 0:
            in_pip = False
            key, _, value = stripped.partition(":")
            if key == "name":
                result["name"] = value.strip()
                section = None
            elif key in ("channels", "dependencies") and not value.strip():
                section = key
            else:
                raise ValueError(f"unexpected top-level line: {raw!r}")
            continue
        if not stripped.startswith("- "):
            raise ValueError(f"unexpected line: {raw!r}")
        item = stripped[2:].strip()
        if section == "channels":
            result["channels"].append(item)
        elif section == "dependencies":
            if item == "pip:":
                in_pip = True
                pip_indent = indent
            elif in_pip and indent > pip_indent:
                result["pip"].append(item)
            else:
                in_pip = False
                result["conda"].append(item)
        else:
            raise ValueError(f"list item outside a list: {raw!r}")
    return result


def conda_name(spec: str) -> str:
    """`python=3.11` -> `python`; `numpy >=2` -> `numpy`."""
    match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)", spec)
    assert match, spec
    return match.group(1).lower()


@pytest.fixture(scope="module")
def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def environment() -> dict:
    return parse_environment_yml((ROOT / "environment.yml").read_text(encoding="utf-8"))


def requirements(items: list[str]) -> dict[str, Requirement]:
    reqs = [Requirement(item) for item in items]
    return {canonicalize_name(req.name): req for req in reqs}


def test_runtime_dependencies_are_numpy_only(pyproject):
    project = pyproject["project"]
    assert set(requirements(project["dependencies"])) == {"numpy"}
    assert project["requires-python"] == ">=3.11"
    assert project["name"] == "minigrad"


def test_package_discovery_is_minigrad_only(pyproject):
    find = pyproject["tool"]["setuptools"]["packages"]["find"]
    assert find["include"] == ["minigrad*"]


def test_extras(pyproject):
    extras = {
        name: requirements(items)
        for name, items in pyproject["project"]["optional-dependencies"].items()
    }
    assert set(extras) == {"lab", "test", "bench"}
    assert {
        "jupyterlab",
        "matplotlib",
        "graphviz",
        "ipykernel",
        "ipywidgets",
        "graphviz-pure",
    } <= set(extras["lab"])
    assert {"pytest", "nbval", "hypothesis", "nbclient", "nbformat", "ruff"} <= set(extras["test"])
    assert {"torch", "micrograd", "autograd", "threadpoolctl", "psutil", "pyinstrument"} <= set(
        extras["bench"]
    )
    # graphviz-pure is young: pinned to one exact version, the same in every extra.
    pins = {
        str(extra["graphviz-pure"].specifier)
        for extra in extras.values()
        if "graphviz-pure" in extra
    }
    assert len(pins) == 1 and re.fullmatch(r"==\d+\.\d+\.\d+", pins.pop())
    # An unpinned torch on Linux downloads a CUDA build of several GB.
    assert str(extras["bench"]["torch"]) == TORCH_PIN
    assert all("torch" not in extra for name, extra in extras.items() if name != "bench")


def test_environment_yml_lists_the_same_packages(pyproject, environment):
    assert environment["name"] == "minigrad"
    assert environment["channels"][0] == "conda-forge"
    assert environment["pip"] == ["-e ."]

    conda = [conda_name(spec) for spec in environment["conda"]]
    assert len(conda) == len(set(conda)), "a package is listed twice in environment.yml"
    assert "python=3.11" in environment["conda"]
    conda_as_pip = {canonicalize_name(CONDA_TO_PIP.get(name, name)) for name in conda} - CONDA_ONLY

    project = pyproject["project"]
    extras = project["optional-dependencies"]
    wanted = set(requirements(project["dependencies"] + extras["lab"] + extras["test"]))
    assert conda_as_pip - wanted == set(), "in environment.yml but not in pyproject.toml"
    assert wanted - conda_as_pip == set(), "in pyproject.toml but not in environment.yml"


def test_environment_parser_rejects_what_it_does_not_understand():
    with pytest.raises(ValueError):
        parse_environment_yml("name: x\nvariables:\n  A: 1\n")
    parsed = parse_environment_yml(
        "name: x\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11  # ok\n"
        "  - pip\n  - pip:\n      - -e .\n  - numpy\n"
    )
    assert parsed == {
        "name": "x",
        "channels": ["conda-forge"],
        "conda": ["python=3.11", "pip", "numpy"],
        "pip": ["-e ."],
    }


def _code_lines(path: Path) -> list[str]:
    """Non-comment lines of a shell script or Makefile."""
    return [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def test_ci_run_installs_and_calls_make_test():
    path = ROOT / ".ci" / "run"
    lines = _code_lines(path)
    assert os.access(path, os.X_OK), ".ci/run must be executable"
    assert path.read_text(encoding="utf-8").startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in lines
    assert "make test" in lines, ".ci/run must run the tests through `make test`"
    assert any(line.startswith("make venv") for line in lines)
    installs = [line for line in lines if "pip install" in line]
    assert any(TORCH_PIN in line for line in installs)
    for line in installs:
        for word in re.findall(r"['\"]?\btorch\S*", line):
            assert word.strip("'\"") == TORCH_PIN, f"unpinned torch in .ci/run: {line}"


def test_ci_run_pipes_never_stop_reading_early():
    """Under `set -o pipefail`, `cmd | head -n 1` fails with exit 141 whenever `cmd` is still
    writing when `head` exits (SIGPIPE): a CI failure that comes and goes with timing."""
    early_readers = re.compile(r"\|\s*(head|grep\s+(-\w*[qm]\w*))\b")
    for line in _code_lines(ROOT / ".ci" / "run"):
        assert not early_readers.search(line), f"pipe that stops reading early in .ci/run: {line}"


def test_makefile_runs_strict_nbval_with_the_sanitizer():
    text = "\n".join(_code_lines(ROOT / "Makefile"))
    assert "--nbval-lax" not in text
    assert re.search(r"--nbval(\s|$)", text)
    assert "--nbval-current-env" in text
    assert "--nbval-sanitize-with tests/nbval_sanitize.cfg" in text
    for target in ("venv", "lab", "test", "notebooks", "figures", "bench", "lint", "clean"):
        assert re.search(rf"^{target}:", text, re.MULTILINE), f"Makefile has no `{target}` target"
