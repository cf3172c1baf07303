"""What a visible check needs to know about one exercise (each part's module lists its own)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import torch

from .grading import FUNCTION
from .rules import Rules

Inputs = tuple[Any, ...]


@dataclass(frozen=True)
class VisibleCheck:
    """How to make the check's small inputs, how close is close enough, and the exercise's rules.

    The inputs are drawn once, when the course is released, and what a correct answer gives on
    them is saved beside this package (see `checks.expected_records`): the package holds no answer.
    `tolerance` is relative and absolute, unless `atol` gives the absolute one. `kind` is the
    exercise's kind (see `torchcourse.grading`); for a module class, `make_inputs` gives the
    arguments it is built with and the inputs it is called with, and the weights are drawn at
    release for the correct layout. `rules` are the exercise's stated rules; when
    they forbid loops, `large` makes one larger input as well, on which a loop shows. `extra`, if
    given, looks at the learner's answer itself and returns a problem in words, or None.
    """

    make_inputs: Callable[[torch.Generator], Inputs]
    tolerance: float
    kind: str = FUNCTION
    rules: Rules = field(default_factory=Rules)
    large: Callable[[torch.Generator], Inputs] | None = None
    extra: Callable[[Any], str | None] | None = None
    atol: float | None = None


def randn(generator: torch.Generator, *shape: int) -> torch.Tensor:
    """Standard normal numbers of `shape`, drawn from `generator`."""
    return torch.randn(shape, generator=generator)


@dataclass(frozen=True)
class KnownMistake:
    """A mistake many learners make, and the one sentence that names it.

    It is recognised when an answer gives what the mistake, written out in the hidden reference
    package, gives on the same inputs; or when the error or problem reported contains `raised`;
    or, with `changes_input`, when the answer changed its inputs or their gradients.
    """

    sentence: str
    raised: str | None = None
    changes_input: bool = False
