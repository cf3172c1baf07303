"""A corpus of broken and hostile submissions, each with the grade it must get.

Most are Part 1 notebooks; a few attack what a later part adds (Part 5's capstone, scored on a
held-out split the helper package carries a copy of; Part 6's checkpoints, files the harness
reads back). Each case is built from the release (nothing earned) or from ada's correct answers,
with one thing done to it. tests/test_hostile.py grades them all in one batch beside ordinary
students and proves each case's outcome; the README's table lists them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_output

from variants import PARTS as VARIANTS

from . import REPO
from .samples import fill_answers, points_per_test

PART = "01-tensors"  # the part of most cases
FASHION = "05-inference-validation"
SAVING = "06-saving-loading"
Points = dict[str, float]


def released_path(part: str) -> Path:
    return REPO / "course" / part / f"{part}.ipynb"


@dataclass(frozen=True)
class Case:
    """One bad submission: how it is made, the score it must get, and words its graded notebook
    (or the batch's problem line for it) must contain."""

    name: str
    what: str
    build: Callable[[Path], None]  # writes the submission into a `<student>/<part>` folder
    score: Callable[[Points], float]
    says: str = ""
    part: str = PART

    @property
    def student(self) -> str:
        return "hostile-" + self.name.replace("_", "-")


def full(points: Points) -> float:
    return sum(points.values())


def nothing(points: Points) -> float:
    return 0.0


def all_but(exercise: str) -> Callable[[Points], float]:
    return lambda points: full(points) - points[exercise]


def released(part: str = PART) -> nbformat.NotebookNode:
    return nbformat.read(released_path(part), as_version=4)


def correct(part: str = PART) -> nbformat.NotebookNode:
    """ada's notebook: every exercise answered correctly."""
    return fill_answers(released_path(part), VARIANTS[part].ALTERNATIVES)


def grade_id(cell: nbformat.NotebookNode) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def with_cell(notebook: nbformat.NotebookNode, source: str) -> nbformat.NotebookNode:
    """`notebook` with a new code cell of the learner's right after the setup cell."""
    notebook = copy.deepcopy(notebook)
    setup = next(i for i, cell in enumerate(notebook.cells) if grade_id(cell) == "setup")
    notebook.cells.insert(setup + 1, new_code_cell(source))
    return notebook


def answer(notebook: nbformat.NotebookNode, exercise: str, source: str) -> nbformat.NotebookNode:
    notebook = copy.deepcopy(notebook)
    next(cell for cell in notebook.cells if grade_id(cell) == f"{exercise}-code").source = source
    return notebook


def save(notebook: nbformat.NotebookNode, name: str | None = None) -> Callable[[Path], None]:
    """Write `notebook` into a part's folder, under the part's notebook name unless `name` is given."""
    def build(folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, folder / (name or f"{folder.name}.ipynb"))
    return build


def both(first: Callable[[Path], None], second: Callable[[Path], None]) -> Callable[[Path], None]:
    """Write what `first` and then `second` write into the same folder."""
    def build(folder: Path) -> None:
        first(folder)
        second(folder)
    return build


def write_bytes(content: bytes, name: str = f"{PART}.ipynb") -> Callable[[Path], None]:
    def build(folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    return build


def without_test(exercise: str) -> nbformat.NotebookNode:
    notebook = correct()
    notebook.cells = [cell for cell in notebook.cells if grade_id(cell) != exercise]
    return notebook


def test_before_answer(exercise: str) -> nbformat.NotebookNode:
    notebook = correct()
    test = next(cell for cell in notebook.cells if grade_id(cell) == exercise)
    notebook.cells.remove(test)
    position = next(i for i, cell in enumerate(notebook.cells) if grade_id(cell) == f"{exercise}-code")
    notebook.cells.insert(position, test)
    return notebook


def edited_tests() -> nbformat.NotebookNode:
    notebook = released()
    for cell in notebook.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade") and not grade_id(cell).endswith(("-code", "setup")):
            cell.source = "print('All tests passed!')"
    return notebook


def huge_outputs(megabytes: int) -> nbformat.NotebookNode:
    """ada's notebook saved with `megabytes` of output under one cell (outputs are not graded)."""
    notebook = correct()
    last = [cell for cell in notebook.cells if cell.cell_type == "code"][-1]
    last.outputs = [new_output("stream", name="stdout", text="0123456789" * (megabytes * 100_000))]
    return notebook


def huge_source(megabytes: int) -> nbformat.NotebookNode:
    notebook = correct()
    notebook.cells.append(new_markdown_cell("lorem ipsum " * (megabytes * 87_382)))
    return notebook


def many_cells(count: int) -> nbformat.NotebookNode:
    notebook = correct()
    notebook.cells += [new_code_cell(f"cell_{n} = {n}") for n in range(count)]
    return notebook


MEMORY_BOMB = """\
hog = []
while True:
    hog.append(bytearray(256 * 2**20))  # touched: 256 MiB more each time
    hog[-1][::4096] = b"x" * len(hog[-1][::4096])
"""
FORK_BOMB = """\
import os, time
for _ in range(1000):
    if os.fork() == 0:
        time.sleep(600)
        os._exit(0)
"""
LEFT_RUNNING = """\
import json, os, threading, time
from pathlib import Path

def forge():
    folder = Path(os.environ.get("TORCHCOURSE_GRADING_DIR", "."))
    while True:
        for inputs in folder.glob("*"):
            if inputs.is_file():
                inputs.with_suffix(".results").write_text(json.dumps({"passed": True}))
        time.sleep(0.05)

threading.Thread(target=forge, daemon=True).start()
if os.fork() == 0:
    forge()
"""
DISK_FILLER = """\
block = b"x" * 2**24
with open("filler.bin", "wb") as big:
    for _ in range(256):  # 4 GiB
        big.write(block)
"""
MANY_FILES = """\
block = b"x" * 2**24
for number in range(16):  # 16 files of 256 MiB
    with open(f"filler-{number}.bin", "wb") as part:
        for _ in range(16):
            part.write(block)
"""
SNOOPING = """\
import glob, os
from pathlib import Path
found = {}
for path in ["/proc/1/cmdline", "/proc/1/environ", *glob.glob("/proc/*/cmdline")]:
    try:
        found[path] = open(path, "rb").read()[:200]
    except OSError:
        pass
found["env"] = dict(os.environ)
grader_folder = Path.cwd().parents[2]  # the grader's scratch folder, around this notebook's copy
print("found:", sorted(str(p) for p in grader_folder.rglob("*.db")),
      sorted(str(p) for p in grader_folder.rglob("*reference*")))
"""
NETWORK = """\
import socket, urllib.request
try:
    urllib.request.urlopen("http://example.com", timeout=3)
except Exception as error:
    print("no network:", error)
socket.create_connection(("1.1.1.1", 53), timeout=3)
"""
MONKEYPATCH = """\
import builtins, numpy, torch, torchcourse, torchcourse.grading
torch.allclose = lambda *args, **kwargs: True
torch.equal = lambda *args, **kwargs: True
torch.Tensor.__eq__ = lambda self, other: torch.ones((), dtype=torch.bool)
numpy.allclose = lambda *args, **kwargs: True
builtins.isinstance = lambda obj, kind: True
for module in (torchcourse, torchcourse.grading):
    for name in dir(module):
        if "record" in name or "check" in name:
            setattr(module, name, lambda *args, **kwargs: None)
"""
ALWAYS_EQUAL = """\
class Agreeable(torch.Tensor):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return True

class Anything:
    def __eq__(self, other):
        return True
    shape = dtype = device = None

def sigmoid(x):
    return torch.zeros_like(x).as_subclass(Agreeable)

def relu(x):
    return Anything()
"""

CASES = [
    Case("syntax_error", "an answer cell with a syntax error",
         save(answer(correct(), "sigmoid", "def sigmoid(x):\n    return 1 / (1 + torch.exp(-x)\n")),
         all_but("sigmoid"), "SyntaxError"),
    Case("exception_at_import", "a cell importing a package that is not installed",
         save(with_cell(correct(), "import seaborn_that_is_not_installed\n")), full, "ModuleNotFoundError"),
    Case("function_renamed", "a required function renamed",
         save(answer(correct(), "sigmoid", "def my_sigmoid(x):\n    return torch.sigmoid(x)\n")),
         all_but("sigmoid"), "NameError"),
    Case("function_deleted", "a required function's cell emptied",
         save(answer(correct(), "relu", "")), all_but("relu"), "NameError"),
    Case("endless_loop", "a cell that loops for ever",
         save(with_cell(correct(), "while True:\n    pass\n")), full, "ran past its"),
    Case("ignores_interrupt", "a loop that swallows the interrupt",
         save(with_cell(correct(), "import time\nwhile True:\n    try:\n        time.sleep(0.1)\n"
                                   "    except KeyboardInterrupt:\n        pass\n")),
         full, "did not stop when interrupted"),
    Case("sys_exit", "sys.exit() in a cell", save(with_cell(correct(), "import sys\nsys.exit()\n")),
         full, "SystemExit"),
    Case("os_exit", "os._exit() in a cell", save(with_cell(correct(), "import os\nos._exit(1)\n")),
         full, "ended the Python kernel"),
    Case("segfault", "a cell that crashes the interpreter",
         save(with_cell(correct(), "import ctypes\nctypes.string_at(0)\n")), full, "ended the Python kernel"),
    Case("memory_bomb", "a cell that takes memory until stopped", save(with_cell(correct(), MEMORY_BOMB)),
         full, "GiB of memory"),
    Case("fork_bomb", "1000 sleeping child processes", save(with_cell(correct(), FORK_BOMB)),
         full, "processes"),
    Case("left_running", "a thread and a child process left forging results after the cell ends",
         save(with_cell(released(), LEFT_RUNNING)), nothing),
    Case("disk_filler", "a cell writing one 4 GiB file into the working copy",
         save(with_cell(correct(), DISK_FILLER)), full, "File too large"),
    Case("many_files", "a cell writing 16 files of 256 MiB into the working copy",
         save(with_cell(correct(), MANY_FILES)), full, "GiB of files"),
    Case("prints_50_mb", "50 MB printed", save(with_cell(correct(), "print('x' * 50_000_000)\n")),
         full, "Output truncated"),
    Case("outputs_100_mb", "a 100 MB notebook file (saved outputs)", save(huge_outputs(100)), full),
    Case("source_30_mb", "30 MB of text in a markdown cell", save(huge_source(30)), nothing,
         "larger than"),
    Case("thousands_of_cells", "3,000 extra code cells", save(many_cells(3_000)), full),
    Case("test_cell_deleted", "a hidden-test cell deleted", save(without_test("sigmoid")),
         all_but("sigmoid")),
    Case("test_cell_moved", "a test cell moved above its answer", save(test_before_answer("relu")),
         all_but("relu")),
    Case("test_cells_edited", "every test cell replaced by a print", save(edited_tests()), nothing),
    Case("not_json", "a file that is not JSON", write_bytes(b"\x89PNG\r\n\x1a\n not a notebook"),
         nothing, "could not be read"),
    Case("misnamed_notebook", "the notebook handed in under another name (graded as the part's)",
         save(correct(), "tensors-final.ipynb"), full),
    Case("two_misnamed_notebooks", "two notebooks, neither under the part's name",
         both(save(correct(), "tensors-final.ipynb"), save(released(), "Untitled.ipynb")), nothing,
         "was not found (handed in: Untitled.ipynb, tensors-final.ipynb)"),
    Case("empty_part_folder", "an empty part folder", lambda folder: folder.mkdir(parents=True), nothing,
         "was not found (handed in: no notebook)"),
    Case("snooping", "reading /proc, the environment and the disk for the grader",
         save(with_cell(released(), SNOOPING)), nothing, "found: [] []"),
    Case("network", "calling the network", save(with_cell(correct(), NETWORK)), full),
    Case("monkeypatching", "torch, numpy, builtins, the recorder and the checks patched",
         save(with_cell(released(), MONKEYPATCH)), nothing),
    Case("always_equal", "a tensor subclass and an object whose == is always true",
         save(answer(answer(released(), "sigmoid", ALWAYS_EQUAL), "relu", "")), nothing),
    Case("capstone_reads_held_out_labels", "Part 5: every answer right, but the capstone answers from "
         "the held-out labels the package carries", save(answer(correct(FASHION), "fashion_capstone",
                                                                VARIANTS[FASHION].CHEATS["fashion_capstone"])),
         all_but("fashion_capstone"), "the pass mark is", part=FASHION),
    Case("capstone_never_trained", "Part 5: every answer right, but the capstone's network never trained",
         save(answer(correct(FASHION), "fashion_capstone", VARIANTS[FASHION].MISTAKES["fashion_capstone"][0])),
         all_but("fashion_capstone"), "about what guessing gives", part=FASHION),
    Case("checkpoint_runs_code", "Part 6: every answer right, but the checkpoint saved holds an object "
         "whose unpickling would run code", save(answer(correct(SAVING), "save_checkpoint",
                                                      VARIANTS[SAVING].CHEATS["save_checkpoint"])),
         all_but("save_checkpoint"), "`torch.load(path, weights_only=True)` can read", part=SAVING),
]


def expected_score(case: Case) -> float:
    return case.score(points_per_test(released_path(case.part)))


def write_corpus(folder: Path) -> dict[str, Case]:
    """Write every case's submission under `folder`; the cases by student id."""
    for case in CASES:
        case.build(folder / case.student / case.part)
    return {case.student: case for case in CASES}
