"""The visible checks' expected records: what the hidden reference gives on each check's inputs.

`make release` writes them into the learner's package (`course/torchcourse/expected/`), so a
visible check compares a learner's answer with plain data, and the package holds no answer in
any form. The known mistakes' records go with them, so a check can name a mistake too.
"""

from __future__ import annotations

import io
from types import ModuleType
from typing import Any

import torch
from course_reference import EXERCISES
from torchcourse.checks import PART_MODULES, expected_records, expected_records_path
from torchcourse.grading import HARNESSES, MODULE_CLASS, PASS_DESCRIPTIONS, plain
from torchcourse.modules import module_case

from .judge import mistake_records

DRAWS = 2  # the visible inputs of each exercise, plus a larger one where its rules forbid loops


def visible_draws(name: str, module: ModuleType) -> list[dict[str, Any]]:
    """The check's inputs for exercise `name`, drawn from a generator seeded by the name, with
    what the reference and each known mistake give on them."""
    check = module.CHECKS[name]
    exercise = EXERCISES[name]
    generator = torch.Generator().manual_seed(len(name))
    cases = [list(check.make_inputs(generator)) for _ in range(DRAWS)]
    if check.rules.no_loops and check.large is not None:
        cases.append(list(check.large(generator)))
    if exercise.kind == MODULE_CLASS:  # (how to build it, its inputs): weights for the right layout
        cases = [module_case(exercise.reference, init_args, inputs, generator) for init_args, inputs in cases]
    draws = []
    for case in cases:
        if exercise.kind in PASS_DESCRIPTIONS:  # judged by a pass mark: the check looks at the contract only
            expected: Any = _contract_only(case)
        else:
            expected = plain(HARNESSES[exercise.kind](exercise.reference, [*case]))
        draws.append({"inputs": case, "expected": expected, "mistakes": mistake_records(exercise, tuple(case))})
    return draws


def _contract_only(case: list[Any]) -> dict[str, Any]:
    """A classifier's expected record on images without labels: any class, pass mark 0."""
    images = case[0]
    return {"predictions": torch.zeros(len(images), dtype=torch.int64), "pass mark": 0.0}


def part_records(module: ModuleType) -> dict[str, list[dict[str, Any]]]:
    """Every exercise's visible draws (see `visible_draws`), the same each time: an answer that
    draws random numbers (an initialiser) draws them from a fixed seed."""
    records = {}
    for name in module.CHECKS:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(len(name))
            records[name] = visible_draws(name, module)
    return records


def write_expected_records() -> None:
    """Write every part's expected records into the learner's package (a file only where they
    changed, so that an unchanged release leaves the files as they were)."""
    for module in PART_MODULES:
        path = expected_records_path(module)
        path.parent.mkdir(exist_ok=True)
        buffer = io.BytesIO()
        torch.save(part_records(module), buffer)
        if not path.is_file() or path.read_bytes() != buffer.getvalue():
            path.write_bytes(buffer.getvalue())
    expected_records.cache_clear()
