"""Build the demo's sample submissions from the released notebooks and the answer variants.

Each sample student answers every part's exercises the same way:
- ada: a correct answer written differently from the solution, everywhere;
- ben: hands in the release untouched;
- cleo: realistic mistakes, some right answers and one exercise left undone;
- mallory: tries to score without solving anything (see variants CHEATS);
- dan: sends a damaged notebook file.
The expected score of each is written beside them and checked by `make demo`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat

from variants import PARTS as VARIANTS

from . import AUTOGRADER, REPO, parts

SAMPLES = AUTOGRADER / "samples"
EXPECTED_SCORES = SAMPLES / "expected_scores.json"

def answer_cell_id(exercise: str) -> str:
    """The grade_id of the cell where the learner writes `exercise`."""
    return f"{exercise}-code"


def fill_answers(released: Path, answers: dict[str, str]) -> nbformat.NotebookNode:
    """The released notebook with the answer cells named in `answers` replaced."""
    notebook = nbformat.read(released, as_version=4)
    for cell in notebook.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        exercise = grade_id.removesuffix("-code")
        if grade_id.endswith("-code") and exercise in answers:
            cell.source = answers[exercise]
    return notebook


def points_per_test(notebook_path: Path) -> dict[str, float]:
    """Points of each graded test cell, by grade_id."""
    notebook = nbformat.read(notebook_path, as_version=4)
    return {cell.metadata.nbgrader.grade_id: cell.metadata.nbgrader.get("points", 0)
            for cell in notebook.cells
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade")}


def cleo_answers(variants) -> dict[str, str]:
    """Cleo's answers for one part, as the part's variants module lists them."""
    answers = {}
    for exercise, alternative in variants.ALTERNATIVES.items():
        if exercise in variants.CLEO_CORRECT:
            answers[exercise] = alternative
        elif exercise not in variants.CLEO_UNTOUCHED:
            answers[exercise] = variants.MISTAKES[exercise][0]
    return answers


def write_samples() -> None:
    """Rewrite autograder/samples/ and its expected scores from the current release."""
    expected: dict[str, dict[str, float]] = {}
    for part in parts():
        variants = VARIANTS[part]
        for released in sorted((REPO / "course" / part).glob("*.ipynb")):
            points = points_per_test(released)
            students = {
                "ada": (variants.ALTERNATIVES, sum(points.values())),
                "ben": ({}, 0),
                "cleo": (cleo_answers(variants), sum(points[name] for name in variants.CLEO_CORRECT)),
                "mallory": (variants.CHEATS, 0),
            }
            for student, (answers, score) in students.items():
                _write(SAMPLES / student / part / released.name, nbformat.writes(fill_answers(released, answers)))
                expected.setdefault(student, {})[part] = score
            damaged = released.read_text()[: len(released.read_text()) // 2]
            _write(SAMPLES / "dan" / part / released.name, damaged)
            expected.setdefault("dan", {})[part] = 0
    EXPECTED_SCORES.write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    print(f"samples written to {SAMPLES}")


def _write(path: Path, text: str) -> None:
    shutil.rmtree(path.parent, ignore_errors=True)
    path.parent.mkdir(parents=True)
    path.write_text(text)
