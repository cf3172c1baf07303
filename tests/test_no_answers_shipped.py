"""What learners get holds no correct answer: nothing callable in `torchcourse` passes a graded test.

Every function, class and lambda the package defines, at module level or inside its tables (the
checks, the hints, the known mistakes), is graded as the answer to every exercise, the way a
learner who copied it would hand it in. None may pass. The capstone is left out: it is a trained
model, which the package cannot hold.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import secrets
from types import ModuleType
from typing import Any

import matplotlib.pyplot as plt
import pytest
import torchcourse
from course_grader.judge import case_problem, judge, make_plan, read_results, write_inputs
from course_reference import EXERCISES
from torchcourse.grading import PASS_DESCRIPTIONS, GRADING_DIR_VARIABLE, record_for_grading, run_case

GRADED = sorted(name for name, exercise in EXERCISES.items() if exercise.kind not in PASS_DESCRIPTIONS)


def _learner_modules() -> list[ModuleType]:
    return [importlib.import_module(info.name)
            for info in pkgutil.walk_packages(torchcourse.__path__, "torchcourse.")]


def _collect(label: str, value: Any, found: dict[str, Any], depth: int = 0) -> None:
    """Add `value` to `found` if it is something a learner could hand in as an answer, and look
    inside containers and records (a VisibleCheck's functions, a dict of lambdas) for more."""
    if depth > 4 or isinstance(value, ModuleType):
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _collect(f"{label}[{key!r}]", item, found, depth + 1)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _collect(f"{label}[{index}]", item, found, depth + 1)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            _collect(f"{label}.{field.name}", getattr(value, field.name), found, depth + 1)
    elif callable(value) and getattr(value, "__module__", "").startswith("torchcourse"):
        found.setdefault(label, value)
        if inspect.isclass(value):  # its methods, static ones included
            for name, member in vars(value).items():
                member = member.__func__ if isinstance(member, (staticmethod, classmethod)) else member
                if callable(member) and not name.startswith("__"):
                    _collect(f"{label}.{name}", member, found, depth + 1)


def learner_package_callables() -> dict[str, Any]:
    """Everything callable that the learner's package defines, by where it is found."""
    found: dict[str, Any] = {}
    for module in _learner_modules():
        for name, value in vars(module).items():
            if not name.startswith("__"):
                _collect(f"{module.__name__}.{name}", value, found)
    return found


CANDIDATES = learner_package_callables()


def test_the_search_sees_the_whole_package():
    """The search reaches private helpers, table entries and nested functions alike."""
    assert "torchcourse.grading.record_for_grading" in CANDIDATES
    assert any(label.startswith("torchcourse.part01_tensors.CHECKS['sigmoid'].make_inputs")
               for label in CANDIDATES)
    assert len(CANDIDATES) > 100


@pytest.mark.parametrize("name", GRADED)
def test_no_callable_in_the_learners_package_passes(name, tmp_path, monkeypatch, capsys):
    """Each candidate is tried on the first hidden case; one that gets it right is graded on all."""
    monkeypatch.setenv(GRADING_DIR_VARIABLE, str(tmp_path))
    plan = make_plan(EXERCISES[name], secrets.randbits(62))
    plan = dataclasses.replace(plan, devices=["cpu"])
    write_inputs(plan, tmp_path)
    first = list(plan.cases[0])
    passing = []
    for label, candidate in CANDIDATES.items():
        record = run_case(plan.exercise.kind, candidate, first, "cpu")
        if case_problem(plan.exercise, plan.cases[0], "cpu", record) is not None:
            continue
        record_for_grading(name, candidate)
        if judge(plan, read_results(plan, tmp_path)).passed:
            passing.append(label)
    capsys.readouterr()  # what the candidates printed
    plt.close("all")  # and drew
    assert not passing, f"{name} is answered by the learner's package: {passing}"
