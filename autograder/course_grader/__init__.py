"""The course's grading tools: trusted verdicts, the kernel sandbox and the commands in the Makefile.

Importing it puts the hidden reference package (autograder/reference) on the import path of this
process only; the learner's kernel never gets it.
"""

import sys
from pathlib import Path

AUTOGRADER = Path(__file__).resolve().parent.parent
REPO = AUTOGRADER.parent

if str(AUTOGRADER / "reference") not in sys.path:
    sys.path.insert(0, str(AUTOGRADER / "reference"))
