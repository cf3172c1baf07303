"""What a visible check needs to know about one exercise (each part's module lists its own)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import torch

from .grading import FUNCTION

Inputs = tuple[Any, ...]


@dataclass(frozen=True)
class VisibleCheck:
    """How to make small inputs, an answer worked out another way, and how close is close enough.

    `tolerance` is relative and absolute, unless `atol` gives the absolute one. `kind` is the
    exercise's kind (see `torchcourse.grading`); `answer` is run through the same harness as the
    learner's. `extra`, if given, looks at the learner's answer itself and returns a problem in
    words, or None.
    """

    make_inputs: Callable[[torch.Generator], Inputs]
    answer: Any
    tolerance: float
    kind: str = FUNCTION
    extra: Callable[[Any], str | None] | None = None
    atol: float | None = None


def randn(generator: torch.Generator, *shape: int) -> torch.Tensor:
    """Standard normal numbers of `shape`, drawn from `generator`."""
    return torch.randn(shape, generator=generator)


@dataclass(frozen=True)
class KnownMistake:
    """A mistake many learners make, and the one sentence that names it.

    It is recognised when an answer gives what `answer` (the mistake written out, of the
    exercise's kind) gives on the same inputs; or when the error or problem reported contains
    `raised`; or, with `changes_input`, when the answer changed its inputs or their gradients.
    """

    sentence: str
    answer: Any = None
    raised: str | None = None
    changes_input: bool = False
