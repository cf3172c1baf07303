"""Grading speed figures (printed, never asserted): `make benchmark`.

- seconds to run each part's solution notebook top to bottom on this machine (no grading);
- seconds for a long-lived grader (what `make autograde` runs) to autograde one student's part
  through nbgrader and the sandbox, median of 3, for the solution and for the untouched release
  (every exercise "not written yet"). benchmarks/class_grading.py times a whole class.

    python benchmarks/grading_speed.py [PART ...]    # every part when none is named
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "autograder"), str(REPO / "autograder" / "reference")]

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

from course_grader import cli  # noqa: E402
from course_grader.batch import release_gradebook  # noqa: E402
from course_grader.worker import Grader, Submission, fingerprint  # noqa: E402


def run_notebook_seconds(notebook: Path) -> float:
    started = time.perf_counter()
    NotebookClient(nbformat.read(notebook, as_version=4), timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(notebook.parent)}}).execute()
    return time.perf_counter() - started


def autograde_seconds(grader: Grader, part: str, notebook: Path) -> float:
    """Seconds for a long-lived grader to autograde `notebook` as one student's part."""
    submission = Submission("benchmark-student", part, {notebook.name: notebook.read_bytes()},
                            fingerprint(part))
    return grader.grade(submission).seconds


def main(parts: list[str]) -> None:
    """Print the figures for `parts` (every part when empty)."""
    cli.release()
    grader = Grader(release_gradebook())
    print("autograde: seconds for one student's part, median of 3")
    print(f"{'part':<14}{'run solution (s)':>18}{'autograde solution (s)':>24}{'autograde release (s)':>24}")
    for part in parts or cli.parts():
        (solution,) = sorted((REPO / "solutions" / part).glob("*.ipynb"))
        (release,) = sorted((REPO / "course" / part).glob("*.ipynb"))
        run = run_notebook_seconds(solution)
        graded = [statistics.median(autograde_seconds(grader, part, notebook) for _ in range(3))
                  for notebook in (solution, release)]
        print(f"{part:<14}{run:>18.1f}{graded[0]:>24.1f}{graded[1]:>24.1f}")
    grader.close()


if __name__ == "__main__":
    main(sys.argv[1:])
