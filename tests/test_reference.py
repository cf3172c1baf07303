"""The hidden reference package: small worked examples, and sound hidden inputs."""

import math

import pytest
import torch
from course_grader.judge import expected_record
from course_reference import EXERCISES, PARTS
from course_reference import part01_tensors as ref


def test_worked_examples():
    assert torch.equal(ref.sigmoid(torch.zeros(2)), torch.full((2,), 0.5))
    assert torch.equal(ref.relu(torch.tensor([-1.0, 0.0, 2.0])), torch.tensor([0.0, 0.0, 2.0]))
    images = torch.arange(24.0).reshape(1, 2, 3, 4)
    assert ref.flatten_batch(images).shape == (1, 24)
    assert ref.channels_last(images)[0, 2, 3, 1] == images[0, 1, 2, 3]
    assert torch.equal(ref.standardize(torch.tensor([[1.0, 10.0], [3.0, 30.0]])),
                       torch.tensor([[-1.0, -1.0], [1.0, 1.0]]))
    assert ref.pairwise_distances(torch.zeros(1, 2), torch.tensor([[3.0, 4.0], [0.0, 0.0]])).tolist() == [[5.0, 0.0]]
    assert ref.accuracy(torch.tensor([[0.1, 0.9], [0.8, 0.2]]), torch.tensor([1, 1])) == 0.5
    assert ref.one_hot(torch.tensor([2, 0]), 4).tolist() == [[0, 0, 1, 0], [1, 0, 0, 0]]
    assert ref.one_hot(torch.tensor([1]), 3).dtype == torch.float32
    bias = torch.tensor(0.3)
    assert torch.allclose(ref.neuron_sum(torch.ones(2, 3), torch.zeros(3), bias), torch.sigmoid(bias).expand(2))
    expected = 1 / (1 + math.exp(-(1 * 2 + 3 * 4 - 1)))
    got = ref.neuron_matmul(torch.tensor([[1.0, 3.0]]), torch.tensor([[2.0], [4.0]]), torch.tensor([-1.0]))
    assert got.shape == (1, 1) and math.isclose(got.item(), expected, rel_tol=1e-6)


def test_two_layer_forward_matches_a_loop():
    g = torch.Generator().manual_seed(3)
    x, w1, b1, w2, b2 = (torch.randn(s, generator=g) for s in [(4, 3), (3, 5), (5,), (5, 2), (2,)])
    hidden = [[torch.sigmoid(sum(x[n, d] * w1[d, h] for d in range(3)) + b1[h]) for h in range(5)] for n in range(4)]
    loop = [[torch.sigmoid(sum(hidden[n][h] * w2[h, k] for h in range(5)) + b2[k]) for k in range(2)] for n in range(4)]
    assert torch.allclose(ref.two_layer_forward(x, w1, b1, w2, b2), torch.tensor(loop), atol=1e-6)


def _tensors(value) -> list[torch.Tensor]:
    """Every tensor in a (nested) value."""
    if isinstance(value, torch.Tensor):
        return [value]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else []
    return [tensor for item in items for tensor in _tensors(item)]


def _plain(value) -> bool:
    """Whether a value is plain data: tensors, numbers, strings, None, and lists and dicts of them."""
    if value is None or isinstance(value, (torch.Tensor, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(item) for item in value)
    return isinstance(value, dict) and all(isinstance(k, str) and _plain(v) for k, v in value.items())


# Exercises whose contract gives NaN on some inputs (a class with no examples has no accuracy).
NAN_BY_CONTRACT = {"per_class_accuracy"}


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_hidden_inputs_are_plain_cpu_data_and_give_finite_answers(name):
    exercise = EXERCISES[name]
    for seed in range(30):
        for case in exercise.make_cases(torch.Generator().manual_seed(seed)):
            for arg in case:
                assert _plain(arg), arg
                for tensor in _tensors(arg):
                    assert tensor.device.type == "cpu"
                    assert tensor.dtype in (torch.float32, torch.float64, torch.int64, torch.uint8)  # uint8: images
            for tensor in _tensors(expected_record(exercise, case)):
                finite = tensor.isfinite() | (tensor.isnan() if name in NAN_BY_CONTRACT else False)
                assert finite.all(), (name, seed)


def test_exercise_names_are_unique_across_parts():
    names = [exercise.name for exercises in PARTS.values() for exercise in exercises]
    assert len(names) == len(set(names)) == len(EXERCISES)
