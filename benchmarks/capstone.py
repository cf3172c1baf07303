"""The capstones of Parts 4 and 5 on each dataset present (printed, never asserted): `make benchmark`.

For each capstone, and for the solution's training function and the differently written answer
in autograder/variants, run the part's solution notebook top to bottom with that answer, on the
data the notebook uses offline (Part 4: the stand-in for MNIST; Part 5: the real Fashion-MNIST
subset the course carries) and, when it is present, on the real subset in ../shared/data; then
print the training seconds, the validation accuracy the notebook can see, the accuracy on the
whole held-out split the grader keeps, and the pass mark the grader applies to that data.

    python benchmarks/capstone.py
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "autograder"), str(REPO / "autograder" / "reference")]

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

from course_reference import part04_training, part05_inference_validation  # noqa: E402
from variants import PARTS as VARIANTS  # noqa: E402

SHARED_DATA = REPO.parent / "shared" / "data"
TOOK = re.compile(r"took ([0-9.]+) s, ")  # what the training cell prints (torchcourse.training.call_if_written)
# Run after the notebook, in its kernel: accuracies on the validation and the held-out splits.
MEASURE = """
import json
from torchvision import datasets

def _accuracy(dataset):
    was_training = model.training
    model.eval()
    right = 0
    with torch.no_grad():
        for x, y in DataLoader(dataset, batch_size=500):
            right += (model(x.to(device)).argmax(dim=1) == y.to(device)).sum().item()
    model.train(was_training)
    return right / len(dataset)

_held_out = datasets.{dataset}(root, train=False, transform=transform)
print(json.dumps({{"validation": _accuracy(val_set), "held out": _accuracy(_held_out),
                  "training images": len(train_set), "held-out images": len(_held_out)}}))
"""


@dataclass(frozen=True)
class Capstone:
    """A part's capstone: its notebook, the exercise and the function its answer cell defines,
    the torchvision dataset it trains on, and the pass mark the grader applies to a data folder."""

    part: str
    exercise: str
    function: str
    dataset: str
    pass_mark: Callable[[Path], float]

    @property
    def notebook(self) -> Path:
        return REPO / "solutions" / self.part / f"{self.part}.ipynb"


def fashion_pass_mark(root: Path) -> float:
    os.environ["TORCHCOURSE_DATA"] = str(root)
    part05_inference_validation.held_out_fashion_mnist.cache_clear()
    return part05_inference_validation.held_out_fashion_mnist()[2]


CAPSTONES = [
    Capstone("04-training", "capstone", "train_classifier", "MNIST", part04_training.pass_mark_for),
    Capstone("05-inference-validation", "fashion_capstone", "train_fashion_classifier", "FashionMNIST",
             fashion_pass_mark),
]


def run_capstone(capstone: Capstone, answer: str | None, data: Path) -> dict[str, float]:
    """Run the capstone's notebook with `answer` as its code cell (the solution's when None) and
    the data in `data`; return the seconds training took, as the notebook says, and the
    accuracies."""
    notebook = nbformat.read(capstone.notebook, as_version=4)
    for cell in notebook.cells:
        if answer and cell.metadata.get("nbgrader", {}).get("grade_id") == f"{capstone.exercise}-code":
            cell.source = answer
    notebook.cells.append(nbformat.v4.new_code_cell(MEASURE.format(dataset=capstone.dataset)))
    os.environ["TORCHCOURSE_DATA"] = str(data)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(capstone.notebook.parent)}}).execute()
    (training,) = [cell for cell in notebook.cells if cell.source.startswith(f"model = call_if_written({capstone.function}")]
    printed = "".join(output.get("text", "") for output in training.outputs)
    figures = json.loads(notebook.cells[-1].outputs[-1]["text"])
    return {"seconds": float(TOOK.search(printed).group(1)), **figures}


@functools.lru_cache(maxsize=None)
def data_folders(dataset: str) -> dict[str, Path]:
    """The folders holding `dataset`: the course's own (offline: a stand-in or the carried
    subset), and ../shared/data when it has the dataset."""
    folders = {"data/ (offline: stand-in or carried subset)": REPO / "data"}
    if (SHARED_DATA / dataset / "raw").is_dir():
        folders["real subset in ../shared/data"] = SHARED_DATA
    else:
        print(f"(no real {dataset} in {SHARED_DATA}: the course's own data only)")
    return folders


def main() -> None:
    print("capstone: seconds the training function took, validation and held-out accuracy, pass mark")
    for capstone in CAPSTONES:
        alternative = VARIANTS[capstone.part].ALTERNATIVES[capstone.exercise]
        for data_name, data in data_folders(capstone.dataset).items():
            for answer_name, answer in (("solution", None), ("alternative", alternative)):
                figures = run_capstone(capstone, answer, data)
                mark = capstone.pass_mark(data)
                print(f"{capstone.part:<25}{data_name:<46}{answer_name:<13}{figures['seconds']:>6.1f} s"
                      f"  validation {figures['validation']:.3f}"
                      f"  held out {figures['held out']:.3f} of {figures['held-out images']}"
                      f"  pass mark {mark:.2f} ({figures['training images']} training images)")


if __name__ == "__main__":
    main()
