"""The Part 4 capstone on each dataset present (printed, never asserted): `make benchmark`.

For the solution's `train_classifier` and for the differently written answer in
autograder/variants, run Part 4's solution notebook top to bottom with that answer, on the
offline stand-in for MNIST and, when it is present, on the real MNIST subset in ../shared/data;
then print the training seconds, the validation accuracy the notebook can see, the accuracy on
the whole held-out split the grader keeps, and the pass mark the grader applies to that data.

    python benchmarks/capstone.py
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "autograder"), str(REPO / "autograder" / "reference")]

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

from course_reference.part04_training import pass_mark_for  # noqa: E402
from variants.part04_training import ALTERNATIVES  # noqa: E402

NOTEBOOK = REPO / "solutions" / "04-training" / "04-training.ipynb"
REAL_MNIST = REPO.parent / "shared" / "data"
TRAINING_CELL = "model = call_if_written(train_classifier"
TOOK = re.compile(r"train_classifier took ([0-9.]+) s")  # what the training cell prints
# Run after the notebook, in its kernel: accuracies on the validation and the held-out splits.
MEASURE = """
import json
from torchvision import datasets
_held_out = datasets.MNIST(root, train=False, transform=transform)
print(json.dumps({"validation": evaluate(model, val_loader, device),
                  "held out": evaluate(model, DataLoader(_held_out, batch_size=500), device),
                  "training images": len(train_set), "held-out images": len(_held_out)}))
"""


def run_capstone(answer: str | None, data: Path) -> dict[str, float]:
    """Run the notebook with `answer` as the capstone's code cell (the solution's when None) and
    the data in `data`; return the seconds `train_classifier` took, as the notebook says, and the
    accuracies."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        if answer and cell.metadata.get("nbgrader", {}).get("grade_id") == "capstone-code":
            cell.source = answer
    notebook.cells.append(nbformat.v4.new_code_cell(MEASURE))
    os.environ["TORCHCOURSE_DATA"] = str(data)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    (training,) = [cell for cell in notebook.cells if cell.source.startswith(TRAINING_CELL)]
    printed = "".join(output.get("text", "") for output in training.outputs)
    figures = json.loads(notebook.cells[-1].outputs[-1]["text"])
    return {"seconds": float(TOOK.search(printed).group(1)), **figures}


def main() -> None:
    datasets = {"offline stand-in": REPO / "data"}
    if (REAL_MNIST / "MNIST" / "raw").is_dir():
        datasets["real MNIST subset (../shared/data)"] = REAL_MNIST
    else:
        print(f"(no real MNIST in {REAL_MNIST}: the stand-in only)")
    print("capstone: seconds train_classifier took, validation and held-out accuracy, pass mark")
    for data_name, data in datasets.items():
        for answer_name, answer in (("solution", None), ("alternative", ALTERNATIVES["capstone"])):
            figures = run_capstone(answer, data)
            mark = pass_mark_for(data)
            print(f"{data_name:<36}{answer_name:<13}{figures['seconds']:>6.1f} s"
                  f"  validation {figures['validation']:.3f}"
                  f"  held out {figures['held out']:.3f} of {figures['held-out images']}"
                  f"  pass mark {mark:.2f} ({figures['training images']} training images)")


if __name__ == "__main__":
    main()
