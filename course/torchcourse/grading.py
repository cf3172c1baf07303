"""Exercising a learner's answer on the grader's inputs, and recording what came back.

Every graded exercise has a kind, which says how its answer is exercised:

- `function`: called with the inputs; what it returns is recorded;
- `function of a function`: the same, but some inputs describe functions drawn from a family
  (see `torchcourse.functions`), which are built here and passed in as callables;
- `differentiable function`: called on inputs that require gradients, then a given upstream
  gradient is back-propagated through the result; the result and the inputs' gradients are
  recorded;
- `autograd Function`: a `torch.autograd.Function` subclass, called through `.apply` and
  back-propagated as above, and its own `forward` and `backward` also called directly, so a
  replaced `apply` cannot stand in for them;
- `module class`: an `nn.Module` class (or a function returning a module), built from the
  case's arguments; its parameter names and shapes are checked, the grader's weights are loaded
  into it, and its outputs are recorded in eval mode on the inputs' device and once in training
  mode on the CPU with the random seed fixed (so dropout must sit where the reference has it);
- `function of a module`: called with models drawn as plain data (see `torchcourse.modules`);
- `module initialiser`: called on a drawn model, which it changes in place; what is recorded is
  each parameter's statistics (all zeros? its spread, long tails?), since random values can only
  be compared by their distribution;
- `training`: a function that trains or evaluates a model: it gets a model, optimizer, loss and
  data loaders built from plain data, and what it returns, the weights it leaves and how every
  forward pass ran (training mode? gradients on?) are recorded;
- `trained classifier`: the learner's own trained model, whose predicted classes for held-out
  images are recorded; it passes when enough of them match labels that only the grader has;
- `seeded split`: a function `(n, size, seed)` that splits the indices 0..n-1 at random; it is
  called twice with one seed and once with each of several others, and judged on properties
  (sizes, disjoint and covering parts, the same split for the same seed, others for the other
  seeds, the global random state left alone), since any correct split is as good as the reference's;
- `file writer`: a function `(model, path)` that saves an `MLP` (see `torchcourse.models`) to a
  file; the harness gives it a path in a fresh folder of the working copy, reads the file back
  itself with `torch.load(weights_only=True)`, and records what it holds (a file that needs full
  pickling is refused, and nothing in it runs);
- `file reader`: a function `(path)` that rebuilds a model from a checkpoint the harness wrote;
  the model's state_dict and its outputs (in eval mode) are recorded;
- `resume`: a function `(path, model, optimizer)` that loads a training checkpoint into fresh
  objects: the harness takes one training step, saves a checkpoint, calls the answer on a fresh
  model and optimizer, takes one more step, and records what it returned and the weights, which
  must equal those of two uninterrupted steps;
- `function of a loader`: called with loaders described as plain data (see
  `torchcourse.modules.build_loader`), whose batching is the grader's own work: its PyTorch calls
  are not the answer's;
- `dataset class`: a `torch.utils.data.Dataset` class built from the case's arguments (tensors,
  transforms described as plain data, or a folder of image files the harness writes into a fresh
  folder of the working copy, see `torchcourse.images`); its length, the items at the indices the
  grader drew (negative ones too) and the attributes the case names are recorded, PIL images as
  plain data and paths relative to the folder;
- `transform`: a function that returns a transform; the transform is applied to the case's images
  (as PIL images or as tensors) with torch's random seed fixed, and its outputs are recorded;
- `random transform`: the same, with the seed fixed three times (one seed twice, then another),
  judged on properties (shape and dtype, the same output for the same seed, another for another
  seed, a one-colour image kept one colour), since any correct augmentation is as good as the
  reference's;
- `loader`: a function `(dataset, ...)` that returns a DataLoader over a dataset the harness
  builds; the batches of two passes over it and of one pass over a second loader made with the
  same arguments are recorded, and whether torch's global random state changed;
- `model surgery`: a function `(model, ...)` that changes a drawn model in place (freezes it,
  gives it a new head...) or reads it; what it returned (the model's parameters by name) and the
  model afterwards are recorded: which parameters require gradients, their shapes, which kept
  their values and each submodule's mode (new weights are random, so only their shapes can be
  compared); a parameter left on another device than the model's is refused;
- `photo classifier`: the learner's function that classifies a list of PIL photos; the classes
  it predicts for held-out photos are recorded, and it passes, as a trained classifier does,
  when enough of them match labels that only the grader has.

The same harness serves three callers: `record_for_grading` in a hidden test cell (inside the
learner's kernel, where it decides nothing), the grader's judge (which runs the hidden reference
through it in its own process to get the expected record), and the visible checks (which compare
with records the reference made when the course was released). A harness builds what it needs from
plain data (tensors, numbers, strings, lists and dicts of them) and records only plain data, which
the grader reads back with `torch.load(weights_only=True)`. Each record also holds the PyTorch
calls the answer made (see `torchcourse.rules`), on which the exercise's rules are judged.
"""

from __future__ import annotations

import contextlib
import copy
import os
import re
import shutil
import sysconfig
import tempfile
import traceback
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import torch
from torch import nn

from .feedback import NOT_WRITTEN_YET, changed_in_place, describe, given_gradients, mismatch
from .functions import build_function, is_function_spec
from .images import (TRANSFORMS, describe_image_tree, is_image_tree, is_one_colour, is_transform_spec,
                     recorded, to_pil, write_image_tree)
from .models import MLP
from .modules import (LOSSES, build_loader, build_module, build_optimizer, is_loader_spec,
                      is_module_spec, layout_problem)
from .rules import Rules, input_size, not_counted, watch_calls

GRADING_DIR_VARIABLE = "TORCHCOURSE_GRADING_DIR"

FUNCTION = "function"
FUNCTION_OF_FUNCTION = "function of a function"
DIFFERENTIABLE = "differentiable function"
AUTOGRAD_FUNCTION = "autograd Function"
MODULE_CLASS = "module class"
FUNCTION_OF_MODULE = "function of a module"
MODULE_INITIALISER = "module initialiser"
TRAINING = "training"
CLASSIFIER = "trained classifier"
SEEDED_SPLIT = "seeded split"
FILE_WRITER = "file writer"
FILE_READER = "file reader"
RESUME = "resume"
FUNCTION_OF_LOADER = "function of a loader"
DATASET_CLASS = "dataset class"
TRANSFORM = "transform"
RANDOM_TRANSFORM = "random transform"
LOADER = "loader"
MODEL_SURGERY = "model surgery"
PHOTO_CLASSIFIER = "photo classifier"
TRAINING_SEED = 0
TRAINING_MODE_ONLY = ("In evaluation mode your outputs are right; in training mode (`model.train()`) "
                      "they differ: look at the layers that act differently in the two modes, such as "
                      "dropout, and where they sit.")
GUESSING = 0.3  # an accuracy below this on 10 classes is near what an untrained model scores


class NotGradable(Exception):
    """The answer ran, but what it gave cannot be tested as the exercise asks (said in words)."""


def inputs_path(folder: Path, name: str) -> Path:
    """Where the grader puts the hidden inputs for exercise `name`."""
    return folder / f"{name}.inputs.pt"


def results_path(folder: Path, name: str) -> Path:
    """Where the recorder saves what the learner's answer returned for exercise `name`."""
    return folder / f"{name}.results.pt"


# --- the harnesses, one per kind ------------------------------------------------------------

def call_function(answer: Callable[..., Any], args: list[Any]) -> Any:
    return answer(*args)


def call_with_built_inputs(answer: Callable[..., Any], args: list[Any]) -> Any:
    """Call `answer` with every function, model, transform or loader described as plain data
    built first (a loader as an `UncountedLoader`)."""
    return answer(*[_build(arg) for arg in args])


def _build(value: Any) -> Any:
    if is_function_spec(value):
        return build_function(value)
    if is_module_spec(value):
        return build_module(value)
    if is_transform_spec(value):
        return TRANSFORMS[value["transform"]]
    if is_loader_spec(value):
        return UncountedLoader(build_loader(value))
    return value


class UncountedLoader:
    """A loader that can be gone through once, as a dataset too large to hold must be, and whose
    batching (the `torch.stack` that collates a batch) is not counted among the answer's PyTorch
    calls; otherwise it behaves as the loader it wraps."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader
        self.passes = 0

    def __iter__(self) -> Iterator[Any]:
        self.passes += 1
        if self.passes > 1:
            raise NotGradable("it went through the loader a second time; go through it once, keeping "
                              "running sums as you go (a real dataset is read from disk batch by batch, "
                              "and every pass costs as much as an epoch).")
        batches = iter(self.loader)
        while True:
            with not_counted():
                batch = next(batches, None)
            if batch is None:
                return
            yield batch

    def __len__(self) -> int:
        return len(self.loader)

    def __getattr__(self, name: str) -> Any:  # .dataset, .batch_size...
        return getattr(self.loader, name)


def call_and_backpropagate(answer: Callable[..., Any], args: list[Any]) -> dict[str, Any]:
    """Call `answer` on inputs that require gradients; back-propagate the last argument."""
    *inputs, upstream = args
    leaves = [_fresh_leaf(arg) if _is_float_tensor(arg) else arg for arg in inputs]
    output = answer(*leaves)
    if not isinstance(output, torch.Tensor):
        raise NotGradable(f"expected a tensor, got {describe(output)}.")
    if not output.requires_grad:
        raise NotGradable("no gradient can flow back through your result: it is not connected "
                          "to the input (was everything detached?).")
    with not_counted():
        output.backward(upstream)
    return {"output": output, "gradients": [leaf.grad for leaf in leaves if _is_float_tensor(leaf)]}


def call_autograd_function(answer: Any, args: list[Any]) -> dict[str, Any]:
    """Run an autograd Function through `.apply` and backward, then its forward and backward
    directly with a plain context object."""
    *inputs, upstream = args
    if not (isinstance(answer, type) and issubclass(answer, torch.autograd.Function)):
        raise NotGradable(f"expected a class derived from torch.autograd.Function, got "
                          f"{describe(answer)}.")
    leaves = [_fresh_leaf(arg) for arg in inputs]
    output = answer.apply(*leaves)
    with not_counted():
        output.backward(upstream)
    context = FunctionCtx(len(inputs))
    copies = [arg.detach().clone() for arg in inputs]
    with torch.no_grad():
        if answer.setup_context is torch.autograd.Function.setup_context:
            direct = answer.forward(context, *copies)
        else:  # the newer style: forward without ctx, then setup_context
            direct = answer.forward(*copies)
            answer.setup_context(context, tuple(copies), direct)
        direct_gradients = answer.backward(context, upstream.clone())
    if not isinstance(direct_gradients, tuple):
        direct_gradients = (direct_gradients,)
    return {"output": output, "gradients": [leaf.grad for leaf in leaves],
            "forward": direct, "backward": list(direct_gradients)}


def build_and_run_module(answer: Callable[..., Any], args: list[Any]) -> dict[str, Any]:
    """Build a module from the case's arguments, check how it is laid out, load the given
    weights, and run it in eval mode on the inputs' device, then in training mode on the CPU
    with the random seed fixed."""
    init_args, weights, trainable, inputs = args
    module = answer(*init_args)
    if not isinstance(module, nn.Module):
        raise NotGradable(f"expected an nn.Module, got {describe(module)}.")
    problem = layout_problem(module, weights, trainable)
    if problem:
        raise NotGradable(problem)
    device = inputs[0].device if inputs and isinstance(inputs[0], torch.Tensor) else torch.device("cpu")
    module.to(device).load_state_dict(weights)
    with torch.no_grad(), _full_float32_convolutions():
        # seeded as well, so that dropout left on in eval mode gives the same wrong output each time
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            torch.manual_seed(TRAINING_SEED)
            output = module.eval()(*inputs)
        training = copy.deepcopy(module).to("cpu").train()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(TRAINING_SEED)
            training_output = training(*to_device(inputs, "cpu"))
    return {"output": output, "training output": training_output}


@contextlib.contextmanager
def _full_float32_convolutions() -> Iterator[None]:
    """Turn off cuDNN's TensorFloat-32 convolutions (about 3 significant digits) for a while, so
    that a GPU's results can be compared with float32 ones computed on the CPU."""
    allowed = torch.backends.cudnn.allow_tf32
    torch.backends.cudnn.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cudnn.allow_tf32 = allowed


def initialise_and_measure(answer: Callable[..., Any], args: list[Any]) -> dict[str, Any]:
    """Call `answer` on the model described by the case; return each parameter's statistics:
    whether it is all zeros, and for a weight matrix or kernel also its standard deviation and
    whether it has long tails (a value beyond twice the standard deviation, which a uniform
    distribution never has and a normal one of thousands of values always has)."""
    (spec,) = args
    model = build_module(spec)
    answer(model)
    statistics: dict[str, Any] = {}
    for name, values in model.state_dict().items():
        statistics[name] = {"all zeros": bool((values == 0).all())}
        if values.ndim >= 2:
            std = values.std().item()
            statistics[name].update(std=std, **{"long tails": values.abs().max().item() > 2 * std})
    return statistics


def train_and_record(answer: Callable[..., Any], args: list[Any]) -> dict[str, Any]:
    """Build a model, optimizer and loss from the case's setup, hand them to `answer` with the
    case's other arguments, and record what it returned and what it did to the model.

    The setup is plain data: {"model": a model spec with its weights, "optimizer": an optimizer
    spec, "loss": a loss name, "junk gradients": whether every parameter starts with a .grad of
    ones}. Among the other arguments, the strings "<model>", "<optimizer>", "<loss>" and
    "<device>" stand for those objects, and loader specs become DataLoaders. Every forward pass is
    watched: how many ran in training mode and how many with gradients on."""
    setup, *arguments = args
    model = build_module(setup["model"]).train(not setup.get("eval mode"))
    optimizer = build_optimizer(model, setup["optimizer"])
    if setup.get("junk gradients"):
        for parameter in model.parameters():
            parameter.grad = torch.ones_like(parameter)
    with not_counted():
        for _ in range(setup.get("steps before", 0)):  # so that the optimizer has a state
            optimizer.step()
    device = setup["model"].get("device", "cpu")
    stand_ins = {"<model>": model, "<optimizer>": optimizer, "<loss>": LOSSES[setup["loss"]](),
                 "<device>": torch.device(device)}
    built = [build_loader(arg) if is_loader_spec(arg) else
             stand_ins.get(arg, arg) if isinstance(arg, str) else arg for arg in arguments]
    passes: list[tuple[bool, bool]] = []
    model_class = type(model)

    def watched_forward(self: nn.Module, *inputs: Any, **options: Any) -> Any:
        passes.append((self.training, torch.is_grad_enabled()))
        return model_class.forward(self, *inputs, **options)

    # `model(x)` and `model.forward(x)` both come through a forward of the model's own class (a
    # copy the answer makes, to keep the best weights say, runs its own weights through it)
    model.__class__ = type(model_class.__name__, (model_class,),
                           {"forward": watched_forward, "__qualname__": model_class.__qualname__,
                            "__module__": model_class.__module__})
    try:
        with torch.random.fork_rng(devices=[torch.device(device)] if device != "cpu" else []):
            torch.manual_seed(TRAINING_SEED)
            returned = answer(*built)
    finally:
        model.__class__ = model_class
    record = {"returned": returned, "weights": model.state_dict(), "in training mode after": model.training,
              "forward passes": len(passes),
              "forward passes in training mode": sum(training for training, _ in passes),
              "forward passes with gradients on": sum(gradients for _, gradients in passes)}
    if setup.get("modes by child"):
        del record["forward passes in training mode"]
        record["in training mode after"] = {name: child.training for name, child in model.named_children()}
    return record


def predict_classes(answer: Any, args: list[Any]) -> dict[str, Any]:
    """Record the classes a trained model predicts for the case's images (in eval mode, without
    gradients, on the model's own device), and the pass mark, which the grader takes from its
    own copy of the case. The labels never come near the model."""
    images, classes, pass_mark = args
    if answer is None:  # what `training.call_if_written` gives while the answer is the stub
        raise NotImplementedError("there is no trained model yet")
    if not isinstance(answer, nn.Module):
        raise NotGradable(f"expected your trained model (an nn.Module), got {describe(answer)}.")
    parameter = next(answer.parameters(), None)
    device = parameter.device if parameter is not None else torch.device("cpu")
    was_training = answer.training
    answer.eval()
    try:
        with torch.no_grad():
            scores = torch.cat([answer(batch.to(device)) for batch in images.split(500)])
    finally:
        answer.train(was_training)
    if tuple(scores.shape) != (len(images), classes):
        raise NotGradable(f"your model maps {len(images)} images of shape {tuple(images.shape[1:])} to "
                          f"{describe(scores)}; expected one row of {classes} class scores per image, "
                          f"shape ({len(images)}, {classes}).")
    return {"predictions": scores.argmax(dim=1), "pass mark": pass_mark}


def prediction_accuracy(expected: dict[str, Any], got: Any) -> float | None:
    """The share of a model's recorded predictions that equal the labels (the expected
    "predictions"), or None when it did not record one prediction per image."""
    labels = expected["predictions"]
    predictions = got.get("predictions") if isinstance(got, dict) else None
    if not isinstance(predictions, torch.Tensor) or predictions.shape != labels.shape:
        return None
    return (predictions.cpu() == labels).double().mean().item()


def compare_predictions(expected: dict[str, Any], got: Any) -> str | None:
    """Whether a model's predictions reach the pass mark against the labels; what it scored if not."""
    labels, pass_mark = expected["predictions"], float(expected["pass mark"])
    accuracy = prediction_accuracy(expected, got)
    if accuracy is None:
        return f"expected one predicted class for each of the {len(labels)} images, got {describe(got)}"
    if accuracy < pass_mark:
        guessing = (" That is about what guessing gives: make sure `model` is the network after "
                    "training, and that its training loss went down." if accuracy < GUESSING else
                    " It gave every image the same class: make sure it uses the network after "
                    "training, and that its training loss went down." if got["predictions"].unique().numel() == 1
                    else "")
        return (f"your model classified {accuracy:.1%} of the {len(labels)} held-out images correctly; "
                f"the pass mark is {pass_mark:.0%}.{guessing}")
    return None


def describe_pass_mark(expected: dict[str, Any], got: Any) -> str:
    """What a model that reached the pass mark scored, for its verdict."""
    accuracy = prediction_accuracy(expected, got) or 0.0
    return (f"classified {accuracy:.1%} of the {len(expected['predictions'])} held-out images "
            f"correctly (pass mark {float(expected['pass mark']):.0%})")


OTHER_SEEDS = 5  # two seeds may give the same split by chance; all of these, only if the seed is ignored


def split_three_times(answer: Callable[..., Any], args: list[Any]) -> dict[str, Any]:
    """Call a seeded split with a seed, with the same seed again, and with other seeds (the case's
    other seed and the next ones); record the splits as lists of indices and whether the global
    random state changed."""
    n, size, seed, other_seed = args
    before = torch.get_rng_state()
    splits = {key: _index_lists(answer(n, size, chosen)) for key, chosen in (("split", seed), ("same seed", seed))}
    splits["other seeds"] = [_index_lists(answer(n, size, other_seed + step)) for step in range(OTHER_SEEDS)]
    return {**splits, "global random state changed": not torch.equal(before, torch.get_rng_state())}


def _index_lists(returned: Any) -> list[list[int]]:
    """A split returned as two 1-d int64 tensors of indices, as two lists of ints."""
    parts = list(returned) if isinstance(returned, (tuple, list)) else []
    if len(parts) != 2 or not all(isinstance(part, torch.Tensor) and part.ndim == 1
                                  and part.dtype == torch.int64 for part in parts):
        shown = (describe(returned) if len(parts) != 2 else
                 " and ".join(describe(part) for part in parts))
        raise NotGradable(f"expected a tuple (train_indices, val_indices) of two 1-d int64 tensors, got {shown}.")
    return [part.tolist() for part in parts]


def compare_splits(expected: dict[str, Any], got: Any) -> str | None:
    """What is wrong with a recorded split (see `split_three_times`), judged on its properties;
    the expected record, the reference's, gives the sizes."""
    train, val = expected["split"]
    n, size = len(train) + len(val), len(val)
    if not isinstance(got, dict) or any(key not in got for key in expected):
        return f"expected a tuple (train_indices, val_indices), got {describe(got)}"
    got_train, got_val = got["split"]
    if (len(got_train), len(got_val)) != (n - size, size):
        return (f"with n={n} and val_size={size}, expected {n - size} training and {size} validation "
                f"indices, got {len(got_train)} and {len(got_val)}")
    counts = torch.bincount(torch.tensor(got_train + got_val, dtype=torch.int64).clamp(0, n), minlength=n + 1)
    if not bool((counts[:n] == 1).all()):
        index = int((counts[:n] != 1).nonzero()[0])
        how = "is missing" if counts[index] == 0 else f"appears {int(counts[index])} times"
        return (f"expected every index from 0 to {n - 1} exactly once across the two parts; index "
                f"{index} {how}")
    if got["same seed"] != got["split"]:
        return ("the same seed gave a different split the second time, expected the same: draw from "
                "a generator seeded with `seed`, made inside the function")
    if all(split == got["split"] for split in got["other seeds"]):
        return "other seeds gave the same split, expected different ones: use `seed` to seed the draw"
    if got["global random state changed"]:
        return ("the split is right, but it changed the global random state (expected it left alone): "
                "draw from your own `torch.Generator().manual_seed(seed)`, not `torch.manual_seed`")
    return None


@contextlib.contextmanager
def fresh_folder() -> Iterator[Path]:
    """A new folder inside the working directory (the notebook's working copy, where the disk
    limit applies), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="grading-files-", dir=os.getcwd()))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def read_back(path: Path, device: torch.device) -> Any:
    """What the file at `path` holds, read as plain data only (`weights_only=True`: nothing in
    it runs), with its tensors on `device`."""
    if not path.is_file():
        raise NotGradable("nothing was written to `path`: save the checkpoint there with torch.save.")
    try:
        with not_counted():
            return torch.load(path, map_location=device, weights_only=True)
    except Exception as error:  # pickled objects, or not a torch file at all
        found = re.search(r"Unsupported global: GLOBAL (\S+)", _without_colours(str(error)))
        refused = f"a pickled `{found.group(1)}`" if found else f"{type(error).__name__}: not plain data"
        raise NotGradable("expected a file that `torch.load(path, weights_only=True)` can read, which "
                          "loads plain data only (tensors, numbers, strings, lists and dicts); yours holds "
                          f"something else ({refused[:120]}): save a dict of plain data, not the model "
                          "object itself or anything holding it.") from None


def _without_colours(text: str) -> str:
    """`text` without the terminal colour codes some error messages carry."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def save_and_read_back(answer: Callable[..., Any], args: list[Any]) -> Any:
    """Build an MLP of the case's sizes holding its weights, let `answer` save it to a path in a
    fresh folder, and return what the file holds (see `read_back`)."""
    (input_size, hidden_sizes, output_size), weights = args
    device = next(iter(weights.values())).device
    model = MLP(input_size, hidden_sizes, output_size).to(device)
    model.load_state_dict(weights)
    with fresh_folder() as folder:
        path = folder / "checkpoint.pt"
        answer(model, str(path))
        return read_back(path, device)


def write_and_load(answer: Callable[..., Any], args: list[Any]) -> dict[str, Any]:
    """Write the case's checkpoint to a path in a fresh folder, let `answer` build a model from
    it, and record the model's state_dict and its outputs on the case's inputs in eval mode."""
    checkpoint, inputs = args
    with fresh_folder() as folder:
        path = folder / "checkpoint.pt"
        with not_counted():
            torch.save(checkpoint, path)
        model = answer(str(path))
    if not isinstance(model, nn.Module):
        raise NotGradable(f"expected the model you built (an nn.Module), got {describe(model)}.")
    model.to(inputs.device)
    was_training = model.training
    with torch.no_grad():
        output = model.eval()(inputs)
    model.train(was_training)
    return {"state_dict": model.state_dict(), "output": output}


def resume_and_step(answer: Callable[..., Any], args: list[Any]) -> dict[str, Any]:
    """One training step, a checkpoint of the model and the optimizer saved to a file, a fresh
    model and optimizer that `answer` resumes from the file, then one more step; record what
    `answer` returned and the weights, which must equal those of two uninterrupted steps."""
    setup, x, y, epoch = args
    loss_fn = LOSSES[setup["loss"]]()

    def step(model: nn.Module, optimizer: torch.optim.Optimizer) -> None:
        with not_counted():
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()

    trained = build_module(setup["model"])
    trained_optimizer = build_optimizer(trained, setup["optimizer"])
    step(trained, trained_optimizer)
    with fresh_folder() as folder:
        path = folder / "checkpoint.pt"
        with not_counted():
            torch.save({"model_state_dict": trained.state_dict(),
                        "optimizer_state_dict": trained_optimizer.state_dict(), "epoch": epoch}, path)
        fresh = build_module(setup["model"])
        fresh_optimizer = build_optimizer(fresh, setup["optimizer"])
        returned = answer(str(path), fresh, fresh_optimizer)
    step(fresh, fresh_optimizer)
    return {"returned": returned, "weights": fresh.state_dict()}


def build_dataset_and_read(answer: Callable[..., Any], args: list[Any]) -> dict[str, Any]:
    """Build a Dataset from the case's arguments (an image tree becomes the path of a fresh
    folder holding it), and record its length, its items at the case's indices and the
    attributes the case names (see `images.recorded`)."""
    init_args, indices, attributes = args
    with fresh_folder() as folder:
        built = []
        for arg in init_args:
            if is_image_tree(arg):
                with not_counted():
                    write_image_tree(arg, folder)
                arg = str(folder)
            built.append(_build(arg))
        dataset = answer(*built)
        if not isinstance(dataset, torch.utils.data.Dataset):
            raise NotGradable(f"expected a Dataset (an object of a class derived from "
                              f"torch.utils.data.Dataset), got {describe(dataset)}.")
        if type(dataset).__module__.startswith("torchvision"):
            raise NotGradable(f"it gave torchvision's own {type(dataset).__name__}; the exercise asks "
                              "you to write the class yourself.")
        record: dict[str, Any] = {"length": len(dataset)}
        record["items"] = [recorded(dataset[int(index)], str(folder)) for index in indices]
        for name in attributes:
            if not hasattr(dataset, name):
                raise NotGradable(f"your dataset has no attribute `{name}`: set `self.{name}` in `__init__`.")
            record[name] = recorded(getattr(dataset, name), str(folder))
    return record


def transform_images(answer: Callable[..., Any], args: list[Any]) -> dict[str, Any]:
    """Make a transform with the case's arguments and apply it to the case's images, as PIL
    images where the case says so, once for each of the case's seeds with torch's random seed
    set to it; record the outputs, seed by seed, and which images are of one colour."""
    factory_args, images, as_pil, seeds = args
    transform = answer(*factory_args)
    if not callable(transform):
        raise NotGradable(f"expected a transform (something to call on an image, such as "
                          f"`v2.Compose([...])`), got {describe(transform)}.")
    outputs = []
    for seed in seeds:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(seed))
            outputs.append([recorded(transform(to_pil(image) if pil else image))
                            for image, pil in zip(images, as_pil)])
    return {"outputs": outputs, "one colour": [is_one_colour(image) for image in images]}


def compare_augmentations(expected: dict[str, Any], got: Any) -> str | None:
    """What is wrong with a random transform's outputs (see `transform_images`, with seeds
    s, s, t), judged on properties; the reference's outputs give the shapes and the one-colour
    images' values."""
    if not isinstance(got, dict) or not isinstance(got.get("outputs"), list):
        return f"expected the transformed images, got {describe(got)}"
    first, again, other = got["outputs"]
    for index, (want, output) in enumerate(zip(expected["outputs"][0], first)):
        if not isinstance(output, torch.Tensor) or output.shape != want.shape or output.dtype != want.dtype:
            return (f"image {index}: expected {describe(want)}, got {describe(output)}: the transform "
                    "must end with a float32 tensor of shape (3, crop, crop)")
    for index, (want, output) in enumerate(zip(expected["outputs"][0], first)):
        problem = mismatch(want, output, rtol=1e-5, atol=1e-5) if expected["one colour"][index] else None
        if problem:
            return (f"image {index} is a photo of one colour, which must come out as that colour, "
                    f"scaled to [0, 1] and normalised, in every pixel: {problem}. Crop, flip and "
                    "resize only (a rotation fills the corners with black), and normalise last")
    if any(not torch.equal(a, b) for a, b in zip(first, again)):
        return ("the same seed gave different outputs, expected the same: take all randomness from "
                "torch's generator, as torchvision's random transforms do (not Python's `random`)")
    if all(torch.equal(a, b) for a, b in zip(first, other)):
        return ("another seed gave the same outputs, expected different ones: the training transform "
                "must augment at random (a random crop, a random flip)")
    return None


def load_twice(answer: Callable[..., Any], args: list[Any]) -> dict[str, Any]:
    """Build a TensorDataset from the case's images and labels, make two loaders from it with
    the case's other arguments, and record the batches of two passes over the first and of one
    over the second, and whether torch's global random state changed."""
    (images, labels), *arguments = args
    dataset = torch.utils.data.TensorDataset(images.cpu(), labels.cpu())
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(TRAINING_SEED)  # so that an answer shuffling with it does the same each time
        before = torch.get_rng_state()
        first = answer(dataset, *arguments)
        second = answer(dataset, *arguments)
        passes = {"first pass": _batches(first), "second pass": _batches(first),
                  "second loader's first pass": _batches(second)}
        changed = not torch.equal(before, torch.get_rng_state())
    return {**passes, "global random state changed": changed}


def _batches(loader: Any) -> list[Any]:
    """The (images, labels) batches of one pass over `loader`, labels first."""
    if not isinstance(loader, torch.utils.data.DataLoader):
        raise NotGradable(f"expected a DataLoader, got {describe(loader)}.")
    return [{"labels": labels, "images": images} for images, labels in loader]


def change_and_inspect(answer: Callable[..., Any], args: list[Any]) -> dict[str, Any]:
    """Build the case's model, call `answer(model, *other arguments)`, and record what it returned
    (the model's parameters by name, see `_by_name`) and the model afterwards, or the model it
    returned if it returned another: which parameters require gradients, the shapes of its
    state_dict, which of the values it came with it kept and each submodule's mode. Every
    parameter must stay on the device the model came on."""
    spec, *arguments = args
    model = build_module(spec)
    before = {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}
    names = {id(parameter): name for name, parameter in model.named_parameters()}
    device = next(model.parameters()).device
    returned = answer(model, *arguments)
    described = _by_name(returned, model, names)
    if isinstance(returned, nn.Module):
        model = returned
    for name, parameter in model.named_parameters():
        if parameter.device != device:
            raise NotGradable(f"`{name}` is on {parameter.device.type}, the rest of the model on {device.type}: "
                              "make new layers on the model's device (`device=` when you build one, or "
                              "`.to(...)`).")
    state = model.state_dict()
    return {"requires_grad": {name: parameter.requires_grad for name, parameter in model.named_parameters()},
            "shapes": {name: str(tuple(tensor.shape)) for name, tensor in state.items()},
            "unchanged": {name: name in state and state[name].shape == old.shape
                          and torch.equal(state[name].detach(), old) for name, old in before.items()},
            "in training mode": {name or "the model": module.training for name, module in model.named_modules()},
            "returned": described}


def _by_name(value: Any, model: nn.Module, names: dict[int, str]) -> Any:
    """`value` as plain data, with the model written "the model" and each of its parameters (as
    it was when the model was built) written as its name; a list of parameters (or an iterator
    over them, such as `model.fc.parameters()`) becomes a sorted list of names."""
    if value is model:
        return "the model"
    if isinstance(value, nn.Parameter):
        return names.get(id(value), f"a parameter that is not the model's, of shape {tuple(value.shape)}")
    if isinstance(value, dict):
        return {str(key): _by_name(item, model, names) for key, item in value.items()}
    if isinstance(value, (list, tuple)) or (hasattr(value, "__next__") and hasattr(value, "__iter__")):
        items = [_by_name(item, model, names) for item in value]
        known = set(names.values())
        parameters = all(isinstance(item, str) and item in known for item in items)
        return sorted(items) if items and parameters else items
    if isinstance(value, nn.Module):
        return f"a module that is not the model it was given: {type(value).__name__}"
    return plain(value)


def classify_photos(answer: Any, args: list[Any]) -> dict[str, Any]:
    """Record the classes the learner's `classify(photos)` predicts for the case's held-out
    photos (uint8 tensors, given to it as PIL images a batch at a time), and the pass mark, which
    the grader takes from its own copy of the case. The labels never come near the answer."""
    photos, classes, pass_mark = args
    if answer is None:  # what `training.call_if_written` gives while the answer is the stub
        raise NotImplementedError("there is no trained classifier yet")
    if not callable(answer):
        raise NotGradable(f"expected your function `classify(photos)`, got {describe(answer)}.")
    predictions = []
    for start in range(0, len(photos), PHOTOS_AT_A_TIME):
        batch = [to_pil(photo) for photo in photos[start:start + PHOTOS_AT_A_TIME]]
        predicted = answer(batch)
        if isinstance(predicted, (list, tuple)):
            predicted = torch.tensor(predicted) if all(isinstance(item, int) for item in predicted) else None
        if (not isinstance(predicted, torch.Tensor) or predicted.shape != (len(batch),)
                or predicted.dtype not in (torch.int32, torch.int64)):
            raise NotGradable(f"`classify` was given a list of {len(batch)} photos and returned "
                              f"{describe(predicted)}; expected one class index per photo: a 1-d "
                              f"tensor of {len(batch)} integers (`scores.argmax(dim=1)`).")
        predictions.append(predicted.cpu().long())
    found = torch.cat(predictions)
    if bool(((found < 0) | (found >= classes)).any()):
        raise NotGradable(f"`classify` returned class {int(found[(found < 0) | (found >= classes)][0])}; "
                          f"the classes are numbered 0 to {classes - 1}.")
    return {"predictions": found, "pass mark": pass_mark}


PHOTOS_AT_A_TIME = 32  # a photo classifier is given the held-out photos in lists of this many


class FunctionCtx(torch.autograd.function.FunctionCtx):
    """The `ctx` handed to an autograd Function's forward and backward when the grader calls
    them directly (named as PyTorch names it, since error messages show the name): it keeps what
    `save_for_backward` saved as `saved_tensors` and, as PyTorch still accepts, `saved_variables`."""

    def __init__(self, input_count: int) -> None:
        self.needs_input_grad = (True,) * input_count
        self.to_save: tuple[torch.Tensor, ...] = ()

    @property
    def saved_tensors(self) -> tuple[torch.Tensor, ...]:
        return self.to_save

    saved_variables = saved_tensors


HARNESSES: dict[str, Callable[[Any, list[Any]], Any]] = {
    FUNCTION: call_function,
    FUNCTION_OF_FUNCTION: call_with_built_inputs,
    DIFFERENTIABLE: call_and_backpropagate,
    AUTOGRAD_FUNCTION: call_autograd_function,
    MODULE_CLASS: build_and_run_module,
    FUNCTION_OF_MODULE: call_with_built_inputs,
    MODULE_INITIALISER: initialise_and_measure,
    TRAINING: train_and_record,
    CLASSIFIER: predict_classes,
    SEEDED_SPLIT: split_three_times,
    FILE_WRITER: save_and_read_back,
    FILE_READER: write_and_load,
    RESUME: resume_and_step,
    FUNCTION_OF_LOADER: call_with_built_inputs,
    DATASET_CLASS: build_dataset_and_read,
    TRANSFORM: transform_images,
    RANDOM_TRANSFORM: transform_images,
    LOADER: load_twice,
    MODEL_SURGERY: change_and_inspect,
    PHOTO_CLASSIFIER: classify_photos,
}

# Kinds whose answers handle data on its way to a model (loaders, files, PIL images), which lives
# on the CPU: they are tested there only, whatever devices are present.
CPU_ONLY = {FUNCTION_OF_LOADER, DATASET_CLASS, TRANSFORM, RANDOM_TRANSFORM, LOADER, PHOTO_CLASSIFIER}


def devices_for(kind: str, devices: list[str]) -> list[str]:
    """The devices an answer of `kind` is tested on, of those present."""
    return ["cpu"] if kind in CPU_ONLY else devices


# Kinds judged by something other than closeness to the reference's record; for those judged by
# a pass mark, how their passing verdict says what was reached.
COMPARISONS: dict[str, Callable[[Any, Any], str | None]] = {CLASSIFIER: compare_predictions,
                                                           PHOTO_CLASSIFIER: compare_predictions,
                                                           SEEDED_SPLIT: compare_splits,
                                                           RANDOM_TRANSFORM: compare_augmentations}
PASS_DESCRIPTIONS: dict[str, Callable[[Any, Any], str]] = {CLASSIFIER: describe_pass_mark,
                                                          PHOTO_CLASSIFIER: describe_pass_mark}


def _is_float_tensor(value: Any) -> bool:
    return isinstance(value, torch.Tensor) and value.is_floating_point()


def _fresh_leaf(tensor: torch.Tensor) -> torch.Tensor:
    return tensor.detach().clone().requires_grad_()


# --- recording -------------------------------------------------------------------------------

def record_for_grading(name: str, answer: Any) -> None:
    """Run `answer` on the grader's hidden inputs for `name` and save what came back.

    Does nothing outside autograding."""
    folder = os.environ.get(GRADING_DIR_VARIABLE)
    if not folder:
        return
    plan = torch.load(inputs_path(Path(folder), name), weights_only=True)
    results = [run_case(plan["kind"], answer, case, device)
               for device in plan["devices"] for case in plan["cases"]]
    torch.save(results, results_path(Path(folder), name))


def run_case(kind: str, answer: Any, case: list[Any], device: str) -> dict[str, Any]:
    """Exercise `answer` once, the way `kind` says, on `case` moved to `device`; describe
    what happened in plain data."""
    args = [to_device(arg, device) for arg in case]
    before = [_state(arg) for arg in args]
    record: dict[str, Any] = {"device": device, "error": None, "problem": None, "recorded": False,
                              "value": None, "description": "", "devices": [],
                              "changed_inputs": [], "given_gradients": [], "calls": {}}
    try:
        with watch_calls(record["calls"]):
            output = HARNESSES[kind](answer, args)
    except NotGradable as problem:
        record["problem"] = str(problem)[:500]
        return record
    except Exception as error:  # the learner's code may raise anything; the grader reports it
        record["error"] = learner_error(error)
        return record
    record["description"] = describe(output)[:200]
    try:
        record["value"], record["devices"] = plain(output), sorted(tensor_devices(output))
        record["recorded"] = True
    except Exception:  # not plain data (an unusual object): described, not recorded
        record["value"] = None
    after = [_state(arg) for arg in args]
    for position, (old, new) in enumerate(zip(before, after)):
        if old is not None and not torch.equal(old[0], new[0]):
            record["changed_inputs"].append(position)
        elif old is not None and new[1:] != old[1:]:
            record["given_gradients"].append(position)
    return record


def _state(value: Any) -> tuple[torch.Tensor, bool, bool] | None:
    """A caller's tensor as it is now: its values, whether it requires grad, whether it has a .grad."""
    if not isinstance(value, torch.Tensor):
        return None
    return value.detach().clone(), value.requires_grad, value.grad is not None


def to_device(value: Any, device: str) -> Any:
    """`value` with every tensor in it (also inside lists and dicts) moved to `device`; a model
    described as plain data is marked to be built there."""
    if isinstance(value, torch.Tensor):
        return value.to(device)
    if is_module_spec(value):
        return {**value, "device": device}
    if isinstance(value, list):
        return [to_device(item, device) for item in value]
    if isinstance(value, dict):
        return {key: to_device(item, device) for key, item in value.items()}
    return value


def plain(value: Any) -> Any:
    """`value` as plain data: detached CPU tensors, numbers, strings, None, lists and dicts.

    Raises TypeError for anything else."""
    if isinstance(value, torch.Tensor):
        return value.detach().as_subclass(torch.Tensor).to("cpu").clone()
    if value is None or type(value) in (bool, int, float, str):
        return value
    for kind in (bool, int, float):  # subclasses, such as NumPy's float64
        if isinstance(value, kind):
            return kind(value)
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    raise TypeError(f"cannot record {type(value).__name__}")


def tensor_devices(value: Any) -> set[str]:
    """The device types of every tensor in `value`."""
    if isinstance(value, torch.Tensor):
        return {value.device.type}
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else []
    return set().union(*(tensor_devices(item) for item in items))


def describe_call(name: str, kind: str, case: list[Any]) -> str:
    """How an answer was exercised on `case`, for messages: "called with (a tensor of shape
    (3, 4), …)", and for a module class, how it was built first."""
    if kind == TRAINING:
        setup, *arguments = case
        return f"called with ({', '.join(_describe_training_argument(setup, arg) for arg in arguments)})"
    if kind == FILE_WRITER:
        (input_size, hidden_sizes, output_size), _ = case
        return (f"called with (an MLP({input_size}, {hidden_sizes}, {output_size}) holding the test's "
                "weights, the path of a new file)")
    if kind == FILE_READER:
        checkpoint, inputs = case
        sizes = ", ".join(repr(checkpoint.get(key)) for key in ("input_size", "hidden_sizes", "output_size"))
        return (f"called with the path of a checkpoint of an MLP({sizes}), and the model it returned "
                f"was called on {describe(inputs)}")
    if kind == RESUME:
        setup, _, _, _ = case
        optimizer = _describe_training_argument(setup, "<optimizer>")
        return (f"called with (the path of a checkpoint saved after one training step of "
                f"{describe(setup['model'])} with {optimizer}, a fresh copy of that model, a fresh "
                "optimizer of the same kind), then given one more step")
    if kind == DATASET_CLASS:
        init_args, indices, attributes = case
        built = f"{name}({', '.join(_describe_data_argument(arg) for arg in init_args)})"
        named = "".join(f", `{attribute}`" for attribute in attributes)
        return f"built as `{built}`, then asked for its length{named} and its items at {[int(i) for i in indices]}"
    if kind in (TRANSFORM, RANDOM_TRANSFORM):
        factory_args, images, as_pil, _ = case
        shown = ", ".join(f"{'a PIL' if pil else 'a uint8 tensor'} image of {image.shape[2]}x{image.shape[1]} pixels"
                          for image, pil in zip(images, as_pil))
        return f"called as `{name}({', '.join(repr(arg) for arg in factory_args)})`, and its transform was applied to {shown}"
    if kind == LOADER:
        (_, labels), *arguments = case
        shown = ", ".join(repr(arg) for arg in arguments)
        return (f"called twice with (a TensorDataset of {len(labels)} (image, label) pairs, {shown}); "
                "the first loader was gone through twice, the second once")
    if kind == CLASSIFIER:
        images, _, _ = case
        return f"called on {len(images)} held-out images of shape {tuple(images.shape[1:])}, in eval mode"
    if kind == PHOTO_CLASSIFIER:
        photos, _, _ = case
        return (f"given the {len(photos)} held-out photos as lists of PIL images, {PHOTOS_AT_A_TIME} "
                "photos at a time")
    if kind != MODULE_CLASS:
        return f"called with ({', '.join(describe(arg) for arg in case)})"
    init_args, _, _, inputs = case
    built = f"{name}({', '.join(repr(arg) for arg in init_args)})"
    return (f"built as `{built}`, to be given the test's weights and called with "
            f"({', '.join(describe(arg) for arg in inputs)})")


def _describe_data_argument(argument: Any) -> str:
    if is_image_tree(argument):
        return describe_image_tree(argument)
    if is_transform_spec(argument):
        return f"transform=v2.functional.{argument['transform']}"
    return describe(argument)


def _describe_training_argument(setup: dict[str, Any], argument: Any) -> str:
    optimizer = dict(setup["optimizer"])
    name = type(build_optimizer(torch.nn.Linear(1, 1), optimizer)).__name__
    settings = ", ".join(f"{key}={value}" for key, value in optimizer.items() if key != "name")
    words = {"<model>": describe(setup["model"]), "<optimizer>": f"the optimizer {name}({settings})",
             "<loss>": f"the loss nn.{LOSSES[setup['loss']].__name__}()",
             "<device>": f"the device {setup['model'].get('device', 'cpu')!r}"}
    return words.get(argument, describe(argument)) if isinstance(argument, str) else describe(argument)


ASKS_FOR_INPUT = ("it stopped to wait for someone to type (`input()`, `pdb.set_trace()` or "
                  "`breakpoint()`), and nobody can while it is graded: take that line out")


def learner_error(error: Exception) -> str:
    """`Name: message`, and where in the learner's own code it was raised (the last line run
    outside PyTorch, this package, Python's own library and the installed packages)."""
    if type(error).__name__ == "StdinNotImplementedError" or isinstance(error, EOFError):
        text = ASKS_FOR_INPUT
    else:
        text = f"{type(error).__name__}: {error}"[:400]
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if not frame.filename.startswith(_NOT_LEARNERS_CODE)]
    if frames and frames[-1].line:
        text += f" (in {frames[-1].name}, at `{frames[-1].line.strip()[:120]}`)"
    return text


_NOT_LEARNERS_CODE = tuple({os.path.dirname(torch.__file__), os.path.dirname(__file__),
                            *(sysconfig.get_paths()[key] for key in ("stdlib", "purelib", "platlib"))})


def find_problem(record: dict[str, Any], expected: Any, rtol: float, atol: float,
                 compare: Callable[[Any, Any], str | None] | None = None) -> str | None:
    """What is wrong with one recorded result compared with the expected one, or None.

    Values are compared with `feedback.mismatch` (NaN where the reference gives NaN is right), or
    with `compare(expected, got)` if given."""
    if record.get("problem"):
        return str(record["problem"])
    error = record.get("error")
    if error:
        if str(error).startswith("NotImplementedError"):
            return f"it is {NOT_WRITTEN_YET}"
        if str(error).startswith(ASKS_FOR_INPUT):
            return f"{error}."
        return f"it raised {error}" + ("" if str(error).endswith(".") else ".")
    if not record.get("recorded"):
        got = str(record.get("description") or "nothing usable")[:200]
        return f"expected {describe(expected)}, got {got}."
    device = record.get("device")
    elsewhere = [place for place in record.get("devices", []) if place != device]
    if elsewhere:
        return (f"the inputs were on {device} but the result is on {elsewhere[0]}: create new "
                "tensors on the inputs' device (e.g. `device=x.device`).")
    if compare is not None:
        problem = compare(expected, record.get("value"))
    else:
        problem = mismatch(expected, record.get("value"), rtol=rtol, atol=atol, equal_nan=True)
    if problem:
        return problem if problem.endswith(".") else problem + "."
    if record.get("changed_inputs"):
        return "it " + changed_in_place([int(p) for p in record["changed_inputs"]])
    if record.get("given_gradients"):
        return "it " + given_gradients([int(p) for p in record["given_gradients"]])
    return None


def name_mistake(mistakes: Sequence[Any], record: dict[str, Any],
                 mistake_records: Callable[[], Sequence[Any]], rtol: float, atol: float) -> str | None:
    """The sentence of the first known mistake (see `spec.KnownMistake`) that explains a wrong
    record, or None. `mistake_records()[i]` is what mistake i, written out, gives on the same case
    (None for a mistake recognised by what it raised or changed); it is asked for only when the
    answer gave a result to compare."""
    reported = f"{record.get('error') or ''} {record.get('problem') or ''}"
    wrong_records = mistake_records() if record.get("recorded") else [None] * len(mistakes)
    for mistake, wrong in zip(mistakes, wrong_records):
        if mistake.raised and mistake.raised in reported:
            return mistake.sentence
        if mistake.changes_input and (record.get("changed_inputs") or record.get("given_gradients")):
            return mistake.sentence
        # a mistake that divides by zero gives NaN in the same places as the answer
        if (wrong is not None and record.get("recorded")
                and mismatch(wrong, record.get("value"), rtol=rtol, atol=atol, equal_nan=True) is None):
            return mistake.sentence
    return None


def explain_problem(kind: str, record: dict[str, Any], expected: Any, case: list[Any], rules: Rules,
                    mistakes: Sequence[Any], mistake_records: Callable[[], Sequence[Any]],
                    rtol: float, atol: float) -> str | None:
    """What is wrong with a record, or None when it is right: the sentence that names the known
    mistake behind it first, if one does, then what was expected and what was got (see
    `find_problem`); for a right result, the rule it broke, if any (see `rules.Rules`).
    `mistake_records()` gives what each known mistake gives on `case` (see `name_mistake`)."""
    problem = find_problem(record, expected, rtol, atol, COMPARISONS.get(kind))
    if problem is None:
        return rules.problem_with_calls(record.get("calls") or {}, case)
    named = name_mistake(mistakes, record, mistake_records, rtol, atol)
    if not named and kind == MODULE_CLASS and problem.startswith("`training output`"):
        named = TRAINING_MODE_ONLY
    return f"{named} {_capitalised(problem)}" if named else problem


def loop_problem(rules: Rules, cases: Sequence[list[Any]], records: Sequence[dict[str, Any]]) -> str | None:
    """Whether the PyTorch calls an answer made grew from the smallest case to the largest (see
    `rules.Rules.problem_with_growth`), for records made on one device and all right otherwise."""
    if not rules.no_loops or len(cases) < 2:
        return None
    sizes = [input_size(case) for case in cases]
    smallest, largest = sizes.index(min(sizes)), sizes.index(max(sizes))
    shown = ", ".join(describe(value) for value in cases[largest])
    return rules.problem_with_growth(records[smallest].get("calls") or {},
                                     records[largest].get("calls") or {}, f"({shown})")


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
