"""minigrad.viz: DOT text, labels, node kinds, big graphs, rendering with or without Graphviz."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import minigrad
from minigrad import viz
from minigrad.viz import render
from minigrad.viz.walk import KINDS

SANITIZER = Path(__file__).resolve().parent / "nbval_sanitize.cfg"

HEADER = (
    "digraph backward {\n"
    '  graph [label="backward graph: arrows follow grad_fn.next_functions, the way gradients '
    'flow", labelloc=b, fontsize=10, fontname="Helvetica"]\n'
    '  node [fontsize=11, fontname="Helvetica"]\n'
    '  edge [fontsize=9, fontname="Helvetica"]\n'
)

SEED_DOT = HEADER + r"""
  t0 [label="out\n()\n27.", shape=box, style=filled, fillcolor="darkolivegreen1"]
  n0 [label="MeanBackward0", shape=box, style="rounded,filled", fillcolor="lightgray"]
  n1 [label="MulBackward0", shape=box, style="rounded,filled", fillcolor="lightgray"]
  t1 [label="needs no grad\n() int64", shape=box, style=dashed, color="gray50", fontcolor="gray35"]
  n2 [label="PowBackward0", shape=box, style="rounded,filled", fillcolor="lightgray"]
  n3 [label="AddBackward0", shape=box, style="rounded,filled", fillcolor="lightgray"]
  t2 [label="needs no grad\n() int64", shape=box, style=dashed, color="gray50", fontcolor="gray35"]
  n4 [label="AccumulateGrad", shape=box, style="rounded,filled", fillcolor="lightsteelblue"]
  t3 [label="x\n(2, 2)\n[[1., 1.],\n [1., 1.]]", shape=box, style=filled, fillcolor="lightblue"]
  t0 -> n0
  n0 -> n1
  n1 -> n2
  n1 -> t1 [style=dashed, color="gray50"]
  n2 -> n3
  n3 -> n4
  n3 -> t2 [style=dashed, color="gray50"]
  n4 -> t3
}
""".lstrip("\n")

# Reuse: ``a`` feeds two nodes, so its AccumulateGrad has two incoming edges. Named by the
# caller's variables, the intermediate result ``c`` is drawn beside the node that made it.
REUSE_DOT = HEADER + r"""
  t0 [label="loss\n()\n14.", shape=box, style=filled, fillcolor="darkolivegreen1"]
  n0 [label="SumBackward0", shape=box, style="rounded,filled", fillcolor="lightgray"]
  n1 [label="AddBackward0", shape=box, style="rounded,filled", fillcolor="lightgray"]
  n2 [label="MulBackward0", shape=box, style="rounded,filled", fillcolor="lightgray"]
  n3 [label="AccumulateGrad", shape=box, style="rounded,filled", fillcolor="lightsteelblue"]
  t1 [label="a\n(2,)\n[1., 2.]", shape=box, style=filled, fillcolor="lightblue"]
  n4 [label="AccumulateGrad", shape=box, style="rounded,filled", fillcolor="lightsteelblue"]
  t2 [label="b\n(2,)\n[3., 4.]", shape=box, style=filled, fillcolor="lightblue"]
  t3 [label="c\n(2,)\n[3., 8.]", shape=box, style=filled, fillcolor="lightyellow"]
  t0 -> n0
  n0 -> n1
  n1 -> n2
  n1 -> n3
  n2 -> n3
  n2 -> n4
  n3 -> t1
  n4 -> t2
  t3 -> n2 [style=dashed, arrowhead=none]
}
""".lstrip("\n")


def seed():
    x = minigrad.ones(2, 2, requires_grad=True)
    out = (3 * (x + 2) ** 2).mean()
    return x, out


def test_golden_seed_graph():
    x, out = seed()
    assert viz.to_dot(out, params={"x": x, "out": out}) == SEED_DOT


def test_golden_reuse_graph_named_by_the_callers_variables():
    a = minigrad.tensor([1.0, 2.0], requires_grad=True)
    b = minigrad.tensor([3.0, 4.0], requires_grad=True)
    c = a * b
    loss = (c + a).sum()
    assert viz.to_dot(loss) == REUSE_DOT


def test_golden_single_leaf():
    w = minigrad.tensor([0.5], requires_grad=True)
    assert viz.to_dot(w) == HEADER + (
        '  t0 [label="w\\n(1,)\\n[0.5000]", shape=box, style=filled, fillcolor="darkolivegreen1"]\n'
        "}\n"
    )


def test_the_same_graph_gives_the_same_text_and_no_addresses():
    texts = {viz.to_dot(seed()[1], show_saved=True, legend=True) for _ in range(3)}
    assert len(texts) == 1
    (text,) = texts
    assert not re.search(r"0x[0-9a-f]{6,}", text)
    assert repr(viz.draw(seed()[1])) == viz.to_dot(seed()[1])


def test_draw_and_make_dot_are_to_dot_rendered():
    x, out = seed()
    assert viz.make_dot is viz.draw
    assert viz.draw(out, show_grad=True).source == viz.to_dot(out, show_grad=True)


def test_every_kind_is_drawn_and_the_legend_lists_them():
    x = minigrad.ones(2, requires_grad=True)
    frozen = minigrad.ones(2)
    y = x * frozen  # frozen needs no grad: a None edge
    out = y.sum()
    text = viz.to_dot(out, show_saved=True, legend=True)
    styles = {kind: f"fillcolor=\"{color}\"" for kind, color in [
        ("output", "darkolivegreen1"), ("result", "lightyellow"), ("fn", "lightgray"),
        ("accumulate", "lightsteelblue"), ("leaf", "lightblue"), ("saved", "orange")]}
    body = text.split("subgraph cluster_legend")[0]
    for kind, style in styles.items():
        assert style in body, kind
    assert "needs no grad\\n(2,)" in body
    legend = text.split("subgraph cluster_legend")[1]
    for kind, meaning in KINDS.items():
        assert f'legend_{kind} [label="{meaning}"' in legend
    assert "subgraph cluster_legend" not in viz.to_dot(out)


def test_caption_says_the_edges_are_the_backward_graph():
    assert 'label="backward graph: arrows follow grad_fn.next_functions' in viz.to_dot(seed()[1])


def test_show_data_threshold_true_and_false():
    small = minigrad.tensor([1.0, 2.0], requires_grad=True)
    big = minigrad.arange(10.0).requires_grad_()
    out = (small.sum() + big.sum())
    default = viz.to_dot(out)
    assert "small\\n(2,)\\n[1., 2.]" in default
    assert "big\\n(10,)\"" in default  # more than 6 elements: shape only
    assert "[0., 1., 2., 3., 4., 5., 6., 7., 8., 9.]" in viz.to_dot(out, show_data=True)
    assert "[1., 2.]" not in viz.to_dot(out, show_data=False)
    assert "[1., 2.]" not in viz.to_dot(out, show_data=1)


def test_dtype_is_shown_unless_it_is_the_default():
    x = minigrad.tensor([1.0, 2.0], dtype=minigrad.float64, requires_grad=True)
    assert "x\\n(2,) float64" in viz.to_dot((x * 2).sum())


def test_show_grad_before_and_after_backward():
    x, out = seed()
    assert "grad: None" in viz.to_dot(out, show_grad=True)
    assert "grad:" not in viz.to_dot(out)
    out.backward()
    assert "grad:\\n[[4.5000, 4.5000],\\n [4.5000, 4.5000]]" in viz.to_dot(out, show_grad=True)
    big = minigrad.zeros(10, requires_grad=True)
    (big * 2).sum().backward()
    assert "grad: (10,)" in viz.to_dot(big, show_grad=True)


def test_retained_grad_of_a_result_is_shown():
    x = minigrad.ones(2, requires_grad=True)
    y = x * 3
    y.retain_grad()
    y.sum().backward()
    assert 'y\\n(2,)\\n[3., 3.]\\ngrad:\\n[1., 1.]"' in viz.to_dot(y.sum(), show_grad=True)


def test_saved_tensors_and_freed_ones():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    text = viz.to_dot(y, show_saved=True)
    assert text.count("fillcolor=\"orange\"") == 2
    assert "_saved_other\\nx\\n(2,)\\n[1., 2.]" in text
    assert "_saved_self\\nx\\n(2,)\\n[1., 2.]" in text
    y.sum().backward()
    freed = viz.to_dot(y, show_saved=True)
    assert freed.count("(freed by backward())") == 2
    assert "_saved_self" in freed


def test_saved_tensor_modified_in_place_is_drawn_not_raised():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1
    y = a.exp()  # saves its result
    y._version_counter.value += 1  # what any in-place op on y does
    assert "(modified in place)" in viz.to_dot(y, show_saved=True)


def test_params_name_tensors_and_replace_the_callers_names():
    x, out = seed()
    text = viz.to_dot(out, params={"weight": x})
    assert "weight\\n(2, 2)" in text
    assert "out\\n" not in text  # with params, only params are named
    with pytest.raises(TypeError, match="params\\['w'\\] must be a Tensor"):
        viz.to_dot(out, params={"w": 3})


def test_several_names_for_one_tensor_choose_the_shortest_then_alphabetical():
    bravo = alpha = minigrad.ones(1, requires_grad=True)
    z = alpha
    text = viz.to_dot((bravo * 2).sum())
    assert '"z\\n(1,)' in text
    del z
    assert "alpha\\n(1,)" in viz.to_dot((bravo * 2).sum())


def test_underscore_names_are_ignored():
    _hidden = minigrad.ones(1, requires_grad=True)
    assert "needs no grad" in viz.to_dot((_hidden * 2).sum())
    assert "_hidden" not in viz.to_dot((_hidden * 2).sum())


def test_outputs_may_be_several_a_list_or_need_no_grad():
    x = minigrad.ones(2, requires_grad=True)
    a, b = x * 2, x + 1
    text = viz.to_dot([a, b])
    assert text == viz.to_dot(a, b)
    assert text.count('fillcolor="darkolivegreen1"') == 2
    assert text.count("AccumulateGrad") == 1  # both reach the one accumulator of x
    plain = minigrad.ones(3)
    assert '"plain\\n(3,)\\n[1., 1., 1.]"' in viz.to_dot(plain)
    with pytest.raises(TypeError, match="can only draw Tensors, but got int"):
        viz.to_dot(3)


def test_labels_with_quotes_and_backslashes_are_escaped():
    x = minigrad.ones(1, requires_grad=True)
    text = viz.to_dot(x, params={'say "hi" \\': x})
    assert 'say \\"hi\\" \\\\' in text


def test_a_2000_node_graph_draws_without_recursion():
    x = minigrad.ones(1, requires_grad=True)
    y = x
    for _ in range(2000):
        y = y * 1.0001
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # any recursion over the graph would fail now
    try:
        text = viz.to_dot(y, show_saved=True)
    finally:
        sys.setrecursionlimit(limit)
    assert text.count("MulBackward0") == 2000
    assert "n2000 -> t" in text  # the AccumulateGrad of x is the last node met


# --- rendering -------------------------------------------------------------------------------


def sanitize(text: str) -> str:
    """What nbval does to a compared string with the repo's sanitizer (re.sub, in order)."""
    rules = re.findall("^regex: (.*)$\n^replace: (.*)$", SANITIZER.read_text(), flags=re.M)
    for regex, replace in rules:
        text = re.sub(regex, replace, text)
    return text


needs_dot = pytest.mark.skipif(render.find_dot() is None, reason="no Graphviz on this machine")


@needs_dot
def test_bundle_has_svg_png_and_the_dot_text():
    graph = viz.draw(seed()[1])
    bundle = graph._repr_mimebundle_()
    assert set(bundle) == {"image/svg+xml", "image/png", "text/plain"}
    assert bundle["text/plain"] == graph.source
    svg = bundle["image/svg+xml"]
    assert svg.startswith("<?xml") and "<!-- Generated by graphviz" in svg
    assert sanitize(svg) == "<graphviz svg>"  # masked for nbval: it varies between builds
    import base64

    png = base64.b64decode(bundle["image/png"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert viz.draw(seed()[1]).png() == png  # same graph, same pixels


@needs_dot
def test_ipython_shows_the_three_representations():
    formatters = pytest.importorskip("IPython.core.formatters")
    data, _ = formatters.DisplayFormatter().format(viz.draw(seed()[1]))
    assert {"image/svg+xml", "image/png", "text/plain"} <= set(data)


def without_system_dot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))


def test_falls_back_to_graphviz_pure_without_dot_on_path(monkeypatch, tmp_path):
    if render.pure_binary() is None:
        pytest.skip("graphviz-pure is not installed")
    without_system_dot(monkeypatch, tmp_path)
    assert render.find_dot() == render.pure_binary()
    svg = viz.draw(seed()[1]).svg()
    assert svg is not None and "graphviz-pure" in svg


def test_without_any_graphviz_the_text_and_a_hint_are_shown(monkeypatch, tmp_path):
    without_system_dot(monkeypatch, tmp_path)
    monkeypatch.setattr(render, "scripts_folders", lambda: [str(tmp_path)])
    assert render.find_dot() is None
    graph = viz.draw(seed()[1])
    bundle = graph._repr_mimebundle_()
    assert set(bundle) == {"text/plain"}
    hint, dot = bundle["text/plain"].split("\n", 1)
    assert hint.startswith("// Graphviz's dot was not found, so this is the graph's DOT text. ")
    for tool in ("pip install graphviz-pure", "apt install", "brew install", "conda install",
                 "winget install"):
        assert tool in hint
    assert dot == graph.source
    with pytest.raises(RuntimeError, match="not found"):
        graph.save(tmp_path / "g.png")
    assert graph.save(tmp_path / "g.dot").read_text() == graph.source


def test_a_failing_dot_program_is_reported_not_raised(tmp_path):
    broken = tmp_path / "dot"
    broken.write_text("#!/bin/sh\necho 'Error: something broke' >&2\nexit 1\n")
    broken.chmod(0o755)
    shown = render.render("digraph { a }", program=str(broken))
    assert shown.svg is None and shown.problem == f"{broken} failed: Error: something broke"
    missing = render.render("digraph { a }", program=str(tmp_path / "nothing"))
    assert missing.svg is None and "could not run" in missing.problem
    assert missing.hint == render.INSTALL_HINT
    # A dot that exists but fails is not "not found"; the note still says what the text is.
    graph = viz.GraphImage("digraph { a }")
    graph._rendering = shown
    assert graph._repr_mimebundle_()["text/plain"] == (
        f"// {broken} failed: Error: something broke, so this is the graph's DOT text.\n"
        "digraph { a }"
    )
    graph._rendering = missing
    note = graph._repr_mimebundle_()["text/plain"].splitlines()[0]
    assert "not found" not in note and note.endswith(render.INSTALL_HINT)
    with pytest.raises(RuntimeError, match="could not run .*To see the picture: pip install"):
        graph.save(tmp_path / "g.svg")


@needs_dot
def test_save_writes_each_format(tmp_path):
    graph = viz.draw(seed()[1])
    assert graph.save(tmp_path / "g.svg").read_text().startswith("<?xml")
    assert graph.save(tmp_path / "g.png").read_bytes().startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="cannot save a graph as '.jpg'"):
        graph.save(tmp_path / "g.jpg")


@needs_dot
def test_to_graphviz_renders_with_the_program_found(monkeypatch, tmp_path):
    pytest.importorskip("graphviz")
    if render.pure_binary() is None:
        pytest.skip("graphviz-pure is not installed")
    import graphviz.backend.dot_command as dot_command

    monkeypatch.setattr(dot_command, "DOT_BINARY", dot_command.DOT_BINARY)
    without_system_dot(monkeypatch, tmp_path)
    source = viz.draw(seed()[1]).to_graphviz()
    assert source.pipe(format="svg").startswith(b"<?xml")


def test_minigrad_viz_loads_on_first_use_without_graphviz_or_matplotlib():
    import subprocess

    code = "import sys, minigrad; assert 'minigrad.viz' not in sys.modules; minigrad.viz.draw; "
    code += "print(sorted({'graphviz', 'matplotlib', 'IPython', 'ipywidgets'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# --- figures ---------------------------------------------------------------------------------


def test_grad_tensors_figure_numbers_come_from_minigrads_backward():
    from minigrad.viz import figures

    values = figures.mm_example()
    assert values["z"].tolist() == [[5.0, 8.0]]
    assert values["x_grad"].tolist() == [[1.0, 3.0]]  # PyTorch prints the same
    assert values["y_grad"].tolist() == [[2.0, 0.0], [1.0, 0.0]]
    weighted = values["weights"] @ values["jacobian"]
    assert weighted.tolist() == [*values["x_grad"].ravel(), *values["y_grad"].ravel()]


def test_figures_are_byte_stable_and_the_committed_ones_are_current(tmp_path):
    pytest.importorskip("matplotlib")
    from minigrad.viz import figures

    first = figures.make_all(tmp_path / "first")
    second = figures.make_all(tmp_path / "second")
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name
    committed = {p.name: p for p in figures.FOLDER.iterdir()}
    assert {p.name for p in first} <= set(committed), "run `make figures` and commit figures/"
    fresh = {p.name: p for p in first}
    assert fresh["seed_graph.dot"].read_text() == committed["seed_graph.dot"].read_text()
    if render.pure_binary() is not None:  # the pinned renderer: the same bytes on any machine
        for name in ("seed_graph.svg", "seed_graph.png"):
            assert fresh[name].read_bytes() == committed[name].read_bytes(), name
