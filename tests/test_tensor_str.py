"""Tests for minigrad._tensor_str: tensors must print exactly as in PyTorch 2.13.

The expected strings come from /work/shared/reference/pytorch-autograd.md
(sections 1.1, 1.2, 8.3 and 13), and the parity tests compare with the
installed PyTorch directly. The tensors are stand-ins holding only the four
attributes that ``tensor_str`` reads, so these tests do not need the Tensor class.
"""

from __future__ import annotations

import math
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minigrad import _dtype
from minigrad._dtype import bool as bool_
from minigrad._dtype import float16, float32, float64, int32, int64
from minigrad._tensor_str import PRINT_OPTS, set_printoptions, tensor_str


def fake(values, dtype=float32, *, grad_fn=None, requires_grad=False):
    """A stand-in tensor. A ``grad_fn`` name makes it a non-leaf requiring grad."""
    node = None if grad_fn is None else SimpleNamespace(name=lambda: grad_fn)
    return SimpleNamespace(
        _data=np.asarray(values, dtype=dtype.numpy),
        dtype=dtype,
        grad_fn=node,
        requires_grad=requires_grad or grad_fn is not None,
    )


def fake_from_array(array, suffix=None):
    """A stand-in for ``torch.from_numpy(array)``, optionally requiring grad."""
    dtype = _dtype.from_numpy_dtype(array.dtype)
    if suffix == "grad_fn":
        return fake(array, dtype, grad_fn="MulBackward0")
    return fake(array, dtype, requires_grad=suffix == "requires_grad")


@pytest.fixture(autouse=True)
def default_printoptions():
    """Every test starts and ends with PyTorch's default print options."""
    set_printoptions(profile="default")
    yield
    set_printoptions(profile="default")


# ---------------------------------------------------------------------------
# Section 1.1 of the reference: basic reprs.

ONES_2X3X4 = """\
tensor([[[1., 1., 1., 1.],
         [1., 1., 1., 1.],
         [1., 1., 1., 1.]],

        [[1., 1., 1., 1.],
         [1., 1., 1., 1.],
         [1., 1., 1., 1.]]])"""

BASIC_REPRS = [
    (
        fake(np.ones((2, 2)), requires_grad=True),
        "tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)",
    ),
    (
        fake(np.full((2, 2), 3.0), grad_fn="AddBackward0"),
        "tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)",
    ),
    (fake(3.0, grad_fn="MeanBackward0"), "tensor(3., grad_fn=<MeanBackward0>)"),
    (
        fake(np.full((2, 3), 2.0), grad_fn="MmBackward0"),
        "tensor([[2., 2., 2.],\n        [2., 2., 2.]], grad_fn=<MmBackward0>)",
    ),
    (fake(4.0, grad_fn="SumBackward0"), "tensor(4., grad_fn=<SumBackward0>)"),
    (fake(6.0, grad_fn="MulBackward0"), "tensor(6., grad_fn=<MulBackward0>)"),
    (fake(np.full((2, 2), 2.0)), "tensor([[2., 2.],\n        [2., 2.]])"),
    (fake([1, 2, 3], int64), "tensor([1, 2, 3])"),
    (fake([[1, 2], [3, 4]], int64), "tensor([[1, 2],\n        [3, 4]])"),
    (fake(5, int64), "tensor(5)"),
    (fake(5.0), "tensor(5.)"),
    (fake(4.5), "tensor(4.5000)"),
    (fake(3.0, requires_grad=True), "tensor(3., requires_grad=True)"),
    (fake([True, False], bool_), "tensor([ True, False])"),
    (fake([1.0, 2.0], float64), "tensor([1., 2.], dtype=torch.float64)"),
    (fake([1, 2], int32), "tensor([1, 2], dtype=torch.int32)"),
    (fake([1.0, 2.0], float16), "tensor([1., 2.], dtype=torch.float16)"),
    (
        fake([1.0, 1.0], float64, requires_grad=True),
        "tensor([1., 1.], dtype=torch.float64, requires_grad=True)",
    ),
    (
        fake([2.0, 2.0], float64, grad_fn="MulBackward0"),
        "tensor([2., 2.], dtype=torch.float64, grad_fn=<MulBackward0>)",
    ),
    (fake([0, 2, 4], int64), "tensor([0, 2, 4])"),
    (fake([]), "tensor([])"),
    (fake(np.zeros((0, 3))), "tensor([], size=(0, 3))"),
    (fake(np.zeros((2, 0))), "tensor([], size=(2, 0))"),
    (fake(np.ones((2, 3, 4))), ONES_2X3X4),
    (
        fake(np.full((2, 1, 1), 2.0), grad_fn="MulBackward0"),
        "tensor([[[2.]],\n\n        [[2.]]], grad_fn=<MulBackward0>)",
    ),
    # From `torch.return_types.max`: values=tensor(...), indices=tensor(...).
    (fake([5.0, 7.0], grad_fn="MaxBackward0"), "tensor([5., 7.], grad_fn=<MaxBackward0>)"),
    (fake([1, 0], int64), "tensor([1, 0])"),
]


@pytest.mark.parametrize(("tensor", "expected"), BASIC_REPRS)
def test_basic_reprs(tensor, expected):
    assert tensor_str(tensor) == expected


def test_parameter_repr_is_a_header_over_the_plain_tensor_repr():
    # nn.Parameter keeps the "tensor(" prefix and adds a header line.
    header = "Parameter containing:\n"
    assert header + tensor_str(fake([1.0, 1.0], requires_grad=True)) == (
        "Parameter containing:\ntensor([1., 1.], requires_grad=True)"
    )
    assert header + tensor_str(fake([1.0, 1.0])) == "Parameter containing:\ntensor([1., 1.])"


def test_prefix_sets_the_continuation_indent():
    # A Tensor subclass named Foo prints as Foo(...) in PyTorch.
    assert tensor_str(fake(np.ones((2, 2))), prefix="Foo(") == "Foo([[1., 1.],\n     [1., 1.]])"


# ---------------------------------------------------------------------------
# Section 1.2: suffix wrapping.

SUFFIX_WRAPPING = [
    (
        fake(
            [1.5410, -0.2934, -2.1788, 0.5684, -1.0845, -1.3986, 0.4033, 0.8380], requires_grad=True
        ),
        "tensor([ 1.5410, -0.2934, -2.1788,  0.5684, -1.0845, -1.3986,  0.4033,  0.8380],\n"
        "       requires_grad=True)",
    ),
    (
        fake([-1.4385, -0.8067, -1.1933, 0.3641, -1.7133, 2.2012], grad_fn="MulBackward0"),
        "tensor([-1.4385, -0.8067, -1.1933,  0.3641, -1.7133,  2.2012],\n"
        "       grad_fn=<MulBackward0>)",
    ),
    (
        fake([-2.1424, 0.2454, -1.1326, 0.7462, -1.7840, -3.0182], float64, grad_fn="MulBackward0"),
        "tensor([-2.1424,  0.2454, -1.1326,  0.7462, -1.7840, -3.0182],\n"
        "       dtype=torch.float64, grad_fn=<MulBackward0>)",
    ),
    (
        fake(
            [
                [0.7408, 2.9130, 1.8796, 1.5497, 0.3837, 2.5276],
                [-2.5809, -1.5822, -0.0418, -1.4370, 1.0373, -2.6250],
            ],
            grad_fn="MulBackward0",
        ),
        "tensor([[ 0.7408,  2.9130,  1.8796,  1.5497,  0.3837,  2.5276],\n"
        "        [-2.5809, -1.5822, -0.0418, -1.4370,  1.0373, -2.6250]],\n"
        "       grad_fn=<MulBackward0>)",
    ),
]


@pytest.mark.parametrize(("tensor", "expected"), SUFFIX_WRAPPING)
def test_suffix_wrapping(tensor, expected):
    assert tensor_str(tensor) == expected


# ---------------------------------------------------------------------------
# Section 1.2: float and integer element formatting (float32 unless noted).

ELEMENT_FORMATTING = [
    ([1.5, 2.0], "tensor([1.5000, 2.0000])"),
    ([1.0, 2.0], "tensor([1., 2.])"),
    ([-1.0, 2.0], "tensor([-1.,  2.])"),
    ([-1.5, 2.0], "tensor([-1.5000,  2.0000])"),
    ([1.123456789, 2], "tensor([1.1235, 2.0000])"),
    ([1 / 3, 2 / 3], "tensor([0.3333, 0.6667])"),
    ([1e-5, 1.0], "tensor([1.0000e-05, 1.0000e+00])"),
    ([1e8, 1.0], "tensor([1.0000e+08, 1.0000e+00])"),
    ([12345.6789, 1], "tensor([1.2346e+04, 1.0000e+00])"),
    ([123456789.0], "tensor([1.2346e+08])"),
    ([1.0, 1000.0], "tensor([   1., 1000.])"),
    ([1.0, 1001.0], "tensor([1.0000e+00, 1.0010e+03])"),
    ([1e-4, 1.0], "tensor([1.0000e-04, 1.0000e+00])"),  # float32(1e-4) < 1e-4
    ([100.0, 0.5], "tensor([100.0000,   0.5000])"),
    ([-3.25, 100.0], "tensor([ -3.2500, 100.0000])"),
    ([1e8], "tensor([100000000.])"),
    ([1234567.0], "tensor([1234567.])"),
    ([0.001], "tensor([0.0010])"),
    ([math.nan, 2.5], "tensor([   nan, 2.5000])"),
    ([-0.0], "tensor([-0.])"),
    ([0.5, 600.0], "tensor([5.0000e-01, 6.0000e+02])"),
    ([math.nan, 1.0, math.inf, -math.inf], "tensor([nan, 1., inf, -inf])"),
    ([0.0, 0.0], "tensor([0., 0.])"),
    (1e-5, "tensor(1.0000e-05)"),
    (123456789.0, "tensor(1.2346e+08)"),
]


@pytest.mark.parametrize(("values", "expected"), ELEMENT_FORMATTING)
def test_float_formatting(values, expected):
    assert tensor_str(fake(values)) == expected


def test_integers_are_right_aligned():
    assert (
        tensor_str(fake([[1, -100], [10, 0]], int64))
        == "tensor([[   1, -100],\n        [  10,    0]])"
    )


# ---------------------------------------------------------------------------
# Section 1.2: summarization and line wrapping.

ONES_40X40 = """\
tensor([[1., 1., 1.,  ..., 1., 1., 1.],
        [1., 1., 1.,  ..., 1., 1., 1.],
        [1., 1., 1.,  ..., 1., 1., 1.],
        ...,
        [1., 1., 1.,  ..., 1., 1., 1.],
        [1., 1., 1.,  ..., 1., 1., 1.],
        [1., 1., 1.,  ..., 1., 1., 1.]])"""

SUMMARIZED = [
    (fake(np.arange(1001), int64), "tensor([   0,    1,    2,  ...,  998,  999, 1000])"),
    (fake(np.arange(1001.0)), "tensor([   0.,    1.,    2.,  ...,  998.,  999., 1000.])"),
    (
        fake(np.full(1001, 2.0), grad_fn="MulBackward0"),
        "tensor([2., 2., 2.,  ..., 2., 2., 2.], grad_fn=<MulBackward0>)",
    ),
    (fake(np.ones((40, 40))), ONES_40X40),
]


@pytest.mark.parametrize(("tensor", "expected"), SUMMARIZED)
def test_summarization(tensor, expected):
    assert tensor_str(tensor) == expected


def test_one_thousand_elements_print_in_full_fourteen_per_line():
    # Width 3 plus ", " is 5 columns: floor((80 - 7) / 5) = 14 per line.
    numbers = [f"{i:3d}" for i in range(1000)]
    lines = [", ".join(numbers[i : i + 14]) for i in range(0, 1000, 14)]
    expected = "tensor([" + ",\n        ".join(lines) + "])"
    assert tensor_str(fake(np.arange(1000), int64)) == expected


def test_long_rows_wrap_inside_the_row():
    sevenths = np.arange(30.0, dtype=np.float32).reshape(3, 10) / np.float32(7)
    lines = tensor_str(fake(sevenths)).split("\n")
    assert (
        lines[0]
        == "tensor([[0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000, 1.1429,"
    )
    assert lines[1] == "         1.2857],"
    assert lines[2].startswith("        [1.4286, ")


# ---------------------------------------------------------------------------
# Sections 8.3 and 13: the seed tutorial's printed tensors.

SEED_OUTPUTS = [
    (
        fake(np.ones((2, 2)), requires_grad=True),
        "tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)",
    ),
    (
        fake(np.full((2, 2), 3.0), grad_fn="AddBackward0"),
        "tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)",
    ),
    (
        fake(np.full((2, 2), 27.0), grad_fn="MulBackward0"),
        "tensor([[27., 27.],\n        [27., 27.]], grad_fn=<MulBackward0>)",
    ),
    (fake(27.0, grad_fn="MeanBackward0"), "tensor(27., grad_fn=<MeanBackward0>)"),
    (fake(np.full((2, 2), 4.5)), "tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])"),
    (fake([1.0, 1.0]), "tensor([1., 1.])"),
    (fake([[5.0, 8.0]], grad_fn="MmBackward0"), "tensor([[5., 8.]], grad_fn=<MmBackward0>)"),
    (fake([[1.0, 3.0]]), "tensor([[1., 3.]])"),
    (fake([[2.0, 0.0], [1.0, 0.0]]), "tensor([[2., 0.],\n        [1., 0.]])"),
    (fake(12.0, grad_fn="CopyBackwards"), "tensor(12., grad_fn=<CopyBackwards>)"),
    (fake([0.7, 0.7], requires_grad=True), "tensor([0.7000, 0.7000], requires_grad=True)"),
    (fake([0.7, 0.7]), "tensor([0.7000, 0.7000])"),
    (fake([0.7, 0.7], grad_fn="SubBackward0"), "tensor([0.7000, 0.7000], grad_fn=<SubBackward0>)"),
    (fake([10.0, 2.0], grad_fn="CopySlices"), "tensor([10.,  2.], grad_fn=<CopySlices>)"),
    (fake([0.0, 2.0]), "tensor([0., 2.])"),
    (fake([1.0, 2.5]), "tensor([1.0000, 2.5000])"),
    (fake([1, 1], int64), "tensor([1, 1])"),
    (fake(3, int64), "tensor(3)"),
    (fake(3.0), "tensor(3.)"),
    (fake(True, bool_), "tensor(True)"),
    (fake([[1.0, 0.0]]), "tensor([[1., 0.]])"),
]


@pytest.mark.parametrize(("tensor", "expected"), SEED_OUTPUTS)
def test_seed_tutorial_outputs(tensor, expected):
    assert tensor_str(tensor) == expected


def test_y_grad_continuation_ignores_text_printed_before_it():
    y_grad = fake([[2.0, 0.0], [1.0, 0.0]])
    assert f"y.grad: {tensor_str(y_grad)}" == "y.grad: tensor([[2., 0.],\n        [1., 0.]])"


def test_float64_default_dtype_moves_the_dtype_suffix():
    _dtype.set_default_dtype(float64)
    try:
        assert tensor_str(fake([1.0, 2.0], float64)) == "tensor([1., 2.])"
        assert tensor_str(fake([1.0, 2.0], float32)) == "tensor([1., 2.], dtype=torch.float32)"
        assert tensor_str(fake([1, 2], int64)) == "tensor([1, 2])"
    finally:
        _dtype.set_default_dtype(float32)


# ---------------------------------------------------------------------------
# set_printoptions.


def test_precision():
    set_printoptions(precision=2)
    assert tensor_str(fake([1.23456, 2.0])) == "tensor([1.23, 2.00])"
    assert tensor_str(fake([1.12345])) == "tensor([1.12])"


def test_sci_mode_false_and_true():
    set_printoptions(sci_mode=False)
    assert tensor_str(fake([1e-8, 1.0])) == "tensor([0.0000, 1.0000])"
    set_printoptions(sci_mode=True)
    assert tensor_str(fake([1.0, 2.0])) == "tensor([1.0000e+00, 2.0000e+00])"
    # With no nonzero finite values there is nothing to choose a style from.
    assert tensor_str(fake([0.0, 0.0])) == "tensor([0., 0.])"


def test_every_call_resets_sci_mode():
    set_printoptions(sci_mode=False)
    set_printoptions(precision=4)
    assert PRINT_OPTS.sci_mode is None
    assert tensor_str(fake([1e-8, 1.0])) == "tensor([1.0000e-08, 1.0000e+00])"


def test_threshold_and_edgeitems():
    set_printoptions(threshold=5)
    assert tensor_str(fake(np.arange(10), int64)) == "tensor([0, 1, 2,  ..., 7, 8, 9])"
    set_printoptions(edgeitems=1)
    assert tensor_str(fake(np.arange(10), int64)) == "tensor([0,  ..., 9])"


def test_zero_edgeitems_shows_only_the_size():
    set_printoptions(threshold=5, edgeitems=0)
    assert tensor_str(fake(np.arange(10.0))) == "tensor([...], size=(10,))"
    assert tensor_str(fake(np.ones((3, 4)))) == "tensor([...], size=(3, 4))"
    assert tensor_str(fake(np.ones(2))) == "tensor([1., 1.], size=(2,))"


def test_linewidth():
    set_printoptions(linewidth=30)
    expected = "tensor([0.0000, 0.3333,\n        0.6667, 1.0000,\n        1.3333, 1.6667])"
    assert tensor_str(fake(np.arange(6.0) / 3)) == expected


def test_profiles():
    set_printoptions(profile="short")
    assert (PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems) == (2, 1000, 2)
    thirds = np.arange(1001.0, dtype=np.float32) / np.float32(3)
    assert tensor_str(fake(thirds)) == "tensor([0.00e+00, 3.33e-01,  ..., 3.33e+02, 3.33e+02])"
    set_printoptions(profile="full")
    assert PRINT_OPTS.threshold == math.inf
    assert "..." not in tensor_str(fake(np.ones(1001)))
    set_printoptions(profile="default", precision=6)
    assert (PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems) == (6, 1000, 3)


def test_unknown_profile_is_ignored():
    set_printoptions(precision=3)
    set_printoptions(profile="no such profile")
    assert PRINT_OPTS.precision == 3


# ---------------------------------------------------------------------------
# Parity with the installed PyTorch.


def torch_repr(array, suffix=None, printoptions=None):
    """``repr(torch.from_numpy(array))``, optionally requiring grad or with a grad_fn."""
    torch = pytest.importorskip("torch")
    tensor = torch.from_numpy(np.array(array))
    if suffix == "requires_grad":
        tensor.requires_grad_()
    elif suffix == "grad_fn":
        tensor = tensor.requires_grad_() * 1
    if printoptions is None:
        return repr(tensor)
    torch.set_printoptions(**printoptions)
    try:
        return repr(tensor)
    finally:
        torch.set_printoptions(profile="default")


def _log_uniform(rng, shape, low, high, dtype):
    """Random values of both signs whose magnitudes span low..high."""
    magnitudes = 10.0 ** rng.uniform(math.log10(low), math.log10(high), shape)
    return (magnitudes * rng.choice([-1.0, 1.0], shape)).astype(dtype)


def _parity_arrays():
    """Arrays of every dtype, 0-D to 4-D, small and summarized."""
    rng = np.random.default_rng(2013)
    arrays = {
        "0d-float32": np.array(0.25, np.float32),
        "0d-float64-huge": np.array(3.5e9),
        "0d-int": np.array(-7),
        "0d-bool": np.array(False),
        "0d-nan": np.array(math.nan, np.float32),
        "randn-3": rng.standard_normal(3).astype(np.float32),
        "randn-5x7": rng.standard_normal((5, 7)).astype(np.float32),
        "randn-2x3x4-float64": rng.standard_normal((2, 3, 4)),
        "randn-2x2x3x2": rng.standard_normal((2, 2, 3, 2)).astype(np.float32),
        "randn-float16": rng.standard_normal((4, 6)).astype(np.float16),
        "wide-row-wraps": rng.standard_normal(37).astype(np.float32) * 100,
        "magnitudes-1e-8..1e9": _log_uniform(rng, (6, 5), 1e-8, 1e9, np.float32),
        "magnitudes-1e-8..1e9-float64": _log_uniform(rng, (3, 4, 5), 1e-8, 1e9, np.float64),
        "magnitudes-1e-3..1e3": _log_uniform(rng, (4, 4), 1e-3, 1e3, np.float32),
        "small-1e-8": _log_uniform(rng, 5, 1e-8, 1e-6, np.float32),
        "large-integral": np.round(_log_uniform(rng, 6, 1e2, 1e9, np.float64)),
        "integral-floats": rng.integers(-50, 50, (3, 5)).astype(np.float32),
        "with-nan-inf": np.array([[math.nan, -math.inf, 0.5], [math.inf, -0.0, 12.0]], np.float32),
        "only-nan-inf": np.array([math.nan, math.inf, -math.inf]),
        "zeros": np.zeros((2, 3), np.float32),
        "negative-zero": np.array([-0.0, 0.0, 1.0], np.float32),
        "float16-limits": np.array([65504.0, 6e-5, -1.0], np.float16),
        "ints": rng.integers(-(10**6), 10**6, (4, 5)),
        "int32": rng.integers(-100, 100, (3, 3)).astype(np.int32),
        "bools": rng.random((3, 4)) > 0.5,
        "all-true": np.ones(3, bool),
        "empty-0": np.zeros(0, np.float32),
        "empty-0x3": np.zeros((0, 3), np.float32),
        "empty-2x0x4-float64": np.zeros((2, 0, 4)),
        "empty-int": np.zeros((0,), np.int64),
        "empty-bool-3x0": np.zeros((3, 0), bool),
        "summarized-1d": rng.standard_normal(1500).astype(np.float32),
        "summarized-2d": _log_uniform(rng, (50, 30), 1e-2, 1e5, np.float32),
        "summarized-3d-float64": rng.standard_normal((11, 10, 12)),
        "summarized-4d": rng.standard_normal((2, 3, 20, 20)).astype(np.float32),
        "summarized-long-rows": rng.standard_normal((3, 400)).astype(np.float32),
        "summarized-ints": rng.integers(-(10**9), 10**9, (40, 40)),
        "summarized-bools": rng.random((2, 1001)) > 0.5,
        "summarized-float16": rng.standard_normal(2000).astype(np.float16),
        "summarized-hidden-outlier": np.concatenate([np.ones(3), [1e-9] * 1000, np.ones(3)]).astype(
            np.float32
        ),
    }
    return [pytest.param(array, id=name) for name, array in arrays.items()]


PARITY_ARRAYS = _parity_arrays()


def _with_suffixes(params):
    """Each array plain, and the floating point ones also requiring grad or with a grad_fn."""
    for param in params:
        (array,) = param.values
        suffixes = [None, "requires_grad", "grad_fn"] if array.dtype.kind == "f" else [None]
        for suffix in suffixes:
            yield pytest.param(array, suffix, id=f"{param.id}-{suffix}")


@pytest.mark.parametrize(("array", "suffix"), list(_with_suffixes(PARITY_ARRAYS)))
def test_matches_pytorch(array, suffix):
    assert tensor_str(fake_from_array(array, suffix)) == torch_repr(array, suffix)


PRINTOPTION_CASES = [
    {"precision": 2},
    {"precision": 0},
    {"precision": 8, "linewidth": 120},
    {"sci_mode": True},
    {"sci_mode": False},
    {"threshold": 10},
    {"threshold": 10, "edgeitems": 1},
    {"threshold": 10, "edgeitems": 0},
    {"linewidth": 20},
    {"profile": "short"},
    {"profile": "full"},
]


@pytest.mark.parametrize("options", PRINTOPTION_CASES, ids=str)
@pytest.mark.parametrize("array", PARITY_ARRAYS)
def test_matches_pytorch_with_printoptions(array, options):
    suffix = "grad_fn" if array.dtype.kind == "f" else None
    expected = torch_repr(array, suffix, printoptions=options)
    set_printoptions(**options)
    assert tensor_str(fake_from_array(array, suffix)) == expected


def test_matches_pytorch_with_float64_default_dtype():
    torch = pytest.importorskip("torch")
    arrays = [
        np.ones(2),
        np.ones(2, np.float32),
        np.zeros(0),
        np.zeros((0, 2), np.float32),
        np.arange(3),
    ]
    torch.set_default_dtype(torch.float64)
    _dtype.set_default_dtype(float64)
    try:
        for array in arrays:
            assert tensor_str(fake_from_array(array)) == repr(torch.from_numpy(array))
    finally:
        torch.set_default_dtype(torch.float32)
        _dtype.set_default_dtype(float32)


def test_tensor_subclass_prefix_matches_pytorch():
    torch = pytest.importorskip("torch")

    class Foo(torch.Tensor):
        pass

    array = np.arange(40.0).reshape(2, 20) / 3
    expected = repr(torch.from_numpy(array).as_subclass(Foo))
    assert tensor_str(fake_from_array(array), prefix="Foo(") == expected


FLOAT_TYPES = [np.float16, np.float32, np.float64]


@st.composite
def arrays_and_options(draw):
    """An array of any supported dtype and shape, and print options to show it with."""
    dtype = draw(st.sampled_from([*FLOAT_TYPES, np.int32, np.int64, np.bool_]))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=7))
    if dtype in FLOAT_TYPES:
        # Drawn as float64 and rounded to the dtype, so that float16 may overflow to inf.
        special = st.sampled_from([0.0, -0.0, math.nan, math.inf, -math.inf, 1e-4, 1e8, 1000.0])
        elements = st.one_of(
            st.floats(allow_nan=True, allow_infinity=True),
            st.floats(min_value=-1e9, max_value=1e9),
            st.integers(-2000, 2000).map(float),
            special,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            array = draw(hnp.arrays(np.float64, shape, elements=elements)).astype(dtype)
    else:
        array = draw(hnp.arrays(dtype, shape))
    options = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "precision": st.integers(0, 8),
                "threshold": st.integers(0, 60),
                "edgeitems": st.integers(0, 4),
                "linewidth": st.integers(10, 120),
                "sci_mode": st.sampled_from([True, False]),
                "profile": st.sampled_from(["default", "short", "full"]),
            },
        )
    )
    suffix = (
        draw(st.sampled_from([None, "requires_grad", "grad_fn"])) if dtype in FLOAT_TYPES else None
    )
    return array, options, suffix


@settings(max_examples=400, deadline=None)
@given(arrays_and_options())
def test_matches_pytorch_property(case):
    array, options, suffix = case
    expected = torch_repr(array, suffix, printoptions=options)
    set_printoptions(**options)
    try:
        assert tensor_str(fake_from_array(array, suffix)) == expected
    finally:
        set_printoptions(profile="default")
