"""The Tensor's own API as PyTorch 2.13 has it: leaves, ``requires_grad``, ``detach``,
conversions, dtype inference and promotion, ``Size`` (reference §2, §10, §13.1).
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
from torch_parity import raises

import minigrad as torch

NON_LEAF = "you can only change requires_grad flags of leaf variables."
NON_LEAF_LONG = (
    NON_LEAF + " If you want to use a computed variable in a subgraph that doesn't require "
    "differentiation use var_no_grad = var.detach()."
)


def warnings_in_fresh_process(code: str) -> list[str]:
    """The warning messages ``code`` emits in a new interpreter (for once-per-process ones)."""
    script = (
        "import warnings\nwarnings.simplefilter('always')\nimport minigrad as torch\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        + "".join(f"    {line}\n" for line in code.splitlines())
        + "print(repr([str(w.message) for w in caught]))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return eval(out.stdout)  # noqa: S307 - the repr of a list of str that we printed


# --- leaves (§2.1) ------------------------------------------------------------------------------
def leaf_table():
    x = torch.ones(2, 2, requires_grad=True)
    c = torch.ones(2, 2)
    with torch.no_grad():
        under_no_grad = x * 2
    return {
        "x": (x, True, True, None),
        "c": (c, True, False, None),
        "x + 2": (x + 2, False, True, "AddBackward0"),
        "c + 2": (c + 2, True, False, None),
        "x.view(4)": (x.view(4), False, True, "ViewBackward0"),
        "x.to(float64)": (x.to(torch.float64), False, True, "ToCopyBackward0"),
        "x.to(float32)": (x.to(torch.float32), True, True, None),
        "x.detach()": (x.detach(), True, False, None),
        "x.clone()": (x.clone(), False, True, "CloneBackward0"),
        "x * 2 under no_grad": (under_no_grad, True, False, None),
        "rand(requires_grad=True)": (torch.rand(2, requires_grad=True), True, True, None),
        "rand(...) * 3": (torch.rand(2, requires_grad=True) * 3, False, True, "MulBackward0"),
        "tensor(requires_grad=True)": (torch.tensor([1.0], requires_grad=True), True, True, None),
    }  # fmt: skip


@pytest.mark.parametrize("row", leaf_table())
def test_leaf_table(row):
    tensor, is_leaf, requires_grad, name = leaf_table()[row]
    assert (tensor.is_leaf, tensor.requires_grad) == (is_leaf, requires_grad)
    assert (tensor.grad_fn.name() if tensor.grad_fn else None) == name
    assert tensor.is_leaf == (tensor.grad_fn is None)


def test_to_the_same_dtype_returns_the_tensor_itself():
    x = torch.ones(2, requires_grad=True)
    assert x.to(torch.float32) is x and x.float() is x and x.to("cpu") is x


def test_a_computed_tensor_can_be_made_a_leaf_that_requires_grad():
    a = torch.rand(2, 2)
    a = (a * 3) / (a - 1)
    assert (a.requires_grad, a.is_leaf, a.grad_fn) == (False, True, None)
    a.requires_grad = True
    assert (a.requires_grad, a.is_leaf, a.grad_fn) == (True, True, None)
    b = (a * a).sum()
    assert b.grad_fn.name() == "SumBackward0"
    b.backward()
    np.testing.assert_allclose(a.grad.numpy(), 2 * a.detach().numpy())
    with torch.no_grad():
        y = torch.ones(2, requires_grad=True) * 2
    y.requires_grad = True
    assert (y.requires_grad, y.is_leaf) == (True, True)


# --- requires_grad errors (§2.3) ---------------------------------------------------------------
def test_requires_grad_of_a_result_cannot_be_changed():
    y = torch.ones(2, requires_grad=True) * 2
    with raises(RuntimeError, NON_LEAF_LONG) as info:
        y.requires_grad = False
    assert info.value.__notes__  # learner help travels as a note
    with raises(RuntimeError, NON_LEAF):
        y.requires_grad = True
    with raises(RuntimeError, NON_LEAF_LONG):
        y.requires_grad_(False)
    assert y.requires_grad_(True) is y and y.requires_grad_() is y


def test_a_leaf_may_stop_requiring_grad():
    x = torch.ones(2, requires_grad=True)
    x.requires_grad = False
    assert (x.requires_grad, x.is_leaf) == (False, True)
    assert x.requires_grad_() is x and x.requires_grad
    assert x.requires_grad_(False) is x and not x.requires_grad
    assert repr(torch.ones(2).requires_grad_()) == "tensor([1., 1.], requires_grad=True)"


def test_integer_tensors_cannot_require_grad_with_three_spellings():
    i = torch.tensor([1, 2, 3])
    setter = "only Tensors of floating point and complex dtype can require gradients"
    with raises(RuntimeError, setter):
        i.requires_grad = True
    factory = "Only Tensors of floating point and complex dtype can require gradients"
    with raises(RuntimeError, factory):
        torch.tensor([1, 2, 3], requires_grad=True)
    with raises(RuntimeError, factory):
        torch.ones(3, dtype=torch.long, requires_grad=True)
    with raises(RuntimeError, factory):
        torch.tensor([True], requires_grad=True)
    with raises(RuntimeError, "only Tensors of floating point dtype can require gradients"):
        torch.arange(3).requires_grad_()
    i.requires_grad = False  # a no-op, no error
    assert torch.arange(3).requires_grad_(False).requires_grad is False


def test_the_legacy_constructor_takes_no_requires_grad():
    message = (
        "new() received an invalid combination of arguments - got (list, requires_grad=bool), "
        "but expected one of:\n"
        " * (*, torch.device device = None)\n"
        "      didn't match because some of the keywords were incorrect: requires_grad\n"
        " * (torch.Storage storage)\n"
        " * (Tensor other)\n"
        " * (tuple of ints size, *, torch.device device = None)\n"
        " * (object data, *, torch.device device = None)\n"
    )
    with raises(TypeError, message):
        torch.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"got \(list, dtype=torch.dtype\)"):
        torch.Tensor([1.0], dtype=torch.float64)


# --- detach, detach_, .data (§2.4) --------------------------------------------------------
def test_detach_shares_storage_and_version_counter():
    x = torch.ones(3, requires_grad=True)
    d = x.detach()
    assert (d.requires_grad, d.is_leaf, d.grad_fn) == (False, True, None)
    assert d.data_ptr() == x.data_ptr()
    d[0] = 100.0
    assert repr(x) == "tensor([100.,   1.,   1.], requires_grad=True)"
    assert x._version == d._version == 1
    y = (x * 2).detach()
    assert (y.requires_grad, y.is_leaf) == (False, True)


def test_detach_in_place():
    x = torch.ones(3, requires_grad=True)
    y = x * 2
    assert y.detach_() is y
    assert (y.requires_grad, y.is_leaf, y.grad_fn) == (False, True, None)
    assert x.detach_() is x and not x.requires_grad
    view = torch.ones(3, requires_grad=True).view(3)
    message = (
        "Can't detach views in-place. Use detach() instead. If you are using "
        "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set as True, "
        "gradients are views of DDP buckets, and hence detach_() cannot be called on these "
        "gradients. To fix this error, please refer to the Optimizer.zero_grad() function in "
        "torch/optim/optimizer.py as the solution."
    )
    with raises(RuntimeError, message):
        view.detach_()


def test_data_is_an_untracked_alias():
    x = torch.ones(3, requires_grad=True)
    d = x.data
    assert (type(d), d.requires_grad, d.is_leaf) == (torch.Tensor, False, True)
    assert d.data_ptr() == x.data_ptr()
    x.data.add_(1)
    assert x._version == 0 and x.tolist() == [2.0, 2.0, 2.0]


# --- conversions (§2.4) ------------------------------------------------------------------------
def test_numpy_refuses_a_tensor_that_requires_grad():
    x = torch.ones(3, requires_grad=True)
    message = (
        "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
    )
    with raises(RuntimeError, message):
        x.numpy()
    assert x.detach().numpy().tolist() == [1.0, 1.0, 1.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert x.tolist() == [1.0, 1.0, 1.0]


def test_item_and_scalar_conversions():
    t = (torch.ones(3, requires_grad=True) * 2).sum()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert t.item() == 6.0 and isinstance(t.item(), float)
        assert int(t) == 6 and bool(t) is True and f"{t:.2f}" == "6.00" and f"{t}" == "6.0"
    assert torch.tensor([[2]]).item() == 2 and isinstance(torch.tensor([[2]]).item(), int)
    with raises(RuntimeError, "a Tensor with 3 elements cannot be converted to Scalar"):
        torch.ones(3).item()
    with raises(ValueError, "only one element tensors can be converted to Python scalars"):
        float(torch.ones(3))
    with raises(RuntimeError, "Boolean value of Tensor with more than one value is ambiguous"):
        bool(torch.ones(3))
    with raises(TypeError, "unsupported format string passed to Tensor.__format__"):
        f"{torch.ones(2):.2f}"


def test_float_of_a_tensor_that_requires_grad_warns_once_per_process():
    caught = warnings_in_fresh_process(
        "t = torch.ones(1, requires_grad=True)\nfor _ in range(3): float(t)"
    )
    assert caught == [
        "Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior."
        "\nConsider using tensor.detach() first."
    ]


def test_transposing_a_vector_with_dot_t_warns_once_per_process():
    caught = warnings_in_fresh_process("for _ in range(3): torch.ones(3).T")
    assert caught == [
        "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
        "deprecated and it will throw an error in a future release. Consider `x.mT` to transpose "
        "batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the "
        "dimensions of a tensor."
    ]


def test_len_and_iteration():
    with raises(TypeError, "len() of a 0-d tensor"):
        len(torch.tensor(3.0))
    assert len(torch.ones(4, 2)) == 4


# --- .grad: reading and assigning (§3.1, §4.3) ------------------------------------------------
NON_LEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad field "
    "to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you "
    "access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See "
    "github.com/pytorch/pytorch/pull/30531 for more information."
)


def test_reading_grad_of_a_result_warns_every_time():
    x = torch.ones(3, requires_grad=True)
    y = x * 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert x.grad is None and torch.ones(2).grad is None
        assert not caught
        for _ in range(3):
            assert y.grad is None
    assert [str(w.message) for w in caught] == [NON_LEAF_GRAD] * 3
    y.retain_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert y.grad is None


def test_retain_grad():
    x = torch.ones(3, requires_grad=True)
    y = x * 2
    y.retain_grad()
    assert (y.retains_grad, x.retains_grad) == (True, False)
    (y * y).sum().backward(retain_graph=True)
    assert (y.grad.tolist(), x.grad.tolist()) == ([4.0] * 3, [8.0] * 3)
    (y * y).sum().backward()
    assert y.grad.tolist() == [8.0] * 3
    x.retain_grad()
    assert not x.retains_grad
    with raises(RuntimeError, "can't retain_grad on Tensor that has requires_grad=False"):
        torch.ones(3).retain_grad()


def test_assigning_grad_checks_type_size_and_dtype():
    x = torch.ones(2, requires_grad=True)
    with raises(
        RuntimeError,
        "attempting to assign a gradient of size '[3]' to a tensor of size '[2]'. Please ensure "
        "that the gradient and the tensor are the same size",
    ):
        x.grad = torch.ones(3)
    with pytest.raises(RuntimeError, match="^attempting to assign a gradient with dtype 'double' "):
        x.grad = torch.ones(2, dtype=torch.float64)
    message = "assigned grad expected to be a Tensor or None but got grad of type list"
    with raises(TypeError, message):
        x.grad = [1.0, 2.0]
    x.grad = torch.tensor([3.0, 4.0])
    assert x.grad.tolist() == [3.0, 4.0]
    x.grad = None
    assert x.grad is None


# --- dtypes: inference (§13.1) and promotion (§10) --------------------------------------------
@pytest.mark.parametrize(
    ("data", "dtype", "text"),
    [
        ([1, 2], torch.int64, "tensor([1, 2])"),
        ([1.0, 2], torch.float32, "tensor([1., 2.])"),
        ([1, 2.5], torch.float32, "tensor([1.0000, 2.5000])"),
        ([True, False], torch.bool, "tensor([ True, False])"),
        ([True, 1], torch.int64, "tensor([1, 1])"),
        ([True, 1.0], torch.float32, "tensor([1., 1.])"),
        (3, torch.int64, "tensor(3)"),
        (3.0, torch.float32, "tensor(3.)"),
        (True, torch.bool, "tensor(True)"),
        (np.array([1.0, 2.0]), torch.float64, "tensor([1., 2.], dtype=torch.float64)"),
        (np.array([1, 2]), torch.int64, "tensor([1, 2])"),
        (np.float64(2.0), torch.float64, "tensor(2., dtype=torch.float64)"),
        ([np.float64(2.0), 1.0], torch.float64, "tensor([2., 1.], dtype=torch.float64)"),
        ([np.int32(2), 1], torch.int64, "tensor([2, 1])"),
        ((1, 2), torch.int64, "tensor([1, 2])"),
        (range(3), torch.int64, "tensor([0, 1, 2])"),
        ([], torch.float32, "tensor([])"),
    ],
)
def test_tensor_infers_the_dtype_from_python_data(data, dtype, text):
    t = torch.tensor(data)
    assert t.dtype is dtype and repr(t) == text


def test_factories_dtypes():
    float32 = [
        torch.ones(2), torch.rand(2), torch.randn(2), torch.empty(2), torch.eye(2),
        torch.linspace(0, 1, 3), torch.arange(3.0), torch.arange(0, 1, 0.5), torch.full((2,), 3.0),
    ]  # fmt: skip
    assert all(t.dtype is torch.float32 for t in float32)
    int64 = [torch.arange(3), torch.randint(0, 3, (2,)), torch.full((2,), 3)]
    assert all(t.dtype is torch.int64 for t in int64)
    src = torch.arange(3)
    assert torch.zeros_like(src).dtype is torch.int64 and torch.ones_like(src).dtype is torch.int64


def test_legacy_tensor_constructor_versus_tensor():
    assert repr(torch.Tensor([[1.0, 0]])) == "tensor([[1., 0.]])"
    assert type(torch.Tensor([1.0])) is torch.Tensor
    ints = torch.Tensor([1, 2])
    assert ints.dtype is torch.float32 and repr(ints) == "tensor([1., 2.])"
    assert torch.Tensor(2, 3).shape == (2, 3) and torch.Tensor(2).shape == (2,)
    assert torch.Tensor(torch.Size([2, 3])).shape == (2, 3)
    assert repr(torch.tensor(2)) == "tensor(2)"
    empty = torch.Tensor()
    assert repr(empty) == "tensor([])" and empty.shape == (0,)
    with raises(TypeError, "new(): data must be a sequence (got float)"):
        torch.Tensor(2.0)


def test_tensor_of_a_tensor_copies_and_warns():
    source = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning) as caught:
        copy = torch.tensor(source)
    assert str(caught[0].message) == (
        "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() "
        "or sourceTensor.detach().clone().requires_grad_(True), rather than "
        "torch.tensor(sourceTensor)."
    )
    assert repr(copy) == "tensor([1., 2.])" and copy.data_ptr() != source.data_ptr()


def test_bad_data_for_tensor():
    with raises(ValueError, "expected sequence of length 2 at dim 1 (got 1)"):
        torch.tensor([[1, 2], [3]])
    with raises(TypeError, "new(): invalid data type 'str'"):
        torch.tensor([1.0, "a"])
    with raises(TypeError, "not a sequence"):
        torch.tensor([[1, 2], 3])
    with raises(ValueError, "only one element tensors can be converted to Python scalars"):
        torch.tensor([torch.ones(2)])


@pytest.fixture
def default_float64():
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(torch.float32)


def test_set_default_dtype(default_float64):
    assert torch.get_default_dtype() is torch.float64
    assert torch.tensor([1.0, 2.0]).dtype is torch.float64
    assert torch.ones(2).dtype is torch.float64 and torch.Tensor([1]).dtype is torch.float64
    assert torch.tensor([1, 2]).dtype is torch.int64
    assert repr(torch.ones(2)) == "tensor([1., 1.])"
    assert repr(torch.ones(2, dtype=torch.float32)) == "tensor([1., 1.], dtype=torch.float32)"
    with raises(TypeError, "only floating-point types are supported as the default type"):
        torch.set_default_dtype(torch.int64)


def test_default_dtype_is_float32():
    assert torch.get_default_dtype() is torch.float32
    assert (torch.float, torch.double, torch.long, torch.int) == (
        torch.float32, torch.float64, torch.int64, torch.int32
    )  # fmt: skip
    assert str(torch.float32) == "torch.float32"


@pytest.mark.parametrize(
    ("make", "dtype"),
    [
        (lambda: torch.arange(3) + 1.5, torch.float32),
        (lambda: torch.arange(3) / 2, torch.float32),
        (lambda: torch.arange(3) * 2, torch.int64),
        (lambda: torch.arange(3) // 2, torch.int64),
        (lambda: torch.ones(2, dtype=torch.float64) + 1, torch.float64),
        (lambda: torch.ones(2) + torch.ones(2, dtype=torch.float64), torch.float64),
        (lambda: torch.ones(2) + torch.tensor(1.0, dtype=torch.float64), torch.float32),
        (lambda: torch.arange(3) + torch.tensor(1.5), torch.float32),
        (lambda: torch.arange(3) + torch.tensor(1.5, dtype=torch.float64), torch.float64),
        (lambda: torch.ones(2, dtype=torch.int32) + torch.tensor(1), torch.int32),
        (lambda: torch.ones(2, dtype=torch.int32) * 2.5, torch.float32),
        (lambda: torch.tensor([True, False]) + 1, torch.int64),
        (lambda: torch.tensor([1, 2]) ** 2.0, torch.float32),
        (lambda: torch.ones(2, dtype=torch.float16) * 2.5, torch.float16),
        (lambda: torch.ones(2, requires_grad=True) * 2.5, torch.float32),
        (lambda: 2 ** torch.arange(3), torch.int64),
        (lambda: torch.ones(2) * np.array([1.0, 2.0]), torch.float64),
        (lambda: torch.ones(2) * np.float64(2.0), torch.float32),
    ],
)
def test_type_promotion(make, dtype):
    assert make().dtype is dtype


def test_python_scalars_on_either_side():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x + 1) == "tensor([2., 3.], grad_fn=<AddBackward0>)"
    assert repr(x * 2.5) == "tensor([2.5000, 5.0000], grad_fn=<MulBackward0>)"
    assert repr(1 - x) == "tensor([ 0., -1.], grad_fn=<RsubBackward1>)"
    assert repr(3 / x) == "tensor([3.0000, 1.5000], grad_fn=<MulBackward0>)"
    assert repr(2**x) == "tensor([2., 4.], grad_fn=<PowBackward2>)"
    assert (x**2).grad_fn.name() == "PowBackward0" and (x**x).grad_fn.name() == "PowBackward1"
    assert repr(x + True) == "tensor([2., 3.], grad_fn=<AddBackward0>)"


def test_operand_errors():
    with raises(RuntimeError, "Integers to negative integer powers are not allowed."):
        torch.tensor([1, 2]) ** -1
    with raises(
        RuntimeError,
        "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
        "invert a mask, use the `~` or `logical_not()` operator instead.",
    ):
        -torch.tensor([True])


# --- Size and shapes ----------------------------------------------------------------------------
def test_size():
    s = torch.ones(2, 3).shape
    assert repr(s) == str(s) == "torch.Size([2, 3])" and repr(torch.Size([])) == "torch.Size([])"
    assert isinstance(s, tuple) and s == (2, 3) and s.numel() == 6
    assert repr(s[1:]) == "torch.Size([3])" and s[0] == 2
    assert repr(s + (1,)) == "torch.Size([2, 3, 1])"
    x = torch.ones(2, 3)
    assert x.size() == s and x.size(1) == 3 and x.size(-1) == 3
    assert (x.dim(), x.ndim, x.numel()) == (2, 2, 6)
    message = "Dimension out of range (expected to be in range of [-2, 1], but got 2)"
    with raises(IndexError, message):
        x.size(2)


def test_device():
    x = torch.ones(2)
    assert str(x.device) == "cpu" and repr(x.device) == "device(type='cpu')"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda x: x.view(4), "shape '[4]' is invalid for input of size 6"),
        (
            lambda x: x.t().view(6),
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead.",
        ),
        (lambda x: x.view(-1, -1), "only one dimension can be inferred"),
        (lambda x: x.reshape(3, -2), "invalid shape dimension -2 at index 1 of shape [3, -2]"),
        (lambda x: x.permute(0, 0), "permute(): duplicate dims are not allowed."),
        (
            lambda x: x.expand(2, 4),
            "The expanded size of the tensor (4) must match the existing size (3) at "
            "non-singleton dimension 1.  Target sizes: [2, 4].  Tensor sizes: [2, 3]",
        ),
        (
            lambda x: x[:1].expand(-1, 2, 3),
            "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing "
            "dimension 0",
        ),
        (
            lambda x: x.view(2, 3, 1).t(),
            "t() expects a tensor with <= 2 dimensions, but self is 3D",
        ),
    ],
)
def test_shape_errors(call, message):
    with raises(RuntimeError, message):
        call(torch.ones(2, 3))


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda a: a.reshape(3, 2), "ViewBackward0"),
        (lambda a: a.t().reshape(3, 2), "ReshapeAliasBackward0"),
        (lambda a: a.t().reshape(6), "UnsafeViewBackward0"),
        (lambda a: a.t().flatten(), "UnsafeViewBackward0"),
        (lambda a: a.flatten(), "ViewBackward0"),
        (lambda a: a.unsqueeze(0), "UnsqueezeBackward0"),
        (lambda a: a.unsqueeze(0).squeeze(), "SqueezeBackward0"),
        (lambda a: a.unsqueeze(0).squeeze(0), "SqueezeBackward1"),
        (lambda a: a.unsqueeze(0).squeeze((0, 1)), "SqueezeBackward2"),
        (lambda a: a.expand(2, 2, 3), "ExpandBackward0"),
        (lambda a: a.T, "PermuteBackward0"),
        (lambda a: a.t(), "TBackward0"),
        (lambda a: a.mT, "TransposeBackward0"),
        (lambda a: a.transpose(0, 1), "TransposeBackward0"),
        (lambda a: a.permute(1, 0), "PermuteBackward0"),
        (lambda a: a.t().contiguous(), "CloneBackward0"),
    ],
)
def test_view_names(call, name):
    assert call(torch.ones(2, 3, requires_grad=True)).grad_fn.name() == name


def test_contiguous_of_a_contiguous_tensor_is_the_tensor():
    a = torch.ones(2, 3, requires_grad=True)
    assert a.contiguous() is a
