"""Interactive explorers: move a slider and watch the effect, where exploring beats reading.

Each explorer needs ipywidgets in a live Jupyter kernel. Elsewhere (no ipywidgets, a script, or a
notebook being autograded) it draws one static figure that shows a few settings side by side.
"""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import torch

from .plotting import redraws_live


def descend(x: torch.Tensor, y: torch.Tensor, lr: float,
            steps: int) -> tuple[list[float], float, float]:
    """Gradient descent on mean((w·x + b − y)²) from w = b = 0, with hand-derived gradients;
    return the loss before each step and the final w and b."""
    x, y = x.detach().double().cpu(), y.detach().double().cpu()
    w = b = 0.0
    losses = []
    for _ in range(steps):
        error = w * x + b - y
        losses.append(float((error**2).mean()))
        w, b = w - lr * float(2 * (error * x).mean()), b - lr * float(2 * error.mean())
    return losses, w, b


def _draw(x: torch.Tensor, y: torch.Tensor, rates: Sequence[float], steps: int) -> plt.Figure:
    """Loss curves for each learning rate, and the data with each fitted line."""
    figure, (curves, fits) = plt.subplots(1, 2, figsize=(10, 3.5))
    xs, ys = x.detach().cpu(), y.detach().cpu()
    fits.scatter(xs, ys, s=8, color="grey", label="data")
    line_x = torch.linspace(float(xs.min()), float(xs.max()), 2)
    for lr in rates:
        losses, w, b = descend(x, y, lr, steps)
        curves.plot(range(len(losses)), losses, label=f"lr = {lr:g}")
        if abs(w) + abs(b) < 1e3:
            fits.plot(line_x, w * line_x + b, label=f"lr = {lr:g}: w = {w:.2f}, b = {b:.2f}")
        else:  # a line that has flown off: only its legend entry
            fits.plot([], [], label=f"lr = {lr:g}: diverged")
    curves.set_yscale("log")
    curves.set_xlabel("step")
    curves.set_ylabel("loss")
    curves.set_title(f"loss during {steps} steps")
    curves.legend(fontsize=8)
    fits.set_ylim(float(ys.min()) - 1, float(ys.max()) + 1)
    fits.set_title("fitted lines")
    fits.legend(fontsize=8, loc="upper left")
    figure.tight_layout()
    return figure


def explore_learning_rate(x: torch.Tensor, y: torch.Tensor, steps: int = 50,
                          rates: Sequence[float] = (0.01, 0.1, 0.5, 0.8)) -> plt.Figure | None:
    """A learning-rate slider for gradient descent on the line y ≈ w·x + b.

    With widgets, moving the slider redraws the loss curve and the fitted line. Without them,
    it returns one figure with the curves for `rates` (too small, good, fast, too large).
    """
    if redraws_live():
        try:
            import ipywidgets
        except ImportError:
            ipywidgets = None
        if ipywidgets is not None:
            slider = ipywidgets.FloatLogSlider(value=0.1, base=10, min=-3, max=0.1, step=0.05,
                                               description="learning rate", readout_format=".3f",
                                               continuous_update=False,
                                               style={"description_width": "initial"})

            def redraw(learning_rate: float) -> None:
                figure = _draw(x, y, [learning_rate], steps)
                plt.show()
                plt.close(figure)

            ipywidgets.interact(redraw, learning_rate=slider)
            return None
    figure = _draw(x, y, rates, steps)
    plt.close(figure)  # a notebook shows the returned figure once, not a second time
    return figure
