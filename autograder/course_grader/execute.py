"""Running a submission so that a bad cell costs only itself.

`ExecuteCellByCell` is nbgrader's `Execute` with three changes:

- a cell that runs past its timeout and ignores the interrupt, or that kills the kernel (exits,
  crashes, or goes over one of the sandbox's limits), is stopped: it gets an error output saying
  why, a fresh kernel runs the cells before it again (their outputs kept as they were), and
  grading goes on with the cells after it;
- a notebook has a wall-clock budget (`seconds_per_notebook`, or `seconds_per_part[part]`): the
  cells it does not reach are left unrun, and say so; a part whose cells train may give each cell
  longer than the usual timeout (`cell_seconds_per_part[part]`);
- a cell stopped while the cells before it are run again ends grading (`ReplayFailed`): the
  grader then grades the release in the notebook's place, as for any notebook that cannot be run.
"""

from __future__ import annotations

import copy
from queue import Empty
from time import monotonic
from typing import Any

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async, run_sync
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Dict, Integer

from .sandbox import STOPPED_SUFFIX

STOPPED = "CellStopped"
TIMED_OUT = "CellTimeoutError"  # the error nbgrader's Execute gives a cell that ran too long


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
        {}, help="Seconds per cell for named parts, in place of the timeout (a cell that trains)."
    ).tag(config=True)
    grace_seconds = Integer(
        5, help="Seconds a timed-out cell has to stop after the interrupt before its kernel is killed."
    ).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any], km: Any = None):
        part = resources.get("nbgrader", {}).get("assignment", "")
        self._budget = self.seconds_per_part.get(part, self.seconds_per_notebook)
        self._deadline = monotonic() + self._budget
        configured = self.timeout
        self._cell_timeout = self.cell_seconds_per_part.get(part, configured)
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
        self.timeout = max(1, min(self._cell_timeout or left, int(left)))
        where = f"Grading stopped {place(self.nb, index)}"
        too_long = f"{where}: it ran past its {self.timeout} s and did not stop when interrupted."
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._stop(cell, index, f"{where}: it {self._why_the_kernel_died()}.")
        except CellTimeoutError:  # the kernel stayed busy after the interrupt
            self._stop(cell, index, too_long)
        else:
            if timed_out(cell) and not self._kernel_answers(self.grace_seconds):
                self._stop(cell, index, too_long)
            elif timed_out(cell):
                for output in cell.outputs:
                    if output.output_type == "error" and output.get("ename") == TIMED_OUT:
                        output.evalue = f"{where}: it ran past its {self.timeout} s and was interrupted."
                        output.traceback = [f"{TIMED_OUT}: {output.evalue}"]
        return cell, resources

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
                super().preprocess_cell(copy.deepcopy(original), self.resources, earlier)
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
    return any(output.output_type == "error" and output.get("ename") == TIMED_OUT
               for output in cell.get("outputs", []))


def stopped_output(message: str) -> NotebookNode:
    return new_output("error", ename=STOPPED, evalue=message, traceback=[f"{STOPPED}: {message}"])
