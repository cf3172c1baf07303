"""Part 8 (Transfer learning): a real pretrained network offline, the references on real
torchvision networks, and the capstone graded on the held-out photos, whose labels stay outside.
"""

from __future__ import annotations

import copy
import secrets

import pytest
import torch
from conftest import grade_answer
from course_grader.judge import make_plan, write_inputs
from course_reference import EXERCISES
from course_reference.part08_transfer_learning import (PETS_PASS_MARK, extract_features, finetune_step,
                                                       freeze_backbone, replace_head, train_head)
from PIL import Image
from torch import nn
from torchcourse.checks import PASSED, WRONG, run_check
from torchcourse.data import CARRIED_CATS_DOGS, CATS_DOGS_CLASSES
from torchcourse.grading import TRAINING, run_case
from torchcourse.part08_transfer_learning import CHECKS
from torchcourse.pretrained import WEIGHTS, PretrainedNetwork, pretrained_network
from torchvision import datasets, models

CAT_CLASSES = range(281, 286)  # ImageNet's tabby, tiger cat, Persian, Siamese and Egyptian cat
DOG_CLASSES = range(151, 269)  # ImageNet's dog breeds


@pytest.fixture(scope="module")
def lite0() -> PretrainedNetwork:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(torch.hub, "get_dir", lambda: "/nonexistent/torch-hub")
        return pretrained_network()


def test_offline_the_network_is_efficientnet_lite0_and_tells_cats_from_dogs(lite0, capsys):
    assert lite0.name.startswith("EfficientNet-Lite0") and lite0.head_name == "_fc"
    assert "not in torch's cache" in lite0.why and len(lite0.categories) == 1000
    assert getattr(lite0.model, lite0.head_name).in_features == 1280 and not lite0.model.training
    for name, expected in zip(CATS_DOGS_CLASSES, (CAT_CLASSES, DOG_CLASSES)):
        for path in sorted((CARRIED_CATS_DOGS / "train" / name).glob("*.jpg"))[:3]:
            with Image.open(path) as photo, torch.no_grad():
                top = int(lite0.model(lite0.transforms(photo.convert("RGB"))[None]).argmax())
            assert top in expected, f"{path.name}: {lite0.categories[top]}"
    for block in lite0.last_block:
        lite0.model.get_submodule(block)  # every name is a submodule


def test_torchvisions_resnet18_is_used_when_its_weights_are_cached(tmp_path, monkeypatch, capsys):
    (tmp_path / "checkpoints").mkdir()
    torch.save(models.resnet18().state_dict(), tmp_path / "checkpoints" / WEIGHTS.url.rsplit("/", 1)[1])
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    network = pretrained_network()
    assert network.name.startswith("ResNet-18") and network.head_name == "fc" and network.last_block == ("layer4",)
    assert "in torch's cache" in capsys.readouterr().out
    assert network.model.fc.in_features == 512 and not network.model.training


def test_the_references_work_on_real_networks_of_three_families(lite0):
    for model, head_name in ((models.resnet18(), "fc"), (models.densenet121(), "classifier"),
                             (copy.deepcopy(lite0.model), lite0.head_name)):
        in_features = getattr(model, head_name).in_features
        freeze_backbone(replace_head(model, head_name, 2), head_name)
        trainable = [name for name, parameter in model.named_parameters() if parameter.requires_grad]
        assert trainable == [f"{head_name}.weight", f"{head_name}.bias"]
        assert getattr(model, head_name).weight.shape == (2, in_features)


def test_finetuning_leaves_the_frozen_backbone_bit_identical_and_changes_the_head():
    for case in make_plan(EXERCISES["finetune_step"], seed=secrets.randbits(62)).cases:
        setup = case[0]
        record = run_case(TRAINING, finetune_step, list(case), "cpu")
        weights, head_name = record["value"]["weights"], case[2]
        kept = {name: torch.equal(weights[name], before) for name, before in setup["model"]["weights"].items()}
        head = [name for name in kept if name.startswith(head_name + ".")]
        assert all(kept[name] for name in kept if name not in head), kept  # batch-norm statistics too
        # the head moved (a weight whose inputs were all zero, or dropped, may keep its value)
        assert not all(kept[name] for name in head), kept


def test_the_freeze_check_draws_a_trainable_head_and_a_frozen_one():
    generator = torch.Generator().manual_seed(len("freeze_backbone"))
    frozen = [CHECKS["freeze_backbone"].make_inputs(generator)[0]["frozen"] for _ in range(2)]
    assert frozen == [[], ["classifier"]]


# --- the capstone: graded on the held-out photos, whose labels never enter the kernel ------------

@pytest.fixture(scope="module")
def classify(lite0):
    """A linear head trained on EfficientNet-Lite0's features of the training photos, as the
    notebook's capstone does, and a function that classifies photos with it."""
    torch.manual_seed(0)
    training = datasets.ImageFolder(CARRIED_CATS_DOGS / "train", transform=lite0.transforms)
    backbone = copy.deepcopy(lite0.model)
    backbone._fc = nn.Identity()
    features, labels = extract_features(backbone, torch.utils.data.DataLoader(training, batch_size=64), "cpu")
    new_head = nn.Linear(features.shape[1], 2)
    train_head(new_head, features, labels, epochs=100, lr=0.01)

    def classify(photos: list[Image.Image]) -> torch.Tensor:
        with torch.no_grad():
            return new_head(backbone(torch.stack([lite0.transforms(photo) for photo in photos]))).argmax(dim=1)
    return classify


def test_a_head_on_pretrained_features_passes_the_capstone(classify, tmp_path, monkeypatch):
    verdict = grade_answer("pets_capstone", classify, "cpu", secrets.randbits(62), tmp_path, monkeypatch)
    assert verdict.passed, verdict.message
    assert f"of the 111 held-out images correctly (pass mark {PETS_PASS_MARK:.0%})" in verdict.message


def test_always_dog_fails_the_capstone_and_is_told_why(tmp_path, monkeypatch):
    always_dog = lambda photos: torch.ones(len(photos), dtype=torch.int64)  # noqa: E731
    verdict = grade_answer("pets_capstone", always_dog, "cpu", 1, tmp_path, monkeypatch)
    assert not verdict.passed and "It gave every image the same class" in verdict.message, verdict.message
    assert "given the 111 held-out photos as lists of PIL images" in verdict.message


def test_the_capstone_stub_and_a_wrong_answer_fail_with_a_reason(tmp_path, monkeypatch):
    for answer, reason in [(None, "not written yet"), (lambda photos: ["dog"] * len(photos),
                                                       "expected one class index per photo"),
                           (lambda photos: torch.full((len(photos),), 2), "the classes are numbered 0 to 1")]:
        verdict = grade_answer("pets_capstone", answer, "cpu", 1, tmp_path, monkeypatch)
        assert not verdict.passed and reason in verdict.message, verdict.message


def test_the_capstone_inputs_hold_photos_and_no_labels(tmp_path):
    plan = make_plan(EXERCISES["pets_capstone"], seed=2)
    write_inputs(plan, tmp_path)
    written = torch.load(next(tmp_path.iterdir()), weights_only=True)
    assert set(written) == {"kind", "cases", "devices"}  # nothing beside the cases
    ((photos, classes, pass_mark),) = written["cases"]
    assert len(photos) == 111 and all(photo.dtype == torch.uint8 and photo.shape[0] == 3 for photo in photos)
    assert classes == 2 and pass_mark == PETS_PASS_MARK


def test_the_capstone_check_only_checks_the_contract():
    assert run_check("pets_capstone", lambda photos: torch.zeros(len(photos), dtype=torch.int64)).status == PASSED
    assert run_check("pets_capstone", lambda photos: torch.zeros(2, len(photos))).status == WRONG
