"""The instructor's commands: release, autograde, feedback, grades, samples and the demo.

    python -m course_grader release                 # course/ from solutions/
    python -m course_grader autograde DIR           # DIR/<student>/<part>/<notebook>.ipynb
    python -m course_grader feedback | grades | report | samples | demo

Each step runs nbgrader from autograder/ (where nbgrader_config.py lives), one process per student
and part, so one broken or hostile submission cannot stop the others from being graded.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from torchcourse.data import prepare_mnist

from . import AUTOGRADER, REPO
from .sandbox import EXTRA_HIDDEN_VARIABLE

SAMPLES = AUTOGRADER / "samples"
EXPECTED_SCORES = SAMPLES / "expected_scores.json"
GRADES_CSV = AUTOGRADER / "grades.csv"
SUBMITTED = AUTOGRADER / "submitted"
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
SECONDS_PER_SUBMISSION = 900


def parts() -> list[str]:
    """The parts that exist: folders of solutions/ holding a notebook."""
    return sorted(folder.name for folder in (REPO / "solutions").iterdir()
                  if folder.is_dir() and any(folder.glob("*.ipynb")))


def nbgrader(*args: str, timeout: float | None = None) -> subprocess.CompletedProcess[str]:
    """Run one nbgrader command from autograder/ with this Python.

    nbgrader only logs a broken nbgrader_config.py and goes on with its defaults, which would
    grade inside the learner's kernel; stop instead.
    """
    # nbgrader runs helper programs (alembic) found on PATH: look in this Python's folder first.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=AUTOGRADER,
                            env={**os.environ, "PATH": path}, capture_output=True, text=True,
                            timeout=timeout)
    if "Exception while loading config file" in result.stderr:
        sys.exit(f"autograder/nbgrader_config.py is broken:\n{result.stderr[-3000:]}")
    return result


def _require(result: subprocess.CompletedProcess[str], what: str) -> None:
    if result.returncode != 0:
        sys.exit(f"{what} failed:\n{result.stdout}{result.stderr}")


def release() -> None:
    """Regenerate course/<part>/ from solutions/<part>/ (stubs in, hidden tests and outputs out)."""
    for part in parts():
        _require(nbgrader("generate_assignment", part, "--force"), f"Releasing {part}")
        print(f"released course/{part}")


def autograde(submissions: Path) -> list[str]:
    """Grade every <student>/<part>/ folder under `submissions`; return the problems met."""
    if not submissions.is_dir():
        sys.exit(f"No submissions folder at {submissions}")
    release()
    # the sandboxed kernels can read the course's data/ folder but not write it: fill it first
    prepare_mnist(REPO / "data")
    known_parts, problems = parts(), []
    os.environ[EXTRA_HIDDEN_VARIABLE] = str(submissions.resolve())
    for student in sorted(path for path in submissions.iterdir() if path.is_dir()):
        if not STUDENT_ID.match(student.name):
            problems.append(f"{student.name!r}: not a usable student id (letters, digits, . _ -)")
            continue
        _require(nbgrader("db", "student", "add", student.name), f"Adding student {student.name}")
        for part_folder in sorted(path for path in student.iterdir() if path.is_dir()):
            if part_folder.name not in known_parts:
                problems.append(f"{student.name}: unknown part folder {part_folder.name!r}")
                continue
            problem = _grade_one(student.name, part_folder)
            if problem:
                problems.append(problem)
    export_grades()
    for problem in problems:
        print(f"PROBLEM: {problem}")
    return problems


def _grade_one(student: str, part_folder: Path) -> str | None:
    """Copy one submission into nbgrader's submitted/ folder and autograde it.

    A notebook that cannot be read (kept as `*.unreadable`), or one that nbgrader cannot finish
    because its kernel died or grading ran too long (kept as `*.crashed`), is replaced by the
    release, so the student still gets a grade and feedback saying what happened; the
    instructor is told too. Symbolic links are left out: a link could hand in someone else's
    file, or one the grader can read and the student should not.
    """
    target = SUBMITTED / student / part_folder.name
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(part_folder, target, ignore=_links_and_scratch)
    released = REPO / "course" / part_folder.name
    for notebook in target.glob("*.ipynb"):
        try:
            nbformat.validate(nbformat.read(notebook, as_version=4))
        except Exception as error:  # any way of being unreadable is treated the same
            grade_release_instead(notebook, released / notebook.name, ".unreadable",
                                  f"could not be read ({type(error).__name__}: {str(error)[:300]})")
    failure = _autograde(student, part_folder.name)
    if failure is None:
        return None
    for notebook in target.glob("*.ipynb"):
        grade_release_instead(notebook, released / notebook.name, ".crashed",
                              f"stopped the grader ({failure.splitlines()[0]})")
    second = _autograde(student, part_folder.name)
    outcome = "the release was graded in its place" if second is None else f"then: {second}"
    return f"{student}/{part_folder.name}: {failure}\n  ({outcome})"


def _links_and_scratch(folder: str, names: list[str]) -> list[str]:
    """What not to copy from a submission: symbolic links, checkpoints, grading leftovers."""
    return [name for name in names if os.path.islink(os.path.join(folder, name))
            or name in (".ipynb_checkpoints", ".grading")]


def _autograde(student: str, part: str) -> str | None:
    """Run nbgrader's autograde for one student and part; say what went wrong, if anything."""
    started = time.monotonic()
    try:
        result = nbgrader("autograde", part, "--student", student, "--force",
                          timeout=SECONDS_PER_SUBMISSION)
    except subprocess.TimeoutExpired:
        return f"grading took over {SECONDS_PER_SUBMISSION} s and was stopped"
    print(f"autograded {student}/{part} in {time.monotonic() - started:.1f} s")
    if result.returncode == 0:
        return None
    errors = [line.strip() for line in result.stderr.splitlines()
              if "Error" in line and "AutogradeApp" not in line]
    return f"nbgrader failed: {errors[-1] if errors else result.stderr[-300:]}"


def grade_release_instead(notebook: Path, released: Path, suffix: str, reason: str) -> None:
    """Keep the student's notebook beside it (suffix added) and put the release in its place,
    with a note at the top saying why. Nothing the student sent is lost."""
    notebook.rename(notebook.with_name(notebook.name + suffix))
    if not released.is_file():
        return
    replacement = nbformat.read(released, as_version=4)
    replacement.cells.insert(0, nbformat.v4.new_markdown_cell(
        f"**Your submitted notebook {reason}**, so the released notebook was graded in its "
        f"place. Your file was kept as `{notebook.name + suffix}`; ask your instructor."))
    nbformat.write(replacement, notebook)


def export_grades() -> Path:
    _require(nbgrader("export", "--to", str(GRADES_CSV)), "Exporting grades")
    print(f"Gradebook exported to {GRADES_CSV}")
    return GRADES_CSV


def feedback() -> None:
    for part in parts():
        _require(nbgrader("generate_feedback", part, "--force"), f"Feedback for {part}")
    print(f"Feedback HTML in {AUTOGRADER / 'feedback'}")


def scores() -> dict[str, dict[str, float]]:
    """Score per student and part, read from the gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    table: dict[str, dict[str, float]] = {}
    db_url = f"sqlite:///{AUTOGRADER / 'gradebook.db'}"
    with Gradebook(db_url, "pytorch-course") as gradebook:
        for student in gradebook.students:
            for assignment in gradebook.assignments:
                try:
                    submission = gradebook.find_submission(assignment.name, student.id)
                except MissingEntry:
                    continue
                table.setdefault(student.id, {})[assignment.name] = submission.score
    return table


def print_scores(table: dict[str, dict[str, float]]) -> None:
    columns = parts()
    width = max([len("student"), *map(len, table)]) + 2
    print(f"{'student':<{width}}" + "".join(f"{part:>16}" for part in columns))
    for student in sorted(table):
        row = [table[student].get(part) for part in columns]
        print(f"{student:<{width}}" + "".join(f"{'-' if s is None else f'{s:g}':>16}" for s in row))


def demo() -> int:
    """Release, grade the samples, write feedback and grades; fail if a score is unexpected."""
    autograde(SAMPLES)
    feedback()
    table = scores()
    print()
    print_scores(table)
    expected = json.loads(EXPECTED_SCORES.read_text())
    wrong = [f"{student}/{part}: expected {want:g}, got {table.get(student, {}).get(part)}"
             for student, by_part in expected.items() for part, want in by_part.items()
             if table.get(student, {}).get(part) != want]
    for line in wrong:
        print(f"UNEXPECTED SCORE {line}")
    if not wrong:
        print("\nEvery sample scored what it should.")
    return 1 if wrong else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_grader", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("release", "feedback", "grades", "samples", "demo"):
        commands.add_parser(name)
    commands.add_parser("report", help="a page for the instructor: score histograms, pass rates "
                        "and common mistakes per exercise, in autograder/report/")
    grade = commands.add_parser("autograde")
    grade.add_argument("submissions", type=Path)
    student = commands.add_parser("student", help="write the course alone, to publish on its own")
    student.add_argument("--to", type=Path, help="folder outside this repository "
                         "(default: ../pytorch-course-student beside it)")
    student.add_argument("--repo", help="the edition's GitHub repository, OWNER/NAME, for the "
                         "Binder and Colab links (default: a placeholder)")
    args = parser.parse_args(argv)
    if args.command == "release":
        release()
    elif args.command == "autograde":
        autograde(args.submissions)
    elif args.command == "feedback":
        feedback()
    elif args.command == "grades":
        export_grades()
        print_scores(scores())
    elif args.command == "report":
        from .report import write_report
        print(f"Class report written to {write_report()}")
    elif args.command == "samples":
        from .samples import write_samples
        write_samples()
    elif args.command == "demo":
        return demo()
    elif args.command == "student":
        from .student import DEFAULT_REPO, default_destination, write_edition
        repo = args.repo or DEFAULT_REPO
        try:
            folder = write_edition(args.to or default_destination(), repo)
        except ValueError as error:
            sys.exit(str(error))
        print(f"Student edition for github.com/{repo} written to {folder}")
        if repo == DEFAULT_REPO:
            print("Its Binder and Colab links point to a placeholder: set STUDENT_REPO=OWNER/NAME.")
    return 0
