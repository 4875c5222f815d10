"""``minigrad.optim``: algorithms that update parameters from their ``.grad``.

The training loop they serve::

    optimizer = optim.SGD(model.parameters(), lr=0.1)
    for x, y in data:
        optimizer.zero_grad()          # forget the previous step's gradients
        loss = loss_fn(model(x), y)
        loss.backward()                # fill every parameter's .grad
        optimizer.step()               # update the parameters, in place
"""

from .adam import Adam
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam"]
