"""PyTorch's error texts, each with a note for learners.

``str(exc)`` is exactly PyTorch's message, so code that matches on it keeps
working; the learner help (why it happens, the usual fix, which chapter explains
it) travels as an exception note (``exc.add_note``), printed under the traceback.
"""

from __future__ import annotations

NOTES: dict[str, str] = {
    "implicit_scalar": (
        "backward() with no argument computes d(out)/d(leaves) and needs out to hold one number. "
        "Reduce first (out.sum().backward()) or pass the weights of each element: "
        "out.backward(torch.ones_like(out)). Chapter 04 explains this vector-Jacobian product."
    ),
    "no_grad_fn": (
        "Nothing recorded a graph for this tensor: it came from .item(), .numpy(), .detach(), a "
        "no_grad block, or only from tensors with requires_grad=False (frozen parameters?). "
        "Setting loss.requires_grad = True hides the error but nothing will learn. "
        "Chapters 01 and 07 explain."
    ),
    "second_backward": (
        "backward() frees the tensors each graph node saved for it. Pass retain_graph=True to the "
        "first call if you really need a second pass, or recompute the forward pass. "
        "Chapter 05 explains."
    ),
    "shape_mismatch": (
        "The gradient you pass holds d(something)/d(output) for each element of the output, so it "
        "must have exactly the output's shape. Chapter 04 explains."
    ),
    "non_leaf_requires_grad": (
        "Only leaf tensors (叶子节点: created by you, not by an operation) own their requires_grad "
        "flag; a result's flag follows from its inputs. Use .detach() to cut it from the graph. "
        "Chapter 01 explains."
    ),
    "int_requires_grad": (
        "Gradients need real numbers. Create the tensor with floats (torch.tensor([1., 2.])) or "
        "convert it: t.float(). Chapter 01 explains."
    ),
    "numpy_requires_grad": (
        "NumPy cannot record the graph, so minigrad refuses silently to drop it. "
        "Use t.detach().numpy(). Chapter 07 explains."
    ),
    "unused_input": (
        "This input does not reach the output through the graph, so its gradient is undefined. "
        "Check the input list, or pass allow_unused=True (None) or materialize_grads=True (zeros). "
        "Chapter 06 explains."
    ),
    "input_no_grad": (
        "autograd.grad can only differentiate with respect to tensors that require grad. "
        "Chapter 06 explains."
    ),
    "leaf_inplace": (
        "Changing a leaf that requires grad in place would corrupt the graph that uses it. "
        "Update parameters inside `with torch.no_grad():`. Chapter 07 explains."
    ),
    "version": (
        "A tensor that an operation saved for backward was changed in place afterwards, so the "
        "saved value is gone. Use the out-of-place op (x = x + 1, not x += 1) or clone() first. "
        "Chapter 09 explains."
    ),
    "module_init": (
        "Call super().__init__() first in your Module's __init__: it creates the registries "
        "(parameters, sub-modules, buffers) that assigning attributes fills."
    ),
    "empty_params": (
        "No parameters reached the optimizer. model.parameters() is a generator, empty once "
        "consumed (call it again); layers kept in a plain list are not registered (use "
        "nn.ModuleList), nor are plain tensors (wrap them in nn.Parameter)."
    ),
    "matmul_shapes": (
        "In A @ B each row of A meets each column of B, so A's last size must equal B's "
        "first (for batches, B's second-to-last): (n, m) @ (m, p) gives (n, p). Print both "
        ".shape; often one side needs a transpose (W.T, or .mT for a batch)."
    ),
}


def with_note(exc: BaseException, key: str) -> BaseException:
    """Attach the learner note ``key`` to ``exc`` and return it, ready to raise."""
    exc.add_note("minigrad: " + NOTES[key])
    return exc
