"""Grading a class: a killed batch loses nothing, a rerun grades only what changed, and a Dask
cluster grades like the local workers do."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil
import pytest
from conftest import REPO, part_notebook
from course_grader import batch, cli

PART = "02-autograd"
SAMPLES = {"ada": 10, "ben": 0, "cleo": 4}  # from autograder/samples/expected_scores.json


def class_folder(folder: Path, prefix: str) -> dict[str, float]:
    """Copies of three samples' PART as students new to the gradebook, `<prefix>-<run>-<sample>`;
    their expected scores."""
    expected = json.loads(cli.EXPECTED_SCORES.read_text())
    prefix = f"{prefix}-{uuid.uuid4().hex[:8]}"
    for sample in SAMPLES:
        assert expected[sample][PART] == SAMPLES[sample]
        shutil.copytree(cli.SAMPLES / sample / PART, folder / f"{prefix}-{sample}" / PART)
    return {f"{prefix}-{sample}": score for sample, score in SAMPLES.items()}


def scores_of(students: dict[str, float]) -> dict[str, float | None]:
    table = cli.scores()
    return {student: table.get(student, {}).get(PART) for student in students}


def summary(output: str) -> dict[str, int]:
    """The closing table of an autograde run: graded, unchanged, problems."""
    rows = [line.split() for line in output.splitlines()]
    return {row[0]: int(row[1]) for row in rows
            if len(row) == 2 and row[0] in ("graded", "unchanged", "problems")}


def kernels_left_after(submissions: Path, seconds: float) -> list[str]:
    """The command lines of kernel processes still grading `submissions` (which their sandbox
    names) once `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while True:
        left = []
        for process in psutil.process_iter(["cmdline"]):
            command = " ".join(process.info["cmdline"] or [])
            if str(submissions) in command and "ipykernel_launcher" in command:
                left.append(command)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.5)


def test_a_killed_batch_loses_nothing_and_the_rerun_finishes_the_rest(tmp_path, capsys):
    students = class_folder(tmp_path, "killed")
    command = [sys.executable, "-m", "course_grader", "autograde", str(tmp_path), "--jobs", "1"]
    grader = subprocess.Popen(command, cwd=REPO / "autograder", start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        # A log is written after each result is in the gradebook. (Not the gradebook itself: on a
        # fresh clone the grader creates it meanwhile, and opening it then races that.)
        while not any((batch.LOGS / student / f"{PART}.log").exists() for student in students):
            assert grader.poll() is None and time.monotonic() < deadline, "nothing was graded"
            time.sleep(0.5)
    finally:
        os.killpg(grader.pid, signal.SIGKILL)  # the grader and its workers, as a power cut would
        grader.wait()
    assert not kernels_left_after(tmp_path, seconds=5), "a killed grader left its kernels running"
    before = scores_of(students)
    done = [student for student, score in before.items() if score is not None]
    assert 1 <= len(done) < len(students), before
    assert all(before[student] == students[student] for student in done), before

    assert cli.autograde(tmp_path, jobs=2) == []
    counts = summary(capsys.readouterr().out)
    assert counts["unchanged"] == len(done) and counts["graded"] == len(students) - len(done), counts
    assert scores_of(students) == students

    # An unchanged batch grades nothing; a changed notebook is graded again, alone.
    ben = next(student for student in students if student.endswith("-ben"))
    shutil.copy(part_notebook("solutions", PART), tmp_path / ben / PART / f"{PART}.ipynb")
    assert cli.autograde(tmp_path) == []
    assert summary(capsys.readouterr().out) == {"graded": 1, "unchanged": 2, "problems": 0}
    assert scores_of(students)[ben] == SAMPLES["ada"]


def test_a_dask_cluster_grades_like_the_local_workers(tmp_path):
    pytest.importorskip("distributed")
    students = class_folder(tmp_path, "cluster")
    assert cli.autograde(tmp_path, jobs=2, force=True, scheduler=batch.LOCAL_CLUSTER) == []
    assert scores_of(students) == students
    for student in students:  # the files came back to this machine from the workers
        assert (batch.AUTOGRADED / student / PART / f"{PART}.ipynb").is_file()
        assert (batch.LOGS / student / f"{PART}.log").read_text().startswith(f"{student}/{PART}: ")
