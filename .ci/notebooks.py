#!/usr/bin/env python3
"""Re-execute the course notebooks in place, without churn (`make notebooks`).

    python .ci/notebooks.py [NOTEBOOK ...]          # default: notebooks/*.ipynb
    python .ci/notebooks.py --check [NOTEBOOK ...]  # exit 1 if one is not normalised

Each notebook runs top to bottom with nbclient in a kernel of this very Python
(`sys.executable`, like nbval's --nbval-current-env), started in the notebook's own folder
(notebooks/), with PYTHONHASHSEED=0 and SOURCE_DATE_EPOCH=0 and no timing metadata. An error is
allowed only in a cell tagged `raises-exception`, and such a cell must raise. Cells tagged
`nbval-skip` are not run (nbval does not run them either). Then the notebook is normalised and
written back only if its text changed:

- notebook metadata: only `kernelspec` (python3, "Python 3 (ipykernel)", python) and
  `language_info` reduced to {"name": "python"}; nbformat 4.5;
- cell metadata: only `tags`; every cell keeps its id (a missing or invalid one gets an id
  derived from the cell's position and source, so it is the same on every machine);
- execution counts renumbered 1..n in order (the counts in `execute_result` outputs too); an
  empty code cell or an `nbval-skip` cell has none, and an empty one has no outputs;
- consecutive stream outputs of the same name are merged (how the kernel splits a stream varies
  from run to run);
- the folder of the file ipykernel compiles a cell to, as a warning shows it
  (`/tmp/ipykernel_<pid>/2781236473.py:3: UserWarning: ...`), becomes `<ipykernel>/` in every
  output, as tests/nbval_sanitize.cfg masks it in nbval's comparisons;
- in error tracebacks (which nbval does not compare), this machine's paths become placeholders:
  the repository `<repo>`, the Python environment `<env>`, the base Python `<python>`, the home
  folder `~`. Elsewhere such a path is left alone, and tests/test_notebook_hygiene.py rejects it:
  it would differ on the next machine.

The file is written as Jupyter writes it (nbformat: sorted keys, indent 1, trailing newline), so
a re-run on unchanged notebooks leaves `git diff` empty. tests/test_notebook_hygiene.py imports
this file to check that every committed notebook is normalised.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"

NBFORMAT = 4
NBFORMAT_MINOR = 5
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python"}
KERNEL_ENV = {"PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": "0"}
RAISES = "raises-exception"
SKIP = "nbval-skip"
CELL_TIMEOUT = 600  # seconds, per cell
STARTUP_TIMEOUT = 120  # seconds

# Base64 payloads: never scanned or rewritten as text.
BINARY_MIME = ("image/png", "image/jpeg", "image/gif", "image/bmp", "image/webp")

_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
IPYKERNEL_CELL_DIR = re.compile(r"""[^\s"'(]*ipykernel_[0-9]+[/\\]""")


# --------------------------------------------------------------------------- reading, writing


def loads(text: str) -> Any:
    """Parse notebook JSON into a NotebookNode, multi-line strings joined, nothing else changed.

    (nbformat.reads would upgrade an old minor version with random cell ids.)
    """
    import nbformat
    from nbformat.v4.rwbase import rejoin_lines

    nb = nbformat.from_dict(json.loads(text))
    if nb.get("nbformat") != NBFORMAT:
        raise ValueError(f"nbformat {nb.get('nbformat')} is not supported, only {NBFORMAT}")
    return rejoin_lines(nb)


def dumps(nb: Any) -> str:
    """The notebook's text exactly as Jupyter writes it."""
    import nbformat

    return nbformat.writes(nb, version=nbformat.NO_CONVERT) + "\n"


# --------------------------------------------------------------------------- normalisation


def _join(text: Any) -> Any:
    return "".join(text) if isinstance(text, list) else text


def machine_paths() -> list[tuple[re.Pattern[str], str]]:
    """This machine's absolute paths that may appear in outputs, with their placeholders.

    Longest first, so that the repository wins over the home folder that holds it.
    """
    candidates = [
        (REPO, "<repo>"),
        (Path(sys.prefix), "<env>"),
        (Path(sys.base_prefix), "<python>"),
        (Path.home(), "~"),
    ]
    pairs: dict[str, str] = {}
    for path, placeholder in candidates:
        for variant in {str(path), str(path.resolve())}:
            if len(Path(variant).parts) >= 2 and variant not in pairs:  # never "/" alone
                pairs[variant] = placeholder
    ordered = sorted(pairs.items(), key=lambda item: len(item[0]), reverse=True)
    end = r"""(?=[/\\\s"':,;)\]>]|$)"""
    return [(re.compile(re.escape(path) + end), placeholder) for path, placeholder in ordered]


def scrub_kernel_files(text: str) -> str:
    """`/tmp/ipykernel_<pid>/` -> `<ipykernel>/`, as tests/nbval_sanitize.cfg does."""
    return IPYKERNEL_CELL_DIR.sub("<ipykernel>/", text)


def scrub_paths(text: str, paths: list[tuple[re.Pattern[str], str]] | None = None) -> str:
    """Replace this machine's paths in `text` (a traceback line) by the placeholders above."""
    text = scrub_kernel_files(text)
    for pattern, placeholder in machine_paths() if paths is None else paths:
        text = pattern.sub(placeholder, text)
    return text


def _stable_id(index: int, source: str, taken: set[str]) -> str:
    digest = hashlib.sha1(f"{index}\n{source}".encode()).hexdigest()
    for start in range(0, len(digest) - 8):
        candidate = digest[start : start + 8]
        if candidate not in taken:
            return candidate
    return f"cell-{index}"


def _normalise_outputs(outputs: list[Any], count: int | None, paths: list) -> list[Any]:
    import nbformat

    merged: list[Any] = []
    for output in outputs:
        output = nbformat.from_dict(dict(output))
        kind = output.get("output_type")
        if kind == "stream":
            output["text"] = scrub_kernel_files(_join(output.get("text", "")))
            if (
                merged
                and merged[-1].get("output_type") == "stream"
                and (merged[-1].get("name") == output.get("name"))
            ):
                merged[-1]["text"] += output["text"]
                continue
        elif kind == "error":
            output["evalue"] = scrub_kernel_files(str(output.get("evalue", "")))
            output["traceback"] = [scrub_paths(line, paths) for line in output.get("traceback", [])]
        elif kind in ("execute_result", "display_data"):
            data = dict(output.get("data", {}))
            for mime, value in data.items():
                if mime not in BINARY_MIME and isinstance(_join(value), str):
                    data[mime] = scrub_kernel_files(_join(value))
            output["data"] = data
            if kind == "execute_result":
                output["execution_count"] = count
        merged.append(output)
    return merged


def normalise(nb: Any) -> Any:
    """Return a normalised copy of the notebook (see the module's docstring)."""
    import nbformat

    nb = nbformat.from_dict(json.loads(json.dumps(nb)))  # deep copy as NotebookNode
    paths = machine_paths()
    nb["nbformat"] = NBFORMAT
    nb["nbformat_minor"] = NBFORMAT_MINOR
    nb["metadata"] = nbformat.from_dict(
        {"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)}
    )

    taken: set[str] = set()
    counter = 0
    for index, cell in enumerate(nb.get("cells", [])):
        cell["source"] = _join(cell.get("source", ""))
        cell_id = cell.get("id")
        if not isinstance(cell_id, str) or not _ID.match(cell_id) or cell_id in taken:
            cell_id = _stable_id(index, cell["source"], taken)
        cell["id"] = cell_id
        taken.add(cell_id)

        tags = list(dict.fromkeys(cell.get("metadata", {}).get("tags", []) or []))
        cell["metadata"] = nbformat.from_dict({"tags": tags} if tags else {})

        if cell.get("cell_type") != "code":
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
            continue
        count = cell.get("execution_count")
        if not cell["source"].strip():
            count = None
            cell["outputs"] = []
        elif SKIP in tags:
            count = None
        elif count is not None:
            counter += 1
            count = counter
        cell["execution_count"] = count
        cell["outputs"] = _normalise_outputs(cell.get("outputs", []), count, paths)
    return nb


def normalise_text(text: str) -> str:
    """The normalised text of a notebook's text."""
    return dumps(normalise(loads(text)))


def check_text(text: str, name: str = "notebook") -> str | None:
    """None if the notebook's text is normalised, else a short diff of what would change."""
    expected = normalise_text(text)
    if expected == text:
        return None
    diff = difflib.unified_diff(
        text.splitlines(), expected.splitlines(), name, f"{name} (normalised)", lineterm="", n=1
    )
    lines = list(diff)
    shown = "\n".join(lines[:40])
    return shown + (f"\n... ({len(lines) - 40} more diff lines)" if len(lines) > 40 else "")


# --------------------------------------------------------------------------- execution


def _kernel_manager_class() -> Any:
    """A kernel manager whose `python3` kernel is this Python, whatever kernelspecs exist."""
    import ipykernel.kernelspec
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class CurrentEnvKernelSpecManager(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> Any:
            return self.kernel_spec_class(
                resource_dir=ipykernel.kernelspec.RESOURCES,
                **ipykernel.kernelspec.get_kernel_dict(),
            )

    class CurrentEnvKernelManager(AsyncKernelManager):
        @default("kernel_spec_manager")
        def _kernel_spec_manager_default(self) -> KernelSpecManager:
            return CurrentEnvKernelSpecManager(data_dir=self.data_dir)

    return CurrentEnvKernelManager


def execute(nb: Any, cwd: Path) -> Any:
    """Run every cell of `nb` in a fresh kernel started in `cwd`; return the notebook."""
    from nbclient import NotebookClient

    client = NotebookClient(
        nb,
        kernel_manager_class=_kernel_manager_class(),
        kernel_name=KERNELSPEC["name"],
        timeout=CELL_TIMEOUT,
        startup_timeout=STARTUP_TIMEOUT,
        allow_errors=False,  # except in cells tagged raises-exception (nbclient honours the tag)
        allow_error_names=[],
        record_timing=False,
        skip_cells_with_tag=SKIP,
        resources={"metadata": {"path": str(cwd)}},
    )
    env = {**os.environ, **KERNEL_ENV}
    client.execute(env=env)
    return nb


def missing_errors(nb: Any) -> list[int]:
    """Indices of cells tagged raises-exception that did not raise."""
    return [
        index
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        and RAISES in cell.metadata.get("tags", [])
        and not any(out.get("output_type") == "error" for out in cell.get("outputs", []))
    ]


class NotebookError(Exception):
    """A notebook could not be regenerated; it was left unchanged."""


def regenerate(path: Path) -> bool:
    """Execute and normalise one notebook; write it back if its text changed. True if changed."""
    from nbclient.exceptions import CellExecutionError

    text = path.read_text(encoding="utf-8")
    nb = normalise(loads(text))
    try:
        execute(nb, path.parent)
    except CellExecutionError as error:
        raise NotebookError(f"a cell not tagged {RAISES!r} raised:\n{error}") from None
    silent = missing_errors(nb)
    if silent:
        cells = ", ".join(str(i) for i in silent)
        raise NotebookError(f"cell(s) {cells} tagged {RAISES!r} did not raise")
    new_text = dumps(normalise(nb))
    if new_text == text:
        return False
    path.write_text(new_text, encoding="utf-8")
    return True


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument(
        "--check", action="store_true", help="only check that the notebooks are normalised"
    )
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(NOTEBOOKS.glob("*.ipynb"))
    if not paths:
        print(f"no notebooks in {NOTEBOOKS}")
        return 0

    if args.check:
        bad = 0
        for path in paths:
            problem = check_text(path.read_text(encoding="utf-8"), str(path))
            if problem is not None:
                bad += 1
                print(f"{path}: not normalised (run `make notebooks`)\n{problem}\n")
        print(f"{len(paths) - bad} normalised, {bad} not normalised")
        return 1 if bad else 0

    failed = 0
    for path in paths:
        try:
            changed = regenerate(path)
        except NotebookError as error:
            failed += 1
            print(f"{path}: FAILED, left unchanged: {error}", file=sys.stderr, flush=True)
            continue
        print(f"{path}: {'updated' if changed else 'unchanged'}", flush=True)
    if failed:
        print(f"{failed} of {len(paths)} notebook(s) failed", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
