"""Part 1 (Tensors): the visible checks, their rules, hints and known mistakes.

What a correct answer gives on each check's inputs is not here: it was saved when the course was
released (see `torchcourse.checks`).
"""

from __future__ import annotations

import torch

from .rules import Rules
from .spec import Inputs, KnownMistake, VisibleCheck, randn

NO_LOOPS = Rules(no_loops=True)
# The calls that multiply matrices, by name, and how a learner writes them.
MATRIX_PRODUCTS = {"matmul": "`@` or `torch.matmul`", "mm": "`torch.mm`", "addmm": "`torch.addmm`",
                   "mv": "`torch.mv`", "bmm": "`torch.bmm`", "baddbmm": "`torch.baddbmm`",
                   "dot": "`torch.dot`", "einsum": "`torch.einsum`", "linear": "`F.linear`",
                   "tensordot": "`torch.tensordot`", "inner": "`torch.inner`"}


def _images(g: torch.Generator) -> Inputs:
    return (randn(g, 2, 3, 4, 5),)


def _labels_and_scores(g: torch.Generator) -> Inputs:
    return randn(g, 12, 4), torch.randint(0, 4, (12,), generator=g)


def _uses_a_matrix_product(instead: str) -> Rules:
    return Rules(no_loops=True, required=tuple(MATRIX_PRODUCTS),
                 required_reason=f"it never multiplies matrices: {instead}")


CHECKS: dict[str, VisibleCheck] = {
    "sigmoid": VisibleCheck(lambda g: (randn(g, 3, 4) * 3,), 1e-5, rules=Rules(
        forbidden={"sigmoid": "`torch.sigmoid` (or `x.sigmoid()`, `F.sigmoid`)",
                   "special_expit": "`torch.special.expit`"},
        instead="build the formula from `torch.exp` and arithmetic.", no_loops=True),
        large=lambda g: (randn(g, 64, 8),)),
    "relu": VisibleCheck(lambda g: (randn(g, 4, 5),), 0.0, rules=Rules(
        forbidden={"relu": "`torch.relu` (or `F.relu`, `nn.ReLU`)", "clamp": "`torch.clamp`",
                   "clamp_min": "`torch.clamp_min`", "where": "`torch.where`"},
        instead="copy `x` and write 0 through a boolean mask.", no_loops=True),
        large=lambda g: (randn(g, 64, 8),)),
    "flatten_batch": VisibleCheck(_images, 0.0, rules=NO_LOOPS, large=lambda g: (randn(g, 48, 3, 4, 5),)),
    "channels_last": VisibleCheck(_images, 0.0, rules=NO_LOOPS, large=lambda g: (randn(g, 48, 3, 4, 5),)),
    "standardize": VisibleCheck(lambda g: (randn(g, 10, 3) * 4 + 2,), 1e-4, rules=NO_LOOPS,
                                large=lambda g: (randn(g, 64, 12) * 4 + 2,)),
    "pairwise_distances": VisibleCheck(lambda g: (randn(g, 4, 3), randn(g, 5, 3) + 1), 1e-4, rules=Rules(
        forbidden={"cdist": "`torch.cdist`"}, instead="broadcast the difference of every pair.",
        no_loops=True), large=lambda g: (randn(g, 40, 3), randn(g, 40, 3) + 1)),
    "accuracy": VisibleCheck(_labels_and_scores, 1e-6, rules=NO_LOOPS,
                             large=lambda g: (randn(g, 96, 4), torch.randint(0, 4, (96,), generator=g))),
    "one_hot": VisibleCheck(lambda g: (torch.tensor([2, 0, 1, 2]), 5), 0.0, rules=Rules(
        forbidden={"one_hot": "`F.one_hot`"},
        instead="start from zeros and write the ones with index tensors.", no_loops=True),
        large=lambda g: (torch.randint(0, 7, (96,), generator=g), 7)),
    "neuron_sum": VisibleCheck(lambda g: (randn(g, 6, 3), randn(g, 3), randn(g)), 1e-5, rules=Rules(
        forbidden={name: f"a matrix product ({spelled})" for name, spelled in MATRIX_PRODUCTS.items()},
        instead="multiply elementwise with `*` and sum each row.", no_loops=True),
        large=lambda g: (randn(g, 64, 3), randn(g, 3), randn(g))),
    "neuron_matmul": VisibleCheck(lambda g: (randn(g, 6, 3), randn(g, 3, 1), randn(g, 1)), 1e-5,
                                  rules=_uses_a_matrix_product("use `@` (or `torch.matmul`, `torch.mm`)."),
                                  large=lambda g: (randn(g, 64, 3), randn(g, 3, 1), randn(g, 1))),
    "two_layer_forward": VisibleCheck(lambda g: (randn(g, 5, 4), randn(g, 4, 3), randn(g, 3),
                                                 randn(g, 3, 2), randn(g, 2)), 1e-5,
                                      rules=_uses_a_matrix_product("each layer is a matrix product with "
                                                                   "its weights (`@`)."),
                                      large=lambda g: (randn(g, 128, 4), randn(g, 4, 3), randn(g, 3),
                                                       randn(g, 3, 2), randn(g, 2))),
}


# Hints a learner asks for with `hint(name, level)`, from a nudge (1) to the most specific (3).
# None of them holds a line of the solution: tests/test_hints.py checks that.
HINTS: dict[str, list[str]] = {
    "sigmoid": [
        "Look back at Section 3 (Elementwise math): arithmetic operators and torch.exp act on every "
        "element at once, so the formula needs no loop.",
        "Translate 1 / (1 + e^(-x)) symbol by symbol, with torch.exp for e. Watch the sign in the "
        "exponent: exp of x instead of exp of -x gives 1 - sigmoid(x), the classic slip.",
        "Test it on values whose answer you know: an input of 0 gives 0.5, large positive inputs give "
        "nearly 1 and large negative ones nearly 0. If you see the mirror image, look at the sign "
        "inside the exponential. An exponential that overflows to inf for very negative inputs is "
        "harmless, because 1 / inf is 0.",
    ],
    "relu": [
        "Look back at Section 4 (Indexing, slicing and boolean masks): a comparison gives a bool mask, "
        "and assigning through a mask changes only the selected elements.",
        "Clone x first, then write 0 into the negative elements of the clone through a mask. The usual "
        "mistake is to assign through the mask on x itself: the values look right, but the caller's "
        "tensor is changed, and the hidden tests check that.",
        "Test both things the exercise asks: make a small x with negative and positive values, call "
        "relu on it, then print the result and x itself. If x has changed, the assignment reached the "
        "caller's tensor: which tensor did you index, and does it share memory with x (the table in "
        "Section 7)? A mask has the shape of the tensor it indexes.",
    ],
    "flatten_batch": [
        "Look back at Section 5 (Changing the shape): reshape and view read elements in row-major order "
        "and let one size be -1.",
        "Keep the batch dimension and merge the other three into one with reshape. Two known mistakes: "
        "flatten() with no arguments merges the batch dimension too, and a hard-coded 784 only fits one "
        "image size.",
        "Write down the result's shape for one example first: a batch of shape (2, 3, 4, 5) must become "
        "(2, 60). Which of those two sizes can you read from images.shape, and which can reshape work "
        "out for itself? Then test two different image sizes, so that a size written into the code "
        "cannot go unnoticed.",
    ],
    "channels_last": [
        "Look back at Section 5 (permute and transpose) and Section 7 (strides): you must move axes, not "
        "just change the shape.",
        "Use permute, listing the old dimension numbers in the order you want them. Do not use view or "
        "reshape to get (N, H, W, C): the shape comes out right but the pixels are scrambled, because "
        "those only re-cut the memory order.",
        "permute asks, for each position of the result, which input dimension goes there. Write the "
        "input's dimensions down with their numbers, then read them off in the order the result "
        "needs. Check on a small arange batch that pixel [0, c, h, w] lands at [0, h, w, c]; the "
        "non-contiguous view permute returns is fine.",
    ],
    "standardize": [
        "Look back at Section 10 (Reductions along a dimension) and Section 8 (Broadcasting): compute "
        "one statistic per column, then combine it with the whole matrix.",
        "Reduce over dim=0, down the rows, to get one mean and one standard deviation per column, and "
        "ask std for the population version with correction=0. The two usual mistakes are reducing over "
        "dim=1 (per row, not per column) and the default std, which divides by N - 1.",
        "x is (N, D) and each statistic is (D,): when the two are broadcast together, does a (D,) "
        "tensor line up with the rows or with the columns? Section 8 says. Check your result: each of "
        "its columns should have a mean of about 0 and a population std of about 1, and x should print "
        "the same before and after the call.",
    ],
    "pairwise_distances": [
        "Look back at Section 8 (Broadcasting): size-1 dimensions let every row of a meet every row of b "
        "without a loop.",
        "Give a a new middle dimension and b a new first dimension (index with None, or unsqueeze), "
        "subtract, then reduce over the feature dimension. The known mistake is stopping at the sum of "
        "squares: a distance needs the square root at the end.",
        "Follow the shapes: the differences of all the pairs form an (N, M, D) tensor, and the answer "
        "is (N, M), so one dimension must go. Which one holds the coordinates? Check on one pair you can work out by "
        "hand: (0, 0) and (3, 4) are 5 apart, and 25 means a step is missing.",
    ],
    "accuracy": [
        "Look back at Section 11 (Finding the largest values): argmax tells you which class each row "
        "scores highest.",
        "Take argmax over the class dimension, dim=1, compare with labels and average. Known mistakes: "
        "argmax over dim=0 (across the batch), and returning a tensor where a Python float is asked for.",
        "On a small example, print the dtype and shape after each step: the predicted classes should be "
        "(N,), one per row, not (C,); the comparison with labels gives bool values, which mean does "
        "not accept. At the end, type() of your result should say float, not Tensor.",
    ],
    "one_hot": [
        "Look back at Section 12 (Picking elements with index tensors): two index tensors of the same "
        "length pick one element per row, and you can assign through them.",
        "Start from a float32 zero matrix created on labels.device, then write 1 at row i, column "
        "labels[i], for all i in one indexed assignment. Known mistakes: F.one_hot returns int64, and "
        "sizing the columns from the largest label gives too few when high classes are missing.",
        "The result is (N, num_classes), with N = len(labels). Two index tensors of shape (N,) pick "
        "one position in each row: one says which row, the other which column. You are given one of "
        "them; the other is a plain sequence of numbers that a creation function of Section 1 makes, "
        "on labels.device. Check that every row sums to 1, with num_classes columns even when the "
        "labels miss the highest classes.",
    ],
    "neuron_sum": [
        "Look back at Section 13 (Matrix products, and a tiny neural network) and Section 8 "
        "(Broadcasting): a weighted sum is an elementwise product followed by a sum.",
        "Multiply features by weights with * (the weights broadcast over every row), sum over dim=1, add "
        "the bias, then apply torch.sigmoid. The known mistake is a sum() without dim, which adds up the "
        "whole batch into a single number.",
        "Follow the shapes: features (N, D) times weights (D,) broadcasts to (N, D), and the answer is "
        "(N,), so one dimension must go: the one that holds the features. A 0-d bias broadcasts "
        "against anything. Check the output's shape for a batch of 1 and a batch of 5: a 0-d result "
        "means the whole batch was added up.",
    ],
    "neuron_matmul": [
        "Look back at Section 13 (Matrix products): @ multiplies an (N, D) matrix by a (D, 1) column.",
        "Take the matrix product of features and weights, add the bias, then apply torch.sigmoid. The "
        "known mistake is forgetting the bias: every shape still works, so only the values are wrong.",
        "The product (N, D) @ (D, 1) is (N, 1), and a (1,) bias broadcasts against it without changing "
        "the shape. The output must stay (N, 1), so do not squeeze. Check one case by hand: with "
        "all-zero features, every output is the sigmoid of the bias alone.",
    ],
    "two_layer_forward": [
        "Look back at Section 13: this is neuron_matmul done twice, the first layer's output becoming "
        "the second layer's input.",
        "Hidden layer: matrix product with w1, plus b1, then torch.sigmoid; output layer: the same with "
        "w2 and b2, applied to the hidden values. The known mistake is leaving out the hidden layer's "
        "sigmoid, which collapses the two layers into one linear map.",
        "Check the shapes as you go: the hidden values must have shape (N, H) and the output shape "
        "(N, K). If a product raises a size mismatch, print the shapes of both sides: the inner sizes must agree. "
        "Test with D, H and K all different (say 4, 3 and 2), so that a weight used in the wrong "
        "place fails loudly instead of quietly.",
    ],
}


# The mistakes learners make most often, in the order of autograder/variants/part01_tensors.py;
# each is written out in the grader's own package, which learners never get.
KNOWN_MISTAKES: dict[str, list[KnownMistake]] = {
    "sigmoid": [KnownMistake("These are the values of 1 / (1 + e^x): the minus sign in e^(−x) is missing.")],
    "relu": [KnownMistake("Assigning through a mask writes into the caller's tensor: make the change on a clone.",
                          changes_input=True)],
    "flatten_batch": [
        KnownMistake("`flatten()` with no arguments flattens the batch dimension too: keep "
                     "dimension 0 (`start_dim=1`, or `reshape(len(images), -1)`)."),
        KnownMistake("A size written into the code, such as 784, fits only 28 × 28 images: let "
                     "`-1` or the input's own shape work it out.",
                     raised="is invalid for input of size")],
    "channels_last": [KnownMistake(
        "`view` or `reshape` to (N, H, W, C) keeps the numbers in memory order, which scrambles "
        "the pixels: move the channel axis with `permute`.")],
    "standardize": [
        KnownMistake("These are the values you get with statistics over each row (dim=1); each "
                     "column needs its own mean and standard deviation (dim=0)."),
        KnownMistake("These are the values the sample standard deviation (dividing by N − 1) "
                     "gives; the exercise asks for the population one (dividing by N).")],
    "pairwise_distances": [KnownMistake("These are the squared distances: the square root is missing.")],
    "accuracy": [
        KnownMistake("`mean()` cannot average booleans: turn the matches into numbers first "
                     "(`.float()`).", raised="could not infer output dtype"),
        KnownMistake("A one-element tensor is not a Python number: return its `.item()`.")],
    "one_hot": [
        KnownMistake("`F.one_hot` gives int64 values; the exercise asks for float32."),
        KnownMistake("The number of classes was taken from the labels (`labels.max() + 1`), which "
                     "is too few when the highest class is absent: use `num_classes`.")],
    "neuron_sum": [KnownMistake(
        "`.sum()` without `dim` adds the whole batch into one number: sum each row (`dim=1`).")],
    "neuron_matmul": [KnownMistake("These are the values without the bias: add it before the sigmoid.")],
    "two_layer_forward": [KnownMistake("The hidden layer has no sigmoid: apply it before the second layer.")],
}
