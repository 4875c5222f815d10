"""Checks for the notebooks: your result against minigrad's, finite differences and PyTorch.

Each check either prints one line saying what passed, or raises an
``AssertionError`` that shows both values, so a wrong answer stops the notebook
where it went wrong. An exercise that has not been attempted yet (its answer is
still ``...``, or its function still raises ``NotImplementedError``) is not an
error: the check says so and the notebook runs on.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import numpy as np


class NotDoneError(NotImplementedError):
    """An exercise answer that is still the placeholder ``...``."""


def assert_close(
    got: Any, expected: Any, what: str = "value", *, atol: float = 1e-6, rtol: float = 1e-5
) -> None:
    """Raise ``AssertionError`` unless ``got`` equals ``expected`` (same shape, close values).

    Values may be tensors (minigrad's or PyTorch's), NumPy arrays, numbers, ``None``,
    or tuples and lists of them, compared element by element.
    """
    if got is ... or (isinstance(got, tuple | list) and any(v is ... for v in got)):
        raise NotDoneError(f"{what} is still `...`")
    if _is_collection(expected):
        if not _is_collection(got) or len(got) != len(expected):
            raise AssertionError(f"{what}: expected {len(expected)} values, got {got!r}")
        for i, (g, e) in enumerate(zip(got, expected)):
            assert_close(g, e, f"{what}[{i}]", atol=atol, rtol=rtol)
        return
    if got is None or expected is None:
        if got is not expected:
            raise AssertionError(f"{what}: expected {expected!r}, got {got!r}")
        return
    g, e = _as_array(got), _as_array(expected)
    if g.shape != e.shape:
        raise AssertionError(
            f"{what}: expected shape {tuple(e.shape)}, got shape {tuple(g.shape)}\n"
            f"  got:      {got!r}\n  expected: {expected!r}"
        )
    if not _close(g, e, atol, rtol):
        raise AssertionError(f"{what} differs\n  got:      {got!r}\n  expected: {expected!r}")


def require_answer(*answers: Any) -> None:
    """Raise ``NotDoneError`` if an answer is still the placeholder ``...``.

    For checks written as plain ``assert`` statements inside ``with exercise(...)``.
    """
    if any(answer is ... for answer in answers):
        raise NotDoneError("the answer is still `...`")


def compare(
    name: str,
    mine: Any,
    reference: Any,
    *,
    numeric: Any = None,
    pytorch: Callable[[ModuleType], Any] | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> None:
    """Assert that your result ``mine`` equals minigrad's ``reference`` (and more), then say so.

    ``numeric``: the finite-difference value, compared with ``reference``.
    ``pytorch``: a function of a module, ``pytorch(torch)``, that computes the
    reference; it is run with the real PyTorch when that is installed, and the
    result compared with ``reference``. The printed line is the same either way,
    so the notebook's output does not depend on what is installed.
    """
    assert_close(mine, reference, f"{name}: yours vs minigrad", atol=atol, rtol=rtol)
    if numeric is not None:
        what = f"{name}: minigrad vs finite differences"
        assert_close(reference, numeric, what, atol=atol, rtol=rtol)
    if pytorch is not None and (torch := _pytorch()) is not None:
        with _silenced():
            theirs = pytorch(torch)
        assert_close(theirs, reference, f"{name}: PyTorch vs minigrad", atol=atol, rtol=rtol)
    also = " and finite differences" if numeric is not None else ""
    print(f"✅ {name}: yours matches minigrad{also}")


@contextlib.contextmanager
def exercise(name: str, hint: str = "") -> Iterator[None]:
    """Run an exercise's checks: print ``✅ <name> passed``, or say it is not done yet.

    A failing check is re-raised as ``AssertionError`` starting with ``❌ <name>``,
    with the hint attached as a note (shown under the error).
    """
    try:
        yield
    except NotImplementedError:
        print(
            f"✏️ {name}: not done yet. Write your answer in the cell above (in place of `...` or "
            "`raise NotImplementedError`), run it, then run this cell again."
        )
    except AssertionError as failure:
        error = AssertionError(f"❌ {name}: {failure}")
        if hint:
            error.add_note(f"Hint: {hint}")
        raise error from None
    else:
        print(f"✅ {name} passed")


def check(
    name: str, got: Any, expected: Any, *, hint: str = "", atol: float = 1e-6, rtol: float = 1e-5
) -> None:
    """One exercise answer against its expected value (see ``exercise`` and ``assert_close``)."""
    with exercise(name, hint):
        assert_close(got, expected, "your answer", atol=atol, rtol=rtol)


def _is_collection(value: Any) -> bool:
    return isinstance(value, tuple | list) and any(
        v is None or hasattr(v, "shape") or _is_collection(v) for v in value
    )


def _as_array(value: Any) -> np.ndarray:
    """Any tensor (minigrad, PyTorch), array or number as a NumPy array, outside any graph."""
    if hasattr(value, "detach"):
        value = value.detach()
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()
    return np.asarray(value)


def _close(got: np.ndarray, expected: np.ndarray, atol: float, rtol: float) -> bool:
    if got.dtype.kind in "biufc" and expected.dtype.kind in "biufc":  # bools and numbers
        return bool(np.allclose(got, expected, atol=atol, rtol=rtol, equal_nan=True))
    return bool(np.array_equal(got, expected))


def _pytorch() -> ModuleType | None:
    """The real PyTorch if it is installed, else ``None``."""
    try:
        import torch
    except ImportError:
        return None
    return torch


@contextlib.contextmanager
def _silenced() -> Iterator[None]:
    """No warnings and no printing: the PyTorch cross-check must not change the output."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        yield
