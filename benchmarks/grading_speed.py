"""Grading speed figures (printed, never asserted): `make benchmark`.

- seconds to run each part's solution notebook top to bottom on this machine (no grading);
- seconds to autograde one student's part through nbgrader and the sandbox, median of 3, for the
  solution and for the untouched release (every exercise "not written yet").

    python benchmarks/grading_speed.py [PART ...]    # every part when none is named
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "autograder"), str(REPO / "autograder" / "reference")]

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

from course_grader import cli  # noqa: E402


def run_notebook_seconds(notebook: Path) -> float:
    started = time.perf_counter()
    NotebookClient(nbformat.read(notebook, as_version=4), timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(notebook.parent)}}).execute()
    return time.perf_counter() - started


def autograde_seconds(part: str, notebook: Path) -> float:
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "benchmark-student" / part
        target.mkdir(parents=True)
        shutil.copy(notebook, target / notebook.name)
        cli.nbgrader("db", "student", "add", "benchmark-student")
        started = time.perf_counter()
        cli._grade_one("benchmark-student", target)
        return time.perf_counter() - started


def main(parts: list[str]) -> None:
    """Print the figures for `parts` (every part when empty)."""
    cli.release()
    print("autograde: seconds for one student's part, median of 3")
    print(f"{'part':<14}{'run solution (s)':>18}{'autograde solution (s)':>24}{'autograde release (s)':>24}")
    for part in parts or cli.parts():
        (solution,) = sorted((REPO / "solutions" / part).glob("*.ipynb"))
        (release,) = sorted((REPO / "course" / part).glob("*.ipynb"))
        run = run_notebook_seconds(solution)
        graded = [statistics.median(autograde_seconds(part, notebook) for _ in range(3))
                  for notebook in (solution, release)]
        print(f"{part:<14}{run:>18.1f}{graded[0]:>24.1f}{graded[1]:>24.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
