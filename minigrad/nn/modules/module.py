"""``Module``: the base class of every layer and model.

A module is a Python object that keeps three registries, filled by plain
attribute assignment (``__setattr__``):

* ``_parameters``: the ``Parameter`` objects it owns (``self.weight = Parameter(...)``);
* ``_modules``: its child modules (``self.fc1 = Linear(2, 8)``);
* ``_buffers``: tensors that belong to its state but are not trained.

Everything else (``parameters()``, ``state_dict()``, ``zero_grad()``,
``requires_grad_()``, the printed tree) walks these registries. Calling a
module, ``model(x)``, runs its ``forward(x)``.
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

from ..._dtype import dtype as DType
from ..._errors import with_note
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ..parameter import Parameter

__all__ = ["Module"]

T = TypeVar("T", bound="Module")


def _typename(value: Any) -> str:
    """PyTorch's ``torch.typename``: ``torch.FloatTensor`` for tensors, else the class name."""
    if isinstance(value, Tensor):
        return f"torch.{value.dtype._legacy}"
    cls = type(value)
    if cls.__module__ in ("builtins", ""):
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def _addindent(text: str, spaces: int) -> str:
    """Indent every line but the first (how a child's repr nests in its parent's)."""
    first, *rest = text.split("\n")
    return "\n".join([first] + [" " * spaces + line if line.strip() else "" for line in rest])


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys it could not match."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class Module:
    """Base class for layers and models: subclass it, assign layers, write ``forward``::

        class Net(nn.Module):
            def __init__(self):
                super().__init__()          # creates the registries: call it first
                self.fc = nn.Linear(2, 1)   # registered as a child module

            def forward(self, x):
                return self.fc(x)
    """

    __module__ = "minigrad.nn"

    training: bool
    _parameters: dict[str, Parameter | None]
    _buffers: dict[str, Tensor | None]
    _modules: dict[str, Module | None]

    def __init__(self) -> None:
        # Set through object.__setattr__: our own __setattr__ needs these to exist.
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent_buffers_set", set())
        object.__setattr__(self, "_modules", {})

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; every subclass defines its own."""
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # --- registration ------------------------------------------------------------------------
    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add ``param`` under ``name`` (what ``self.name = param`` does)."""
        if "_parameters" not in self.__dict__:
            message = "cannot assign parameter before Module.__init__() call"
            raise with_note(AttributeError(message), "module_init")
        _check_name(self, name, "parameter", self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                "(torch.nn.Parameter or None required)"
            )
        if param is not None and param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                f"created explicitly. To express '{name}' as a function of another Tensor, "
                "compute the value in the forward() method."
            )
        self._parameters[name] = param

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module under ``name`` (what ``self.name = module`` does)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        _check_name(self, name, "module", self._modules)
        self._modules[name] = module

    register_module = add_module

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Keep a tensor that is state but not a weight (saved in ``state_dict`` if persistent)."""
        if "_buffers" not in self.__dict__:
            message = "cannot assign buffer before Module.__init__() call"
            raise with_note(AttributeError(message), "module_init")
        _check_name(self, name, "buffer", self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                "(torch Tensor or None required)"
            )
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def __setattr__(self, name: str, value: Any) -> None:
        """Route parameters, modules and buffers into their registries; the rest to ``__dict__``."""
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                message = "cannot assign parameters before Module.__init__() call"
                raise with_note(AttributeError(message), "module_init")
            self._forget(name, keep=self._parameters)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as parameter '{name}' "
                    "(torch.nn.Parameter or None expected)"
                )
            params[name] = None
        elif isinstance(value, Module):
            if "_modules" not in self.__dict__:
                message = "cannot assign module before Module.__init__() call"
                raise with_note(AttributeError(message), "module_init")
            self._forget(name, keep=self._modules)
            self._modules[name] = value
        elif name in self.__dict__.get("_modules", ()):
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as child module '{name}' "
                    "(torch.nn.Module or None expected)"
                )
            self._modules[name] = None
        elif name in self.__dict__.get("_buffers", ()):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as buffer '{name}' "
                    "(torch.nn.Buffer, torch.Tensor or None expected)"
                )
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name: str, keep: dict) -> None:
        """Drop ``name`` from the other registries (re-assigning in ``keep`` keeps its place)."""
        self.__dict__.pop(name, None)
        for registry in (self._parameters, self._buffers, self._modules):
            if registry is not keep:
                registry.pop(name, None)
        self._non_persistent_buffers_set.discard(name)

    def __getattr__(self, name: str) -> Any:
        # Called only when normal lookup fails: the registries are searched next.
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = self.__dict__.get(registry)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        registered = [*self._parameters, *self._buffers, *self._modules]
        return sorted({*super().__dir__(), *registered})

    # --- walking the tree ----------------------------------------------------------------------
    def named_modules(
        self, memo: set[Module] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """This module and all below it, depth first, with dotted names (``''`` for self)."""
        if memo is None:
            memo = set()
        if self in memo:
            return
        if remove_duplicate:
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(memo, _join(prefix, name), remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct sub-modules only, each once."""
        seen: set[Module] = set()
        for name, module in self._modules.items():
            if module is not None and module not in seen:
                seen.add(module)
                yield name, module

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def _named_members(
        self, registry: str, prefix: str, recurse: bool, remove_duplicate: bool
    ) -> Iterator[tuple[str, Tensor]]:
        """The entries of one registry over the tree; a tensor shared by two layers comes once."""
        modules = (
            self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
            if recurse
            else [(prefix, self)]
        )
        seen: set[int] = set()
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or id(value) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield _join(module_prefix, name), value

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """``('fc1.weight', Parameter)`` pairs: the dotted path from this module to each weight."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every weight in the tree, what an optimizer is given: ``SGD(model.parameters())``."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self: T, fn: Callable[[Module], None]) -> T:
        """Call ``fn`` on every sub-module (children first), then on this one."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # --- modes and gradients --------------------------------------------------------------------
    def train(self: T, mode: bool = True) -> T:
        """Set ``training`` here and below. It changes layers such as dropout, not autograd."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self: T) -> T:
        """``train(False)``. Gradients are still recorded: use ``no_grad()`` for that."""
        return self.train(False)

    def requires_grad_(self: T, requires_grad: bool = True) -> T:
        """Freeze (``False``) or unfreeze every parameter; returns the module itself."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of the last backward: ``.grad = None``, or zeros in place."""
        zero_grads(self.parameters(), set_to_none)

    # --- dtype ----------------------------------------------------------------------------------
    def to(self: T, *args: Any, dtype: DType | None = None, **kwargs: Any) -> T:
        """``model.to(torch.float64)`` converts every parameter and buffer in place.

        Devices other than ``"cpu"`` do not exist in minigrad, so only a dtype changes anything.
        """
        for arg in args:
            if isinstance(arg, DType):
                dtype = arg
        if dtype is None:
            return self
        if not dtype.is_floating_point:
            raise TypeError(
                f"nn.Module.to only accepts floating point or complex dtypes, but got "
                f"desired dtype={dtype}"
            )
        return self._convert(dtype)

    def double(self: T) -> T:
        from ... import _dtype

        return self._convert(_dtype.float64)

    def float(self: T) -> T:  # noqa: A003 - PyTorch's name
        from ... import _dtype

        return self._convert(_dtype.float32)

    def _convert(self: T, dtype: DType) -> T:
        """Change floating parameters, their grads and buffers to ``dtype``, keeping the objects."""
        for module in self.modules():
            for tensor in [*module._parameters.values(), *module._buffers.values()]:
                if tensor is not None and tensor.is_floating_point():
                    tensor.data = tensor.data.to(dtype)
                    if tensor._grad is not None:
                        tensor._grad = tensor._grad.to(dtype)
        return self

    # --- saving and loading ---------------------------------------------------------------------
    def state_dict(self, *, prefix: str = "", keep_vars: bool = False) -> OrderedDict[str, Tensor]:
        """Every parameter and persistent buffer by dotted name: what you save to disk.

        The values are ``detach()``-ed aliases: they share memory with the model,
        so copy them (``clone()``) if you want a snapshot that training won't change.
        """
        state: OrderedDict[str, Tensor] = OrderedDict()
        for module_prefix, module in self.named_modules(prefix=prefix, remove_duplicate=False):
            for name, param in module._parameters.items():
                if param is not None:
                    state[_join(module_prefix, name)] = param if keep_vars else param.detach()
            for name, buffer in module._buffers.items():
                if buffer is not None and name not in module._non_persistent_buffers_set:
                    state[_join(module_prefix, name)] = buffer if keep_vars else buffer.detach()
        return state

    def load_state_dict(
        self, state_dict: Mapping[str, Tensor], strict: bool = True
    ) -> _IncompatibleKeys:
        """Copy the values of ``state_dict`` into this model's tensors, in place."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        own = self.state_dict(keep_vars=True)
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        errors = []
        with no_grad():
            for key, target in own.items():
                if key in state_dict:
                    error = _copy_entry(key, target, state_dict[key])
                    if error:
                        errors.append(error)
        if strict:
            if unexpected:
                errors.insert(0, _key_list("Unexpected", unexpected))
            if missing:
                errors.insert(0, _key_list("Missing", missing))
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(errors)
            )
        return _IncompatibleKeys(missing, unexpected)

    # --- printing -----------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """What goes between the parentheses, e.g. ``in_features=3, out_features=4, bias=True``."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        """The module tree, one ``(name): child`` line per child, as PyTorch prints it."""
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [
            f"({name}): {_addindent(repr(module), 2)}" for name, module in self._modules.items()
        ]
        lines = extra_lines + child_lines
        body = ""
        if len(extra_lines) == 1 and not child_lines:
            body = extra_lines[0]
        elif lines:
            body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{self._get_name()}({body})"


def _check_name(module: Module, name: Any, kind: str, registry: dict) -> None:
    """PyTorch's checks on a registered name: a non-empty string, no dot, not taken."""
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string. Got {_typename(name)}")
    if "." in name:
        got = f", got: {name}" if kind == "module" else ""
        raise KeyError(f'{kind} name can\'t contain "."{got}')
    if name == "":
        raise KeyError(f'{kind} name can\'t be empty string ""')
    if hasattr(module, name) and name not in registry:
        raise KeyError(f"attribute '{name}' already exists")


def zero_grads(params: Iterable[Tensor], set_to_none: bool) -> None:
    """``.grad = None`` for each parameter, or zero the existing ``.grad`` in place.

    Shared by ``Module.zero_grad`` and ``Optimizer.zero_grad``. Zeroing in place
    keeps the same ``.grad`` object, first cut from any graph (``create_graph=True``).
    """
    for param in params:
        grad = param.grad
        if grad is None:
            continue
        if set_to_none:
            param.grad = None
            continue
        if grad.grad_fn is not None:
            grad.detach_()
        else:
            grad.requires_grad_(False)
        grad.zero_()


def _key_list(kind: str, keys: list[str]) -> str:
    return f"{kind} key(s) in state_dict: " + ", ".join(f'"{key}"' for key in keys) + ". "


def _copy_entry(key: str, target: Tensor, value: Any) -> str | None:
    """Copy one checkpoint value into the model's tensor; the error text if it does not fit."""
    if not isinstance(value, Tensor):
        return (
            f'While copying the parameter named "{key}", expected torch.Tensor or Tensor-like '
            f"object from checkpoint but received {type(value)}"
        )
    if value.shape != target.shape:
        return (
            f"size mismatch for {key}: copying a param with shape {value.shape} from checkpoint, "
            f"the shape in current model is {target.shape}."
        )
    target.copy_(value)
    return None
