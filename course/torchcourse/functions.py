"""Families of test functions, for exercises whose input is itself a function.

An exercise such as `numerical_gradient(f, x, eps)` is tested with functions `f` that the grader
draws from a family. A drawn function travels as plain data, a dict such as
`{"family": "scaled_sine", "a": 1.5, "b": 0.7, "c": 0.2}`, and `build_function` turns it into a
callable inside the notebook's kernel and in the grader alike, so both call the same function.
"""

from __future__ import annotations

from typing import Callable

import torch

FunctionSpec = dict[str, object]
"""A function drawn from a family: its family's name and its coefficients (floats)."""

TensorFunction = Callable[[torch.Tensor], torch.Tensor]

# Elementwise functions: f(x)[i] depends only on x[i].
ELEMENTWISE: dict[str, tuple[str, Callable[..., TensorFunction]]] = {
    "cubic": ("{a:.3g}·x³ + {b:.3g}·x² + {c:.3g}·x",
              lambda a, b, c: lambda x: a * x**3 + b * x**2 + c * x),
    "scaled_sine": ("{a:.3g}·sin({b:.3g}·x + {c:.3g})",
                    lambda a, b, c: lambda x: a * torch.sin(b * x + c)),
    "scaled_tanh": ("{a:.3g}·tanh({b:.3g}·x) + {c:.3g}·x",
                    lambda a, b, c: lambda x: a * torch.tanh(b * x) + c * x),
    "gaussian_bump": ("{a:.3g}·exp(−{b:.3g}·x²) + {c:.3g}·x",
                      lambda a, b, c: lambda x: a * torch.exp(-b * x**2) + c * x),
    "softplus": ("{a:.3g}·log(1 + exp({b:.3g}·x + {c:.3g}))",
                 lambda a, b, c: lambda x: a * torch.nn.functional.softplus(b * x + c)),
}

# Scalar functions of a whole tensor: f(x) is a 0-d tensor.
SCALAR: dict[str, tuple[str, Callable[..., TensorFunction]]] = {
    "log_sum_exp": ("{a:.3g}·logsumexp({b:.3g}·x) + {c:.3g}·sum(x)",
                    lambda a, b, c: lambda x: a * torch.logsumexp(b * x.reshape(-1), 0) + c * x.sum()),
    "sine_of_norm": ("{a:.3g}·sin({b:.3g}·sum(x²) + {c:.3g})",
                     lambda a, b, c: lambda x: a * torch.sin(b * (x**2).sum() + c)),
    "sum_of_cubes": ("sum({a:.3g}·x³ + {b:.3g}·x²) + {c:.3g}",
                     lambda a, b, c: lambda x: (a * x**3 + b * x**2).sum() + c),
    "softplus_sum": ("sum({a:.3g}·softplus({b:.3g}·x)) · (1 + {c:.3g}·mean(x))",
                     lambda a, b, c: lambda x: (a * torch.nn.functional.softplus(b * x)).sum()
                     * (1 + c * x.mean())),
}

FAMILIES = {**ELEMENTWISE, **SCALAR}


def is_function_spec(value: object) -> bool:
    """Whether `value` is plain data describing a function from one of the families."""
    return isinstance(value, dict) and value.get("family") in FAMILIES


def build_function(spec: FunctionSpec) -> TensorFunction:
    """The callable that `spec` describes."""
    _, make = FAMILIES[str(spec["family"])]
    return make(*(float(spec[name]) for name in "abc"))


def describe_function(spec: FunctionSpec) -> str:
    """The function written as a formula, for messages: `f(x) = 1.5·sin(0.7·x + 0.2)`."""
    formula, _ = FAMILIES[str(spec["family"])]
    return "f(x) = " + formula.format(**{name: float(spec[name]) for name in "abc"})
