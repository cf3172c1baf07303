"""Instant, visible checks for the exercises: `check("sigmoid", sigmoid)`.

Each check exercises your answer on a few small random inputs, on the CPU and on a GPU when one
is present, the same way the hidden tests do (see `torchcourse.grading`), and compares the
result with an answer worked out another way. It shows a one-line verdict: passed, not written
yet, or what was expected and what your answer gave, naming the mistake when it is a well-known
one. It never stops the notebook, so Run All
goes on past unfinished exercises. Passing these checks is a good sign, not a grade: the graded
tests use many fresh inputs. Each part's checks live in its own module (`part01_tensors`, ...).

Under nbgrader's Validate a check that does not pass raises `CheckFailed` with that one line,
so Validate lists the unfinished and wrong exercises.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from typing import Any

import torch

from . import part01_tensors, part02_autograd, part03_neural_networks, part04_training
from .device import available_devices
from .feedback import NOT_WRITTEN_YET, describe
from .grading import (HARNESSES, MODULE_CLASS, TRAINING, describe_call, explain_problem, plain, run_case,
                      to_device)
from .plotting import ipython_shell

CHECKS = {**part01_tensors.CHECKS, **part02_autograd.CHECKS, **part03_neural_networks.CHECKS,
          **part04_training.CHECKS}
KNOWN_MISTAKES = {**part01_tensors.KNOWN_MISTAKES, **part02_autograd.KNOWN_MISTAKES,
                  **part03_neural_networks.KNOWN_MISTAKES, **part04_training.KNOWN_MISTAKES}

PASSED, NOT_WRITTEN, WRONG = "passed", "not written yet", "wrong"
_STYLE = {  # the symbol and colours of each verdict
    PASSED: ("✓", "#1b5e20", "#e8f5e9"),
    NOT_WRITTEN: ("…", "#37474f", "#eceff1"),
    WRONG: ("✗", "#b71c1c", "#ffebee"),
}


@dataclass(frozen=True)
class CheckResult:
    """The verdict of one visible check: its status and the sentence a learner reads."""

    name: str
    status: str
    message: str

    def text(self) -> str:
        return f"{_STYLE[self.status][0]} {self.message}"

    def html(self) -> str:
        symbol, colour, background = _STYLE[self.status]
        return (f'<div style="border-left: 4px solid {colour}; background: {background}; '
                f'color: {colour}; padding: 4px 10px; white-space: pre-wrap; '
                f'font-family: var(--jp-code-font-family, monospace)">{symbol} '
                f"{html.escape(self.message)}</div>")


class CheckFailed(Exception):
    """Raised only under nbgrader's Validate: the answer is unfinished or wrong (one line)."""

    def _render_traceback_(self) -> list[str]:  # IPython shows this instead of a traceback
        return [str(self)]


def run_check(name: str, answer: Any) -> CheckResult:
    """Exercise `answer` on the small inputs of exercise `name` and return the verdict."""
    if name not in CHECKS:
        raise KeyError(f"no exercise called {name!r}; known exercises: {', '.join(CHECKS)}")
    spec = CHECKS[name]
    generator = torch.Generator().manual_seed(len(name))
    devices = [device.type for device in available_devices()]
    atol = spec.tolerance if spec.atol is None else spec.atol
    for device in devices:
        for _ in range(2):
            inputs = [to_device(value, device) for value in spec.make_inputs(generator)]
            expected = plain(HARNESSES[spec.kind](spec.answer, inputs))  # before an answer changes them
            record = run_case(spec.kind, answer, inputs, device)
            problem = explain_problem(spec.kind, record, expected, inputs,
                                      KNOWN_MISTAKES.get(name, []), spec.tolerance, atol)
            if problem and NOT_WRITTEN_YET in problem:
                return CheckResult(name, NOT_WRITTEN, f"{name} is {NOT_WRITTEN_YET}")
            if problem and spec.kind in (MODULE_CLASS, TRAINING):
                call = describe_call(name, spec.kind, inputs)
                return CheckResult(name, WRONG, f"{name}, {call}: {problem}")
            if problem:
                shown = ", ".join(describe(value) for value in inputs)
                return CheckResult(name, WRONG, f"{name}({shown}): {problem}")
    problem = spec.extra(answer) if spec.extra else None
    if problem:
        return CheckResult(name, WRONG, f"{name}: {problem}")
    return CheckResult(name, PASSED, f"{name} passed {2 * len(devices)} quick checks on "
                                     f"{' and '.join(devices)}. Your grade comes from hidden "
                                     "tests on fresh inputs.")


def check(name: str, answer: Any) -> None:
    """Run the visible checks for exercise `name` on `answer` and show the verdict in place."""
    result = run_check(name, answer)
    if os.environ.get("NBGRADER_EXECUTION") == "validate" and result.status != PASSED:
        raise CheckFailed(result.text())
    _show(result)


def _show(result: CheckResult) -> None:
    """HTML in a notebook (plain text where HTML cannot be shown), plain text elsewhere."""
    if ipython_shell() is None:
        print(result.text())
        return
    from IPython.display import display

    display({"text/html": result.html(), "text/plain": result.text()}, raw=True)
