"""Part 4 (Training): what the grader hands the training exercises, and what it makes of them.

The loaders come in every kind the exercises' contracts allow, the models in both modes, and a
correct answer passes however it calls the model; the checks show their verdict and nothing else.
"""

from __future__ import annotations

import secrets

import pytest
import torch
from conftest import define, grade
from course_grader.judge import make_plan
from course_reference import EXERCISES
from course_reference.part04_training import sgd_momentum_step
from torchcourse import check, part04_training
from torchcourse.checks import PASSED, expected_records, run_check
from torchcourse.grading import GRADING_DIR_VARIABLE
from torchcourse.modules import build_loader, describe_loader

LOADER_EXERCISES = ("train_one_epoch", "evaluate", "fit")
# Correct answers that call the model as `model.forward(x)` rather than `model(x)`.
CALLING_FORWARD = {
    "train_one_epoch": '''def train_one_epoch(model, loader, loss_fn, optimizer, device):
    model.train()
    total, count = 0.0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model.forward(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(x)
        count += len(x)
    return total / count
''',
    "evaluate": '''def evaluate(model, loader, device):
    was_training = model.training
    model.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model.forward(x.to(device)).argmax(dim=1) == y.to(device)).sum().item()
            total += len(y)
    model.train(was_training)
    return correct / total
''',
    "fit": '''def fit(model, train_loader, loss_fn, optimizer, epochs, device):
    losses = []
    for _ in range(epochs):
        model.train()
        total, count = 0.0, 0
        for x, y in train_loader:
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            loss = loss_fn(model.forward(x), y)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(x)
            count += len(x)
        losses.append(total / count)
    return losses
''',
}


def loader_kind(spec: dict) -> str:
    """Which kind of loader a loader spec describes (see torchcourse.modules.build_loader)."""
    if spec.get("as list"):
        return "plain list"
    if spec.get("drop_last"):
        return "drop_last"
    return "Subset" if "subset" in spec else "DataLoader"


def test_each_kind_of_loader_is_built_and_described():
    inputs, targets = torch.randn(13, 2), torch.arange(13)
    spec = {"inputs": inputs, "targets": targets, "batch_size": 4}
    kinds = {
        "DataLoader": ({}, [4, 4, 4, 1], "a DataLoader of 13 examples in batches of 4"),
        "plain list": ({"as list": True}, [4, 4, 4, 1], "a plain list of 4 batches (x, y), of 4, 4, 4, 1 examples"),
        "drop_last": ({"drop_last": True}, [4, 4, 4], "with drop_last=True, which leaves out the last 1"),
        "Subset": ({"subset": [12, 0, 5, 7, 3]}, [4, 1], "a DataLoader over a Subset of 5 of 13 examples"),
    }
    for kind, (extra, sizes, words) in kinds.items():
        loader = build_loader({**spec, **extra})
        assert [len(x) for x, _ in loader] == sizes, kind
        assert words in describe_loader({**spec, **extra}), kind
    assert isinstance(build_loader({**spec, "as list": True}), list)
    (first, _), _ = build_loader({**spec, "subset": [12, 0, 5, 7, 3]})
    assert torch.equal(first, inputs[[12, 0, 5, 7]])


@pytest.mark.parametrize("name", LOADER_EXERCISES)
def test_the_hidden_cases_use_every_kind_of_loader_and_both_modes(name):
    for seed in range(5):
        cases = make_plan(EXERCISES[name], seed).cases
        kinds = {loader_kind(argument) for case in cases for argument in case if isinstance(argument, dict)
                 and "batch_size" in argument}
        assert {"DataLoader", "plain list"} <= kinds and len(kinds) == (3 if name == "fit" else 4), kinds
        assert {case[0]["eval mode"] for case in cases} == {False, True}, name


def test_the_checks_hand_over_models_in_evaluation_mode_and_evaluate_in_both():
    """So that a check names a missing `train()`, a forced `train()` and a mode switched back."""
    records = expected_records(part04_training)
    for name in ("train_step", "train_one_epoch", "fit"):
        assert all(draw["inputs"][0]["eval mode"] for draw in records[name]), name
    assert {draw["inputs"][0]["eval mode"] for draw in records["evaluate"]} == {False, True}


@pytest.mark.parametrize("name", LOADER_EXERCISES)
def test_a_correct_answer_calling_model_forward_passes(name, tmp_path, monkeypatch):
    source = CALLING_FORWARD[name]
    for _ in range(3):
        seed = secrets.randbits(62)
        verdict = grade(name, source, "cpu", seed, tmp_path, monkeypatch)
        assert verdict.passed, f"seed {seed}: {verdict.message}"
    assert run_check(name, define(source, name)).status == PASSED


def test_the_reference_momentum_step_is_torch_optims():
    generator = torch.Generator().manual_seed(0)
    for _ in range(20):
        param, grad, velocity = torch.randn(3, 4, generator=generator).unbind()
        lr, momentum = (0.01 + 0.9 * torch.rand(2, generator=generator)).tolist()
        leaf = param.clone().requires_grad_()
        optimizer = torch.optim.SGD([leaf], lr=lr, momentum=momentum)
        leaf.grad = grad.clone()
        optimizer.state[leaf]["momentum_buffer"] = velocity.clone()
        optimizer.step()
        new_param, new_velocity = sgd_momentum_step(param, grad, velocity, lr, momentum)
        assert torch.equal(new_param, leaf.detach())
        assert torch.equal(new_velocity, optimizer.state[leaf]["momentum_buffer"])


def test_a_check_on_fit_shows_its_verdict_and_no_progress_bar(capsys, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv(GRADING_DIR_VARIABLE, raising=False)
    source = '''def fit(model, train_loader, loss_fn, optimizer, epochs, device):
    losses = []
    for _ in progress(range(epochs), "epochs"):
        model.train()
        total, count = 0.0, 0
        for x, y in progress(train_loader, "batches"):
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(x)
            count += len(x)
        losses.append(total / count)
    return losses
'''
    check("fit", define(source, "fit"))
    shown = capsys.readouterr()
    assert shown.out.startswith("✓ fit passed") and shown.out.count("\n") == 1, shown.out
    assert shown.err == "", shown.err
