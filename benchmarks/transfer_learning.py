"""Part 8's figures (printed, never asserted): `make benchmark`.

- the pretrained network's seconds per batch of 32 photos, on the CPU with the threads given and,
  when there is one, on the GPU (timed after `torch.cuda.synchronize()`, since CUDA runs
  asynchronously);
- the capstone's recipe, as the solution notebook writes it (the network's features of the
  training photos, extracted once, and a linear head trained on them with `train_head`), for five
  seeds: the seconds it takes, the accuracy on the held-out photos the grader keeps, and the pass
  mark it applies.

    python benchmarks/transfer_learning.py [--threads 2]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "autograder"), str(REPO / "autograder" / "reference")]

import torch  # noqa: E402
from torch import nn  # noqa: E402
from torchvision import datasets  # noqa: E402

from course_reference.part08_transfer_learning import (PETS_PASS_MARK, extract_features, held_out_photos,  # noqa: E402
                                                       held_out_labels, train_head)
from torchcourse.data import CARRIED_CATS_DOGS  # noqa: E402
from torchcourse.images import to_pil  # noqa: E402
from torchcourse.pretrained import pretrained_network  # noqa: E402

BATCH = 32
EPOCHS, LR = 100, 0.01  # the solution notebook's capstone


def seconds_per_batch(model: nn.Module, batch: torch.Tensor, device: torch.device, repeats: int = 5) -> float:
    """The median seconds of one forward pass of `batch` through `model` on `device`."""
    model, batch = model.to(device), batch.to(device)
    times = []
    with torch.no_grad():
        for _ in range(repeats + 1):  # the first pass warms up (allocations, cuDNN's choices)
            if device.type == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
            model(batch)
            if device.type == "cuda":
                torch.cuda.synchronize()
            times.append(time.perf_counter() - start)
    model.to("cpu")
    return statistics.median(times[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="CPU threads (CI has 2 cores)")
    threads = parser.parse_args().threads
    torch.set_num_threads(threads)
    network = pretrained_network()
    backbone = copy.deepcopy(network.model)
    setattr(backbone, network.head_name, nn.Identity())
    training = datasets.ImageFolder(CARRIED_CATS_DOGS / "train", transform=network.transforms)
    batch = torch.stack([training[index][0] for index in range(BATCH)])
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    for device in devices:
        print(f"{network.name}, a batch of {BATCH} photos of {tuple(batch.shape[1:])} on {device}"
              f"{f' ({threads} threads)' if device.type == 'cpu' else ''}: "
              f"{seconds_per_batch(network.model, batch, device):.3f} s")

    start = time.perf_counter()
    features, labels = extract_features(backbone, torch.utils.data.DataLoader(training, batch_size=64), "cpu")
    extracting = time.perf_counter() - start
    photos, _ = held_out_photos()
    with torch.no_grad():
        held_out = torch.cat([backbone(torch.stack([network.transforms(to_pil(photo)) for photo in photos[i:i + 64]]))
                              for i in range(0, len(photos), 64)])
    truth = held_out_labels([to_pil(photo) for photo in photos])
    print(f"capstone on the carried photos ({len(training)} training, {len(photos)} held out), pass mark "
          f"{PETS_PASS_MARK:.0%}: features of the training photos in {extracting:.1f} s ({threads} threads)")
    for seed in range(5):
        torch.manual_seed(seed)
        head = nn.Linear(features.shape[1], len(training.classes))
        start = time.perf_counter()
        train_head(head, features, labels, EPOCHS, LR)
        trained = time.perf_counter() - start
        with torch.no_grad():
            right = int((head(held_out).argmax(dim=1) == truth).sum())
        print(f"  seed {seed}: head trained in {trained:.2f} s; held out {right}/{len(photos)} = "
              f"{right / len(photos):.1%} ({'pass' if right / len(photos) >= PETS_PASS_MARK else 'FAIL'})")


if __name__ == "__main__":
    main()
