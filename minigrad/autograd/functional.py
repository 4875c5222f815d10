"""``minigrad.autograd.functional``: Jacobians, Hessians and their products with vectors.

Everything here is built from one primitive, ``autograd.grad``, which computes a
vector-Jacobian product ``vᵀJ`` (向量-雅可比积):

* ``vjp(f, x, v)``: one call of ``grad`` with ``grad_outputs=v``.
* ``jacobian(f, x)``: one ``vjp`` per output element, with ``v`` a one-hot vector:
  each call gives one row of ``J``.
* ``jvp(f, x, v)`` (``Jv``, forward mode): the *double-backward trick*. ``g(u) = uᵀJ``
  is linear in ``u``, so differentiating ``g(u)·v`` with respect to ``u`` gives ``Jv``.
* ``hessian``, ``vhp``, ``hvp``: the same ideas applied to the gradient function.

Signatures, return structures (a tensor for a tensor, a tuple for a tuple) and
error texts are PyTorch's. Inputs are detached copies, so ``f`` never writes into
your tensors' ``.grad``; the results have no graph unless ``create_graph=True``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .api import grad
from .grad_mode import enable_grad, is_grad_enabled, set_grad_enabled

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]

Tensors = "Tensor | tuple[Tensor, ...]"


# --- tuples in, tuples out ---------------------------------------------------------------------
def _as_tuple(value: Any, arg_name: str, fn_name: str) -> tuple[bool, tuple[Tensor, ...]]:
    """``(was it a tuple?, the tensors as a tuple)``, with PyTorch's TypeError otherwise."""
    from .._tensor import Tensor

    is_tuple = isinstance(value, tuple)
    values = value if is_tuple else (value,)
    for i, v in enumerate(values):
        if not isinstance(v, Tensor):
            where = f"value at index {i}" if is_tuple else f"given {arg_name}"
            raise TypeError(
                f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors "
                f"but the {where} has type {type(v)}."
            )
    return is_tuple, values


def _unpack(result: tuple, is_tuple: bool | tuple[bool, bool]) -> Any:
    """Undo ``_as_tuple``: a tensor for a tensor, a tuple for a tuple (per level if nested)."""
    if isinstance(is_tuple, tuple):
        outer, inner = is_tuple
        if not inner:
            result = tuple(r[0] for r in result)
        return result if outer else result[0]
    return result if is_tuple else result[0]


def _prepare(tensors: tuple[Tensor, ...], create_graph: bool, need_graph: bool) -> tuple:
    """New tensor objects for the inputs: graph roots, or views when the user wants a graph."""
    return tuple(
        t.view(t.shape)
        if create_graph and t.requires_grad
        else t.detach().requires_grad_(need_graph)
        for t in tensors
    )


def _finish(tensors: tuple, create_graph: bool) -> tuple:
    """Drop the graph from results unless ``create_graph`` asked for it (nested tuples too)."""
    from .._tensor import Tensor

    if tensors and not isinstance(tensors[0], Tensor):
        return tuple(_finish(t, create_graph) for t in tensors)
    return tensors if create_graph else tuple(t.detach() for t in tensors)


def _returned(tensors: tuple, is_tuple: bool | tuple[bool, bool], create_graph: bool) -> Any:
    """What the user gets back: ``_finish``ed, and shaped by ``_unpack`` like what was given."""
    return _unpack(_finish(tensors, create_graph), is_tuple)


def _inputs(inputs: Tensors, create_graph: bool, fn_name: str) -> tuple[bool, tuple]:
    """The user's inputs, checked and ``_prepare``d: ``(was it a tuple?, new tensors)``."""
    is_tuple, inputs = _as_tuple(inputs, "inputs", fn_name)
    return is_tuple, _prepare(inputs, create_graph, need_graph=True)


def _call(func: Callable, inputs: tuple, strict: bool, fn_name: str) -> tuple[bool, tuple]:
    """``func(*inputs)``, checked: ``(was it a tuple?, the outputs as a tuple)``."""
    is_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", fn_name)
    _check_outputs(outputs, strict)
    return is_tuple, outputs


def _call_scalar(func: Callable, inputs: tuple, strict: bool, fn_name: str) -> Tensor:
    """``func(*inputs)``, which must be a single one-element Tensor (hessian, vhp, hvp)."""
    is_tuple, outputs = _call(func, inputs, strict, fn_name)
    if is_tuple:
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(
            f"The Tensor returned by the function given to {fn_name} should contain a single "
            "element"
        )
    return outputs[0]


def _validate_v(v: tuple, other: tuple, is_other_tuple: bool) -> None:
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(
                f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}."
            )
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (el_v, el_other) in enumerate(zip(v, other)):
        if el_v.shape != el_other.shape:
            prefix = f"Entry {i} in " if is_other_tuple else ""
            raise RuntimeError(
                f"{prefix}v has invalid size: should be {el_other.shape} but got {el_v.shape}."
            )


def _check_outputs(outputs: tuple, strict: bool) -> None:
    """In strict mode every output must depend on the inputs through the graph."""
    for i, out in enumerate(outputs):
        if strict and not out.requires_grad:
            raise RuntimeError(
                f"Output {i} of the user-provided function does not require gradients. The "
                "outputs must be computed in a differentiable manner from the input when "
                "running in strict mode."
            )


def _check_graph(tensors: tuple, strict: bool, what: str) -> None:
    """In strict mode, gradients used again must themselves depend on the inputs."""
    for i, t in enumerate(tensors):
        if not strict:
            return
        if t is None:
            raise RuntimeError(
                f"The output of the user-provided function is independent of input {i}. This is "
                "not allowed in strict mode."
            )
        if not t.requires_grad:
            raise RuntimeError(STRICT_GRAPH_ERRORS[what].format(i=i))


STRICT_GRAPH_ERRORS = {
    "grad_inputs": (
        "The gradient with respect to input {i} is independent of the inputs of the "
        "user-provided function. This is not allowed in strict mode."
    ),
    "jacobian": (
        "While computing the hessian, found that the jacobian of the user-provided function "
        "with respect to input {i} is independent of the input. This is not allowed in strict "
        "mode. You should ensure that your function is twice differentiable and that the "
        "jacobian depends on the inputs (this would be violated by a linear function for "
        "example)."
    ),
    "hessian": (
        "The hessian of the user-provided function with respect to input {i} is independent of "
        "the input. This is not allowed in strict mode. You should ensure that your function is "
        "thrice differentiable and that the hessian depends on the inputs."
    ),
}


def _grad(outputs: tuple, inputs: tuple, grad_outputs: tuple | None = None, **kwargs: Any) -> tuple:
    """``autograd.grad`` that skips outputs without a graph and gives None for unused inputs."""
    grad_outputs = grad_outputs or (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    outs, grads = zip(*pairs)
    return grad(outs, inputs, grads, allow_unused=True, **kwargs)


def _last_grad(
    outputs: tuple, inputs: tuple, v: tuple | None, strict: bool, create_graph: bool, stage: str
) -> tuple:
    """The final ``grad`` call of a product, zeros filled in for inputs it does not reach.

    It records a graph only when the user asked (``create_graph``) or when grad mode
    is on where the user called us, as PyTorch does.
    """
    with set_grad_enabled(create_graph or is_grad_enabled()):
        grads = _grad(outputs, inputs, v, create_graph=create_graph)
        return _fill_in_zeros(grads, inputs, strict, create_graph, stage)


def _fill_in_zeros(
    grads: tuple, refs: tuple, strict: bool, create_graph: bool, stage: str
) -> tuple:
    """Zeros where an input was not used (the right value), or strict mode's error."""
    from .._creation import zeros_like

    result = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(STRICT_UNUSED_ERRORS[stage].format(i=i))
            g = zeros_like(refs[i])
        elif strict and create_graph and not g.requires_grad:
            which = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(
                f"The {which} of the user-provided function is independent of input {i}. This is "
                "not allowed in strict mode when create_graph=True."
            )
        result.append(g)
    return tuple(result)


STRICT_UNUSED_ERRORS = {
    "back": (
        "The output of the user-provided function is independent of input {i}. This is not "
        "allowed in strict mode."
    ),
    "back_trick": (
        "The gradient with respect to the input is independent of entry {i} in the grad_outputs "
        "when using the double backward trick to compute forward mode gradients. This is not "
        "allowed in strict mode."
    ),
    "double_back": (
        "The jacobian of the user-provided function is independent of input {i}. This is not "
        "allowed in strict mode."
    ),
    "double_back_trick": (
        "The hessian of the user-provided function is independent of entry {i} in the "
        "grad_jacobian. This is not allowed in strict mode as it prevents from using the double "
        "backward trick to replace forward mode AD."
    ),
}


def _vector(
    v: Any, reference: tuple, is_ref_tuple: bool, fn_name: str, create_graph: bool, missing: str
) -> tuple | None:
    """The user's ``v`` as a checked tuple; None only allowed for a single one-element reference."""
    if v is None:
        if len(reference) != 1 or reference[0].numel() != 1:
            raise RuntimeError(missing)
        return None
    _, v = _as_tuple(v, "v", fn_name)
    v = _prepare(v, create_graph, need_graph=False)
    _validate_v(v, reference, is_ref_tuple)
    return v


V_NONE_FOR_OUTPUT = (
    "The vector v can only be None if the user-provided function returns a single Tensor with a "
    "single element."
)
V_NONE_FOR_INPUT = (
    "The vector v can only be None if the input to the user-provided function is a single Tensor "
    "with a single element."
)


# --- products with a vector ----------------------------------------------------------------------
def vjp(
    func: Callable[..., Tensors],
    inputs: Tensors,
    v: Tensors | None = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Tensors, Tensors]:
    """``(func(inputs), vᵀJ)``: the vector-Jacobian product, shaped like the inputs."""
    with enable_grad():
        is_inputs_tuple, inputs = _inputs(inputs, create_graph, "vjp")
        is_outputs_tuple, outputs = _call(func, inputs, strict, "vjp")
        v = _vector(v, outputs, is_outputs_tuple, "vjp", create_graph, V_NONE_FOR_OUTPUT)
    result = _last_grad(outputs, inputs, v, strict, create_graph, "back")
    return (
        _returned(outputs, is_outputs_tuple, create_graph),
        _returned(result, is_inputs_tuple, create_graph),
    )


def jvp(
    func: Callable[..., Tensors],
    inputs: Tensors,
    v: Tensors | None = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Tensors, Tensors]:
    """``(func(inputs), Jv)``: the Jacobian-vector product, shaped like the outputs.

    By the double-backward trick: ``u ↦ uᵀJ`` is linear, so its vector-Jacobian
    product with ``v`` is ``Jv``. The dummy ``u`` (zeros) never shows in the result.
    """
    from .._creation import zeros_like

    with enable_grad():
        is_inputs_tuple, inputs = _inputs(inputs, create_graph, "jvp")
        v = _vector(v, inputs, is_inputs_tuple, "jvp", create_graph, V_NONE_FOR_INPUT)
        is_outputs_tuple, outputs = _call(func, inputs, strict, "jvp")
        u = tuple(zeros_like(out, requires_grad=True) for out in outputs)
        u_j = _grad(outputs, inputs, u, create_graph=True)
        _check_graph(u_j, strict, "grad_inputs")
    result = _last_grad(u_j, u, v, strict, create_graph, "back_trick")
    return (
        _returned(outputs, is_outputs_tuple, create_graph),
        _returned(result, is_outputs_tuple, create_graph),
    )


# --- whole Jacobians and Hessians ---------------------------------------------------------------
def jacobian(
    func: Callable[..., Tensors],
    inputs: Tensors,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    """The Jacobian, one row per output element (one ``vjp`` each).

    Its shape is ``output.shape + input.shape``; a tuple per input and/or per output
    when those were tuples. minigrad has no vmap, so ``vectorize=True`` computes the
    same rows one by one; with it, ``strategy="forward-mode"`` builds the Jacobian
    column by column from ``jvp`` (the double-backward trick) instead.
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(
            'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
            'function has more outputs than inputs, "forward-mode" tends to be more performant. '
            'Otherwise, prefer to use "reverse-mode".'
        )
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError(
            "Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
            "only implemented for `vectorize=True`."
        )
    if strategy == "forward-mode" and create_graph:
        raise NotImplementedError(
            "torch.autograd.functional.jacobian: `create_graph=True` and "
            '`strategy="forward-mode"` are not supported together (yet). Please either set '
            '`create_graph=False` or `strategy="reverse-mode"`.'
        )
    if vectorize and strict:
        raise RuntimeError(
            "torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
            "supported together. Please either set `strict=False` or `vectorize=False`."
        )
    with enable_grad():
        is_inputs_tuple, inputs = _inputs(inputs, create_graph, "jacobian")
        is_outputs_tuple, outputs = _call(func, inputs, strict, "jacobian")
        if strategy == "forward-mode":
            blocks = _jacobian_by_columns(func, inputs, outputs, strict)
        else:
            blocks = tuple(
                _jacobian_rows(out, i, inputs, create_graph, strict)
                for i, out in enumerate(outputs)
            )
    return _returned(blocks, (is_outputs_tuple, is_inputs_tuple), create_graph)


def _jacobian_rows(out: Tensor, i: int, inputs: tuple, create_graph: bool, strict: bool) -> tuple:
    """d(out)/d(input) for every input: row ``j`` is the gradient of ``out.reshape(-1)[j]``."""
    from .._creation import zeros_like
    from ..ops.joining import stack

    rows: list[list[Tensor]] = [[] for _ in inputs]
    flat = out.reshape(-1)
    for j in range(out.numel()):
        grads = _grad((flat[j],), inputs, retain_graph=True, create_graph=create_graph)
        for k, (g, inp) in enumerate(zip(grads, inputs)):
            if g is None:
                if strict:
                    raise RuntimeError(
                        f"Output {i} of the user-provided function is independent of input {k}. "
                        "This is not allowed in strict mode."
                    )
                g = zeros_like(inp)
            elif strict and create_graph and not g.requires_grad:
                raise RuntimeError(
                    f"The jacobian of the user-provided function is independent of input {i}. "
                    "This is not allowed in strict mode when create_graph=True."
                )
            rows[k].append(g)
    return tuple(
        stack(r, dim=0).view(*out.shape, *inp.shape)
        if r
        else zeros_like(inp).reshape(*out.shape, *inp.shape)
        for r, inp in zip(rows, inputs)
    )


def _jacobian_by_columns(func: Callable, inputs: tuple, outputs: tuple, strict: bool) -> tuple:
    """Forward mode: column ``j`` of d(outputs)/d(input ``k``) is ``jvp`` with a one-hot ``v``."""
    from .._creation import zeros_like
    from ..ops.joining import stack

    columns: list[list[list[Tensor]]] = [[[] for _ in inputs] for _ in outputs]
    for k, inp in enumerate(inputs):
        for j in range(inp.numel()):
            v = tuple(zeros_like(t) for t in inputs)
            v[k].view(-1)[j] = 1.0
            _, jv = jvp(func, inputs, v, strict=strict)
            for i, column in enumerate(jv if isinstance(jv, tuple) else (jv,)):
                columns[i][k].append(column)
    return tuple(
        tuple(
            stack(cols, dim=-1).reshape(*out.shape, *inp.shape)
            if cols
            else zeros_like(out).reshape(*out.shape, *inp.shape)
            for cols, inp in zip(columns[i], inputs)
        )
        for i, out in enumerate(outputs)
    )


def hessian(
    func: Callable[..., Tensor],
    inputs: Tensors,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
) -> Any:
    """The Hessian of a scalar function: the Jacobian of its gradient.

    A tensor for a single input; for a tuple, ``H[i][j]`` is the block of inputs
    ``i`` and ``j`` (shape ``inputs[i].shape + inputs[j].shape``).
    """
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def single_output(*inp: Tensor) -> Tensor:
        return _call_scalar(func, inp, strict, "hessian").squeeze()

    def gradient(*inp: Tensor) -> Tensors:
        jac = jacobian(single_output, inp, create_graph=True)
        _check_graph(jac if isinstance(jac, tuple) else (jac,), strict, "jacobian")
        return jac

    result = jacobian(
        gradient,
        inputs,
        create_graph=create_graph,
        strict=strict,
        vectorize=vectorize,
        strategy=outer_jacobian_strategy,
    )
    return _unpack(result, (is_inputs_tuple, is_inputs_tuple))


def vhp(
    func: Callable[..., Tensor],
    inputs: Tensors,
    v: Tensors | None = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Tensor, Tensors]:
    """``(func(inputs), vᵀH)``: a vector-Jacobian product of the gradient."""
    with enable_grad():
        is_inputs_tuple, inputs, v, outputs, jac = _gradient_of_scalar(
            func, inputs, v, create_graph, strict, "vhp"
        )
    result = _last_grad(jac, inputs, v, strict, create_graph, "double_back")
    return (
        _returned(outputs, False, create_graph),
        _returned(result, is_inputs_tuple, create_graph),
    )


def hvp(
    func: Callable[..., Tensor],
    inputs: Tensors,
    v: Tensors | None = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Tensor, Tensors]:
    """``(func(inputs), Hv)``: the double-backward trick applied to the gradient.

    For the symmetric Hessians of smooth functions it equals ``vhp``.
    """
    from .._creation import zeros_like

    with enable_grad():
        is_inputs_tuple, inputs, v, outputs, jac = _gradient_of_scalar(
            func, inputs, v, create_graph, strict, "hvp"
        )
        u = tuple(zeros_like(inp, requires_grad=True) for inp in inputs)
        u_h = _grad(jac, inputs, u, create_graph=True)
        _check_graph(jac, strict, "hessian")
    result = _last_grad(u_h, u, v, strict, create_graph, "double_back_trick")
    return (
        _returned(outputs, False, create_graph),
        _returned(result, is_inputs_tuple, create_graph),
    )


def _gradient_of_scalar(
    func: Callable, inputs: Tensors, v: Any, create_graph: bool, strict: bool, name: str
) -> tuple:
    """The shared start of ``vhp`` and ``hvp``: checked inputs and ``v``, f, and its gradient."""
    is_inputs_tuple, inputs = _inputs(inputs, create_graph, name)
    v = _vector(v, inputs, is_inputs_tuple, name, create_graph, V_NONE_FOR_INPUT)
    outputs = (_call_scalar(func, inputs, strict, name),)
    jac = _grad(outputs, inputs, create_graph=True)
    _check_graph(jac, strict, "jacobian")
    return is_inputs_tuple, inputs, v, outputs, jac
