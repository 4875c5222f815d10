"""The random number generator behind ``rand``/``randn`` and ``manual_seed``.

minigrad draws from NumPy's PCG64 generator, so the numbers differ from
PyTorch's for the same seed; what matters for the course is that a seed makes
every run print the same numbers.
"""

from __future__ import annotations

import numpy as np

__all__ = ["manual_seed", "seed", "initial_seed", "default_generator"]


class Generator:
    """Holds the NumPy generator and the seed it was started from."""

    def __init__(self, seed: int = 0) -> None:
        self.manual_seed(seed)

    def manual_seed(self, seed: int) -> Generator:
        self._seed = int(seed)
        self.numpy = np.random.default_rng(self._seed)
        return self

    def initial_seed(self) -> int:
        return self._seed


default_generator = Generator(0)


def manual_seed(seed: int) -> Generator:
    """Seed the generator so that random tensors are the same on every run."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed from the operating system's entropy and return the seed used."""
    value = int(np.random.SeedSequence().entropy % 2**63)
    default_generator.manual_seed(value)
    return value


def initial_seed() -> int:
    return default_generator.initial_seed()
