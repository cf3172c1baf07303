"""Instant, visible checks for the exercises: `check("sigmoid", sigmoid)`.

Each check exercises your answer on a few small random inputs, on the CPU and on a GPU when one
is present, the same way the hidden tests do (see `torchcourse.grading`), and compares the
result with an answer worked out another way. It tells you what was expected and what you
returned. Passing these checks is a good sign, not a grade: the graded tests use many fresh
inputs. Each part's checks live in its own module (`part01_tensors`, `part02_autograd`, ...).
"""

from __future__ import annotations

from typing import Any

import torch

from . import part01_tensors, part02_autograd
from .device import available_devices
from .feedback import describe
from .grading import HARNESSES, find_problem, plain, run_case, to_device
from .spec import VisibleCheck

CHECKS: dict[str, VisibleCheck] = {**part01_tensors.CHECKS, **part02_autograd.CHECKS}


class CheckFailed(Exception):
    """Your answer gave a wrong result; the message says what was expected and what was got."""


def check(name: str, answer: Any) -> None:
    """Run the visible checks for exercise `name` on `answer`; raise CheckFailed on a mistake."""
    if name not in CHECKS:
        raise KeyError(f"no exercise called {name!r}; known exercises: {', '.join(CHECKS)}")
    spec = CHECKS[name]
    generator = torch.Generator().manual_seed(len(name))
    devices = [device.type for device in available_devices()]
    for device in devices:
        for _ in range(2):
            inputs = [to_device(value, device) for value in spec.make_inputs(generator)]
            record = run_case(spec.kind, answer, inputs, device)
            expected = plain(HARNESSES[spec.kind](spec.answer, inputs))
            problem = find_problem(record, expected, spec.tolerance, spec.tolerance)
            if problem:
                shown = ", ".join(describe(value) for value in inputs)
                raise CheckFailed(f"{name}({shown}): {problem}")
    problem = spec.extra(answer) if spec.extra else None
    if problem:
        raise CheckFailed(f"{name}: {problem}")
    print(f"✓ {name} passed {2 * len(devices)} quick checks on {' and '.join(devices)}. "
          "Your grade comes from hidden tests on fresh inputs.")
