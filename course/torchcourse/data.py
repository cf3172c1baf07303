"""Where datasets live, and what the notebooks use offline.

Notebooks keep the real loading code, `datasets.MNIST(root, download=True)` and
`datasets.FashionMNIST(root, download=True)`. Online, that downloads the datasets. Offline (a
locked-down lab, a CI machine), `prepare_mnist` and `prepare_fashion_mnist` first write real images
in the datasets' own file format: for MNIST a stand-in made from scikit-learn's bundled 8x8
handwritten digits, scaled up to 28x28; for Fashion-MNIST the real subset this package carries
(`fashion_mnist/`, MIT-licensed, see its README). torchvision then finds the files and never
touches the network. Cat and dog photos (Parts 7 and 8) come from `prepare_cats_dogs`: by default
the real Oxford-IIIT Pet subset this package carries (`cats_dogs/`, CC BY-SA 4.0, see its README),
online on request the whole dataset through torchvision.
"""

from __future__ import annotations

import gzip
import os
import shutil
import socket
import struct
import tempfile
from pathlib import Path
from typing import Callable

import torch

from .grading import GRADING_DIR_VARIABLE

DATA_VARIABLE = "TORCHCOURSE_DATA"
STAND_IN_NOTE = "STAND-IN.txt"
MNIST_HOST = "ossci-datasets.s3.amazonaws.com"  # torchvision's first MNIST mirror
FASHION_MNIST_HOST = "fashion-mnist.s3-website.eu-central-1.amazonaws.com"  # torchvision's mirror (http)
CARRIED_FASHION_MNIST = Path(__file__).parent / "fashion_mnist"
OXFORD_PET_HOST = "www.robots.ox.ac.uk"  # where torchvision downloads the Oxford-IIIT Pet dataset
CARRIED_CATS_DOGS = Path(__file__).parent / "cats_dogs"
CATS_DOGS_CLASSES = ("cat", "dog")  # ImageFolder's classes: the folder names, sorted
PHOTO_SIDE = 160  # the longer side of every photo written, carried or downloaded
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                         "Sneaker", "Bag", "Ankle boot")
IDX_FILES = [f"{prefix}-{kind}-idx{dims}-ubyte" for prefix in ("train", "t10k")
             for kind, dims in (("images", 3), ("labels", 1))]


def data_dir() -> Path:
    """The course's data folder: $TORCHCOURSE_DATA, else the nearest `data/` folder above the
    current directory, else ~/.cache/torchcourse."""
    if os.environ.get(DATA_VARIABLE):
        return Path(os.environ[DATA_VARIABLE])
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "data" / "fetch.py").is_file():
            return folder / "data"
    return Path.home() / ".cache" / "torchcourse"


def prepare_mnist(root: Path | None = None, allow_download: bool = True) -> Path:
    """Make sure `root/MNIST/raw` holds MNIST (downloaded) or the offline stand-in; return root.

    Nothing is downloaded while a notebook is being graded (the grader has no network), nor when
    MNIST's server cannot be reached within a few seconds. Where `root` cannot be written (a
    read-only course folder), the files go to a temporary folder instead."""
    root = _usable_root(root, lambda folder: _has_dataset(folder, "MNIST"))
    if _has_dataset(root, "MNIST") or (allow_download and _downloaded(root, "MNIST", MNIST_HOST, 443)):
        return root
    write_digits_stand_in(root / "MNIST" / "raw")
    print(f"Using the offline stand-in for MNIST, made from scikit-learn's digits, in {root / 'MNIST'}.")
    return root


def prepare_fashion_mnist(root: Path | None = None, allow_download: bool = True) -> Path:
    """Make sure `root/FashionMNIST/raw` holds Fashion-MNIST (downloaded) or the real subset
    this package carries (1,000 training and 900 test images); return root.

    As `prepare_mnist`: nothing is downloaded while a notebook is graded or when the server
    cannot be reached within a few seconds, and an unwritable `root` is replaced by a temporary
    folder."""
    root = _usable_root(root, lambda folder: _has_dataset(folder, "FashionMNIST"))
    if _has_dataset(root, "FashionMNIST") or (
            allow_download and _downloaded(root, "FashionMNIST", FASHION_MNIST_HOST, 80)):
        return root
    raw = root / "FashionMNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for name in IDX_FILES:
        (raw / name).write_bytes(gzip.decompress((CARRIED_FASHION_MNIST / f"{name}.gz").read_bytes()))
    print(f"Using the real Fashion-MNIST subset carried offline (1,000 training and 900 test images), "
          f"in {root / 'FashionMNIST'}.")
    return root


def _downloaded(root: Path, name: str, host: str, port: int) -> bool:
    """Whether torchvision's dataset `name` (MNIST, FashionMNIST) could be downloaded into
    `root` (see `_download`)."""
    from torchvision import datasets

    def fetch() -> None:
        for train in (True, False):
            getattr(datasets, name)(root, train=train, download=True)

    return _download(name, host, port, fetch)


def _download(what: str, host: str, port: int, fetch: Callable[[], None]) -> bool:
    """Whether `fetch` downloaded `what`: it is never tried while a notebook is graded (the grader
    has no network), nor when `host` does not answer on `port` within a few seconds."""
    if os.environ.get(GRADING_DIR_VARIABLE) or not _reachable(host, port):
        return False
    try:
        fetch()
        return True
    except (OSError, RuntimeError) as error:
        print(f"{what} could not be downloaded ({type(error).__name__}).")
        return False


def prepare_cats_dogs(root: Path | None = None, download: bool = False) -> Path:
    """Make sure `root/cats_dogs` holds cat and dog photos in `train/` and `test/`, one folder per
    class (`cat`, `dog`) as `datasets.ImageFolder` reads them; return `root/cats_dogs`.

    By default these are the real photos this package carries (259 for training, 111 for
    testing). With `download=True`, online and outside grading, torchvision downloads the whole
    Oxford-IIIT Pet dataset (about 800 MB, 7,349 photos) and its photos are written there instead,
    resized as the carried ones are; if that fails, the carried photos are used. An unwritable
    `root` is replaced by a temporary folder, as in `prepare_mnist`."""
    folder = _usable_root(root, lambda place: _has_photos(place / "cats_dogs")) / "cats_dogs"
    if _has_photos(folder) or (download and _downloaded_pets(folder)):
        return folder
    shutil.copytree(CARRIED_CATS_DOGS, folder, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("LICENSE", "README.md"))
    print(f"Using the real cat and dog photos carried offline (259 for training, 111 for testing), "
          f"in {folder}.")
    return folder


def _has_photos(folder: Path) -> bool:
    return all(any((folder / "train" / name).glob("*.jpg")) for name in CATS_DOGS_CLASSES)


def _downloaded_pets(folder: Path) -> bool:
    """Whether the Oxford-IIIT Pet dataset could be downloaded (see `_download`) and its photos
    written to `folder/{train,test}/{cat,dog}`."""
    from torchvision import datasets

    def fetch() -> None:
        for split, part in (("trainval", "train"), ("test", "test")):
            pets = datasets.OxfordIIITPet(folder.parent / "oxford-iiit-pet-download", split=split,
                                          target_types="binary-category", download=True)
            for index, (photo, label) in enumerate(pets):
                photo.thumbnail((PHOTO_SIDE, PHOTO_SIDE))
                target = folder / part / CATS_DOGS_CLASSES[label] / f"{split}_{index:05d}.jpg"
                target.parent.mkdir(parents=True, exist_ok=True)
                photo.save(target, quality=90)

    return _download("The Oxford-IIIT Pet dataset", OXFORD_PET_HOST, 443, fetch)


def training_images(root: Path, name: str) -> int:
    """How many training images the dataset `name` kept in `root` holds (from its IDX header)."""
    header = (root / name / "raw" / "train-labels-idx1-ubyte").read_bytes()[:8]
    return int.from_bytes(header[4:8], "big")  # IDX: magic number, then the count


def _usable_root(root: Path | None, has_data: Callable[[Path], bool]) -> Path:
    """`root` (by default the course's data folder), or a temporary folder when `root` lacks the
    data (`has_data(root)` is false) and cannot be written."""
    root = Path(root) if root is not None else data_dir()
    if has_data(root) or _writable(root):
        return root
    return Path(tempfile.gettempdir()) / "torchcourse-data"


def _has_dataset(root: Path, name: str) -> bool:
    return all((root / name / "raw" / file).is_file() for file in IDX_FILES)


def _writable(folder: Path) -> bool:
    existing = next(parent for parent in (folder, *folder.parents) if parent.exists())
    return os.access(existing, os.W_OK)


def _reachable(host: str, port: int, timeout: float = 3.0) -> bool:
    """Whether a TCP connection to `host` on `port` opens within `timeout` seconds."""
    try:
        socket.create_connection((host, port), timeout=timeout).close()
        return True
    except OSError:
        return False


def write_digits_stand_in(raw_folder: Path) -> None:
    """Write scikit-learn's 1,797 digits as 28x28 MNIST files: 1,500 train, 297 test."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    small = torch.tensor(digits.images, dtype=torch.float32)[:, None] / 16.0
    # MNIST digits fill a 20x20 box centred in a 28x28 frame.
    big = torch.nn.functional.interpolate(small, size=(20, 20), mode="bilinear", align_corners=False)
    images = torch.nn.functional.pad(big, (4, 4, 4, 4))[:, 0]
    pixels = (images.clamp(0, 1) * 255).round().to(torch.uint8)
    labels = torch.tensor(digits.target, dtype=torch.uint8)
    raw_folder.mkdir(parents=True, exist_ok=True)
    for prefix, part in (("train", slice(0, 1500)), ("t10k", slice(1500, None))):
        _write_idx(raw_folder / f"{prefix}-images-idx3-ubyte", pixels[part])
        _write_idx(raw_folder / f"{prefix}-labels-idx1-ubyte", labels[part])
    (raw_folder.parent / STAND_IN_NOTE).write_text(
        "Offline stand-in for MNIST: scikit-learn's bundled 8x8 digits scaled to 28x28.\n"
        "Delete this folder and run `make data` online to get the real dataset.\n")


def _write_idx(path: Path, array: torch.Tensor) -> None:
    """Write a uint8 tensor in the IDX format MNIST uses (magic number, sizes, raw bytes)."""
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.contiguous().numpy().tobytes())
