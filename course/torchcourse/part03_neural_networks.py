"""Part 3 (Neural networks with torch.nn): the visible checks, their rules, hints and known mistakes.

What a correct answer gives on each check's inputs is not here: it was saved when the course was
released (see `torchcourse.checks`).
"""

from __future__ import annotations

import torch

from .grading import FUNCTION_OF_MODULE, MODULE_CLASS, MODULE_INITIALISER
from .rules import Rules
from .spec import Inputs, KnownMistake, VisibleCheck, randn

# PyTorch's own softmax and log-softmax, by the name a call of them records, and how a learner
# writes them.
SOFTMAX_CALLS = {"softmax": "`torch.softmax` (or `F.softmax`, `nn.Softmax`, `x.softmax()`)",
                 "special_softmax": "`torch.special.softmax`", "softmin": "`F.softmin`"}
LOG_SOFTMAX_CALLS = {"log_softmax": "`torch.log_softmax` (or `F.log_softmax`, `nn.LogSoftmax`, "
                                    "`x.log_softmax()`)",
                     "special_log_softmax": "`torch.special.log_softmax`",
                     "logsumexp": "`torch.logsumexp` (or `x.logsumexp()`)",
                     "special_logsumexp": "`torch.special.logsumexp`"}


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


def _initialiser_model(g: torch.Generator) -> Inputs:
    """A model with the layers the exercise names, one of them nested and without a bias, and
    layers it leaves alone: a batch normalisation, a ConvTranspose2d and a Conv1d."""
    return ({"layers": [["conv2d", 16, 12, 5], ["batchnorm2d", 12], ["relu"], ["convtranspose2d", 16, 12, 5],
                        ["sequential", [["linear", 120, 80, False], ["conv1d", 64, 40, 3]]]]},)


CHECKS: dict[str, VisibleCheck] = {
    "softmax": VisibleCheck(_logits, 1e-5, rules=Rules(
        forbidden={**SOFTMAX_CALLS, **LOG_SOFTMAX_CALLS},
        instead="build it from `torch.exp`, `max` and `sum`.")),
    "log_softmax": VisibleCheck(_logits, 2e-4, rules=Rules(
        forbidden=LOG_SOFTMAX_CALLS,
        instead="work out the log-sum-exp yourself, with `max`, `torch.exp`, `sum` and `torch.log`.")),
    "conv_output_size": VisibleCheck(_conv_sizes, 0, rules=Rules(no_torch=True)),
    # A module class's inputs: how to build it and what to call it with; the weights are drawn
    # for the correct layout when the course is released.
    "MyLinear": VisibleCheck(lambda g: ([4, 3], [randn(g, 5, 4)]), 1e-5, kind=MODULE_CLASS, rules=Rules(
        forbidden={"linear": "`F.linear` (which `nn.Linear` runs)"},
        instead="multiply by your own `weight` and add your own `bias`.")),
    "Network": VisibleCheck(lambda g: ([], [_images(g, 5)]), 1e-5, kind=MODULE_CLASS),
    "build_mlp": VisibleCheck(lambda g: ([[6, 5, 4, 3]], [randn(g, 3, 6)]), 1e-5, kind=MODULE_CLASS),
    "FCNetwork": VisibleCheck(lambda g: ([8, 3, [7, 6], 0.4], [randn(g, 4, 1, 2, 4)]), 1e-5, kind=MODULE_CLASS),
    "LeNet": VisibleCheck(lambda g: ([], [_images(g, 3)]), 1e-4, kind=MODULE_CLASS),
    "init_weights_": VisibleCheck(_initialiser_model, 0.05, kind=MODULE_INITIALISER, atol=1e-6),
    "count_parameters": VisibleCheck(lambda g: ({"layers": [["linear", 10, 8], ["relu"], ["linear", 8, 4]],
                                                 "frozen": [0]},), 0, kind=FUNCTION_OF_MODULE),
}


# Hints a learner asks for with `hint(name, level)`, from a nudge (1) to the most specific (3).
# None of them holds a line of the solution (tests/test_hints.py checks that), and none dictates
# the answer: they point at the section, ask the question that finds the mistake, or say how to
# test what you wrote.
HINTS: dict[str, list[str]] = {
    "softmax": [
        "Look back at Section 9 (Softmax, without overflow): the formula, and a shift that changes "
        "nothing mathematically but keeps exp from overflowing.",
        "Ask three questions of your code. Along which dimension must the outputs add up to 1? What "
        "do you subtract before exp: something of each row, or of the whole tensor? Does each "
        "reduction keep its dimension, so that it lines up with the row it came from? Each known "
        "mistake is a wrong answer to one of them.",
        "Try your function on torch.tensor([[1000., 999.], [0., 0.], [-1000., 1000.]]), on a 1-D "
        "tensor and on a 3-D one: every row must add up to 1, with no nan anywhere. Outside the "
        "answer cell, torch.softmax(x, dim=-1) gives you something to compare with.",
    ],
    "log_softmax": [
        "Look back at Section 10 (Log-softmax and the log-sum-exp trick): stay in logarithms all the "
        "way.",
        "The formula in Section 10 subtracts one number per row from the (shifted) logits. Which "
        "number, and how do you compute it so that exp never overflows? Taking the log of a "
        "probability loses every row where the probability underflows to 0.",
        "For an input of shape (N, C), every per-row quantity should have shape (N, 1), so that it "
        "lines up with its row. On the row [1000., -1000.] your answer must be finite (about 0 and "
        "-2000); outside the answer cell, compare with torch.log_softmax(x, dim=-1).",
    ],
    "conv_output_size": [
        "Look back at Section 15 (Output size of convolution and pooling): count how many positions a "
        "window can take along one dimension.",
        "Three things change the count. Padding: on how many sides? Dilation: how many inputs does a "
        "dilated kernel span? Stride: what becomes of a last window that does not fit? The known "
        "mistakes each get one of these wrong, or return a float.",
        "Check your function against the examples Section 15 lists (28 → 24 for kernel 5; 28 → 28 "
        "with padding 2; 27 → 13 for MaxPool2d(2)) and against every line the demo cell prints. "
        "Python's integers and operators are all it needs.",
    ],
    "MyLinear": [
        "Look back at Sections 2 and 3 (Parameters; nn.Linear and F.linear): tensors become parameters "
        "(seen by parameters(), state_dict() and optimisers) only when wrapped in nn.Parameter.",
        "Which shape does nn.Linear give its weight, and why does the formula then need a transpose? "
        "The known mistakes: a weight stored the other way round, plain tensors instead of "
        "parameters, and a forgotten bias.",
        "Compare your layer with an nn.Linear of the same sizes: load its state_dict into yours (that "
        "works only when the names and shapes match) and check that both give the same output, on a "
        "batch and on an input with an extra leading dimension.",
    ],
    "Network": [
        "Look back at Sections 1 and 8 (a module's __init__ and forward; flattening a batch of images): "
        "layers are created in __init__ and used in forward.",
        "The table names every layer and gives its size. What belongs in __init__, and what happens in "
        "forward before the first layer and between the layers? Known mistakes: no activations, a "
        "batch size written into the code, a softmax at the end.",
        "Print x.shape at each step of forward, for a batch of shape (5, 1, 28, 28) and one of shape "
        "(5, 784): both must end as (5, 10). Which spelling in Section 8 keeps the batch dimension "
        "whatever N is?",
    ],
    "build_mlp": [
        "Look back at Section 5 (Containers): nn.Sequential runs the modules it is given, in order.",
        "How many linear layers does a list of k sizes give, and how many ReLUs sit between them? "
        "nn.Sequential takes its modules as separate arguments: how do you pass a Python list that "
        "way? Known mistakes: a ReLU after the last layer, and the list itself given to nn.Sequential.",
        "Print build_mlp([784, 128, 10]), build_mlp([5, 3]) and the keys of their state_dict(): the "
        "first must show Linear, ReLU, Linear with 0.weight, 0.bias, 2.weight and 2.bias, the second a "
        "single Linear.",
    ],
    "FCNetwork": [
        "Look back at Sections 5 and 13 (nn.ModuleList; dropout and train()/eval()): a list of layers "
        "must be a ModuleList to be registered, and dropout must follow train() and eval().",
        "Write out the layers of FCNetwork(784, 10, [256, 128]) by hand: which sizes does each one "
        "connect? In forward, what comes after every hidden layer, and what after the output layer? "
        "Known mistakes: a plain list, F.dropout left on in eval mode, dropout or a (log-)softmax "
        "after the output layer.",
        "Test both modes on one input: after model.eval() two calls must give the same logits, after "
        "model.train() they must differ. The keys of state_dict() must run from "
        "hidden_layers.0.weight to output.bias.",
    ],
    "LeNet": [
        "Look back at Sections 15 and 16 (output sizes; LeNet-5), and use conv_output_size to follow "
        "the shapes through each layer.",
        "The table gives every layer except the number of inputs of fc1: work it out from the shape "
        "after the second pooling. Known mistakes: conv1 without its padding, no ReLU after the "
        "convolutions, a batch size written into the code.",
        "Run the layers one at a time on torch.randn(2, 1, 28, 28) and print each shape, as the demo "
        "in Section 15 does: every row of the table must match, and the shape that reaches fc1 tells "
        "you its in_features.",
    ],
    "init_weights_": [
        "Look back at Section 12 (Weight initialisation): nn.init functions fill a tensor in place.",
        "Which modules does your loop reach: only the top-level ones, or the nested ones too? Which "
        "does it change: only nn.Linear and nn.Conv2d, or everything that has a weight? What does it "
        "do with a bias that is None? Known mistakes also include Xavier-normal or Kaiming values "
        "instead of Xavier-uniform, and biases left as they were.",
        "Try it on nn.Sequential(nn.Conv2d(16, 12, 5), nn.BatchNorm2d(12), "
        "nn.Sequential(nn.Linear(120, 80, bias=False)), nn.ConvTranspose2d(16, 12, 5)). Afterwards the "
        "convolution's and the linear layer's weights should have a std near "
        "sqrt(6 / (fan_in + fan_out) / 3), and the other two layers should hold what they held before.",
    ],
    "count_parameters": [
        "Look back at Section 4 (Looking inside a model): every parameter is a tensor, and requires_grad "
        "says whether training changes it.",
        "What is counted: tensors, or the numbers in them? Which parameters: all of them, or those "
        "training changes? Each known mistake answers one of these questions wrongly.",
        "Check by hand: nn.Linear(10, 8) holds an (8, 10) weight and an (8,) bias, 88 numbers; after "
        "requires_grad_(False) on it, the count drops by 88. Return a Python int, not a tensor.",
    ],
}

_NOT_A_LIST = ("Layers kept in a plain Python list are invisible to PyTorch (not in parameters(), "
               "not moved by .to()): use nn.ModuleList.")
_LAST_DIMENSION = ("Use the last dimension (dim=-1): dim=1 is the last one only for 2-D inputs, and the "
                   "exercise's inputs have 1 to 3 dimensions.")
_FIXED_BATCH = ("Do not hard-code the batch size: flatten with `x.flatten(1)` or "
                "`x.view(x.shape[0], -1)`, which work for any batch.")
_SOFTMAX_AT_THE_END = ("Return the logits, without a softmax at the end: the loss function "
                       "(nn.CrossEntropyLoss) applies it itself.")
_LOG_SOFTMAX_AT_THE_END = ("Return the logits, not log-probabilities: no log_softmax at the end. "
                           "nn.CrossEntropyLoss takes logits and applies log-softmax itself.")


# --- the known mistakes, written out so that a wrong answer can be recognised ----------------


_OVER_COLUMNS = "Normalise along the last dimension: each row of a batch must sum to 1, not each column."

KNOWN_MISTAKES: dict[str, list[KnownMistake]] = {
    "softmax": [
        KnownMistake(_OVER_COLUMNS),
        KnownMistake("exp overflows to inf for large entries (exp(1000)), and inf / inf is nan: "
                     "subtract each row's maximum first, which does not change the softmax."),
        KnownMistake("Subtract each row's own maximum: with the maximum of the whole tensor, a row far "
                     "below it underflows to 0 / 0 = nan."),
        KnownMistake(_LAST_DIMENSION, raised="Dimension out of range"),
        KnownMistake(_OVER_COLUMNS),
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
        KnownMistake(_SOFTMAX_AT_THE_END),
        KnownMistake("The layer sizes are 784 → 128 → 64 → 10: fc1 = nn.Linear(784, 128), "
                     "fc2 = nn.Linear(128, 64), fc3 = nn.Linear(64, 10).",
                     raised="weight` has shape"),
        # the product of a batch of images, (N, 1, 28, 28), and fc1's transposed weight
        KnownMistake("Flatten the input first, keeping the batch dimension: a batch of images "
                     "(N, 1, 28, 28) must become (N, 784) before fc1, which multiplies only the last "
                     "dimension.", raised="x28 and 784x128)"),
        KnownMistake(_LOG_SOFTMAX_AT_THE_END),
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
        KnownMistake(_SOFTMAX_AT_THE_END),
        KnownMistake(_LOG_SOFTMAX_AT_THE_END),
    ],
    "LeNet": [
        KnownMistake("fc1 must take every value left after the second pooling: follow the shapes "
                     "through both convolution and pooling stages with `conv_output_size` (conv1 "
                     "keeps 28 × 28 with padding=2) and multiply channels × height × width.",
                     raised="your `fc1.weight` has shape"),
        KnownMistake("Apply ReLU after each convolution (before pooling), and after fc1 and fc2."),
        KnownMistake(_FIXED_BATCH, raised="is invalid for input of size"),
        KnownMistake("The sizes do not chain: fc1 does not receive the number of values it was built "
                     "for. conv1 needs padding=2 to keep 28 × 28; follow the shapes through both "
                     "stages with `conv_output_size`.", raised="shapes cannot be multiplied"),
        KnownMistake(_SOFTMAX_AT_THE_END),
        KnownMistake(_LOG_SOFTMAX_AT_THE_END),
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
        KnownMistake("Leave every other layer as it was: only nn.Linear and nn.Conv2d get Xavier "
                     "values, and this also changed other layers that have a weight (here a "
                     "ConvTranspose2d and a Conv1d). Choose the layers by their type."),
        KnownMistake("Going through the parameters reaches layers the exercise leaves alone, such as a "
                     "batch normalisation, whose 1-D `weight` has no fan-in or fan-out: visit the "
                     "modules and choose nn.Linear and nn.Conv2d by their type.",
                     raised="Fan in and fan out can not be computed"),
    ],
    "count_parameters": [
        KnownMistake("Count only trainable parameters: skip those whose requires_grad is False."),
        KnownMistake("Count numbers, not tensors: add up `p.numel()` for each parameter."),
    ],
}
