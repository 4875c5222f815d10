"""Finding a Graphviz ``dot`` program and running it, without ever raising.

Where the picture comes from, in order:

1. the system's ``dot`` (``apt install graphviz``, brew, conda, winget);
2. the ``graphviz-pure`` binary that the pinned pip package of the ``lab`` extra
   puts in this environment's scripts folder (a static Rust port of Graphviz);
3. neither: ``render`` says so, and the caller shows text with ``INSTALL_HINT``.

A cell that draws a graph must never fail because Graphviz is missing.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import sysconfig

PURE = "graphviz-pure"
PNG_DPI = 96  # fixed, so a PNG has the same pixels on every machine with the same renderer
NOT_FOUND = "Graphviz's dot was not found"
INSTALL_HINT = (
    "To see the picture: "
    "pip install graphviz-pure==0.2.2 | apt install graphviz | brew install graphviz | "
    "conda install -c conda-forge graphviz | winget install graphviz"
)


@dataclasses.dataclass(frozen=True)
class Rendering:
    """SVG text and PNG bytes of one graph, or ``problem``: why there are none.

    ``hint`` says what to install when that would help. The two are kept apart so
    that whoever shows the text instead of the picture can say what that text is
    between them (``display.GraphImage``).
    """

    svg: str | None = None
    png: bytes | None = None
    problem: str | None = None
    hint: str = ""

    @property
    def message(self) -> str | None:
        """``problem`` and ``hint`` as one sentence, e.g. for an exception."""
        if self.problem is None:
            return None
        return f"{self.problem}. {self.hint}" if self.hint else self.problem


def find_dot(prefer_pure: bool = False) -> str | None:
    """The program to run: system ``dot`` first (pip's ``graphviz-pure`` first if asked)."""
    system = shutil.which("dot")
    pure = pure_binary()
    order = [pure, system] if prefer_pure else [system, pure]
    return next((program for program in order if program), None)


def pure_binary() -> str | None:
    """``graphviz-pure`` in this environment's scripts folder (``.venv/bin``), or on PATH."""
    for folder in scripts_folders():
        found = shutil.which(PURE, path=folder)
        if found:
            return found
    return shutil.which(PURE)


def scripts_folders() -> list[str]:
    """Where pip puts console scripts for the running interpreter (venv or not)."""
    folders = [sysconfig.get_path("scripts"), os.path.dirname(sys.executable)]
    return list(dict.fromkeys(f for f in folders if f))


def render(source: str, program: str | None = None) -> Rendering:
    """SVG and PNG of the DOT ``source``, or the reason there are none."""
    program = program or find_dot()
    if program is None:
        return Rendering(problem=NOT_FOUND, hint=INSTALL_HINT)
    svg, failure = _run(program, source, "svg")
    if failure is not None:
        return failure
    png, failure = _run(program, source, "png")
    if failure is not None:
        return failure
    return Rendering(svg.decode("utf-8"), png)


def run(program: str, source: str, fmt: str) -> tuple[bytes | None, str | None]:
    """``program -Tfmt`` on ``source``: (output, None), or (None, what went wrong)."""
    data, failure = _run(program, source, fmt)
    return data, None if failure is None else failure.message


def _run(program: str, source: str, fmt: str) -> tuple[bytes | None, Rendering | None]:
    """``run``, with the failure as a ``Rendering`` that keeps problem and hint apart."""
    args = [program, f"-T{fmt}"] + ([f"-Gdpi={PNG_DPI}"] if fmt == "png" else [])
    try:
        done = subprocess.run(args, input=source.encode(), capture_output=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as exc:
        return None, Rendering(problem=f"{program} could not run ({exc})", hint=INSTALL_HINT)
    if done.returncode != 0 or not done.stdout:
        message = done.stderr.decode(errors="replace").strip().splitlines()[:1]
        return None, Rendering(problem=f"{program} failed: {' '.join(message) or done.returncode}")
    return done.stdout, None


def point_graphviz_package() -> str | None:
    """Make the Python ``graphviz`` package render with our ``find_dot()`` program.

    That package only runs a program named ``dot``; without a system Graphviz it
    raises ``ExecutableNotFound``. Pointing it at ``graphviz-pure`` makes
    ``Digraph`` objects of your own display too. Returns the program used.
    """
    import pathlib

    import graphviz.backend.dot_command

    program = find_dot()
    if program is not None:
        graphviz.backend.dot_command.DOT_BINARY = pathlib.Path(program)
    return program
