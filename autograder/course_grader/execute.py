"""Running a submission so that a bad cell costs only itself.

`ExecuteCellByCell` is nbgrader's `Execute` with three changes:

- a cell that runs past its timeout and ignores the interrupt, or that kills the kernel (exits,
  crashes, or goes over one of the sandbox's limits), is stopped: it gets an error output saying
  why, a fresh kernel runs the cells before it again (their outputs kept as they were), and
  grading goes on with the cells after it;
- a notebook has a wall-clock budget (`seconds_per_notebook`, or `seconds_per_part[part]`): the
  cells it does not reach are left unrun, and say so;
- in a part whose cells train, a cell's limit (`cell_seconds_per_part[part]`) is computing time,
  not time on the clock, so that a busy grading machine does not stop a capstone that is within
  its budget: the CPU seconds of the kernel's processes since the cell started, divided by the
  threads a kernel may use. Such a cell is also stopped after `wall_clock_factor` times its limit
  on the clock (a cell that sleeps or waits uses no CPU);
- a cell stopped while the cells before it are run again ends grading (`ReplayFailed`): the
  grader then grades the release in the notebook's place, as for any notebook that cannot be run.
"""

from __future__ import annotations

import asyncio
import copy
import os
import signal
from pathlib import Path
from queue import Empty
from time import monotonic
from typing import Any

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async, run_sync
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Dict, Float, Integer

from . import sandbox
from .sandbox import STOPPED_SUFFIX

STOPPED = "CellStopped"
TIMED_OUT = "CellTimeoutError"  # the error nbgrader's Execute gives a cell that ran too long
SECONDS_BETWEEN_CPU_CHECKS = 0.25
INTERRUPTED, IGNORED = "interrupted", "ignored the interrupt"  # a cell stopped for its CPU time
SUPERVISOR = str(Path(sandbox.__file__).resolve())  # the script the course-grader kernelspec runs


class ReplayFailed(RuntimeError):
    """A cell that ran before in this notebook was stopped when it was run again."""


class ExecuteCellByCell(Execute):
    """nbgrader's Execute, except that a cell that hangs or kills the kernel loses only itself."""

    seconds_per_notebook = Integer(
        300, help="Wall-clock seconds a whole notebook may run (cells not reached are not run)."
    ).tag(config=True)
    seconds_per_part = Dict(
        {}, help="Wall-clock seconds per notebook for named parts, in place of seconds_per_notebook."
    ).tag(config=True)
    cell_seconds_per_part = Dict(
        {}, help="Seconds of computing time per cell for named parts, whose cells train, in place "
                 "of the timeout: CPU seconds of the kernel's processes divided by its threads."
    ).tag(config=True)
    wall_clock_factor = Float(
        4, help="A cell of a part in cell_seconds_per_part is also stopped after this many times "
                "its seconds on the clock (a cell that waits uses no CPU)."
    ).tag(config=True)
    grace_seconds = Integer(
        5, help="Seconds a timed-out cell has to stop after the interrupt before its kernel is killed."
    ).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any], km: Any = None):
        part = resources.get("nbgrader", {}).get("assignment", "")
        self._budget = self.seconds_per_part.get(part, self.seconds_per_notebook)
        self._deadline = monotonic() + self._budget
        configured = self.timeout
        self._cell_timeout = configured
        self._cpu_seconds = self.cell_seconds_per_part.get(part)  # None: the timeout, on the clock
        self._threads = kernel_threads()
        self._cpu_verdict: str | None = None
        self._stopped: set[int] = set()
        self._replaying = False
        try:
            return super().preprocess(nb, resources, km)
        finally:
            self.timeout = configured

    def preprocess_cell(self, cell: NotebookNode, resources: dict[str, Any], index: int):
        if cell.cell_type != "code" or not cell.source.strip():
            return cell, resources
        left = self._deadline - monotonic()
        if left < 1:
            cell.outputs = [stopped_output(
                f"The notebook used up its {self._budget} s for grading before this cell, "
                "so it was not run.")]
            return cell, resources
        per_cell = self._cell_timeout
        if self._cpu_seconds:  # the clock is only a backstop: the watch on CPU time comes first
            per_cell = max(1, int(self.wall_clock_factor * self._cpu_seconds))
        self.timeout = max(1, min(per_cell or left, int(left)))
        where = f"Grading stopped {place(self.nb, index)}"
        clock = " on the clock" if self._cpu_seconds else ""
        too_long = f"{where}: it ran past its {self.timeout} s{clock} and did not stop when interrupted."
        computing = f"{where}: it used more than its {self._cpu_seconds} s of computing time"
        try:
            cell, resources = self._execute(cell, resources, index)
        except DeadKernelError:
            if self._cpu_verdict == IGNORED:  # killed by the CPU watch
                self._stop(cell, index, f"{computing} and did not stop when interrupted.")
            else:
                self._stop(cell, index, f"{where}: it {self._why_the_kernel_died()}.")
        except CellTimeoutError:  # the kernel stayed busy after the interrupt
            self._stop(cell, index, too_long)
        else:
            if timed_out(cell) and not self._kernel_answers(self.grace_seconds):
                self._stop(cell, index, f"{computing} and did not stop when interrupted."
                           if self._cpu_verdict else too_long)
            elif self._cpu_verdict == INTERRUPTED:
                message = f"{computing} and was interrupted."
                cell.outputs = [output for output in cell.outputs if not is_timeout(output)]
                cell.outputs.append(new_output("error", ename=TIMED_OUT, evalue=message,
                                               traceback=[f"{TIMED_OUT}: {message}"]))
            elif timed_out(cell):
                for output in filter(is_timeout, cell.outputs):
                    output.evalue = f"{where}: it ran past its {self.timeout} s{clock} and was interrupted."
                    output.traceback = [f"{TIMED_OUT}: {output.evalue}"]
        return cell, resources

    def _execute(self, cell: NotebookNode, resources: dict[str, Any], index: int):
        """Run `cell` as nbconvert's preprocess_cell does; in a part whose cells train, while
        watching the CPU time of the kernel's processes (which sets `_cpu_verdict`)."""
        self._cpu_verdict = None
        if not self._cpu_seconds:
            return super().preprocess_cell(cell, resources, index)
        self._check_assign_resources(resources)
        return run_sync(self._async_execute_watched)(cell, index), self.resources

    async def _async_execute_watched(self, cell: NotebookNode, index: int) -> NotebookNode:
        execution = asyncio.ensure_future(self.async_execute_cell(cell, index, store_history=True))
        watch = asyncio.ensure_future(self._async_watch_cpu())
        try:
            return await execution
        finally:
            watch.cancel()
            if watch.done() and not watch.cancelled() and watch.exception():
                self.log.warning("The watch on the cell's CPU time failed: %r", watch.exception())

    async def _async_watch_cpu(self) -> None:
        """Interrupt the running cell once the kernel's processes have used the cell's CPU time,
        which is `cell_seconds × threads` CPU seconds (the cell's seconds, each of them on every
        thread the kernel may use); kill the kernel if the cell goes on `grace_seconds` after
        that. Cancelled when the cell ends."""
        pid = getattr(getattr(self.km, "provisioner", None), "pid", None)
        started = kernel_cpu_seconds(pid)
        if started is None:
            return
        allowed = self._cpu_seconds * self._threads
        while True:
            await asyncio.sleep(SECONDS_BETWEEN_CPU_CHECKS)
            used = kernel_cpu_seconds(pid)
            if used is None:  # the kernel is gone: nbclient reports it
                return
            if used - started > allowed:
                break
        self._cpu_verdict = INTERRUPTED
        await ensure_async(self.km.interrupt_kernel())
        await asyncio.sleep(self.grace_seconds)
        self._cpu_verdict = IGNORED
        await ensure_async(self.km.signal_kernel(signal.SIGKILL))

    def _stop(self, cell: NotebookNode, index: int, reason: str) -> None:
        """Record why `cell` was stopped, then bring a fresh kernel to where the notebook was."""
        if self._replaying:
            raise ReplayFailed(f"{reason} (while the cells before a stopped cell were run again)")
        cell.outputs = [output for output in cell.get("outputs", []) if output.output_type != "error"]
        cell.outputs.append(stopped_output(
            f"{reason} The cells before it were run again in a fresh kernel, and grading went on "
            "with the cells after it."))
        self._stopped.add(index)
        self._restart_kernel()
        self._replaying = True
        try:
            for earlier in range(index):
                original = self.nb.cells[earlier]
                if earlier in self._stopped or original.cell_type != "code":
                    continue
                self._execute(copy.deepcopy(original), self.resources, earlier)
                self.nb.cells[earlier] = original  # the first run's outputs are the ones shown
        except (DeadKernelError, CellTimeoutError):
            raise ReplayFailed(f"{reason} Then the cells before it could not be run again.") from None
        finally:
            self._replaying = False

    def _why_the_kernel_died(self) -> str:
        """What the sandbox's supervisor wrote when it killed the kernel, or a plain guess."""
        report = self.km.connection_file + STOPPED_SUFFIX
        try:
            with open(report) as written:
                return written.read().strip()
        except OSError:
            return "ended the Python kernel (by exiting or crashing)"

    def _kernel_answers(self, seconds: float) -> bool:
        """Whether the kernel replies to a request within `seconds`, i.e. is not still busy."""
        return run_sync(self._async_kernel_answers)(seconds)

    async def _async_kernel_answers(self, seconds: float) -> bool:
        msg_id = self.kc.kernel_info()
        deadline = monotonic() + seconds
        while (left := deadline - monotonic()) > 0:
            try:
                msg = await ensure_async(self.kc.shell_channel.get_msg(timeout=left))
            except Empty:
                return False
            if msg["parent_header"].get("msg_id") == msg_id:
                return True
        return False

    def _restart_kernel(self) -> None:
        run_sync(self._async_restart_kernel)()

    async def _async_restart_kernel(self) -> None:
        await ensure_async(self.km.restart_kernel(now=True))
        await ensure_async(self.kc.wait_for_ready(timeout=self.startup_timeout))


def kernel_threads() -> int:
    """The threads a grading kernel's torch may use: $OMP_NUM_THREADS, which the grading worker
    sets and the kernel inherits, or else as many as this process has cores (torch's default)."""
    try:
        return max(1, int(os.environ.get("OMP_NUM_THREADS", "")))
    except ValueError:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def kernel_cpu_seconds(pid: int | None) -> float | None:
    """CPU seconds (user and system) used so far by the kernel started as process `pid`: by the
    processes below it, including those that ended and were waited for, and by `pid` itself
    unless it is the sandbox's supervisor (whose checks are not the learner's work). None when
    there is no such process."""
    import psutil

    if pid is None:
        return None
    try:
        root = psutil.Process(pid)
        processes = root.children(recursive=True)
        if SUPERVISOR not in root.cmdline():
            processes.append(root)
    except psutil.Error:
        return None
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue  # it ended meanwhile
        total += times.user + times.system + times.children_user + times.children_system
    return total


def place(notebook: NotebookNode, index: int) -> str:
    """Where cell `index` is, for a learner: under which heading."""
    for cell in reversed(notebook.cells[:index]):
        if cell.cell_type == "markdown":
            headings = [line.lstrip("#").strip() for line in cell.source.splitlines()
                        if line.startswith("#")]
            if headings:
                return f"the cell under “{headings[-1]}”"
    return "a cell at the top of the notebook"


def timed_out(cell: NotebookNode) -> bool:
    return any(map(is_timeout, cell.get("outputs", [])))


def is_timeout(output: NotebookNode) -> bool:
    return output.output_type == "error" and output.get("ename") == TIMED_OUT


def stopped_output(message: str) -> NotebookNode:
    return new_output("error", ename=STOPPED, evalue=message, traceback=[f"{STOPPED}: {message}"])
