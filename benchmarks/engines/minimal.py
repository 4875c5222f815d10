"""The smallest NumPy array autograd: the floor of what any Python-level engine costs here.

micrograd's design on NumPy arrays: each op makes one ``Array`` holding its result, its
parents and a closure that maps the output's gradient to its parents' gradients. No dtype
promotion rules, no version counters, no hooks, no views: only what a graph needs. Whatever
minigrad (or PyTorch) costs above this engine is the price of their semantics, not of
recording a graph in Python. Plain numbers and ndarrays are constants (no gradient).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..workloads import MemoryChain, MLPStep, TinyOps, chain
from .base import Case, Engine, Outputs, as_outputs, tanh_chain_phases
from .torchlike import mlp  # the same h @ W + b layers, ReLU between


def _unbroadcast(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``grad`` back to ``shape``: undo the broadcasting of the forward."""
    if grad.shape == shape:
        return grad
    grad = grad.sum(axis=tuple(range(grad.ndim - len(shape))))  # leading dimensions added
    kept = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=kept, keepdims=True) if kept else grad


class Array:
    __slots__ = ("data", "grad", "parents", "backward_fn")
    __array_ufunc__ = None  # `ndarray * Array` calls Array.__rmul__ instead of NumPy's loop

    def __init__(self, data: Any, parents: tuple = (), backward_fn: Any = None) -> None:
        self.data, self.grad = data, None
        self.parents = parents  # the Arrays this one was computed from
        self.backward_fn = backward_fn  # output grad -> tuple of the parents' grads

    def __add__(self, other: Any) -> Array:
        a = self.data
        if isinstance(other, Array):
            b = other.data
            return Array(a + b, (self, other),
                         lambda g: (_unbroadcast(g, a.shape), _unbroadcast(g, b.shape)))
        return Array(a + other, (self,), lambda g: (_unbroadcast(g, a.shape),))

    def __mul__(self, other: Any) -> Array:
        a = self.data
        if isinstance(other, Array):
            b = other.data
            return Array(a * b, (self, other),
                         lambda g: (_unbroadcast(g * b, a.shape), _unbroadcast(g * a, b.shape)))
        return Array(a * other, (self,), lambda g: (_unbroadcast(g * other, a.shape),))

    __radd__, __rmul__ = __add__, __mul__

    def __neg__(self) -> Array:
        return self * -1

    def __sub__(self, other: Any) -> Array:
        return self + (-other)

    def __rsub__(self, other: Any) -> Array:  # other - self
        return -self + other

    def __matmul__(self, other: Any) -> Array:  # 2-D only
        a = self.data
        if isinstance(other, Array):
            b = other.data
            return Array(a @ b, (self, other), lambda g: (g @ b.T, a.T @ g))
        return Array(a @ other, (self,), lambda g: (g @ other.T,))

    def __rmatmul__(self, other: np.ndarray) -> Array:  # constant @ self
        return Array(other @ self.data, (self,), lambda g: (other.T @ g,))

    def relu(self) -> Array:
        a = self.data
        return Array(np.maximum(a, 0), (self,), lambda g: (g * (a > 0),))

    def tanh(self) -> Array:
        out = np.tanh(self.data)
        return Array(out, (self,), lambda g: (g * (1 - out * out),))

    def sum(self) -> Array:
        shape = self.data.shape
        return Array(self.data.sum(), (self,), lambda g: (np.broadcast_to(g, shape),))

    def mean(self) -> Array:
        shape, size = self.data.shape, self.data.size
        return Array(self.data.mean(), (self,), lambda g: (np.broadcast_to(g / size, shape),))

    def cross_entropy(self, labels: np.ndarray) -> Array:
        """Mean softmax cross-entropy of these logits (rows) for class indices, fused."""
        rows = np.arange(len(labels))
        shifted = self.data - self.data.max(axis=1, keepdims=True)  # stable: max is 0
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        loss = (np.log(total[:, 0]) - shifted[rows, labels]).mean()

        def backward_fn(g: Any) -> tuple:
            dlogits = exp / total  # softmax, minus one at each row's label
            dlogits[rows, labels] -= 1
            return (dlogits * (g / len(labels)),)

        return Array(loss, (self,), backward_fn)

    def backward(self) -> None:
        """Gradients of this Array into every ``.grad`` it depends on; then frees the graph."""
        # Topological order by a depth-first search with an explicit stack (a recursive one
        # hits Python's recursion limit on W4's chains): a node is appended after its parents.
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, parents_done = stack.pop()
            if parents_done:
                order.append(node)
            elif node not in seen:
                seen.add(node)
                stack.append((node, True))
                stack += [(p, False) for p in node.parents if p not in seen]
        self.grad = np.ones_like(self.data)
        for node in reversed(order):  # outputs first: each node's grad is complete
            if node.backward_fn is None:
                continue  # a leaf: its .grad is the result
            for parent, grad in zip(node.parents, node.backward_fn(node.grad)):
                parent.grad = grad if parent.grad is None else parent.grad + grad
            # Like PyTorch without retain_graph: drop the closures (and the arrays they hold)
            # and the non-leaf grads, so that the graph's memory is given back now.
            node.grad, node.parents, node.backward_fn = None, (), None


class MinimalAutograd(Engine):
    name = "minimal"
    module = "numpy"

    def available(self) -> bool:
        return True  # NumPy only, which the benchmark itself needs

    def version(self) -> str:
        return "in-repo"  # benchmarks/engines/minimal.py; NumPy's version is reported apart

    def tiny_ops(self, w: TinyOps) -> Case:
        x = Array(w.x.copy())

        def step() -> Array:
            x.grad = None
            y = ((x * 2 + 1) * x).sum()
            y.backward()
            return y

        def outputs() -> Outputs:
            y = step()
            return {"loss": np.float64(y.data), "x.grad": x.grad.astype(np.float64)}

        return Case(step, outputs)

    def mlp_step(self, w: MLPStep, loss: str) -> Case:
        params = [Array(p.copy()) for p in w.params()]

        def step() -> Array:
            scores = mlp(w.x, params)
            if loss == "margin":  # micrograd's: mean(relu(1 - y * score)) + alpha * sum(p²)
                data_loss = (1 - w.targets * scores).relu().mean()
                value = data_loss + w.alpha * sum((p * p).sum() for p in params)
            else:
                value = scores.cross_entropy(w.targets)
            for p in params:
                p.grad = None
            value.backward()
            for p in params:  # SGD
                p.data -= w.lr * p.grad
            return value

        def outputs() -> Outputs:
            value = step()
            grads, values = [p.grad for p in params], [p.data for p in params]
            return as_outputs(float(value.data), MLPStep.param_names(len(w.weights)), grads,
                              values)

        return Case(step, outputs)

    def chain_forward(self, n: int, x0: float) -> tuple[Array, Array]:
        x = Array(np.float64(x0))
        return x, chain(x, n)

    def chain_backward(self, state: tuple[Array, Array]) -> tuple[float, float]:
        x, y = state
        y.backward()
        return float(y.data), float(x.grad)

    def memory(self, m: MemoryChain) -> Iterator[str]:
        weights = [Array(w) for w in m.w]  # x is a constant: a plain ndarray
        yield from tanh_chain_phases(m.x, weights)

