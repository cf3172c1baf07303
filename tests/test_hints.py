"""The progressive hints: three per exercise, shown one level at a time, none giving away a solution."""

from __future__ import annotations

import importlib

import pytest
from conftest import solution_lines
from course_reference import PARTS
from torchcourse import hint
from torchcourse.checks import CHECKS
from torchcourse.hints import HINTS

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


@pytest.mark.parametrize("name", NAMES)
def test_first_hint_is_level_one_and_says_how_to_get_the_next(name, capsys):
    hint(name)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"Hint 1 of {LEVELS} for {name}: {HINTS[name][0]}"
    assert f'hint("{name}", 2)' in lines[1]


def test_each_level_shows_its_own_hint(capsys):
    for level in range(1, LEVELS + 1):
        hint("MultiplyAdd", level)
        out = capsys.readouterr().out
        assert out.startswith(f"Hint {level} of {LEVELS} for MultiplyAdd: {HINTS['MultiplyAdd'][level - 1]}")
        assert (f'hint("MultiplyAdd", {level + 1})' in out) == (level < LEVELS)


@pytest.mark.parametrize("level", [LEVELS, LEVELS + 1, 10])
def test_a_level_at_or_past_the_last_shows_the_last_hint_and_says_so(level, capsys):
    hint("sigmoid", level)
    out = capsys.readouterr().out
    assert out.startswith(f"Hint {LEVELS} of {LEVELS} for sigmoid: {HINTS['sigmoid'][-1]}")
    assert "last" in out and "More" not in out


def test_unknown_name_raises_key_error_listing_the_known_names():
    with pytest.raises(KeyError) as raised:
        hint("sigmod")
    assert all(name in str(raised.value) for name in NAMES)


def test_level_below_one_is_refused():
    with pytest.raises(ValueError):
        hint("sigmoid", 0)


@pytest.mark.parametrize("part", PARTS)
def test_no_hint_gives_away_a_solution_line(part):
    lines = solution_lines(part)
    assert lines, "the solutions notebook should have solution lines to protect"
    leaked = [(name, level, line) for name, hints in part_hints(part).items()
              for level, text in enumerate(hints, 1) for line in lines if line in text]
    assert not leaked, f"hints that contain a solution line: {leaked}"
