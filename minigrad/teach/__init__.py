"""Helpers for the course notebooks: read the real code, check your own, do the exercises.

* ``show_source(obj)`` shows the source of a minigrad function, class or method;
* ``numerical_grad(f, x)`` and ``numerical_jacobian(f, x)``: central finite
  differences in float64, the check that needs nothing but arithmetic;
* ``compare(name, mine, reference, numeric=..., pytorch=...)`` asserts that your
  scratch result equals minigrad's, the finite differences and (silently, when it
  is installed) PyTorch's, then prints one line;
* ``check(...)`` and ``with exercise(...):`` run an exercise's checks and say
  passed, not done yet, or what is wrong (with a hint); ``require_answer(...)``
  marks an exercise as not done while its answer is still ``...``;
* ``masked_addresses()`` prints as usual but with memory addresses hidden, so a
  committed notebook shows the same text on every machine.

This package is for notebooks only: the library never imports it, and it needs
nothing beyond NumPy (IPython is used when it is there).
"""

from __future__ import annotations

from .checks import NotDoneError, assert_close, check, compare, exercise, require_answer
from .numeric import numerical_grad, numerical_jacobian
from .output import masked_addresses
from .source import Source, show_source, source_of

__all__ = [
    "NotDoneError",
    "Source",
    "assert_close",
    "check",
    "compare",
    "exercise",
    "masked_addresses",
    "numerical_grad",
    "numerical_jacobian",
    "require_answer",
    "show_source",
    "source_of",
]
