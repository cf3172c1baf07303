"""The trusted verdict: compare what a learner's function returned with the reference answers.

Runs in the grader's own process. It reads only plain tensors and numbers from the recorded
results (`torch.load(weights_only=True)`), recomputes every expected answer itself from inputs
it kept in memory, and never trusts a verdict computed inside the learner's kernel.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from course_reference import Case, Exercise
from torchcourse.device import available_devices
from torchcourse.checks import CHECKS, KNOWN_MISTAKES
from torchcourse.grading import (HARNESSES, PASS_DESCRIPTIONS, describe_call, devices_for, explain_problem,
                                 inputs_path, loop_problem, plain, results_path)
from torchcourse.rules import Rules

MAX_RESULTS_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Plan:
    """The hidden inputs for one exercise in one grading run, and the devices to run them on."""

    exercise: Exercise
    cases: list[Case]
    devices: list[str]


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str


def make_plan(exercise: Exercise, seed: int | None = None) -> Plan:
    """Draw fresh hidden inputs for `exercise` (from a secret seed unless one is given)."""
    generator = torch.Generator().manual_seed(secrets.randbits(62) if seed is None else seed)
    devices = devices_for(exercise.kind, [device.type for device in available_devices()])
    return Plan(exercise, exercise.make_cases(generator), devices)


def write_inputs(plan: Plan, folder: Path) -> None:
    """Save the plan's inputs where the recorder in the learner's kernel will read them."""
    torch.save({"kind": plan.exercise.kind, "cases": [list(case) for case in plan.cases],
                "devices": plan.devices}, inputs_path(folder, plan.exercise.name))


def read_results(plan: Plan, folder: Path) -> list[dict[str, Any]] | None:
    """The recorded results for the plan's exercise, or None when nothing usable was recorded."""
    path = results_path(folder, plan.exercise.name)
    if not path.is_file() or path.stat().st_size > MAX_RESULTS_BYTES:
        return None
    try:
        results = torch.load(path, weights_only=True)
    except Exception:  # a damaged or forged file is simply "nothing usable recorded"
        return None
    expected_count = len(plan.cases) * len(plan.devices)
    if not isinstance(results, list) or len(results) != expected_count:
        return None
    if not all(isinstance(result, dict) for result in results):
        return None
    return results


def judge(plan: Plan, results: list[dict[str, Any]] | None) -> Verdict:
    """Pass only if every recorded result matches the reference on every case and device, and
    the answer kept the exercise's rules."""
    name = plan.exercise.name
    if results is None:
        return Verdict(False, f"No results were recorded for `{name}`: its test cell did not finish "
                              "(an error in it or in a cell it needs; the graded notebook shows which), "
                              "or the function is missing.")
    runs = [(device, case) for device in plan.devices for case in plan.cases]
    for (device, case), result in zip(runs, results):
        problem = case_problem(plan.exercise, case, device, result)
        if problem:
            call = describe_call(name, plan.exercise.kind, list(case))
            return Verdict(False, f"`{name}` failed a hidden test on {device}: {problem} It was {call}.")
    for index, device in enumerate(plan.devices):
        records = results[index * len(plan.cases):(index + 1) * len(plan.cases)]
        problem = loop_problem(rules_of(name), [list(case) for case in plan.cases], records)
        if problem:
            return Verdict(False, f"`{name}` failed the hidden tests on {device}: {problem}")
    if plan.exercise.kind in PASS_DESCRIPTIONS:
        reached = PASS_DESCRIPTIONS[plan.exercise.kind](expected_record(plan.exercise, plan.cases[0]),
                                                        results[0].get("value"))
        return Verdict(True, f"✓ `{name}` {reached} ({', '.join(plan.devices)}).")
    return Verdict(True, f"✓ `{name}` matched the reference on all {len(results)} hidden tests "
                         f"({', '.join(plan.devices)}).")


def rules_of(name: str) -> Rules:
    """The rules the exercise's text states (kept with its visible check)."""
    return CHECKS[name].rules if name in CHECKS else Rules()


def expected_record(exercise: Exercise, case: Case) -> Any:
    """What a correct answer gives on `case`: the reference, run through the exercise's harness
    here in the grader's process, as plain data."""
    return plain(HARNESSES[exercise.kind](exercise.reference, list(case)))


def mistake_records(exercise: Exercise, case: Case) -> list[Any]:
    """What each of the exercise's known mistakes, written out, gives on `case` (None for a
    mistake recognised by what it raised or changed, or one that cannot run on this case)."""
    records = []
    for mistake in exercise.mistakes:
        try:
            records.append(None if mistake is None else plain(HARNESSES[exercise.kind](mistake, list(case))))
        except Exception:  # a mistake that cannot run on these inputs explains nothing here
            records.append(None)
    return records


def case_problem(exercise: Exercise, case: Case, device: str, result: dict[str, Any]) -> str | None:
    """What is wrong with one recorded result, or None if it is right."""
    if result.get("device") != device:
        return "the recorded results are out of order or incomplete."
    calls = result.get("calls")
    if not isinstance(calls, dict) or not all(isinstance(count, int) for count in calls.values()):
        return "the recorded results are out of order or incomplete."
    return explain_problem(exercise.kind, result, expected_record(exercise, case), list(case),
                           rules_of(exercise.name), KNOWN_MISTAKES.get(exercise.name, []),
                           lambda: mistake_records(exercise, case), exercise.rtol, exercise.atol)
