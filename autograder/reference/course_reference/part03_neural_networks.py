"""Reference answers and hidden test inputs for Part 3 (Neural networks with torch.nn).

Module classes are tested as `torchcourse.grading` describes for the `module class` kind: the
grader builds the learner's class with drawn arguments, checks its parameter names and shapes,
loads weights it drew itself and compares outputs in eval mode and once in training mode with
the seed fixed, so a learner's own initial values never matter. Softmax and log-softmax are
worked out in float64 from `exp`, `max`, `sum` and `log`, the calls their rules allow; the
convolution size by the formula (tests/test_part03_neural_networks.py checks it against a real
convolution); the initialiser by the statistics of what it leaves, on layers large enough for
them to be reliable.
"""

from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn
from torchcourse.grading import FUNCTION_OF_MODULE, MODULE_CLASS, MODULE_INITIALISER
from torchcourse.modules import module_case

from .exercise import Case, Exercise
from .part01_tensors import _randint, _randn


# --- reference answers -------------------------------------------------------------------

def softmax(x: torch.Tensor) -> torch.Tensor:
    exps = torch.exp(x.double() - x.double().amax(dim=-1, keepdim=True))
    return (exps / exps.sum(dim=-1, keepdim=True)).to(x.dtype)


def log_softmax(x: torch.Tensor) -> torch.Tensor:
    shifted = x.double() - x.double().amax(dim=-1, keepdim=True)
    return (shifted - torch.log(torch.exp(shifted).sum(dim=-1, keepdim=True))).to(x.dtype)


def conv_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0,
                     dilation: int = 1) -> int:
    span = dilation * (kernel_size - 1) + 1
    return (size + 2 * padding - span) // stride + 1


class MyLinear(nn.Module):
    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(out_features, in_features))
        self.bias = nn.Parameter(torch.zeros(out_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.matmul(x, self.weight.T) + self.bias


class Network(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(784, 128), nn.Linear(128, 64), nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.reshape(len(x), 784)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


def build_mlp(sizes: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Linear(sizes[0], sizes[1])]
    for size_in, size_out in zip(sizes[1:-1], sizes[2:]):
        layers += [nn.ReLU(), nn.Linear(size_in, size_out)]
    return nn.Sequential(*layers)


class FCNetwork(nn.Module):
    def __init__(self, input_size: int, output_size: int, hidden_sizes: list[int],
                 drop_p: float = 0.5) -> None:
        super().__init__()
        sizes = [input_size, *hidden_sizes]
        self.hidden_layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        self.output = nn.Linear(sizes[-1], output_size)
        self.drop_p = drop_p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.reshape(len(x), -1)
        for layer in self.hidden_layers:
            x = F.dropout(F.relu(layer(x)), self.drop_p, training=self.training)
        return self.output(x)


class LeNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(x.reshape(len(x), -1)))
        return self.fc3(F.relu(self.fc2(x)))


def init_weights_(model: nn.Module) -> None:
    with torch.no_grad():
        for layer in model.modules():
            if isinstance(layer, (nn.Linear, nn.Conv2d)):
                fan_in, fan_out = layer.weight[0].numel(), layer.weight[:, 0].numel()
                bound = math.sqrt(6 / (fan_in + fan_out))
                layer.weight.uniform_(-bound, bound)
                if layer.bias is not None:
                    layer.bias.zero_()


def count_parameters(model: nn.Module) -> int:
    return sum(math.prod(p.shape) for p in model.parameters() if p.requires_grad)


# --- the known mistakes, in the order of torchcourse.part03_neural_networks.KNOWN_MISTAKES ---
# (None: recognised by what it raised or changed)

def _default_initialisation(model: nn.Module) -> None:
    for layer in model.modules():
        if isinstance(layer, (nn.Linear, nn.Conv2d)):
            layer.reset_parameters()
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)


def _initialise(model: nn.Module, layers: tuple[type, ...], weights, zero_bias: bool = True,
                nested: bool = True) -> None:
    """Fill the weights of `layers` with `weights` (and zero their biases), in every submodule or,
    without `nested`, in the model's direct children only."""
    for layer in model.modules() if nested else model.children():
        if isinstance(layer, layers):
            weights(layer.weight)
            if zero_bias and layer.bias is not None:
                nn.init.zeros_(layer.bias)


def _initialise_every_layer_with_a_weight(model: nn.Module) -> None:
    """Xavier-uniform weights and zero biases for every layer whose `weight` is a matrix or a
    kernel, ConvTranspose2d and Conv1d included, not only nn.Linear and nn.Conv2d."""
    for layer in model.modules():
        weight = getattr(layer, "weight", None)
        if isinstance(weight, torch.Tensor) and weight.dim() > 1:
            nn.init.xavier_uniform_(weight)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)


def _with_ending(network: type[nn.Module], ending: Callable[[torch.Tensor], torch.Tensor]) -> type[nn.Module]:
    """`network`, with `ending` applied to the logits it returns."""

    class Ending(network):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return ending(super().forward(x))

    return Ending


def _softmax_of_rows(logits: torch.Tensor) -> torch.Tensor:
    return torch.softmax(logits, dim=1)


def _log_softmax_of_rows(logits: torch.Tensor) -> torch.Tensor:
    return torch.log_softmax(logits, dim=1)


class _LeNetWithoutConvolutionReLU(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 6, 5, padding=2), nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(self.conv2(F.max_pool2d(self.conv1(x), 2)), 2).flatten(1)
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


class _FCNetworkMistake(nn.Module):
    """FCNetwork with dropout on in eval mode too, or dropping the logits as well."""

    def __init__(self, input_size: int, output_size: int, hidden_sizes: list[int], drop_p: float,
                 always: bool = False, on_logits: bool = False) -> None:
        super().__init__()
        sizes = [input_size, *hidden_sizes]
        self.hidden_layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        self.output = nn.Linear(sizes[-1], output_size)
        self.drop_p, self.always, self.on_logits = drop_p, always, on_logits

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.flatten(1)
        dropping = self.training or self.always
        for layer in self.hidden_layers:
            x = F.dropout(torch.relu(layer(x)), self.drop_p, training=dropping)
        x = self.output(x)
        return F.dropout(x, self.drop_p, training=dropping) if self.on_logits else x


class _NetworkWithoutActivations(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(784, 128), nn.Linear(128, 64), nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc3(self.fc2(self.fc1(x.flatten(1))))


class _LinearMistake(nn.Module):
    """MyLinear with its weight stored (in, out), or without its bias."""

    def __init__(self, in_features: int, out_features: int, transposed: bool) -> None:
        super().__init__()
        shape = (in_features, out_features) if transposed else (out_features, in_features)
        self.weight, self.bias = nn.Parameter(torch.zeros(shape)), nn.Parameter(torch.zeros(out_features))
        self.transposed = transposed

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.weight + self.bias if self.transposed else x @ self.weight.T


def _log_softmax_without_keepdim(x: torch.Tensor) -> torch.Tensor:
    shifted = x - x.max(dim=-1, keepdim=True).values
    return shifted - torch.log(torch.exp(shifted).sum(dim=-1))


def _softmax_shifted_by_global_max(x: torch.Tensor) -> torch.Tensor:
    e = torch.exp(x - x.max())
    return e / e.sum(dim=-1, keepdim=True)


def _log_softmax_over_dim_1(x: torch.Tensor) -> torch.Tensor:
    shifted = x - x.max(dim=1, keepdim=True).values
    return shifted - torch.log(torch.exp(shifted).sum(dim=1, keepdim=True))


def _softmax_over_dim_1(x: torch.Tensor) -> torch.Tensor:
    e = torch.exp(x - x.max(dim=1, keepdim=True).values)
    return e / e.sum(dim=1, keepdim=True)


def _softmax_entirely_over_columns(x: torch.Tensor) -> torch.Tensor:
    e = torch.exp(x - x.max(dim=0, keepdim=True).values)
    return e / e.sum(dim=0, keepdim=True)


def _softmax_over_columns(x: torch.Tensor) -> torch.Tensor:
    e = torch.exp(x - x.max(dim=-1, keepdim=True).values)
    return e / e.sum(dim=0, keepdim=True)


MISTAKES: dict[str, tuple] = {
    "softmax": (_softmax_over_columns, lambda x: torch.exp(x) / torch.exp(x).sum(dim=-1, keepdim=True),
                _softmax_shifted_by_global_max, _softmax_over_dim_1, _softmax_entirely_over_columns),
    "log_softmax": (lambda x: torch.log(torch.softmax(x, dim=-1)),
                    lambda x: x - torch.log(torch.exp(x).sum(dim=-1, keepdim=True)),
                    _log_softmax_without_keepdim, _log_softmax_over_dim_1),
    "conv_output_size": (lambda n, k, s=1, p=0, d=1: (n + 2 * p - k) // s + 1,
                         lambda n, k, s=1, p=0, d=1: (n + 2 * p - d * (k - 1) - 1) / s + 1,
                         lambda n, k, s=1, p=0, d=1: (n + p - d * (k - 1) - 1) // s + 1),
    "MyLinear": (lambda i, o: _LinearMistake(i, o, transposed=True), None,
                 lambda i, o: _LinearMistake(i, o, transposed=False)),
    "Network": (_NetworkWithoutActivations, None, _with_ending(Network, _softmax_of_rows), None, None,
                _with_ending(Network, _log_softmax_of_rows)),
    "build_mlp": (lambda sizes: nn.Sequential(*build_mlp(sizes), nn.ReLU()), None),
    "FCNetwork": (None, lambda *args: _FCNetworkMistake(*args, always=True),
                  lambda i, o, hidden, p=0.5: _FCNetworkMistake(i, o, hidden, 0.0),
                  lambda *args: _FCNetworkMistake(*args, on_logits=True), None,
                  _with_ending(FCNetwork, _softmax_of_rows), _with_ending(FCNetwork, _log_softmax_of_rows)),
    "LeNet": (None, _LeNetWithoutConvolutionReLU, None, None, _with_ending(LeNet, _softmax_of_rows),
              _with_ending(LeNet, _log_softmax_of_rows)),
    "init_weights_": (lambda model: _initialise(model, (nn.Linear,), nn.init.xavier_uniform_),
                      lambda model: _initialise(model, (nn.Linear, nn.Conv2d), nn.init.xavier_normal_),
                      lambda model: _initialise(model, (nn.Linear, nn.Conv2d), nn.init.xavier_uniform_,
                                                zero_bias=False),
                      lambda model: _initialise(model, (nn.Linear, nn.Conv2d), nn.init.xavier_uniform_,
                                                nested=False),
                      lambda model: _initialise(model, (nn.Linear, nn.Conv2d), nn.init.kaiming_uniform_),
                      _default_initialisation, None, _initialise_every_layer_with_a_weight, None),
    "count_parameters": (lambda model: sum(p.numel() for p in model.parameters()),
                         lambda model: len(list(model.parameters()))),
}


# --- hidden test inputs --------------------------------------------------------------------

def _extreme_logits(generator: torch.Generator) -> torch.Tensor:
    """Rows where the naive formulas overflow or underflow: near +1000, near −1000, and both."""
    x = _randn(generator, 3, 5)
    x[0] += 1000
    x[1] -= 1000
    x[2, ::2] += 1000
    x[2, 1::2] -= 1000
    return x


def _logit_cases(generator: torch.Generator) -> list[Case]:
    shapes = [[_randint(generator, 2, 6) for _ in range(dims)] for dims in (1, 2, 2, 3, 3)]
    return [(3 * _randn(generator, *shape),) for shape in shapes] + [(_extreme_logits(generator),)]


def _conv_cases(generator: torch.Generator) -> list[Case]:
    cases: list[Case] = []
    while len(cases) < 10:
        kernel, stride = _randint(generator, 1, 7), _randint(generator, 1, 3)
        padding, dilation = _randint(generator, 0, 3), _randint(generator, 1, 3)
        size = _randint(generator, 1, 64)
        if size + 2 * padding >= dilation * (kernel - 1) + 1:
            cases.append((size, kernel, stride, padding, dilation))
    # a stride that does not divide evenly, and a dilated kernel
    return cases + [(28, 5, 2, 0, 1), (7, 3, 3, 1, 2), (32, 3, 1, 1, 2)]


def _batch(generator: torch.Generator, *shape: int) -> torch.Tensor:
    """Inputs in [−1, 1], like images normalised with mean 0.5 and std 0.5."""
    return 2 * torch.rand(shape, generator=generator) - 1


def _my_linear_cases(generator: torch.Generator) -> list[Case]:
    cases = []
    for leading in ([_randint(generator, 1, 6)], [_randint(generator, 1, 6)], [2, 3]):
        sizes = [_randint(generator, 1, 8), _randint(generator, 1, 8)]
        cases.append(module_case(MyLinear, sizes, [_batch(generator, *leading, sizes[0])], generator))
    return [tuple(case) for case in cases]


def _network_cases(generator: torch.Generator) -> list[Case]:
    cases = []
    for shape in ((1, 28, 28), (784,), (1, 28, 28)):
        images = _batch(generator, _randint(generator, 1, 6), *shape)
        cases.append(tuple(module_case(Network, [], [images], generator)))
    return cases


def _mlp_cases(generator: torch.Generator) -> list[Case]:
    cases = []
    for layers in (1, 2, _randint(generator, 3, 4)):
        sizes = [_randint(generator, 2, 12) for _ in range(layers + 1)]
        inputs = [_batch(generator, _randint(generator, 1, 6), sizes[0])]
        cases.append(tuple(module_case(build_mlp, [sizes], inputs, generator)))
    return cases


def _fc_network_cases(generator: torch.Generator) -> list[Case]:
    cases = []
    for hidden_count in (1, 2, 3):
        height, width = _randint(generator, 2, 4), _randint(generator, 2, 5)
        input_size, output_size = height * width, _randint(generator, 2, 6)
        hidden = [_randint(generator, 6, 16) for _ in range(hidden_count)]
        drop_p = round(0.1 + 0.5 * torch.rand((), generator=generator).item(), 2)
        # rows of features, and once a batch of one-channel images that flattens to them
        shape = (1, height, width) if hidden_count == 2 else (input_size,)
        inputs = [_batch(generator, _randint(generator, 2, 6), *shape)]
        cases.append(tuple(module_case(FCNetwork, [input_size, output_size, hidden, drop_p],
                                       inputs, generator)))
    return cases


def _lenet_cases(generator: torch.Generator) -> list[Case]:
    return [tuple(module_case(LeNet, [], [_batch(generator, _randint(generator, 1, 4), 1, 28, 28)],
                              generator)) for _ in range(2)]


def _initialiser_cases(generator: torch.Generator) -> list[Case]:
    """Models with layers of at least 3,200 weights, whose fan-out is between half the fan-in and
    the fan-in, so that Xavier's bound differs from PyTorch's default and from Kaiming's; some
    layers sit in a nested nn.Sequential, and one linear layer has no bias. Every model also holds
    layers the exercise leaves alone, a ConvTranspose2d, a Conv1d and a batch normalisation, sized
    the same way, so that re-initialising them changes what they hold."""
    cases = []
    for nested_linear in (True, False):
        channels = _randint(generator, 16, 24)
        narrower = _randint(generator, (channels + 1) // 2, channels)
        convolution = ["conv2d", channels, narrower, 5]
        # its weight is (in, out, 5, 5): PyTorch's default takes the fan-in from `out`
        wide = _randint(generator, 16, 24)
        transposed = ["convtranspose2d", wide, _randint(generator, (wide + 1) // 2, wide), 5]
        signals = _randint(generator, 64, 96)
        conv1d = ["conv1d", signals, _randint(generator, signals // 2 + 1, signals), 3]
        width = _randint(generator, 96, 160)
        linear = ["linear", width, _randint(generator, width // 2 + 1, width)]
        if nested_linear:
            layers = [convolution, ["batchnorm2d", narrower], ["relu"], transposed,
                      ["sequential", [["flatten"], [*linear, False], conv1d]]]
        else:
            layers = [["sequential", [convolution, ["relu"], transposed]], ["flatten"], linear,
                      ["batchnorm1d", linear[2]], conv1d]
        cases.append(({"layers": layers},))
    return cases


def _counting_cases(generator: torch.Generator) -> list[Case]:
    cases = []
    for _ in range(3):
        sizes = [_randint(generator, 2, 30) for _ in range(_randint(generator, 3, 5))]
        layers: list[list[object]] = []
        for size_in, size_out in zip(sizes, sizes[1:]):
            layers += [["linear", size_in, size_out], ["relu"]]
        linear = list(range(0, len(layers), 2))
        frozen = [index for index in linear if torch.rand((), generator=generator) < 0.5] or [linear[0]]
        cases.append(({"layers": layers[:-1], "frozen": frozen},))
    return cases


EXERCISES = [
    Exercise("softmax", softmax, _logit_cases, mistakes=MISTAKES["softmax"]),
    # near ±1000 neighbouring float32 numbers are 6e-5 apart: a right float32 answer is off by that
    Exercise("log_softmax", log_softmax, _logit_cases, atol=2e-4, mistakes=MISTAKES["log_softmax"]),
    Exercise("conv_output_size", conv_output_size, _conv_cases, mistakes=MISTAKES["conv_output_size"]),
    Exercise("MyLinear", MyLinear, _my_linear_cases, kind=MODULE_CLASS, mistakes=MISTAKES["MyLinear"]),
    Exercise("Network", Network, _network_cases, kind=MODULE_CLASS, mistakes=MISTAKES["Network"]),
    Exercise("build_mlp", build_mlp, _mlp_cases, kind=MODULE_CLASS, mistakes=MISTAKES["build_mlp"]),
    Exercise("FCNetwork", FCNetwork, _fc_network_cases, kind=MODULE_CLASS, mistakes=MISTAKES["FCNetwork"]),
    Exercise("LeNet", LeNet, _lenet_cases, rtol=1e-4, atol=1e-5, kind=MODULE_CLASS, mistakes=MISTAKES["LeNet"]),
    Exercise("init_weights_", init_weights_, _initialiser_cases, rtol=0.05, kind=MODULE_INITIALISER, mistakes=MISTAKES["init_weights_"]),
    Exercise("count_parameters", count_parameters, _counting_cases, kind=FUNCTION_OF_MODULE, mistakes=MISTAKES["count_parameters"]),
]
