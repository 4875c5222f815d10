"""In-place operations (reference section 8): results, versions, graphs and errors.

Scenarios are written once against a ``torch``-like module, run on minigrad and,
when PyTorch is installed, compared with it. Gradients through in-place changes
are checked against finite differences.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_grads_match
from torch_parity import error_text, names, same_in_torch

import minigrad

HINT = (
    " Hint: enable anomaly detection to find the operation that failed to compute its "
    "gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False)."
)
MODIFIED = (
    "one of the variables needed for gradient computation has been modified by an inplace "
    "operation: "
)


# --- every op: returns self, bumps the version, records the op's node ------------------------
OPS = {
    "add_": lambda t, w: t.add_(1),
    "add_ alpha": lambda t, w: t.add_(w, alpha=2),
    "sub_": lambda t, w: t.sub_(w),
    "mul_": lambda t, w: t.mul_(w),
    "div_": lambda t, w: t.div_(w),
    "pow_": lambda t, w: t.pow_(2),
    "pow_ tensor": lambda t, w: t.pow_(w),
    "neg_": lambda t, w: t.neg_(),
    "exp_": lambda t, w: t.exp_(),
    "log_": lambda t, w: t.log_(),
    "sqrt_": lambda t, w: t.sqrt_(),
    "abs_": lambda t, w: t.abs_(),
    "tanh_": lambda t, w: t.tanh_(),
    "sigmoid_": lambda t, w: t.sigmoid_(),
    "relu_": lambda t, w: t.relu_(),
    "clamp_": lambda t, w: t.clamp_(0.5, 1.5),
    "clamp_ min": lambda t, w: t.clamp_(min=1.5),
    "masked_fill_": lambda t, w: t.masked_fill_(w > 0.5, 2.0),
    "zero_": lambda t, w: t.zero_(),
    "fill_": lambda t, w: t.fill_(3.0),
    "fill_ tensor": lambda t, w: t.fill_(w.sum()),
    "copy_": lambda t, w: t.copy_(w),
    "copy_ broadcast": lambda t, w: t.copy_(w[0]),
    "+=": lambda t, w: t.__iadd__(w),
    "-=": lambda t, w: t.__isub__(2),
    "*=": lambda t, w: t.__imul__(w),
    "/=": lambda t, w: t.__itruediv__(2),
}


@pytest.mark.parametrize("name", OPS)
def test_in_place_op_on_a_result(name):
    def scenario(torch):
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        w = torch.tensor([3.0, 4.0], requires_grad=True)
        y = x * 1
        out = OPS[name](y, w)
        log = [str(out is y), y._version, y.grad_fn.name(), names(y.grad_fn)]
        (y * torch.tensor([1.0, 10.0])).sum().backward()
        return [*map(str, log), str(y), str(x.grad), str(w.grad)]

    same_in_torch(scenario)


def in_place_chain(name, x, w):
    """``OPS[name]`` applied to a result, then used again (for finite differences)."""
    y = x * 1.5
    OPS[name](y, w)
    return y * w


@pytest.mark.parametrize("name", OPS)
def test_in_place_gradients_match_finite_differences(name):
    x = np.array([0.7, 1.3])
    w = np.array([0.4, 0.9])
    assert_grads_match(lambda a, b: in_place_chain(name, a, b), [x, w])


def test_integer_and_bool_tensors_are_counted_too():
    def scenario(torch):
        a = torch.zeros(3, dtype=torch.int64)
        a.add_(2).mul_(3)
        b = torch.zeros(2, dtype=torch.bool)
        b.fill_(True)
        return [str(a), str(a._version), str(b), str(b._version)]

    assert same_in_torch(scenario) == ["tensor([6, 6, 6])", "2", "tensor([True, True])", "1"]


# --- leaves: refused unless no_grad --------------------------------------------------------------
@pytest.mark.parametrize(
    "op",
    [
        lambda x: x.add_(1),
        lambda x: x.__iadd__(1),
        lambda x: x.zero_(),
        lambda x: x.relu_(),
        lambda x: x.copy_(x.detach() * 2),
    ],
)
def test_leaf_requiring_grad_is_refused(op):
    x = minigrad.ones(2, requires_grad=True)
    message = error_text(lambda: op(x))
    assert message == "a leaf Variable that requires grad is being used in an in-place operation."
    assert x._version == 0
    assert str(x) == "tensor([1., 1.], requires_grad=True)"


@pytest.mark.parametrize(
    "op",
    [lambda x: x.__setitem__(0, 5.0), lambda x: x[0:1].add_(1), lambda x: x.view(2, 1).zero_()],
)
def test_view_of_a_leaf_is_refused(op):
    x = minigrad.ones(2, requires_grad=True)
    message = error_text(lambda: op(x))
    assert message == (
        "a view of a leaf Variable that requires grad is being used in an in-place operation."
    )


def test_leaf_errors_carry_a_note():
    x = minigrad.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        x.add_(1)
    assert any("no_grad" in note for note in info.value.__notes__)


def test_in_place_on_a_leaf_is_allowed_in_no_grad():
    def scenario(torch):
        x = torch.tensor([1.0, 1.0], requires_grad=True)
        with torch.no_grad():
            x.add_(1)
            x[0] = 7.0
        return [str(x), str(x.is_leaf), str(x._version), str(x.grad_fn)]

    assert same_in_torch(scenario) == ["tensor([7., 2.], requires_grad=True)", "True", "2", "None"]


def test_data_and_detach():
    def scenario(torch):
        x = torch.ones(3, requires_grad=True)
        x.data.zero_()
        log = [str(x), str(x._version)]
        d = x.detach()
        d[0] = 100.0
        return [*log, str(x), str(x._version), str(d._version)]

    assert same_in_torch(scenario) == [
        "tensor([0., 0., 0.], requires_grad=True)",
        "0",
        "tensor([100.,   0.,   0.], requires_grad=True)",
        "1",
        "1",
    ]


def test_sgd_pattern_prints_exactly_as_pytorch():
    def scenario(torch):
        w = torch.ones(2, requires_grad=True)
        (w * 3).sum().backward()
        with torch.no_grad():
            w -= 0.1 * w.grad
        log = [str((w, w._version, w.is_leaf, w.requires_grad, w.grad_fn))]
        w.grad.zero_()
        return [*log, str(w.grad)]

    assert same_in_torch(scenario) == [
        "(tensor([0.7000, 0.7000], requires_grad=True), 1, True, True, None)",
        "tensor([0., 0.])",
    ]


def test_version_counting_as_in_the_reference():
    def scenario(torch):
        x = torch.ones(3)
        x.add_(1)
        log = [x._version]
        x += 1
        log.append(x._version)
        x[0] = 3
        log.append(x._version)
        x.mul_(2).add_(1)
        log.append(x._version)
        v = x.view(3)
        v.add_(1)
        log += [x._version, v._version]
        d = x.detach()
        d.add_(1)
        log += [x._version, d._version]
        x.data.add_(1)
        log += [x._version, (x + 1)._version]
        return [str(n) for n in log]

    assert same_in_torch(scenario) == ["1", "2", "3", "5", "6", "6", "7", "7", "7", "0"]


# --- results and views: the graph is rewritten ---------------------------------------------------
def test_results_take_the_ops_node():
    def scenario(torch):
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        y = x * 1
        r = y.add_(1)
        log = [str(r is y), y.grad_fn.name(), str(y._version)]
        y.sum().backward()
        return [*log, str(x.grad)]

    assert same_in_torch(scenario) == ["True", "AddBackward0", "1", "tensor([1., 1.])"]


def test_setitem_on_a_result_gives_copy_slices():
    def scenario(torch):
        x = torch.tensor([1.0, 1.0], requires_grad=True)
        y = x * 2
        y[0] = 10.0
        log = [str(y), y.grad_fn.name(), repr(y.grad_fn).split(" object")[0], str(names(y.grad_fn))]
        y.sum().backward()
        return [*log, str(x.grad)]

    assert same_in_torch(scenario) == [
        "tensor([10.,  2.], grad_fn=<CopySlices>)",
        "torch::autograd::CopySlices",
        "<CopySlices",
        "['MulBackward0', None]",
        "tensor([0., 2.])",
    ]


def test_views_of_a_result_after_in_place_changes():
    def scenario(torch):
        x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        v = y[0:2]
        w = y[1:3]
        v.mul_(3)  # through a view: the base's grad_fn becomes CopySlices
        log = [y.grad_fn.name(), v.grad_fn.name(), w.grad_fn.name(), str(names(v.grad_fn))]
        y.mul_(5)  # on the base: every view must follow
        log += [v.grad_fn.name(), str(names(v.grad_fn))]
        (w * torch.tensor([1.0, 10.0])).sum().backward()
        return [*log, str(w), str(x.grad)]

    assert same_in_torch(scenario) == [
        "torch::autograd::CopySlices",
        "AsStridedBackward0",
        "AsStridedBackward0",
        "['torch::autograd::CopySlices']",
        "AsStridedBackward0",
        "['MulBackward0']",
        "tensor([60., 30.], grad_fn=<AsStridedBackward0>)",
        "tensor([  0.,  30., 100.])",
    ]


def test_a_base_that_needed_no_grad_starts_to_need_it():
    def scenario(torch):
        w = torch.tensor([1.0, 2.0], requires_grad=True)
        a = torch.zeros(3)
        v = a[0:2]
        other = a[1:3]
        v.add_(w)
        log = [str(a), str((other.requires_grad, other.is_leaf))]
        (other * 3).sum().backward()
        return [*log, str(w.grad)]

    assert same_in_torch(scenario) == [
        "tensor([1., 2., 0.], grad_fn=<CopySlices>)",
        "(True, False)",
        "tensor([0., 3.])",
    ]


def test_retain_grad_follows_the_tensor():
    def scenario(torch):
        x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        y.add_(1)
        v = y[0:2]
        v.retain_grad()
        y[2] = 0.0
        (y * y).sum().backward()
        return [str((y.retains_grad, v.retains_grad)), str(y.grad), str(v.grad), str(x.grad)]

    same_in_torch(scenario)


def view_chain(x, w):
    y = x * 2
    v = y[1:3]
    v.mul_(w[0:2])
    y[0] = w[2] * 3
    base = y.view(2, 2)
    base[:, 1].sub_(x[0:2])
    y.mul_(x)
    return (v * w[1:3]).sum() + y


def setitem_chain(x, w):
    y = x.exp() * 1.0  # exp saves its result: changing that in place would break backward
    y[[0, 3]] = w[0:2] * 2
    y[y > 2.0] = 0.5
    y[1:3] += w[2:4]
    return y * x


def fill_chain(x, w):
    y = x * x
    y[1:3].fill_(w.sum())
    y[0:1].zero_()
    y.clamp_(0.1, 3.0)
    y[2:].relu_()
    return y * w


@pytest.mark.parametrize("fn", [view_chain, setitem_chain, fill_chain])
def test_in_place_on_views_matches_finite_differences(fn):
    x = np.array([0.7, 1.3, 0.4, 1.1])
    w = np.array([0.4, 0.9, 1.6, 0.3])
    assert_grads_match(fn, [x, w])


@pytest.mark.parametrize("fn", [view_chain, setitem_chain, fill_chain])
def test_in_place_on_views_matches_pytorch(fn):
    torch = pytest.importorskip("torch")
    x = np.array([0.7, 1.3, 0.4, 1.1])
    w = np.array([0.4, 0.9, 1.6, 0.3])
    results = []
    for module in (minigrad, torch):
        a = module.tensor(x, requires_grad=True)
        b = module.tensor(w, requires_grad=True)
        out = fn(a, b)
        out.sum().backward()
        results.append([out.grad_fn.name(), out.detach().numpy(), a.grad.numpy(), b.grad.numpy()])
    assert results[0][0] == results[1][0]
    for ours, theirs in zip(results[0][1:], results[1][1:]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_second_derivatives_through_in_place_changes():
    def f(torch, x):
        y = x * x
        y[1:].mul_(x[:2])
        y.exp_()
        return y.sum()

    torch = pytest.importorskip("torch")
    results = []
    for module in (minigrad, torch):
        x = module.tensor([0.3, 0.5, 0.7], dtype=module.float64, requires_grad=True)
        (g,) = module.autograd.grad(f(module, x), x, create_graph=True)
        (h,) = module.autograd.grad(g.sum(), x)
        results.append((g.detach().numpy(), h.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12)


# --- the version-counter error at backward time (section 8.1) ------------------------------------
def version_errors(torch) -> list[str]:
    x = torch.ones(2, requires_grad=True)
    cases = []
    y = x * 2
    z = y * y
    y.add_(1)
    cases.append(z)
    y = x * 2
    z = y * y
    y.add_(1)
    y.mul_(2)
    cases.append(z)
    for op in ("exp", "sigmoid", "tanh", "relu"):
        y = getattr(x * 1, op)()
        z = y * 1
        y.mul_(2)
        cases.append(z)
    y = x * 2
    z = y * y
    y[0] = 1.0
    cases.append(z)
    y = x * 2
    y.exp_()
    y.add_(1)
    cases.append(y)
    y = x ** (x * 1)
    y.add_(1)
    cases.append(y)
    inp = torch.ones(2)
    w = torch.ones(2, requires_grad=True)
    z = w * inp
    inp.add_(1)
    cases.append(z)
    W = torch.ones(2, 3, requires_grad=True)
    z = (x.view(2, 1) * W).sum()
    with torch.no_grad():
        W.add_(1)
    cases.append(z)
    return [error_text(lambda c=c: c.sum().backward()) for c in cases]


def test_version_errors_match_the_reference():
    messages = same_in_torch(version_errors)
    assert messages[0] == (
        MODIFIED + "[torch.FloatTensor [2]], which is output 0 of Add, is at version 1; "
        "expected version 0 instead." + HINT
    )
    assert "which is output 0 of Mul, is at version 2; expected version 0" in messages[1]
    assert [m.split("output 0 of ")[1].split(",")[0] for m in messages[2:6]] == [
        "Exp",
        "Sigmoid",
        "Tanh",
        "Relu",
    ]
    assert "output 0 of torch::autograd::CopySlices, is at version 1" in messages[6]
    assert "output 0 of Exp, is at version 2; expected version 1" in messages[7]
    assert "output 0 of Pow1, is at version 1" in messages[8]  # PowBackward1
    assert messages[9] == (
        MODIFIED + "[torch.FloatTensor [2]] is at version 1; expected version 0 instead." + HINT
    )
    assert messages[10].startswith(MODIFIED + "[torch.FloatTensor [2, 3]] is at version 1;")


def test_version_error_carries_a_note():
    x = minigrad.ones(2, requires_grad=True)
    y = x.exp()
    y.add_(1)
    with pytest.raises(RuntimeError) as info:
        y.sum().backward()
    assert any("clone()" in note for note in info.value.__notes__)


# --- the other refusals ------------------------------------------------------------------------
def test_view_made_in_no_grad_cannot_be_changed_with_grad_on():
    def scenario(torch):
        x = torch.ones(3, requires_grad=True)
        with torch.no_grad():
            v = x[0:2]
        a = torch.ones(3)
        with torch.no_grad():
            u = a[0:2]
        u.add_(1)  # nothing requires grad: fine
        return [
            error_text(lambda: v.add_(1)),
            error_text(lambda: u.add_(x[0:2])),
            str(a),
        ]

    log = same_in_torch(scenario)
    assert log[0] == log[1]
    assert log[0] == (
        "A view was created in no_grad mode and is being modified inplace with grad mode "
        "enabled. Given that this use case is ambiguous and error-prone, it is forbidden. You "
        "can clarify your code by moving both the view and the inplace either both inside the "
        "no_grad block (if you don't want the inplace to be tracked) or both outside (if you "
        "want the inplace to be tracked)."
    )


def test_shape_dtype_and_overlap_errors():
    def scenario(torch):
        y = torch.arange(4.0)
        return [
            error_text(lambda: torch.zeros(2).add_(torch.ones(3, 2))),
            error_text(lambda: torch.zeros(3).copy_(torch.ones(2))),
            error_text(lambda: torch.zeros(3).copy_(torch.ones(2, 3))),
            error_text(lambda: torch.zeros(2, dtype=torch.int64).add_(1.5)),
            error_text(lambda: torch.zeros(2, dtype=torch.int64).exp_()),
            error_text(lambda: torch.zeros(3, 2).expand(2, 3, 2).add_(1)),
            error_text(lambda: y[1:].add_(y[:3])),
            error_text(lambda: y.__setitem__(slice(1, None), y[:3])),
            error_text(lambda: torch.ones(2).fill_(torch.ones(2))),
            str(y),
        ]

    assert same_in_torch(scenario)[-1] == "tensor([0., 1., 2., 3.])"


def test_full_overlap_is_fine():
    def scenario(torch):
        y = torch.arange(4.0)
        y.add_(y)
        z = torch.arange(4.0)
        z[1:] += 1
        return [str(y), str(z), str(z._version)]

    assert same_in_torch(scenario) == ["tensor([0., 2., 4., 6.])", "tensor([0., 2., 3., 4.])", "2"]


def test_setitem_values_and_errors():
    def scenario(torch):
        b = torch.zeros(2, 3)
        b[0] = torch.tensor([1.0, 2.0, 3.0])
        b[1, 1] = torch.tensor([7.0])  # leading 1s are dropped
        b[:, 2] = 5
        b[torch.tensor([True, False])] = 9.0
        bi = torch.zeros(2, dtype=torch.int64)
        bi[[0]] = 1.7
        bi[1] = torch.tensor(3.9, dtype=torch.float64)
        log = [str(b), str(bi), str(b._version)]
        for index, value, exc in [
            (0, torch.ones(2), RuntimeError),
            (slice(None), torch.ones(4), RuntimeError),
            ([0, 1], torch.ones(2), RuntimeError),
            (0, [5.0], TypeError),
            (0, np.array([5.0]), TypeError),
            (0, "a", TypeError),
        ]:
            log.append(error_text(lambda i=index, v=value: b.__setitem__(i, v), exc))
        return log

    log = same_in_torch(scenario)
    assert log[5] == (
        "shape mismatch: value tensor of shape [2] cannot be broadcast to indexing result of "
        "shape [2, 3]"
    )
    assert log[6:] == [
        "can't assign a list to a torch.FloatTensor",
        "can't assign a numpy.ndarray to a torch.FloatTensor",
        "can't assign a str to a torch.FloatTensor",
    ]


def test_repeated_advanced_indices_give_every_position_the_gradient():
    def scenario(torch):
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        w = torch.tensor([3.0, 4.0], requires_grad=True)
        y = x * 1
        y[torch.tensor([0, 0])] = w
        y.sum().backward()
        return [str(y), y.grad_fn.name(), str(x.grad), str(w.grad)]

    assert same_in_torch(scenario) == [
        "tensor([4., 2.], grad_fn=<IndexPutBackward0>)",
        "IndexPutBackward0",
        "tensor([0., 1.])",
        "tensor([1., 1.])",
    ]


# --- anomaly detection: the hint of the version error, followed -----------------------------------
def test_set_detect_anomaly_switches_and_restores():
    def scenario(torch):
        log = [(torch.is_anomaly_enabled(), torch.is_anomaly_check_nan_enabled())]
        with torch.autograd.set_detect_anomaly(True, check_nan=False):
            log.append((torch.is_anomaly_enabled(), torch.is_anomaly_check_nan_enabled()))
        log.append((torch.is_anomaly_enabled(), torch.is_anomaly_check_nan_enabled()))
        with pytest.warns(UserWarning, match="^Anomaly Detection has been enabled. This mode"):
            detector = torch.autograd.detect_anomaly()
        with detector:
            log.append(torch.is_anomaly_enabled())
        return [str(entry) for entry in [*log, torch.is_anomaly_enabled()]]

    assert same_in_torch(scenario) == [
        "(False, True)",
        "(True, False)",
        "(False, True)",
        "True",
        "False",
    ]


def anomaly_report(torch, make_loss) -> list[str]:
    """The error, the warning's first line and its innermost frame, with anomaly detection on."""
    with torch.autograd.set_detect_anomaly(True):
        loss = make_loss(torch)
        with pytest.warns(UserWarning) as caught:
            message = error_text(loss.backward)
    report = str(caught[0].message).split(" (Triggered internally")[0].rstrip("\n").split("\n")
    return [message, report[0], "\n".join(report[-2:])]


def test_anomaly_detection_names_the_forward_line():
    def make_loss(torch):
        x = torch.ones(2, requires_grad=True)
        y = x * 2
        z = y * y  # the line the warning must show
        y.add_(1)
        return z.sum()

    message, first, where = same_in_torch(lambda torch: anomaly_report(torch, make_loss))
    assert message == (
        MODIFIED + "[torch.FloatTensor [2]], which is output 0 of Add, is at version 1; expected "
        "version 0 instead. Hint: the backtrace further above shows the operation that failed to "
        "compute its gradient. The variable in question was changed in there or anywhere later. "
        "Good luck!"
    )
    assert (
        first == "Error detected in MulBackward0. Traceback of forward call that caused the error:"
    )
    assert where.startswith(f'  File "{__file__}"')
    assert where.endswith("in make_loss\n    z = y * y  # the line the warning must show")


def test_anomaly_detection_checks_for_nan():
    def make_loss(torch):
        a = torch.tensor([0.0], requires_grad=True)
        return (a / a).sum()

    message, first, _ = same_in_torch(lambda torch: anomaly_report(torch, make_loss))
    assert message == "Function 'DivBackward0' returned nan values in its 1th output."
    assert first.startswith("Error detected in DivBackward0.")


# --- random sequences of in-place changes through views, against PyTorch ------------------------
VIEW_MAKERS = [
    lambda y: y[0:3],
    lambda y: y[2:6],
    lambda y: y.view(2, 3)[:, 1],
    lambda y: y[::2],
    lambda y: y.view(3, 2).t()[1],
    lambda y: y,
]


def random_op(rng):
    """One in-place op ``op(view, w)``, with its constants drawn from ``rng``."""
    k, s = int(rng.integers(0, 7)), float(rng.uniform(0.5, 1.5))

    def head(v, w, start=0):  # a slice of w that fits a 1-D view, or one element
        return w[start : start + v.shape[-1]] if v.dim() == 1 else w[start]

    return [
        lambda v, w: v.mul_(s),
        lambda v, w: v.add_(head(v, w)),
        lambda v, w: v.mul_(head(v, w, 1)),
        lambda v, w: v.__setitem__(0, w[3] * 2),
        lambda v, w: v.tanh_(),
        lambda v, w: v.copy_(head(v, w) * s),
        lambda v, w: v.sub_(w[4] * s),
    ][k]


def run_plan(module, plan, x, w, c):
    """Apply the plan to views of ``y = x * w``; the loss and gradients (or the error's start)."""
    x = module.tensor(x, requires_grad=True)
    w = module.tensor(w, requires_grad=True)
    y = x * w
    views = [make(y) for make in VIEW_MAKERS]
    try:
        for which, op in plan:
            op(views[which], w)
        loss = (y * module.tensor(c)).sum() + sum((v * 1.5).sum() for v in views[:3])
        loss.backward()
    except RuntimeError as error:
        return str(error)[:80]
    return loss.item(), x.grad.numpy().copy(), w.grad.numpy().copy()


@pytest.mark.parametrize("first_seed", range(0, 200, 40))
def test_random_in_place_changes_through_views_match_pytorch(first_seed):
    torch = pytest.importorskip("torch")
    for seed in range(first_seed, first_seed + 40):
        rng = np.random.default_rng(seed)
        plan = [(int(rng.integers(0, 6)), random_op(rng)) for _ in range(int(rng.integers(1, 5)))]
        x, w, c = rng.normal(size=6), rng.normal(size=6), rng.normal(size=6)
        ours, theirs = run_plan(minigrad, plan, x, w, c), run_plan(torch, plan, x, w, c)
        if isinstance(theirs, str):
            assert ours == theirs, f"seed {seed}"
            continue
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=1e-10, err_msg=f"seed {seed}")
