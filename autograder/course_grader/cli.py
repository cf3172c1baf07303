"""The instructor's commands: release, autograde, feedback, grades, samples and the demo.

    python -m course_grader release                 # course/ from solutions/
    python -m course_grader autograde DIR [--jobs N] [--force] [--scheduler ADDRESS|local]
                                                    # DIR/<student>/<part>/<part>.ipynb, nbgrader's
                                                    # submitted/ or inbound/, LMS downloads
    python -m course_grader feedback | grades | report | samples | demo

Release, feedback and export run nbgrader from autograder/ (where nbgrader_config.py lives);
autograde sends each student's part to long-lived graders in parallel (course_grader.batch), so
one broken or hostile submission cannot stop the others from being graded.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from . import AUTOGRADER, REPO, batch, parts
from .layouts import NOTE, find_submissions
from .records import write_expected_records
from .samples import EXPECTED_SCORES, SAMPLES, write_samples
from .sandbox import hide_from_kernels
from .worker import files_digest, open_gradebook

GRADES_CSV = batch.GRADES_CSV
SUBMITTED = batch.SUBMITTED
GRADEBOOK = batch.GRADEBOOK
RELEASED_HASHES = batch.RELEASED_HASHES


def nbgrader(*args: str) -> subprocess.CompletedProcess[str]:
    """Run one nbgrader command from autograder/ with this Python.

    nbgrader only logs a broken nbgrader_config.py and goes on with its defaults, which would
    grade inside the learner's kernel; stop instead.
    """
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=AUTOGRADER,
                            capture_output=True, text=True)
    if "Exception while loading config file" in result.stderr:
        sys.exit(f"autograder/nbgrader_config.py is broken:\n{result.stderr[-3000:]}")
    return result


def _require(result: subprocess.CompletedProcess[str], what: str) -> None:
    if result.returncode != 0:
        sys.exit(f"{what} failed:\n{result.stdout}{result.stderr}")


def release(only_changed: bool = False) -> None:
    """Regenerate course/<part>/ from solutions/<part>/ (stubs in, hidden tests and outputs out);
    with `only_changed`, only the parts whose solutions changed since they were last released.
    The visible checks' expected records (`course/torchcourse/expected/`) are written first."""
    write_expected_records()
    released = batch.read_hashes(RELEASED_HASHES) if only_changed and GRADEBOOK.exists() else {}
    for part in parts():
        digest = files_digest([REPO / "solutions" / part])
        if released.get(part) == digest and (REPO / "course" / part).is_dir():
            continue
        _require(nbgrader("generate_assignment", part, "--force"), f"Releasing {part}")
        released[part] = digest
        batch.write_hashes(RELEASED_HASHES, released)
        print(f"released course/{part}")


def autograde(submissions: Path, jobs: int | None = None, force: bool = False,
              scheduler: str | None = None) -> list[str]:
    """Grade every student's part under `submissions` (in any layout course_grader.layouts
    reads) that is new or changed since it was last graded (all of them with `force`); print
    the notes (notebooks graded under their released name) and problems; return the problems."""
    if not submissions.is_dir():
        sys.exit(f"No submissions folder at {submissions}")
    release(only_changed=True)  # FORCE grades again; it need not release unchanged parts again
    hide_from_kernels(submissions.resolve())
    found = find_submissions(submissions, parts())
    summary = batch.grade_batch(found.submissions, jobs or batch.default_jobs(), force, scheduler)
    summary.problems[:0] = found.problems
    export_grades()
    print(f"\n{summary.table()}")
    for note in found.notes:
        print(f"{NOTE}{note}")
    for problem in summary.problems:
        print(f"{batch.PROBLEM}{problem}")
    return summary.problems


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
    from nbgrader.api import MissingEntry

    table: dict[str, dict[str, float]] = {}
    if not GRADEBOOK.exists():
        return table
    with open_gradebook(GRADEBOOK) as gradebook:
        for student in gradebook.students:
            for assignment in gradebook.assignments:
                try:
                    submission = gradebook.find_submission(assignment.name, student.id)
                except MissingEntry:
                    continue
                table.setdefault(student.id, {})[assignment.name] = submission.score
    return table


def print_scores(table: dict[str, dict[str, float]]) -> None:
    """The score table: a row per student, a column per part, two spaces between columns
    however long a part's name is."""
    columns = parts()
    width = max([len("student"), *map(len, table)])
    print(f"{'student':<{width}}" + "".join(f"  {part:>{max(len(part), 5)}}" for part in columns))
    for student in sorted(table):
        row = [table[student].get(part) for part in columns]
        print(f"{student:<{width}}" + "".join(f"  {'-' if score is None else f'{score:g}':>{max(len(part), 5)}}"
                                              for part, score in zip(columns, row)))


def demo(force: bool = False, jobs: int | None = None) -> int:
    """Release, grade the samples, write feedback and grades; fail if a score is unexpected."""
    autograde(SAMPLES, jobs, force)
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
    grade.add_argument("--jobs", type=int, help="worker processes (default: one per core)")
    grade.add_argument("--force", action="store_true",
                       help="grade every submission again, changed or not")
    grade.add_argument("--scheduler", help="a Dask scheduler's address (tcp://host:8786) to grade "
                       "on its cluster, or `local` for a LocalCluster on this machine")
    student = commands.add_parser("student", help="write the course alone, to publish on its own")
    student.add_argument("--to", type=Path, help="folder outside this repository "
                         "(default: ../pytorch-course-student beside it)")
    student.add_argument("--repo", help="the edition's GitHub repository, OWNER/NAME, for the "
                         "Binder and Colab links (default: a placeholder)")
    args = parser.parse_args(argv)
    if args.command == "release":
        release()
    elif args.command == "autograde":
        autograde(args.submissions, args.jobs, args.force, args.scheduler)
    elif args.command == "feedback":
        feedback()
    elif args.command == "grades":
        export_grades()
        print_scores(scores())
    elif args.command == "report":
        from .report import write_report
        print(f"Class report written to {write_report()}")
    elif args.command == "samples":
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
