"""nbgrader configuration for the course. Commands run from this folder (the Makefile does).

Layout: instructor notebooks in solutions/, the release in course/, and nbgrader's working state
(submissions, autograded notebooks, feedback, gradebook) here in autograder/, kept out of git.
Autograding draws hidden inputs and judges the recorded results in this process (see
course_grader.preprocessors); the learner's kernel runs sandboxed (course_grader.sandbox).
"""

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE / "reference")]

import nbgrader  # noqa: E402
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput, SaveAutoGrades,
)

from course_grader.execute import ExecuteCellByCell  # noqa: E402
from course_grader.layouts import LMS_FILE_NAMES  # noqa: E402
from course_grader.preprocessors import (  # noqa: E402
    CoalesceStreams, JudgeRecordedResults, LimitOutputBytes, RenderMath, WriteHiddenInputs,
)
from course_grader.sandbox import GIB, KERNEL_NAME, Limits, install_kernelspec  # noqa: E402

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "pytorch-course"
c.CourseDirectory.root = str(HERE.parent)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "course"
c.CourseDirectory.submitted_directory = "autograder/submitted"
c.CourseDirectory.autograded_directory = "autograder/autograded"
c.CourseDirectory.feedback_directory = "autograder/feedback"
c.CourseDirectory.db_url = f"sqlite:///{HERE / 'gradebook.db'}"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", ".grading"]
# nbgrader's exchange (Formgrader's release and collect buttons, release_feedback): a folder here;
# on a shared JupyterHub, point it at the hub's exchange instead.
c.Exchange.root = str(HERE / "exchange")
(HERE / "exchange").mkdir(exist_ok=True)

# CoalesceStreams joins the pieces of each cell's printed output, which the kernel flushes when it
# likes: the same notebook then gives the same graded page, byte for byte, every time.
c.Autograde.autograde_preprocessors = [
    WriteHiddenInputs, ExecuteCellByCell, JudgeRecordedResults, IgnorePattern, CoalesceStreams,
    ClearMetadataPreprocessor, LimitOutput, LimitOutputBytes, SaveAutoGrades, AssignLatePenalties,
    CheckCellMetadata,
]

# The sandboxed kernel has no network, so it talks to nbgrader over local sockets in a private
# runtime folder rather than over TCP.
# What one grading kernel may use (all its processes together); one that goes over a limit is
# stopped, the feedback names the limit, and grading goes on with the next cell.
LIMITS = Limits(memory_bytes=4 * GIB, processes=64, threads=512, cpu_seconds=1200, disk_bytes=1 * GIB,
                file_bytes=GIB // 2)
install_kernelspec(HERE / ".jupyter", LIMITS)
runtime = tempfile.mkdtemp(prefix="course-grader-")
atexit.register(shutil.rmtree, runtime, True)
c.KernelManager.transport = "ipc"
c.KernelManager.ip = os.path.join(runtime, "kernel")
c.Execute.kernel_name = KERNEL_NAME
# Seconds per cell; a cell that ignores the interrupt is killed grace_seconds later.
c.Execute.timeout = int(os.environ.get("COURSE_GRADER_CELL_SECONDS", 30))
c.ExecuteCellByCell.grace_seconds = 5
# A graded kernel has nothing to save: kill it at once instead of waiting about a second for it to
# shut down (the sandbox's bwrap --die-with-parent takes the learner's processes with it).
c.Execute.shutdown_kernel = "immediate"
# Wall-clock seconds per notebook, more for the parts that train.
c.ExecuteCellByCell.seconds_per_notebook = 180
c.ExecuteCellByCell.seconds_per_part = {"04-training": 420, "05-inference-validation": 420,
                                        "08-transfer-learning": 420}
# The capstones of Parts 4 and 5 train within a 30 s budget on 2 cores, Part 8's within 60 s: their
# cells may compute for three times that on a slower grading machine before they are stopped.
# These are seconds of computing time, not on the clock, so a busy machine stops nothing early: a
# cell may use (seconds × the kernel's threads, $OMP_NUM_THREADS) CPU seconds in its kernel's
# processes. A cell that waits uses none: it is stopped after wall_clock_factor × its seconds.
c.ExecuteCellByCell.cell_seconds_per_part = {"04-training": 90, "05-inference-validation": 90,
                                             "08-transfer-learning": 180}
c.ExecuteCellByCell.wall_clock_factor = 4
# Output kept per cell in the graded notebook and its feedback page.
c.LimitOutput.max_lines = 1000
c.LimitOutputBytes.max_bytes = 100_000

# Formulas are drawn as MathML when a page is written (feedback and Formgrader's pages alike): they
# need no MathJax from the internet.
c.HTMLExporter.preprocessors = [RenderMath]
# Feedback pages use the course's template (autograder/templates/course_feedback), which extends
# nbgrader's own: exercises listed by name, no test-cell source, verdicts that wrap. It is set for
# the exporter of GenerateFeedback only (traitlets reads `c.GenerateFeedback.HTMLExporter` for the
# exporter that converter makes), so Formgrader's manual-grading pages keep nbgrader's `formgrade`
# template, and its "Generate Feedback" button writes the same pages as `make feedback`.
c.GenerateFeedback.HTMLExporter.template_name = "course_feedback"
c.GenerateFeedback.HTMLExporter.template_file = "feedback_page.html.j2"
c.GenerateFeedback.HTMLExporter.extra_template_basedirs = [
    str(HERE / "templates"),
    str(Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"),
]

# `make autograde SUBMISSIONS=DIR` reads Canvas's and Moodle's file names with nbgrader's
# FileNameCollectorPlugin and the patterns in course_grader.layouts; `nbgrader zip_collect PART`,
# run by hand, then reads Canvas's names (`alice_12345_678901_04-training.ipynb`, `alice_LATE_...`)
# with the same pattern (set it to LMS_FILE_NAMES["Moodle"] for a Moodle download).
c.FileNameCollectorPlugin.named_regexp = LMS_FILE_NAMES["Canvas"]
