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
from jupyter_in_browser import CHROMIUM, CHROMIUM_ARGS, browser_missing, jupyterlab

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
    cli.nbgrader("generate_feedback", SERIAL_PART, "--force")  # `make feedback`, for this part
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


SOLUTION_RUNS = ["solution-run-1", "solution-run-2"]


@pytest.fixture(scope="module")
def solutions_graded(demo, tmp_path_factory) -> list[str]:
    """Every part's solution handed in by two students, each graded on a fresh draw, all in one
    batch (tests/test_exercises.py grades each solution on 100 more); the problems met."""
    folder = tmp_path_factory.mktemp("solutions")
    for part in PARTS:
        for student in SOLUTION_RUNS:
            (folder / student / part).mkdir(parents=True)
            shutil.copy(part_notebook("solutions", part), folder / student / part / f"{part}.ipynb")
    return cli.autograde(folder)


@pytest.mark.parametrize("part", PARTS)
def test_solution_scores_full_marks_on_every_fresh_draw(solutions_graded, part):
    assert solutions_graded == []
    for student in SOLUTION_RUNS:
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
    cli.nbgrader("generate_feedback", part, "--student", "k*", "--force")  # kate's and kim's
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


def test_formgrader_grades_by_hand_and_writes_the_course_feedback(demo, tmp_path):
    """An instructor in nbgrader's Formgrader, in a real browser, started as `make formgrader`
    starts it: open cleo's Part 1 from Manual Grading, read her answer and its verdict, give her
    failed `standardize` full credit by hand with a comment, and generate her feedback. The score
    reaches the exported grades and stays when her part is graded again, and the page is the one
    `make feedback` writes."""
    if browser_missing():
        pytest.skip(browser_missing())
    from playwright.sync_api import expect, sync_playwright

    part, student, exercise = "01-tensors", "cleo", "standardize"
    notebook = part_notebook("course", part).stem
    before = cli.scores()[student][part]
    score, points = cell_scores(student, part)[exercise]
    assert score < points
    remark = "Right idea: use the statistics of each column (dim=0)."
    feedback = cli.AUTOGRADER / "feedback" / student / part / f"{notebook}.html"
    screenshots = REPO / ".browser-screenshots"
    screenshots.mkdir(exist_ok=True)
    try:
        with (jupyterlab(REPO, cli.AUTOGRADER, tmp_path) as url, sync_playwright() as playwright):
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(60_000)
            page.goto(f"{url}/formgrader/gradebook/{part}/{notebook}")
            page.get_by_label("Search:").fill(student)  # the table shows ten rows a page
            page.get_by_text("Show All Names").click()
            page.locator("a.name-shown", has_text=re.compile(rf"^{student},\s*$")).click()
            expect(page.locator(".nbgrader_cell", has_text=f"def {exercise}(").first).to_be_visible()
            expect(page.get_by_text(f"`{exercise}` failed a hidden test")).to_be_visible()
            with page.expect_response(lambda r: "/formgrader/api/grade/" in r.url and r.ok):
                page.locator(f"input.score#{exercise}").fill(f"{points:g}")
                page.locator(f"input.score#{exercise}").press("Tab")
            with page.expect_response(lambda r: "/formgrader/api/comment/" in r.url and r.ok):
                page.locator(f"textarea.comment#{exercise}-code-comment").fill(remark)
                page.locator(f"textarea.comment#{exercise}-code-comment").press("Tab")
            page.screenshot(path=str(screenshots / "formgrader-manual-grading.png"))
            page.goto(f"{url}/formgrader/manage_submissions/{part}")
            row = page.locator("tr", has=page.locator("td.student-id",
                                                      has_text=re.compile(rf"^{student}$")))
            with page.expect_response(lambda r: "generate_feedback" in r.url, timeout=120_000) as answer:
                row.locator("td.generate-feedback a").click()
            assert answer.value.json()["success"], answer.value.json()
            page.goto(f"{feedback.as_uri()}#{exercise}")
            page.evaluate("window.scrollBy(0, -250)")  # her answer and the comment, above the score
            page.screenshot(path=str(screenshots / "formgrader-generated-feedback.png"))
            browser.close()
        from_formgrader = feedback.read_bytes()
        assert f"Score: {points:g}" in from_formgrader.decode() and remark in from_formgrader.decode()
        assert "<math" in from_formgrader.decode() and "<script" not in from_formgrader.decode()
        cli.nbgrader("generate_feedback", part, "--student", student, "--force")
        assert feedback.read_bytes() == from_formgrader
        cli.export_grades()
        row = next(row for row in csv.DictReader(cli.GRADES_CSV.open())
                   if row["assignment"] == part and row["student_id"] == student)
        assert float(row["score"]) == before - score + points
        # grading her part again keeps what was given by hand, as nbgrader's autograde does
        shutil.copytree(cli.SAMPLES / student / part, tmp_path / "again" / student / part)
        assert cli.autograde(tmp_path / "again", force=True) == []
        assert cli.scores()[student][part] == before - score + points
    finally:
        with open_gradebook(cli.GRADEBOOK) as gradebook:
            submitted = gradebook.find_submission_notebook(notebook, part, student)
            for grade in submitted.grades:
                grade.manual_score = None
            for comment in submitted.comments:
                comment.manual_comment = None
            gradebook.db.commit()
        cli.nbgrader("generate_feedback", part, "--student", student, "--force")
        cli.export_grades()
