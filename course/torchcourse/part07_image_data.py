"""Part 7 (Loading image data): the visible checks, hints and known mistakes.

What a correct answer gives on each check's inputs is not here: it was saved when the course was
released (see `torchcourse.checks`).
"""

from __future__ import annotations

import torch

from .grading import DATASET_CLASS, FUNCTION_OF_LOADER, LOADER, RANDOM_TRANSFORM, TRANSFORM
from .rules import Rules
from .spec import Inputs, KnownMistake, VisibleCheck, randn

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]  # ImageNet's, as in the notebook


def _image(g: torch.Generator, channels: int, height: int, width: int) -> torch.Tensor:
    return torch.randint(0, 256, (channels, height, width), generator=g, dtype=torch.uint8)


def _stats_loader(g: torch.Generator) -> Inputs:
    """10 colour images in batches of 4: the last batch holds 2."""
    images = torch.rand(10, 3, 4, 4, generator=g) ** torch.tensor([1.0, 2.0, 3.0]).view(1, 3, 1, 1)
    return ({"inputs": images, "targets": torch.zeros(10, dtype=torch.int64), "batch_size": 4},)


def _photos(g: torch.Generator, one_colour: bool = False) -> list[torch.Tensor]:
    """A landscape and a portrait photo, and one of a single colour if asked for."""
    photos = [_image(g, 3, 24, 33), _image(g, 3, 35, 22)]
    if one_colour:
        photos.append(torch.randint(0, 256, (3, 1, 1), generator=g, dtype=torch.uint8).expand(3, 26, 31).clone())
    return photos


def _labels(g: torch.Generator, count: int) -> Inputs:
    return torch.randint(0, 3, (count,), generator=g), 4  # the last class never occurs


def _dataset(g: torch.Generator) -> Inputs:
    images, labels = randn(g, 5, 3, 2, 3), torch.randint(0, 10, (5,), generator=g)
    return [images, labels, {"family": "cubic", "a": 0.5, "b": -1.0, "c": 2.0}], [0, -1, 3], []


def _folder(g: torch.Generator) -> Inputs:
    tree = {"owl": {"0007.png": _image(g, 3, 4, 5), "0002.png": _image(g, 1, 5, 4)},
            "Fox": {"0100.png": _image(g, 3, 3, 3)}, "bear": {"0003.png": _image(g, 1, 4, 4)}}
    return [{"image tree": tree}, {"transform": "pil_to_tensor"}], [0, -1, 2], ["classes", "class_to_idx", "samples"]


def _loader(g: torch.Generator) -> Inputs:
    images = torch.arange(11, dtype=torch.float32).view(-1, 1, 1, 1).expand(11, 1, 2, 2).clone()
    return [images, torch.randint(0, 5, (11,), generator=g)], 4, 7


CHECKS: dict[str, VisibleCheck] = {
    "center_crop": VisibleCheck(lambda g: (randn(g, 3, 9, 12), (6, 5)), 0),  # margins of 3 and 7
    "normalize": VisibleCheck(lambda g: (torch.rand(2, 3, 4, 5, generator=g), MEAN, STD), 1e-5),
    "denormalize": VisibleCheck(lambda g: (randn(g, 3, 5, 4), MEAN, STD), 1e-5),
    "channel_stats": VisibleCheck(_stats_loader, 1e-4, kind=FUNCTION_OF_LOADER, atol=1e-5),
    "test_transform": VisibleCheck(lambda g: ([20, 16, MEAN, STD], _photos(g), [True, True], [0]), 1e-5,
                                   kind=TRANSFORM),
    "train_transform": VisibleCheck(lambda g: ([16, MEAN, STD], _photos(g, one_colour=True), [True, False, True],
                                               [3, 3, 4]), 0, kind=RANDOM_TRANSFORM),
    "sample_weights": VisibleCheck(lambda g: _labels(g, 10), 1e-6, rules=Rules(no_loops=True),
                                   large=lambda g: _labels(g, 500)),
    "make_loader": VisibleCheck(_loader, 0, kind=LOADER),
    "TensorImageDataset": VisibleCheck(_dataset, 1e-6, kind=DATASET_CLASS),
    "SimpleImageFolder": VisibleCheck(_folder, 0, kind=DATASET_CLASS),
}


# Hints a learner asks for with `hint(name, level)`, from a nudge (1) to the most specific (3).
# None of them holds a line of the solution: tests/test_hints.py checks that.
HINTS: dict[str, list[str]] = {
    "center_crop": [
        "Look back at the section on images as tensors: height and width are always the last two "
        "dimensions.",
        "Work out the top and left offsets from the margins (image size minus crop size), then take "
        "the window with one slice per dimension. Known mistakes: `//` for half an odd margin, "
        "height and width swapped, slicing the first two dimensions.",
        "Compare yours with `v2.functional.center_crop` on a margin of 3: torchvision rounds half the "
        "margin with Python's `round`, which rounds a half to the nearest even number.",
    ],
    "normalize": [
        "Look back at the section on Normalize: each channel has its own mean and standard deviation.",
        "Turn the lists into tensors on the image's device and give them the shape (C, 1, 1), so that "
        "they line up with the channel dimension. Known mistakes: a mean of shape (C,), which lines "
        "up with the width; changing `img` in place.",
        "Broadcasting lines shapes up from the right: (C, 1, 1) fits both (C, H, W) and (N, C, H, W).",
    ],
    "denormalize": [
        "Look back at the section on showing a normalised image: undo the two steps of `normalize` "
        "in reverse order.",
        "Normalising subtracts, then divides; undoing it multiplies, then adds. Known mistakes: the "
        "steps in the wrong order, a mean of shape (C,), changing `img` in place.",
        "Shape the lists as in `normalize`, so each channel gets its own numbers.",
    ],
    "channel_stats": [
        "Look back at the section on computing the statistics: a mean over every pixel of every "
        "image, one for each channel.",
        "Keep three running totals as you go through the batches once: the sum of the values of each "
        "channel, the sum of their squares, and how many values each channel has had. Known "
        "mistakes: averaging each batch's mean and standard deviation, dividing by n - 1.",
        "At the end, the variance is the mean of the squares minus the square of the mean; the "
        "standard deviation is its square root. Sum over dimensions (0, 2, 3) to keep the channels.",
    ],
    "test_transform": [
        "Look back at the sections on transforms and on why training and test transforms differ.",
        "Four steps in order: resize the shorter side, take the centre square, turn the PIL image "
        "into a float tensor in [0, 1], normalise. Known mistakes: a random crop or flip, Normalize "
        "before the conversion to a tensor, `Resize((resize, resize))`, `ToDtype` without scaling.",
        "`v2.Resize` with one number keeps the aspect ratio; `v2.ToImage()` and "
        "`v2.ToDtype(torch.float32, scale=True)` together do what the old `ToTensor()` did.",
    ],
    "train_transform": [
        "Look back at the section on augmentation: each epoch should see a slightly different photo.",
        "Start with a random crop that ends at `crop` pixels square, add a random flip, then convert "
        "and normalise as the test transform does. Known mistakes: nothing random, no normalisation, "
        "a rotation (its black corners).",
        "`v2.RandomResizedCrop(crop)` crops and resizes in one step; `v2.RandomHorizontalFlip()` "
        "flips half of the time.",
    ],
    "sample_weights": [
        "Look back at the section on imbalanced classes: rarer classes should be drawn more often.",
        "Count how many samples each class has, then give each sample one over its own class's "
        "count. Known mistakes: one weight per class instead of per sample, the frequency instead "
        "of its inverse.",
        "`torch.bincount(labels, minlength=num_classes)` counts; indexing the counts with `labels` "
        "gives each sample its class's count.",
    ],
    "make_loader": [
        "Look back at the section on repeatable order: a DataLoader can shuffle with a generator of "
        "its own.",
        "Create a `torch.Generator`, seed it with `seed`, and hand it to the DataLoader together with "
        "the batch size and shuffling. Known mistakes: shuffling without a generator, "
        "`torch.manual_seed`, no shuffling, dropping the last batch.",
        "The generator goes in the DataLoader's `generator` argument; keep the short last batch.",
    ],
    "TensorImageDataset": [
        "Look back at the section on writing a Dataset: `__init__` keeps what it is given, "
        "`__len__` and `__getitem__` answer questions about it.",
        "Store the images, labels and transform on `self`. `__getitem__` takes image i, applies the "
        "transform when there is one, and returns it with label i. Known mistakes: the transform "
        "ignored, the label returned as a tensor, `self.` forgotten in `__init__`.",
        "A 0-d tensor becomes a Python number with `.item()` or `int(...)`; tensor indexing already "
        "handles negative indices.",
    ],
    "SimpleImageFolder": [
        "Look back at the section on ImageFolder: its classes are the folder names, sorted.",
        "In `__init__`, list the class folders of `root` and sort them; number them; then list each "
        "class folder's files, sorted, as (path, class index) pairs. In `__getitem__`, open the "
        "file, convert it to RGB and apply the transform if there is one. Known mistakes: class "
        "names written into the code, the transform ignored, no conversion to RGB.",
        "`os.listdir`, `os.path.isdir` and `os.path.join` (or `pathlib.Path.iterdir`) list folders; "
        "`sorted` puts capital letters first, as ImageFolder does.",
    ],
}


# --- the known mistakes, written out so that a wrong answer can be recognised ----------------

KNOWN_MISTAKES: dict[str, list[KnownMistake]] = {
    "center_crop": [
        KnownMistake("Round half of an odd margin as torchvision does: `//` always rounds down, while "
                     "torchvision's center_crop uses Python's `round`, so on some odd margins the extra "
                     "row goes on the other side."),
        KnownMistake("Read the size as (height, width): the first number is how many rows to keep."),
        KnownMistake("Slice the last two dimensions (`img[..., rows, columns]`): height and width are "
                     "the last two, whatever comes before them."),
    ],
    "normalize": [
        KnownMistake("Give the mean and std the shape (C, 1, 1): a tensor of shape (C,) lines up with "
                     "the last dimension, the width, not with the channels.", raised="must match the size"),
        KnownMistake("Leave `img` as it was: return a new tensor instead of changing it in place.",
                     changes_input=True),
    ],
    "denormalize": [
        KnownMistake("Give the mean and std the shape (C, 1, 1): a tensor of shape (C,) lines up with "
                     "the last dimension, the width, not with the channels.", raised="must match the size"),
        KnownMistake("Undo the steps in reverse order: normalising subtracts the mean and then divides "
                     "by the std, so multiply by the std first, then add the mean."),
        KnownMistake("Leave `img` as it was: return a new tensor instead of changing it in place.",
                     changes_input=True),
    ],
    "channel_stats": [
        KnownMistake("Count every pixel once: averaging each batch's mean and std gives the short last "
                     "batch as much weight as a full one. Keep running sums of the values and of their "
                     "squares, and divide once at the end."),
        KnownMistake("Divide by the number of values, not by one less: the statistics describe every "
                     "pixel there is (`correction=0`), not a sample of them."),
    ],
    "test_transform": [
        KnownMistake("Keep randomness out of the test transform: a random crop or flip makes the same "
                     "photo score differently each time it is seen."),
        KnownMistake("Convert to a tensor before Normalize: Normalize works on tensors, and the "
                     "transform is given PIL images.", raised="PIL"),
        KnownMistake("Resize with one number, the shorter side: `Resize((resize, resize))` squashes the "
                     "photo out of shape."),
        KnownMistake("Scale the values to [0, 1] before normalising: `v2.ToDtype(torch.float32, "
                     "scale=True)`; without `scale=True` they stay between 0 and 255."),
    ],
    "train_transform": [],  # judged on its properties, each of which says what is wrong
    "sample_weights": [
        KnownMistake("Return one weight per sample, the weight of its class: WeightedRandomSampler "
                     "takes a weight for every sample of the dataset."),
        KnownMistake("Use one over the class count, so that rare classes weigh more; the frequency "
                     "(count / N) favours the classes that are already common."),
    ],
    "make_loader": [
        KnownMistake("Give the DataLoader a generator of its own, seeded with `seed`: without one it "
                     "shuffles with torch's global random state, so the order cannot be repeated."),
        KnownMistake("Seed a generator of the loader's own rather than calling `torch.manual_seed`, which "
                     "changes the random numbers of every other piece of code in the notebook."),
        KnownMistake("Shuffle: `shuffle=True`. Without it every epoch sees the examples in the same order."),
        KnownMistake("Keep the short last batch (leave `drop_last` False): dropping it loses examples "
                     "every epoch."),
    ],
    "TensorImageDataset": [
        KnownMistake("Apply the transform in `__getitem__` when there is one: `self.transform(image)`."),
        KnownMistake("Return the label as a Python int (`int(...)` or `.item()`), as torchvision's "
                     "datasets do."),
        KnownMistake("Keep what `__init__` is given on `self` (`self.transform = transform`): a plain "
                     "variable vanishes when `__init__` returns.", raised="object has no attribute"),
    ],
    "SimpleImageFolder": [
        KnownMistake("Read the class names from the folders in `root`: a list written into your code "
                     "fits only your own data.", raised="No such file or directory"),
        KnownMistake("Apply the transform in `__getitem__` when there is one."),
        KnownMistake("Convert every image to RGB (`.convert(\"RGB\")`): a greyscale file opens with one "
                     "channel, and a batch of photos needs three."),
    ],
}
