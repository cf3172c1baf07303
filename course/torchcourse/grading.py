"""Recording a learner's function for the instructor's grader (used by hidden test cells).

During autograding the grader writes hidden inputs into a folder named by the environment
variable below, and runs the notebook. `record_for_grading` calls the learner's function on
those inputs on every listed device and saves what came back. It never judges anything: the
grader compares the saved results with its reference answers in its own process, which the
notebook's code cannot reach. Outside grading it does nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import torch

from .feedback import describe

GRADING_DIR_VARIABLE = "TORCHCOURSE_GRADING_DIR"


def inputs_path(folder: Path, name: str) -> Path:
    """Where the grader puts the hidden inputs for exercise `name`."""
    return folder / f"{name}.inputs.pt"


def results_path(folder: Path, name: str) -> Path:
    """Where the recorder saves what the learner's function returned for exercise `name`."""
    return folder / f"{name}.results.pt"


def record_for_grading(name: str, function: Callable[..., Any]) -> None:
    """Run `function` on the grader's hidden inputs for `name` and save its results."""
    folder = os.environ.get(GRADING_DIR_VARIABLE)
    if not folder:
        return
    plan = torch.load(inputs_path(Path(folder), name), weights_only=True)
    results = [run_case(function, case, device) for device in plan["devices"] for case in plan["cases"]]
    torch.save(results, results_path(Path(folder), name))


def run_case(function: Callable[..., Any], case: list[Any], device: str) -> dict[str, Any]:
    """Call `function` once with `case` moved to `device`; describe what happened."""
    args = [arg.to(device) if isinstance(arg, torch.Tensor) else arg for arg in case]
    originals = [arg.clone() if isinstance(arg, torch.Tensor) else None for arg in args]
    record: dict[str, Any] = {"device": device, "error": None, "value": None,
                              "value_device": None, "description": "", "changed_inputs": []}
    try:
        output = function(*args)
    except Exception as error:  # the learner's code may raise anything; the grader reports it
        record["error"] = f"{type(error).__name__}: {error}"[:500]
        return record
    record["description"] = describe(output)[:200]
    if isinstance(output, torch.Tensor):
        record["value"] = output.detach().as_subclass(torch.Tensor).to("cpu").clone()
        record["value_device"] = output.device.type
    elif isinstance(output, (bool, int, float)):
        record["value"] = output
    record["changed_inputs"] = [
        position for position, (arg, original) in enumerate(zip(args, originals))
        if original is not None and not torch.equal(arg, original)
    ]
    return record
