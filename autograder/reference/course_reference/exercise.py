"""What the grader knows about one graded exercise: a correct answer and how to test it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import torch
from torchcourse.grading import FUNCTION, HARNESSES

Case = tuple[Any, ...]
"""The inputs for one test of a learner's answer: plain data (tensors, numbers, function specs)."""


@dataclass(frozen=True)
class Exercise:
    """One graded exercise: its kind, its reference answer, its test inputs and its tolerance.

    `kind` names the harness in `torchcourse.grading` that exercises an answer (a function, a
    function of a function, a differentiable function, an autograd Function...); `reference`
    is a correct answer of that kind, run through the same harness in the grader's process to
    get the expected record. `make_cases` receives a seeded generator and returns the cases:
    fresh random inputs followed by fixed edge cases. Every tensor in a case is on the CPU; the
    harness moves it to each device under test. `mistakes` writes out, in order, the known
    mistakes that `torchcourse`'s part module names for this exercise (None for one recognised
    by what it raised or changed rather than by what it returns).
    """

    name: str
    reference: Any
    make_cases: Callable[[torch.Generator], list[Case]]
    rtol: float = 1e-5
    atol: float = 1e-6
    kind: str = FUNCTION
    mistakes: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in HARNESSES:
            raise ValueError(f"{self.name}: unknown exercise kind {self.kind!r}")
