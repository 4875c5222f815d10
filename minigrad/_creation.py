"""Creating tensors: ``tensor``, ``ones``, ``rand``, ... and the legacy ``Tensor(...)``.

``tensor(data)`` infers the dtype as PyTorch does: Python floats give the
default dtype (float32), ints give int64, bools give bool; NumPy arrays keep
their own dtype. Every factory takes ``requires_grad`` (floating point only).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _dtype
from ._dtype import dtype as DType
from ._errors import with_note
from ._size import Size
from ._tensor import Tensor
from .random import default_generator

__all__ = [
    "tensor",
    "as_tensor",
    "from_numpy",
    "ones",
    "zeros",
    "empty",
    "full",
    "ones_like",
    "zeros_like",
    "full_like",
    "empty_like",
    "rand",
    "randn",
    "randint",
    "rand_like",
    "randn_like",
    "arange",
    "linspace",
    "eye",
]

ShapeArg = int | Sequence[int]


def _finish(data: np.ndarray, dtype: DType, requires_grad: bool) -> Tensor:
    if requires_grad and not dtype.is_floating_point:
        message = "Only Tensors of floating point and complex dtype can require gradients"
        raise with_note(RuntimeError(message), "int_requires_grad")
    return Tensor._make(data, dtype, requires_grad=requires_grad)


def _python_dtype(data: Any) -> DType:
    """The dtype PyTorch infers from (nested) Python data, checking it is rectangular.

    Each number contributes a dtype (a float the default dtype, an int int64, a
    NumPy scalar or 0-d tensor its own) and the result is their promotion:
    ``[1, 2.5]`` is float32, ``[np.float64(1), 2.]`` float64.
    """
    dtypes: set[DType] = set()
    _collect_dtypes(data, dtypes)
    result = _dtype.get_default_dtype() if not dtypes else dtypes.pop()  # [] is float32
    for d in dtypes:
        result = _dtype.promote(result, d)
    _check_shape(data, _first_shape(data), 0, result)
    return result


def _is_sequence(data: Any) -> bool:
    return isinstance(data, list | tuple | range)


def _collect_dtypes(data: Any, dtypes: set[DType]) -> None:
    if _is_sequence(data):
        for item in data:
            _collect_dtypes(item, dtypes)
    elif isinstance(data, bool | np.bool_):
        dtypes.add(_dtype.bool)
    elif isinstance(data, np.number):  # before float: np.float64 is a float subclass
        dtypes.add(_dtype.from_numpy_dtype(data.dtype))
    elif isinstance(data, int):
        dtypes.add(_dtype.int64)
    elif isinstance(data, float):
        dtypes.add(_dtype.get_default_dtype())
    elif isinstance(data, Tensor):
        dtypes.add(data.dtype)
    elif isinstance(data, str):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    else:
        raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")


def _first_shape(data: Any) -> list[int]:
    """The shape read along the first elements; every other element must then agree."""
    shape = []
    while _is_sequence(data):
        shape.append(len(data))
        if not data:
            break
        data = data[0]
    return shape


def _check_shape(data: Any, shape: list[int], depth: int, dtype: DType) -> None:
    if depth == len(shape):
        if _is_sequence(data):
            name = type(data).__name__
            raise TypeError(
                f"must be real number, not {name}"
                if dtype.is_floating_point
                else f"'{name}' object cannot be interpreted as an integer"
            )
        if isinstance(data, Tensor) and data.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return
    if not _is_sequence(data):
        raise TypeError("not a sequence")
    if len(data) != shape[depth]:
        raise ValueError(
            f"expected sequence of length {shape[depth]} at dim {depth} (got {len(data)})"
        )
    for item in data:
        _check_shape(item, shape, depth + 1, dtype)


def tensor(data: Any, dtype: DType | None = None, requires_grad: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of ``data`` (numbers, nested lists, arrays)."""
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach()."
            "clone() or sourceTensor.detach().clone().requires_grad_(True), rather than "
            "torch.tensor(sourceTensor).",
            UserWarning,
            stacklevel=2,
        )
        array, inferred = data._data.copy(), data.dtype
    elif isinstance(data, np.ndarray | np.generic):
        array = np.array(data)
        inferred = _dtype.from_numpy_dtype(array.dtype)
    else:
        inferred = _python_dtype(data)
        # Straight to the requested dtype: float64 data must not pass through float32.
        array = np.array(_unwrap(data), dtype=(dtype or inferred).numpy)
    dtype = dtype or inferred
    return _finish(array.astype(dtype.numpy, copy=False), dtype, requires_grad)


def _unwrap(data: Any) -> Any:
    if isinstance(data, Tensor):
        return data.item()
    if _is_sequence(data):
        return [_unwrap(d) for d in data]
    return data


def as_tensor(data: Any, dtype: DType | None = None) -> Tensor:
    if isinstance(data, Tensor) and dtype in (None, data.dtype):
        return data
    if isinstance(data, np.ndarray) and dtype in (None, _dtype.from_numpy_dtype(data.dtype)):
        return from_numpy(data)
    return tensor(data, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (changes to one show in the other)."""
    return Tensor._make(array, _dtype.from_numpy_dtype(array.dtype))


def _size(size: tuple) -> tuple[int, ...]:
    if len(size) == 1 and not isinstance(size[0], int | np.integer):
        return tuple(int(s) for s in size[0])
    return tuple(int(s) for s in size)


def _factory(fill):
    def factory(
        *size: ShapeArg, dtype: DType | None = None, requires_grad: bool = False
    ) -> Tensor:
        dtype = dtype or _dtype.get_default_dtype()
        return _finish(fill(_size(size), dtype.numpy), dtype, requires_grad)

    return factory


ones = _factory(np.ones)
ones.__name__, ones.__doc__ = "ones", "A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``."
zeros = _factory(np.zeros)
zeros.__name__, zeros.__doc__ = "zeros", "A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."
empty = _factory(np.zeros)
empty.__name__, empty.__doc__ = "empty", "Uninitialised in PyTorch; minigrad fills it with zeros."


def full(
    size: Sequence[int], fill_value: float | int | bool, *, dtype: DType | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """``full((2,), 3.)`` is float32, ``full((2,), 3)`` is int64, as the value says."""
    dtype = dtype or _python_dtype(fill_value)
    return _finish(np.full(_size((size,)), fill_value, dtype.numpy), dtype, requires_grad)


def _like(fill):
    def like(
        input: Tensor, *, dtype: DType | None = None, requires_grad: bool = False
    ) -> Tensor:
        dtype = dtype or input.dtype
        return _finish(fill(input.shape, dtype.numpy), dtype, requires_grad)

    return like


ones_like = _like(np.ones)
ones_like.__name__ = "ones_like"
zeros_like = _like(np.zeros)
zeros_like.__name__ = "zeros_like"
empty_like = _like(np.zeros)
empty_like.__name__ = "empty_like"


def full_like(
    input: Tensor, fill_value: float, *, dtype: DType | None = None, requires_grad: bool = False
) -> Tensor:
    dtype = dtype or input.dtype
    return _finish(np.full(input.shape, fill_value, dtype.numpy), dtype, requires_grad)


def rand(*size: ShapeArg, dtype: DType | None = None, requires_grad: bool = False) -> Tensor:
    """Uniform numbers in [0, 1), from the generator seeded by ``manual_seed``."""
    dtype = dtype or _dtype.get_default_dtype()
    data = default_generator.numpy.random(_size(size))
    return _finish(data.astype(dtype.numpy), dtype, requires_grad)


def randn(*size: ShapeArg, dtype: DType | None = None, requires_grad: bool = False) -> Tensor:
    """Standard normal numbers, from the generator seeded by ``manual_seed``."""
    dtype = dtype or _dtype.get_default_dtype()
    data = default_generator.numpy.standard_normal(_size(size))
    return _finish(data.astype(dtype.numpy), dtype, requires_grad)


def rand_like(input: Tensor, *, dtype: DType | None = None, requires_grad: bool = False) -> Tensor:
    return rand(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input: Tensor, *, dtype: DType | None = None, requires_grad: bool = False) -> Tensor:
    return randn(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randint(
    low: int, high: int | None = None, size: Sequence[int] = (), *, dtype: DType | None = None
) -> Tensor:
    """``randint(high, size)`` or ``randint(low, high, size)``: int64 by default."""
    if high is None or not isinstance(high, int):
        low, high, size = 0, low, high if high is not None else size
    dtype = dtype or _dtype.int64
    data = default_generator.numpy.integers(low, high, size=_size((size,)))
    return _finish(data.astype(dtype.numpy), dtype, False)


def arange(
    start: float, end: float | None = None, step: float = 1, *, dtype: DType | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """``arange(3)`` is int64; any float argument makes it float32."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        floats = any(isinstance(v, float) for v in (start, end, step))
        dtype = _dtype.get_default_dtype() if floats else _dtype.int64
    data = np.arange(start, end, step, dtype=np.float64 if dtype.is_floating_point else np.int64)
    return _finish(data.astype(dtype.numpy), dtype, requires_grad)


def linspace(
    start: float, end: float, steps: int, *, dtype: DType | None = None,
    requires_grad: bool = False,
) -> Tensor:
    dtype = dtype or _dtype.get_default_dtype()
    return _finish(np.linspace(start, end, steps).astype(dtype.numpy), dtype, requires_grad)


def eye(
    n: int, m: int | None = None, *, dtype: DType | None = None, requires_grad: bool = False
) -> Tensor:
    dtype = dtype or _dtype.get_default_dtype()
    return _finish(np.eye(n, m, dtype=dtype.numpy), dtype, requires_grad)


_LEGACY_SIGNATURES = (
    " * (*, torch.device device = None)\n"
    "      didn't match because some of the keywords were incorrect: {keywords}\n"
    " * (torch.Storage storage)\n"
    " * (Tensor other)\n"
    " * (tuple of ints size, *, torch.device device = None)\n"
    " * (object data, *, torch.device device = None)\n"
)


def legacy_new(self: Tensor, args: tuple, kwargs: dict) -> None:
    """``torch.Tensor(...)``: data becomes float32 (ints too); ints alone are a shape."""
    kwargs = {k: v for k, v in kwargs.items() if k != "device"}  # the CPU is the only device
    if kwargs:
        keywords = [f"{k}={_type_name(v)}" for k, v in kwargs.items()]
        got = ", ".join([*map(_type_name, args), *keywords])
        raise TypeError(
            f"new() received an invalid combination of arguments - got ({got}), but expected one "
            "of:\n" + _LEGACY_SIGNATURES.format(keywords=", ".join(kwargs))
        )
    dtype = _dtype.get_default_dtype()
    if not args:
        data = np.zeros((0,), dtype.numpy)
    elif len(args) == 1 and isinstance(args[0], Size):
        data = _uninitialised(tuple(args[0]), dtype)
    elif all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        data = _uninitialised(args, dtype)
    elif len(args) == 1 and isinstance(args[0], Tensor):
        data = args[0]._data  # an alias: same storage, same dtype
        dtype = args[0].dtype
    elif len(args) == 1 and (_is_sequence(args[0]) or isinstance(args[0], np.ndarray | str)):
        if not isinstance(args[0], np.ndarray):
            _python_dtype(args[0])  # the same checks as tensor(): rectangular, numbers only
        data = np.array(_unwrap(args[0]), dtype=dtype.numpy)
    elif len(args) == 1:
        raise TypeError(f"new(): data must be a sequence (got {_type_name(args[0])})")
    else:
        position, bad = next((i, a) for i, a in enumerate(args, 1) if not isinstance(a, int))
        raise TypeError(
            f"new(): argument 'size' failed to unpack the object at pos {position} with error "
            f'"type must be tuple of ints,but got {_type_name(bad)}"'
        )
    Tensor._init_like(self, data, dtype, False)


def _uninitialised(shape: tuple[int, ...], dtype: DType) -> np.ndarray:
    """What ``Tensor(2, 3)`` holds: PyTorch leaves memory as it was; minigrad gives zeros."""
    for d in shape:
        if d < 0:
            message = f"Trying to create tensor with negative dimension {d}: {list(shape)}"
            raise RuntimeError(message)
    return np.zeros(shape, dtype.numpy)


def _type_name(value: Any) -> str:
    """How PyTorch's argument errors name a type: ``float``, ``numpy.float64``, ``torch.dtype``."""
    if isinstance(value, DType):
        return "torch.dtype"
    module = type(value).__module__
    return type(value).__name__ if module == "builtins" else f"{module}.{type(value).__name__}"
