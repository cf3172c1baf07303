"""The untouched release runs top to bottom, as Restart & Run All would, and says what is left to do.

Every check in it reports "not written yet" without stopping the notebook, and nbgrader's Validate
lists the unfinished exercises in one short line each, with no traceback.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import nbformat
import pytest
from conftest import part_notebook
from course_grader import cli
from nbclient import NotebookClient


def graded_test_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in notebook.cells if cell.get("metadata", {}).get("nbgrader", {}).get("grade")
            and not cell.metadata.nbgrader.get("solution")]


@pytest.mark.parametrize("part", cli.parts())
def test_untouched_release_runs_top_to_bottom_and_every_check_says_not_written_yet(part, tmp_path):
    released = part_notebook("course", part)
    shutil.copy(released, tmp_path / released.name)
    notebook = nbformat.read(tmp_path / released.name, as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code_cells), "a cell did not run"
    for cell in code_cells:
        for output in cell.outputs:
            assert output.output_type != "error", (cell.source, output)
            assert output.get("name") != "stderr", (cell.source, output.get("text"))
    for cell in graded_test_cells(notebook):
        shown = "".join(output.get("data", {}).get("text/plain", "") for output in cell.outputs)
        name = cell.metadata.nbgrader.grade_id
        assert shown == f"… {name} is not written yet: replace `raise NotImplementedError()` with your code.", shown


def test_validate_lists_the_unfinished_exercises_without_tracebacks(tmp_path):
    part = cli.parts()[0]
    released = part_notebook("course", part)
    shutil.copy(released, tmp_path / released.name)
    # Run from an empty folder, as a learner's Validate does, away from the instructor's config.
    result = subprocess.run([sys.executable, "-m", "nbgrader", "validate", released.name],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    report = result.stdout + result.stderr
    assert "Traceback" not in report and "File " not in report, report
    names = [cell.metadata.nbgrader.grade_id for cell in graded_test_cells(nbformat.read(released, as_version=4))]
    for name in names:
        assert f"… {name} is not written yet" in report, report
    assert len(report.splitlines()) < 12 * len(names), report
