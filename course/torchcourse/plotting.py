"""Pictures of tensors: an image, and an image next to a model's class probabilities."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import torch


def imshow(image: torch.Tensor, ax: plt.Axes | None = None, title: str | None = None,
           mean: Sequence[float] | None = None, std: Sequence[float] | None = None) -> plt.Axes:
    """Show an image tensor of shape (H, W), (1, H, W) or (3, H, W) on any device.

    Pass the `mean` and `std` used by `transforms.Normalize` to undo the normalisation first.
    """
    picture = image.detach().to("cpu", torch.float32)
    if picture.ndim == 3:
        if mean is not None and std is not None:
            picture = picture * torch.tensor(std)[:, None, None] + torch.tensor(mean)[:, None, None]
        picture = picture.permute(1, 2, 0).squeeze(-1)
    if ax is None:
        _, ax = plt.subplots()
    ax.imshow(picture.clamp(0, 1).numpy() if picture.ndim == 3 else picture.numpy(),
              cmap="gray" if picture.ndim == 2 else None)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax


def view_classify(image: torch.Tensor, probabilities: torch.Tensor,
                  class_names: Sequence[str] | None = None) -> plt.Figure:
    """Show an image beside a bar chart of the probabilities a model gave each class."""
    probabilities = probabilities.detach().to("cpu", torch.float32).flatten()
    names = list(class_names) if class_names is not None else [str(i) for i in range(len(probabilities))]
    figure, (left, right) = plt.subplots(1, 2, figsize=(7, 3.5), width_ratios=[1, 1.3])
    imshow(image, ax=left)
    right.barh(range(len(names)), probabilities.numpy())
    right.set_yticks(range(len(names)), names)
    right.invert_yaxis()
    right.set_xlim(0, 1.05)
    right.set_title("Class probability")
    figure.tight_layout()
    return figure
