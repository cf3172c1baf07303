"""Instant, visible checks for the exercises: `check("sigmoid", sigmoid)`.

Each check calls your function on a few small random inputs, on the CPU and on a GPU when one is
present, and compares the result with an answer worked out another way (often a slow loop or a
built-in). It tells you what was expected and what you returned. Passing these checks is a good
sign, not a grade: the graded tests call your function on many fresh inputs.
"""

from __future__ import annotations

from typing import Any, Callable

import torch

from .device import available_devices
from .feedback import NOT_WRITTEN_YET, changed_in_place, describe, mismatch


class CheckFailed(Exception):
    """Your function gave a wrong result; the message says what was expected and what was got."""


Inputs = tuple[Any, ...]


def _randn(generator: torch.Generator, *shape: int) -> torch.Tensor:
    return torch.randn(shape, generator=generator)


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
    return (_randn(g, 2, 3, 4, 5),)


def _labels_and_scores(g: torch.Generator) -> Inputs:
    return _randn(g, 12, 4), torch.randint(0, 4, (12,), generator=g)


# Each entry: how to make inputs, the answer worked out another way, and the tolerance.
_CHECKS: dict[str, tuple[Callable[[torch.Generator], Inputs], Callable[..., Any], float]] = {
    "sigmoid": (lambda g: (_randn(g, 3, 4) * 3,), torch.sigmoid, 1e-5),
    "relu": (lambda g: (_randn(g, 4, 5),), lambda x: torch.where(x > 0, x, 0.0), 0.0),
    "flatten_batch": (_images, lambda images: torch.stack([image.reshape(-1) for image in images]), 0.0),
    "channels_last": (_images, lambda images: torch.stack(list(images.unbind(1)), dim=-1), 0.0),
    "standardize": (lambda g: (_randn(g, 10, 3) * 4 + 2,), _loop_standardize, 1e-4),
    "pairwise_distances": (lambda g: (_randn(g, 4, 3), _randn(g, 5, 3) + 1), _loop_distances, 1e-4),
    "accuracy": (_labels_and_scores, _loop_accuracy, 1e-6),
    "one_hot": (lambda g: (torch.tensor([2, 0, 1, 2]), 5), _loop_one_hot, 0.0),
    "neuron_sum": (lambda g: (_randn(g, 6, 3), _randn(g, 3), _randn(g)), _loop_neuron, 1e-5),
    "neuron_matmul": (lambda g: (_randn(g, 6, 3), _randn(g, 3, 1), _randn(g, 1)),
                      lambda f, w, b: _loop_neuron(f, w, b).reshape(-1, 1), 1e-5),
    "two_layer_forward": (lambda g: (_randn(g, 5, 4), _randn(g, 4, 3), _randn(g, 3),
                                     _randn(g, 3, 2), _randn(g, 2)), _two_layers, 1e-5),
}


def check(name: str, function: Callable[..., Any]) -> None:
    """Run the visible checks for exercise `name` on `function`; raise CheckFailed on a mistake."""
    if name not in _CHECKS:
        raise KeyError(f"no exercise called {name!r}; known exercises: {', '.join(_CHECKS)}")
    make_inputs, expected_answer, tolerance = _CHECKS[name]
    generator = torch.Generator().manual_seed(len(name))
    devices = available_devices()
    for device in devices:
        for _ in range(2):
            inputs = tuple(x.to(device) if isinstance(x, torch.Tensor) else x
                           for x in make_inputs(generator))
            _check_once(name, function, inputs, expected_answer(*inputs), tolerance)
    places = " and ".join(device.type for device in devices)
    print(f"✓ {name} passed {2 * len(devices)} quick checks on {places}. "
          "Your grade comes from hidden tests on fresh inputs.")


def _check_once(name: str, function: Callable[..., Any], inputs: Inputs, expected: Any,
                tolerance: float) -> None:
    originals = [x.clone() if isinstance(x, torch.Tensor) else x for x in inputs]
    shown = ", ".join(describe(x) for x in inputs)
    try:
        got = function(*inputs)
    except NotImplementedError:
        raise CheckFailed(f"{name} is {NOT_WRITTEN_YET}") from None
    except Exception as error:
        raise CheckFailed(f"{name}({shown}) raised {type(error).__name__}: {error}. "
                          "The traceback above shows the line.") from error
    problem = mismatch(expected, got, rtol=tolerance, atol=tolerance)
    if problem:
        raise CheckFailed(f"{name}({shown}): {problem}.")
    for position, (now, before) in enumerate(zip(inputs, originals)):
        if isinstance(now, torch.Tensor) and not torch.equal(now, before):
            raise CheckFailed(f"{name} {changed_in_place([position])}")
