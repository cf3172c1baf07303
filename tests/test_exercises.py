"""Every graded test is honest: it accepts correct answers on fresh inputs and rejects wrong ones.

These run the grader's own path in-process: the recorder the hidden test cell calls, then the
trusted judge. tests/test_pipeline.py does the same through nbgrader.
"""

from __future__ import annotations

import dataclasses
import secrets

import pytest
import torch
from conftest import DEVICES, answer_sources, define, part_notebook
from course_grader.judge import Verdict, judge, make_plan, read_results, write_inputs
from course_reference import PARTS
from torchcourse import CheckFailed, check
from torchcourse.grading import GRADING_DIR_VARIABLE, record_for_grading
from variants import PARTS as VARIANTS

PART = "01-tensors"
EXERCISES = {exercise.name: exercise for exercise in PARTS[PART]}
NAMES = sorted(EXERCISES)
SOLUTIONS = answer_sources(part_notebook("solutions", PART))
STUBS = answer_sources(part_notebook("course", PART))
ANSWERS = VARIANTS[PART]
MISTAKES = [(name, index) for name in NAMES for index in range(len(ANSWERS.MISTAKES[name]))]


def grade(name: str, source: str, device: str, seed: int, tmp_path, monkeypatch) -> Verdict:
    """Grade one answer cell's source as autograding does, on one device."""
    plan = dataclasses.replace(make_plan(EXERCISES[name], seed), devices=[device])
    write_inputs(plan, tmp_path)
    monkeypatch.setenv(GRADING_DIR_VARIABLE, str(tmp_path))
    record_for_grading(name, define(source, name))
    return judge(plan, read_results(plan, tmp_path))


def test_every_graded_exercise_has_a_reference_and_answer_variants():
    graded = set(SOLUTIONS)
    assert graded == set(EXERCISES) == set(ANSWERS.ALTERNATIVES) == set(ANSWERS.MISTAKES) == set(STUBS)
    assert all(ANSWERS.MISTAKES[name] for name in graded), "each exercise needs a realistic mistake"


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", NAMES)
def test_solution_passes_on_many_fresh_draws(name, device, tmp_path, monkeypatch):
    for _ in range(100):
        seed = secrets.randbits(62)
        verdict = grade(name, SOLUTIONS[name], device, seed, tmp_path, monkeypatch)
        assert verdict.passed, f"seed {seed}: {verdict.message}"


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", NAMES)
def test_correct_answer_written_differently_passes(name, device, tmp_path, monkeypatch):
    for _ in range(10):
        seed = secrets.randbits(62)
        verdict = grade(name, ANSWERS.ALTERNATIVES[name], device, seed, tmp_path, monkeypatch)
        assert verdict.passed, f"seed {seed}: {verdict.message}"


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name, index", MISTAKES)
def test_realistic_mistake_is_rejected_on_every_draw(name, index, device, tmp_path, monkeypatch):
    for _ in range(5):
        seed = secrets.randbits(62)
        verdict = grade(name, ANSWERS.MISTAKES[name][index], device, seed, tmp_path, monkeypatch)
        assert not verdict.passed, f"seed {seed}: mistake {index} of {name} was accepted"
        assert "expected" in verdict.message or "raised" in verdict.message or "in place" in verdict.message


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
@pytest.mark.parametrize("name", sorted(ANSWERS.GPU_MISTAKES))
def test_mistakes_that_only_show_on_a_gpu_are_rejected_there(name, tmp_path, monkeypatch):
    for source in ANSWERS.GPU_MISTAKES[name]:
        verdict = grade(name, source, "cuda", secrets.randbits(62), tmp_path, monkeypatch)
        assert not verdict.passed and "on cpu" in verdict.message, verdict.message


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", NAMES)
def test_released_stub_fails_and_says_what_to_do(name, device, tmp_path, monkeypatch):
    verdict = grade(name, STUBS[name], device, secrets.randbits(62), tmp_path, monkeypatch)
    assert not verdict.passed
    assert "not written yet: replace `raise NotImplementedError()`" in verdict.message


def test_nothing_recorded_is_a_failure_with_a_reason(tmp_path):
    plan = make_plan(EXERCISES["sigmoid"], seed=1)
    verdict = judge(plan, read_results(plan, tmp_path))
    assert not verdict.passed and "No results were recorded" in verdict.message


def test_hidden_inputs_are_fresh_each_run_and_repeatable_from_a_seed():
    for exercise in EXERCISES.values():
        first, again = make_plan(exercise, seed=7).cases, make_plan(exercise, seed=7).cases
        other = make_plan(exercise).cases
        flat = lambda cases: [arg for case in cases for arg in case]  # noqa: E731
        assert all(torch.equal(a, b) if isinstance(a, torch.Tensor) else a == b
                   for a, b in zip(flat(first), flat(again)))
        assert any(not isinstance(a, torch.Tensor) or a.shape != b.shape or not torch.equal(a, b)
                   for a, b in zip(flat(first), flat(other))), exercise.name


def test_recorder_does_nothing_outside_grading(monkeypatch, tmp_path):
    monkeypatch.delenv(GRADING_DIR_VARIABLE, raising=False)
    monkeypatch.chdir(tmp_path)
    record_for_grading("sigmoid", lambda x: 1 / 0)
    assert list(tmp_path.iterdir()) == []


# --- the visible checks a learner runs while working ------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_visible_check_accepts_correct_answers(name, capsys):
    for source in (SOLUTIONS[name], ANSWERS.ALTERNATIVES[name]):
        check(name, define(source, name))
        assert capsys.readouterr().out.startswith(f"✓ {name} passed")


@pytest.mark.parametrize("name, index", MISTAKES)
def test_visible_check_explains_each_mistake(name, index):
    with pytest.raises(CheckFailed) as failure:
        check(name, define(ANSWERS.MISTAKES[name][index], name))
    message = str(failure.value)
    assert ("expected" in message and "got" in message) or "in place" in message \
        or "raised" in message, message


@pytest.mark.parametrize("name", NAMES)
def test_visible_check_on_the_stub_asks_for_code(name):
    with pytest.raises(CheckFailed, match="not written yet"):
        check(name, define(STUBS[name], name))
