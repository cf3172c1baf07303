"""Reference answers and hidden test inputs for Part 4 (Training neural networks).

The losses are compared with closed forms in float64. Training code is graded by what it does to
a model (see the `training` kind in `torchcourse.grading`): the grader builds a small model with
weights it drew, an optimizer and a loss, calls the answer, and compares what it returned and the
weights it left with what the reference returns and leaves. Datasets never divide evenly into
batches, so a loss averaged per batch instead of per example shows; loaders come as a DataLoader,
one with `drop_last=True`, one over a `Subset` and a plain list of batches, so counting examples
through `loader.dataset` shows; gradients start as junk, so a missing `zero_grad` shows; models
come in training mode and in evaluation mode, with dropout, and every forward pass is watched, so
a forgotten `train()`, `eval()` or `no_grad()`, or a mode not given back, shows.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Callable

import torch
from torch import nn
from torchcourse.data import STAND_IN_NOTE, prepare_mnist, training_images
from torchcourse.grading import CLASSIFIER, TRAINING
from torchcourse.modules import build_module, draw_weights, optimizer_settings

from .exercise import Case, Exercise
from .part01_tensors import _randint, _randn


# --- reference answers -------------------------------------------------------------------

def nll_loss(log_probs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    picked = log_probs.double().gather(1, labels[:, None])
    return (-picked.mean()).to(log_probs.dtype)


def cross_entropy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    wide = logits.double()
    shifted = wide - wide.amax(dim=1, keepdim=True)
    log_probs = shifted - shifted.exp().sum(dim=1, keepdim=True).log()
    return -log_probs.gather(1, labels[:, None]).mean().to(logits.dtype)


def sgd_momentum_step(param: torch.Tensor, grad: torch.Tensor, velocity: torch.Tensor, lr: float,
                      momentum: float) -> tuple[torch.Tensor, torch.Tensor]:
    """One step of torch.optim.SGD with momentum, started from the given momentum buffer: the
    operations it runs, in its order, on copies."""
    new_velocity = velocity.clone().mul_(momentum).add_(grad)
    return param.clone().add_(new_velocity, alpha=-lr), new_velocity


def _step(model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss_fn, optimizer) -> torch.Tensor:
    """One update with the gradients set (not added) from torch.autograd.grad."""
    parameters = [p for p in model.parameters() if p.requires_grad]
    loss = loss_fn(model(x), y)
    for parameter, gradient in zip(parameters, torch.autograd.grad(loss, parameters)):
        parameter.grad = gradient
    optimizer.step()
    return loss.detach()


def train_step(model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss_fn, optimizer) -> float:
    return float(_step(model, x, y, loss_fn, optimizer))


def _epoch(model: nn.Module, loader, loss_fn, optimizer, device,
           switch_to_training: bool = True) -> list[tuple[float, int]]:
    """One epoch of training: each batch's loss (before its step) and its number of examples."""
    if switch_to_training:
        model.train()
    return [(float(_step(model, x.to(device), y.to(device), loss_fn, optimizer)), len(x)) for x, y in loader]


def _per_example(losses: list[tuple[float, int]]) -> float:
    """The mean loss per example of an epoch's batches."""
    return sum(loss * count for loss, count in losses) / sum(count for _, count in losses)


def train_one_epoch(model: nn.Module, loader, loss_fn, optimizer, device) -> float:
    return _per_example(_epoch(model, loader, loss_fn, optimizer, device))


def evaluate(model: nn.Module, loader, device) -> float:
    was_training = model.training
    model.eval()
    with torch.inference_mode():
        hits = [(model(x.to(device)).argmax(1) == y.to(device)) for x, y in loader]
    model.train(was_training)
    return float(torch.cat(hits).double().mean())


def fit(model: nn.Module, train_loader, loss_fn, optimizer, epochs: int, device) -> list[float]:
    return [train_one_epoch(model, train_loader, loss_fn, optimizer, device) for _ in range(epochs)]


# Pass marks, calibrated with benchmarks/capstone.py on each kind of data: a small network
# trained within the budget must clear them with room to spare, an untrained one never comes close.
STAND_IN_PASS_MARK = 0.85  # the offline stand-in: 1,500 training digits, 297 held out
SMALL_MNIST_PASS_MARK = 0.90  # a subset of real MNIST, under 30,000 training digits
MNIST_PASS_MARK = 0.95  # real MNIST: 60,000 training digits, 10,000 held out
SMALL_MNIST = 30_000
HELD_OUT_IMAGES = 2000  # drawn afresh from the held-out split for each grading run


def pass_mark_for(root: Path) -> float:
    """The capstone's pass mark for the MNIST kept in `root`: the stand-in's, a small real
    subset's, or the whole real dataset's."""
    if (root / "MNIST" / STAND_IN_NOTE).is_file():
        return STAND_IN_PASS_MARK
    return SMALL_MNIST_PASS_MARK if training_images(root, "MNIST") < SMALL_MNIST else MNIST_PASS_MARK


HeldOut = tuple[torch.Tensor, dict[bytes, int], float]
"""A held-out split: its images normalised as the notebooks do, each image's label by its bytes,
and the pass mark for the data present."""


def held_out_split(dataset: type, root: Path, pass_mark: float) -> HeldOut:
    """The test split of the torchvision `dataset` kept in `root` (MNIST or Fashion-MNIST),
    normalised as the notebooks do (to [0, 1], then Normalize(0.5, 0.5)), with its labels."""
    test_split = dataset(root, train=False, download=False)
    images = ((test_split.data.float() / 255 - 0.5) / 0.5).unsqueeze(1)
    labels = {image.numpy().tobytes(): int(label) for image, label in zip(images, test_split.targets)}
    return images, labels, pass_mark


@functools.lru_cache(maxsize=1)
def held_out_mnist() -> HeldOut:
    """MNIST's test split and the pass mark for the MNIST present (see `held_out_split`)."""
    from torchvision import datasets

    root = prepare_mnist(allow_download=False)
    return held_out_split(datasets.MNIST, root, pass_mark_for(root))


class HeldOutLabels(nn.Module):
    """The reference "model" for a capstone: it knows each held-out image's label (from
    `held_out`, a function such as `held_out_mnist`), so what it predicts is the labels."""

    def __init__(self, held_out: Callable[[], HeldOut]) -> None:
        super().__init__()
        self.held_out = held_out

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        _, labels, _ = self.held_out()
        classes = torch.tensor([labels[image.numpy().tobytes()] for image in images.cpu()])
        return nn.functional.one_hot(classes, 10).float()


# --- the known mistakes, in the order of torchcourse.part04_training.KNOWN_MISTAKES ---
# (None: recognised by what it raised or changed)

def _step_keeping_the_graph(model, x, y, loss_fn, optimizer) -> torch.Tensor:
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss


def _step_without_zero_grad(model, x, y, loss_fn, optimizer) -> float:
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def _step_in_training_mode(model, x, y, loss_fn, optimizer) -> float:
    model.train()
    return train_step(model, x, y, loss_fn, optimizer)


def _epoch_keeping_the_graphs(model, loader, loss_fn, optimizer, device) -> torch.Tensor:
    model.train()
    total, count = 0, 0
    for x, y in loader:
        total = total + _step_keeping_the_graph(model, x.to(device), y.to(device), loss_fn, optimizer) * len(y)
        count += len(y)
    return total / count


def _epoch_by_batch_means(model, loader, loss_fn, optimizer, device) -> float:
    losses = _epoch(model, loader, loss_fn, optimizer, device)
    return sum(loss for loss, _ in losses) / len(losses)


def _epoch_over_the_dataset(model, loader, loss_fn, optimizer, device) -> float:
    losses = _epoch(model, loader, loss_fn, optimizer, device)
    return sum(loss * count for loss, count in losses) / len(loader.dataset)


def _epoch_in_the_given_mode(model, loader, loss_fn, optimizer, device) -> float:
    return _per_example(_epoch(model, loader, loss_fn, optimizer, device, switch_to_training=False))


def _accuracy(model, loader, device, switch_to_eval: bool = True, gradients: bool = False,
              per_batch: bool = False) -> float:
    """The accuracy as evaluate's known mistakes measure it; the model is not switched back."""
    if switch_to_eval:
        model.eval()
    with torch.set_grad_enabled(gradients):
        counts = [((model(x.to(device)).argmax(1) == y.to(device)).sum().item(), len(y)) for x, y in loader]
    if per_batch:
        return sum(correct / size for correct, size in counts) / len(counts)
    return sum(correct for correct, _ in counts) / sum(size for _, size in counts)


def _in_the_given_mode(measure: Callable[..., float]) -> Callable[..., float]:
    """`measure`, then the model given back in the mode it came in."""
    def measured(model, loader, device) -> float:
        was_training = model.training
        accuracy = measure(model, loader, device)
        model.train(was_training)
        return accuracy
    return measured


def _accuracy_then_training_mode(model, loader, device) -> float:
    accuracy = _accuracy(model, loader, device)
    model.train()
    return accuracy


def _fit_returning_the_last_loss(model, loader, loss_fn, optimizer, epochs, device) -> float:
    return fit(model, loader, loss_fn, optimizer, epochs, device)[-1]


def _fit_returning_every_batch_loss(model, loader, loss_fn, optimizer, epochs, device) -> list[float]:
    return [loss for _ in range(epochs) for loss, _ in _epoch(model, loader, loss_fn, optimizer, device)]


def _fit_returning_sums(model, loader, loss_fn, optimizer, epochs, device) -> list[float]:
    return [sum(loss for loss, _ in _epoch(model, loader, loss_fn, optimizer, device)) for _ in range(epochs)]


def _fit_with_a_new_optimizer_each_epoch(model, loader, loss_fn, optimizer, epochs, device) -> list[float]:
    return [train_one_epoch(model, loader, loss_fn, type(optimizer)(model.parameters(), **optimizer.defaults),
                            device) for _ in range(epochs)]


def _fit_in_the_given_mode(model, loader, loss_fn, optimizer, epochs, device) -> list[float]:
    return [_epoch_in_the_given_mode(model, loader, loss_fn, optimizer, device) for _ in range(epochs)]


MISTAKES: dict[str, tuple] = {
    "nll_loss": (lambda lp, y: lp[torch.arange(len(y)), y].mean(), lambda lp, y: -lp[torch.arange(len(y)), y].sum(), lambda lp, y: -lp[:, y].mean()),
    "cross_entropy": (lambda z, y: -torch.log(torch.softmax(z, 1))[torch.arange(len(y)), y].mean(), lambda z, y: -torch.log_softmax(z, 0)[torch.arange(len(y)), y].mean(), lambda z, y: -z[torch.arange(len(y)), y].mean()),
    "sgd_momentum_step": (lambda p, g, v, lr, m: (p - (m * v + lr * g), m * v + lr * g), lambda p, g, v, lr, m: (p - lr * v, m * v + g), None),
    "train_step": (_step_without_zero_grad, _step_keeping_the_graph, _step_in_training_mode),
    "train_one_epoch": (_epoch_by_batch_means, _epoch_keeping_the_graphs, _epoch_over_the_dataset,
                        _epoch_in_the_given_mode),
    "evaluate": (lambda model, loader, device: _accuracy(model, loader, device, switch_to_eval=False),
                 _accuracy_then_training_mode, _accuracy,
                 _in_the_given_mode(lambda model, loader, device: _accuracy(model, loader, device, gradients=True)),
                 _in_the_given_mode(lambda model, loader, device: _accuracy(model, loader, device, per_batch=True))),
    "fit": (_fit_returning_the_last_loss, _fit_returning_every_batch_loss, _fit_returning_sums,
            _fit_with_a_new_optimizer_each_epoch, _fit_in_the_given_mode),
}


# --- hidden test inputs --------------------------------------------------------------------

def _log_prob_cases(generator: torch.Generator) -> list[Case]:
    cases = []
    for _ in range(4):
        n, c = _randint(generator, 1, 9), _randint(generator, 2, 7)
        log_probs = torch.log_softmax(2 * _randn(generator, n, c), dim=1)
        cases.append((log_probs, torch.randint(0, c, (n,), generator=generator)))
    # far larger than the others, so that a loop over the examples shows (see torchcourse.rules)
    large = torch.log_softmax(2 * _randn(generator, 256, 6), dim=1)
    return cases + [(large, torch.randint(0, 6, (256,), generator=generator))]


def _logit_cases(generator: torch.Generator) -> list[Case]:
    cases = []
    for _ in range(4):
        n, c = _randint(generator, 2, 9), _randint(generator, 2, 7)
        cases.append((3 * _randn(generator, n, c), torch.randint(0, c, (n,), generator=generator)))
    # rows near +1000, where exp overflows, and rows whose correct class is about 1000 below the
    # others, where softmax underflows to 0
    large = 3 * _randn(generator, 3, 5) + 1000
    low = 3 * _randn(generator, 3, 5)
    low[:, 1::2] -= 1000
    return cases + [(large, torch.randint(0, 5, (3,), generator=generator)),
                    (low, torch.tensor([1, 3, 1]))]


def _momentum_cases(generator: torch.Generator) -> list[Case]:
    cases = []
    for _ in range(4):
        shape = [_randint(generator, 1, 5) for _ in range(_randint(generator, 1, 2))]
        lr = round(0.01 + 0.3 * torch.rand((), generator=generator).item(), 3)
        momentum = round(0.5 + 0.45 * torch.rand((), generator=generator).item(), 3)
        cases.append((_randn(generator, *shape), _randn(generator, *shape), _randn(generator, *shape),
                      lr, momentum))
    return cases


def training_setup(generator: torch.Generator, features: int, classes: int, dropout: bool = False,
                   optimizer: str | None = None, eval_mode: bool = False) -> dict[str, object]:
    """A small classifier with drawn weights, an optimizer and a loss, as plain data; the model is
    handed over in evaluation mode with `eval_mode`."""
    hidden = _randint(generator, 6, 12)
    layers: list[list[object]] = [["linear", features, hidden], ["relu"]]
    layers += [["dropout", 0.5]] if dropout else []
    layers += [["linear", hidden, classes]]
    weights = draw_weights(build_module({"layers": layers}), generator)
    name = optimizer or ("sgd" if torch.rand((), generator=generator) < 0.5 else "adam")
    return {"model": {"layers": layers, "weights": weights}, "optimizer": optimizer_settings(name),
            "loss": "cross_entropy", "junk gradients": True, "eval mode": eval_mode}


def _loader(generator: torch.Generator, features: int, classes: int, kind: str = "DataLoader") -> dict[str, object]:
    """Batches of examples whose number leaves a last batch of one: a DataLoader, a plain list of
    the batches, a DataLoader that drops the short last batch, or one over a Subset of a larger
    dataset."""
    batch_size = _randint(generator, 4, 8)
    size = batch_size * _randint(generator, 2, 4) + 1
    dataset_size = size + _randint(generator, 3, 9) if kind == "Subset" else size
    spec: dict[str, object] = {"inputs": _randn(generator, dataset_size, features),
                               "targets": torch.randint(0, classes, (dataset_size,), generator=generator),
                               "batch_size": batch_size}
    if kind == "plain list":
        spec["as list"] = True
    elif kind == "drop_last":
        spec["drop_last"] = True
    elif kind == "Subset":
        spec["subset"] = torch.randperm(dataset_size, generator=generator)[:size].tolist()
    return spec


def _sizes(generator: torch.Generator) -> tuple[int, int]:
    """A number of features and of classes."""
    return _randint(generator, 3, 8), _randint(generator, 2, 5)


def _train_step_cases(generator: torch.Generator) -> list[Case]:
    """SGD with momentum, then Adam, on a model in training mode; then models with dropout,
    handed over in evaluation mode and in training mode."""
    cases = []
    for optimizer, dropout, eval_mode in (("sgd", False, False), ("adam", False, False),
                                          (None, True, True), (None, True, False)):
        (features, classes), n = _sizes(generator), _randint(generator, 2, 9)
        setup = training_setup(generator, features, classes, dropout=dropout, optimizer=optimizer,
                               eval_mode=eval_mode)
        x, y = _randn(generator, n, features), torch.randint(0, classes, (n,), generator=generator)
        cases.append((setup, "<model>", x, y, "<loss>", "<optimizer>"))
    return cases


def _epoch_cases(generator: torch.Generator) -> list[Case]:
    """Every kind of loader, in training mode, then a model with dropout handed over in
    evaluation mode."""
    cases = []
    for kind, optimizer, dropout, eval_mode in (("DataLoader", "sgd", False, False),
                                                ("plain list", "adam", False, False),
                                                ("drop_last", None, False, False),
                                                ("Subset", None, True, False),
                                                ("DataLoader", None, True, True)):
        features, classes = _sizes(generator)
        setup = training_setup(generator, features, classes, dropout=dropout, optimizer=optimizer,
                               eval_mode=eval_mode)
        cases.append((setup, "<model>", _loader(generator, features, classes, kind), "<loss>", "<optimizer>",
                      "<device>"))
    return cases


def _evaluation_cases(generator: torch.Generator) -> list[Case]:
    """Models with dropout, handed over in training mode and in evaluation mode, with every kind
    of loader."""
    cases = []
    for kind, eval_mode in (("DataLoader", False), ("plain list", True), ("Subset", False), ("drop_last", True)):
        features, classes = _sizes(generator)
        setup = training_setup(generator, features, classes, dropout=True, eval_mode=eval_mode)
        cases.append((setup, "<model>", _loader(generator, features, classes, kind), "<device>"))
    return cases


def _fit_cases(generator: torch.Generator) -> list[Case]:
    """SGD with momentum and Adam, whose state carries over from epoch to epoch, on every kind of
    loader; the last model, with dropout, is handed over in evaluation mode."""
    cases = []
    last_loader = ("drop_last", "Subset")[_randint(generator, 0, 1)]
    for kind, optimizer, eval_mode in (("DataLoader", "sgd", False), ("plain list", "adam", False),
                                       (last_loader, None, True)):
        features, classes = _sizes(generator)
        setup = training_setup(generator, features, classes, dropout=eval_mode, optimizer=optimizer,
                               eval_mode=eval_mode)
        cases.append((setup, "<model>", _loader(generator, features, classes, kind), "<loss>", "<optimizer>",
                      _randint(generator, 2, 3), "<device>"))
    return cases


def held_out_cases(held_out: Callable[[], HeldOut]) -> Callable[[torch.Generator], list[Case]]:
    """A capstone's hidden cases: up to HELD_OUT_IMAGES images drawn from the held-out split that
    `held_out` gives, the number of classes and the pass mark (never the labels)."""
    def cases(generator: torch.Generator) -> list[Case]:
        images, _, pass_mark = held_out()
        chosen = torch.randperm(len(images), generator=generator)[:HELD_OUT_IMAGES]
        return [(images[chosen], 10, pass_mark)]
    return cases


EXERCISES = [
    Exercise("nll_loss", nll_loss, _log_prob_cases, mistakes=MISTAKES["nll_loss"]),
    Exercise("cross_entropy", cross_entropy, _logit_cases, rtol=1e-4, atol=1e-4, mistakes=MISTAKES["cross_entropy"]),
    Exercise("sgd_momentum_step", sgd_momentum_step, _momentum_cases, mistakes=MISTAKES["sgd_momentum_step"]),
    Exercise("train_step", train_step, _train_step_cases, rtol=1e-4, atol=1e-5, kind=TRAINING, mistakes=MISTAKES["train_step"]),
    Exercise("train_one_epoch", train_one_epoch, _epoch_cases, rtol=1e-4, atol=1e-5, kind=TRAINING, mistakes=MISTAKES["train_one_epoch"]),
    Exercise("evaluate", evaluate, _evaluation_cases, kind=TRAINING, mistakes=MISTAKES["evaluate"]),
    Exercise("fit", fit, _fit_cases, rtol=1e-4, atol=1e-5, kind=TRAINING, mistakes=MISTAKES["fit"]),
    Exercise("capstone", HeldOutLabels(held_out_mnist), held_out_cases(held_out_mnist), kind=CLASSIFIER),
]
