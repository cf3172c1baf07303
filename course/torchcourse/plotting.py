"""Pictures: an image tensor, an image beside a model's class probabilities, live loss curves, a
confusion matrix."""

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
    """Loss curves that redraw in place while a training loop runs.

        plot = LiveLossPlot(redraw_every=10, side_panel=draw_fit)  # draw_fit(ax): optional
        for step in range(steps):
            ...
            plot.add(loss.item())
        plot.finish()

    With several `curves`, `add` takes one value per curve, in their order: for example
    `LiveLossPlot(redraw_every=1, curves=("training", "validation"), x_label="epoch")`, then
    `plot.add(training_loss, validation_loss)` after every epoch.

    In Jupyter the figure updates every `redraw_every` additions; elsewhere (a script, or while
    the notebook is being autograded) only `finish()` draws it. `side_panel`, if given, is
    called with a second set of axes at every redraw, e.g. to draw the current fit.
    """

    def __init__(self, redraw_every: int = 10,
                 side_panel: Callable[[plt.Axes], None] | None = None,
                 curves: Sequence[str] = ("loss",), x_label: str = "step") -> None:
        import matplotlib.pyplot as plt

        self.curves: dict[str, list[float]] = {name: [] for name in curves}
        self.losses = self.curves[curves[0]]  # the first curve's values
        self.redraw_every = redraw_every
        self.side_panel = side_panel
        self.x_label = x_label
        columns = 2 if side_panel else 1
        self.figure, axes = plt.subplots(1, columns, figsize=(5 * columns, 3.5), squeeze=False)
        self.loss_axes, *self.other_axes = axes[0]
        plt.close(self.figure)  # shown only through the display handle below
        self.handle = _display_handle() if redraws_live() else None

    def add(self, *losses: float) -> None:
        """Record one value for each curve; redraw when it is time."""
        if len(losses) != len(self.curves):
            raise ValueError(f"add() takes one value for each curve ({', '.join(self.curves)}); "
                             f"it was given {len(losses)}")
        for values, loss in zip(self.curves.values(), losses):
            values.append(float(loss))
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
        for name, values in self.curves.items():
            self.loss_axes.plot(range(1, len(values) + 1), values, label=name)
        if len(self.curves) > 1:
            self.loss_axes.legend()
        self.loss_axes.set_xlabel(self.x_label)
        self.loss_axes.set_ylabel("loss")
        smallest = min((min(values) for values in self.curves.values() if values), default=1)
        self.loss_axes.set_yscale("log" if smallest > 0 else "linear")
        latest = ", ".join(f"{name} {values[-1]:.4g}" for name, values in self.curves.items() if values)
        self.loss_axes.set_title(f"{latest} after {len(self.losses)} {self.x_label}s" if self.losses else "loss")
        if self.side_panel:
            self.other_axes[0].clear()
            self.side_panel(self.other_axes[0])
        self.figure.tight_layout()


def plot_confusion_matrix(matrix: torch.Tensor, class_names: Sequence[str] | None = None) -> plt.Figure:
    """Draw a confusion matrix (rows: the true class, columns: the predicted one) as a picture,
    each cell shaded by its share of its row and labelled with its count."""
    import matplotlib.pyplot as plt

    counts = matrix.detach().to("cpu", torch.int64)
    names = list(class_names) if class_names is not None else [str(i) for i in range(len(counts))]
    shares = counts.double() / counts.sum(dim=1, keepdim=True).clamp(min=1)
    figure, ax = plt.subplots(figsize=(1.5 + 0.6 * len(names), 1 + 0.6 * len(names)), layout="constrained")
    ax.imshow(shares.numpy(), cmap="Blues", vmin=0, vmax=1)
    for row in range(len(names)):
        for column in range(len(names)):
            ax.text(column, row, str(int(counts[row, column])), ha="center", va="center", fontsize=8,
                    color="white" if shares[row, column] > 0.5 else "black")
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    return figure


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
