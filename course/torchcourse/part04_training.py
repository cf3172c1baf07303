"""Part 4 (Training neural networks): the visible checks, their rules, hints and known mistakes.

What a correct answer gives on each check's inputs is not here: it was saved when the course was
released (see `torchcourse.checks`).
"""

from __future__ import annotations

import torch

from .grading import CLASSIFIER, TRAINING
from .modules import build_module, draw_weights, optimizer_settings
from .part03_neural_networks import LOG_SOFTMAX_CALLS
from .rules import Rules
from .spec import Inputs, KnownMistake, VisibleCheck, randn

NLL_LOSS = {"nll_loss": "`F.nll_loss` (or `nn.NLLLoss`)"}
CROSS_ENTROPY = {"cross_entropy": "`F.cross_entropy` (or `nn.CrossEntropyLoss`)"}
# What an optimiser's `step()` calls first, whatever the optimiser (a profiler mark; the older name too).
OPTIMIZER_STEP = {name: "`torch.optim` (an optimiser's `step()`)"
                  for name in ("_record_function_enter_new", "_record_function_enter")}


def _labels(g: torch.Generator, count: int, classes: int) -> torch.Tensor:
    return torch.randint(0, classes, (count,), generator=g)


def _log_probs(g: torch.Generator, count: int) -> Inputs:
    return torch.log_softmax(randn(g, count, 4), 1), _labels(g, count, 4)


def _setup(g: torch.Generator, eval_mode: bool, optimizer: str = "sgd") -> dict[str, object]:
    """A model with dropout, handed over in evaluation mode or in training mode, its optimiser
    (SGD with momentum, or Adam) and a loss, with junk left in every `.grad`."""
    layers: list[list[object]] = [["linear", 5, 8], ["relu"], ["dropout", 0.5], ["linear", 8, 3]]
    return {"model": {"layers": layers, "weights": draw_weights(build_module({"layers": layers}), g)},
            "optimizer": optimizer_settings(optimizer), "loss": "cross_entropy", "junk gradients": True, "eval mode": eval_mode}


def _loader(g: torch.Generator, as_list: bool = False) -> dict[str, object]:
    """13 examples in batches of 4, the last one short: a DataLoader, or a plain list of batches."""
    return {"inputs": randn(g, 13, 5), "targets": _labels(g, 13, 3), "batch_size": 4, "as list": as_list}


def _evaluation_inputs(g: torch.Generator) -> Inputs:
    """A model with dropout and a loader; whether the model is handed over in evaluation mode is
    drawn last (the two draws of the check get one of each: tests/test_part04_training.py)."""
    setup, loader = _setup(g, eval_mode=False), _loader(g)
    setup["eval mode"] = bool(torch.randint(0, 2, (), generator=g))
    return setup, "<model>", loader, "<device>"


def _logits(g: torch.Generator) -> Inputs:
    """Logits whose correct classes sit about 1000 below the rest, where softmax underflows."""
    x = 3 * randn(g, 4, 5)
    x[:, ::2] -= 1000
    return x, torch.tensor([0, 2, 4, 0])


CHECKS: dict[str, VisibleCheck] = {
    "nll_loss": VisibleCheck(lambda g: _log_probs(g, 6), 1e-5, rules=Rules(
        forbidden={**NLL_LOSS, **CROSS_ENTROPY},
        instead="pick the log-probabilities of the correct classes with index tensors.", no_loops=True),
        large=lambda g: _log_probs(g, 96)),
    "cross_entropy": VisibleCheck(_logits, 1e-4, rules=Rules(
        forbidden={**CROSS_ENTROPY, **LOG_SOFTMAX_CALLS, **NLL_LOSS},
        instead="subtract each row's maximum, then build the log-softmax from `torch.exp`, a sum and "
                "`torch.log`.")),
    "sgd_momentum_step": VisibleCheck(lambda g: (randn(g, 3), randn(g, 3), randn(g, 3), 0.1, 0.9), 1e-5,
                                      rules=Rules(forbidden=OPTIMIZER_STEP,
                                                  instead="write the two update formulas with tensor arithmetic.")),
    "train_step": VisibleCheck(lambda g: (_setup(g, eval_mode=True), "<model>", randn(g, 6, 5), _labels(g, 6, 3),
                                          "<loss>", "<optimizer>"), 1e-4, kind=TRAINING),
    "train_one_epoch": VisibleCheck(lambda g: (_setup(g, eval_mode=True, optimizer="adam"), "<model>",
                                               _loader(g, as_list=True), "<loss>", "<optimizer>", "<device>"),
                                    1e-4, kind=TRAINING),
    "evaluate": VisibleCheck(_evaluation_inputs, 1e-6, kind=TRAINING),
    "fit": VisibleCheck(lambda g: (_setup(g, eval_mode=True), "<model>", _loader(g), "<loss>", "<optimizer>", 2,
                                   "<device>"), 1e-4, kind=TRAINING),
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
        "You need one number per example: the entry in row i and column labels[i]. Part 1's "
        "integer-array indexing takes one element for every pair of a row index and a column index. "
        "Known mistakes: a positive sign, a sum instead of a mean, indexing every row with every label.",
        "log_probs is (N, C) and labels (N,); what you pick is (N,), and the loss is 0-d. The labels "
        "give the columns: which tensor gives the rows, and on which device must it be?",
    ],
    "cross_entropy": [
        "Look back at the section on CrossEntropyLoss: it is log-softmax followed by the negative "
        "log-likelihood, computed from raw scores (logits).",
        "The log-softmax of a row is each logit minus the log of the sum of the exps of the row. "
        "Subtracting the row's maximum first changes nothing in exact arithmetic, and keeps every exp "
        "at most 1. Known mistakes: log of a softmax that underflowed, a softmax over the batch (dim 0) "
        "instead of the classes, logits used as if they were log-probabilities.",
        "Shapes: logits (N, C); row maxima (N, 1), kept 2-d so that they broadcast; log-probabilities "
        "(N, C), whose exps add up to 1 in every row; the picked values (N,); the answer 0-d.",
    ],
    "sgd_momentum_step": [
        "Look back at the section on optimisers: momentum keeps a running velocity of the gradients, "
        "and the parameter moves along the velocity.",
        "Two lines of arithmetic, in the order of the formulas above: the velocity first, then the "
        "parameter with the velocity you just computed. Known mistakes: lr inside the velocity, moving "
        "along the old velocity, changing param in place.",
        "All four tensors have the same shape; lr and momentum are floats. Return a tuple (parameter, "
        "velocity), in that order, both new tensors.",
    ],
    "train_step": [
        "Look back at the section on the training loop: five steps, always in the same order.",
        "The optimizer clears the gradients and takes the step; autograd fills them in between. Known "
        "mistakes: no zero_grad (the grader starts with junk gradients), returning the tensor itself, "
        "switching the model's mode.",
        "The loss is a 0-d tensor attached to the graph of the step. Which method gives its value as a "
        "Python float, and lets the graph go?",
    ],
    "train_one_epoch": [
        "Look back at the sections on the training loop and on the running loss: a per-example mean "
        "weights every batch by its size.",
        "Training mode first, then one training step per batch. Keep two running totals: the loss "
        "weighted by the batch's size, and the number of examples. Known mistakes: averaging the batch "
        "means (the last batch is short), .item() missing, counting through loader.dataset, training "
        "a model that came in evaluation mode without switching it.",
        "Count the examples from the batches themselves: the loader may be a plain list, which has no "
        ".dataset, or drop its short last batch. 13 examples in batches of 4 give batches of 4, 4, 4 "
        "and 1: the last one counts a quarter as much as the others.",
    ],
    "evaluate": [
        "Look back at the section on measuring accuracy: eval mode switches dropout off, and "
        "torch.no_grad() stops autograd from recording.",
        "The model's `training` attribute says which mode it came in. Switch to eval mode, count the "
        "right predictions and the examples over every batch without gradients, give the model back in "
        "the mode it came in, and divide once. Known mistakes: no eval(), forcing train() at the end, "
        "no no_grad(), averaging per-batch accuracies, argmax over the wrong dimension.",
        "The model's output is (B, C) per batch; the predicted classes are (B,); comparing them with y "
        "gives (B,) booleans, and their sum is the batch's number of right predictions.",
    ],
    "fit": [
        "Look back at the section on epochs: one epoch is one pass over the loader, and fit repeats it.",
        "One entry per epoch: each epoch's mean loss per example, as train_one_epoch computes it, with "
        "the same optimizer throughout. Known mistakes: only the last epoch's loss, one loss per "
        "batch, a sum instead of a mean, a new optimizer each epoch, training in evaluation mode.",
        "With epochs = 3 the answer is a list of three floats, usually decreasing. A progress bar over "
        "the epochs (progress, as in Section 7) shows how long is left.",
    ],
    "capstone": [
        "Look back at Sections 5 to 8 (epochs and mini-batches, accuracy, watching training, a GPU): "
        "your exercises already hold every piece (a model, a loss, an optimizer, fit and evaluate).",
        "A small convolutional network, like the one timed in Section 8 with some dropout before its "
        "last layer, CrossEntropyLoss and Adam with a learning rate of 1e-3 to 3e-3 is plenty. Count "
        "steps rather than epochs: on the stand-in, use all 10 epochs; on the real MNIST one epoch is "
        "already many steps. Watch the validation accuracy with evaluate, and stay within the budget "
        "of 30 seconds.",
        "The grader calls your model on (N, 1, 28, 28) images normalised like the notebook's "
        "(values in [-1, 1]) and takes argmax over the 10 scores; make sure model is the trained "
        "network, in any mode (the grader switches it to eval itself).",
    ],
}


# --- the known mistakes, written out so that a wrong answer can be recognised ----------------


NOT_ON_CALLERS_TENSOR = "Leave `param` as it was: compute the new values out of place (no `-=`)."
HANDED_OVER_IN_EVAL_MODE = ("this model was handed over in evaluation mode, so dropout stayed off "
                            "while it trained.")

KNOWN_MISTAKES: dict[str, list[KnownMistake]] = {
    "nll_loss": [
        KnownMistake("The loss is the NEGATIVE mean log-probability of the correct classes: change the sign."),
        KnownMistake("Average over the batch (`.mean()`), not sum: the loss must not grow with the batch size."),
        KnownMistake("`log_probs[:, labels]` picks every label's column for every row: pick one "
                     "element per row, with an index tensor for the rows too."),
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
        KnownMistake("Leave the model's mode alone (no `model.train()` or `model.eval()` here): the "
                     "caller chooses it, and this model was handed over in evaluation mode."),
    ],
    "train_one_epoch": [
        KnownMistake("Weight each batch's mean loss by its size and divide by the number of examples: "
                     "the short last batch must count less."),
        KnownMistake("Add `loss.item()`, not `loss`: a running total of tensors keeps every batch's "
                     "graph in memory."),
        KnownMistake("Count the examples as the batches come: a loader can be a plain list of batches, "
                     "which has no `.dataset`, or a DataLoader with `drop_last=True`, which yields fewer "
                     "examples than `len(loader.dataset)`.", raised="object has no attribute 'dataset'"),
        KnownMistake(f"Call `model.train()` first: {HANDED_OVER_IN_EVAL_MODE}"),
    ],
    "evaluate": [
        KnownMistake("Call `model.eval()` first: in training mode dropout is still switching units off."),
        KnownMistake("Give the model back in the mode it came in, which `model.training` tells: this "
                     "one came in evaluation mode, and `model.train()` at the end switched it to "
                     "training mode."),
        KnownMistake("Give the model back in the mode it came in, which `model.training` tells: this "
                     "one came in training mode and was left in evaluation mode, so the training after "
                     "it would run without dropout."),
        KnownMistake("Evaluate inside `torch.no_grad()`: without it every forward pass records a graph "
                     "that is never used."),
        KnownMistake("Count the right predictions and the examples over all batches, and divide once "
                     "at the end: a mean of per-batch accuracies gives the short last batch as much "
                     "weight as a full one."),
    ],
    "fit": [
        KnownMistake("Return the list of every epoch's loss, not only the last one."),
        KnownMistake("Return one loss per epoch, the epoch's mean per example: this list holds one "
                     "loss per batch."),
        KnownMistake("Divide each epoch's total loss by the number of examples it saw: a sum of "
                     "batch losses grows with the number of batches."),
        KnownMistake("Use the optimiser you are given for every epoch: a new one forgets the state the "
                     "old one kept (the momentum, Adam's running averages), so from the second epoch "
                     "on every step goes elsewhere."),
        KnownMistake(f"Call `model.train()` before training: {HANDED_OVER_IN_EVAL_MODE}"),
    ],
}
