"""minigrad.viz.step_through: frames that are the real engine's run, and change nothing of yours."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from conftest import graph_nodes

import minigrad
from minigrad import viz
from minigrad.autograd.graph import AccumulateGrad
from minigrad.viz import render

needs_dot = pytest.mark.skipif(render.find_dot() is None, reason="no Graphviz on this machine")


def engine_order(output: minigrad.Tensor, gradient=None) -> list:
    """The order the engine runs the nodes, observed with pre-hooks of this test's own."""
    seen, nodes = [], graph_nodes(output.grad_fn)
    handles = [n.register_prehook(lambda g, n=n: seen.append(n)) for n in nodes]
    leaves = [n.variable for n in nodes if isinstance(n, AccumulateGrad)]
    grads = [leaf.grad for leaf in leaves]
    output.backward(gradient, retain_graph=True)
    for leaf, grad in zip(leaves, grads):
        leaf.grad = grad
    for handle in handles:
        handle.remove()
    return seen


def seed():
    x = minigrad.ones(2, 2, requires_grad=True)
    out = (3 * (x + 2) ** 2).mean()
    return x, out


def test_seed_frames_follow_the_engine_and_end_with_x_grad_4_5():
    x, out = seed()
    steps = viz.step_through(out, params={"x": x, "out": out})
    assert [s.node for s in steps.steps] == engine_order(out)
    assert len(steps) == 5
    assert [frame.text.splitlines()[0] for frame in steps.frames] == [
        "step 1/5: MeanBackward0",
        "step 2/5: MulBackward0",
        "step 3/5: PowBackward0",
        "step 4/5: AddBackward0",
        "step 5/5: AccumulateGrad (x)",
    ]
    last = steps.frames[-1]
    assert "x.grad is now tensor([[4.5000, 4.5000], [4.5000, 4.5000]])" in last.text
    assert "grad:\\n[[4.5000, 4.5000],\\n [4.5000, 4.5000]]" in last.source
    assert "grad: None" in steps.frames[0].source  # nothing accumulated yet


def test_each_frames_gradients_are_the_engines():
    x, out = seed()
    y = x + 2
    out = (3 * y**2).mean()
    steps = viz.step_through(out)
    (d_y,) = minigrad.autograd.grad(out, y, retain_graph=True)
    add_step = steps.steps[3]
    assert add_step.node is y.grad_fn
    np.testing.assert_allclose(add_step.received[0].numpy(), d_y.numpy())
    np.testing.assert_allclose(add_step.sent[0].numpy(), np.full((2, 2), 4.5))
    assert add_step.sent[1] is None  # the 2 needs no grad
    assert steps.frames[0].text == "\n".join([
        "step 1/5: MeanBackward0",
        "  receives tensor(1.)",
        "  sends tensor([[0.2500, 0.2500], [0.2500, 0.2500]]) to MulBackward0",
    ])
    assert steps.frames[2].text == "\n".join([
        "step 3/5: PowBackward0",
        "  receives tensor([[0.7500, 0.7500], [0.7500, 0.7500]])",
        "  sends tensor([[4.5000, 4.5000], [4.5000, 4.5000]]) to AddBackward0",
    ])


def test_the_users_grads_and_graph_are_left_as_they_were():
    x, out = seed()
    earlier = minigrad.ones(2, 2)
    x.grad = earlier
    steps = viz.step_through(out)
    assert "x.grad is now tensor([[5.5000, 5.5000], [5.5000, 5.5000]])" in steps.frames[-1].text
    assert x.grad is earlier and earlier.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    out.backward()  # the graph was retained, and this is the first real accumulation
    assert x.grad.tolist() == [[5.5, 5.5], [5.5, 5.5]]
    assert not any(n._pre_hooks or n._post_hooks for n in graph_nodes(out.grad_fn))


def test_retained_grads_of_results_are_put_back():
    x = minigrad.ones(2, requires_grad=True)
    y = x * 2
    y.retain_grad()
    viz.step_through(y.sum())
    assert y.grad is None


def test_gradients_meeting_at_a_reused_node_add_up():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    out = y.sum()
    steps = viz.step_through(out)
    assert [s.node for s in steps.steps] == engine_order(out)
    last = steps.frames[-1]
    assert last.text == "\n".join([
        "step 3/3: AccumulateGrad (x)",
        "  receives tensor([1., 2.]) + tensor([1., 2.]) = tensor([2., 4.])",
        "  x.grad is now tensor([2., 4.])",
    ])
    assert "receives the sum:\\n[2., 4.]" in last.source
    assert last.source.count('color="red", fontcolor="red"') == 2  # both edges into it


def test_order_on_a_diamond_is_the_engines():
    a = minigrad.tensor([1.0, 2.0], requires_grad=True)
    b = a * 3
    c = a.exp()
    d = (b * c + b.sin()).sum()
    steps = viz.step_through(d)
    assert [s.node for s in steps.steps] == engine_order(d)
    assert len(steps) == len(graph_nodes(d.grad_fn))


def test_non_scalar_output_takes_a_gradient_as_backward_does():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    steps = viz.step_through(y, minigrad.tensor([1.0, 0.0]))
    assert "x.grad is now tensor([3., 0.])" in steps.frames[-1].text
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
        viz.step_through(y)


def test_frames_are_deterministic():
    texts = []
    for _ in range(2):
        x, out = seed()
        steps = viz.step_through(out)
        texts.append([(f.text, f.source) for f in steps.frames])
    assert texts[0] == texts[1]
    assert repr(steps) == "\n".join(f.text for f in steps.frames)


@needs_dot
def test_every_frame_has_png_svg_and_its_text():
    x, out = seed()
    for frame in viz.step_through(out).frames:
        bundle = frame._repr_mimebundle_()
        assert set(bundle) == {"image/svg+xml", "image/png", "text/plain"}
        assert bundle["text/plain"] == frame.text


def displayed(obj, monkeypatch) -> list:
    """What ``obj._ipython_display_()`` passes to IPython's ``display``."""
    display_module = pytest.importorskip("IPython.display")
    shown = []
    monkeypatch.setattr(display_module, "display", lambda item, **kwargs: shown.append(item))
    obj._ipython_display_()
    return shown


@needs_dot
def test_static_by_default_every_frame_is_displayed(monkeypatch):
    x, out = seed()
    steps = viz.step_through(out)
    assert displayed(steps, monkeypatch) == steps.frames


def test_interactive_shows_a_slider_widget(monkeypatch):
    widgets = pytest.importorskip("ipywidgets")
    x, out = seed()
    steps = viz.step_through(out, interactive=True)
    shown = displayed(steps, monkeypatch)  # the first frame (inside the widget), the widget
    first, box = shown
    assert isinstance(box, widgets.VBox) and first is steps.frames[0]
    buttons, _ = box.children
    back, slider, forward = buttons.children
    assert (slider.min, slider.max, slider.value) == (1, 5, 1)
    forward.click()
    forward.click()
    back.click()
    assert slider.value == 2 and shown[-1] is steps.frames[1]
    back.click()
    back.click()  # stays at the first step
    assert slider.value == 1 and shown[-1] is steps.frames[0]


@needs_dot
def test_interactive_without_ipywidgets_falls_back_to_frames(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import ipywidgets -> ImportError
    x, out = seed()
    steps = viz.step_through(out, interactive=True)
    assert displayed(steps, monkeypatch) == steps.frames
    assert "ipywidgets is not installed" in capsys.readouterr().out


def test_without_graphviz_the_steps_are_text_and_the_hint_is_said_once(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(render, "scripts_folders", lambda: [str(tmp_path)])
    assert render.find_dot() is None
    x, out = seed()
    steps = viz.step_through(out)
    first = steps.frames[0]._repr_mimebundle_()
    assert set(first) == {"text/plain"}
    note, text = first["text/plain"].split("\n", 1)
    # the note says what the text is: the step in words, not the graph's DOT text
    assert note.startswith("// Graphviz's dot was not found, so each step is shown as text. ")
    assert "DOT" not in note and "pip install graphviz-pure" in note
    assert text == steps.frames[0].text
    shown = displayed(steps, monkeypatch)
    assert shown[0] is steps.frames[0]  # with the note
    assert shown[1:] == [{"text/plain": f.text} for f in steps.frames[1:]]  # without it


class Twice(minigrad.autograd.Function):
    """A node with two outputs: (2x, 3x)."""

    @staticmethod
    def forward(ctx, x):
        return x * 2, x * 3

    @staticmethod
    def backward(ctx, grad_double, grad_triple):
        return grad_double * 2 + grad_triple * 3


def test_a_node_with_two_outputs_sums_per_output():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    double, triple = Twice.apply(x)
    out = (double * triple + double).sum()
    steps = viz.step_through(out)
    assert [s.node for s in steps.steps] == engine_order(out)
    (frame,) = [f for f in steps.frames if "TwiceBackward" in f.text.splitlines()[0]]
    assert frame.text.splitlines()[1:3] == [
        "  receives on output 0 tensor([1., 1.]) + tensor([3., 6.]) = tensor([4., 7.])",
        "  receives on output 1 tensor([2., 4.])",
    ]
    assert "output 0 receives the sum:\\n[4., 7.]" in frame.source
    assert 'label="output 1:\\n[2., 4.]"' in frame.source
    out.backward()
    assert steps.frames[-1].text.endswith(f"x.grad is now {x.grad!r}")


def test_a_leaf_or_a_tensor_without_grad_has_nothing_to_step_through():
    x = minigrad.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="this tensor is a leaf"):
        viz.step_through(x, minigrad.ones(2))
    assert x.grad is None
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        viz.step_through(minigrad.ones(()))


def test_a_freed_graph_raises_backwards_error_and_changes_nothing():
    x, out = seed()
    out.backward()
    before = x.grad.tolist()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        viz.step_through(out)
    assert x.grad.tolist() == before
    assert not any(n._pre_hooks or n._post_hooks for n in graph_nodes(out.grad_fn))
