"""See the graph: draw a backward graph inline, and step through a real backward pass.

``draw(out)`` as the last line of a notebook cell shows the graph of ``out``
(``make_dot`` is torchviz's name for it); ``to_dot(out)`` is its DOT source;
``step_through(out)`` shows backward one node at a time, in the engine's order.
Graphviz is optional: without a ``dot`` program the DOT text is shown instead.
"""

from .display import GraphImage, draw, make_dot
from .dot import to_dot
from .step import StepThrough, step_through

__all__ = ["GraphImage", "StepThrough", "draw", "make_dot", "step_through", "to_dot"]
