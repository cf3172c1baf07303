"""Part 2 (Autograd): what its notebook says about grading, and how custom Functions are exercised.

tests/test_exercises.py proves every exercise's grading (solutions, mistakes, rule breakers); these
cover what is particular to Part 2: the `ctx` a Function's methods get when the grader calls them
directly, the number of backward passes accumulated_gradient must run, and the notebook's text.
"""

from __future__ import annotations

import re

import nbformat
import pytest
import torch
from conftest import answer_sources, define, grade, part_notebook
from course_reference import PARTS
from torchcourse.checks import CHECKS, PASSED, WRONG, run_check
from torchcourse.part02_autograd import _chunk_count
from torchcourse.rules import Rules

PART = "02-autograd"
EXERCISES = {exercise.name: exercise for exercise in PARTS[PART]}
# Words that would show a learner the grader's own code instead of theirs.
GRADER_INTERNALS = ("torchcourse", "course_grader", "course_reference", "grading.", "Traceback")

# The solution's answer cell; the tests below change one line of it.
MULTIPLY_ADD = answer_sources(part_notebook("solutions", PART))["MultiplyAdd"]


@pytest.mark.filterwarnings("ignore:'saved_variables' is deprecated")
def test_a_function_reading_saved_variables_passes(tmp_path, monkeypatch):
    """`ctx.saved_variables`, the old name PyTorch still accepts, works in the grader's direct call too."""
    source = MULTIPLY_ADD.replace("ctx.saved_tensors", "ctx.saved_variables")
    verdict = grade("MultiplyAdd", source, "cpu", 11, tmp_path, monkeypatch)
    assert verdict.passed, verdict.message
    result = run_check("MultiplyAdd", define(source, "MultiplyAdd"))
    assert result.status == PASSED, result.message


@pytest.mark.parametrize("source, missing", [
    # a typo: PyTorch's own ctx raises first, while `.apply` runs
    (MULTIPLY_ADD.replace("ctx.saved_tensors", "ctx.saved_tensor"), "saved_tensor"),
    # an attribute set only when the inputs require grad: missing when the grader calls
    # forward and backward directly, on inputs that do not
    (MULTIPLY_ADD.replace("        return w * x + b", "        if w.requires_grad:\n"
                                                       "            ctx.scale = 1.0\n"
                                                       "        return w * x + b")
                 .replace("return grad_output * x,", "return grad_output * x * ctx.scale,"), "scale"),
])
def test_an_attribute_error_on_ctx_names_the_learners_line_and_no_grader_internal(
        source, missing, tmp_path, monkeypatch):
    verdict = grade("MultiplyAdd", source, "cpu", 12, tmp_path, monkeypatch)
    result = run_check("MultiplyAdd", define(source, "MultiplyAdd"))
    assert not verdict.passed and result.status == WRONG
    for message in (verdict.message, result.message):
        assert "it raised AttributeError: " in message and f"has no attribute '{missing}'" in message
        assert "(in backward, at `" in message, message
        assert not any(word in message for word in GRADER_INTERNALS), message


@pytest.mark.parametrize("rows, chunk_size, chunks", [(10, 4, 3), (12, 4, 3), (7, 10, 1), (5, 1, 5)])
def test_accumulated_gradient_expects_one_backward_pass_per_chunk(rows, chunk_size, chunks):
    assert _chunk_count([None, [0.0] * rows, None, chunk_size]) == chunks


# --- the notebook's text ---------------------------------------------------------------------

def markdown_cells() -> list[str]:
    notebook = nbformat.read(part_notebook("solutions", PART), as_version=4)
    return [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]


def exercise_text(name: str) -> str:
    """The markdown cell that states exercise `name`."""
    (text,) = [source for source in markdown_cells() if re.search(rf"^### Exercise \d+ — {name}$", source, re.M)]
    return text


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_every_graded_rule_says_it_is_checked(name):
    """Every Part 2 exercise has rules the grader applies, and its Rules bullet says so."""
    (rules,) = re.findall(r"^- \*\*Rules:\*\*(.*?)(?=^- \*\*)", exercise_text(name), re.M | re.S)
    assert CHECKS[name].rules != Rules() and "(checked" in rules, rules


def test_the_grading_cell_has_five_bullets_and_links_the_shared_page():
    (cell,) = [source for source in markdown_cells() if source.startswith("## How this notebook is graded")]
    bullets = [line for line in cell.splitlines() if line.startswith("- ")]
    assert len(bullets) == 5, bullets
    assert "[How the notebooks are graded](../GRADING.md)" in cell
    assert "**10 exercises**" in cell and cell.rstrip().endswith("(Section 11).")


def test_what_the_notebook_says_of_set_grad_enabled_true_holds():
    x = torch.ones(2, requires_grad=True)
    with torch.no_grad(), torch.set_grad_enabled(True):
        assert (x * 2).requires_grad
    said = "when it is `True`, recording is on inside the block, even within an outer `no_grad`"
    assert any(said in source for source in markdown_cells())
