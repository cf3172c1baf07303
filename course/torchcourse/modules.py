"""Models as plain data, for exercises whose input is a model or whose answer is a module class.

An exercise such as `count_parameters(model)` is tested on models the grader draws: a drawn
model travels as plain data, a dict such as
`{"layers": [["linear", 20, 16], ["relu"], ["linear", 16, 4]], "frozen": [0]}`, and
`build_module` turns it into an `nn.Sequential` (layer 0's parameters frozen) in the notebook's
kernel and in the grader alike. With "names", the layers are named as a pretrained network's are
(`{"layers": [...], "names": ["conv1", "bn1", "relu", "pool", "flatten", "fc"]}` has a head
`model.fc`).

An exercise whose answer is a module class (`Network`, `LeNet`...) is tested on weights the
grader draws for every entry of the reference's `state_dict`: `draw_weights` makes them, and
`layout_problem` says, before any weights are loaded, how a learner's module is laid out
differently (a missing layer, a weight of the wrong shape, a tensor that is not a parameter).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any, Callable, Iterable

import torch
from torch import nn

ModuleSpec = dict[str, Any]
"""A model drawn by the grader: its layers (name and arguments) and the indices of frozen ones."""

LAYERS: dict[str, Callable[..., nn.Module]] = {
    "linear": nn.Linear,
    "conv1d": nn.Conv1d,
    "conv2d": nn.Conv2d,
    "convtranspose2d": nn.ConvTranspose2d,
    "batchnorm1d": nn.BatchNorm1d,
    "batchnorm2d": nn.BatchNorm2d,
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "flatten": nn.Flatten,
    "maxpool2d": nn.MaxPool2d,
    "adaptiveavgpool2d": nn.AdaptiveAvgPool2d,
    "identity": nn.Identity,  # a backbone's head, removed to give its features
    "dropout": nn.Dropout,
}


def is_module_spec(value: object) -> bool:
    """Whether `value` is plain data describing a model (see `build_module`)."""
    return isinstance(value, dict) and isinstance(value.get("layers"), list)


def build_layer(name: str, *arguments: Any) -> nn.Module:
    """One layer of a spec: a name of `LAYERS` and the layer's own arguments in order
    (["conv2d", 16, 12, 5] is nn.Conv2d(16, 12, 5); ["linear", 20, 16, False] has no bias), or
    ["sequential", [layer, ...]], an nn.Sequential nested inside the model."""
    if name == "sequential":
        (layers,) = arguments
        return nn.Sequential(*(build_layer(*layer) for layer in layers))
    return LAYERS[name](*arguments)


def build_module(spec: ModuleSpec) -> nn.Sequential:
    """The `nn.Sequential` that `spec` describes, its layers named as in "names" if given, with
    the layers listed in "frozen" (by index or name) frozen and the values in "weights" loaded,
    on the device named in "device" (the CPU if none)."""
    layers = [build_layer(*layer) for layer in spec["layers"]]
    names = spec.get("names") or [str(index) for index in range(len(layers))]
    model = nn.Sequential(OrderedDict(zip(names, layers)))
    for layer in spec.get("frozen", []):  # an index, or a submodule's name
        (model[layer] if isinstance(layer, int) else model.get_submodule(layer)).requires_grad_(False)
    if "weights" in spec:
        model.load_state_dict(spec["weights"])
    return model.to(spec.get("device", "cpu"))


OPTIMIZERS: dict[str, Callable[..., torch.optim.Optimizer]] = {
    "sgd": torch.optim.SGD,
    "adam": torch.optim.Adam,
}

LOSSES: dict[str, Callable[[], nn.Module]] = {
    "cross_entropy": nn.CrossEntropyLoss,
    "mse": nn.MSELoss,
}


def optimizer_settings(name: str) -> dict[str, Any]:
    """The optimizer spec the exercises train with: SGD with momentum ("sgd") or Adam ("adam"),
    a fresh dict each time, which a case may change."""
    return {"name": "sgd", "lr": 0.1, "momentum": 0.9} if name == "sgd" else {"name": "adam", "lr": 0.01}


def build_optimizer(model: nn.Module, spec: dict[str, Any]) -> torch.optim.Optimizer:
    """The optimizer `spec` describes ({"name": "sgd", "lr": 0.1, "momentum": 0.9}) for `model`."""
    settings = {key: value for key, value in spec.items() if key != "name"}
    return OPTIMIZERS[spec["name"]](model.parameters(), **settings)


def is_loader_spec(value: object) -> bool:
    """Whether `value` is plain data describing a loader (see `build_loader`)."""
    return isinstance(value, dict) and "batch_size" in value and "inputs" in value


def build_loader(spec: dict[str, Any]) -> Iterable[tuple[torch.Tensor, torch.Tensor]]:
    """The batches `spec` describes: its inputs and targets, in order, `batch_size` at a time.

    By default a DataLoader over them; with "subset" (a list of indices), a DataLoader over that
    Subset of them; with "drop_last", a DataLoader that drops the short last batch; with
    "as list", a plain Python list of the (x, y) batches. The batches are on the CPU, as a
    DataLoader's are, whatever device the spec was sent to."""
    dataset: torch.utils.data.Dataset = torch.utils.data.TensorDataset(spec["inputs"].cpu(),
                                                                       spec["targets"].cpu())
    if "subset" in spec:
        dataset = torch.utils.data.Subset(dataset, [int(index) for index in spec["subset"]])
    loader = torch.utils.data.DataLoader(dataset, batch_size=int(spec["batch_size"]), shuffle=False,
                                         drop_last=bool(spec.get("drop_last")))
    return list(loader) if spec.get("as list") else loader


def describe_loader(spec: dict[str, Any]) -> str:
    """A loader spec in words, for messages."""
    examples, size = len(spec["inputs"]), int(spec["batch_size"])
    if "subset" in spec:
        return (f"a DataLoader over a Subset of {len(spec['subset'])} of {examples} examples, in "
                f"batches of {size}")
    if spec.get("drop_last"):
        return (f"a DataLoader of {examples} examples in batches of {size} with drop_last=True, "
                f"which leaves out the last {examples % size}")
    if spec.get("as list"):
        sizes = [size] * (examples // size) + ([examples % size] if examples % size else [])
        return (f"a plain list of {len(sizes)} batches (x, y), of "
                f"{', '.join(str(count) for count in sizes)} examples")
    return f"a DataLoader of {examples} examples in batches of {size}"


def describe_module(spec: ModuleSpec) -> str:
    """The model written out for messages: `Sequential(Linear(20, 16), ReLU(), Linear(16, 4))`."""
    frozen = spec.get("frozen", [])
    described = _describe_layers(spec["layers"], spec.get("names"))
    if frozen and all(isinstance(layer, str) for layer in frozen):
        return described + f" with {', '.join(frozen)} frozen"
    return described + (f" with layers {frozen} frozen" if frozen else "")


def _describe_layers(layers: list[list[Any]], names: list[str] | None = None) -> str:
    described = []
    for name, *arguments in layers:
        if name == "sequential":
            described.append(_describe_layers(arguments[0]))
        else:
            shown = [str(a) for a in arguments if not isinstance(a, bool)]
            shown += ["bias=False"] if any(a is False for a in arguments) else []
            described.append(f"{LAYERS[name].__name__}({', '.join(shown)})")
    if names:
        described = [f"{name}={layer}" for name, layer in zip(names, described)]
    return f"Sequential({', '.join(described)})"


def draw_weights(module: nn.Module, generator: torch.Generator) -> dict[str, torch.Tensor]:
    """Fresh values for every entry of `module.state_dict()`, of the same shapes and dtypes.

    Weights are uniform in ±1/sqrt(fan-in), like PyTorch's default, and biases in ±0.5, so
    outputs stay in a range where float32 is accurate; batch norm's running variances are in
    [0.5, 1.5], and its batch counts (integers) are kept."""
    weights = {}
    for name, tensor in module.state_dict().items():
        if not tensor.is_floating_point():
            weights[name] = tensor.clone()
            continue
        if tensor.ndim >= 2:
            bound = 1 / math.sqrt(tensor[0].numel())
        else:
            bound = 0.5
        uniform = torch.rand(tensor.shape, generator=generator, dtype=tensor.dtype)
        weights[name] = uniform + 0.5 if name.endswith("running_var") else (2 * uniform - 1) * bound
    return weights


def module_case(make_module: Callable[..., nn.Module], init_args: list[Any], inputs: list[Any],
                generator: torch.Generator) -> list[Any]:
    """One test of a module class: how to build it, the weights to load (drawn for the correct
    layout that `make_module` builds), the names that must be trainable, and the forward inputs."""
    correct = make_module(*init_args)
    trainable = [name for name, parameter in correct.named_parameters() if parameter.requires_grad]
    return [list(init_args), draw_weights(correct, generator), trainable, list(inputs)]


def layout_problem(module: nn.Module, weights: dict[str, torch.Tensor],
                   trainable: list[str]) -> str | None:
    """How `module` is laid out differently from the module the weights were drawn for, or None."""
    state = module.state_dict()
    for name, tensor in weights.items():
        expected = tuple(tensor.shape)
        if name not in state:
            found = ", ".join(f"`{key}`" for key in state) or "nothing"
            return (f"expected a parameter `{name}` of shape {expected}; your module's "
                    f"state_dict has {found}.")
        got = tuple(state[name].shape)
        if got != expected:
            problem = f"your `{name}` has shape {got}; expected {expected}"
            if len(expected) == 2 and got == expected[::-1]:
                problem += (": nn.Linear(in_features, out_features) stores its weight as "
                            "(out_features, in_features)")
            return problem + "."
    extra = [name for name in state if name not in weights]
    if extra:
        return (f"your module has `{extra[0]}`, which the exercise does not ask for "
                f"(expected exactly: {', '.join(f'`{name}`' for name in weights)}).")
    parameters = {name for name, parameter in module.named_parameters() if parameter.requires_grad}
    for name in trainable:
        if name not in parameters:
            return (f"`{name}` is in your module's state_dict but is not a trainable parameter: "
                    "store it as an nn.Parameter.")
    return None


# How three families name their layers: a stem (convolution, batch norm, activation), a block of
# the same, global pooling, flattening and a head, the last layer (EfficientNet's after a dropout).
FAMILIES: dict[str, list[str]] = {
    "resnet": ["conv1", "bn1", "relu", "layer4", "avgpool", "flatten", "fc"],
    "densenet": ["features", "pool", "flatten", "classifier"],
    "efficientnet": ["_conv_stem", "_bn0", "_swish", "_blocks", "_avg_pooling", "_flatten", "_dropout", "_fc"],
}
STEMS = {"resnet": ["conv1", "bn1"], "densenet": ["features.0", "features.1"], "efficientnet": ["_conv_stem", "_bn0"]}


def small_network(generator: torch.Generator, family: str, head: str = "linear", frozen: str = "nothing") -> dict[str, Any]:
    """A small image network of `family`, as plain data with drawn weights (batch norm's running
    statistics too), for the exercises that change or read a pretrained network (Part 8). `head` is "linear", "dropout" (an nn.Sequential of dropout and the linear
    layer, as some families have) or "identity" (the head removed: the network gives features).
    `frozen` is "nothing", "stem" (the first convolution and batch norm, as when fine-tuning the
    last block), "backbone", "head" or "everything"."""
    channels, classes = _draw_int(generator, 4, 8), _draw_int(generator, 2, 6)
    head_layer = {"linear": ["linear", channels, classes],
                  "dropout": ["sequential", [["dropout", 0.5], ["linear", channels, classes]]],
                  "identity": ["identity"]}[head]
    stem = [["conv2d", 3, channels, 3, 1, 1], ["batchnorm2d", channels], ["relu"]]
    block = [["conv2d", channels, channels, 3, 1, 1], ["batchnorm2d", channels], ["relu"]]
    pooling = [["adaptiveavgpool2d", 1], ["flatten"]]
    layers = {"resnet": [*stem, ["sequential", block], *pooling, head_layer],
              "densenet": [["sequential", stem + block], *pooling, head_layer],
              "efficientnet": [*stem, ["sequential", block], *pooling, ["dropout", 0.2], head_layer]}[family]
    names = FAMILIES[family]
    spec: dict[str, Any] = {"layers": layers, "names": names,
                            "frozen": {"nothing": [], "stem": STEMS[family], "backbone": names[:-1],
                                       "head": names[-1:], "everything": names}[frozen]}
    spec["weights"] = draw_weights(build_module(spec), generator)
    return spec


def _draw_int(generator: torch.Generator, low: int, high: int) -> int:
    """A random integer in [low, high], drawn from `generator`."""
    return int(torch.randint(low, high + 1, (1,), generator=generator))
