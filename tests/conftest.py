"""Shared fixtures: import paths for the grader, notebooks of each part, and the devices to test."""

from __future__ import annotations

import dataclasses
import linecache
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "autograder"), str(REPO / "autograder" / "reference")]

if TYPE_CHECKING:
    from course_grader.judge import Verdict

DEVICES = [
    pytest.param("cpu"),
    pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(),
                                                  reason="no CUDA device on this machine")),
]


@pytest.fixture(scope="session", autouse=True)
def instructor_files_put_back():
    """The tests grade made-up students: take them out of the gradebook and grading folders at
    the end, so that an instructor's own checkout is left as it was."""
    from course_grader.batch import put_back_afterwards

    with put_back_afterwards():
        yield


def part_notebook(folder: str, part: str) -> Path:
    """The one notebook of `part` in `folder` (solutions or course)."""
    (notebook,) = sorted((REPO / folder / part).glob("*.ipynb"))
    return notebook


def answer_sources(notebook: Path) -> dict[str, str]:
    """The source of every answer cell, by exercise name."""
    cells = nbformat.read(notebook, as_version=4).cells
    return {cell.metadata.nbgrader.grade_id.removesuffix("-code"): cell.source for cell in cells
            if cell.get("metadata", {}).get("nbgrader", {}).get("solution")}


def define(source: str, name: str):
    """Run an answer cell's source as the notebook would, and return what it defines as `name`.

    Like IPython, it registers the source with linecache, so tracebacks can show its lines."""
    filename = f"<answer {name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    from torchcourse.models import MLP
    from torchcourse.training import progress

    from PIL import Image
    from torchvision.transforms import v2

    namespace = {"torch": torch, "nn": torch.nn, "F": torch.nn.functional, "progress": progress,
                 "np": __import__("numpy"), "math": __import__("math"), "copy": __import__("copy"),
                 "MLP": MLP, "os": os, "Path": Path, "Image": Image, "v2": v2,
                 "Dataset": torch.utils.data.Dataset, "DataLoader": torch.utils.data.DataLoader}
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]


def solution_lines(part: str) -> set[str]:
    """The lines a learner must never be given: stripped lines over 12 characters inside the
    solution regions of a part's solutions notebook, except those the notebook also shows outside
    them (a demo's `loss.backward()` gives nothing away)."""
    inside_lines, outside_lines = set(), set()
    for cell in nbformat.read(part_notebook("solutions", part), as_version=4).cells:
        inside = False
        for line in cell.source.splitlines():
            inside = (inside or "### BEGIN SOLUTION" in line) and "### END SOLUTION" not in line
            if inside and "BEGIN SOLUTION" not in line:
                inside_lines.add(line.strip())
            elif not inside:
                outside_lines.add(line.strip())
    return {line for line in inside_lines - outside_lines if len(line) > 12}


def train_small_network(dataset: str, root: Path, epochs: int, batch_size: int,
                        count: int | None = None) -> torch.nn.Module:
    """A small network trained for a few seconds, as a learner might, on the first `count` training
    images (all by default) of torchvision's `dataset` (MNIST, FashionMNIST) kept in `root`,
    normalised as the notebooks do."""
    from torchvision import datasets

    train = getattr(datasets, dataset)(root, train=True)
    images = ((train.data.float() / 255 - 0.5) / 0.5).unsqueeze(1)[:count]
    labels = train.targets[:count]
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(epochs):
        for batch in torch.randperm(len(images)).split(batch_size):
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(images[batch]), labels[batch]).backward()
            optimizer.step()
    return model


def grade(name: str, source: str, device: str, seed: int, tmp_path, monkeypatch) -> Verdict:
    """Grade one answer cell's source as autograding does, on one device."""
    return grade_answer(name, define(source, name), device, seed, tmp_path, monkeypatch)


def grade_answer(name: str, answer, device: str, seed: int, tmp_path, monkeypatch) -> Verdict:
    """Grade an answer (a function, a class, a trained model) as autograding does, on one device:
    the hidden inputs drawn from `seed`, the recorder the test cell calls, then the judge."""
    from course_grader.judge import judge, make_plan, read_results, write_inputs
    from course_reference import EXERCISES
    from torchcourse.grading import GRADING_DIR_VARIABLE, devices_for, record_for_grading

    # as the grader does: data kinds (loaders, files, PIL images) are tested on the CPU only
    plan = dataclasses.replace(make_plan(EXERCISES[name], seed), devices=devices_for(EXERCISES[name].kind, [device]))
    write_inputs(plan, tmp_path)
    monkeypatch.setenv(GRADING_DIR_VARIABLE, str(tmp_path))
    record_for_grading(name, answer)
    return judge(plan, read_results(plan, tmp_path))
