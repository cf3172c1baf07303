"""Reference answers and hidden test inputs for Part 5 (Inference and validation).

Scores are random floats, so no two are ever equal and top-k has one right answer. Validation
and early stopping are graded as Part 4's training code is (the `training` kind): small models
of the grader's with dropout, handed over in training mode and in evaluation mode, loaders whose
last batch is short, every forward pass watched. Loss curves for early stopping move in steps of
0.05, so they hold plateaus and exact ties. The split is judged on its properties (the `seeded
split` kind), and the capstone on Fashion-MNIST's test split, whose labels never enter the kernel.
"""

from __future__ import annotations

import copy
import functools

import torch
from torch import nn
from torchcourse.data import prepare_fashion_mnist, training_images
from torchcourse.grading import CLASSIFIER, SEEDED_SPLIT, TRAINING

from .exercise import Case, Exercise
from .part01_tensors import _randint, _randn
from .part04_training import (HeldOut, HeldOutLabels, _loader, _sizes, held_out_cases, held_out_split,
                              train_one_epoch, training_setup)


# --- reference answers -------------------------------------------------------------------

def topk_probabilities(logits: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    values, classes = torch.softmax(logits.double(), dim=1).sort(dim=1, descending=True)
    return values[:, :k].to(logits.dtype), classes[:, :k]


def topk_accuracy(logits: torch.Tensor, labels: torch.Tensor, k: int) -> float:
    # a label is among the top k when fewer than k classes score higher than it
    above = (logits > logits.gather(1, labels[:, None])).sum(dim=1)
    return float((above < k).double().mean())


def validate(model: nn.Module, loader, loss_fn, device) -> tuple[float, float]:
    was_training = model.training
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    with torch.inference_mode():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            scores = model(x)
            total_loss += loss_fn(scores, y).item() * len(y)
            correct += int((scores.argmax(dim=1) == y).sum())
            count += len(y)
    model.train(was_training)
    return total_loss / count, correct / count


def train_val_split(n: int, val_size: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return order[val_size:], order[:val_size]


def early_stopping_epoch(val_losses: list[float], patience: int) -> int:
    best = 0
    for epoch, loss in enumerate(val_losses):
        best = epoch if loss < val_losses[best] else best
        if epoch - best == patience:
            return epoch
    return len(val_losses) - 1


def fit_with_early_stopping(model: nn.Module, train_loader, val_loader, loss_fn, optimizer, max_epochs: int,
                            patience: int, device) -> tuple[list[float], int]:
    return _fit_with_stopping(model, train_loader, val_loader, loss_fn, optimizer, max_epochs, patience, device)


def _fit_with_stopping(model, train_loader, val_loader, loss_fn, optimizer, max_epochs, patience, device,
                       keep_best: bool = True, validate_in_eval: bool = True,
                       stop: bool = True) -> tuple[list[float], int]:
    """Training with early stopping; the flags write out its known mistakes (the last weights
    kept, validation in training mode, no stopping)."""
    measure = validate if validate_in_eval else _restoring(lambda *args: _validation(*args, switch_to_eval=False))
    losses: list[float] = []
    best_weights = copy.deepcopy(model.state_dict())
    for epoch in range(max_epochs):
        train_one_epoch(model, train_loader, loss_fn, optimizer, device)
        losses.append(measure(model, val_loader, loss_fn, device)[0])
        best = losses.index(min(losses))  # the first epoch that reached the lowest loss
        if best == epoch:
            best_weights = copy.deepcopy(model.state_dict())
        if stop and epoch - best == patience:
            break
    if keep_best:
        model.load_state_dict(best_weights)
    return losses, losses.index(min(losses))


def confusion_matrix(predictions: torch.Tensor, labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    pairs = labels * num_classes + predictions
    return torch.bincount(pairs, minlength=num_classes**2).reshape(num_classes, num_classes)


def per_class_accuracy(confusion: torch.Tensor) -> torch.Tensor:
    right = confusion.diagonal().double()
    return (right / confusion.sum(dim=1).double()).float()


# Pass marks for the capstone, calibrated with benchmarks/capstone.py: on the carried subset a
# small network trained within the budget scores 0.77-0.81, an untrained one about 0.1.
SUBSET_PASS_MARK = 0.70  # the real subset the course carries: 1,000 training images, 900 held out
FASHION_MNIST_PASS_MARK = 0.85  # the full dataset: 60,000 training images, 10,000 held out
FULL_FASHION_MNIST = 60_000


@functools.lru_cache(maxsize=1)
def held_out_fashion_mnist() -> HeldOut:
    """Fashion-MNIST's test split and the pass mark for the data present (see `held_out_split`)."""
    from torchvision import datasets

    root = prepare_fashion_mnist(allow_download=False)
    full = training_images(root, "FashionMNIST") >= FULL_FASHION_MNIST
    return held_out_split(datasets.FashionMNIST, root, FASHION_MNIST_PASS_MARK if full else SUBSET_PASS_MARK)


# --- the known mistakes, in the order of torchcourse.part05_inference_validation.KNOWN_MISTAKES ---
# (None: recognised by what it raised or changed)

def _validation(model, loader, loss_fn, device, switch_to_eval: bool = True, gradients: bool = False,
                per_batch: bool = False, accuracy_per_batch: bool = False) -> tuple[float, float]:
    """The loss and accuracy as validate's known mistakes measure them (means of per-batch means:
    both, or only the accuracy); the mode is not restored."""
    if switch_to_eval:
        model.eval()
    batches = []
    with torch.set_grad_enabled(gradients):
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            scores = model(x)
            batches.append((loss_fn(scores, y).item(), int((scores.argmax(dim=1) == y).sum()), len(y)))
    if per_batch:
        return (sum(loss for loss, _, _ in batches) / len(batches),
                sum(right / size for _, right, size in batches) / len(batches))
    count = sum(size for _, _, size in batches)
    loss = sum(loss * size for loss, _, size in batches) / count
    if accuracy_per_batch:
        return loss, sum(right / size for _, right, size in batches) / len(batches)
    return loss, sum(right for _, right, _ in batches) / count


def _restoring(measure):
    """`measure`, then the model given back in the mode it came in."""
    def measured(model, loader, loss_fn, device):
        was_training = model.training
        result = measure(model, loader, loss_fn, device)
        model.train(was_training)
        return result
    return measured


def _validation_then_training_mode(model, loader, loss_fn, device):
    result = _validation(model, loader, loss_fn, device)
    model.train()
    return result


def _early_stopping_against_the_last_epoch(val_losses, patience) -> int:
    waited = 0
    for epoch in range(1, len(val_losses)):
        waited = 0 if val_losses[epoch] < val_losses[epoch - 1] else waited + 1
        if waited == patience:
            return epoch
    return len(val_losses) - 1


def _early_stopping_counting_ties(val_losses, patience) -> int:
    best = 0
    for epoch, loss in enumerate(val_losses):
        best = epoch if loss <= val_losses[best] else best
        if epoch - best == patience:
            return epoch
    return len(val_losses) - 1


def _early_stopping_returning_the_best(val_losses, patience) -> int:
    stop = early_stopping_epoch(val_losses, patience)
    return val_losses.index(min(val_losses[:stop + 1]))


MISTAKES: dict[str, tuple] = {
    "topk_probabilities": (lambda z, k: tuple(z.topk(k, dim=1)),
                           lambda z, k: tuple(torch.softmax(z, dim=0).topk(k, dim=1)),
                           lambda z, k: tuple(reversed(torch.softmax(z, dim=1).topk(k, dim=1)))),
    "topk_accuracy": (lambda z, y, k: (z.topk(k, dim=1).indices == y[:, None]).float().mean().item(),
                      lambda z, y, k: (z.topk(k, dim=1).indices == y).any(dim=1).float().mean().item()),
    "validate": (_restoring(lambda *args: _validation(*args, switch_to_eval=False)),
                 _validation_then_training_mode, _validation,
                 _restoring(lambda *args: _validation(*args, gradients=True)),
                 _restoring(lambda *args: _validation(*args, per_batch=True)),
                 _restoring(lambda *args: _validation(*args, accuracy_per_batch=True))),
    "early_stopping_epoch": (_early_stopping_against_the_last_epoch, _early_stopping_counting_ties,
                             _early_stopping_returning_the_best),
    "fit_with_early_stopping": (functools.partial(_fit_with_stopping, keep_best=False),
                                functools.partial(_fit_with_stopping, validate_in_eval=False),
                                functools.partial(_fit_with_stopping, stop=False)),
    "confusion_matrix": (lambda p, y, c: confusion_matrix(y, p, c), None),
    "per_class_accuracy": (lambda m: m.diagonal() / m.sum(dim=0),
                           lambda m: m.diagonal() / m.sum(dim=1).clamp(min=1)),
    "train_val_split": (),
}


# --- hidden test inputs --------------------------------------------------------------------

def _logit_cases(generator: torch.Generator) -> list[Case]:
    """Random scores, k = 1 first, then k anywhere from 1 to the number of classes."""
    cases = []
    for index in range(4):
        n, c = _randint(generator, 1, 9), _randint(generator, 2, 8)
        cases.append((3 * _randn(generator, n, c), 1 if index == 0 else _randint(generator, 1, c)))
    return cases


def _accuracy_cases(generator: torch.Generator) -> list[Case]:
    """Random scores and labels, k = 1 first; the last batch is far larger than the others, so
    that a loop over the examples shows (see torchcourse.rules)."""
    cases = []
    for index, (n, c) in enumerate([(_randint(generator, 2, 9), _randint(generator, 2, 8)) for _ in range(4)]
                                   + [(512, 6)]):
        k = 1 if index == 0 else 3 if n == 512 else _randint(generator, 1, c)
        cases.append((3 * _randn(generator, n, c), torch.randint(0, c, (n,), generator=generator), k))
    return cases


def _validation_cases(generator: torch.Generator) -> list[Case]:
    """Models with dropout, handed over in training mode and in evaluation mode, with every kind
    of loader (see Part 4's `_loader`)."""
    cases = []
    for kind, eval_mode in (("DataLoader", False), ("plain list", True), ("Subset", False), ("drop_last", True)):
        features, classes = _sizes(generator)
        setup = training_setup(generator, features, classes, dropout=True, eval_mode=eval_mode)
        cases.append((setup, "<model>", _loader(generator, features, classes, kind), "<loss>", "<device>"))
    return cases


def _split_cases(generator: torch.Generator) -> list[Case]:
    """Several sizes, each with a seed and another seed. A correct split may give the same split
    for two seeds by chance, at most 1 in C(n, size), which is at least 66 here; it is told apart
    from one that ignores its seed by the harness's five other seeds (a chance below 1e-9)."""
    cases = []
    for _ in range(4):
        n = _randint(generator, 12, 60)
        seed, other = torch.randint(0, 2**31, (2,), generator=generator).tolist()
        cases.append((n, _randint(generator, 2, n - 2), seed, other if other != seed else seed + 1))
    return cases


def _loss_curve(generator: torch.Generator, epochs: int) -> list[float]:
    """Validation losses that move in steps of 0.05 (so they hold plateaus and exact ties), mostly
    down at first and mostly up later."""
    curve, loss = [], 2.0
    for epoch in range(epochs):
        drift = -1 if epoch < epochs // 2 else 1
        loss = max(0.05, loss + 0.05 * (drift + _randint(generator, -2, 2)))
        curve.append(round(loss, 2))
    return curve


def _bouncing_curve(generator: torch.Generator) -> list[float]:
    """Losses that fall to a best, then rise, fall back a little (better than the epoch before,
    not than the best), tie the best, and do the same again. With patience 3 the stop comes at
    the tie; comparing with the epoch before never stops, and counting the tie as a new best
    stops three epochs later."""
    curve = [round(1.5 - 0.05 * _randint(generator, 0, 2), 2)]
    for _ in range(_randint(generator, 1, 4)):
        curve.append(round(curve[-1] - 0.05 * _randint(generator, 1, 3), 2))
    best = curve[-1]
    return curve + [round(best + step, 2) for step in (0.1, 0.05, 0, 0.1, 0.05, 0.1, 0.05)]


def _stopping_cases(generator: torch.Generator) -> list[Case]:
    """A bouncing curve first, which tells the known mistakes apart; then random curves."""
    cases = [(_bouncing_curve(generator), 3)]
    cases += [(_loss_curve(generator, _randint(generator, 4, 14)), _randint(generator, 1, 4)) for _ in range(5)]
    # one epoch; a curve that never stops improving; the notebook's worked example
    return cases + [([0.7], 2), ([1.0, 0.8, 0.6, 0.5, 0.45], 1), ([0.9, 0.7, 0.75, 0.72, 0.71], 3)]


def _early_stopping_fit_cases(generator: torch.Generator) -> list[Case]:
    """SGD with momentum and Adam at learning rates high enough that the validation loss on
    random labels soon turns up; a model with dropout, handed over in evaluation mode; patience
    1 or 2 within 5 to 7 epochs."""
    cases = []
    for optimizer, dropout, eval_mode in (("sgd", False, False), ("adam", True, False), (None, True, True)):
        features, classes = _sizes(generator)
        setup = training_setup(generator, features, classes, dropout=dropout, optimizer=optimizer,
                               eval_mode=eval_mode)
        settings = setup["optimizer"]
        settings["lr"] = 0.3 if settings["name"] == "sgd" else 0.05
        cases.append((setup, "<model>", _loader(generator, features, classes),
                      _loader(generator, features, classes, ("plain list", "DataLoader")[_randint(generator, 0, 1)]),
                      "<loss>", "<optimizer>", _randint(generator, 5, 7), _randint(generator, 1, 2), "<device>"))
    return cases


def _confusion_cases(generator: torch.Generator) -> list[Case]:
    """Random predictions and labels; in the second case the highest classes never occur; the
    last is far larger, in examples and classes, so that a loop over either shows."""
    cases = []
    for index in range(4):
        n, c = _randint(generator, 4, 12), _randint(generator, 3 if index == 1 else 2, 5)
        occurring = c - 2 if index == 1 else c
        cases.append((torch.randint(0, occurring, (n,), generator=generator),
                      torch.randint(0, occurring, (n,), generator=generator), c))
    large = (torch.randint(0, 24, (512,), generator=generator), torch.randint(0, 24, (512,), generator=generator), 24)
    return cases + [large]


def _confusion_matrices(generator: torch.Generator) -> list[Case]:
    """Random confusion matrices, each with a row of zeros (a class with no examples)."""
    cases = []
    for _ in range(4):
        c = _randint(generator, 2, 8)
        matrix = torch.randint(0, 10, (c, c), generator=generator)
        matrix[_randint(generator, 0, c - 1)] = 0
        cases.append((matrix,))
    return cases


EXERCISES = [
    Exercise("train_val_split", train_val_split, _split_cases, kind=SEEDED_SPLIT),
    Exercise("topk_probabilities", topk_probabilities, _logit_cases, mistakes=MISTAKES["topk_probabilities"]),
    Exercise("topk_accuracy", topk_accuracy, _accuracy_cases, mistakes=MISTAKES["topk_accuracy"]),
    Exercise("validate", validate, _validation_cases, rtol=1e-5, atol=1e-6, kind=TRAINING,
             mistakes=MISTAKES["validate"]),
    Exercise("early_stopping_epoch", early_stopping_epoch, _stopping_cases, mistakes=MISTAKES["early_stopping_epoch"]),
    Exercise("fit_with_early_stopping", fit_with_early_stopping, _early_stopping_fit_cases, rtol=1e-4, atol=1e-5,
             kind=TRAINING, mistakes=MISTAKES["fit_with_early_stopping"]),
    Exercise("confusion_matrix", confusion_matrix, _confusion_cases, mistakes=MISTAKES["confusion_matrix"]),
    Exercise("per_class_accuracy", per_class_accuracy, _confusion_matrices, mistakes=MISTAKES["per_class_accuracy"]),
    Exercise("fashion_capstone", HeldOutLabels(held_out_fashion_mnist), held_out_cases(held_out_fashion_mnist),
             kind=CLASSIFIER),
]
