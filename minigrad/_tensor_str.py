"""Turning a tensor into the text that ``print(tensor)`` shows, exactly as PyTorch does.

The output must match PyTorch character for character, so this module follows the
layout algorithm of PyTorch's ``torch/_tensor_str.py``:

1. Decide whether to *summarize*: tensors with more than ``threshold`` elements
   show only the first and last ``edgeitems`` entries of each dimension.
2. Build one ``_Formatter`` for the whole tensor. It picks a style for floats
   (integer-looking ``1.``, scientific ``1.0000e-05`` or fixed ``0.5000``) and a
   width, so that every element is right-aligned to the same column width.
3. Lay the elements out recursively: a 1-D row wraps at ``linewidth``, and the
   rows of an n-D tensor are separated by ``n - 1`` newlines, which is where the
   blank line between the matrices of a 3-D tensor comes from.
4. Append the suffixes (``dtype=``, ``grad_fn=`` or ``requires_grad=True``,
   ``size=`` for empty tensors), moving one to a new line when it would pass
   ``linewidth``.

``nn.Parameter`` prints ``"Parameter containing:\\n" + tensor_str(param)``: the
prefix stays ``tensor(``, as in PyTorch.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from . import _dtype

__all__ = ["PRINT_OPTS", "set_printoptions", "tensor_str"]


@dataclasses.dataclass
class _PrintOptions:
    """The settings that ``set_printoptions`` changes (PyTorch's defaults)."""

    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrintOptions()

# A profile resets these four options; sci_mode is not part of any profile.
_PROFILES = {
    "default": _PrintOptions(),
    "short": _PrintOptions(precision=2, edgeitems=2),
    "full": _PrintOptions(threshold=math.inf),
}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Change how tensors print, like ``torch.set_printoptions``.

    A ``profile`` ("default", "short" or "full") is applied first, then the
    other arguments override it; an unknown profile is ignored, as in PyTorch.
    Arguments left as None keep their current value, except ``sci_mode``:
    every call sets it, so any call without ``sci_mode=`` restores the
    automatic choice.
    """
    if profile in _PROFILES:
        preset = _PROFILES[profile]
        PRINT_OPTS.precision = preset.precision
        PRINT_OPTS.threshold = preset.threshold
        PRINT_OPTS.edgeitems = preset.edgeitems
        PRINT_OPTS.linewidth = preset.linewidth
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


class _Formatter:
    """Formats the elements of one tensor in a shared style and width.

    The style and width are chosen once, from the values that will be shown,
    so that the columns of a printed matrix line up.
    """

    def __init__(self, values: np.ndarray, floating: bool) -> None:
        self.floating = floating
        self.int_mode = True  # floats that are all whole numbers print as "3."
        self.sci_mode = False
        if floating:
            # As in PyTorch, only the nonzero finite values choose the style
            # and the width; zeros, nan and inf are just formatted in it.
            values = values[np.isfinite(values) & (values != 0)]
            if values.size:
                self._choose_float_style(values)
        texts = [self._text(value) for value in values.ravel().tolist()]
        self.width = max([1, *map(len, texts)])

    def _choose_float_style(self, values: np.ndarray) -> None:
        """Pick int_mode and sci_mode from the nonzero finite values.

        PyTorch compares the magnitudes in float64. This matters: float32(1e-4)
        is slightly below 1e-4, so ``[1e-4, 1.0]`` prints in scientific notation.
        """
        self.int_mode = bool(np.all(values == np.ceil(values)))
        magnitudes = np.abs(values).astype(np.float64)
        largest, smallest = float(magnitudes.max()), float(magnitudes.min())
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        else:
            self.sci_mode = bool(PRINT_OPTS.sci_mode)

    def _text(self, value: Any) -> str:
        """One element, before padding to the shared width."""
        if not self.floating:
            return str(value)  # ints, and bools as "True"/"False"
        precision = PRINT_OPTS.precision
        if self.sci_mode:
            return f"{value:.{precision}e}"
        if self.int_mode:
            # The dot shows that the tensor holds floats; nan and inf need none.
            return f"{value:.0f}" + ("." if math.isfinite(value) else "")
        return f"{value:.{precision}f}"

    def format(self, value: Any) -> str:
        """One element, right-aligned to the width of the widest element."""
        return self._text(value).rjust(self.width)


def _summarized_values(data: np.ndarray) -> np.ndarray:
    """The elements that a summarized print shows: the edges of every long dim."""
    edge = PRINT_OPTS.edgeitems
    for axis, size in enumerate(data.shape):
        if size > 2 * edge:
            shown = [*range(edge), *range(size - edge, size)]
            data = np.take(data, shown, axis=axis)
    return data


def _shown_indices(size: int, summarize: bool) -> list[int | None]:
    """The indices of a dim that are printed, with None where ``...`` goes."""
    edge = PRINT_OPTS.edgeitems
    if not summarize or size <= 2 * edge:
        return list(range(size))
    return [*range(edge), None, *range(size - edge, size)]


def _vector_str(row: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    """A 1-D row, wrapped so that lines fit in ``linewidth``."""
    values = row.tolist()
    # " ..." lines up with the elements after ", "; alone it is just "...".
    ellipsis = " ..." if PRINT_OPTS.edgeitems else "..."
    items = [
        ellipsis if i is None else fmt.format(values[i])
        for i in _shown_indices(len(values), summarize)
    ]
    # Each element takes its width plus ", ".
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / (fmt.width + 2)))
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(data: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    """The bracketed elements of ``data``, starting at column ``indent``.

    Each nesting level adds one column of indent. Slices of an n-D tensor are
    separated by n - 1 newlines: a blank line between the matrices of a 3-D
    tensor, two between the blocks of a 4-D tensor.
    """
    if data.ndim == 0:
        return fmt.format(data.item())
    if data.ndim == 1:
        return _vector_str(data, indent, summarize, fmt)
    slices = [
        "..." if i is None else _nested_str(data[i], indent + 1, summarize, fmt)
        for i in _shown_indices(len(data), summarize)
    ]
    separator = "," + "\n" * (data.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(slices) + "]"


def _elements_str(data: np.ndarray, indent: int, floating: bool) -> str:
    """The elements of a non-empty tensor: summarized if it is large."""
    summarize = data.size > PRINT_OPTS.threshold
    shown = _summarized_values(data) if summarize else data
    return _nested_str(data, indent, summarize, _Formatter(shown, floating))


def _suffixes(tensor: Any, data: np.ndarray) -> list[str]:
    """The ``key=value`` parts printed after the elements, in PyTorch's order."""
    suffixes = []
    default_dtype = _dtype.get_default_dtype()
    if data.size == 0:
        # With no elements to look at, the reader needs the shape (unless it
        # is the plain (0,)) and any dtype but the default float one.
        if data.ndim != 1:
            suffixes.append(f"size={tuple(data.shape)}")
        if tensor.dtype is not default_dtype:
            suffixes.append(f"dtype={tensor.dtype!r}")
    else:
        if not PRINT_OPTS.edgeitems:  # only "..." is printed
            suffixes.append(f"size={tuple(data.shape)}")
        # A dtype that the elements already reveal is not repeated.
        if tensor.dtype not in (default_dtype, _dtype.int64, _dtype.bool):
            suffixes.append(f"dtype={tensor.dtype!r}")
    if tensor.grad_fn is not None:
        suffixes.append(f"grad_fn=<{tensor.grad_fn.name().rsplit('::', 1)[-1]}>")
    elif tensor.requires_grad:
        suffixes.append("requires_grad=True")
    return suffixes


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """Append the suffixes and the closing parenthesis.

    A suffix that would pass ``linewidth`` starts a new line at ``indent``.
    PyTorch measures the last line as two characters longer than it is (the
    ", " it is about to add), but does not do so once it has wrapped; the
    wrapping points depend on this, so it is kept.
    """
    line_length = len(text) - text.rfind("\n") + 1
    parts = [text]
    for suffix in suffixes:
        if line_length + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            line_length = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            line_length += len(suffix) + 2
    return "".join(parts) + ")"


def tensor_str(tensor: Any, *, prefix: str = "tensor(") -> str:
    """The ``repr``/``str`` of a tensor, e.g. ``tensor([1., 2.], requires_grad=True)``.

    Reads only ``tensor._data`` (a NumPy array), ``tensor.dtype``,
    ``tensor.grad_fn`` and ``tensor.requires_grad``. A subclass other than
    ``nn.Parameter`` would pass its own ``prefix``, e.g. ``"MyTensor("``, as
    PyTorch does; continuation lines are indented by ``len(prefix)``.
    """
    data = np.asarray(tensor._data)
    indent = len(prefix)
    if data.size == 0:
        elements = "[]"
    else:
        elements = _elements_str(data, indent, tensor.dtype.is_floating_point)
    return _add_suffixes(prefix + elements, _suffixes(tensor, data), indent)
