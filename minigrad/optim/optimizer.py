"""``Optimizer``: the base class of SGD, Adam, ...: parameter groups and per-parameter state.

An optimizer holds references to the parameters, never copies: ``step()``
reads each ``p.grad`` and changes ``p`` in place, under ``no_grad``, so the
model sees the new values and the update itself is not recorded in any graph.

Parameters are organised in *groups*, each a dict with its own settings
(``lr``, ``momentum``, ...): ``SGD([{'params': body}, {'params': head, 'lr': 0.1}],
lr=0.01)`` trains the head ten times faster. ``state[p]`` keeps what the
algorithm remembers between steps (a momentum buffer, Adam's moving averages).
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from .._errors import with_note
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad, no_grad
from ..nn.modules.module import _typename, zero_grads

__all__ = ["Optimizer"]

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]] | Iterable[tuple[str, Tensor]]


class Optimizer:
    """Holds ``param_groups`` (list of dicts) and ``state`` (dict keyed by parameter).

    Subclasses pass their default settings and implement ``step()``.
    """

    __module__ = "minigrad.optim"

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {_typename(params)}"
            )
        groups = list(params)
        if not groups:
            raise with_note(ValueError("optimizer got an empty parameter list"), "empty_params")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group; settings it leaves out are taken from the defaults."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead."
            )
        params = [params] if isinstance(params, Tensor) else list(params)
        if params and isinstance(params[0], tuple):
            group["param_names"] = [name for name, _ in params]
            params = [param for _, param in params]
        _check_params(params)
        group["params"] = params
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        if len(set(map(id, params))) != len(params):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this "
                "will cause an error; see github.com/pytorch/pytorch/issues/40967 for more "
                "information",
                UserWarning,
                stacklevel=3,
            )
        seen = {id(p) for existing in self.param_groups for p in existing["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the last gradients (``.grad = None``), before the next ``backward()``."""
        zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure: Callable[[], Tensor] | None = None) -> Tensor | None:
        """Update every parameter that has a ``.grad``; subclasses implement ``_update``."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():  # the update is not part of any model's computation
            for group in self.param_groups:
                for param in group["params"]:
                    if param.grad is not None:  # frozen or unused this step: left alone
                        self._update(param, param.grad, group, self.state[param])
        return loss

    def _update(
        self, param: Tensor, grad: Tensor, group: dict[str, Any], state: dict[str, Any]
    ) -> None:
        raise NotImplementedError

    # --- saving and loading -------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The state and settings, with each parameter replaced by its position (0, 1, ...)."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: value for p, value in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore ``state_dict()``'s settings and state onto this optimizer's parameters."""
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for group, saved in zip(self.param_groups, saved_groups):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size "
                    "of optimizer's group"
                )
        by_index = {}
        for group, saved in zip(self.param_groups, saved_groups):
            by_index.update(zip(saved["params"], group["params"]))
            group.update({k: v for k, v in saved.items() if k != "params"})
        self.state = defaultdict(dict)
        for i, value in state_dict["state"].items():
            self.state[by_index[i]] = {
                k: v.clone() if isinstance(v, Tensor) else v for k, v in value.items()
            }

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k != "params"]
        return "\n".join(lines) + "\n)"


def _check_params(params: list[Any]) -> None:
    for param in params:
        if not isinstance(param, Tensor):
            raise TypeError(
                f"optimizer can only optimize Tensors, but one of the params is {_typename(param)}"
            )
        if not param.is_leaf:
            raise ValueError("can't optimize a non-leaf Tensor")
