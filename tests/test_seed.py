"""The seed tutorial (reference §13), run as written, prints what PyTorch 2.13 printed.

The statements run one after the other in a single namespace, as in a notebook;
``import minigrad as torch`` is the only change. Memory addresses are masked.
"""

from __future__ import annotations

import contextlib
import io

import pytest
from torch_parity import masked

import minigrad

# (code, what PyTorch printed): copied from the reference, including its odd spacing.
SEED = [
    (
        "x = torch.ones(2,2,requires_grad=True); print(x); y = x+2; print(y); print(x.grad_fn); "
        "print(y.grad_fn)",
        "tensor([[1., 1.],\n"
        "        [1., 1.]], requires_grad=True)\n"
        "tensor([[3., 3.],\n"
        "        [3., 3.]], grad_fn=<AddBackward0>)\n"
        "None\n"
        "<AddBackward0 object at 0x7f4c580a1ea0>\n",
    ),
    (
        "z = y*y*3; out = z.mean(); print(z,out)",
        "tensor([[27., 27.],\n"
        "        [27., 27.]], grad_fn=<MulBackward0>) tensor(27., grad_fn=<MeanBackward0>)\n",
    ),
    (
        "a = torch.rand(2,2); a = ((a*3)/(a-1)); print(a.requires_grad); a.requires_grad = True; "
        "b = (a*a).sum(); print(b.grad_fn)",
        "False\n<SumBackward0 object at 0x7f4c79444640>\n",
    ),
    (
        "out.backward(); print(x.grad)",
        "tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])\n",
    ),
    (
        "x = torch.ones(2, requires_grad=True); z = x+2; z.backward()  # error",
        "RuntimeError: grad can be implicitly created only for scalar outputs\n",
    ),
    (
        "x = torch.ones(2, requires_grad=True); z = x+2; z.sum().backward(); print(x.grad)",
        "tensor([1., 1.])\n",
    ),
    (
        "x = torch.ones(2,requires_grad=True); z = x+2; z.backward(torch.ones_like(z)); "
        "print(x.grad)",
        "tensor([1., 1.])\n",
    ),
    (
        "x = torch.tensor([[2.,1.]], requires_grad=True); "
        "y = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True); z = torch.mm(x, y); "
        'print(f"z:{z}"); z.backward(torch.Tensor([[1., 0]]), retain_graph=True); '
        'print(f"x.grad: {x.grad}"); print(f"y.grad: {y.grad}")',
        # The continuation line is indented for "tensor(", not for the "y.grad: " prefix.
        "z:tensor([[5., 8.]], grad_fn=<MmBackward0>)\n"
        "x.grad: tensor([[1., 3.]])\n"
        "y.grad: tensor([[2., 0.],\n"
        "        [1., 0.]])\n",
    ),
    (
        "print(x.requires_grad); print((x ** 2).requires_grad)",
        "True\nTrue\n",
    ),
    (
        "with torch.no_grad(): print((x ** 2).requires_grad)",
        "False\n",
    ),
]


def run(code: str, namespace: dict) -> str:
    """What ``code`` prints; an exception shows as the last line of its traceback."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            exec(code, namespace)
        except Exception as exc:  # noqa: BLE001 - the tutorial shows the error it raises
            print(f"{type(exc).__name__}: {exc}")
    return out.getvalue()


@pytest.mark.parametrize("library", ["minigrad", "torch"])
def test_the_seed_tutorial_prints_what_pytorch_printed(library):
    # Run with torch too (where installed): the table above is then checked as well.
    namespace = {"torch": minigrad if library == "minigrad" else pytest.importorskip("torch")}
    for step, (code, expected) in enumerate(SEED, 1):
        assert masked(run(code, namespace)) == masked(expected), f"step {step}: {code}"
