"""The course's figures, made by minigrad itself: ``python -m minigrad.viz.figures [FOLDER]``.

``make figures`` runs this into ``figures/``. Every file is byte-for-byte the same
on each run: graphs are rendered by the pinned ``graphviz-pure`` when it is
installed (the same binary, hence the same pixels, on every machine), and
matplotlib is told to write no dates, no version and a fixed SVG id salt.

* ``seed_graph``: the graph of ``out = (3*(x+2)**2).mean()`` after backward,
  with the gradients (``x.grad`` is 4.5 everywhere) and a legend;
* ``grad_tensors``: how ``z.backward(gradient=[[1., 0.]])`` with ``z = x.mm(y)``
  weights the rows of the Jacobian into ``x.grad = [[1, 3]]`` and
  ``y.grad = [[2, 0], [1, 0]]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import minigrad

from .dot import to_dot
from .render import find_dot, run

FOLDER = Path(__file__).resolve().parents[2] / "figures"
MATPLOTLIB_STYLE = {
    "svg.hashsalt": "minigrad",  # SVG ids from a fixed salt, not random ones
    "svg.fonttype": "path",  # glyphs as paths: no dependence on the reader's fonts
    "font.family": "DejaVu Sans",  # shipped with matplotlib
    "font.size": 11,
}
NO_METADATA = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
}


def seed_graph_dot() -> str:
    """The seed example after ``out.backward()``: DOT text with values and gradients."""
    x = minigrad.ones(2, 2, requires_grad=True)
    out = (3 * (x + 2) ** 2).mean()
    out.backward()
    return to_dot(out, params={"x": x, "out": out}, show_grad=True, legend=True)


def write_graph(source: str, stem: Path) -> list[Path]:
    """``stem.dot`` always; ``stem.svg`` and ``stem.png`` when Graphviz is there."""
    written = [stem.with_suffix(".dot")]
    written[0].write_text(source, encoding="utf-8")
    program = find_dot(prefer_pure=True)
    if program is None:
        print(f"no Graphviz: wrote only {written[0]}", file=sys.stderr)
        return written
    for fmt in ("svg", "png"):
        data, problem = run(program, source, fmt)
        if data is None:
            raise RuntimeError(problem)
        path = stem.with_suffix(f".{fmt}")
        path.write_bytes(data)
        written.append(path)
    return written


def mm_example() -> dict[str, np.ndarray]:
    """The numbers of the grad_tensors figure, each computed by minigrad's backward."""
    x = minigrad.tensor([[2.0, 1.0]], requires_grad=True)
    y = minigrad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    z = x.mm(y)
    rows = []
    for i in range(z.numel()):  # row i of the Jacobian: backward with a one-hot weight
        x.grad = y.grad = None
        onehot = minigrad.tensor(np.eye(z.numel())[i].reshape(z.shape), dtype=z.dtype)
        z.backward(onehot, retain_graph=True)
        rows.append(np.concatenate([x.grad.numpy().ravel(), y.grad.numpy().ravel()]))
    x.grad = y.grad = None
    weights = minigrad.tensor([[1.0, 0.0]])
    z.backward(weights)
    return {
        "z": z.detach().numpy().copy(),
        "weights": weights.numpy().ravel(),
        "jacobian": np.array(rows),
        "x_grad": x.grad.numpy().copy(),
        "y_grad": y.grad.numpy().copy(),
    }


def grad_tensors_figure(values: dict[str, np.ndarray]):  # -> matplotlib.figure.Figure
    """weights -> rows of the Jacobian -> their weighted sum, split into x.grad and y.grad."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 3.4))
    ax = fig.add_axes((0, 0, 1, 1), xlim=(0, 20), ylim=(0, 6.8))
    ax.set_axis_off()
    jac, weights = values["jacobian"], values["weights"]
    columns = ["x[0,0]", "x[0,1]", "y[0,0]", "y[0,1]", "y[1,0]", "y[1,1]"]
    rows = [f"z[0,{j}]" for j in range(len(weights))]
    ax.text(10, 6.3, "z = x.mm(y);  z.backward(gradient=[[1., 0.]])", ha="center", size=13)
    _matrix(ax, weights[:, None], left=1.2, top=4.6, title="gradient\n(weights)")
    for r, name in enumerate(rows):
        ax.text(0.9, 4.1 - r, name, ha="right", va="center")
    ax.text(2.8, 3.6, "×", ha="center", va="center", size=18)
    _matrix(ax, jac, left=3.6, top=4.6, title="Jacobian: row i = d z[0,i] / d inputs",
            column_names=columns, faded_rows=[r for r, w in enumerate(weights) if w == 0])
    ax.text(11.1, 3.6, "=", ha="center", va="center", size=18)
    _matrix(ax, (weights @ jac)[None, :], left=11.8, top=4.6, title="Σ weight × row",
            column_names=columns)
    _matrix(ax, values["x_grad"], left=12.0, top=1.8, title="x.grad", small=True)
    _matrix(ax, values["y_grad"], left=15.0, top=1.8, title="y.grad", small=True)
    for x in (12.8, 15.8):
        ax.annotate("", xy=(x, 2.35), xytext=(x, 3.1), arrowprops={"arrowstyle": "->"})
    ax.text(0.3, 0.9, "Each weight multiplies one row of the Jacobian;\nthe weighted sum, "
            "reshaped like each input,\nis what backward adds into .grad.", va="center", size=10)
    return fig


def _matrix(ax, values, left, top, title, column_names=(), faded_rows=(), small=False) -> None:
    """A grid of numbers, one unit per cell, its top-left corner at (left, top)."""
    from matplotlib.patches import Rectangle

    size = 0.8 if small else 1.0
    n_rows, n_cols = values.shape
    for r in range(n_rows):
        for c in range(n_cols):
            faded = r in faded_rows
            x0, y0 = left + c * size, top - (r + 1) * size
            face = "#eeeeee" if faded else "#dbe9f6"
            ax.add_patch(Rectangle((x0, y0), size, size, facecolor=face, edgecolor="#555555"))
            color = "#999999" if faded else "black"
            ax.text(x0 + size / 2, y0 + size / 2, f"{values[r, c]:g}", ha="center",
                    va="center", color=color)
    ax.text(left + n_cols * size / 2, top + 0.15, title, ha="center", va="bottom", size=10)
    for c, name in enumerate(column_names):
        ax.text(left + (c + 0.5) * size, top - n_rows * size - 0.1, name, ha="center",
                va="top", size=8, rotation=0)


def write_figure(fig, stem: Path) -> list[Path]:
    """PNG and SVG of a matplotlib figure, without anything that changes between runs."""
    written = []
    for fmt in ("png", "svg"):
        path = stem.with_suffix(f".{fmt}")
        fig.savefig(path, format=fmt, dpi=100, metadata=NO_METADATA[fmt])
        written.append(path)
    return written


def make_all(folder: Path = FOLDER) -> list[Path]:
    """Write every figure into ``folder``; returns the files written."""
    import matplotlib

    folder.mkdir(parents=True, exist_ok=True)
    written = write_graph(seed_graph_dot(), folder / "seed_graph")
    with matplotlib.rc_context(MATPLOTLIB_STYLE):
        written += write_figure(grad_tensors_figure(mm_example()), folder / "grad_tensors")
    return written


def main(argv: list[str]) -> None:
    for path in make_all(Path(argv[0]) if argv else FOLDER):
        print(path)


if __name__ == "__main__":
    main(sys.argv[1:])
