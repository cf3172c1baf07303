"""What the grader knows about one graded exercise: a correct answer and how to test it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import torch

Case = tuple[Any, ...]
"""The positional arguments for one call of a learner's function."""


@dataclass(frozen=True)
class Exercise:
    """One graded function: its reference answer, its test inputs and its tolerance.

    `make_cases` receives a seeded generator and returns the argument tuples to call the
    learner's function with: fresh random inputs followed by fixed edge cases. Every tensor in
    a case is on the CPU; the recorder moves it to each device under test.
    """

    name: str
    reference: Callable[..., Any]
    make_cases: Callable[[torch.Generator], list[Case]]
    rtol: float = 1e-5
    atol: float = 1e-6
