"""Reference answers and hidden test inputs for Part 4 (Training neural networks).

The losses are compared with closed forms in float64. Training code is graded by what it does to
a model (see the `training` kind in `torchcourse.grading`): the grader builds a small model with
weights it drew, an optimizer and a loss, calls the answer, and compares what it returned and the
weights it left with what the reference returns and leaves. Datasets never divide evenly into
batches, so a loss averaged per batch instead of per example shows; gradients start as junk, so a
missing `zero_grad` shows; evaluation runs on a model with dropout, and every forward pass is
watched, so a forgotten `eval()` or `no_grad()` shows.
"""

from __future__ import annotations

import functools
from pathlib import Path

import torch
from torch import nn
from torchcourse.data import STAND_IN_NOTE, prepare_mnist
from torchcourse.grading import CLASSIFIER, TRAINING
from torchcourse.modules import build_module, draw_weights

from .exercise import Case, Exercise
from .part01_tensors import _randint, _randn


# --- reference answers -------------------------------------------------------------------

def nll_loss(log_probs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    picked = log_probs.double().gather(1, labels[:, None])
    return (-picked.mean()).to(log_probs.dtype)


def cross_entropy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    wide = logits.double()
    return (torch.logsumexp(wide, dim=1) - wide.gather(1, labels[:, None])[:, 0]).mean().to(logits.dtype)


def sgd_momentum_step(param: torch.Tensor, grad: torch.Tensor, velocity: torch.Tensor, lr: float,
                      momentum: float) -> tuple[torch.Tensor, torch.Tensor]:
    """One step of torch.optim.SGD itself, started from the given momentum buffer."""
    leaf = param.detach().clone().requires_grad_()
    optimizer = torch.optim.SGD([leaf], lr=lr, momentum=momentum)
    leaf.grad = grad.clone()
    optimizer.state[leaf]["momentum_buffer"] = velocity.clone()
    optimizer.step()
    return leaf.detach(), optimizer.state[leaf]["momentum_buffer"]


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


def train_one_epoch(model: nn.Module, loader, loss_fn, optimizer, device) -> float:
    model.train()
    losses = [(_step(model, x.to(device), y.to(device), loss_fn, optimizer), len(x)) for x, y in loader]
    return float(sum(loss.double() * count for loss, count in losses) / sum(count for _, count in losses))


def evaluate(model: nn.Module, loader, device) -> float:
    model.eval()
    with torch.inference_mode():
        hits = [(model(x.to(device)).argmax(1) == y.to(device)) for x, y in loader]
    model.train()
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
    raw = root / "MNIST" / "raw"
    if (root / "MNIST" / STAND_IN_NOTE).is_file():
        return STAND_IN_PASS_MARK
    header = (raw / "train-labels-idx1-ubyte").read_bytes()[:8]
    training_images = int.from_bytes(header[4:8], "big")  # IDX: magic number, then the count
    return SMALL_MNIST_PASS_MARK if training_images < SMALL_MNIST else MNIST_PASS_MARK


@functools.lru_cache(maxsize=1)
def held_out_mnist() -> tuple[torch.Tensor, dict[bytes, int], float]:
    """MNIST's test split, normalised as the notebooks do (ToTensor, then Normalize(0.5, 0.5)),
    each image's label by its bytes, and the pass mark for the data present."""
    from torchvision import datasets

    root = prepare_mnist(allow_download=False)
    test_split = datasets.MNIST(root, train=False, download=False)
    images = ((test_split.data.float() / 255 - 0.5) / 0.5).unsqueeze(1)
    labels = {image.numpy().tobytes(): int(label) for image, label in zip(images, test_split.targets)}
    return images, labels, pass_mark_for(root)


class HeldOutLabels(nn.Module):
    """The reference "model" for the capstone: it knows each held-out image's label, so what it
    predicts is the labels."""

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        _, labels, _ = held_out_mnist()
        classes = torch.tensor([labels[image.numpy().tobytes()] for image in images.cpu()])
        return nn.functional.one_hot(classes, 10).float()



# --- the known mistakes, in the order of torchcourse.part04_training.KNOWN_MISTAKES ---
# (None: recognised by what it raised or changed)

def _accuracy(model, loader, device, evaluation_mode: bool = True, switch_back: bool = True,
              gradients: bool = False) -> float:
    if evaluation_mode:
        model.eval()
    with torch.set_grad_enabled(gradients):
        correct = sum((model(x.to(device)).argmax(1) == y.to(device)).sum().item() for x, y in loader)
    if switch_back:
        model.train()
    return correct / sum(len(y) for _, y in loader)


def _step_keeping_the_graph(model, x, y, loss_fn, optimizer) -> torch.Tensor:
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss


def _epoch_keeping_the_graphs(model, loader, loss_fn, optimizer, device) -> torch.Tensor:
    total, count = 0, 0
    for x, y in loader:
        total = total + _step_keeping_the_graph(model, x.to(device), y.to(device), loss_fn, optimizer) * len(y)
        count += len(y)
    return total / count


def _epoch_by_batch_means(model, loader, loss_fn, optimizer, device) -> float:
    losses = [train_step(model, x.to(device), y.to(device), loss_fn, optimizer) for x, y in loader]
    return sum(losses) / len(losses)


def _step_without_zero_grad(model, x, y, loss_fn, optimizer) -> float:
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


MISTAKES: dict[str, tuple] = {
    "nll_loss": (lambda lp, y: lp[torch.arange(len(y)), y].mean(), lambda lp, y: -lp[torch.arange(len(y)), y].sum(), lambda lp, y: -lp[:, y].mean()),
    "cross_entropy": (lambda z, y: -torch.log(torch.softmax(z, 1))[torch.arange(len(y)), y].mean(), lambda z, y: -torch.log_softmax(z, 0)[torch.arange(len(y)), y].mean(), lambda z, y: -z[torch.arange(len(y)), y].mean()),
    "sgd_momentum_step": (lambda p, g, v, lr, m: (p - (m * v + lr * g), m * v + lr * g), lambda p, g, v, lr, m: (p - lr * v, m * v + g), None),
    "train_step": (_step_without_zero_grad, _step_keeping_the_graph),
    "train_one_epoch": (_epoch_by_batch_means, _epoch_keeping_the_graphs),
    "evaluate": (lambda model, loader, device: _accuracy(model, loader, device, evaluation_mode=False), lambda model, loader, device: _accuracy(model, loader, device, switch_back=False), lambda model, loader, device: _accuracy(model, loader, device, gradients=True)),
    "fit": (lambda model, loader, loss_fn, opt, epochs, device:
                     fit(model, loader, loss_fn, opt, epochs, device)[-1],),
}


# --- hidden test inputs --------------------------------------------------------------------

def _log_prob_cases(generator: torch.Generator) -> list[Case]:
    cases = []
    for _ in range(4):
        n, c = _randint(generator, 1, 9), _randint(generator, 2, 7)
        log_probs = torch.log_softmax(2 * _randn(generator, n, c), dim=1)
        cases.append((log_probs, torch.randint(0, c, (n,), generator=generator)))
    return cases


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
                   optimizer: str | None = None) -> dict[str, object]:
    """A small classifier with drawn weights, an optimizer and a loss, as plain data."""
    hidden = _randint(generator, 6, 12)
    layers: list[list[object]] = [["linear", features, hidden], ["relu"]]
    layers += [["dropout", 0.5]] if dropout else []
    layers += [["linear", hidden, classes]]
    weights = draw_weights(build_module({"layers": layers}), generator)
    name = optimizer or ("sgd" if torch.rand((), generator=generator) < 0.5 else "adam")
    settings = {"name": "sgd", "lr": 0.1, "momentum": 0.9} if name == "sgd" else {"name": "adam", "lr": 0.01}
    return {"model": {"layers": layers, "weights": weights}, "optimizer": settings,
            "loss": "cross_entropy", "junk gradients": True}


def _loader(generator: torch.Generator, features: int, classes: int) -> dict[str, object]:
    """A dataset whose size leaves a last batch of one example."""
    batch_size = _randint(generator, 4, 8)
    size = batch_size * _randint(generator, 2, 4) + 1
    return {"inputs": _randn(generator, size, features),
            "targets": torch.randint(0, classes, (size,), generator=generator), "batch_size": batch_size}


def _train_step_cases(generator: torch.Generator) -> list[Case]:
    cases = []
    for optimizer in ("sgd", "adam"):
        features, classes, n = _randint(generator, 3, 8), _randint(generator, 2, 5), _randint(generator, 2, 9)
        setup = training_setup(generator, features, classes, optimizer=optimizer)
        x, y = _randn(generator, n, features), torch.randint(0, classes, (n,), generator=generator)
        cases.append((setup, "<model>", x, y, "<loss>", "<optimizer>"))
    return cases


def _epoch_cases(generator: torch.Generator) -> list[Case]:
    cases = []
    for optimizer in ("sgd", "adam"):
        features, classes = _randint(generator, 3, 8), _randint(generator, 2, 5)
        setup = training_setup(generator, features, classes, optimizer=optimizer)
        cases.append((setup, "<model>", _loader(generator, features, classes), "<loss>", "<optimizer>",
                      "<device>"))
    return cases


def _evaluation_cases(generator: torch.Generator) -> list[Case]:
    cases = []
    for _ in range(2):
        features, classes = _randint(generator, 3, 8), _randint(generator, 2, 5)
        setup = training_setup(generator, features, classes, dropout=True)
        cases.append((setup, "<model>", _loader(generator, features, classes), "<device>"))
    return cases


def _fit_cases(generator: torch.Generator) -> list[Case]:
    features, classes = _randint(generator, 3, 8), _randint(generator, 2, 5)
    setup = training_setup(generator, features, classes)
    return [(setup, "<model>", _loader(generator, features, classes), "<loss>", "<optimizer>",
             _randint(generator, 2, 3), "<device>")]


def _held_out_cases(generator: torch.Generator) -> list[Case]:
    images, _, pass_mark = held_out_mnist()
    chosen = torch.randperm(len(images), generator=generator)[:HELD_OUT_IMAGES]
    return [(images[chosen], 10, pass_mark)]


EXERCISES = [
    Exercise("nll_loss", nll_loss, _log_prob_cases, mistakes=MISTAKES["nll_loss"]),
    Exercise("cross_entropy", cross_entropy, _logit_cases, rtol=1e-4, atol=1e-4, mistakes=MISTAKES["cross_entropy"]),
    Exercise("sgd_momentum_step", sgd_momentum_step, _momentum_cases, mistakes=MISTAKES["sgd_momentum_step"]),
    Exercise("train_step", train_step, _train_step_cases, rtol=1e-4, atol=1e-5, kind=TRAINING, mistakes=MISTAKES["train_step"]),
    Exercise("train_one_epoch", train_one_epoch, _epoch_cases, rtol=1e-4, atol=1e-5, kind=TRAINING, mistakes=MISTAKES["train_one_epoch"]),
    Exercise("evaluate", evaluate, _evaluation_cases, kind=TRAINING, mistakes=MISTAKES["evaluate"]),
    Exercise("fit", fit, _fit_cases, rtol=1e-4, atol=1e-5, kind=TRAINING, mistakes=MISTAKES["fit"]),
    Exercise("capstone", HeldOutLabels(), _held_out_cases, kind=CLASSIFIER),
]
