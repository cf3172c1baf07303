"""Part 4 (Training neural networks): the visible checks, their rules, hints and known mistakes.

What a correct answer gives on each check's inputs is not here: it was saved when the course was
released (see `torchcourse.checks`).
"""

from __future__ import annotations

import torch

from .grading import CLASSIFIER, TRAINING
from .modules import build_module, draw_weights
from .spec import Inputs, KnownMistake, VisibleCheck, randn


def _labels(g: torch.Generator, count: int, classes: int) -> torch.Tensor:
    return torch.randint(0, classes, (count,), generator=g)


def _setup(g: torch.Generator, dropout: bool = False, optimizer: str = "sgd") -> dict[str, object]:
    layers: list[list[object]] = [["linear", 5, 8], ["relu"], *([["dropout", 0.5]] if dropout else []),
                                  ["linear", 8, 3]]
    settings = {"name": "sgd", "lr": 0.1, "momentum": 0.9} if optimizer == "sgd" else {"name": "adam", "lr": 0.01}
    return {"model": {"layers": layers, "weights": draw_weights(build_module({"layers": layers}), g)},
            "optimizer": settings, "loss": "cross_entropy", "junk gradients": True}


def _loader(g: torch.Generator) -> dict[str, object]:
    return {"inputs": randn(g, 13, 5), "targets": _labels(g, 13, 3), "batch_size": 4}


def _logits(g: torch.Generator) -> Inputs:
    """Logits whose correct classes sit about 1000 below the rest, where softmax underflows."""
    x = 3 * randn(g, 4, 5)
    x[:, ::2] -= 1000
    return x, torch.tensor([0, 2, 4, 0])


CHECKS: dict[str, VisibleCheck] = {
    "nll_loss": VisibleCheck(lambda g: (torch.log_softmax(randn(g, 6, 4), 1), _labels(g, 6, 4)), 1e-5),
    "cross_entropy": VisibleCheck(_logits, 1e-4),
    "sgd_momentum_step": VisibleCheck(lambda g: (randn(g, 3), randn(g, 3), randn(g, 3), 0.1, 0.9), 1e-5),
    "train_step": VisibleCheck(lambda g: (_setup(g), "<model>", randn(g, 6, 5), _labels(g, 6, 3), "<loss>",
                                          "<optimizer>"), 1e-4, kind=TRAINING),
    "train_one_epoch": VisibleCheck(lambda g: (_setup(g, optimizer="adam"), "<model>", _loader(g), "<loss>",
                                               "<optimizer>", "<device>"), 1e-4, kind=TRAINING),
    "evaluate": VisibleCheck(lambda g: (_setup(g, dropout=True), "<model>", _loader(g), "<device>"), 1e-6, kind=TRAINING),
    "fit": VisibleCheck(lambda g: (_setup(g), "<model>", _loader(g), "<loss>", "<optimizer>", 2, "<device>"), 1e-4, kind=TRAINING),
    # Only the contract: a batch of images in, one row of class scores per image out (pass mark 0).
    # The grade comes from held-out images the notebook never sees.
    "capstone": VisibleCheck(lambda g: (2 * torch.rand(6, 1, 28, 28, generator=g) - 1, 10, 0.0), 0, kind=CLASSIFIER),
}


# Hints a learner asks for with `hint(name, level)`, from a nudge (1) to the most specific (3).
# None of them holds a line of the solution: tests/test_hints.py checks that.
HINTS: dict[str, list[str]] = {
    "nll_loss": [
        "Look back at the section on loss functions: the negative log-likelihood picks, in each row, "
        "the log-probability of the correct class.",
        "Index the rows 0..N-1 together with the labels (one index tensor for each dimension) to get "
        "one number per example, then average and change the sign. Known mistakes: a positive sign, a "
        "sum instead of a mean, indexing every row with every label.",
        "log_probs is (N, C) and labels (N,); picking gives (N,); the mean is 0-d. Create the row "
        "indices on the labels' device with torch.arange.",
    ],
    "cross_entropy": [
        "Look back at the section on CrossEntropyLoss: it is log-softmax followed by the negative "
        "log-likelihood, computed from raw scores (logits).",
        "Turn the logits into log-probabilities with the log-sum-exp trick (subtract each row's maximum "
        "first, so exp never overflows), then pick each row's correct class, average and change the "
        "sign. Known mistakes: log of a softmax that underflowed, a softmax over the batch (dim 0) "
        "instead of the classes, logits used as if they were log-probabilities.",
        "Shapes: logits (N, C); row maxima (N, 1); log-probabilities (N, C), each row's exps summing "
        "to 1; the picked values (N,); the answer 0-d.",
    ],
    "sgd_momentum_step": [
        "Look back at the section on optimisers: momentum keeps a running velocity of the gradients, "
        "and the parameter moves along the velocity.",
        "First the new velocity (momentum times the old one, plus the gradient), then the new parameter "
        "(the old one minus lr times the NEW velocity), both as new tensors. Known mistakes: lr inside "
        "the velocity, moving along the old velocity, changing param in place.",
        "All four tensors have the same shape; lr and momentum are floats. Return a tuple (parameter, "
        "velocity), in that order.",
    ],
    "train_step": [
        "Look back at the section on the training loop: five steps, always in the same order.",
        "Clear the old gradients with the optimizer, compute the loss of the model's output against y, "
        "back-propagate, let the optimizer step, and return the loss as a Python number. Known "
        "mistakes: no zero_grad (the grader starts with junk gradients), returning the tensor itself.",
        "loss_fn(model(x), y) is a 0-d tensor; .item() turns it into a float and lets its graph go.",
    ],
    "train_one_epoch": [
        "Look back at the sections on the training loop and on the running loss: a per-example mean "
        "weights every batch by its size.",
        "Put the model in training mode; for each (x, y) from the loader, move both to device, do one "
        "training step, and add the batch's mean loss times its size to a total, counting examples. "
        "Known mistakes: averaging the batch means (the last batch is short), .item() missing, "
        "batches left on the CPU.",
        "Return total / examples, a float. A loader of 13 examples in batches of 4 gives batches of "
        "4, 4, 4 and 1: the last one counts a quarter as much as the others.",
    ],
    "evaluate": [
        "Look back at the section on measuring accuracy: eval mode switches dropout off, and "
        "torch.no_grad() stops autograd from recording.",
        "Switch the model to eval mode, loop over the loader inside torch.no_grad(), count the "
        "predictions (argmax over the classes) equal to the labels, switch back to training mode, and "
        "return the share of correct predictions. Known mistakes: no eval(), no no_grad(), not "
        "switching back, argmax over the wrong dimension.",
        "The model's output is (B, C) per batch; argmax over dimension 1 gives (B,) class indices; "
        "comparing with y gives (B,) booleans whose sum (.item()) is the batch's correct count.",
    ],
    "fit": [
        "Look back at the section on epochs: one epoch is one pass over the loader, and fit repeats it.",
        "Loop epochs times; in each, run a whole training epoch (the loop of train_one_epoch), and keep "
        "its per-example mean loss in a list. Known mistakes: returning only the last epoch's loss, "
        "appending after the loop instead of inside it.",
        "With epochs = 3 the answer is a list of three floats, usually decreasing. A progress bar "
        "(progress(range(epochs), 'epochs')) shows how long is left.",
    ],
    "capstone": [
        "Look back at Sections 5 to 8 (epochs and mini-batches, accuracy, watching training, a GPU): "
        "your exercises already hold every piece (a model, a loss, an optimizer, fit and evaluate).",
        "A small convolutional network, like the one timed in Section 8 with some dropout before its "
        "last layer, CrossEntropyLoss and Adam with a learning rate of 1e-3 to 3e-3 is plenty. Count "
        "steps rather than epochs: on the stand-in, use all 10 epochs; on the real MNIST one epoch is "
        "already many steps. Watch the validation accuracy with evaluate, and stay within the budget "
        "(10 epochs, 30 seconds).",
        "The grader calls your model on (N, 1, 28, 28) images normalised like the notebook's "
        "(values in [-1, 1]) and takes argmax over the 10 scores; make sure model is the trained "
        "network, in any mode (the grader switches it to eval itself).",
    ],
}


# --- the known mistakes, written out so that a wrong answer can be recognised ----------------


NOT_ON_CALLERS_TENSOR = "Leave `param` as it was: compute the new values out of place (no `-=`)."

KNOWN_MISTAKES: dict[str, list[KnownMistake]] = {
    "nll_loss": [
        KnownMistake("The loss is the NEGATIVE mean log-probability of the correct classes: change the sign."),
        KnownMistake("Average over the batch (`.mean()`), not sum: the loss must not grow with the batch size."),
        KnownMistake("`log_probs[:, labels]` picks every label's column for every row: index the rows "
                     "too, `log_probs[torch.arange(N), labels]`."),
    ],
    "cross_entropy": [
        KnownMistake("log(softmax(x)) is log(0) = −inf where softmax underflows: use the log-sum-exp "
                     "trick on the logits."),
        KnownMistake("Take the softmax over the classes (dim=1), row by row: over dim=0 it mixes "
                     "the examples of the batch."),
        KnownMistake("Logits are not log-probabilities: apply log-softmax before picking the correct class."),
    ],
    "sgd_momentum_step": [
        KnownMistake("PyTorch's SGD keeps lr out of the velocity: v = momentum·v + grad, then "
                     "param − lr·v."),
        KnownMistake("Move along the NEW velocity: update the velocity first, then the parameter."),
        KnownMistake(NOT_ON_CALLERS_TENSOR, changes_input=True),
    ],
    "train_step": [
        KnownMistake("Call `optimizer.zero_grad()` before `backward()`: gradients add up, so the old "
                     "ones (here junk the grader left) are added to the new ones."),
        KnownMistake("Return `loss.item()`, a Python float: the tensor keeps the whole graph of the "
                     "step in memory."),
    ],
    "train_one_epoch": [
        KnownMistake("Weight each batch's mean loss by its size (loss.item() * len(x)) and divide by "
                     "the number of examples: the short last batch must count less."),
        KnownMistake("Add `loss.item()`, not `loss`: a running total of tensors keeps every batch's "
                     "graph in memory."),
    ],
    "evaluate": [
        KnownMistake("Call `model.eval()` first: in training mode dropout is still switching units off."),
        KnownMistake("Put the model back in training mode (`model.train()`) before returning, so "
                     "training can go on after evaluating."),
        KnownMistake("Evaluate inside `torch.no_grad()`: without it every forward pass records a graph "
                     "that is never used."),
    ],
    "fit": [
        KnownMistake("Return the list of every epoch's loss, not only the last one."),
    ],
}
