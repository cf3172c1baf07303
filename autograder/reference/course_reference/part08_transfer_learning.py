"""Reference answers and hidden test inputs for Part 8 (Transfer learning).

The exercises that change or read a network are graded on small networks laid out and named as
three pretrained families name theirs: ResNet's head `fc`, DenseNet's `classifier` (after a
`features` block), EfficientNet's `_fc` (after a `_dropout` that is not part of the head). Their
weights are drawn, batch norm's running statistics included, so a backbone left in training mode
changes them, and some arrive frozen already, in part or whole. The capstone is graded on the
held-out cat and dog photos, which the notebook's kernel never reads; the grader gives it their
pixels, never their labels.
"""

from __future__ import annotations

import functools
from typing import Any

import torch
from PIL import Image
from torch import nn
from torchcourse.data import CARRIED_CATS_DOGS, CATS_DOGS_CLASSES
from torchcourse.grading import MODEL_SURGERY, PHOTO_CLASSIFIER, TRAINING
from torchcourse.modules import FAMILIES, build_module, draw_weights, optimizer_settings, small_network
from torchcourse.pretrained import IMAGENET_CATEGORIES
from torchvision.transforms.v2 import functional as TF

from .exercise import Case, Exercise
from .part01_tensors import _randint, _randn


# --- reference answers -------------------------------------------------------------------

def freeze_backbone(model: nn.Module, head_name: str) -> nn.Module:
    model.requires_grad_(False)
    getattr(model, head_name).requires_grad_(True)
    return model


def replace_head(model: nn.Module, head_name: str, num_classes: int) -> nn.Module:
    old = getattr(model, head_name)
    setattr(model, head_name, nn.Linear(old.in_features, num_classes, device=old.weight.device))
    return model


def head_param_groups(model: nn.Module, head_name: str, base_lr: float, head_mult: float) -> list[dict[str, Any]]:
    head = list(getattr(model, head_name).parameters())
    body = [p for p in model.parameters() if p.requires_grad and all(p is not q for q in head)]
    return [{"params": body, "lr": base_lr}, {"params": head, "lr": base_lr * head_mult}]


def extract_features(backbone: nn.Module, loader, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    was_training = backbone.training
    backbone.eval()
    features, labels = [], []
    with torch.no_grad():
        for x, y in loader:
            features.append(backbone(x.to(device)))
            labels.append(y.to(device))
    backbone.train(was_training)
    return torch.cat(features), torch.cat(labels)


def train_head(head: nn.Linear, features: torch.Tensor, labels: torch.Tensor, epochs: int,
               lr: float) -> list[float]:
    optimizer = torch.optim.Adam(head.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(head(features), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def finetune_step(model: nn.Module, head_name: str, x: torch.Tensor, y: torch.Tensor, loss_fn,
                  optimizer) -> float:
    model.eval()
    getattr(model, head_name).train()
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def predict_topk(model: nn.Module, image: torch.Tensor, categories: list[str], k: int) -> list[tuple[str, float]]:
    was_training = model.training
    model.eval()
    with torch.no_grad():
        probabilities = model(image.unsqueeze(0)).softmax(dim=1)[0]
    model.train(was_training)
    values, indices = probabilities.topk(k)
    return [(categories[index], value) for value, index in zip(values.tolist(), indices.tolist())]


# The capstone's pass mark, calibrated with benchmarks/capstone.py: EfficientNet-Lite0's features
# at 160 px and a linear head classify 110 or 111 of the 111 held-out photos (seeds 0 to 4).
PETS_PASS_MARK = 0.95


@functools.lru_cache(maxsize=1)
def held_out_photos() -> tuple[list[torch.Tensor], dict[bytes, int]]:
    """The carried held-out photos as uint8 tensors (3, H, W), and each photo's label by its bytes."""
    photos, labels = [], {}
    for label, name in enumerate(CATS_DOGS_CLASSES):
        for path in sorted((CARRIED_CATS_DOGS / "test" / name).glob("*.jpg")):
            with Image.open(path) as image:
                photo = TF.pil_to_tensor(image.convert("RGB"))
            photos.append(photo)
            labels[photo.numpy().tobytes()] = label
    return photos, labels


def held_out_labels(photos: list[Image.Image]) -> torch.Tensor:
    """The reference "classifier" for the capstone: it knows each held-out photo's label."""
    _, labels = held_out_photos()
    return torch.tensor([labels[TF.pil_to_tensor(photo).numpy().tobytes()] for photo in photos])


def _held_out_cases(generator: torch.Generator) -> list[Case]:
    """Every held-out photo, in an order drawn afresh, the number of classes and the pass mark."""
    photos, _ = held_out_photos()
    order = torch.randperm(len(photos), generator=generator).tolist()
    return [([photos[index] for index in order], len(CATS_DOGS_CLASSES), PETS_PASS_MARK)]


# --- the known mistakes, in the order of torchcourse.part08_transfer_learning.KNOWN_MISTAKES ---

def _freeze_everything(model, head_name):
    for parameter in model.parameters():
        parameter.requires_grad = False
    return model


def _freeze_outside_the_head(model, head_name, return_in_loop: bool = False):
    """Freezing what is outside the head, leaving the head as it came (or, with `return_in_loop`,
    stopping after the first parameter)."""
    for name, parameter in model.named_parameters():
        if not name.startswith(head_name + "."):
            parameter.requires_grad = False
            if return_in_loop:
                return model
    return model


def _freeze_with_eval(model, head_name):
    model.eval()
    getattr(model, head_name).train()
    return model


def _head_sized(width: str):
    def replace(model, head_name, num_classes):
        old = getattr(model, head_name)
        features = {"512": 512, "out_features": old.out_features}[width]
        setattr(model, head_name, nn.Linear(features, num_classes, device=old.weight.device))
        return model
    return replace


def _head_resized_in_name_only(model, head_name, num_classes):
    getattr(model, head_name).out_features = num_classes
    return model


def _head_always_fc(model, head_name, num_classes):
    model.fc = nn.Linear(getattr(model, head_name).in_features, num_classes)
    return model


def _groups_with_the_head_twice(model, head_name, base_lr, head_mult):
    return [{"params": [p for p in model.parameters() if p.requires_grad], "lr": base_lr},
            {"params": list(getattr(model, head_name).parameters()), "lr": base_lr * head_mult}]


def _groups_with_frozen_parameters(model, head_name, base_lr, head_mult):
    head = [id(p) for p in getattr(model, head_name).parameters()]
    return [{"params": [p for p in model.parameters() if id(p) not in head], "lr": base_lr},
            {"params": list(getattr(model, head_name).parameters()), "lr": base_lr * head_mult}]


def _groups_swapped(model, head_name, base_lr, head_mult):
    body, head = (group["params"] for group in head_param_groups(model, head_name, base_lr, head_mult))
    return [{"params": body, "lr": base_lr * head_mult}, {"params": head, "lr": base_lr}]


def _features(backbone, loader, device, switch: bool = True, restore: bool = True,
              gradients: bool = False, last_batch_only: bool = False):
    was_training = backbone.training
    if switch:
        backbone.eval()
    features, labels = [], []
    with torch.set_grad_enabled(gradients):
        for x, y in loader:
            features, labels = ([], []) if last_batch_only else (features, labels)
            features.append(backbone(x.to(device)).detach())
            labels.append(y.to(device))
    if restore:
        backbone.train(was_training)
    return torch.cat(features), torch.cat(labels)


def _train_head(head, features, labels, epochs, lr, zero_grad: bool = True, optimizer=torch.optim.Adam,
                new_optimizer_each_epoch: bool = False):
    made = optimizer(head.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        made = optimizer(head.parameters(), lr=lr) if new_optimizer_each_epoch else made
        if zero_grad:
            made.zero_grad()
        loss = nn.functional.cross_entropy(head(features), labels)
        loss.backward()
        made.step()
        losses.append(loss.item())
    return losses


def _finetune_in(mode: str):
    def step(model, head_name, x, y, loss_fn, optimizer):
        model.train(mode == "train")
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()
    return step


def _finetune_without_zero_grad(model, head_name, x, y, loss_fn, optimizer):
    model.eval()
    getattr(model, head_name).train()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def _topk(model, image, categories, k, scores: str = "softmax", switch: bool = True, restore: bool = True,
          gradients: bool = False):
    was_training = model.training
    if switch:
        model.eval()
    with torch.set_grad_enabled(gradients):
        logits = model(image.unsqueeze(0))
        values = {"softmax": logits.softmax(dim=1), "logits": logits, "dim 0": logits.softmax(dim=0)}[scores][0]
    if restore:
        model.train(was_training)
    top, indices = values.detach().topk(k)
    return [(categories[index], value) for value, index in zip(top.tolist(), indices.tolist())]


MISTAKES: dict[str, tuple] = {
    "freeze_backbone": (_freeze_outside_the_head, _freeze_everything,
                        lambda model, head_name: _freeze_outside_the_head(model, head_name, return_in_loop=True),
                        _freeze_with_eval),
    "replace_head": (_head_sized("512"), _head_sized("out_features"), _head_resized_in_name_only, _head_always_fc),
    "head_param_groups": (_groups_with_the_head_twice, _groups_with_frozen_parameters, _groups_swapped),
    "extract_features": (lambda b, loader, d: _features(b, loader, d, switch=False),
                         lambda b, loader, d: _features(b, loader, d, restore=False),
                         lambda b, loader, d: _features(b, loader, d, gradients=True),
                         lambda b, loader, d: _features(b, loader, d, last_batch_only=True)),
    "train_head": (lambda *args: _train_head(*args, zero_grad=False),
                   lambda *args: _train_head(*args, optimizer=torch.optim.SGD),
                   lambda *args: _train_head(*args, new_optimizer_each_epoch=True)),
    "finetune_step": (_finetune_in("train"), _finetune_in("eval"), _finetune_without_zero_grad),
    "predict_topk": (lambda *args: _topk(*args, scores="logits"), lambda *args: _topk(*args, scores="dim 0"),
                     lambda *args: _topk(*args, switch=False), lambda *args: _topk(*args, restore=False),
                     lambda *args: _topk(*args, gradients=True)),
}


# --- hidden test inputs --------------------------------------------------------------------

def _images(generator: torch.Generator, count: int) -> torch.Tensor:
    side = _randint(generator, 5, 9)
    return _randn(generator, count, 3, side, side)


def _head_name(spec: dict[str, Any]) -> str:
    return spec["names"][-1]


def _freeze_cases(generator: torch.Generator) -> list[Case]:
    """Each family, trainable throughout; then one frozen throughout and one whose head alone
    was frozen, whose heads must come out trainable."""
    specs = [small_network(generator, family) for family in FAMILIES]
    specs += [small_network(generator, "resnet", frozen="everything"), small_network(generator, "densenet", frozen="head")]
    return [(spec, _head_name(spec)) for spec in specs]


def _replace_cases(generator: torch.Generator) -> list[Case]:
    """Each family, one with its backbone frozen (which must stay so), one asking for as many
    classes as the old head had."""
    specs = [small_network(generator, family) for family in FAMILIES]
    specs += [small_network(generator, "efficientnet", frozen="backbone"), small_network(generator, "densenet")]
    cases = [(spec, _head_name(spec), _randint(generator, 2, 10)) for spec in specs]
    same = cases[-1][0]["layers"][-1][2]
    return cases[:-1] + [(cases[-1][0], cases[-1][1], same)]


def _group_cases(generator: torch.Generator) -> list[Case]:
    """Networks trainable throughout and with their first layers frozen, in each family."""
    cases = []
    for family, frozen in (("resnet", "stem"), ("densenet", "nothing"), ("densenet", "stem"),
                           ("efficientnet", "stem")):
        spec = small_network(generator, family, frozen=frozen)
        base_lr = round(float(10 ** (-4 + 2 * torch.rand((), generator=generator))), 6)
        cases.append((spec, _head_name(spec), base_lr, float(_randint(generator, 2, 20))))
    return cases


def _setup(model: dict[str, Any], **options: Any) -> dict[str, Any]:
    """A training setup around a drawn model (see the `training` kind): Adam, cross-entropy."""
    return {"model": model, "optimizer": optimizer_settings("adam"), "loss": "cross_entropy", **options}


def _feature_cases(generator: torch.Generator) -> list[Case]:
    """Backbones (networks whose head was replaced by nn.Identity) handed over in training mode
    and in evaluation mode, on loaders whose last batch is short."""
    cases = []
    for family, eval_mode in (("resnet", False), ("efficientnet", False), ("densenet", True)):
        spec = small_network(generator, family, head="identity")
        batch_size = _randint(generator, 3, 6)
        count = batch_size * _randint(generator, 2, 3) + _randint(generator, 1, batch_size - 1)
        loader = {"inputs": _images(generator, count), "targets": torch.randint(0, 5, (count,), generator=generator),
                  "batch_size": batch_size}
        cases.append((_setup(spec, **{"eval mode": eval_mode}), "<model>", loader, "<device>"))
    return cases


def _head_cases(generator: torch.Generator) -> list[Case]:
    """A linear head with drawn weights and junk left in its gradients, on drawn features."""
    cases = []
    for _ in range(3):
        features, classes, count = _randint(generator, 4, 12), _randint(generator, 2, 5), _randint(generator, 8, 30)
        layers = [["linear", features, classes]]
        model = {"layers": layers, "weights": draw_weights(build_module({"layers": layers}), generator)}
        lr = round(float(10 ** (-2.5 + 1.5 * torch.rand((), generator=generator))), 6)
        cases.append((_setup(model, **{"junk gradients": True}), "<model>", _randn(generator, count, features),
                      torch.randint(0, classes, (count,), generator=generator), _randint(generator, 3, 6), lr))
    return cases


def _finetune_cases(generator: torch.Generator) -> list[Case]:
    """Networks whose backbone is frozen, with batch norm, handed over in training mode (and one
    in evaluation mode), whose head has dropout of its own or comes after a dropout layer; junk is
    left in every gradient, the frozen ones too."""
    cases = []
    for family, head, eval_mode in (("resnet", "dropout", False), ("efficientnet", "linear", False),
                                    ("densenet", "dropout", True)):
        spec = small_network(generator, family, head=head, frozen="backbone")
        classes = spec["layers"][-1][1][1][2] if head == "dropout" else spec["layers"][-1][2]
        count = _randint(generator, 4, 8)
        setup = _setup(spec, **{"junk gradients": True, "eval mode": eval_mode, "modes by child": True})
        cases.append((setup, "<model>", _head_name(spec), _images(generator, count),
                      torch.randint(0, classes, (count,), generator=generator), "<loss>", "<optimizer>"))
    return cases


def _topk_cases(generator: torch.Generator) -> list[Case]:
    """Networks with dropout before their head, in training and in evaluation mode, with
    categories named as ImageNet's, and k from 1 to every class."""
    cases = []
    for family, eval_mode, largest_k in (("efficientnet", False, False), ("resnet", True, True),
                                          ("efficientnet", True, False)):
        spec = small_network(generator, family, head="dropout" if family == "resnet" else "linear")
        classes = spec["layers"][-1][1][1][2] if family == "resnet" else spec["layers"][-1][2]
        picked = torch.randperm(len(IMAGENET_CATEGORIES), generator=generator)[:classes].tolist()
        k = classes if largest_k else _randint(generator, 1, classes - 1)
        side = _randint(generator, 5, 9)
        cases.append((_setup(spec, **{"eval mode": eval_mode}), "<model>", _randn(generator, 3, side, side),
                      [IMAGENET_CATEGORIES[index] for index in picked], k))
    return cases


EXERCISES = [
    Exercise("freeze_backbone", freeze_backbone, _freeze_cases, kind=MODEL_SURGERY,
             mistakes=MISTAKES["freeze_backbone"]),
    Exercise("replace_head", replace_head, _replace_cases, kind=MODEL_SURGERY, mistakes=MISTAKES["replace_head"]),
    Exercise("head_param_groups", head_param_groups, _group_cases, kind=MODEL_SURGERY,
             mistakes=MISTAKES["head_param_groups"]),
    Exercise("extract_features", extract_features, _feature_cases, rtol=1e-4, atol=1e-5, kind=TRAINING,
             mistakes=MISTAKES["extract_features"]),
    Exercise("train_head", train_head, _head_cases, rtol=1e-4, atol=1e-5, kind=TRAINING,
             mistakes=MISTAKES["train_head"]),
    Exercise("finetune_step", finetune_step, _finetune_cases, rtol=1e-4, atol=1e-5, kind=TRAINING,
             mistakes=MISTAKES["finetune_step"]),
    Exercise("predict_topk", predict_topk, _topk_cases, rtol=1e-4, atol=1e-6, kind=TRAINING,
             mistakes=MISTAKES["predict_topk"]),
    Exercise("pets_capstone", held_out_labels, _held_out_cases, kind=PHOTO_CLASSIFIER),
]
