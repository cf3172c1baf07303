"""Part 3 (Neural networks with torch.nn): the visible checks, their rules, hints and known mistakes.

What a correct answer gives on each check's inputs is not here: it was saved when the course was
released (see `torchcourse.checks`).
"""

from __future__ import annotations


import torch

from .grading import FUNCTION_OF_MODULE, MODULE_CLASS, MODULE_INITIALISER
from .spec import Inputs, KnownMistake, VisibleCheck, randn


def _logits(g: torch.Generator) -> Inputs:
    """Two batches of logits, (2, 4, 5): rows near +1000, near −1000, mixing both, and ordinary."""
    x = 3 * randn(g, 2, 4, 5)
    x[0, 0] += 1000
    x[0, 1] -= 1000
    x[1, 2, ::2] += 1000
    x[1, 2, 1::2] -= 1000
    return (x,)


def _conv_sizes(g: torch.Generator) -> Inputs:
    stride, dilation = (int(v) for v in torch.randint(2, 4, (2,), generator=g))
    return 29, 5, stride, 1, dilation


def _images(g: torch.Generator, count: int) -> torch.Tensor:
    return 2 * torch.rand(count, 1, 28, 28, generator=g) - 1


def _images_or_rows(g: torch.Generator, count: int) -> torch.Tensor:
    """A batch of images, (N, 1, 28, 28), or the same flattened, (N, 784), at random."""
    images = _images(g, count)
    return images.flatten(1) if torch.rand((), generator=g) < 0.5 else images


CHECKS: dict[str, VisibleCheck] = {
    "softmax": VisibleCheck(_logits, 1e-5),
    "log_softmax": VisibleCheck(_logits, 2e-4),
    "conv_output_size": VisibleCheck(_conv_sizes, 0),
    # A module class's inputs: how to build it and what to call it with; the weights are drawn
    # for the correct layout when the course is released.
    "MyLinear": VisibleCheck(lambda g: ([4, 3], [randn(g, 5, 4)]), 1e-5, kind=MODULE_CLASS),
    "Network": VisibleCheck(lambda g: ([], [_images_or_rows(g, 5)]), 1e-5, kind=MODULE_CLASS),
    "build_mlp": VisibleCheck(lambda g: ([[6, 5, 4, 3]], [randn(g, 3, 6)]), 1e-5, kind=MODULE_CLASS),
    "FCNetwork": VisibleCheck(lambda g: ([8, 3, [7, 6], 0.4], [randn(g, 4, 1, 2, 4)]), 1e-5, kind=MODULE_CLASS),
    "LeNet": VisibleCheck(lambda g: ([], [_images(g, 3)]), 1e-4, kind=MODULE_CLASS),
    "init_weights_": VisibleCheck(lambda g: ({"layers": [["conv2d", 16, 12, 5], ["relu"],
                                                         ["sequential", [["linear", 120, 80, False]]]]},),
                                  0.05, kind=MODULE_INITIALISER, atol=1e-6),
    "count_parameters": VisibleCheck(lambda g: ({"layers": [["linear", 10, 8], ["relu"], ["linear", 8, 4]],
                                                 "frozen": [0]},), 0, kind=FUNCTION_OF_MODULE),
}


# Hints a learner asks for with `hint(name, level)`, from a nudge (1) to the most specific (3).
# None of them holds a line of the solution: tests/test_hints.py checks that.
HINTS: dict[str, list[str]] = {
    "softmax": [
        "Look back at Section 9 (Softmax, without overflow): exp of each entry, divided by the sum of the exps of its "
        "row, and a shift that changes nothing mathematically but keeps exp from overflowing.",
        "Subtract each row's own largest entry (max along the last dimension, keeping that dimension) "
        "before taking exp; then divide by the sum along the last dimension, again keeping it. Known "
        "mistakes: summing over dim 0, no shift at all (exp(1000) is inf), and subtracting the maximum "
        "of the whole tensor.",
        "For x of shape (N, C): the row maxima are (N, 1), the shifted exps are (N, C) with a 1 in each "
        "row's largest place, and the row sums are (N, 1), at least 1, so nothing overflows and nothing "
        "is divided by zero.",
    ],
    "log_softmax": [
        "Look back at Section 10 (Log-softmax and the log-sum-exp trick).",
        "log softmax(x) = x − log Σ exp(x) along the last dimension; compute the log of the sum on "
        "shifted values (x minus the row maximum) so that exp never overflows, and never take the log "
        "of a softmax that may have underflowed to 0. Keep the summed dimension so rows line up.",
        "With m the (N, 1) row maxima and s = x − m (N, C), the answer is s minus the log of the (N, 1) "
        "row sums of exp(s). Every row sum is at least 1, so its log is finite and at least 0.",
    ],
    "conv_output_size": [
        "Look back at Section 15 (Output size of convolution and pooling): count how many positions a "
        "window can take along one dimension.",
        "Padding adds zeros on both sides; a dilated kernel of size k covers dilation·(k − 1) + 1 "
        "inputs; the window moves stride steps at a time, and a last partial step is dropped. Known "
        "mistakes: ignoring dilation, true division (a float), padding counted once.",
        "Positions available to the first input of a window: padded length minus the window's span, "
        "plus one. Divide the part after the first position by the stride with floor division // and "
        "add the first position back.",
    ],
    "MyLinear": [
        "Look back at Sections 2 and 3 (Parameters; nn.Linear and F.linear): tensors become parameters (seen by parameters(), "
        "state_dict() and optimisers) only when wrapped in nn.Parameter.",
        "In __init__, after super().__init__(), create weight with shape (out_features, in_features) "
        "and bias with shape (out_features,), both nn.Parameter, filled uniformly in ±1/sqrt(in). In "
        "forward, multiply x by the transposed weight and add the bias. Known mistakes: a weight shaped "
        "(in, out), plain tensors, a forgotten bias.",
        "x is (N, in); weight.T is (in, out); their product is (N, out), and the (out,) bias "
        "broadcasts over the N rows. torch.empty(shape) followed by .uniform_(-b, b) fills a tensor.",
    ],
    "Network": [
        "Look back at Sections 1 and 8 (a module's __init__ and forward; flattening a batch of images): "
        "layers are created in __init__ and used in forward.",
        "Create three nn.Linear layers named fc1, fc2 and fc3 (784 to 128, 128 to 64, 64 to 10). In "
        "forward, flatten everything but the batch dimension, then apply the layers with a ReLU after "
        "the first two. Known mistakes: no activations, a fixed batch size in view, a softmax at the end.",
        "Shapes: (N, 1, 28, 28) or (N, 784) flattens to (N, 784); then (N, 128), (N, 64), and (N, 10) "
        "logits. x.flatten(1) keeps dimension 0 and flattens the rest, whatever N is.",
    ],
    "build_mlp": [
        "Look back at Section 5 (Containers): nn.Sequential runs the modules it is given, in order.",
        "Pair each size with the next (zip of sizes without its last and without its first), make one "
        "nn.Linear per pair, put an nn.ReLU between consecutive layers but not after the last, and pass "
        "the modules to nn.Sequential as separate arguments.",
        "For sizes [a, b, c] the modules are Linear(a, b), ReLU(), Linear(b, c): three modules, indexed "
        "0, 1, 2, so the parameters are named 0.weight, 0.bias, 2.weight, 2.bias. Unpack a Python list "
        "of modules with a star.",
    ],
    "FCNetwork": [
        "Look back at Sections 5 and 13 (nn.ModuleList; dropout and train()/eval()): a list of layers must be a "
        "ModuleList to be registered, and dropout must follow train() and eval().",
        "Build one nn.Linear per consecutive pair of [input_size, *hidden_sizes] into an nn.ModuleList "
        "called hidden_layers, an nn.Linear called output, and an nn.Dropout(drop_p). In forward: for "
        "each hidden layer, the layer, ReLU, then dropout; finally output, with nothing after it.",
        "Shapes: (N, input_size), then (N, h1), (N, h2), ..., and (N, output_size) logits. nn.Dropout "
        "zeroes each value with probability p and scales the rest by 1/(1 − p) in training mode only.",
    ],
    "LeNet": [
        "Look back at Sections 15 and 16 (output sizes; LeNet-5), and use conv_output_size to follow "
        "the shapes through each layer.",
        "conv1: 1 to 6 channels, 5x5, padding 2; conv2: 6 to 16 channels, 5x5, no padding; max pooling "
        "2x2 after each convolution's ReLU; then flatten, and fc1, fc2, fc3 with ReLU after the first "
        "two. Known mistakes: forgetting conv1's padding (fc1 then has the wrong size), no ReLU, a fixed "
        "batch size.",
        "Shapes: (N, 1, 28, 28), conv1 (N, 6, 28, 28), pool (N, 6, 14, 14), conv2 (N, 16, 10, 10), "
        "pool (N, 16, 5, 5), flatten (N, 400), then (N, 120), (N, 84), (N, 10).",
    ],
    "init_weights_": [
        "Look back at Section 12 (Weight initialisation): nn.init functions fill a tensor in place.",
        "Visit every submodule (model.modules() includes nested ones); for each nn.Linear or nn.Conv2d, "
        "fill its weight with Xavier-uniform values and its bias with zeros. Known mistakes: skipping "
        "the convolutions, Xavier-normal instead of uniform, leaving the biases as they were.",
        "Xavier-uniform draws from U(−a, a) with a = sqrt(6 / (fan_in + fan_out)); for a convolution, "
        "fan_in = in_channels·kh·kw and fan_out = out_channels·kh·kw. nn.init has a function for it "
        "and one for zeros, both ending in an underscore.",
    ],
    "count_parameters": [
        "Look back at Section 4 (Looking inside a model): every parameter is a tensor, and requires_grad "
        "says whether training changes it.",
        "Add up the number of elements (numel()) of every parameter whose requires_grad is True. Known "
        "mistakes: counting frozen parameters too, and counting tensors instead of numbers.",
        "nn.Linear(10, 8) holds a (8, 10) weight and an (8,) bias: 88 numbers. Return a Python int "
        "(sum over a generator of ints gives one).",
    ],
}

_NOT_A_LIST = ("Layers kept in a plain Python list are invisible to PyTorch (not in parameters(), "
               "not moved by .to()): use nn.ModuleList.")
_LAST_DIMENSION = ("Use the last dimension (dim=-1): dim=1 is the last one only for 2-D inputs, and the "
                   "exercise's inputs have 1 to 3 dimensions.")
_FIXED_BATCH = ("Do not hard-code the batch size: flatten with `x.flatten(1)` or "
                "`x.view(x.shape[0], -1)`, which work for any batch.")


# --- the known mistakes, written out so that a wrong answer can be recognised ----------------


KNOWN_MISTAKES: dict[str, list[KnownMistake]] = {
    "softmax": [
        KnownMistake("Normalise along the last dimension: each row of a batch must sum to 1, not "
                     "each column."),
        KnownMistake("exp overflows to inf for large entries (exp(1000)), and inf / inf is nan: "
                     "subtract each row's maximum first, which does not change the softmax."),
        KnownMistake("Subtract each row's own maximum: with the maximum of the whole tensor, a row far "
                     "below it underflows to 0 / 0 = nan."),
        KnownMistake(_LAST_DIMENSION, raised="Dimension out of range"),
    ],
    "log_softmax": [
        KnownMistake("log(softmax(x)) is log(0) = −inf wherever softmax underflows: compute "
                     "x − max − log(sum(exp(x − max))) instead."),
        KnownMistake("exp overflows for large entries: subtract the row maximum before exp "
                     "(the log-sum-exp trick) and add it back after the log."),
        KnownMistake("Keep the summed dimension (`keepdim=True`) so that each row's total lines up "
                     "with its row when subtracted.", raised="must match the size of tensor"),
        KnownMistake(_LAST_DIMENSION, raised="Dimension out of range"),
    ],
    "conv_output_size": [
        KnownMistake("A dilated kernel of size k spans dilation·(k − 1) + 1 inputs: use that span, "
                     "not k."),
        KnownMistake("Use floor division `//`: a window that does not fit at the end is dropped, and "
                     "a length is a whole number."),
        KnownMistake("Padding is added on both sides: count it twice (2 · padding)."),
    ],
    "MyLinear": [
        KnownMistake("Store `weight` as (out_features, in_features), as nn.Linear does, and compute "
                     "`x @ weight.T + bias`.", raised="your `weight` has shape"),
        KnownMistake("A tensor kept as a plain attribute is invisible to PyTorch (not in parameters() "
                     "or state_dict()): wrap it in nn.Parameter.",
                     raised="your module's state_dict has nothing"),
        KnownMistake("Add the bias: y = x @ weight.T + bias."),
    ],
    "Network": [
        KnownMistake("Without activations, stacked linear layers collapse into one linear map: apply "
                     "ReLU after fc1 and after fc2."),
        KnownMistake(_FIXED_BATCH, raised="is invalid for input of size"),
        KnownMistake("Return the logits (fc3's output) without a softmax: the loss function "
                     "(nn.CrossEntropyLoss) applies it for you."),
        KnownMistake("The layer sizes are 784 → 128 → 64 → 10: fc1 = nn.Linear(784, 128), "
                     "fc2 = nn.Linear(128, 64), fc3 = nn.Linear(64, 10).",
                     raised="weight` has shape"),
    ],
    "build_mlp": [
        KnownMistake("No activation after the last layer: the network returns raw scores (logits)."),
        KnownMistake("nn.Sequential takes the layers as separate arguments: `nn.Sequential(*layers)`.",
                     raised="is not a Module subclass"),
    ],
    "FCNetwork": [
        KnownMistake(_NOT_A_LIST, raised="expected a parameter `hidden_layers.0.weight`"),
        KnownMistake("`F.dropout(x, p)` drops values in eval mode too: pass `training=self.training`, "
                     "or use an nn.Dropout layer, which follows train() and eval()."),
        KnownMistake("Apply dropout after each hidden layer's ReLU: in training mode your network "
                     "gives what it gives without dropout."),
        KnownMistake("No dropout after the output layer: it would zero logits at random."),
        KnownMistake("Flatten the input first, keeping the batch dimension (`x.flatten(1)`): a batch "
                     "of images (N, 1, H, W) must become (N, H·W) before the first linear layer.",
                     raised="shapes cannot be multiplied"),
    ],
    "LeNet": [
        KnownMistake("conv1 keeps 28×28 with padding=2, so after two convolution and pooling stages "
                     "there are 16 × 5 × 5 = 400 values: fc1 = nn.Linear(400, 120).",
                     raised="your `fc1.weight` has shape"),
        KnownMistake("Apply ReLU after each convolution (before pooling), and after fc1 and fc2."),
        KnownMistake(_FIXED_BATCH, raised="is invalid for input of size"),
        KnownMistake("The sizes do not chain: fc1 does not receive 400 values per image. conv1 needs "
                     "padding=2 to keep 28×28, so that two convolution and pooling stages leave "
                     "16 × 5 × 5 = 400.", raised="shapes cannot be multiplied"),
    ],
    "init_weights_": [
        KnownMistake("Initialise the convolutions too: model.modules() visits every layer, and "
                     "nn.Conv2d needs the same treatment as nn.Linear."),
        KnownMistake("These look like Xavier-normal values (a bell curve with long tails); the "
                     "exercise asks for Xavier-uniform, bounded by ±sqrt(6 / (fan_in + fan_out))."),
        KnownMistake("Set the biases to zero as well (`nn.init.zeros_`)."),
        KnownMistake("model.children() lists only the top-level layers: use model.modules(), which also "
                     "visits the layers nested inside them."),
        KnownMistake("These look like Kaiming (He) values, scaled by fan_in alone; the exercise asks for "
                     "Xavier-uniform, bounded by ±sqrt(6 / (fan_in + fan_out))."),
        KnownMistake("These are PyTorch's default initial values (what `reset_parameters()` draws); the "
                     "exercise asks for Xavier-uniform, bounded by ±sqrt(6 / (fan_in + fan_out))."),
        KnownMistake("A layer made with bias=False has `bias` set to None: skip it "
                     "(`if layer.bias is not None`).", raised="'NoneType' object has no attribute"),
    ],
    "count_parameters": [
        KnownMistake("Count only trainable parameters: skip those whose requires_grad is False."),
        KnownMistake("Count numbers, not tensors: add up `p.numel()` for each parameter."),
    ],
}
