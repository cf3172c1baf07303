"""Models as plain data, for exercises whose input is a model or whose answer is a module class.

An exercise such as `count_parameters(model)` is tested on models the grader draws: a drawn
model travels as plain data, a dict such as
`{"layers": [["linear", 20, 16], ["relu"], ["linear", 16, 4]], "frozen": [0]}`, and
`build_module` turns it into an `nn.Sequential` (layer 0's parameters frozen) in the notebook's
kernel and in the grader alike.

An exercise whose answer is a module class (`Network`, `LeNet`...) is tested on weights the
grader draws for every entry of the reference's `state_dict`: `draw_weights` makes them, and
`layout_problem` says, before any weights are loaded, how a learner's module is laid out
differently (a missing layer, a weight of the wrong shape, a tensor that is not a parameter).
"""

from __future__ import annotations

import math
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
    """The `nn.Sequential` that `spec` describes, with the layers listed in "frozen" frozen and
    the values in "weights" loaded, on the device named in "device" (the CPU if none)."""
    model = nn.Sequential(*(build_layer(*layer) for layer in spec["layers"]))
    for index in spec.get("frozen", []):
        model[index].requires_grad_(False)
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
    return _describe_layers(spec["layers"]) + (f" with layers {frozen} frozen" if frozen else "")


def _describe_layers(layers: list[list[Any]]) -> str:
    described = []
    for name, *arguments in layers:
        if name == "sequential":
            described.append(_describe_layers(arguments[0]))
        else:
            shown = [str(a) for a in arguments if not isinstance(a, bool)]
            shown += ["bias=False"] if any(a is False for a in arguments) else []
            described.append(f"{LAYERS[name].__name__}({', '.join(shown)})")
    return f"Sequential({', '.join(described)})"


def draw_weights(module: nn.Module, generator: torch.Generator) -> dict[str, torch.Tensor]:
    """Fresh values for every entry of `module.state_dict()`, of the same shapes and dtypes.

    Weights are uniform in ±1/sqrt(fan-in), like PyTorch's default, and biases in ±0.5, so
    outputs stay in a range where float32 is accurate."""
    weights = {}
    for name, tensor in module.state_dict().items():
        if tensor.ndim >= 2:
            bound = 1 / math.sqrt(tensor[0].numel())
        else:
            bound = 0.5
        uniform = torch.rand(tensor.shape, generator=generator, dtype=tensor.dtype)
        weights[name] = (2 * uniform - 1) * bound
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
