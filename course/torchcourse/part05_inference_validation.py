"""Part 5 (Inference and validation): the visible checks, their rules, hints and known mistakes.

What a correct answer gives on each check's inputs is not here: it was saved when the course was
released (see `torchcourse.checks`).
"""

from __future__ import annotations

import torch

from .grading import CLASSIFIER, SEEDED_SPLIT, TRAINING
from .part04_training import _labels, _loader, _setup
from .rules import Rules
from .spec import Inputs, KnownMistake, VisibleCheck, randn


def _seeds(g: torch.Generator) -> tuple[int, int]:
    """Two different seeds."""
    first, second = torch.randint(0, 2**31, (2,), generator=g).tolist()
    return first, second if second != first else first + 1


def _validation_inputs(g: torch.Generator) -> Inputs:
    """A model with dropout and a loader whose last batch is short; whether the model is handed
    over in evaluation mode is drawn last (the two draws of the check get one of each)."""
    setup, loader = _setup(g, eval_mode=False), _loader(g)
    setup["eval mode"] = bool(torch.randint(0, 2, (), generator=g))
    return setup, "<model>", loader, "<loss>", "<device>"


def _bouncing_curve(g: torch.Generator) -> list[float]:
    """Eleven validation losses: down to a best, up, back down a little (better than the epoch
    before, not than the best), level with the best, then the same again."""
    falls = (torch.randint(1, 4, (4,), generator=g) * 0.05).tolist()
    best = round(1.5 - sum(falls), 2)
    after = [round(best + step, 2) for step in (0.1, 0.05, 0, 0.1, 0.05, 0.1, 0.05)]
    return [round(1.5 - sum(falls[:i]), 2) for i in range(1, 5)] + after


def _confusion(g: torch.Generator) -> Inputs:
    """A 4x4 confusion matrix in which class 2 has no examples."""
    matrix = torch.randint(0, 10, (4, 4), generator=g)
    matrix[2] = 0
    return (matrix,)


CHECKS: dict[str, VisibleCheck] = {
    "train_val_split": VisibleCheck(lambda g: (20, 5, *_seeds(g)), 0, kind=SEEDED_SPLIT),
    "topk_probabilities": VisibleCheck(lambda g: (3 * randn(g, 4, 6), 3), 1e-5),
    "topk_accuracy": VisibleCheck(lambda g: (3 * randn(g, 6, 5), _labels(g, 6, 5), 2), 1e-6,
                                  rules=Rules(no_loops=True),
                                  large=lambda g: (3 * randn(g, 64, 5), _labels(g, 64, 5), 2)),
    "validate": VisibleCheck(_validation_inputs, 1e-5, kind=TRAINING, atol=1e-6),
    "early_stopping_epoch": VisibleCheck(lambda g: (_bouncing_curve(g), 3), 0),
    "fit_with_early_stopping": VisibleCheck(lambda g: (_setup(g, eval_mode=True), "<model>", _loader(g),
                                                       _loader(g, as_list=True), "<loss>", "<optimizer>", 5, 1,
                                                       "<device>"), 1e-4, kind=TRAINING, atol=1e-5),
    "confusion_matrix": VisibleCheck(lambda g: (_labels(g, 10, 4), _labels(g, 10, 4), 4), 0,
                                     rules=Rules(no_loops=True),
                                     large=lambda g: (_labels(g, 200, 16), _labels(g, 200, 16), 16)),
    "per_class_accuracy": VisibleCheck(_confusion, 1e-6),
    # Only the contract: a batch of images in, one row of class scores per image out (pass mark 0).
    # The grade comes from held-out images the notebook never sees.
    "fashion_capstone": VisibleCheck(lambda g: (2 * torch.rand(6, 1, 28, 28, generator=g) - 1, 10, 0.0), 0,
                                     kind=CLASSIFIER),
}


# Hints a learner asks for with `hint(name, level)`, from a nudge (1) to the most specific (3).
# None of them holds a line of the solution: tests/test_hints.py checks that.
HINTS: dict[str, list[str]] = {
    "train_val_split": [
        "Look back at the section on the validation split: one random order of all the indices, cut "
        "in two, gives two parts that never overlap.",
        "Make a generator of your own and seed it, then ask for a random permutation drawn from it. "
        "Known mistakes: torch.manual_seed (it resets everyone's random numbers), two separate "
        "draws for the two parts (they overlap), a fixed seed instead of `seed`.",
        "The permutation holds n int64 indices. Which val_size of them go to validation is up to you, "
        "as long as the rest go to training and the same seed always picks the same ones.",
    ],
    "topk_probabilities": [
        "Look back at the section on inference: the model gives logits; softmax turns each row into "
        "probabilities, and topk picks the largest.",
        "Probabilities first, over the classes of each row, then the k largest of every row with "
        "their positions. Known mistakes: topk of the logits themselves, softmax over the batch "
        "(dim 0), the two results returned in the wrong order.",
        "topk returns the values and the indices, each (N, k), largest first. The indices are the "
        "classes, already int64.",
    ],
    "topk_accuracy": [
        "Look back at the section on top-k: an example counts as right when its label is anywhere "
        "among its k highest scores.",
        "Compare the (N, k) table of top classes with the labels, turned into a column so that each "
        "row is compared with its own label; then ask, row by row, whether any entry matched. Known "
        "mistakes: a mean over all N×k comparisons, comparing (N, k) with (N,) directly.",
        "The answer is the number of rows with a match divided by N, as a Python float. An (N, 1) "
        "tensor broadcasts against every row of the (N, k) one.",
    ],
    "validate": [
        "Look back at the section on the validation pass: evaluation mode, no gradients, counts per "
        "example, and the model given back as it came.",
        "Remember the mode from `model.training`; switch to evaluation mode; loop over the batches "
        "without gradients, adding each batch's loss times its size, its right predictions and its "
        "size; restore the mode; divide both totals by the number of examples once. Known mistakes: "
        "no eval(), forcing train() at the end, no no_grad(), means of per-batch means.",
        "loss_fn gives the batch's MEAN loss: multiply by the batch size before adding. The last batch "
        "may be short. Return two Python floats: (loss, accuracy).",
    ],
    "early_stopping_epoch": [
        "Look back at the section on early stopping: training stops once `patience` epochs in a row "
        "have brought no new best.",
        "Walk through the losses once, keeping the epoch of the best loss so far. A new best must be "
        "strictly lower than every loss before it. Stop as soon as the current epoch is `patience` "
        "epochs after that best epoch. Known mistakes: comparing with the previous epoch rather than "
        "the best so far, counting a tie as a new best, returning the best epoch itself.",
        "If the loop ends without stopping, training ran to the end: return the last epoch's index. "
        "Try the worked example by hand first.",
    ],
    "fit_with_early_stopping": [
        "Look back at the sections on early stopping and on keeping the best weights: train an "
        "epoch, validate, remember the best, stop when patience runs out.",
        "Each epoch: one epoch of training as in Part 4, then the validation loss as in validate. "
        "When it is a new best (strictly lower), note the epoch and keep a COPY of the weights. "
        "After the loop, load that copy back. Known mistakes: the last weights kept, a state_dict "
        "that is not a copy, validation in training mode, no stopping at all.",
        "The stopping rule is early_stopping_epoch's: stop right after the epoch that is `patience` "
        "epochs after the best one. Return (the list of validation losses so far, the best epoch).",
    ],
    "confusion_matrix": [
        "Look back at the section on the confusion matrix: row i counts the examples of true class "
        "i, column j the ones predicted as j.",
        "Give every pair (true, predicted) one number of its own, count how often each number occurs "
        "with torch.bincount, then reshape the counts into C rows of C. Known mistakes: rows and "
        "columns swapped, counts missing for classes that never occur.",
        "There are C×C possible pairs: bincount's `minlength` makes sure every one gets a count, even "
        "when the highest classes never appear.",
    ],
    "per_class_accuracy": [
        "Look back at the section on per-class accuracy: each true class is one row of the confusion "
        "matrix.",
        "A class's right predictions sit on the diagonal; all its examples are its row. Known "
        "mistakes: dividing by the columns (that is precision), and 0 instead of NaN for a class "
        "with no examples.",
        "Dividing an int64 tensor by another with `/` gives float32, and 0 / 0 gives NaN, which is "
        "what an empty row should give.",
    ],
    "fashion_capstone": [
        "Look back at the sections on training with both curves and on early stopping: your "
        "exercises already hold every piece.",
        "A small convolutional network with some dropout before its last layer, CrossEntropyLoss "
        "and Adam with a learning rate of about 1e-3 to 3e-3 is plenty. Watch the validation loss; "
        "stop when it turns up, and stay within the budget of 30 seconds.",
        "The grader calls your model on (N, 1, 28, 28) images normalised like the notebook's "
        "(values in [-1, 1]) and takes argmax over the 10 scores; make sure the function returns "
        "the trained network, in any mode (the grader switches it to eval itself).",
    ],
}


# --- the known mistakes, written out so that a wrong answer can be recognised ----------------

PER_BATCH_MEANS = ("Count per example: add each batch's loss times its size and its number of right "
                   "predictions, and divide once at the end; a mean of per-batch means gives the "
                   "short last batch as much weight as a full one.")

KNOWN_MISTAKES: dict[str, list[KnownMistake]] = {
    "train_val_split": [],  # judged on its properties, each of which says what is wrong
    "topk_probabilities": [
        KnownMistake("Apply softmax before topk: these are the largest logits, not probabilities."),
        KnownMistake("Take the softmax over the classes (dim=1), row by row: over dim=0 it mixes the "
                     "examples of the batch."),
        KnownMistake("Return (probabilities, classes), in that order."),
    ],
    "topk_accuracy": [
        KnownMistake("Count each example once, right when any of its k top classes matches: a mean "
                     "over all N×k comparisons divides the accuracy by k."),
        KnownMistake("Compare each row of top classes with its own label, `labels[:, None]` (N, 1): "
                     "an (N, k) tensor compared with an (N,) one broadcasts across the rows.",
                     raised="must match the size"),
    ],
    "validate": [
        KnownMistake("Call `model.eval()` first: in training mode dropout is still switching units off."),
        KnownMistake("Give the model back in the mode it came in, which `model.training` tells: this "
                     "one came in evaluation mode, and `model.train()` at the end switched it to "
                     "training mode."),
        KnownMistake("Give the model back in the mode it came in, which `model.training` tells: this "
                     "one came in training mode and was left in evaluation mode."),
        KnownMistake("Validate inside `torch.no_grad()`: without it every forward pass records a graph "
                     "that is never used."),
        KnownMistake(PER_BATCH_MEANS),
        KnownMistake(PER_BATCH_MEANS),  # the accuracy alone averaged per batch
    ],
    "early_stopping_epoch": [
        KnownMistake("Compare each loss with the BEST loss so far, not with the epoch before: a loss "
                     "that improves on the previous epoch but not on the best is no progress."),
        KnownMistake("A new best must be strictly lower: a loss equal to the best so far is no "
                     "improvement, so the patience count goes on."),
        KnownMistake("Return the epoch at which training stops, not the best epoch."),
    ],
    "fit_with_early_stopping": [
        KnownMistake("Leave the model holding the BEST epoch's weights: keep a copy "
                     "(`copy.deepcopy(model.state_dict())`) at each new best and load it back at the "
                     "end. `model.state_dict()` on its own holds the live tensors, which training "
                     "goes on changing."),
        KnownMistake("Measure the validation loss in evaluation mode (and under `torch.no_grad()`): "
                     "with dropout still on, every validation loss is noisier and higher."),
        KnownMistake("Stop once `patience` epochs in a row have brought no new best: this ran all "
                     "max_epochs."),
    ],
    "confusion_matrix": [
        KnownMistake("Rows are the TRUE classes, columns the predicted ones: this matrix is transposed."),
        KnownMistake("Count all C×C pairs, even those that never occur: `torch.bincount(..., "
                     "minlength=...)` gives every value a count, so the reshape always fits.",
                     raised="is invalid for input of size"),
    ],
    "per_class_accuracy": [
        KnownMistake("Divide by each ROW's total (the examples of that true class): dividing by the "
                     "column totals gives precision, the share of each predicted class that was right."),
        KnownMistake("A class with no examples has no accuracy: give NaN (0 / 0), not 0, so that it "
                     "cannot pass for a class the model always gets wrong."),
    ],
}
