"""The course's nbgrader preprocessors: the trusted verdict, and outputs kept to a size.

`WriteHiddenInputs` runs before nbgrader's `Execute`: it draws fresh hidden inputs for every graded
test cell and saves them where the notebook's `record_for_grading` call will find them.
`JudgeRecordedResults` runs after `Execute` and before `SaveAutoGrades`: it replaces each graded
test cell's outputs with the grader's own verdict, so the score nbgrader saves, and the feedback
the learner reads, come from the comparison made here rather than from the learner's kernel.
`LimitOutputBytes` cuts what a cell printed or displayed to a size a feedback page can hold.
`CoalesceStreams` joins what a cell printed, so that the graded page does not depend on when the
kernel happened to flush.
`RenderMath` writes the formulas of markdown cells as MathML when feedback is generated, so that a
feedback page shows them offline, without MathJax.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

from course_reference import EXERCISES
from latex2mathml.converter import convert as latex_to_mathml
from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from nbformat.v4 import new_output
from traitlets import Bool, Integer
from torchcourse.grading import GRADING_DIR_VARIABLE

from .judge import Plan, Verdict, judge, make_plan, read_results, write_inputs

PLANS_KEY = "course_grader_plans"
EXCHANGE_FOLDER = ".grading"


def graded_test_cells(notebook: NotebookNode) -> list[NotebookNode]:
    """The cells whose score counts: graded and not an answer cell."""
    return [cell for cell in notebook.cells
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade")
            and not cell.metadata.nbgrader.get("solution")]


def exchange_folder(resources: dict[str, Any]) -> Path:
    """The folder, beside the notebook being graded, shared with the learner's kernel."""
    return Path(resources["metadata"]["path"]) / EXCHANGE_FOLDER


class WriteHiddenInputs(Preprocessor):
    """Draw fresh hidden inputs for each graded exercise and hand them to the kernel."""

    enabled = Bool(True)

    def preprocess(self, notebook: NotebookNode, resources: dict[str, Any]):
        folder = exchange_folder(resources)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        plans: dict[str, Plan] = {}
        for cell in graded_test_cells(notebook):
            name = cell.metadata.nbgrader.grade_id
            if name in EXERCISES:
                plans[name] = make_plan(EXERCISES[name])
                write_inputs(plans[name], folder)
        resources[PLANS_KEY] = plans
        os.environ[GRADING_DIR_VARIABLE] = str(folder)
        return notebook, resources


class JudgeRecordedResults(Preprocessor):
    """Replace each graded test cell's outputs with the trusted verdict on its recorded results."""

    enabled = Bool(True)

    def preprocess(self, notebook: NotebookNode, resources: dict[str, Any]):
        folder = exchange_folder(resources)
        plans: dict[str, Plan] = resources.get(PLANS_KEY, {})
        try:
            for cell in graded_test_cells(notebook):
                name = cell.metadata.nbgrader.grade_id
                if name in plans:
                    verdict = judge(plans[name], read_results(plans[name], folder))
                else:
                    verdict = Verdict(False, f"The grader has no reference for `{name}`; "
                                             "ask your instructor.")
                cell.outputs = _verdict_outputs(verdict, cell.get("outputs", []))
        finally:
            os.environ.pop(GRADING_DIR_VARIABLE, None)
            shutil.rmtree(folder, ignore_errors=True)
        return notebook, resources


def _verdict_outputs(verdict: Verdict, kernel_outputs: list[NotebookNode]) -> list[NotebookNode]:
    """The cell's new outputs: the verdict, and on failure the first error the kernel showed."""
    if verdict.passed:
        return [new_output("stream", name="stdout", text=verdict.message + "\n")]
    lines = [verdict.message]
    kernel_error = next((output for output in kernel_outputs if output.output_type == "error"), None)
    if kernel_error is not None:
        lines.append(f"While running this cell your notebook raised "
                     f"{kernel_error.ename}: {str(kernel_error.evalue)[:500]}")
    return [new_output("error", ename="HiddenTestFailed", evalue=verdict.message, traceback=lines)]


class CoalesceStreams(Preprocessor):
    """Join each run of a cell's printed outputs into one stdout output followed by one stderr
    output. The kernel sends printed text in pieces whenever it flushes, and stdout and stderr
    interleave as their flushes happen to fall: joined this way, the same notebook gives the same
    graded page every time."""

    enabled = Bool(True)

    def preprocess_cell(self, cell: NotebookNode, resources: dict[str, Any], index: int):
        if cell.cell_type != "code":
            return cell, resources
        joined: list[NotebookNode] = []
        run: dict[str, str] = {}
        for output in [*cell.get("outputs", []), None]:
            if output is not None and output.output_type == "stream":
                run[output.name] = run.get(output.name, "") + str(output.text)
                continue
            joined += [new_output("stream", name=name, text=run[name]) for name in ("stdout", "stderr")
                       if run.get(name)]
            run = {}
            if output is not None:
                joined.append(output)
        cell.outputs = joined
        return cell, resources


class LimitOutputBytes(Preprocessor):
    """Keep at most `max_bytes` of each code cell's outputs; say how much was left out."""

    enabled = Bool(True)
    max_bytes = Integer(100_000, help="Bytes of output kept per cell.").tag(config=True)

    def preprocess_cell(self, cell: NotebookNode, resources: dict[str, Any], index: int):
        if cell.cell_type != "code":
            return cell, resources
        room, kept = self.max_bytes, []
        for output in cell.get("outputs", []):
            size = len(str(output.get("text", ""))) + sum(len(str(v)) for v in output.get("data", {}).values())
            if size <= room:
                kept.append(output)
            elif output.output_type == "stream" and room > 0:
                output.text = output.text[:room]
                kept.append(output)
            room -= size
        if room < 0:
            kept.append(new_output("stream", name="stdout", text=(
                f"\n... Output truncated: this cell's output was {self.max_bytes - room:,} bytes; "
                f"the first {self.max_bytes:,} are kept.\n")))
        cell.outputs = kept
        return cell, resources


# Code (fenced blocks, then inline spans, which may go on over a line break) is kept as it is;
# outside it, $$display$$ and $inline$ formulas (not an escaped \$) are rendered.
CODE_OR_MATH = re.compile(r"(?P<code>```.*?```|`(?:[^`\n]|\n(?![ \t]*\n))*`)|(?<!\\)\$\$(?P<display>.+?)\$\$"
                          r"|(?<![\\$])\$(?P<inline>[^$\n]+?)\$", re.DOTALL)


class RenderMath(Preprocessor):
    """Formulas in markdown cells become MathML, which browsers draw themselves: a feedback page
    then needs no MathJax from the internet. A formula that cannot be converted is left as written."""

    enabled = Bool(True)

    def preprocess_cell(self, cell: NotebookNode, resources: dict[str, Any], index: int):
        if cell.cell_type == "markdown":
            cell.source = CODE_OR_MATH.sub(_as_mathml, cell.source)
        return cell, resources


def _as_mathml(match: re.Match[str]) -> str:
    if match["code"] is not None:
        return match["code"]
    display = match["display"] is not None
    try:
        return latex_to_mathml(match["display"] if display else match["inline"],
                               display="block" if display else "inline")
    except Exception:  # whatever the converter makes of a formula it cannot read
        return match[0]
