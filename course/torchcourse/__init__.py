"""Helpers shared by every notebook of the PyTorch course.

    from torchcourse import check, pick_device, seed_everything, imshow, view_classify, LiveLossPlot
"""

from .checks import CheckFailed, check
from .device import available_devices, pick_device, seed_everything
from .hints import hint
from .plotting import LiveLossPlot, imshow, plot_confusion_matrix, view_classify

__all__ = ["CheckFailed", "LiveLossPlot", "available_devices", "check", "hint", "imshow",
           "pick_device", "plot_confusion_matrix", "seed_everything", "view_classify"]
