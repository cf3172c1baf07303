"""Grading a class: submissions graded in parallel, merged into the one gradebook, resumable.

    make autograde SUBMISSIONS=DIR [JOBS=N] [FORCE=1] [SCHEDULER=tcp://host:8786 | SCHEDULER=local]

Each `<student>/<part>` folder is one task. Tasks go to long-lived graders (course_grader.worker):
JOBS local worker processes, or the workers of a Dask cluster. Only this process writes the
gradebook, the autograded notebooks and the logs, one result at a time as it comes back, so a
grader killed mid-batch loses nothing already graded. A task whose files and grader are those
it was last graded with (same content hash) is not graded again, unless forced; one that had
a problem is tried again, so a rerun still lists it.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import tempfile
import time
import traceback
import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from tqdm import tqdm

from . import AUTOGRADER
from .worker import SECONDS_PER_SUBMISSION, Graded, Grader, Submission, grade_here, open_gradebook

GRADEBOOK = AUTOGRADER / "gradebook.db"
SUBMITTED = AUTOGRADER / "submitted"
AUTOGRADED = AUTOGRADER / "autograded"
LOGS = AUTOGRADER / "logs"
PROBLEM = "PROBLEM: "  # how the summary and a grading log's second line name a problem
GRADED_HASHES = AUTOGRADER / "graded.json"  # task -> the content hash it was graded with
GRADES_CSV = AUTOGRADER / "grades.csv"
RELEASED_HASHES = AUTOGRADER / "released.json"  # part -> hash of solutions/<part> at its release
LOCAL_CLUSTER = "local"
# What grading writes for the instructor: files, and folders with one entry per student.
GRADING_FILES = [GRADEBOOK, GRADED_HASHES, RELEASED_HASHES, GRADES_CSV]
STUDENT_FOLDERS = [SUBMITTED, AUTOGRADED, AUTOGRADER / "feedback", LOGS]


@contextmanager
def put_back_afterwards() -> Iterator[None]:
    """Leave the gradebook and the other grading files and folders as they were before the block:
    for the tests and benchmarks, which grade made-up students into them."""
    kept = {path: path.read_bytes() for path in GRADING_FILES if path.exists()}
    students_before = {folder: set(folder.iterdir()) if folder.is_dir() else set()
                       for folder in STUDENT_FOLDERS}
    try:
        yield
    finally:
        for path in GRADING_FILES:
            if path in kept:
                path.write_bytes(kept[path])
            else:
                path.unlink(missing_ok=True)
        for folder, before in students_before.items():
            if folder.is_dir():
                for entry in set(folder.iterdir()) - before:
                    shutil.rmtree(entry, ignore_errors=True)


@dataclass
class BatchSummary:
    """What a batch did: counts for the closing table, and the problems to show."""

    graded: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)

    def table(self) -> str:
        rows = [("graded", self.graded), ("unchanged", self.unchanged), ("problems", len(self.problems))]
        return "\n".join(f"{name:<10}{count:>6}" for name, count in rows)


def default_jobs() -> int:
    """One worker per core."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def grade_batch(submissions: list[Submission], jobs: int, force: bool = False,
                scheduler: str | None = None) -> BatchSummary:
    """Grade what changed among `submissions` and merge each result into the gradebook."""
    summary = BatchSummary()
    graded_before = read_hashes(GRADED_HASHES)
    in_gradebook = _submissions_in_gradebook()
    todo = [task for task in submissions if force or graded_before.get(task.key) != task.digest()
            or task.key not in in_gradebook or not (AUTOGRADED / task.key).is_dir()]
    summary.unchanged = len(submissions) - len(todo)
    if not todo:
        return summary
    release = release_gradebook()
    results = (grade_on_cluster(todo, release, scheduler, jobs) if scheduler
               else grade_locally(todo, release, jobs))
    with open_gradebook(GRADEBOOK) as gradebook, \
            tqdm(total=len(todo), desc="autograding", unit="notebook", mininterval=1.0) as bar:
        for graded in results:
            if graded.notebooks:
                _save_files(graded)
                _record_scores(gradebook, graded)
                summary.graded += 1
            if graded.notebooks and not graded.problem:
                graded_before[graded.key] = graded.digest
                write_hashes(GRADED_HASHES, graded_before)
            _write_log(graded)
            if graded.problem:
                summary.problems.append(graded.problem)
                bar.write(f"{PROBLEM}{graded.problem}")
            bar.set_postfix_str(f"{graded.key} {graded.score:g}/{graded.max_score:g}", refresh=False)
            bar.update()
    return summary


def release_gradebook() -> bytes:
    """The gradebook with the assignments (and their hidden tests) but no students: what every
    grader starts from."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "gradebook.db"
        shutil.copy(GRADEBOOK, copy)
        with open_gradebook(copy) as gradebook:
            for student in list(gradebook.students):
                gradebook.remove_student(student.id)
        return copy.read_bytes()


def grade_locally(submissions: Iterable[Submission], release: bytes, jobs: int) -> Iterator[Graded]:
    """Grade on `jobs` worker processes of this machine, yielding each result as it comes.

    A worker that dies, or runs far past the time a submission may take (its own watchdog
    failed), is replaced by a fresh one, and its task is reported as a problem."""
    context = multiprocessing.get_context("spawn")
    pending = deque(submissions)
    threads = max(1, default_jobs() // jobs)  # for each kernel's torch: no more threads than cores
    # Workers read the release from a file (inside the repository, which kernels never see): a
    # large start-up argument would block this process for good if a worker died before reading it.
    with tempfile.TemporaryDirectory(dir=AUTOGRADER, prefix=".release-") as folder:
        release_file = Path(folder) / "release.db"
        release_file.write_bytes(release)
        workers = [_LocalWorker(context, release_file, threads) for _ in range(min(jobs, len(pending)))]
        try:
            while pending or any(worker.task for worker in workers):
                for worker in workers:
                    if worker.task is None and pending:
                        worker.send(pending.popleft())
                busy = {worker.connection: worker for worker in workers if worker.task}
                for connection in wait(list(busy), timeout=5):
                    worker = busy[connection]
                    try:
                        yield worker.receive()
                    except (EOFError, OSError):
                        yield worker.replace("the grading worker stopped")
                for worker in workers:
                    if worker.task and time.monotonic() - worker.started > 2 * SECONDS_PER_SUBMISSION:
                        yield worker.replace(f"grading took over {2 * SECONDS_PER_SUBMISSION} s")
        finally:
            for worker in workers:
                worker.stop()


class _LocalWorker:
    """One worker process of `grade_locally`, with the task it is grading."""

    def __init__(self, context: multiprocessing.context.BaseContext, release: Path, threads: int) -> None:
        self.context, self.release, self.threads = context, release, threads
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, release, threads), daemon=True)
        self.process.start()
        child.close()
        self.task: Submission | None = None
        self.started = 0.0

    def send(self, task: Submission) -> None:
        self.task, self.started = task, time.monotonic()
        self.connection.send(task)

    def receive(self) -> Graded:
        graded = self.connection.recv()
        self.task = None
        return graded

    def replace(self, reason: str) -> Graded:
        """Kill this worker's process, start a fresh one, and report the task it had."""
        task = self.task
        self.stop()
        self.__init__(self.context, self.release, self.threads)
        return Graded(task.student, task.part, task.digest(),
                      problem=f"{task.key}: {reason}; it was not graded (run autograde again)")

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.connection.close()


def _serve(connection: Connection, release: Path, threads: int) -> None:
    """A worker process: grade each task received until the pipe closes, starting from the
    release gradebook in the file `release`."""
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(threads)
    # What the kernels print on their own (start-up banners, crash reports) goes to a log.
    log = LOGS / "workers" / f"{os.getpid()}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as output:
        os.dup2(output.fileno(), 1)
        os.dup2(output.fileno(), 2)
    grader = Grader(release.read_bytes())
    try:
        while True:
            try:
                task = connection.recv()
            except EOFError:
                return
            try:
                graded = grader.grade(task)
            except Exception as error:  # a bug of ours: the batch goes on, the log says where
                traceback.print_exc()
                graded = Graded(task.student, task.part, task.digest(), problem=(
                    f"{task.key}: the grader failed ({type(error).__name__}: {error}); "
                    f"it was not graded (details in {log})"))
            connection.send(graded)
    finally:
        grader.close()


def grade_on_cluster(submissions: list[Submission], release: bytes, scheduler: str,
                     jobs: int) -> Iterator[Graded]:
    """Grade on a Dask cluster: the scheduler at `scheduler`, or with `local`, a LocalCluster
    of `jobs` worker processes on this machine. Workers need this repository and its .venv;
    files travel with the tasks, so they need no shared file system."""
    from distributed import Client, LocalCluster, as_completed

    cluster = (LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, host="127.0.0.1",
                            dashboard_address=None) if scheduler == LOCAL_CLUSTER else None)
    try:
        with Client(cluster or scheduler) as client:
            book = client.scatter(release, broadcast=True)
            batch = uuid.uuid4().hex[:8]
            futures = {client.submit(grade_here, task, book, pure=False,
                                     key=f"grade-{task.student}-{task.part}-{batch}"): task
                       for task in submissions}
            for future in as_completed(futures):
                try:
                    yield future.result()
                except Exception as error:  # the cluster lost the task (a worker died, ...)
                    task = futures[future]
                    yield Graded(task.student, task.part, task.digest(),
                                 problem=f"{task.key}: the cluster could not grade it "
                                         f"({type(error).__name__}: {error}); run autograde again")
    finally:
        if cluster is not None:
            cluster.close()


def _save_files(graded: Graded) -> None:
    """Put the submission as graded and the autograded notebook where nbgrader expects them."""
    for root, files in ((SUBMITTED, graded.submitted), (AUTOGRADED, graded.autograded)):
        folder = root / graded.student / graded.part
        fresh = folder.with_name(f".{graded.part}.incoming")
        shutil.rmtree(fresh, ignore_errors=True)
        for name, content in files.items():
            (fresh / name).parent.mkdir(parents=True, exist_ok=True)
            (fresh / name).write_bytes(content)
        fresh.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(folder, ignore_errors=True)
        fresh.rename(folder)


def _record_scores(gradebook, graded: Graded) -> None:
    """Replace the student's submission of the part in the gradebook with `graded`'s scores,
    keeping what an instructor gave by hand in Formgrader (scores, comments, extra credit, flags),
    as nbgrader's own autograde does."""
    from nbgrader.api import MissingEntry

    try:
        gradebook.find_student(graded.student)
    except MissingEntry:  # Formgrader shows "last, first": the id, until a roster names them
        gradebook.add_student(graded.student, last_name=graded.student, first_name="")
    try:
        by_hand = _given_by_hand(gradebook.find_submission(graded.part, graded.student))
        gradebook.remove_submission(graded.part, graded.student)
    except MissingEntry:
        by_hand = {}
    with gradebook.db.no_autoflush:  # nbgrader builds the submission's rows before adding them
        submission = gradebook.add_submission(graded.part, graded.student, timestamp=graded.timestamp)
    for notebook in submission.notebooks:
        scores = graded.notebooks.get(notebook.name)
        notebook.late_submission_penalty = scores["late_submission_penalty"] if scores else None
        notebook.flagged = by_hand.get(("flag", notebook.name, ""), False)
        for grade in notebook.grades:
            grade.auto_score, grade.needs_manual_grade = (scores["grades"][grade.name] if scores
                                                          else (0, False))
            grade.manual_score, grade.extra_credit = by_hand.get(("grade", notebook.name, grade.name),
                                                                 (None, None))
            if grade.manual_score is not None:
                grade.needs_manual_grade = False
        for comment in notebook.comments:
            comment.auto_comment = scores["comments"].get(comment.name) if scores else None
            comment.manual_comment = by_hand.get(("comment", notebook.name, comment.name))
    gradebook.db.commit()


def _given_by_hand(submission) -> dict[tuple[str, str, str], Any]:
    """What an instructor set by hand on a submission, keyed by ("grade" | "comment" | "flag",
    notebook, cell name)."""
    given: dict[tuple[str, str, str], Any] = {}
    for notebook in submission.notebooks:
        given[("flag", notebook.name, "")] = notebook.flagged
        for grade in notebook.grades:
            if grade.manual_score is not None or grade.extra_credit is not None:
                given[("grade", notebook.name, grade.name)] = (grade.manual_score, grade.extra_credit)
        for comment in notebook.comments:
            if comment.manual_comment is not None:
                given[("comment", notebook.name, comment.name)] = comment.manual_comment
    return given


def _write_log(graded: Graded) -> None:
    path = LOGS / graded.student / f"{graded.part}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    head = (f"{graded.key}: {graded.score:g}/{graded.max_score:g} in {graded.seconds:.1f} s\n"
            + (f"{PROBLEM}{graded.problem}\n" if graded.problem else ""))
    path.write_text(head + graded.log)


def read_hashes(path: Path) -> dict[str, str]:
    """The content hashes saved in `path` (none when it is missing or damaged)."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def write_hashes(path: Path, hashes: dict[str, str]) -> None:
    """Save `hashes` to `path` whole (written beside it, then renamed), so a kill loses nothing."""
    incoming = path.with_suffix(".incoming")
    incoming.write_text(json.dumps(hashes, indent=1, sort_keys=True))
    incoming.replace(path)


def _submissions_in_gradebook() -> set[str]:
    """`student/part` of every submission the gradebook holds."""
    if not GRADEBOOK.exists():
        return set()
    with open_gradebook(GRADEBOOK) as gradebook:
        return {f"{submission.student.id}/{submission.assignment.name}"
                for assignment in gradebook.assignments for submission in assignment.submissions}
