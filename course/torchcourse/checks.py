"""Instant, visible checks for the exercises: `check("sigmoid", sigmoid)`.

Each check exercises your answer on a few small inputs, on the CPU and on a GPU when one is
present, the same way the hidden tests do (see `torchcourse.grading`), and compares the result
with what a correct answer gave on the same inputs (saved when the course was released, in
`expected/`). It also checks the exercise's rules (see `torchcourse.rules`). It shows a one-line
verdict: passed, not written yet, or what went wrong, naming the mistake when it is a well-known
one. It never stops the notebook, so Run All goes on past unfinished exercises. Passing these
checks is a good sign, not a grade: the graded tests use many fresh inputs. Each part's checks
live in its own module (`part01_tensors`, ...).

Under nbgrader's Validate a check that does not pass raises `CheckFailed` with that one line,
so Validate lists the unfinished and wrong exercises.
"""

from __future__ import annotations

import copy
import functools
import html
import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import torch

from . import (part01_tensors, part02_autograd, part03_neural_networks, part04_training,
               part05_inference_validation, part06_saving_loading, part07_image_data, part08_transfer_learning)
from .device import available_devices
from .feedback import NOT_WRITTEN_YET, unknown_name
from .grading import describe_call, devices_for, explain_problem, loop_problem, run_case, to_device
from .plotting import ipython_shell
from .spec import VisibleCheck
from .training import over_budget

PART_MODULES: list[ModuleType] = [part01_tensors, part02_autograd, part03_neural_networks, part04_training,
                                  part05_inference_validation, part06_saving_loading, part07_image_data,
                                  part08_transfer_learning]
CHECKS: dict[str, VisibleCheck] = {name: check for module in PART_MODULES
                                   for name, check in module.CHECKS.items()}
KNOWN_MISTAKES = {name: mistakes for module in PART_MODULES
                  for name, mistakes in module.KNOWN_MISTAKES.items()}
EXPECTED_FOLDER = Path(__file__).parent / "expected"


def part_module(name: str) -> ModuleType:
    """The part module whose checks include exercise `name`."""
    return next(module for module in PART_MODULES if name in module.CHECKS)


def expected_records_path(module: ModuleType) -> Path:
    """Where the records a correct answer gave on a part's visible inputs are kept."""
    return EXPECTED_FOLDER / f"{module.__name__.rsplit('.', 1)[-1]}.pt"


@functools.lru_cache(maxsize=None)
def expected_records(module: ModuleType) -> dict[str, list[dict[str, Any]]]:
    """Per exercise of the part, its visible draws: {"inputs": the case, "expected": what a
    correct answer gives on it, "mistakes": what each known mistake gives (None for those
    recognised otherwise)}; plain data, written when the course is released."""
    return torch.load(expected_records_path(module), weights_only=True)


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
        return CheckResult(name, WRONG, unknown_name(name, list(CHECKS)))
    spec = CHECKS[name]
    draws = expected_records(part_module(name))[name]
    atol = spec.tolerance if spec.atol is None else spec.atol
    devices = devices_for(spec.kind, [device.type for device in available_devices()])
    for device in devices:
        cases, records = [], []
        for draw in draws:
            # a copy: an answer that changes its inputs must not change the saved ones
            case = [to_device(value, device) for value in copy.deepcopy(draw["inputs"])]
            record = run_case(spec.kind, answer, case, device)
            problem = explain_problem(spec.kind, record, draw["expected"], case, spec.rules,
                                      KNOWN_MISTAKES.get(name, []), lambda: draw["mistakes"],
                                      spec.tolerance, atol)
            if problem and NOT_WRITTEN_YET in problem:
                return CheckResult(name, NOT_WRITTEN, f"{name} is {NOT_WRITTEN_YET}")
            if problem:
                return CheckResult(name, WRONG, f"{name}: {problem} It was {describe_call(name, spec.kind, case)}.")
            cases.append(case)
            records.append(record)
        problem = loop_problem(spec.rules, cases, records)
        if problem:
            return CheckResult(name, WRONG, f"{name}: {problem}")
    problem = (spec.extra(answer) if spec.extra else None) or over_budget(answer)
    if problem:
        return CheckResult(name, WRONG, f"{name}: {problem}")
    return CheckResult(name, PASSED, f"{name} passed {len(draws) * len(devices)} quick checks on "
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
