"""Part 6 (Saving and loading models): the visible checks, hints and known mistakes.

What a correct answer gives on each check's inputs is not here: it was saved when the course was
released (see `torchcourse.checks`).
"""

from __future__ import annotations

import torch

from .grading import FILE_READER, FILE_WRITER, FUNCTION, FUNCTION_OF_MODULE, RESUME, TRAINING
from .models import MLP
from .modules import build_module, draw_weights, optimizer_settings
from .part04_training import _labels
from .spec import Inputs, KnownMistake, VisibleCheck, randn


def _setup(g: torch.Generator, optimizer: str, steps_before: int = 0) -> dict[str, object]:
    """A small classifier with drawn weights, its optimiser (SGD with momentum or Adam) and a loss."""
    layers: list[list[object]] = [["linear", 5, 8], ["relu"], ["linear", 8, 3]]
    return {"model": {"layers": layers, "weights": draw_weights(build_module({"layers": layers}), g)},
            "optimizer": optimizer_settings(optimizer), "loss": "cross_entropy", "junk gradients": True, "steps before": steps_before}


def _checkpoint(g: torch.Generator) -> Inputs:
    """A checkpoint of an MLP(6, [5, 4], 3), and inputs for the model built from it."""
    sizes = [6, [5, 4], 3]
    checkpoint = {"input_size": 6, "hidden_sizes": [5, 4], "output_size": 3,
                  "state_dict": draw_weights(MLP(*sizes), g)}
    return checkpoint, randn(g, 4, 6)


def _wrapped(g: torch.Generator) -> Inputs:
    """A state dict saved from a wrapped model, with a key that holds the prefix elsewhere."""
    keys = ["module.fc.weight", "module.fc.bias", "head.module.scale", "steps"]
    return {key: randn(g, 2) for key in keys}, "module."


def _other_head(g: torch.Generator) -> Inputs:
    """A model, and the state dict of one with a wider last layer and an extra tensor."""
    setup = _setup(g, "sgd")
    state_dict = draw_weights(build_module({"layers": [["linear", 5, 8], ["relu"], ["linear", 8, 4]]}), g)
    state_dict["temperature"] = randn(g, 1)
    return setup, "<model>", state_dict


CHECKS: dict[str, VisibleCheck] = {
    "state_dict_size_bytes": VisibleCheck(lambda g: ({"layers": [["linear", 4, 6], ["batchnorm1d", 6], ["relu"],
                                                                 ["linear", 6, 2]]},), 0, kind=FUNCTION_OF_MODULE),
    "save_checkpoint": VisibleCheck(lambda g: ([6, [5, 4], 3], draw_weights(MLP(6, [5, 4], 3), g)), 0,
                                    kind=FILE_WRITER),
    "load_checkpoint": VisibleCheck(_checkpoint, 1e-5, kind=FILE_READER, atol=1e-6),
    "strip_prefix": VisibleCheck(_wrapped, 0, kind=FUNCTION),
    "load_compatible": VisibleCheck(_other_head, 0, kind=TRAINING),
    "make_checkpoint": VisibleCheck(lambda g: (_setup(g, "adam", steps_before=2), "<model>", "<optimizer>", 7), 0,
                                    kind=TRAINING),
    "resume": VisibleCheck(lambda g: (_setup(g, "adam"), randn(g, 6, 5), _labels(g, 6, 3), 4), 1e-6,
                           kind=RESUME, atol=1e-7),
}


# Hints a learner asks for with `hint(name, level)`, from a nudge (1) to the most specific (3).
# None of them holds a line of the solution: tests/test_hints.py checks that.
HINTS: dict[str, list[str]] = {
    "state_dict_size_bytes": [
        "Look back at the section on what a state_dict holds: parameters, and buffers too.",
        "Go through every tensor of the state_dict, whatever its dtype, and add up its number of "
        "elements times the bytes each element takes. Known mistakes: the parameters only (the "
        "buffers are missing), 4 bytes for every element.",
        "A tensor's `element_size()` is 4 for float32 and 8 for int64. The answer is a Python int.",
    ],
    "save_checkpoint": [
        "Look back at the section on checkpoints that carry the architecture: the sizes go into the "
        "file beside the weights.",
        "Build a dict with the four keys of the statement, reading the sizes from the model's "
        "attributes, and save the dict to `path`. Known mistakes: saving the model object itself "
        "(it needs full pickling to load), leaving the sizes out.",
        "Every value must be plain data: ints, a list of ints, and the state_dict (call the method: "
        "`state_dict` without brackets is the method itself).",
    ],
    "load_checkpoint": [
        "Look back at the sections on loading weights and on checkpoints: first read the file, then "
        "build a model of the right shape, then fill it.",
        "The sizes are in the checkpoint: use them to build the MLP, then load the saved weights into "
        "it. Known mistakes: reading another file than `path`, sizes written into the code.",
        "The grader writes checkpoints of models of many sizes: nothing about the shape may be fixed "
        "in your function. Return the model itself.",
    ],
    "strip_prefix": [
        "Look back at the section on state dicts that do not fit: a wrapped model's keys carry a "
        "prefix such as `module.`.",
        "Build a new dict, key by key: if a key starts with the prefix, drop the prefix from its "
        "start; otherwise keep the key as it is. Known mistakes: removing the prefix wherever it "
        "appears, cutting every key short whether it has the prefix or not.",
        "Python's strings have a method that removes a prefix only when it is there (3.9+); "
        "`str.startswith` and slicing do the same.",
    ],
    "load_compatible": [
        "Look back at the section on state dicts that do not fit: a tensor fits when the model has "
        "the same name with the same shape.",
        "Keep only the fitting entries, load them with `strict=False`, and work out which of the "
        "given keys were left out. Known mistakes: `strict=False` alone (it still fails on a shape "
        "that differs), returning the model's missing keys instead of the skipped ones.",
        "Return the skipped keys of `state_dict`, sorted, as a list of strings.",
    ],
    "make_checkpoint": [
        "Look back at the section on resuming training: a training checkpoint holds the model, the "
        "optimiser and where training was.",
        "Three keys, as the statement names them; the two state dicts come from the model and the "
        "optimiser. Known mistake: leaving out the optimiser's state (its momentum or running "
        "averages).",
        "The result must be plain data: state dicts, and the epoch as an int.",
    ],
    "resume": [
        "Look back at the section on resuming training: read the file, then restore both objects.",
        "Load the checkpoint, put the model's state into the model and the optimiser's into the "
        "optimiser, and return the epoch it holds. Known mistakes: the optimiser's state left out "
        "(Adam's next step then goes elsewhere), returning the next epoch instead of the saved one.",
        "Both the model and the optimiser have a `load_state_dict` method.",
    ],
}


# --- the known mistakes, written out so that a wrong answer can be recognised ----------------

KNOWN_MISTAKES: dict[str, list[KnownMistake]] = {
    "state_dict_size_bytes": [
        KnownMistake("Count every tensor of `model.state_dict()`: the buffers (batch normalisation's "
                     "running statistics and counter) are saved too, not only the parameters."),
        KnownMistake("Use each tensor's own `element_size()`: not every tensor is float32 (the batch "
                     "counter is int64, 8 bytes)."),
    ],
    "save_checkpoint": [
        KnownMistake("Call the method: `model.state_dict()`, with brackets. `model.state_dict` is the "
                     "method itself, which pickles the whole model with it, and a file holding that "
                     "cannot be loaded with `weights_only=True`.", raised="a pickled `getattr`"),
        KnownMistake("Save plain data, a dict of sizes and `model.state_dict()`: a file holding the "
                     "model object (or anything else pickled) cannot be loaded with "
                     "`weights_only=True`.", raised="`torch.load(path, weights_only=True)` can read"),
        KnownMistake("Save the sizes beside the weights: `input_size`, `hidden_sizes` and "
                     "`output_size`, so that a model of the right shape can be built from the file."),
    ],
    "load_checkpoint": [
        KnownMistake("Read the file at `path`, the function's argument: the grader's checkpoints are "
                     "not where your notebook saved its own.", raised="No such file"),
        KnownMistake("Build the model with the sizes saved in the checkpoint, not sizes written into "
                     "your code: the grader's checkpoints come in many sizes.", raised="size mismatch"),
    ],
    "strip_prefix": [
        KnownMistake("Remove the prefix only from the START of a key: `replace` also removes it from "
                     "the middle of keys such as `head.module.weight`."),
        KnownMistake("Leave the keys that do not start with the prefix as they are: cutting "
                     "`len(prefix)` characters off every key also cuts those."),
    ],
    "load_compatible": [
        KnownMistake("Leave out the tensors whose shape differs from the model's before loading: "
                     "`strict=False` allows missing and unexpected keys, not a size mismatch.",
                     raised="size mismatch"),
        KnownMistake("Return the keys of `state_dict` that were skipped, not the model's keys that "
                     "stayed unloaded (`missing_keys`)."),
    ],
    "make_checkpoint": [
        KnownMistake("Put the optimiser's state in the checkpoint too (`optimizer.state_dict()`): "
                     "without its momentum or running averages, resumed training goes elsewhere."),
    ],
    "resume": [
        KnownMistake("Load the optimiser's state too (`optimizer.load_state_dict(...)`): without it "
                     "Adam's next step, and momentum's, differ from those of uninterrupted training."),
        KnownMistake("Return the epoch saved in the checkpoint, as it is."),
    ],
}
