"""Part 7 (Loading image data): the photos are real and laid out for ImageFolder offline, the
references agree with torchvision where the exercises say they do, and a dataset class is
exercised on folders written in the working copy.
"""

from __future__ import annotations

import secrets

import torch
from conftest import define, grade
from course_grader.judge import make_plan
from course_reference import EXERCISES
from course_reference.part07_image_data import center_crop, channel_stats
from torchcourse.data import CATS_DOGS_CLASSES, prepare_cats_dogs
from torchcourse.feedback import mismatch
from torchcourse.grading import UncountedLoader, build_dataset_and_read
from torchcourse.modules import build_loader
from torchvision import datasets
from torchvision.transforms.v2 import functional as TF
from torchcourse.checks import WRONG, run_check
from variants.part07_image_data import ALTERNATIVES, CHEATS, TWO_PASSES


def test_the_carried_photos_are_laid_out_as_image_folder_reads_them_offline(tmp_path):
    folder = prepare_cats_dogs(tmp_path)
    train, test = datasets.ImageFolder(folder / "train"), datasets.ImageFolder(folder / "test")
    assert train.classes == test.classes == list(CATS_DOGS_CLASSES)
    assert (len(train), len(test)) == (259, 111)
    assert sorted(path.name for path in folder.iterdir()) == ["test", "train"]  # no licence copies
    image, label = train[0]
    assert image.mode == "RGB" and max(image.size) == 160 and label == 0
    assert prepare_cats_dogs(tmp_path) == folder  # found again, not copied again


class _TorchvisionsImageFolder(datasets.ImageFolder):
    """torchvision's ImageFolder, under a class of this module (the harness refuses torchvision's own)."""


def test_the_reference_folder_dataset_reads_every_drawn_tree_as_torchvisions_image_folder():
    reference = EXERCISES["SimpleImageFolder"].reference
    for seed in range(5):
        for case in make_plan(EXERCISES["SimpleImageFolder"], seed=seed).cases:
            expected = build_dataset_and_read(_TorchvisionsImageFolder, list(case))
            assert mismatch(expected, build_dataset_and_read(reference, list(case)), rtol=0, atol=0) is None


def test_the_reference_crop_is_torchvisions_on_every_drawn_margin():
    for seed in range(20):
        for image, size in make_plan(EXERCISES["center_crop"], seed=seed).cases:
            expected = TF.center_crop(image, list(size) if isinstance(size, tuple) else size)
            assert torch.equal(center_crop(image, size), expected)


def test_the_reference_statistics_are_those_of_every_pixel_at_once():
    for (spec,) in make_plan(EXERCISES["channel_stats"], seed=3).cases:
        pixels = spec["inputs"].transpose(0, 1).flatten(1).double()
        expected = torch.stack([pixels.mean(dim=1), pixels.std(dim=1, correction=0)]).float()
        assert torch.allclose(channel_stats(UncountedLoader(build_loader(spec))), expected, atol=1e-6)


def test_a_dataset_class_of_torchvisions_own_is_refused_in_words(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    verdict = grade("SimpleImageFolder", CHEATS["SimpleImageFolder"], "cpu", secrets.randbits(62), tmp_path, monkeypatch)
    assert not verdict.passed and "it gave torchvision's own ImageFolder" in verdict.message


def test_image_folders_are_written_in_a_fresh_folder_of_the_working_copy_and_removed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "records").mkdir()
    verdict = grade("SimpleImageFolder", ALTERNATIVES["SimpleImageFolder"], "cpu", secrets.randbits(62),
                    tmp_path / "records", monkeypatch)
    assert verdict.passed, verdict.message
    assert sorted(path.name for path in tmp_path.iterdir()) == ["records"]


def test_statistics_that_go_through_the_loader_twice_are_rejected_and_told_why(tmp_path, monkeypatch):
    verdict = grade("channel_stats", TWO_PASSES, "cpu", secrets.randbits(62), tmp_path, monkeypatch)
    assert not verdict.passed and "it went through the loader a second time; go through it once" in verdict.message
    result = run_check("channel_stats", define(TWO_PASSES, "channel_stats"))
    assert result.status == WRONG and "go through it once" in result.message


def test_data_kinds_are_tested_on_the_cpu_only_and_functions_of_tensors_on_every_device(monkeypatch):
    """Loaders, files and PIL images live on the CPU, where a correct answer's results stay."""
    import course_grader.judge

    monkeypatch.setattr(course_grader.judge, "available_devices", lambda: [torch.device("cpu"), torch.device("cuda")])
    for name in ("channel_stats", "test_transform", "train_transform", "make_loader", "TensorImageDataset",
                 "SimpleImageFolder"):
        assert make_plan(EXERCISES[name], seed=0).devices == ["cpu"], name
    assert make_plan(EXERCISES["normalize"], seed=0).devices == ["cpu", "cuda"]
