"""A long-lived grader: autogrades one submission after another in the same process.

A task is one student's part, sent as plain data (file names and bytes), and its answer is plain
data too: the autograded files, each graded cell's score and comment, the log. So the same task
runs in a local worker process (course_grader.batch) or on a Dask worker on another machine, with
no shared file system. Each grader works in a scratch course folder of its own, with its own
copy of the release gradebook (the hidden tests live there); only the instructor's process
writes the real gradebook.

Starting a grader costs what one nbgrader process used to cost per submission (importing
nbgrader, SQLAlchemy, torch and the reference package); each submission then costs little more
than its sandboxed kernel.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
from torchcourse.data import prepare_mnist

from . import AUTOGRADER, REPO
from .sandbox import DATA_VARIABLE, hide_from_kernels

if TYPE_CHECKING:
    from nbgrader.api import Gradebook

COURSE_ID = "pytorch-course"
SECONDS_PER_SUBMISSION = 900
MAX_NOTEBOOK_BYTES = 20 * 2**20  # without its outputs, which grading replaces anyway
FINGERPRINTED = ["autograder/reference", "course/torchcourse"]  # plus solutions/<part>


@dataclass(frozen=True)
class Submission:
    """One student's part: the files they handed in, and the grader they are to be graded by."""

    student: str
    part: str
    files: dict[str, bytes]
    grader: str  # fingerprint(part) where the batch started

    @property
    def key(self) -> str:
        return f"{self.student}/{self.part}"

    def digest(self) -> str:
        """What decides whether a submission needs grading again: its files and the grader."""
        digest = hashlib.sha256(self.grader.encode())
        for name in sorted(self.files):
            digest.update(f"\0{name}\0{len(self.files[name])}\0".encode())
            digest.update(self.files[name])
        return digest.hexdigest()


@dataclass
class Graded:
    """What grading one submission produced, as plain data for the instructor's gradebook."""

    student: str
    part: str
    digest: str
    submitted: dict[str, bytes] = field(default_factory=dict)   # as graded (*.unreadable kept)
    autograded: dict[str, bytes] = field(default_factory=dict)
    notebooks: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> scores
    timestamp: Any = None
    score: float = 0.0
    max_score: float = 0.0
    problem: str | None = None
    log: str = ""
    seconds: float = 0.0

    @property
    def key(self) -> str:
        return f"{self.student}/{self.part}"


def open_gradebook(path: Path) -> "Gradebook":
    """nbgrader's gradebook of this course in the database file at `path` (use it in `with`)."""
    from nbgrader.api import Gradebook

    return Gradebook(f"sqlite:///{path}", COURSE_ID)


def fingerprint(part: str) -> str:
    """A hash of everything that decides a grade of `part` besides the submission itself: the
    instructor's notebook, the reference package and the helper package."""
    folders = [REPO / "solutions" / part, *(REPO / folder for folder in FINGERPRINTED)]
    return files_digest(folders, suffixes=(".py", ".ipynb"))


def files_digest(folders: list[Path], suffixes: tuple[str, ...] | None = None) -> str:
    """A hash of the files under `folders` (those ending in `suffixes`, or all), names included."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if (path.is_file() and "__pycache__" not in path.parts
                    and (suffixes is None or path.suffix in suffixes)):
                digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def read_submission(folder: Path, student: str, part: str) -> Submission:
    """The files of one `<student>/<part>` folder, leaving out symbolic links (a link could hand
    in someone else's file, or one the grader can read and the student should not) and
    checkpoints or grading leftovers."""
    files = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part_name in (".ipynb_checkpoints", ".grading") for part_name in relative.parts):
            continue
        if any((folder / Path(*relative.parts[:n])).is_symlink() for n in range(1, len(relative.parts) + 1)):
            continue
        if path.is_file():
            files[str(relative)] = path.read_bytes()
    return Submission(student, part, files, fingerprint(part))


class Grader:
    """Autogrades submissions in a scratch course folder with its own copy of the release
    gradebook, one at a time, and answers with plain data."""

    def __init__(self, release_gradebook: bytes) -> None:
        from nbgrader.coursedir import CourseDirectory
        from traitlets.config.loader import PyFileConfigLoader

        self.scratch = Path(tempfile.mkdtemp(prefix="course-grader-worker-"))
        (self.scratch / "gradebook.db").write_bytes(release_gradebook)
        self.release_digest = hashlib.sha256(release_gradebook).hexdigest()
        # The learner's kernel must not see this folder (the gradebook copy holds hidden tests),
        # except its own working folder, which the sandbox mounts back.
        hide_from_kernels(self.scratch)
        # Kernels run in the scratch folder, far from the course's data/: say where it is, and
        # fill it first (the kernels can read it, not write it).
        os.environ.setdefault(DATA_VARIABLE, str(REPO / "data"))
        prepare_mnist(Path(os.environ[DATA_VARIABLE]))
        self.config = PyFileConfigLoader("nbgrader_config.py", path=str(AUTOGRADER)).load_config()
        course = self.config.CourseDirectory
        course.root = str(self.scratch)
        course.source_directory = str(REPO / "solutions")
        course.release_directory = str(REPO / "course")
        course.submitted_directory = "submitted"
        course.autograded_directory = "autograded"
        course.feedback_directory = "feedback"
        course.db_url = f"sqlite:///{self.scratch / 'gradebook.db'}"
        self.coursedir = CourseDirectory(config=self.config)

    def close(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)

    def grade(self, submission: Submission, seconds: float = SECONDS_PER_SUBMISSION) -> Graded:
        """Autograde one submission. A notebook that cannot be read (kept as `*.unreadable`) or is
        too large (`*.toolarge`), or one whose grading fails or runs past `seconds` (kept as `*.crashed`), is replaced by the
        release, so the student still gets a grade and feedback saying what happened."""
        started = time.monotonic()
        graded = Graded(submission.student, submission.part, submission.digest())
        if submission.grader != fingerprint(submission.part):
            graded.problem = (f"{submission.key}: this worker's repository grades {submission.part} "
                              "differently from the instructor's (update it and restart the worker)")
            return graded
        folder = self._submitted_folder(submission)
        released = REPO / "course" / submission.part
        handed_in = sorted(path.name for path in folder.glob("*.ipynb"))
        missing = [path.name for path in sorted(released.glob("*.ipynb")) if not (folder / path.name).exists()]
        for name in missing:
            grade_release_instead(folder / name, released / name, "",
                                  f"was not found (handed in: {', '.join(handed_in) or 'no notebook'})")
        replaced = []  # notebooks replaced by the release before grading: why, in words
        for notebook in folder.glob("*.ipynb"):
            try:
                content = nbformat.read(notebook, as_version=4)
                nbformat.validate(content)
            except Exception as error:  # any way of being unreadable is treated the same
                reason = f"could not be read ({type(error).__name__}: {str(error)[:300]})"
                grade_release_instead(notebook, released / notebook.name, ".unreadable", reason)
                replaced.append(f"{notebook.name} {reason}")
                continue
            for cell in content.cells:
                if cell.cell_type == "code":
                    cell.outputs = []
            if len(nbformat.writes(content)) > MAX_NOTEBOOK_BYTES:
                reason = f"is larger than {MAX_NOTEBOOK_BYTES // 2**20} MB without its outputs"
                grade_release_instead(notebook, released / notebook.name, ".toolarge", reason)
                replaced.append(f"{notebook.name} {reason}")
        failure, graded.log = self._autograde(submission, seconds)
        if failure is not None:
            for notebook in folder.glob("*.ipynb"):
                grade_release_instead(notebook, released / notebook.name, ".crashed",
                                      f"stopped the grader ({failure.splitlines()[0]})")
            second, log = self._autograde(submission, seconds)
            graded.log += "\n--- the release, graded in its place ---\n" + log
            outcome = "the release was graded in its place" if second is None else f"then: {second}"
            graded.problem = f"{submission.key}: {failure}\n  ({outcome})"
        elif missing:
            graded.problem = (f"{submission.key}: no {', '.join(missing)} (handed in: "
                              f"{', '.join(handed_in) or 'no notebook'}); the release was graded in its place")
        elif replaced:
            graded.problem = f"{submission.key}: {'; '.join(replaced)}; the release was graded in its place"
        graded.submitted = _read_folder(folder)
        # The graded notebooks and the files handed in; not what the learner's code wrote there.
        graded.autograded = {name: content for name, content in _read_folder(
            self.scratch / "autograded" / submission.student / submission.part).items()
            if name.endswith(".ipynb") or name in graded.submitted}
        self._take_scores(graded)
        for step in ("submitted", "autograded"):
            shutil.rmtree(self.scratch / step / submission.student, ignore_errors=True)
        graded.seconds = time.monotonic() - started
        return graded

    def _submitted_folder(self, submission: Submission) -> Path:
        folder = self.scratch / "submitted" / submission.student / submission.part
        for name, content in submission.files.items():
            path = (folder / name).resolve()
            if not path.is_relative_to(folder.resolve()):
                continue  # a name like ../../x could only come from a hand-made task
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def _autograde(self, submission: Submission, seconds: float) -> tuple[str | None, str]:
        """Run nbgrader's autograde on one submission in this process; (what went wrong, log)."""
        from nbgrader.apps.api import NbGraderAPI

        api = NbGraderAPI(coursedir=self.coursedir, config=self.config)
        with _Watchdog(seconds) as watchdog:
            result = api.autograde(submission.part, submission.student, force=True, create=True)
        log = result.get("log", "") + result.get("error", "")
        if watchdog.fired:
            return f"grading took over {seconds:g} s and was stopped", log
        if result["success"]:
            return None, log
        errors = [line.strip() for line in log.splitlines()
                  if "Error" in line and not line.startswith("[") and "Traceback" not in line]
        return f"nbgrader failed: {errors[-1] if errors else log.strip()[-300:]}", log

    def _take_scores(self, graded: Graded) -> None:
        """Move the submission's scores from the scratch gradebook into `graded`."""
        from nbgrader.api import MissingEntry

        with open_gradebook(self.scratch / "gradebook.db") as gradebook:
            try:
                submission = gradebook.find_submission(graded.part, graded.student)
            except MissingEntry:
                return
            graded.timestamp = submission.timestamp
            graded.score, graded.max_score = submission.score, submission.max_score
            for notebook in submission.notebooks:
                graded.notebooks[notebook.name] = {
                    "grades": {grade.name: [grade.auto_score, grade.needs_manual_grade]
                               for grade in notebook.grades},
                    "comments": {comment.name: comment.auto_comment for comment in notebook.comments},
                    "late_submission_penalty": notebook.late_submission_penalty,
                }
            gradebook.remove_submission(graded.part, graded.student)


def grade_release_instead(notebook: Path, released: Path, suffix: str, reason: str) -> None:
    """Keep the student's notebook beside it (suffix added), if there is one, and put the
    release in its place, with a note at the top saying why. Nothing the student sent is lost."""
    kept = ""
    if notebook.exists():
        notebook.rename(notebook.with_name(notebook.name + suffix))
        kept = f" Your file was kept as `{notebook.name + suffix}`."
    if not released.is_file():
        return
    replacement = nbformat.read(released, as_version=4)
    replacement.cells.insert(0, nbformat.v4.new_markdown_cell(
        f"**Your submitted notebook {reason}**, so the released notebook was graded in its "
        f"place.{kept} Ask your instructor."))
    nbformat.write(replacement, notebook)


def _read_folder(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file() and not path.is_symlink()}


class _Watchdog:
    """Kills this process's children (the grading kernel) if grading runs past `seconds`:
    nbgrader then sees a dead kernel and stops, and the grader goes on with the next task."""

    def __init__(self, seconds: float) -> None:
        self.seconds, self.fired = seconds, False
        self._done = threading.Event()

    def __enter__(self) -> "_Watchdog":
        threading.Thread(target=self._watch, daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._done.set()

    def _watch(self) -> None:
        if self._done.wait(self.seconds):
            return
        import psutil

        self.fired = True
        for child in psutil.Process().children(recursive=True):
            child.kill()


_GRADER: Grader | None = None


def grade_here(submission: Submission, release_gradebook: bytes) -> Graded:
    """Grade `submission` with this process's grader, starting one (or a fresh one, when the
    release changed) as needed. What a Dask worker runs for each task."""
    global _GRADER
    if _GRADER is None or _GRADER.release_digest != hashlib.sha256(release_gradebook).hexdigest():
        if _GRADER is not None:
            _GRADER.close()
        # A Dask worker grades one submission at a time, one worker per core (`make worker`): one
        # thread for the kernel's torch unless set otherwise; a cell's computing time counts per thread.
        for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(variable, "1")
        _GRADER = Grader(release_gradebook)
    return _GRADER.grade(submission)
