"""The progressive hints: three per exercise, shown one level at a time, none giving away a solution."""

from __future__ import annotations

import importlib

import pytest
from conftest import solution_lines
from course_reference import PARTS
from torchcourse import hint
from torchcourse.checks import CHECKS
from torchcourse.hints import HINTS, LINE_WIDTH

LEVELS = 3
NAMES = sorted(exercise.name for exercises in PARTS.values() for exercise in exercises)


def part_hints(part: str) -> dict[str, list[str]]:
    """The HINTS of one part's module, e.g. torchcourse.part01_tensors for "01-tensors"."""
    return importlib.import_module(f"torchcourse.part{part.replace('-', '_')}").HINTS


@pytest.mark.parametrize("part", PARTS)
def test_each_part_module_has_hints_for_exactly_its_exercises(part):
    assert set(part_hints(part)) == {exercise.name for exercise in PARTS[part]}


def test_every_checked_exercise_has_hints():
    assert set(HINTS) == set(CHECKS) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_exercise_has_three_non_empty_hints(name):
    hints = HINTS[name]
    assert isinstance(hints, list) and len(hints) == LEVELS
    assert all(isinstance(text, str) and text.strip() for text in hints)
    assert len(set(hints)) == LEVELS, "each level must say something new"


def shown_hint(out: str) -> str:
    """The hint as printed, its lines joined again (it is wrapped so that no word is broken),
    without the last line, which says how to go on."""
    return " ".join(out.splitlines()[:-1])


@pytest.mark.parametrize("name", NAMES)
def test_first_hint_is_level_one_and_says_how_to_get_the_next(name, capsys):
    hint(name)
    out = capsys.readouterr().out
    assert shown_hint(out) == " ".join(f"Hint 1 of {LEVELS} for {name}: {HINTS[name][0]}".split())
    assert out.splitlines()[-1] == f'(More: hint("{name}", 2))'
    assert all(len(line) <= LINE_WIDTH for line in out.splitlines())


def test_each_level_shows_its_own_hint(capsys):
    for level in range(1, LEVELS + 1):
        hint("MultiplyAdd", level)
        out = capsys.readouterr().out
        assert shown_hint(out) == " ".join(
            f"Hint {level} of {LEVELS} for MultiplyAdd: {HINTS['MultiplyAdd'][level - 1]}".split())
        assert (f'hint("MultiplyAdd", {level + 1})' in out) == (level < LEVELS)


@pytest.mark.parametrize("level", [LEVELS, LEVELS + 1, 10])
def test_a_level_at_or_past_the_last_shows_the_last_hint_and_says_so(level, capsys):
    hint("sigmoid", level)
    out = capsys.readouterr().out
    assert shown_hint(out) == " ".join(f"Hint {LEVELS} of {LEVELS} for sigmoid: {HINTS['sigmoid'][-1]}".split())
    assert "last" in out and "More" not in out


@pytest.mark.parametrize("asked, meant", [("Softmax", "softmax"), ("sigmod", "sigmoid"),
                                          ("trainstep", "train_step")])
def test_a_misspelt_name_gets_the_name_meant_not_a_traceback(asked, meant, capsys):
    hint(asked)
    assert capsys.readouterr().out == f"There is no exercise called `{asked}`; did you mean `{meant}`?\n"


def test_a_name_like_no_exercise_lists_them_all(capsys):
    hint("banana")
    out = capsys.readouterr().out
    assert out.startswith("There is no exercise called `banana`. The exercises are: ")
    assert all(name in out for name in NAMES)


def test_a_level_below_one_shows_the_first(capsys):
    hint("sigmoid", 0)
    assert capsys.readouterr().out.startswith("Hint 1 of 3 for sigmoid:")


@pytest.mark.parametrize("part", PARTS)
def test_no_hint_gives_away_a_solution_line(part):
    lines = solution_lines(part)
    assert lines, "the solutions notebook should have solution lines to protect"
    leaked = [(name, level, line) for name, hints in part_hints(part).items()
              for level, text in enumerate(hints, 1) for line in lines if line in text]
    assert not leaked, f"hints that contain a solution line: {leaked}"
