"""Grading a class (printed, never asserted): `make benchmark` runs it after grading_speed.py.

- the floor: starting a sandboxed kernel, importing torch and running one trivial cell;
- an untouched Part 1 release graded by a long-lived grader, per notebook, and its ratio to the floor;
- a synthetic class (default 40 students, every part present: solutions, untouched releases and
  the samples' mistakes, in turn) graded with 1 and 2 local workers and on a Dask LocalCluster of
  2 workers: wall seconds, seconds per notebook and the speed-up over 1 worker.

    python benchmarks/class_grading.py [--students N] [--repeats N] [PART ...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "autograder"), str(REPO / "autograder" / "reference")]

import nbformat  # noqa: E402
from jupyter_client.manager import KernelManager  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

from course_grader import AUTOGRADER, batch, cli  # noqa: E402
from course_grader.sandbox import KERNEL_NAME, install_kernelspec  # noqa: E402
from course_grader.worker import Grader, Submission, read_submission  # noqa: E402
from grading_speed import autograde_seconds  # noqa: E402  (this script's folder is on sys.path)

KINDS = ["solution", "release", "cleo", "ada"]  # cleo: the samples' mistakes; ada: a full sample
STUDENT_PREFIX = "benchmark-"


def floor_seconds() -> float:
    """Start a sandboxed kernel the way the grader does, import torch, run one cell, stop."""
    install_kernelspec(AUTOGRADER / ".jupyter")
    with tempfile.TemporaryDirectory() as runtime, tempfile.TemporaryDirectory() as work:
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import torch\n1 + 1")])
        started = time.perf_counter()
        manager = KernelManager(kernel_name=KERNEL_NAME, transport="ipc",
                                ip=os.path.join(runtime, "kernel"))
        NotebookClient(notebook, km=manager, timeout=120, shutdown_kernel="immediate",  # as graded
                       resources={"metadata": {"path": work}}).execute()
        return time.perf_counter() - started


def synthetic_class(folder: Path, students: int, parts: list[str]) -> list[Submission]:
    """`students` students, each handing in every part as one of KINDS, in turn."""
    for number in range(students):
        kind = KINDS[number % len(KINDS)]
        for part in parts:
            source = {"solution": REPO / "solutions" / part, "release": REPO / "course" / part,
                      "cleo": cli.SAMPLES / "cleo" / part, "ada": cli.SAMPLES / "ada" / part}[kind]
            target = folder / f"{STUDENT_PREFIX}{number:03d}-{kind}" / part
            target.mkdir(parents=True)
            for notebook in source.glob("*.ipynb"):
                shutil.copy(notebook, target / notebook.name)
    return [read_submission(folder / student / part, student, part)
            for student in sorted(os.listdir(folder)) for part in parts]


def batch_seconds(tasks: list[Submission], jobs: int, scheduler: str | None = None) -> float:
    """Wall seconds to grade and merge `tasks`, worker start-up included."""
    started = time.perf_counter()
    summary = batch.grade_batch(tasks, jobs, force=True, scheduler=scheduler)
    if summary.problems:
        print("problems:", *summary.problems, sep="\n  ")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("parts", nargs="*", help="parts to grade (default: every part)")
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=5, help="for the floor and the release")
    args = parser.parse_args()
    parts = args.parts or cli.parts()
    cli.release(only_changed=True)

    floor = statistics.median(floor_seconds() for _ in range(args.repeats))
    part = parts[0]
    (release,) = sorted((REPO / "course" / part).glob("*.ipynb"))
    grader = Grader(batch.release_gradebook())
    per_release = statistics.median(autograde_seconds(grader, part, release) for _ in range(args.repeats))
    grader.close()
    print(f"floor (sandboxed kernel, import torch, one cell), median of {args.repeats}: {floor:.2f} s")
    print(f"untouched {part} release, long-lived grader, median of {args.repeats}: "
          f"{per_release:.2f} s = {per_release / floor:.2f}x the floor")

    with tempfile.TemporaryDirectory() as folder, batch.put_back_afterwards():
        tasks = synthetic_class(Path(folder), args.students, parts)
        print(f"\nclass: {args.students} students x {len(parts)} parts = {len(tasks)} notebooks, "
              f"{os.cpu_count()} cores")
        print(f"{'graded with':<22}{'wall (s)':>10}{'s/notebook':>12}{'speed-up':>10}")
        one = None
        for label, jobs, scheduler in [("1 worker", 1, None), ("2 workers", 2, None),
                                       ("Dask LocalCluster (2)", 2, batch.LOCAL_CLUSTER)]:
            seconds = batch_seconds(tasks, jobs, scheduler)
            one = one or seconds
            print(f"{label:<22}{seconds:>10.0f}{seconds / len(tasks):>12.2f}{one / seconds:>10.2f}",
                  flush=True)
        started = time.perf_counter()  # as an instructor reruns it: files read, hashed, grades exported
        cli.autograde(Path(folder), jobs=2)
        print(f"rerun of the unchanged batch (make autograde): {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
