"""Reference answers and hidden test inputs for Part 7 (Loading image data).

Images are drawn as uint8 tensors of random, non-square sizes and reach the answers as tensors,
as PIL images (greyscale and RGB) or as PNG files in a folder the harness writes (see the
`dataset class`, `transform`, `random transform` and `loader` kinds in `torchcourse.grading`).
Loaders end with a short batch, so statistics averaged per batch are wrong; crops have odd
margins, where torchvision's rounding decides which side gets the extra row.
"""

from __future__ import annotations

import os

import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchcourse.grading import (DATASET_CLASS, FUNCTION, FUNCTION_OF_LOADER, LOADER, RANDOM_TRANSFORM,
                                 TRANSFORM)
from torchvision.transforms import v2

from .exercise import Case, Exercise
from .part01_tensors import _randint, _randn

# --- reference answers -------------------------------------------------------------------


def center_crop(img: torch.Tensor, size: int | tuple[int, int]) -> torch.Tensor:
    height, width = (size, size) if isinstance(size, int) else size
    top = int(round((img.shape[-2] - height) / 2))
    left = int(round((img.shape[-1] - width) / 2))
    return img[..., top:top + height, left:left + width]


def _per_channel(values: list[float], img: torch.Tensor) -> torch.Tensor:
    """`values` as a tensor of shape (C, 1, 1) on `img`'s device, to broadcast over channels."""
    return torch.tensor(values, dtype=img.dtype, device=img.device).view(-1, 1, 1)


def normalize(img: torch.Tensor, mean: list[float], std: list[float]) -> torch.Tensor:
    return (img - _per_channel(mean, img)) / _per_channel(std, img)


def denormalize(img: torch.Tensor, mean: list[float], std: list[float]) -> torch.Tensor:
    return img * _per_channel(std, img) + _per_channel(mean, img)


def channel_stats(loader) -> torch.Tensor:
    total = total_of_squares = None
    count = 0
    for images, _ in loader:
        images = images.double()
        batch_sum, batch_squares = images.sum(dim=(0, 2, 3)), (images ** 2).sum(dim=(0, 2, 3))
        total = batch_sum if total is None else total + batch_sum
        total_of_squares = batch_squares if total_of_squares is None else total_of_squares + batch_squares
        count += images.shape[0] * images.shape[2] * images.shape[3]
    mean = total / count
    std = (total_of_squares / count - mean ** 2).clamp(min=0).sqrt()
    return torch.stack([mean, std]).float()


def _normalised_tensor(mean: list[float], std: list[float], scale: bool = True) -> list[v2.Transform]:
    """The steps that end both pipelines: a float32 tensor in [0, 1] (with `scale`), normalised."""
    return [v2.ToImage(), v2.ToDtype(torch.float32, scale=scale), v2.Normalize(mean, std)]


def test_transform(resize: int, crop: int, mean: list[float], std: list[float]) -> v2.Compose:
    return v2.Compose([v2.Resize(resize), v2.CenterCrop(crop), *_normalised_tensor(mean, std)])


def train_transform(crop: int, mean: list[float], std: list[float]) -> v2.Compose:
    return v2.Compose([v2.RandomResizedCrop(crop), v2.RandomHorizontalFlip(), *_normalised_tensor(mean, std)])


def sample_weights(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    counts = torch.bincount(labels, minlength=num_classes).float()
    return 1.0 / counts[labels]


def make_loader(dataset: Dataset, batch_size: int, seed: int) -> DataLoader:
    return DataLoader(dataset, batch_size=batch_size, shuffle=True,
                      generator=torch.Generator().manual_seed(seed))


class TensorImageDataset(Dataset):
    def __init__(self, images: torch.Tensor, labels: torch.Tensor, transform=None) -> None:
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int):
        image = self.images[index]
        if self.transform is not None:
            image = self.transform(image)
        return image, int(self.labels[index])


class SimpleImageFolder(Dataset):
    def __init__(self, root: str, transform=None) -> None:
        self.transform = transform
        self.classes = sorted(entry.name for entry in os.scandir(root) if entry.is_dir())
        self.class_to_idx = {name: index for index, name in enumerate(self.classes)}
        self.samples = [(os.path.join(root, name, file), self.class_to_idx[name])
                        for name in self.classes for file in sorted(os.listdir(os.path.join(root, name)))]

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int):
        path, label = self.samples[index]
        image = Image.open(path).convert("RGB")
        return (self.transform(image) if self.transform is not None else image), label


# --- the known mistakes, in the order of torchcourse.part07_image_data.KNOWN_MISTAKES ------
# (None: recognised by what it raised or changed)

def _crop_with_floor_division(img, size):
    height, width = (size, size) if isinstance(size, int) else size
    top, left = (img.shape[-2] - height) // 2, (img.shape[-1] - width) // 2
    return img[..., top:top + height, left:left + width]


def _crop_with_height_and_width_swapped(img, size):
    width, height = (size, size) if isinstance(size, int) else size
    return center_crop(img, (height, width))


def _crop_of_the_first_two_dimensions(img, size):
    height, width = (size, size) if isinstance(size, int) else size
    top = int(round((img.shape[0] - height) / 2))
    left = int(round((img.shape[1] - width) / 2))
    return img[top:top + height, left:left + width]


def _normalized_along_the_width(img, mean, std):
    return (img - torch.tensor(mean, device=img.device)) / torch.tensor(std, device=img.device)


def _denormalized_along_the_width(img, mean, std):
    return img * torch.tensor(std, device=img.device) + torch.tensor(mean, device=img.device)


def _stats_averaged_per_batch(loader):
    means, stds = [], []
    for images, _ in loader:
        means.append(images.mean(dim=(0, 2, 3)))
        stds.append(images.std(dim=(0, 2, 3), correction=0))
    return torch.stack([sum(means) / len(means), sum(stds) / len(stds)])


def _stats_with_sample_std(loader):
    total, squares, count = 0.0, 0.0, 0
    for images, _ in loader:
        images = images.double()
        total, squares = total + images.sum(dim=(0, 2, 3)), squares + (images ** 2).sum(dim=(0, 2, 3))
        count += images.shape[0] * images.shape[2] * images.shape[3]
    mean = total / count
    variance = (squares - count * mean ** 2) / (count - 1)
    return torch.stack([mean, variance.sqrt()]).float()


def _test_transform_with_augmentation(resize, crop, mean, std):
    return train_transform(crop, mean, std)


def _test_transform_squashed(resize, crop, mean, std):
    return v2.Compose([v2.Resize((resize, resize)), v2.CenterCrop(crop), *_normalised_tensor(mean, std)])


def _test_transform_unscaled(resize, crop, mean, std):
    return v2.Compose([v2.Resize(resize), v2.CenterCrop(crop), *_normalised_tensor(mean, std, scale=False)])


def _sample_weights_per_class(labels, num_classes):
    return 1.0 / torch.bincount(labels, minlength=num_classes).float()


def _sample_weights_as_frequencies(labels, num_classes):
    counts = torch.bincount(labels, minlength=num_classes).float()
    return counts[labels] / len(labels)


def _loader_seeding_everything(dataset, batch_size, seed):
    torch.manual_seed(seed)
    return DataLoader(dataset, batch_size=batch_size, shuffle=True)


class _DatasetIgnoringTheTransform(TensorImageDataset):
    def __getitem__(self, index):
        return self.images[index], int(self.labels[index])


class _DatasetWithTensorLabels(TensorImageDataset):
    def __getitem__(self, index):
        image, _ = super().__getitem__(index)
        return image, self.labels[index]


class _FolderIgnoringTheTransform(SimpleImageFolder):
    def __getitem__(self, index):
        path, label = self.samples[index]
        return Image.open(path).convert("RGB"), label


class _FolderWithoutRGB(SimpleImageFolder):
    def __getitem__(self, index):
        path, label = self.samples[index]
        image = Image.open(path)
        return (self.transform(image) if self.transform is not None else image), label


MISTAKES: dict[str, tuple] = {
    "center_crop": (_crop_with_floor_division, _crop_with_height_and_width_swapped,
                    _crop_of_the_first_two_dimensions),
    "normalize": (_normalized_along_the_width, None),
    "denormalize": (_denormalized_along_the_width,
                    lambda img, mean, std: (img + _per_channel(mean, img)) * _per_channel(std, img), None),
    "channel_stats": (_stats_averaged_per_batch, _stats_with_sample_std),
    "test_transform": (_test_transform_with_augmentation, None, _test_transform_squashed, _test_transform_unscaled),
    "train_transform": (),
    "sample_weights": (_sample_weights_per_class, _sample_weights_as_frequencies),
    "make_loader": (lambda dataset, batch_size, seed: DataLoader(dataset, batch_size=batch_size, shuffle=True),
                    _loader_seeding_everything,
                    lambda dataset, batch_size, seed: DataLoader(dataset, batch_size=batch_size,
                                                                 generator=torch.Generator().manual_seed(seed)),
                    lambda dataset, batch_size, seed: DataLoader(
                        dataset, batch_size=batch_size, shuffle=True, drop_last=True,
                        generator=torch.Generator().manual_seed(seed))),
    "TensorImageDataset": (_DatasetIgnoringTheTransform, _DatasetWithTensorLabels, None),
    "SimpleImageFolder": (None, _FolderIgnoringTheTransform, _FolderWithoutRGB),
}


# --- hidden test inputs --------------------------------------------------------------------

def _image(generator: torch.Generator, channels: int, height: int, width: int) -> torch.Tensor:
    """A random uint8 image (channels, height, width)."""
    return torch.randint(0, 256, (channels, height, width), generator=generator, dtype=torch.uint8)


def _one_colour(generator: torch.Generator, height: int, width: int) -> torch.Tensor:
    colour = torch.randint(0, 256, (3, 1, 1), generator=generator, dtype=torch.uint8)
    return colour.expand(3, height, width).clone()


def _statistics(generator: torch.Generator, channels: int) -> tuple[list[float], list[float]]:
    """A mean and a standard deviation for each channel, as Normalize takes them."""
    mean = (torch.rand(channels, generator=generator) * 0.6 + 0.2).tolist()
    std = (torch.rand(channels, generator=generator) * 0.3 + 0.1).tolist()
    return [round(value, 4) for value in mean], [round(value, 4) for value in std]


def _crop_cases(generator: torch.Generator) -> list[Case]:
    """Images of 2, 3 and 4 dimensions and several dtypes; margins of 3 and 7 (where rounding
    half of them matters), even ones, and a crop as big as the image."""
    cases = []
    for shape, size in (((9, 11), 6), ((3, 13, 10), (6, 3)), ((2, 3, 12, 15), (5, 8)), ((4, 9, 9), 9)):
        cases.append((_randn(generator, *shape), size))
    for margin in (1, 3, 5, 7):
        crop = _randint(generator, 2, 6)
        height, width = crop + margin, crop + _randint(generator, 0, 4)
        cases.append((_image(generator, 3, height, width), (crop, _randint(generator, 1, width))))
    return cases


def _normalize_cases(generator: torch.Generator) -> list[Case]:
    """One image and a batch of them; the last has as many columns as channels, where a mean
    broadcast along the width runs without an error."""
    cases = []
    for shape in ((3, 5, 7), (4, 2, 6, 5), (1, 4, 4), (3, 4, 3)):
        channels = shape[-3]
        cases.append((torch.rand(shape, generator=generator), *_statistics(generator, channels)))
    return cases


def _loader_spec(generator: torch.Generator, count: int, batch_size: int, channels: int) -> dict:
    """A loader of images of uneven brightness per channel, the last batch short."""
    side = _randint(generator, 3, 6)
    images = torch.rand(count, channels, side, side, generator=generator) ** (1 + torch.arange(channels).view(1, -1, 1, 1))
    return {"inputs": images, "targets": torch.zeros(count, dtype=torch.int64), "batch_size": batch_size}


def _stats_cases(generator: torch.Generator) -> list[Case]:
    cases = []
    for channels in (3, 1, 2):
        batch_size = _randint(generator, 3, 6)
        count = batch_size * _randint(generator, 2, 4) + _randint(generator, 1, batch_size - 1)
        cases.append((_loader_spec(generator, count, batch_size, channels),))
    return cases


def _photo_sizes(generator: torch.Generator, count: int) -> list[tuple[int, int]]:
    """Heights and widths of non-square photos, portrait and landscape."""
    sizes = []
    for index in range(count):
        short, long = _randint(generator, 20, 28), _randint(generator, 30, 40)
        sizes.append((short, long) if index % 2 else (long, short))
    return sizes


def _test_transform_cases(generator: torch.Generator) -> list[Case]:
    cases = []
    for _ in range(3):
        resize = _randint(generator, 14, 20)
        crop = _randint(generator, 8, resize)
        images = [_image(generator, 3, height, width) for height, width in _photo_sizes(generator, 3)]
        cases.append(([resize, crop, *_statistics(generator, 3)], images, [True] * len(images), [0]))
    return cases


def _train_transform_cases(generator: torch.Generator) -> list[Case]:
    """PIL images and uint8 tensors, among them a one-colour photo; seeds s, s and another."""
    cases = []
    for _ in range(3):
        crop = _randint(generator, 8, 16)
        sizes = _photo_sizes(generator, 4)
        images = [_image(generator, 3, height, width) for height, width in sizes[:3]] + [_one_colour(generator, *sizes[3])]
        seed = _randint(generator, 0, 10_000)
        cases.append(([crop, *_statistics(generator, 3)], images, [True, False, True, False], [seed, seed, seed + 1]))
    return cases


def _weights_cases(generator: torch.Generator) -> list[Case]:
    """Labels with classes of different sizes, one of them absent; a large case shows a loop."""
    cases = []
    for count in (12, 40, 400):
        classes = _randint(generator, 3, 6)
        present = torch.randint(0, classes - 1, (count,), generator=generator)
        cases.append((present, classes))  # the last class never occurs
    return cases


def _loader_cases(generator: torch.Generator) -> list[Case]:
    """Datasets whose images hold their own index (so every pairing is seen), the last batch short."""
    cases = []
    for _ in range(3):
        batch_size = _randint(generator, 3, 6)
        count = batch_size * _randint(generator, 2, 4) + _randint(generator, 1, batch_size - 1)
        images = torch.arange(count, dtype=torch.float32).view(-1, 1, 1, 1).expand(count, 1, 2, 2).clone()
        labels = torch.randint(0, 5, (count,), generator=generator)
        cases.append(([images, labels], batch_size, _randint(generator, 0, 10_000)))
    return cases


def _dataset_cases(generator: torch.Generator) -> list[Case]:
    """Tensors with and without a transform (a function drawn as plain data), read at indices
    that include the first, the last and negative ones."""
    cases = []
    for transform in (None, {"family": "cubic", "a": 0.5, "b": -1.0, "c": 2.0}, {"family": "scaled_sine",
                                                                                   "a": 2.0, "b": 1.5, "c": 0.1}):
        count = _randint(generator, 4, 9)
        images = _randn(generator, count, 3, _randint(generator, 2, 4), _randint(generator, 2, 4))
        labels = torch.randint(0, 10, (count,), generator=generator)
        indices = [0, -1, count - 1, -_randint(generator, 2, count), _randint(generator, 1, count - 2)]
        cases.append(([images, labels, transform], indices, []))
    return cases


CLASS_NAMES = ["fox", "Owl", "bear", "Zebra", "ant", "yak", "emu", "Gnu"]  # no cat, no dog: see MISTAKES


def _image_tree(generator: torch.Generator) -> dict:
    """Class folders with random names (created out of order, capitals sorting first), each of
    PNG images with random file names, RGB and greyscale (the first image made is greyscale, so
    that every tree has one)."""
    order = torch.randperm(len(CLASS_NAMES), generator=generator).tolist()
    names = [CLASS_NAMES[index] for index in order[:_randint(generator, 2, 4)]]
    tree = {}
    for name in names:
        files = {}
        for number in range(_randint(generator, 1, 3)):
            channels = 1 if (not tree and number == 0) or _randint(generator, 0, 2) == 0 else 3
            files[f"{_randint(generator, 0, 9999):04d}.png"] = _image(generator, channels, _randint(generator, 3, 6),
                                                                      _randint(generator, 3, 6))
        tree[name] = files
    return {"image tree": tree}


def _folder_cases(generator: torch.Generator) -> list[Case]:
    cases = []
    for transform in (None, {"transform": "pil_to_tensor"}, {"transform": "pil_to_tensor"}):
        tree = _image_tree(generator)
        count = sum(len(files) for files in tree["image tree"].values())
        indices = [*range(count), -1]  # every sample, the greyscale ones among them
        cases.append(([tree, transform], indices, ["classes", "class_to_idx", "samples"]))
    return cases


EXERCISES = [
    Exercise("center_crop", center_crop, _crop_cases, rtol=0, atol=0, kind=FUNCTION, mistakes=MISTAKES["center_crop"]),
    Exercise("normalize", normalize, _normalize_cases, kind=FUNCTION, mistakes=MISTAKES["normalize"]),
    Exercise("denormalize", denormalize, _normalize_cases, kind=FUNCTION, mistakes=MISTAKES["denormalize"]),
    Exercise("channel_stats", channel_stats, _stats_cases, rtol=1e-4, atol=1e-5, kind=FUNCTION_OF_LOADER,
             mistakes=MISTAKES["channel_stats"]),
    Exercise("test_transform", test_transform, _test_transform_cases, rtol=1e-5, atol=1e-5, kind=TRANSFORM,
             mistakes=MISTAKES["test_transform"]),
    Exercise("train_transform", train_transform, _train_transform_cases, kind=RANDOM_TRANSFORM),
    Exercise("sample_weights", sample_weights, _weights_cases, kind=FUNCTION, mistakes=MISTAKES["sample_weights"]),
    Exercise("make_loader", make_loader, _loader_cases, rtol=0, atol=0, kind=LOADER, mistakes=MISTAKES["make_loader"]),
    Exercise("TensorImageDataset", TensorImageDataset, _dataset_cases, kind=DATASET_CLASS,
             mistakes=MISTAKES["TensorImageDataset"]),
    Exercise("SimpleImageFolder", SimpleImageFolder, _folder_cases, rtol=0, atol=0, kind=DATASET_CLASS,
             mistakes=MISTAKES["SimpleImageFolder"]),
]
