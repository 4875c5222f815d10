"""Benchmarks: minigrad beside PyTorch, hand-written NumPy, micrograd and HIPS autograd.

``python benchmarks/run.py`` (or ``make bench``) runs every workload and writes
``benchmarks/RESULTS.md``. The workloads and their targets are in ``workloads.py``;
each engine's version of them is in ``engines/``.
"""
