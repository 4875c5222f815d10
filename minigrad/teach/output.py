"""Output that is the same on every machine: rich display with a text fallback, no addresses."""

from __future__ import annotations

import contextlib
import io
import re
import sys
from collections.abc import Iterator
from typing import Any

# The same pattern as tests/nbval_sanitize.cfg: what a default repr shows after "at".
ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,16}")


def display(obj: Any) -> None:
    """Show ``obj`` with its richest form in Jupyter, and as ``repr(obj)`` elsewhere."""
    try:
        from IPython import get_ipython
        from IPython.display import display as ipython_display
    except ImportError:  # minigrad itself needs only NumPy
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        ipython_display(obj)
    else:
        print(repr(obj))


@contextlib.contextmanager
def masked_addresses() -> Iterator[None]:
    """Print as usual, with each memory address (``0x7f3a…``) shown as ``0x…``.

    ``print(y.grad_fn)`` shows ``<AddBackward0 object at 0x7f4c580a1ea0>`` in PyTorch
    and in minigrad alike: the address is where the object happens to live, and
    differs on every run. Inside this block it prints ``<AddBackward0 object at 0x…>``.
    """
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer):
            yield
    finally:
        sys.stdout.write(ADDRESS.sub("0x…", buffer.getvalue()))
