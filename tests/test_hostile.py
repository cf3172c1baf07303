"""Broken and hostile submissions (course_grader.hostile), graded in one batch beside ordinary
students: each gets the grade its case says and feedback naming what happened, and none changes
another student's result or the rest of the gradebook."""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid

import nbformat
import pytest
from course_grader import cli
from course_grader.hostile import CASES, PART, expected_score, write_corpus

ORDINARY = ["ada", "ben", "cleo", "dan", "mallory"]
CELL_SECONDS = "10"  # the cell timeout for this batch, so that the endless cells end sooner


def graded_text(student: str, part: str = PART) -> str:
    """What the learner reads in their graded notebook: outputs and notes, not their own code."""
    texts = []
    for path in (cli.AUTOGRADER / "autograded" / student / part).glob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "markdown":
                texts.append(cell.source)
            for output in cell.get("outputs", []):
                texts += [str(output.get("text", "")), str(output.get("evalue", "")),
                          *map(str, output.get("traceback", [])), *map(str, output.get("data", {}).values())]
    return "\n".join(texts)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Grade the corpus and the samples' Part 1 (as new students) together, once."""
    folder = tmp_path_factory.mktemp("hostile-batch")
    cases = write_corpus(folder)
    expected = json.loads(cli.EXPECTED_SCORES.read_text())
    ordinary = {f"ordinary-{uuid.uuid4().hex[:6]}-{name}": expected[name][PART] for name in ORDINARY}
    for student, sample in zip(ordinary, ORDINARY):
        shutil.copytree(cli.SAMPLES / sample / PART, folder / student / PART)
    cli.release(only_changed=True)
    others_before = {student: parts for student, parts in cli.scores().items()
                     if student not in cases and student not in ordinary}
    os.environ["COURSE_GRADER_CELL_SECONDS"] = CELL_SECONDS
    started = time.monotonic()
    try:
        problems = cli.autograde(folder, jobs=2, force=True)
    finally:
        del os.environ["COURSE_GRADER_CELL_SECONDS"]
    print(f"\n{len(cases) + len(ordinary)} notebooks graded in {time.monotonic() - started:.0f} s")
    for part in sorted({case.part for case in CASES}):
        written = cli.nbgrader("generate_feedback", part, "--student", "hostile-*", "--force")
        assert written.returncode == 0, written.stdout + written.stderr
    return {"cases": cases, "ordinary": ordinary, "problems": problems, "others before": others_before}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_case_gets_its_grade_and_is_told_why(batch, case):
    got = cli.scores().get(case.student, {}).get(case.part)
    assert got == expected_score(case), f"{case.name}: expected {expected_score(case)}, got {got}"
    if case.says:
        told = graded_text(case.student, case.part) + "\n".join(batch["problems"])
        assert case.says in told, f"{case.name}: {case.says!r} not in what the learner was told"


def test_ordinary_students_score_as_they_do_alone(batch):
    scores = cli.scores()
    assert {student: scores[student][PART] for student in batch["ordinary"]} == batch["ordinary"]


def test_no_other_student_or_part_changed(batch):
    after = cli.scores()
    assert {student: after[student] for student in batch["others before"]} == batch["others before"]


def test_nothing_secret_reaches_the_learner(batch):
    for student, case in batch["cases"].items():
        text = graded_text(student, case.part)
        for secret in ("BEGIN HIDDEN TESTS", "record_for_grading(", "autograder/reference",
                       "course_grader/", "site-packages/nbgrader"):
            assert secret not in text, f"{student}: {secret!r} in the graded notebook"
    feedback = [path.read_text() for student, case in batch["cases"].items()
                for path in (cli.AUTOGRADER / "feedback" / student / case.part).glob("*.html")]
    for page in feedback:
        assert "record_for_grading" not in page
