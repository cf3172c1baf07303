"""Pictures: an image tensor, an image beside a model's class probabilities, a live loss curve."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Callable, Sequence

import torch

from .grading import GRADING_DIR_VARIABLE

if TYPE_CHECKING:  # pyplot itself is imported when a picture is drawn: it takes half a second
    import matplotlib.pyplot as plt


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
        import matplotlib.pyplot as plt

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
    import matplotlib.pyplot as plt

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


class LiveLossPlot:
    """A loss curve that redraws in place while a training loop runs.

        plot = LiveLossPlot(redraw_every=10, side_panel=draw_fit)  # draw_fit(ax): optional
        for step in range(steps):
            ...
            plot.add(loss.item())
        plot.finish()

    In Jupyter the figure updates every `redraw_every` steps; elsewhere (a script, or while
    the notebook is being autograded) only `finish()` draws it. `side_panel`, if given, is
    called with a second set of axes at every redraw, e.g. to draw the current fit.
    """

    def __init__(self, redraw_every: int = 10,
                 side_panel: Callable[[plt.Axes], None] | None = None) -> None:
        import matplotlib.pyplot as plt

        self.losses: list[float] = []
        self.redraw_every = redraw_every
        self.side_panel = side_panel
        columns = 2 if side_panel else 1
        self.figure, axes = plt.subplots(1, columns, figsize=(5 * columns, 3.5), squeeze=False)
        self.loss_axes, *self.other_axes = axes[0]
        plt.close(self.figure)  # shown only through the display handle below
        self.handle = _display_handle() if redraws_live() else None

    def add(self, loss: float) -> None:
        """Record one step's loss; redraw when it is time."""
        self.losses.append(float(loss))
        if self.handle is not None and len(self.losses) % self.redraw_every == 0:
            self._draw()
            self.handle.update(self.figure)

    def finish(self) -> plt.Figure:
        """Draw the final picture and return the figure."""
        self._draw()
        if self.handle is not None:
            self.handle.update(self.figure)
        else:
            _show(self.figure)
        return self.figure

    def _draw(self) -> None:
        self.loss_axes.clear()
        self.loss_axes.plot(range(1, len(self.losses) + 1), self.losses)
        self.loss_axes.set_xlabel("step")
        self.loss_axes.set_ylabel("loss")
        self.loss_axes.set_yscale("log" if min(self.losses, default=1) > 0 else "linear")
        self.loss_axes.set_title(f"loss {self.losses[-1]:.4g} after {len(self.losses)} steps"
                                 if self.losses else "loss")
        if self.side_panel:
            self.other_axes[0].clear()
            self.side_panel(self.other_axes[0])
        self.figure.tight_layout()


def ipython_shell() -> str | None:
    """The IPython shell running this code (`ZMQInteractiveShell` in Jupyter), or None."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return None if shell is None else type(shell).__name__


def redraws_live() -> bool:
    """Whether a figure can be redrawn in place: inside Jupyter, and not while autograding."""
    return ipython_shell() == "ZMQInteractiveShell" and not os.environ.get(GRADING_DIR_VARIABLE)


def _display_handle():
    from IPython.display import display

    return display(display_id=True)


def _show(figure: plt.Figure) -> None:
    """Show a finished figure in a notebook; elsewhere the caller has the returned figure."""
    if ipython_shell() is not None:
        from IPython.display import display

        display(figure)
