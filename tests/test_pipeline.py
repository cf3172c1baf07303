"""The whole pipeline through nbgrader: release, autograde, feedback, gradebook, demo scores.

Slow (each graded notebook starts a sandboxed kernel), so the demo runs once for the module.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from conftest import REPO, part_notebook, solution_lines
from course_grader import cli
from course_grader.report import ExerciseSummary, PartSummary, part_html, write_report
from course_grader.samples import write_samples
from course_grader.worker import open_gradebook, read_submission

PARTS = cli.parts()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file() and "__pycache__" not in path.parts and ".egg-info" not in str(path)}


def cell_scores(student: str, part: str) -> dict[str, tuple[float, float]]:
    """(score, max score) of each graded cell of one student's part, from the gradebook."""
    notebook = part_notebook("course", part).stem
    with open_gradebook(cli.GRADEBOOK) as gradebook:
        graded = gradebook.find_submission_notebook(notebook, part, student)
        return {grade.name: (grade.score, grade.max_score) for grade in graded.grades}


@pytest.fixture(scope="module")
def demo():
    """Run `make demo`'s job once, in parallel; keep what course/ and the samples were before
    and after, and what the gradebook, the CSV and the feedback said."""
    course_before, samples_before = snapshot(REPO / "course"), snapshot(cli.SAMPLES)
    exit_code = cli.demo(force=True, jobs=2)  # two workers at once, even on one core
    return {"exit code": exit_code, "course before": course_before,
            "samples before": samples_before, "samples after": snapshot(cli.SAMPLES),
            "graded": graded_state(SERIAL_PART)}


RELU = "def relu(x):\n    out = x.clone()\n    out[out < 0] = 0\n    return out\n"
SERIAL_PART = "02-autograd"  # the part graded again one notebook at a time, to compare


def graded_state(part: str) -> dict[str, object]:
    """Per-cell scores, CSV rows and feedback pages (numbers blanked: the inputs are drawn
    afresh each time) of the samples' submissions of `part`."""
    students = json.loads(cli.EXPECTED_SCORES.read_text())
    notebook = part_notebook("course", part).stem
    return {
        "scores": {student: cell_scores(student, part) for student in students},
        "csv": sorted(row for row in cli.GRADES_CSV.read_text().splitlines()
                      if row.startswith(f"{part},") and row.split(",")[3] in students),
        "feedback": {student: without_draws(
            (cli.AUTOGRADER / "feedback" / student / part / f"{notebook}.html").read_text())
            for student in students},
    }


def without_draws(page: str) -> str:
    """`page` with what depends on the grader's random draw left out: everything a failing
    verdict says after naming the device (the inputs it was called with, the values it found),
    and numbers."""
    verdicts = re.sub(r"(failed a hidden test on \w+)[^<]*", r"\1", page)
    return re.sub(r"-?\d+(\.\d+)?(e-?\d+)?", "#", verdicts)


def test_demo_gives_every_sample_its_expected_score(demo):
    expected = json.loads(cli.EXPECTED_SCORES.read_text())
    got = cli.scores()
    assert {s: {p: got[s][p] for p in parts} for s, parts in expected.items()} == expected
    assert demo["exit code"] == 0


def test_parallel_grading_gives_what_serial_grading_gives(demo, tmp_path):
    """The demo ran two workers at once; one worker, one notebook after another, must agree on
    every cell's score, the CSV and the feedback."""
    students = json.loads(cli.EXPECTED_SCORES.read_text())
    for student in students:
        shutil.copytree(cli.SAMPLES / student / SERIAL_PART, tmp_path / student / SERIAL_PART)
    cli.autograde(tmp_path, jobs=1, force=True)
    cli.feedback()
    serial, parallel = graded_state(SERIAL_PART), demo["graded"]
    assert serial["scores"] == parallel["scores"]
    assert serial["csv"] == parallel["csv"]
    for student, page in serial["feedback"].items():
        lines = zip(page.splitlines(), parallel["feedback"][student].splitlines())
        assert page == parallel["feedback"][student], (student, next(
            (pair for pair in lines if pair[0] != pair[1]), "page lengths differ"))


def test_course_is_exactly_what_release_generates(demo):
    assert snapshot(REPO / "course") == demo["course before"], "run `make release` and commit course/"


def test_samples_are_in_sync_with_the_release(demo):
    write_samples()
    assert snapshot(cli.SAMPLES) == demo["samples before"], "run `make samples` and commit them"


@pytest.mark.parametrize("part", PARTS)
def test_release_holds_no_outputs_solutions_or_hidden_tests(part):
    secret = solution_lines(part)
    released = nbformat.read(part_notebook("course", part), as_version=4)
    for cell in released.cells:
        assert cell.get("outputs", []) == [] and cell.get("execution_count") is None
        for marker in ("BEGIN SOLUTION", "HIDDEN TESTS", "record_for_grading"):
            assert marker not in cell.source
        leaked = [line for line in cell.source.splitlines() if line.strip() in secret]
        assert not leaked, f"solution lines in the release: {leaked}"
    assert [path.name for path in (REPO / "course" / part).iterdir()] == [f"{part}.ipynb"]


@pytest.mark.parametrize("part", PARTS)
def test_solution_notebooks_are_committed_without_outputs(part):
    for cell in nbformat.read(part_notebook("solutions", part), as_version=4).cells:
        assert cell.get("outputs", []) == [] and cell.get("execution_count") is None


@pytest.mark.parametrize("part", PARTS)
def test_untouched_release_scores_zero_on_every_graded_cell(demo, part):
    scores = cell_scores("ben", part)
    assert scores and all(score == 0 and most > 0 for score, most in scores.values()), scores


@pytest.mark.parametrize("part", PARTS)
def test_hostile_submission_scores_zero_and_harms_nobody(demo, part):
    scores = cell_scores("mallory", part)
    assert scores and all(score == 0 for score, _ in scores.values()), scores
    assert demo["samples after"] == demo["samples before"], "a submission changed the samples"
    assert cell_scores("ada", part) and all(s == m for s, m in cell_scores("ada", part).values())


def test_an_endless_loop_is_interrupted_and_scores_zero(demo):
    feedback = (cli.AUTOGRADER / "feedback" / "mallory" / "01-tensors" / "01-tensors.html").read_text()
    assert "No results were recorded for `two_layer_forward`" in feedback
    assert "KeyboardInterrupt" in feedback


def test_damaged_notebook_gets_a_grade_feedback_and_is_kept():
    part = PARTS[0]
    assert cli.scores()["dan"][part] == 0
    kept = cli.SUBMITTED / "dan" / part / f"{part}.ipynb.unreadable"
    assert kept.read_text() == (cli.SAMPLES / "dan" / part / f"{part}.ipynb").read_text()
    feedback = (cli.AUTOGRADER / "feedback" / "dan" / part / f"{part}.html").read_text()
    assert "Your submitted notebook could not be read" in feedback


def test_gradebook_csv_lists_every_sample(demo):
    rows = cli.GRADES_CSV.read_text().splitlines()
    for student in json.loads(cli.EXPECTED_SCORES.read_text()):
        assert any(f",{student}," in row for row in rows), student


@pytest.mark.parametrize("part", PARTS)
def test_solution_scores_full_marks_on_every_fresh_draw(demo, part, tmp_path):
    # two runs, each on a fresh draw (tests/test_exercises.py grades each solution on 100 more)
    runs = [f"solution-run-{n}" for n in range(1, 3)]
    for student in runs:
        folder = tmp_path / student / part
        folder.mkdir(parents=True)
        shutil.copy(part_notebook("solutions", part), folder / f"{part}.ipynb")
    assert cli.autograde(tmp_path) == []
    for student in runs:
        scores = cell_scores(student, part)
        assert scores and all(score == most for score, most in scores.values()), (student, scores)


def test_bad_submission_folders_are_reported_not_fatal(demo, tmp_path):
    (tmp_path / "not a student id!" / PARTS[0]).mkdir(parents=True)
    (tmp_path / "erin" / "99-no-such-part").mkdir(parents=True)
    (tmp_path / "fay" / PARTS[0]).mkdir(parents=True)
    (tmp_path / "fay" / PARTS[0] / f"{PARTS[0]}.ipynb").write_text("not a notebook")
    problems = cli.autograde(tmp_path)
    assert any("'not a student id!': not a usable student id" in p for p in problems), problems
    assert any("erin: unknown part folder '99-no-such-part'" in p for p in problems), problems
    # a notebook graded as the release, not as handed in, is a problem too: listed, with the reason
    assert any(p.startswith(f"fay/{PARTS[0]}: {PARTS[0]}.ipynb could not be read") and
               p.endswith("the release was graded in its place") for p in problems), problems


def test_submission_that_kills_its_kernel_loses_only_that_cell(demo, tmp_path):
    """A cell that kills the kernel is stopped and the rest is graded; a notebook whose cells
    kill the kernel again when run a second time gets the release graded in its place."""
    from course_grader.samples import fill_answers

    part = PARTS[0]
    again = "import os\nif os.path.exists('ran-once'):\n    os._exit(1)\nopen('ran-once', 'w').close()\n"
    notebooks = {
        "kate": {"sigmoid": "import os\nos._exit(1)\n", "relu": RELU},
        "kim": {"sigmoid": again, "relu": "import os\nos._exit(1)\n"},
    }
    for student, answers in notebooks.items():
        (tmp_path / student / part).mkdir(parents=True)
        nbformat.write(fill_answers(part_notebook("course", part), answers),
                       tmp_path / student / part / f"{part}.ipynb")
    problems = cli.autograde(tmp_path, force=True)
    assert len(problems) == 1 and problems[0].startswith(f"kim/{part}: nbgrader failed"), problems
    assert "the release was graded in its place" in problems[0]
    assert cli.scores()["kate"][part] == 1 and cli.scores()["kim"][part] == 0
    assert (cli.SUBMITTED / "kim" / part / f"{part}.ipynb.crashed").is_file()
    assert len(cli.autograde(tmp_path)) == 1, "a rerun must try it again and list it again"
    cli.feedback()
    kate = (cli.AUTOGRADER / "feedback" / "kate" / part / f"{part}.html").read_text()
    assert "ended the Python kernel" in kate
    kim = (cli.AUTOGRADER / "feedback" / "kim" / part / f"{part}.html").read_text()
    assert "Your submitted notebook stopped the grader" in kim


def test_symbolic_links_in_a_submission_are_not_copied(tmp_path):
    part = PARTS[0]
    folder = tmp_path / "lee" / part
    folder.mkdir(parents=True)
    (folder / f"{part}.ipynb").symlink_to(part_notebook("solutions", part))
    (folder / "notes.txt").write_text("mine")
    assert list(read_submission(folder, "lee", part).files) == ["notes.txt"]


@pytest.mark.parametrize("part", PARTS)
def test_feedback_lists_exercises_by_name_and_shows_no_test_source(demo, part):
    page = (cli.AUTOGRADER / "feedback" / "cleo" / part / f"{part}.html").read_text()
    for name in cell_scores("cleo", part):
        assert f'Exercise <code>{name}</code></a> (Score:' in page, name
    for leak in ("HIDDEN TESTS", "record_for_grading", "Test cell", "No response", "Comments:"):
        assert leak not in page, leak
    assert "white-space: pre-wrap" in page  # long verdicts wrap instead of being cut off


def test_class_report_shows_pass_rates_and_common_mistakes(demo, tmp_path):
    from course_reference import PARTS as EXERCISES_BY_PART

    page = write_report(tmp_path)
    with (tmp_path / "exercises.csv").open(newline="", encoding="utf-8") as file:
        rows = {(row["part"], row["exercise"]): row for row in csv.DictReader(file)}
    graded = cli.scores()
    for part, exercises in EXERCISES_BY_PART.items():
        cells = {student: cell_scores(student, part) for student, by_part in graded.items()
                 if part in by_part}
        assert {"ada", "ben", "cleo"} <= set(cells)
        for exercise in exercises:
            row = rows[part, exercise.name]
            passed = [student for student, scores in cells.items()
                      if scores[exercise.name][0] == scores[exercise.name][1]]
            assert "ada" in passed, exercise.name
            assert (int(row["students"]), int(row["passed"])) == (len(cells), len(passed))
            assert float(row["pass_rate"]) == pytest.approx(len(passed) / len(cells), abs=1e-4)
        untouched = exercises[0].name  # ben hands in the release unchanged
        assert cell_scores("ben", part)[untouched][0] == 0
        reasons = [rows[part, untouched][f"top_failure_{rank}"] for rank in (1, 2, 3)]
        assert any(reason.startswith("it is not written yet") for reason in reasons), reasons
    # cleo's standardize uses row statistics: the judge's named mistake is the reason, whole
    assert cell_scores("cleo", "01-tensors")["standardize"][0] == 0
    standardize = rows["01-tensors", "standardize"]
    assert any("statistics over each row (dim=1)" in standardize[f"top_failure_{rank}"]
               for rank in (1, 2, 3))
    text = page.read_text(encoding="utf-8")
    assert text.count('<img src="data:image/png;base64,') == len(EXERCISES_BY_PART)
    # dan's damaged notebooks are listed as problems; verdicts show their code as code
    for part in EXERCISES_BY_PART:
        assert f"<li>dan/{part}: {part}.ipynb could not be read" in text, part
    assert "<code>raise NotImplementedError()</code>" in text and "`raise" not in text
    assert "<script" not in text.lower()
    hostile = ExerciseSummary("x", students=1)
    hostile.reasons["<script>alert(1)</script>"] += 1
    section = part_html(PartSummary("<b>part</b>", 1.0, [0.0], [hostile]))
    assert "<script" not in section and "&lt;script&gt;" in section and "<b>part" not in section
