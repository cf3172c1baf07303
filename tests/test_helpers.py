"""The student helper package: device choice, seeding, plotting and offline data."""

import matplotlib
import pytest
import torch
from conftest import DEVICES
from torchcourse import imshow, pick_device, seed_everything, view_classify
from torchcourse.data import prepare_mnist

matplotlib.use("Agg")


def test_pick_device_is_a_usable_device():
    device = pick_device()
    assert torch.ones(1, device=device).device.type == device.type


def test_seed_everything_repeats_random_numbers():
    seed_everything(5)
    first = torch.rand(3)
    seed_everything(5)
    assert torch.equal(first, torch.rand(3))


@pytest.mark.parametrize("device", DEVICES)
def test_plots_draw_tensors_from_any_device(device):
    image = torch.rand(1, 28, 28, device=device)
    axes = imshow(image, title="a digit")
    assert axes.get_title() == "a digit"
    figure = view_classify(image, torch.softmax(torch.randn(10, device=device), 0))
    assert len(figure.axes) == 2
    colour = imshow(torch.rand(3, 8, 8, device=device), mean=[0.5] * 3, std=[0.2] * 3)
    assert colour.images[0].get_array().shape == (8, 8, 3)


def test_mnist_loads_offline_through_the_real_torchvision_code(tmp_path):
    from torchvision import datasets, transforms

    root = prepare_mnist(tmp_path, allow_download=False)
    train = datasets.MNIST(root, train=True, download=True, transform=transforms.ToTensor())
    test = datasets.MNIST(root, train=False, download=True)
    image, label = train[0]
    assert image.shape == (1, 28, 28) and 0 <= label <= 9
    assert len(train) == 1500 and len(test) == 297
    assert 0.05 < image.mean() < 0.5, "digits should be light strokes on a dark background"


def test_learning_rate_explorer_draws_a_static_figure_without_widgets():
    from torchcourse.widgets import descend, explore_learning_rate

    x = torch.linspace(-2, 2, 40)
    y = 2 * x + 3
    figure = explore_learning_rate(x, y, steps=30, rates=(0.1, 0.8))
    curves, fits = figure.axes
    assert len(curves.lines) == 2 and [line.get_label() for line in fits.lines][-1] == "lr = 0.8: diverged"
    losses, w, b = descend(x, y, lr=0.3, steps=200)
    assert losses[-1] < 1e-6 and abs(w - 2) < 1e-3 and abs(b - 3) < 1e-3


def test_mnist_goes_to_a_temporary_folder_when_the_data_folder_is_read_only(tmp_path, monkeypatch):
    import torchcourse.data as data

    monkeypatch.setattr(data.tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    monkeypatch.setattr(data, "_writable", lambda folder: not str(folder).startswith(str(tmp_path / "ro")))
    root = prepare_mnist(tmp_path / "ro", allow_download=False)
    assert root == tmp_path / "tmp" / "torchcourse-data"
    assert (root / "MNIST" / data.STAND_IN_NOTE).is_file()


def test_nothing_is_downloaded_while_a_notebook_is_graded(tmp_path, monkeypatch):
    import torchcourse.data as data

    monkeypatch.setenv(data.GRADING_DIR_VARIABLE, str(tmp_path))
    monkeypatch.setattr(data, "_reachable", lambda *args: pytest.fail("tried the network while graded"))
    root = prepare_mnist(tmp_path / "data")
    assert (root / "MNIST" / data.STAND_IN_NOTE).is_file()


def test_progress_bars_are_quiet_while_graded(monkeypatch, capsys):
    from torchcourse.training import progress

    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    items = range(3)
    assert progress(items, "epochs") is items
    monkeypatch.delenv("NBGRADER_EXECUTION")
    monkeypatch.delenv("TORCHCOURSE_GRADING_DIR", raising=False)
    assert list(progress(items, "epochs")) == [0, 1, 2]


def test_call_if_written_gives_none_for_the_stub_and_says_the_time_against_a_budget(capsys):
    from torchcourse.training import call_if_written

    def train_classifier():
        raise NotImplementedError()

    assert call_if_written(train_classifier, budget_seconds=30) is None
    assert "train_classifier still raises NotImplementedError" in capsys.readouterr().out
    assert call_if_written(lambda: 7) == 7 and capsys.readouterr().out == ""
    assert call_if_written(lambda: 7, budget_seconds=30) == 7
    assert "within its budget of 30 s" in capsys.readouterr().out
    assert call_if_written(lambda: 7, budget_seconds=0) == 7
    assert "over its budget of 0 s: train for fewer steps" in capsys.readouterr().out


def test_a_capstone_trained_over_its_budget_fails_its_check_and_says_so():
    from torchcourse.checks import PASSED, WRONG, run_check
    from torchcourse.training import call_if_written

    def classify(photos):
        return torch.zeros(len(photos), dtype=torch.int64)

    assert run_check("pets_capstone", call_if_written(lambda: classify, budget_seconds=60)).status == PASSED
    result = run_check("pets_capstone", call_if_written(lambda: classify, budget_seconds=0))
    assert result.status == WRONG and "over its budget of 0 s: train for fewer steps" in result.message
    assert run_check("pets_capstone", call_if_written(lambda: classify, budget_seconds=60)).status == PASSED
