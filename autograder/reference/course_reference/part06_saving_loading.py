"""Reference answers and hidden test inputs for Part 6 (Saving and loading models).

Files are written and read inside the learner's kernel, in a fresh folder of the notebook's
working copy; what is recorded is plain data (see the `file writer`, `file reader` and `resume`
kinds in `torchcourse.grading`), and the harness reads a learner's file with
`weights_only=True`, so nothing in it runs. Models come in random sizes, so hard-coded sizes
fail; optimizers are SGD with momentum and Adam, whose state a resumed run needs.
"""

from __future__ import annotations

import torch
from torch import nn
from torchcourse.grading import FILE_READER, FILE_WRITER, FUNCTION, FUNCTION_OF_MODULE, RESUME, TRAINING
from torchcourse.models import MLP
from torchcourse.modules import build_module, draw_weights

from .exercise import Case, Exercise
from .part01_tensors import _randint, _randn
from .part04_training import _sizes, training_setup


# --- reference answers -------------------------------------------------------------------

def state_dict_size_bytes(model: nn.Module) -> int:
    return sum(tensor.numel() * tensor.element_size() for tensor in model.state_dict().values())


def save_checkpoint(model: MLP, path: str) -> None:
    torch.save({"input_size": model.input_size, "hidden_sizes": list(model.hidden_sizes),
                "output_size": model.output_size, "state_dict": model.state_dict()}, path)


def load_checkpoint(path: str) -> MLP:
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    model = MLP(checkpoint["input_size"], checkpoint["hidden_sizes"], checkpoint["output_size"])
    model.load_state_dict(checkpoint["state_dict"])
    return model


def strip_prefix(state_dict: dict, prefix: str) -> dict:
    return {key.removeprefix(prefix): value for key, value in state_dict.items()}


def load_compatible(model: nn.Module, state_dict: dict) -> list[str]:
    own = model.state_dict()
    fitting = {key: value for key, value in state_dict.items() if key in own and own[key].shape == value.shape}
    model.load_state_dict(fitting, strict=False)
    return sorted(set(state_dict) - set(fitting))


def make_checkpoint(model: nn.Module, optimizer: torch.optim.Optimizer, epoch: int) -> dict:
    return {"model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(), "epoch": epoch}


def resume(path: str, model: nn.Module, optimizer: torch.optim.Optimizer) -> int:
    checkpoint = torch.load(path, weights_only=True)
    model.load_state_dict(checkpoint["model_state_dict"])
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    return checkpoint["epoch"]


# --- the known mistakes, in the order of torchcourse.part06_saving_loading.KNOWN_MISTAKES ---
# (None: recognised by what it raised or changed)

def _loading_and_returning_the_models_missing_keys(model, state_dict) -> list[str]:
    own = model.state_dict()
    fitting = {key: value for key, value in state_dict.items() if key in own and own[key].shape == value.shape}
    return sorted(model.load_state_dict(fitting, strict=False).missing_keys)


def _resume_without_the_optimizer(path, model, optimizer) -> int:
    checkpoint = torch.load(path, weights_only=True)
    model.load_state_dict(checkpoint["model_state_dict"])
    return checkpoint["epoch"]


MISTAKES: dict[str, tuple] = {
    "state_dict_size_bytes": (lambda model: sum(p.numel() * p.element_size() for p in model.parameters()),
                              lambda model: 4 * sum(t.numel() for t in model.state_dict().values())),
    "save_checkpoint": (None, None, lambda model, path: torch.save({"state_dict": model.state_dict()}, path)),
    "load_checkpoint": (None, None),
    "strip_prefix": (lambda state_dict, prefix: {key.replace(prefix, ""): value for key, value in state_dict.items()},
                     lambda state_dict, prefix: {key[len(prefix):]: value for key, value in state_dict.items()}),
    "load_compatible": (None, _loading_and_returning_the_models_missing_keys),
    "make_checkpoint": (lambda model, optimizer, epoch: {"model_state_dict": model.state_dict(), "epoch": epoch},),
    "resume": (_resume_without_the_optimizer,
               lambda path, model, optimizer: resume(path, model, optimizer) + 1),
}


# --- hidden test inputs --------------------------------------------------------------------

def mlp_sizes(generator: torch.Generator) -> list:
    """Random sizes for an MLP: inputs, one to three hidden layers, outputs."""
    hidden = [_randint(generator, 2, 7) for _ in range(_randint(generator, 1, 3))]
    return [_randint(generator, 3, 9), hidden, _randint(generator, 2, 5)]


def _size_cases(generator: torch.Generator) -> list[Case]:
    """Small models, the last two with batch normalisation (whose buffers count too, one of
    them an int64 counter)."""
    cases = []
    for batch_norm in (False, True, True):
        features, hidden, classes = _randint(generator, 3, 9), _randint(generator, 2, 8), _randint(generator, 2, 5)
        layers: list[list[object]] = [["linear", features, hidden]]
        layers += [["batchnorm1d", hidden]] if batch_norm else []
        layers += [["relu"], ["linear", hidden, classes]]
        cases.append(({"layers": layers},))
    return cases


def _writer_cases(generator: torch.Generator) -> list[Case]:
    cases = []
    for _ in range(3):
        sizes = mlp_sizes(generator)
        cases.append((sizes, draw_weights(MLP(*sizes), generator)))
    return cases


def _reader_cases(generator: torch.Generator) -> list[Case]:
    cases = []
    for _ in range(3):
        input_size, hidden_sizes, output_size = mlp_sizes(generator)
        checkpoint = {"input_size": input_size, "hidden_sizes": hidden_sizes, "output_size": output_size,
                      "state_dict": draw_weights(MLP(input_size, hidden_sizes, output_size), generator)}
        cases.append((checkpoint, _randn(generator, _randint(generator, 1, 6), input_size)))
    return cases


def _state_dict(generator: torch.Generator, keys: list[str]) -> dict[str, torch.Tensor]:
    return {key: _randn(generator, _randint(generator, 1, 4)) for key in keys}


def _prefix_cases(generator: torch.Generator) -> list[Case]:
    """Wrapped state dicts, with keys that lack the prefix and a key that holds it elsewhere."""
    cases = []
    for prefix in ("module.", "_orig_mod.", "encoder."):
        names = [f"layer{index}.{kind}" for index in range(_randint(generator, 1, 3)) for kind in ("weight", "bias")]
        keys = [f"{prefix}{name}" for name in names] + ["extra.scale", f"head.{prefix}weight"]
        order = torch.randperm(len(keys), generator=generator).tolist()
        cases.append((_state_dict(generator, [keys[i] for i in order]), prefix))
    return cases


def _compatible_cases(generator: torch.Generator) -> list[Case]:
    """A model, and a state dict for one of another head: the head's tensors have other shapes,
    a key is extra and one of the model's is missing."""
    cases = []
    for _ in range(3):
        features, classes = _sizes(generator)
        setup = training_setup(generator, features, classes)
        hidden = setup["model"]["layers"][0][2]
        other = build_module({"layers": [["linear", features, hidden], ["relu"], ["linear", hidden, classes + 1]]})
        state_dict = draw_weights(other, generator)
        state_dict["3.weight"] = _randn(generator, 2, 2)
        del state_dict["0.bias"]
        cases.append((setup, "<model>", state_dict))
    return cases


def _checkpoint_cases(generator: torch.Generator) -> list[Case]:
    """Models whose optimizer (SGD with momentum, then Adam) has already taken steps."""
    cases = []
    for optimizer in ("sgd", "adam"):
        features, classes = _sizes(generator)
        setup = training_setup(generator, features, classes, optimizer=optimizer)
        setup["steps before"] = _randint(generator, 1, 3)
        cases.append((setup, "<model>", "<optimizer>", _randint(generator, 1, 50)))
    return cases


def _resume_cases(generator: torch.Generator) -> list[Case]:
    cases = []
    for optimizer in ("sgd", "adam", "adam"):
        (features, classes), n = _sizes(generator), _randint(generator, 3, 9)
        setup = training_setup(generator, features, classes, optimizer=optimizer)
        cases.append((setup, _randn(generator, n, features), torch.randint(0, classes, (n,), generator=generator),
                      _randint(generator, 1, 50)))
    return cases


EXERCISES = [
    Exercise("state_dict_size_bytes", state_dict_size_bytes, _size_cases, kind=FUNCTION_OF_MODULE,
             mistakes=MISTAKES["state_dict_size_bytes"]),
    Exercise("save_checkpoint", save_checkpoint, _writer_cases, kind=FILE_WRITER, mistakes=MISTAKES["save_checkpoint"]),
    Exercise("load_checkpoint", load_checkpoint, _reader_cases, rtol=1e-5, atol=1e-6, kind=FILE_READER,
             mistakes=MISTAKES["load_checkpoint"]),
    Exercise("strip_prefix", strip_prefix, _prefix_cases, kind=FUNCTION, mistakes=MISTAKES["strip_prefix"]),
    Exercise("load_compatible", load_compatible, _compatible_cases, kind=TRAINING, mistakes=MISTAKES["load_compatible"]),
    Exercise("make_checkpoint", make_checkpoint, _checkpoint_cases, kind=TRAINING, mistakes=MISTAKES["make_checkpoint"]),
    Exercise("resume", resume, _resume_cases, rtol=1e-6, atol=1e-7, kind=RESUME, mistakes=MISTAKES["resume"]),
]
