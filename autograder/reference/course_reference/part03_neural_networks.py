"""Reference answers and hidden test inputs for Part 3 (Neural networks with torch.nn).

Module classes are tested as `torchcourse.grading` describes for the `module class` kind: the
grader builds the learner's class with drawn arguments, checks its parameter names and shapes,
loads weights it drew itself and compares outputs in eval mode (and once in training mode with
the seed fixed), so a learner's own initial values never matter. Softmax and log-softmax are
compared with PyTorch's in float64; the convolution size with what a real convolution gives; the
initialiser by the statistics of what it leaves, on layers large enough for them to be reliable.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from torchcourse.grading import FUNCTION_OF_MODULE, MODULE_CLASS, MODULE_INITIALISER
from torchcourse.modules import module_case

from .exercise import Case, Exercise
from .part01_tensors import _randint, _randn


# --- reference answers -------------------------------------------------------------------

def softmax(x: torch.Tensor) -> torch.Tensor:
    return torch.softmax(x.double(), dim=-1).to(x.dtype)


def log_softmax(x: torch.Tensor) -> torch.Tensor:
    return torch.log_softmax(x.double(), dim=-1).to(x.dtype)


def conv_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0,
                     dilation: int = 1) -> int:
    """The length a real convolution produces."""
    signal, kernel = torch.zeros(1, 1, size), torch.zeros(1, 1, kernel_size)
    return F.conv1d(signal, kernel, stride=stride, padding=padding, dilation=dilation).shape[-1]


def MyLinear(in_features: int, out_features: int) -> nn.Module:
    return nn.Linear(in_features, out_features)


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
    layers sit in a nested nn.Sequential, and one linear layer has no bias."""
    cases = []
    for nested_linear in (True, False):
        channels = _randint(generator, 16, 24)
        convolution = ["conv2d", channels, _randint(generator, (channels + 1) // 2, channels), 5]
        width = _randint(generator, 96, 160)
        linear = ["linear", width, _randint(generator, width // 2 + 1, width)]
        if nested_linear:
            layers = [convolution, ["relu"], ["sequential", [["flatten"], [*linear, False]]]]
        else:
            layers = [["sequential", [convolution, ["relu"]]], ["flatten"], linear]
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
    Exercise("softmax", softmax, _logit_cases),
    # near ±1000 float32 is spaced 6e-5 apart: x − logsumexp(x) is as right as x − max − log Σ
    Exercise("log_softmax", log_softmax, _logit_cases, atol=2e-4),
    Exercise("conv_output_size", conv_output_size, _conv_cases),
    Exercise("MyLinear", MyLinear, _my_linear_cases, kind=MODULE_CLASS),
    Exercise("Network", Network, _network_cases, kind=MODULE_CLASS),
    Exercise("build_mlp", build_mlp, _mlp_cases, kind=MODULE_CLASS),
    Exercise("FCNetwork", FCNetwork, _fc_network_cases, kind=MODULE_CLASS),
    Exercise("LeNet", LeNet, _lenet_cases, rtol=1e-4, atol=1e-5, kind=MODULE_CLASS),
    Exercise("init_weights_", init_weights_, _initialiser_cases, rtol=0.05, kind=MODULE_INITIALISER),
    Exercise("count_parameters", count_parameters, _counting_cases, kind=FUNCTION_OF_MODULE),
]
