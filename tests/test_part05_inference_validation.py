"""Part 5 (Inference and validation): the data it runs on offline, what the grader hands its
exercises, the split judged on its properties, and the Fashion-MNIST capstone.
"""

from __future__ import annotations

import gzip
import secrets
from pathlib import Path

import pytest
import torch
from conftest import define, grade, grade_answer, train_small_network
from course_grader.judge import make_plan, write_inputs
from course_reference import EXERCISES
from course_reference.part05_inference_validation import (SUBSET_PASS_MARK, fit_with_early_stopping,
                                                          held_out_fashion_mnist)
from torchcourse import part05_inference_validation
from torchcourse.checks import PASSED, WRONG, expected_records, run_check
from torchcourse.data import CARRIED_FASHION_MNIST, DATA_VARIABLE, IDX_FILES, prepare_fashion_mnist
from torchcourse.grading import train_and_record

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def test_the_carried_subset_is_real_fashion_mnist_with_its_licence(tmp_path):
    """Offline, the notebook gets real Fashion-MNIST images, as torchvision lays them out."""
    from torchvision import datasets

    root = prepare_fashion_mnist(tmp_path, allow_download=False)
    train, test = (datasets.FashionMNIST(root, train=split) for split in (True, False))
    assert (len(train), len(test)) == (1000, 900)
    assert torch.bincount(test.targets).tolist() == [90] * 10
    assert train.classes[0] == "T-shirt/top" and len(train.classes) == 10
    assert "MIT" in (CARRIED_FASHION_MNIST / "LICENSE").read_text()
    assert "Zalando" in (CARRIED_FASHION_MNIST / "README.md").read_text()
    shared = SHARED_DATA / "FashionMNIST" / "raw"
    if shared.is_dir():  # the course's own machines: the very files it was taken from
        for name in IDX_FILES:
            assert gzip.decompress((CARRIED_FASHION_MNIST / f"{name}.gz").read_bytes()) == (shared / name).read_bytes()


def test_the_hidden_validation_cases_use_every_kind_of_loader_and_both_modes():
    for seed in range(5):
        cases = make_plan(EXERCISES["validate"], seed).cases
        kinds = {("as list" in case[2], "drop_last" in case[2], "subset" in case[2]) for case in cases}
        assert len(kinds) == 4 and {case[0]["eval mode"] for case in cases} == {False, True}


def test_the_validate_check_hands_over_one_model_in_each_mode():
    records = expected_records(part05_inference_validation)
    assert {draw["inputs"][0]["eval mode"] for draw in records["validate"]} == {False, True}


def test_early_stopping_cases_stop_early_and_keep_an_earlier_best():
    """So that keeping the last weights, and never stopping, fail on every draw."""
    for seed in range(20):
        cases = make_plan(EXERCISES["fit_with_early_stopping"], seed).cases
        runs = []
        for case in cases:
            losses, best = train_and_record(fit_with_early_stopping, list(case))["returned"]
            runs.append((best < len(losses) - 1, len(losses) < case[6]))
        assert any(earlier for earlier, _ in runs) and any(stopped for _, stopped in runs), (seed, runs)


SPLITS_WITH_A_REASON = {
    "returns lists": ('''def train_val_split(n, val_size, seed):
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()
    return order[val_size:], order[:val_size]
''', "expected a tuple (train_indices, val_indices) of two 1-d int64 tensors"),
    "returns Subsets": ('''def train_val_split(n, val_size, seed):
    return torch.utils.data.random_split(range(n), [n - val_size, val_size],
                                         generator=torch.Generator().manual_seed(seed))
''', "expected a tuple (train_indices, val_indices) of two 1-d int64 tensors"),
    "sorted but never shuffled": ('''def train_val_split(n, val_size, seed):
    return torch.arange(val_size, n), torch.arange(val_size)
''', "other seeds gave the same split"),
}


@pytest.mark.parametrize("what", sorted(SPLITS_WITH_A_REASON))
def test_a_split_is_judged_on_its_properties_and_told_which_one_failed(what, tmp_path, monkeypatch):
    source, reason = SPLITS_WITH_A_REASON[what]
    verdict = grade("train_val_split", source, "cpu", secrets.randbits(62), tmp_path, monkeypatch)
    assert not verdict.passed and reason in verdict.message, verdict.message
    assert run_check("train_val_split", define(source, "train_val_split")).status == WRONG


def test_a_sorted_split_written_with_a_mask_passes(tmp_path, monkeypatch):
    """Any correct split passes, whatever order its parts come in."""
    source = '''def train_val_split(n, val_size, seed):
    scores = torch.rand(n, generator=torch.Generator().manual_seed(seed))
    in_val = torch.zeros(n, dtype=torch.bool)
    in_val[scores.argsort()[:val_size]] = True
    everything = torch.arange(n)
    return everything[~in_val], everything[in_val]
'''
    for _ in range(5):
        assert grade("train_val_split", source, "cpu", secrets.randbits(62), tmp_path, monkeypatch).passed
    assert run_check("train_val_split", define(source, "train_val_split")).status == PASSED


# --- the capstone: graded on Fashion-MNIST's test split, whose labels never enter the kernel ------

def grade_capstone(model: torch.nn.Module, data: Path, tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_VARIABLE, str(data))
    held_out_fashion_mnist.cache_clear()
    try:
        return grade_answer("fashion_capstone", model, "cpu", secrets.randbits(62), tmp_path, monkeypatch)
    finally:
        held_out_fashion_mnist.cache_clear()


@pytest.mark.parametrize("data", ["carried", "shared"])
def test_a_trained_network_passes_the_capstone_and_an_untrained_one_fails(data, tmp_path, monkeypatch):
    if data == "shared" and not (SHARED_DATA / "FashionMNIST" / "raw").is_dir():
        pytest.skip(f"no real Fashion-MNIST subset in {SHARED_DATA} (only the course's own machines have one)")
    root = SHARED_DATA if data == "shared" else prepare_fashion_mnist(tmp_path / "data", allow_download=False)
    trained = train_small_network("FashionMNIST", root, epochs=15, batch_size=32)
    verdict = grade_capstone(trained, root, tmp_path, monkeypatch)
    assert verdict.passed and f"(pass mark {SUBSET_PASS_MARK:.0%})" in verdict.message, verdict.message
    torch.manual_seed(1)
    untrained = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
    verdict = grade_capstone(untrained, root, tmp_path, monkeypatch)
    assert not verdict.passed and "about what guessing gives" in verdict.message, verdict.message


def test_the_capstone_inputs_hold_images_and_no_labels(tmp_path):
    plan = make_plan(EXERCISES["fashion_capstone"], seed=3)
    write_inputs(plan, tmp_path)
    written = torch.load(next(tmp_path.iterdir()), weights_only=True)
    assert set(written) == {"kind", "cases", "devices"}
    ((images, classes, pass_mark),) = written["cases"]
    assert images.dtype == torch.float32 and images.shape[1:] == (1, 28, 28) and classes == 10
    assert -1 <= images.min() and images.max() <= 1 and isinstance(pass_mark, float)
