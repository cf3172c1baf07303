"""Part 6 (Saving and loading models): files are read back as plain data only, stay inside the
working copy, and a resumed run lands exactly where an uninterrupted one does.
"""

from __future__ import annotations

import secrets

import torch
from conftest import grade
from course_grader.judge import make_plan
from course_reference import EXERCISES
from course_reference.part06_saving_loading import resume
from torchcourse.grading import resume_and_step
from torchcourse.modules import LOSSES, build_module, build_optimizer
from variants.part06_saving_loading import ALTERNATIVES, CHEATS


def test_a_checkpoint_whose_loading_would_run_code_is_refused_and_nothing_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    verdict = grade("save_checkpoint", CHEATS["save_checkpoint"], "cpu", secrets.randbits(62), tmp_path, monkeypatch)
    assert not verdict.passed and "`torch.load(path, weights_only=True)` can read" in verdict.message
    assert "this ran" not in capsys.readouterr().out  # the payload's print never ran


def test_files_are_written_in_a_fresh_folder_of_the_working_copy_and_removed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "records").mkdir()
    for name in ("save_checkpoint", "load_checkpoint", "resume"):
        assert grade(name, ALTERNATIVES[name], "cpu", secrets.randbits(62), tmp_path / "records", monkeypatch).passed
    assert sorted(path.name for path in tmp_path.iterdir()) == ["records"]


def test_resuming_with_the_optimizer_state_equals_two_uninterrupted_steps_bit_for_bit():
    for case in make_plan(EXERCISES["resume"], seed=4).cases:
        setup, x, y, epoch = case
        model = build_module(setup["model"])
        optimizer = build_optimizer(model, setup["optimizer"])
        for _ in range(2):
            optimizer.zero_grad()
            LOSSES[setup["loss"]]()(model(x), y).backward()
            optimizer.step()
        record = resume_and_step(resume, list(case))
        assert record["returned"] == epoch
        assert all(torch.equal(record["weights"][key], value) for key, value in model.state_dict().items())
