"""Part 1 (Tensors): the visible checks, each with an answer worked out another way.

Most answers here are slow loops or built-ins, which the exercises forbid but a check may use.
"""

from __future__ import annotations

import torch

from .spec import Inputs, KnownMistake, VisibleCheck, randn


def _stack_columns(columns: list[torch.Tensor]) -> torch.Tensor:
    return torch.stack(columns, dim=1)


def _loop_standardize(x: torch.Tensor) -> torch.Tensor:
    return _stack_columns([(column - column.mean()) / column.std(correction=0) for column in x.T])


def _loop_distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.tensor([[float(torch.linalg.vector_norm(p - q)) for q in b] for p in a],
                        device=a.device)


def _loop_accuracy(scores: torch.Tensor, labels: torch.Tensor) -> float:
    right = sum(int(row.argmax()) == int(label) for row, label in zip(scores, labels))
    return right / len(labels)


def _loop_one_hot(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    rows = [[1.0 if column == int(label) else 0.0 for column in range(num_classes)] for label in labels]
    return torch.tensor(rows, device=labels.device).reshape(len(labels), num_classes)


def _loop_neuron(features: torch.Tensor, weights: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    totals = [sum(float(f) * float(w) for f, w in zip(row, weights.flatten())) for row in features]
    return torch.sigmoid(torch.tensor(totals, device=features.device) + bias.flatten()[0])


def _two_layers(x: torch.Tensor, w1: torch.Tensor, b1: torch.Tensor,
                w2: torch.Tensor, b2: torch.Tensor) -> torch.Tensor:
    linear = torch.nn.functional.linear
    return torch.sigmoid(linear(torch.sigmoid(linear(x, w1.T, b1)), w2.T, b2))


def _images(g: torch.Generator) -> Inputs:
    return (randn(g, 2, 3, 4, 5),)


def _labels_and_scores(g: torch.Generator) -> Inputs:
    return randn(g, 12, 4), torch.randint(0, 4, (12,), generator=g)


CHECKS: dict[str, VisibleCheck] = {name: VisibleCheck(*entry) for name, entry in {
    "sigmoid": (lambda g: (randn(g, 3, 4) * 3,), torch.sigmoid, 1e-5),
    "relu": (lambda g: (randn(g, 4, 5),), lambda x: torch.where(x > 0, x, 0.0), 0.0),
    "flatten_batch": (_images, lambda images: torch.stack([image.reshape(-1) for image in images]), 0.0),
    "channels_last": (_images, lambda images: torch.stack(list(images.unbind(1)), dim=-1), 0.0),
    "standardize": (lambda g: (randn(g, 10, 3) * 4 + 2,), _loop_standardize, 1e-4),
    "pairwise_distances": (lambda g: (randn(g, 4, 3), randn(g, 5, 3) + 1), _loop_distances, 1e-4),
    "accuracy": (_labels_and_scores, _loop_accuracy, 1e-6),
    "one_hot": (lambda g: (torch.tensor([2, 0, 1, 2]), 5), _loop_one_hot, 0.0),
    "neuron_sum": (lambda g: (randn(g, 6, 3), randn(g, 3), randn(g)), _loop_neuron, 1e-5),
    "neuron_matmul": (lambda g: (randn(g, 6, 3), randn(g, 3, 1), randn(g, 1)),
                      lambda f, w, b: _loop_neuron(f, w, b).reshape(-1, 1), 1e-5),
    "two_layer_forward": (lambda g: (randn(g, 5, 4), randn(g, 4, 3), randn(g, 3),
                                     randn(g, 3, 2), randn(g, 2)), _two_layers, 1e-5),
}.items()}


# Hints a learner asks for with `hint(name, level)`, from a nudge (1) to the most specific (3).
# None of them holds a line of the solution: tests/test_hints.py checks that.
HINTS: dict[str, list[str]] = {
    "sigmoid": [
        "Look back at Section 3 (Elementwise math): arithmetic operators and torch.exp act on every "
        "element at once, so the formula needs no loop.",
        "Translate 1 / (1 + e^(-x)) symbol by symbol, with torch.exp for e. Watch the sign in the "
        "exponent: exp of x instead of exp of -x gives 1 - sigmoid(x), the classic slip.",
        "Build it from the inside out: negate x, exponentiate, add 1, take the reciprocal; each "
        "intermediate has the shape of x. Very negative inputs make the exponential overflow to inf, "
        "which is harmless: 1 / inf is 0.",
    ],
    "relu": [
        "Look back at Section 4 (Indexing, slicing and boolean masks): a comparison gives a bool mask, "
        "and assigning through a mask changes only the selected elements.",
        "Clone x first, then write 0 into the negative elements of the clone through a mask. The usual "
        "mistake is to assign through the mask on x itself: the values look right, but the caller's "
        "tensor is changed, and the hidden tests check that.",
        "Two steps: an independent copy with the shape of x, then a bool mask of that copy (true where "
        "an element is below zero) on the left of an assignment of 0. Return the copy, never x.",
    ],
    "flatten_batch": [
        "Look back at Section 5 (Changing the shape): reshape and view read elements in row-major order "
        "and let one size be -1.",
        "Keep the batch dimension and merge the other three into one with reshape. Two known mistakes: "
        "flatten() with no arguments merges the batch dimension too, and a hard-coded 784 only fits one "
        "image size.",
        "The result has shape (N, C*H*W): pass N, read from images.shape (its first entry), as the first "
        "size and -1 as the second, so PyTorch works out C*H*W for you.",
    ],
    "channels_last": [
        "Look back at Section 5 (permute and transpose) and Section 6 (strides): you must move axes, not "
        "just change the shape.",
        "Use permute, listing the old dimension numbers in the order you want them. Do not use view or "
        "reshape to get (N, H, W, C): the shape comes out right but the pixels are scrambled, because "
        "those only re-cut the memory order.",
        "In the input, N is dimension 0, C is 1, H is 2 and W is 3. The new order N, H, W, C is "
        "therefore old dimensions 0, 2, 3, 1, given to permute as four integers; the non-contiguous "
        "view it returns is fine.",
    ],
    "standardize": [
        "Look back at Section 7 (Broadcasting) and Section 9 (Reductions along a dimension): compute one "
        "statistic per column, then combine it with the whole matrix.",
        "Reduce over dim=0, down the rows, to get one mean and one standard deviation per column, and "
        "ask std for the population version with correction=0. The two usual mistakes are reducing over "
        "dim=1 (per row, not per column) and the default std, which divides by N - 1.",
        "x is (N, D); the column means and the column standard deviations are each (D,), which "
        "broadcasts against (N, D) from the right. The answer is (x minus the means) divided by the "
        "standard deviations, shape (N, D), computed out of place so that x is unchanged.",
    ],
    "pairwise_distances": [
        "Look back at Section 7 (Broadcasting): size-1 dimensions let every row of a meet every row of b "
        "without a loop.",
        "Give a a new middle dimension and b a new first dimension (index with None, or unsqueeze), "
        "subtract, then reduce over the feature dimension. The known mistake is stopping at the sum of "
        "squares: a distance needs the square root at the end.",
        "Shapes: a as (N, 1, D) minus b as (1, M, D) gives (N, M, D); squaring and summing over the last "
        "dimension gives (N, M) squared distances; the square root of that, still (N, M), is the answer.",
    ],
    "accuracy": [
        "Look back at Section 10 (Finding the largest values): argmax tells you which class each row "
        "scores highest.",
        "Take argmax over the class dimension, dim=1, compare with labels and average. Known mistakes: "
        "argmax over dim=0 (across the batch), and returning a tensor where a Python float is asked for.",
        "Shapes and types: scores (N, C) -> predicted classes (N,) int64 -> comparison with labels (N,) "
        "bool -> .float() (N,) -> mean, a 0-d tensor -> .item(), a Python float between 0 and 1.",
    ],
    "one_hot": [
        "Look back at Section 11 (Picking elements with index tensors): two index tensors of the same "
        "length pick one element per row, and you can assign through them.",
        "Start from a float32 zero matrix created on labels.device, then write 1 at row i, column "
        "labels[i], for all i in one indexed assignment. Known mistakes: F.one_hot returns int64, and "
        "sizing the columns from the largest label gives too few when high classes are missing.",
        "The zeros have shape (N, num_classes), with N = len(labels). The row indices are 0, 1, ..., "
        "N - 1 (an arange made on the labels' device) and the column indices are the labels themselves, "
        "both of shape (N,).",
    ],
    "neuron_sum": [
        "Look back at Section 12 (Matrix products, and a tiny neural network) and Section 7 "
        "(Broadcasting): a weighted sum is an elementwise product followed by a sum.",
        "Multiply features by weights with * (the weights broadcast over every row), sum over dim=1, add "
        "the bias, then apply torch.sigmoid. The known mistake is a sum() without dim, which adds up the "
        "whole batch into a single number.",
        "Shapes: features (N, D) times weights (D,) gives (N, D); summing over the feature dimension "
        "gives (N,); the 0-d bias broadcasts to (N,); the sigmoid keeps (N,).",
    ],
    "neuron_matmul": [
        "Look back at Section 12 (Matrix products): @ multiplies an (N, D) matrix by a (D, 1) column.",
        "Take the matrix product of features and weights, add the bias, then apply torch.sigmoid. The "
        "known mistake is forgetting the bias: every shape still works, so only the values are wrong.",
        "Shapes: (N, D) @ (D, 1) gives (N, 1); adding the (1,) bias broadcasts to (N, 1); the sigmoid "
        "keeps (N, 1). Do not squeeze: the output must stay (N, 1).",
    ],
    "two_layer_forward": [
        "Look back at Section 12: this is neuron_matmul done twice, the first layer's output becoming "
        "the second layer's input.",
        "Hidden layer: matrix product with w1, plus b1, then torch.sigmoid; output layer: the same with "
        "w2 and b2, applied to the hidden values. The known mistake is leaving out the hidden layer's "
        "sigmoid, which collapses the two layers into one linear map.",
        "Shapes: x (N, D) @ w1 (D, H) -> (N, H), plus b1 (H,) -> (N, H), sigmoid -> hidden (N, H); "
        "hidden @ w2 (H, K) -> (N, K), plus b2 (K,) -> (N, K), sigmoid -> output (N, K).",
    ],
}


# The mistakes learners make most often, in the order of autograder/variants/part01_tensors.py.
KNOWN_MISTAKES: dict[str, list[KnownMistake]] = {
    "sigmoid": [KnownMistake(
        "These are the values of 1 / (1 + e^x): the minus sign in e^(−x) is missing.",
        answer=lambda x: 1 / (1 + torch.exp(x)))],
    "relu": [KnownMistake(
        "Assigning through a mask writes into the caller's tensor: make the change on a clone.",
        changes_input=True)],
    "flatten_batch": [
        KnownMistake("`flatten()` with no arguments flattens the batch dimension too: keep "
                     "dimension 0 (`start_dim=1`, or `reshape(len(images), -1)`).",
                     answer=lambda images: images.flatten()),
        KnownMistake("A size written into the code, such as 784, fits only 28 × 28 images: let "
                     "`-1` or the input's own shape work it out.",
                     raised="is invalid for input of size")],
    "channels_last": [KnownMistake(
        "`view` or `reshape` to (N, H, W, C) keeps the numbers in memory order, which scrambles "
        "the pixels: move the channel axis with `permute`.",
        answer=lambda images: images.reshape(images.shape[0], *images.shape[2:], images.shape[1]))],
    "standardize": [
        KnownMistake("These are the values you get with statistics over each row (dim=1); each "
                     "column needs its own mean and standard deviation (dim=0).",
                     answer=lambda x: (x - x.mean(1, keepdim=True)) / x.std(1, correction=0, keepdim=True)),
        KnownMistake("These are the values the sample standard deviation (dividing by N − 1) "
                     "gives; the exercise asks for the population one (dividing by N).",
                     answer=lambda x: (x - x.mean(0)) / x.std(0, correction=1))],
    "pairwise_distances": [KnownMistake(
        "These are the squared distances: the square root is missing.",
        answer=lambda a, b: ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))],
    "accuracy": [
        KnownMistake("`mean()` cannot average booleans: turn the matches into numbers first "
                     "(`.float()`).", raised="could not infer output dtype"),
        KnownMistake("A one-element tensor is not a Python number: return its `.item()`.",
                     answer=lambda scores, labels: (scores.argmax(1) == labels).float().mean())],
    "one_hot": [
        KnownMistake("`F.one_hot` gives int64 values; the exercise asks for float32.",
                     answer=lambda labels, num_classes: torch.nn.functional.one_hot(labels, num_classes)),
        KnownMistake("The number of classes was taken from the labels (`labels.max() + 1`), which "
                     "is too few when the highest class is absent: use `num_classes`.",
                     answer=lambda labels, num_classes: torch.nn.functional.one_hot(labels).float())],
    "neuron_sum": [KnownMistake(
        "`.sum()` without `dim` adds the whole batch into one number: sum each row (`dim=1`).",
        answer=lambda features, weights, bias: torch.sigmoid((features * weights).sum() + bias))],
    "neuron_matmul": [KnownMistake(
        "These are the values without the bias: add it before the sigmoid.",
        answer=lambda features, weights, bias: torch.sigmoid(features @ weights))],
    "two_layer_forward": [KnownMistake(
        "The hidden layer has no sigmoid: apply it before the second layer.",
        answer=lambda x, w1, b1, w2, b2: torch.sigmoid((x @ w1 + b1) @ w2 + b2))],
}
