"""Part 1 (Tensors): the visible checks, each with an answer worked out another way.

Most answers here are slow loops or built-ins, which the exercises forbid but a check may use.
"""

from __future__ import annotations

import torch

from .spec import Inputs, VisibleCheck, randn


def _stack_columns(columns: list[torch.Tensor]) -> torch.Tensor:
    return torch.stack(columns, dim=1)


def _loop_standardize(x: torch.Tensor) -> torch.Tensor:
    return _stack_columns([(column - column.mean()) / column.std(correction=0) for column in x.T])


def _loop_distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.tensor([[float(torch.linalg.vector_norm(p - q)) for q in b] for p in a],
                        device=a.device)


def _loop_accuracy(scores: torch.Tensor, labels: torch.Tensor) -> float:
    right = sum(int(row.argmax()) == int(label) for row, label in zip(scores, labels))
    return right / len(labels)


def _loop_one_hot(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    rows = [[1.0 if column == int(label) else 0.0 for column in range(num_classes)] for label in labels]
    return torch.tensor(rows, device=labels.device).reshape(len(labels), num_classes)


def _loop_neuron(features: torch.Tensor, weights: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    totals = [sum(float(f) * float(w) for f, w in zip(row, weights.flatten())) for row in features]
    return torch.sigmoid(torch.tensor(totals, device=features.device) + bias.flatten()[0])


def _two_layers(x: torch.Tensor, w1: torch.Tensor, b1: torch.Tensor,
                w2: torch.Tensor, b2: torch.Tensor) -> torch.Tensor:
    linear = torch.nn.functional.linear
    return torch.sigmoid(linear(torch.sigmoid(linear(x, w1.T, b1)), w2.T, b2))


def _images(g: torch.Generator) -> Inputs:
    return (randn(g, 2, 3, 4, 5),)


def _labels_and_scores(g: torch.Generator) -> Inputs:
    return randn(g, 12, 4), torch.randint(0, 4, (12,), generator=g)


CHECKS: dict[str, VisibleCheck] = {name: VisibleCheck(*entry) for name, entry in {
    "sigmoid": (lambda g: (randn(g, 3, 4) * 3,), torch.sigmoid, 1e-5),
    "relu": (lambda g: (randn(g, 4, 5),), lambda x: torch.where(x > 0, x, 0.0), 0.0),
    "flatten_batch": (_images, lambda images: torch.stack([image.reshape(-1) for image in images]), 0.0),
    "channels_last": (_images, lambda images: torch.stack(list(images.unbind(1)), dim=-1), 0.0),
    "standardize": (lambda g: (randn(g, 10, 3) * 4 + 2,), _loop_standardize, 1e-4),
    "pairwise_distances": (lambda g: (randn(g, 4, 3), randn(g, 5, 3) + 1), _loop_distances, 1e-4),
    "accuracy": (_labels_and_scores, _loop_accuracy, 1e-6),
    "one_hot": (lambda g: (torch.tensor([2, 0, 1, 2]), 5), _loop_one_hot, 0.0),
    "neuron_sum": (lambda g: (randn(g, 6, 3), randn(g, 3), randn(g)), _loop_neuron, 1e-5),
    "neuron_matmul": (lambda g: (randn(g, 6, 3), randn(g, 3, 1), randn(g, 1)),
                      lambda f, w, b: _loop_neuron(f, w, b).reshape(-1, 1), 1e-5),
    "two_layer_forward": (lambda g: (randn(g, 5, 4), randn(g, 4, 3), randn(g, 3),
                                     randn(g, 3, 2), randn(g, 2)), _two_layers, 1e-5),
}.items()}
