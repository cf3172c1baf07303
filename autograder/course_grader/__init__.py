"""The course's grading tools: trusted verdicts, the kernel sandbox and the commands in the Makefile.

Importing it puts the hidden reference package (autograder/reference) on the import path of this
process only; the learner's kernel never gets it. It also puts this Python's folder first on PATH:
nbgrader runs a helper program (alembic) by name when it creates a gradebook, and the Makefile
runs .venv/bin/python without activating the environment.
"""

import os
import sys
from pathlib import Path

AUTOGRADER = Path(__file__).resolve().parent.parent
REPO = AUTOGRADER.parent

if str(AUTOGRADER / "reference") not in sys.path:
    sys.path.insert(0, str(AUTOGRADER / "reference"))

BIN = str(Path(sys.executable).parent)
if os.environ.get("PATH", "").split(os.pathsep)[0] != BIN:
    os.environ["PATH"] = os.pathsep.join([BIN, os.environ.get("PATH", "")])


def parts() -> list[str]:
    """The parts that exist: folders of solutions/ holding a notebook."""
    return sorted(folder.name for folder in (REPO / "solutions").iterdir()
                  if folder.is_dir() and any(folder.glob("*.ipynb")))
