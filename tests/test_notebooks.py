"""What every part's solution notebook keeps to: the same grading cell, no figure shown twice,
and no test split loaded (those belong to the grader's capstones)."""

from __future__ import annotations

import json

import pytest
from conftest import part_notebook
from course_reference import PARTS


def cells(part: str) -> list[dict]:
    return json.loads(part_notebook("solutions", part).read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


@pytest.mark.parametrize("part", sorted(PARTS))
def test_the_grading_cell_has_five_bullets_and_links_the_shared_page(part):
    (text,) = [source(cell) for cell in cells(part) if source(cell).startswith("## How this notebook is graded")]
    bullets = [line for line in text.splitlines() if line.startswith("- ")]
    assert len(bullets) == 5 and "[How the notebooks are graded](../GRADING.md)" in text
    assert "Run the cell below first." in text


@pytest.mark.parametrize("part", sorted(PARTS))
def test_no_cell_shows_the_loss_curve_twice(part):
    """`plot.finish()` returns its figure, which Jupyter would draw again as the cell's value."""
    for cell in cells(part):
        lines = [line for line in source(cell).splitlines() if line.strip()]
        assert cell["cell_type"] != "code" or not lines or lines[-1].strip() != "plot.finish()"


@pytest.mark.parametrize("part", sorted(PARTS))
def test_no_notebook_loads_a_test_split(part):
    """The test splits belong to the grader: the capstones are scored on them."""
    for cell in cells(part):
        assert cell["cell_type"] != "code" or "train=False" not in source(cell), source(cell)[:200]
