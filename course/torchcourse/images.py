"""Images as plain data, for the exercises whose answers take or give images (Part 7).

A hidden test's inputs travel as plain data: an image as a uint8 tensor (C, H, W), a folder of
image files as an "image tree" ({"image tree": {class name: {file name: image}}}), a transform as
a "transform spec" ({"transform": name}). Inside the notebook's kernel and in the grader alike,
they are turned here into what the answer takes (PIL images, files written in a fresh folder,
callables), and what the answer gives back is turned into plain data again (`recorded`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import torch
from PIL import Image
from torchvision.transforms.v2 import functional as TF

TRANSFORMS: dict[str, Callable[[Any], Any]] = {
    "pil_to_tensor": TF.pil_to_tensor,  # a PIL image as a uint8 tensor (C, H, W)
}


def to_pil(image: torch.Tensor) -> Image.Image:
    """A uint8 tensor (1, H, W) or (3, H, W) as a greyscale ("L") or RGB PIL image."""
    return TF.to_pil_image(image.cpu())


def is_transform_spec(value: object) -> bool:
    """Whether `value` is plain data naming one of `TRANSFORMS`."""
    return isinstance(value, dict) and value.get("transform") in TRANSFORMS


def is_image_tree(value: object) -> bool:
    """Whether `value` is plain data describing a folder of class folders of images."""
    return isinstance(value, dict) and "image tree" in value


def write_image_tree(tree: dict[str, Any], folder: Path) -> None:
    """Write each image of `tree` as a PNG file `folder/<class name>/<file name>`."""
    for class_name, images in tree["image tree"].items():
        (folder / class_name).mkdir(parents=True)
        for file_name, image in images.items():
            to_pil(image).save(folder / class_name / file_name)


def describe_image_tree(tree: dict[str, Any]) -> str:
    """An image tree in words, for messages."""
    classes = ", ".join(f"{name!r} ({len(images)} images)" for name, images in tree["image tree"].items())
    return f"the path of a folder of class folders {classes}"


def recorded(value: Any, root: str | None = None) -> Any:
    """`value` with every PIL image in it replaced by plain data ({"PIL mode": its mode,
    "pixels": its uint8 tensor (C, H, W)}), tuples by lists, and every path inside `root` by the
    path relative to it (so that answers run in different folders can be compared)."""
    if isinstance(value, Image.Image):
        return {"PIL mode": value.mode, "pixels": TF.pil_to_tensor(value)}
    if isinstance(value, (list, tuple)):
        return [recorded(item, root) for item in value]
    if isinstance(value, dict):
        return {key: recorded(item, root) for key, item in value.items()}
    if root is not None and isinstance(value, (str, Path)) and str(value).startswith(root):
        return str(Path(value).relative_to(root))
    return value


def is_one_colour(image: torch.Tensor) -> bool:
    """Whether every pixel of `image` (C, H, W) has the same colour."""
    return bool((image == image[:, :1, :1]).all())
