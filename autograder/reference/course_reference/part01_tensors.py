"""Reference answers and hidden test inputs for Part 1 (Tensors).

Input ranges are chosen so that any correct float32 answer passes on every draw: values stay
where `exp` neither overflows nor underflows badly, standardised columns always have a clear
spread, and random points are never so close that square roots amplify rounding.
"""

from __future__ import annotations

import torch

from .exercise import Case, Exercise


def _randint(generator: torch.Generator, low: int, high: int) -> int:
    """A random integer in [low, high], drawn from `generator`."""
    return int(torch.randint(low, high + 1, (1,), generator=generator))


def _randn(generator: torch.Generator, *shape: int, scale: float = 1.0) -> torch.Tensor:
    return torch.randn(shape, generator=generator) * scale


# --- reference answers -------------------------------------------------------------------

def sigmoid(x: torch.Tensor) -> torch.Tensor:
    return 1 / (1 + torch.exp(-x))


def relu(x: torch.Tensor) -> torch.Tensor:
    out = x.clone()
    out[out < 0] = 0
    return out


def flatten_batch(images: torch.Tensor) -> torch.Tensor:
    return torch.flatten(images, start_dim=1)


def channels_last(images: torch.Tensor) -> torch.Tensor:
    return images.movedim(1, -1)


def standardize(x: torch.Tensor) -> torch.Tensor:
    mean = x.mean(dim=0)
    std = x.std(dim=0, correction=0)
    return (x - mean) / std


def pairwise_distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a.double()[:, None, :] - b.double()[None, :, :]).square().sum(-1).sqrt().float()


def accuracy(scores: torch.Tensor, labels: torch.Tensor) -> float:
    return float((scores.argmax(dim=1) == labels).double().mean())


def one_hot(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    out = torch.zeros(len(labels), num_classes, device=labels.device)
    out[torch.arange(len(labels), device=labels.device), labels] = 1.0
    return out


def neuron_sum(features: torch.Tensor, weights: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    return torch.sigmoid((features * weights).sum(dim=1) + bias)


def neuron_matmul(features: torch.Tensor, weights: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    return torch.sigmoid(torch.einsum("nd,dk->nk", features, weights) + bias)


def two_layer_forward(x: torch.Tensor, w1: torch.Tensor, b1: torch.Tensor,
                      w2: torch.Tensor, b2: torch.Tensor) -> torch.Tensor:
    hidden = torch.sigmoid(torch.nn.functional.linear(x, w1.T, b1))
    return torch.sigmoid(torch.nn.functional.linear(hidden, w2.T, b2))


# --- the known mistakes, in the order of torchcourse.part01_tensors.KNOWN_MISTAKES ------------
# (None: recognised by what it raised or changed)

def _standardize_by_rows(x: torch.Tensor) -> torch.Tensor:
    return (x - x.mean(1, keepdim=True)) / x.std(1, correction=0, keepdim=True)


def _standardize_by_sample_std(x: torch.Tensor) -> torch.Tensor:
    return (x - x.mean(0)) / x.std(0, correction=1)


MISTAKES: dict[str, tuple] = {
    "sigmoid": (lambda x: 1 / (1 + torch.exp(x)),),
    "relu": (None,),
    "flatten_batch": (lambda images: images.flatten(), None),
    "channels_last": (lambda images: images.reshape(images.shape[0], *images.shape[2:], images.shape[1]),),
    "standardize": (_standardize_by_rows, _standardize_by_sample_std),
    "pairwise_distances": (lambda a, b: ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1),),
    "accuracy": (None, lambda scores, labels: (scores.argmax(1) == labels).float().mean()),
    "one_hot": (lambda labels, num_classes: torch.nn.functional.one_hot(labels, num_classes),
                lambda labels, num_classes: torch.nn.functional.one_hot(labels).float()),
    "neuron_sum": (lambda features, weights, bias: torch.sigmoid((features * weights).sum() + bias),),
    "neuron_matmul": (lambda features, weights, bias: torch.sigmoid(features @ weights),),
    "two_layer_forward": (lambda x, w1, b1, w2, b2: torch.sigmoid((x @ w1 + b1) @ w2 + b2),),
}


# --- hidden test inputs --------------------------------------------------------------------
# Every exercise whose rules forbid loops has one case far larger than the others, so that a loop
# over the elements makes many more calls there (see torchcourse.rules).

def _sigmoid_cases(g: torch.Generator) -> list[Case]:
    random = [(_randn(g, _randint(g, 1, 6), _randint(g, 1, 6), scale=4.0),) for _ in range(4)]
    return random + [(torch.zeros(3),), (torch.linspace(-12.0, 12.0, 25),), (_randn(g, 64, 16, scale=4.0),)]


def _relu_cases(g: torch.Generator) -> list[Case]:
    random = [(_randn(g, _randint(g, 1, 5), _randint(g, 2, 7)),) for _ in range(4)]
    return random + [(-torch.ones(4),), (torch.arange(1.0, 6.0),), (_randn(g, 64, 16),)]


def _image_batch(g: torch.Generator) -> torch.Tensor:
    return _randn(g, _randint(g, 1, 4), _randint(g, 1, 3), _randint(g, 2, 5), _randint(g, 2, 6))


def _image_cases(g: torch.Generator) -> list[Case]:
    return [(_image_batch(g),) for _ in range(4)] + [(torch.arange(24.0).reshape(1, 2, 3, 4),),
                                                     (_randn(g, 64, 3, 4, 4),)]


def _standardize_cases(g: torch.Generator) -> list[Case]:
    def draw() -> torch.Tensor:
        rows, columns = _randint(g, 6, 40), _randint(g, 1, 6)
        # Rows 0 and 1 differ by at least 1 in every column, so no column is nearly constant.
        x = _randn(g, rows, columns)
        x[0], x[1] = -0.5 - torch.rand(columns, generator=g), 0.5 + torch.rand(columns, generator=g)
        scale = 0.5 + 4.5 * torch.rand(columns, generator=g)
        offset = _randn(g, columns, scale=3.0)
        return x * scale + offset
    return [(draw(),) for _ in range(4)] + [(torch.tensor([[1.0, 10.0], [3.0, 30.0]]),),
                                            (_randn(g, 128, 12, scale=3.0) + 1,)]


def _distance_cases(g: torch.Generator) -> list[Case]:
    def draw() -> Case:
        d = _randint(g, 1, 8)
        return _randn(g, _randint(g, 1, 7), d), _randn(g, _randint(g, 1, 7), d) + 1.5
    return [draw() for _ in range(4)] + [(torch.tensor([[0.0, 0.0]]), torch.tensor([[3.0, 4.0]])),
                                         (_randn(g, 48, 3), _randn(g, 48, 3) + 1.5)]


def _accuracy_cases(g: torch.Generator) -> list[Case]:
    def draw() -> Case:
        n, c = _randint(g, 4, 30), _randint(g, 2, 6)
        return _randn(g, n, c), torch.randint(0, c, (n,), generator=g)
    all_right = _randn(g, 5, 3)
    all_wrong = _randn(g, 6, 4)
    return [draw() for _ in range(4)] + [
        (all_right, all_right.argmax(dim=1)),
        (all_wrong, (all_wrong.argmax(dim=1) + 1) % 4),
        (_randn(g, 256, 4), torch.randint(0, 4, (256,), generator=g)),
    ]


def _one_hot_cases(g: torch.Generator) -> list[Case]:
    def draw() -> Case:
        classes = _randint(g, 2, 9)
        return torch.randint(0, classes, (_randint(g, 1, 12),), generator=g), classes
    # The last case never uses its highest class, so `labels.max() + 1` classes is too few.
    return [draw() for _ in range(4)] + [(torch.tensor([0, 2, 1, 2]), 6),
                                         (torch.randint(0, 8, (256,), generator=g), 8)]


def _neuron_sum_cases(g: torch.Generator) -> list[Case]:
    def draw() -> Case:
        n, d = _randint(g, 1, 8), _randint(g, 1, 6)
        return _randn(g, n, d), _randn(g, d), _randn(g)
    return [draw() for _ in range(4)] + [(torch.ones(2, 3), torch.zeros(3), torch.tensor(0.0)),
                                         (_randn(g, 128, 4), _randn(g, 4), _randn(g))]


def _neuron_matmul_cases(g: torch.Generator) -> list[Case]:
    def draw() -> Case:
        n, d = _randint(g, 1, 8), _randint(g, 1, 6)
        return _randn(g, n, d), _randn(g, d, 1), _randn(g, 1)
    return [draw() for _ in range(4)] + [(torch.ones(2, 3), torch.zeros(3, 1), torch.tensor([0.0])),
                                         (_randn(g, 128, 4), _randn(g, 4, 1), _randn(g, 1))]


def _two_layer_cases(g: torch.Generator) -> list[Case]:
    def draw() -> Case:
        n, d, h, k = (_randint(g, 1, 6) for _ in range(4))
        return (_randn(g, n, d), _randn(g, d, h), _randn(g, h), _randn(g, h, k), _randn(g, k))
    return [draw() for _ in range(4)] + [(_randn(g, 256, 4), _randn(g, 4, 3), _randn(g, 3),
                                          _randn(g, 3, 2), _randn(g, 2))]


EXERCISES = [
    Exercise("sigmoid", sigmoid, _sigmoid_cases, mistakes=MISTAKES["sigmoid"]),
    Exercise("relu", relu, _relu_cases, rtol=0.0, atol=0.0, mistakes=MISTAKES["relu"]),
    Exercise("flatten_batch", flatten_batch, _image_cases, rtol=0.0, atol=0.0, mistakes=MISTAKES["flatten_batch"]),
    Exercise("channels_last", channels_last, _image_cases, rtol=0.0, atol=0.0, mistakes=MISTAKES["channels_last"]),
    Exercise("standardize", standardize, _standardize_cases, rtol=1e-4, atol=1e-4, mistakes=MISTAKES["standardize"]),
    Exercise("pairwise_distances", pairwise_distances, _distance_cases, rtol=1e-4, atol=1e-4, mistakes=MISTAKES["pairwise_distances"]),
    Exercise("accuracy", accuracy, _accuracy_cases, rtol=0.0, atol=1e-6, mistakes=MISTAKES["accuracy"]),
    Exercise("one_hot", one_hot, _one_hot_cases, rtol=0.0, atol=0.0, mistakes=MISTAKES["one_hot"]),
    Exercise("neuron_sum", neuron_sum, _neuron_sum_cases, rtol=1e-5, atol=1e-5, mistakes=MISTAKES["neuron_sum"]),
    Exercise("neuron_matmul", neuron_matmul, _neuron_matmul_cases, rtol=1e-5, atol=1e-5, mistakes=MISTAKES["neuron_matmul"]),
    Exercise("two_layer_forward", two_layer_forward, _two_layer_cases, rtol=1e-5, atol=1e-5, mistakes=MISTAKES["two_layer_forward"]),
]
