"""A training cell's limit is computing time, not time on the clock: a busy grading machine does
not stop a cell that is within its budget, a cell that computes for ever is stopped, and a cell
that only waits is stopped by the clock (course_grader.execute.ExecuteCellByCell)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from course_grader.execute import STOPPED, TIMED_OUT, ExecuteCellByCell
from course_grader.sandbox import KERNEL_NAME, install_kernelspec
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from traitlets.config import Config

PART = "99-training"  # a part whose cells train: its cells get a CPU limit
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
# About 1.5-2 s of one core's work on the machine these tests were written on, the same amount of
# work however busy the machine is; the cell prints its wall-clock and CPU seconds.
FIXED_WORK = """\
import time
wall, cpu = time.monotonic(), time.process_time()
total = 0
for i in range(15_000_000):
    total += i * i
print(f"wall {time.monotonic() - wall:.2f} cpu {time.process_time() - cpu:.2f}")
"""
SWALLOWS_INTERRUPTS = """\
while True:
    try:
        while True:
            pass
    except KeyboardInterrupt:
        pass
"""


@pytest.fixture(scope="module")
def kernelspec(tmp_path_factory):
    """The course-grader kernelspec (the sandboxed kernel under its supervisor), as
    nbgrader_config.py installs it, and one thread per kernel, as a grading worker on one core."""
    folder = tmp_path_factory.mktemp("jupyter")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", str(folder))
        patch.setenv("OMP_NUM_THREADS", "1")
        install_kernelspec(folder)
        yield folder


def grade(cells: list[str], tmp_path, cpu_seconds: float, wall_clock_factor: float):
    """Run a notebook of a part whose cells train, `cpu_seconds` of computing time per cell, as
    autograding runs it; each "# heading" string is a markdown cell. Returns its code cells."""
    work, runtime = tmp_path / "work", tmp_path / "runtime"
    work.mkdir(), runtime.mkdir()
    config = Config()
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = str(runtime / "kernel")
    config.Execute.kernel_name = KERNEL_NAME
    config.Execute.timeout = 30
    config.Execute.shutdown_kernel = "immediate"
    config.ExecuteCellByCell.grace_seconds = 1
    config.ExecuteCellByCell.cell_seconds_per_part = {PART: cpu_seconds}
    config.ExecuteCellByCell.wall_clock_factor = wall_clock_factor
    notebook = new_notebook(cells=[new_markdown_cell(source) if source.startswith("#")
                                   else new_code_cell(source) for source in cells])
    ExecuteCellByCell(config=config).preprocess(
        notebook, {"nbgrader": {"assignment": PART}, "metadata": {"path": str(work)}})
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def errors(cell) -> list[str]:
    return [f"{output.ename}: {output.evalue}" for output in cell.outputs if output.output_type == "error"]


def printed(cell) -> str:
    return "".join(output.get("text", "") for output in cell.outputs if output.output_type == "stream")


def test_a_cell_within_its_computing_time_completes_on_a_loaded_machine(kernelspec, tmp_path):
    limit = 4  # CPU seconds: about twice what the cell needs
    # Busy processes, each in its own session as each grading kernel is (with the scheduler's
    # autogroups, the processes of one session share one session's part of the machine).
    loaders = [subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True)
               for _ in range(6 * CORES)]
    try:
        (cell,) = grade([FIXED_WORK], tmp_path, cpu_seconds=limit, wall_clock_factor=10)
    finally:
        for loader in loaders:
            loader.kill()
            loader.wait()
    assert not errors(cell), errors(cell)
    wall, cpu = map(float, re.fullmatch(r"wall (\S+) cpu (\S+)\n", printed(cell)).groups())
    print(f"\nthe cell took {wall:.1f} s on the clock and {cpu:.1f} s of CPU, "
          f"with {len(loaders)} busy processes on {CORES} cores")
    assert cpu < limit
    # the machine was busy: a limit of `limit` seconds on the clock would have stopped this cell
    assert wall > limit


def test_a_cell_that_computes_for_ever_is_stopped_for_its_computing_time(kernelspec, tmp_path):
    cells = grade(["x = 1", "# Swallowed", SWALLOWS_INTERRUPTS, "print('after the first', x)",
                   "# Endless", "while True:\n    pass", "print('after the second', x)"],
                  tmp_path, cpu_seconds=2, wall_clock_factor=10)
    _, swallows, after_first, endless, after_second = cells
    assert errors(swallows) == [
        f"{STOPPED}: Grading stopped the cell under “Swallowed”: it used more than its 2 s of "
        "computing time and did not stop when interrupted. The cells before it were run again in "
        "a fresh kernel, and grading went on with the cells after it."]
    assert printed(after_first) == "after the first 1\n" and not errors(after_first)
    assert errors(endless)[-1] == (f"{TIMED_OUT}: Grading stopped the cell under “Endless”: it used "
                                   "more than its 2 s of computing time and was interrupted.")
    assert any(error.startswith("KeyboardInterrupt") for error in errors(endless))
    assert printed(after_second) == "after the second 1\n" and not errors(after_second)


def test_a_cell_that_waits_is_stopped_by_the_clock(kernelspec, tmp_path):
    cells = grade(["# Waiting", "import time\ntime.sleep(120)", "print('after')"],
                  tmp_path, cpu_seconds=1, wall_clock_factor=3)
    waits, after = cells
    assert errors(waits)[-1] == (f"{TIMED_OUT}: Grading stopped the cell under “Waiting”: it ran "
                                 "past its 3 s on the clock and was interrupted.")
    assert printed(after) == "after\n" and not errors(after)
