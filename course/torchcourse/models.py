"""Models the notebooks build on, from Part 6 on.

`MLP` is a fully connected classifier that keeps the sizes it was built with, so that a
checkpoint can carry them and a model of the same shape can be built again from the file.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn


class MLP(nn.Module):
    """A fully connected classifier: `input_size` features in (an image is flattened first), a
    ReLU layer for each of `hidden_sizes`, and `output_size` class scores (logits) out.

        model = MLP(784, [128, 64], 10)
        model.input_size, model.hidden_sizes, model.output_size   # 784, [128, 64], 10
    """

    def __init__(self, input_size: int, hidden_sizes: Sequence[int], output_size: int) -> None:
        super().__init__()
        self.input_size, self.hidden_sizes, self.output_size = input_size, list(hidden_sizes), output_size
        sizes = [input_size, *self.hidden_sizes]
        self.hidden = nn.ModuleList(nn.Linear(inputs, outputs) for inputs, outputs in zip(sizes, sizes[1:]))
        self.output = nn.Linear(sizes[-1], output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.flatten(start_dim=1)
        for layer in self.hidden:
            x = torch.relu(layer(x))
        return self.output(x)
