"""Sequential layers can be replaced and removed by index, as in PyTorch (swapping a head)."""

from __future__ import annotations

import pytest

import minigrad
from minigrad import nn


def model():
    minigrad.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 2))


def test_assigning_an_index_replaces_the_layer_and_its_parameters():
    m = model()
    new_head = nn.Linear(4, 3)
    m[-1] = new_head
    assert m[2] is new_head and len(m) == 3
    names = [name for name, _ in m.named_parameters()]
    assert names == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert m(minigrad.ones(5, 2)).shape == (5, 3)


def test_assignment_checks_the_index_and_the_value():
    m = model()
    with pytest.raises(IndexError, match="^index 5 is out of range$"):
        m[5] = nn.ReLU()
    with pytest.raises(TypeError, match=r"cannot assign 'int' as child module '0'"):
        m[0] = 3


def test_deleting_renumbers_the_remaining_layers():
    m = model()
    tanh, head = m[1], m[2]
    del m[0]
    assert list(m._modules) == ["0", "1"] and m[0] is tanh and m[1] is head
    del m[0:1]
    assert len(m) == 1 and m[0] is head


def test_the_same_operations_in_pytorch_give_the_same_structure():
    torch = pytest.importorskip("torch")
    ours, theirs = model(), torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Tanh(),
                                                torch.nn.Linear(4, 2))
    for m, lib in [(ours, nn), (theirs, torch.nn)]:
        m[1] = lib.ReLU()
        del m[0]
    assert repr(ours) == repr(theirs)
