"""The grading kernel's sandbox: a learner's notebook runs where it cannot see the grader.

nbgrader starts the kernel named `course-grader`, whose command is this file run as a script.
It starts ipykernel under bubblewrap (`bwrap`) with the whole file system read-only, the course
repository hidden except the virtual environment, the student helper package and the data,
a private /tmp, no network and its own process tree. The notebook's own folder is the only
place it can write; the grader's hidden inputs and the learner's recorded results pass through it.
Without bwrap (e.g. on macOS) the kernel runs unsandboxed and a warning says so.

The launcher stays as the kernel's supervisor, holding it to the `Limits` in the kernelspec:
memory, processes, threads and CPU time of the whole process tree, and bytes on disk. A kernel
that goes over one is killed, and the limit it broke is written beside its connection file
(`<connection file>.stopped`), where the grader reads it to tell the learner.
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psutil

KERNEL_NAME = "course-grader"
EXTRA_HIDDEN_VARIABLE = "COURSE_GRADER_HIDE"
REPO = Path(__file__).resolve().parents[2]
VISIBLE_IN_REPO = [".venv", "course", "data"]
# torchcourse.data.DATA_VARIABLE, named again here so that starting a kernel does not import torch.
DATA_VARIABLE = "TORCHCOURSE_DATA"
HELD_OUT_FILES = "*/raw/t10k-*"  # test splits (MNIST's): the grader scores trained models on them
HELD_OUT_PHOTOS = "cats_dogs/test"  # held-out cat and dog photos, kept for Part 8's capstone
# the Fashion-MNIST subset and the photos the helper package carries (torchcourse.data's
# CARRIED_FASHION_MNIST and CARRIED_CATS_DOGS)
CARRIED_HELD_OUT = REPO / "course" / "torchcourse" / "fashion_mnist"
CARRIED_HELD_OUT_PHOTOS = REPO / "course" / "torchcourse" / HELD_OUT_PHOTOS
LIMITS_VARIABLE = "COURSE_GRADER_LIMITS"
STOPPED_SUFFIX = ".stopped"
GIB = 2**30
SECONDS_BETWEEN_CHECKS = 0.2


@dataclass(frozen=True)
class Limits:
    """What one grading kernel may use, all its processes together. Memory is counted as the
    resident memory of the kernel's processes (not an address-space limit, which breaks CUDA)."""

    memory_bytes: int = 4 * GIB
    processes: int = 64
    threads: int = 512
    cpu_seconds: int = 1200         # per process, as the operating system counts it
    disk_bytes: int = 1 * GIB       # written in the working copy, and in the kernel's /tmp
    # One file may hold at most this much; less than `disk_bytes`, so that one oversized file
    # fails in the cell writing it ("File too large") and does not bring the folder to its
    # limit, where the next innocent write would be the one stopped.
    file_bytes: int = GIB // 2


def install_kernelspec(jupyter_dir: Path, limits: Limits = Limits()) -> None:
    """Write the `course-grader` kernelspec, holding kernels to `limits`, under `jupyter_dir`
    and put it on JUPYTER_PATH."""
    spec_dir = jupyter_dir / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [os.path.abspath(sys.executable), str(Path(__file__).resolve()), "{connection_file}"],
        "display_name": "Python 3 (course grader sandbox)",
        "language": "python",
        # The kernel is in its own pid namespace, so a timeout's interrupt goes by message and
        # ipykernel signals itself.
        "interrupt_mode": "message",
        "metadata": {"debugger": False},
        "env": {LIMITS_VARIABLE: json.dumps(asdict(limits))},
    }
    # Written whole, then renamed: grading workers starting together write the same file.
    incoming = spec_dir / f"kernel.json.{os.getpid()}"
    incoming.write_text(json.dumps(spec, indent=1))
    incoming.replace(spec_dir / "kernel.json")
    paths = os.environ.get("JUPYTER_PATH", "").split(os.pathsep)
    if str(jupyter_dir) not in paths:
        os.environ["JUPYTER_PATH"] = os.pathsep.join([str(jupyter_dir), *filter(None, paths)])


def hide_from_kernels(folder: Path) -> None:
    """Add `folder` to the folders that kernels started from now on do not see
    ($COURSE_GRADER_HIDE, which may already name others)."""
    hidden = [path for path in os.environ.get(EXTRA_HIDDEN_VARIABLE, "").split(os.pathsep) if path]
    if str(folder) not in hidden:
        os.environ[EXTRA_HIDDEN_VARIABLE] = os.pathsep.join([*hidden, str(folder)])


def data_folders() -> set[Path]:
    """Every folder the helper package may keep data in: the repository's, $TORCHCOURSE_DATA's,
    and ~/.cache/torchcourse, where a notebook run outside the repository puts it (the last is
    torchcourse.data.data_dir's fallback, spelled out, as DATA_VARIABLE is, so that starting a
    kernel does not import torch)."""
    return {REPO / "data", Path(os.environ.get(DATA_VARIABLE) or REPO / "data"),
            Path.home() / ".cache" / "torchcourse"}


def held_out_files() -> list[Path]:
    """The files the capstones' held-out labels could be read from: the datasets' test splits in
    every data folder, the test split of the Fashion-MNIST subset the package carries, and
    scikit-learn's digits, from which the offline stand-in for MNIST is made. Any other copy must
    be hidden by naming its folder in $COURSE_GRADER_HIDE."""
    files = sorted(path for folder in data_folders() for path in folder.glob(HELD_OUT_FILES))
    files += sorted(CARRIED_HELD_OUT.glob("t10k-*"))
    sklearn = importlib.util.find_spec("sklearn")
    if sklearn and sklearn.submodule_search_locations:
        digits = Path(sklearn.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"
        files += [digits] if digits.is_file() else []
    return files


def held_out_folders() -> list[Path]:
    """The folders of held-out photos (whose class is their folder's name): the test split of the
    cat and dog photos, in every data folder and in the package."""
    folders = [folder / HELD_OUT_PHOTOS for folder in sorted(data_folders())] + [CARRIED_HELD_OUT_PHOTOS]
    return [folder for folder in folders if folder.is_dir()]


def empty_file() -> Path:
    """An empty read-only file to mount over each held-out file: the file is still there (so
    torchvision finds its dataset complete and loads the training split) but holds nothing."""
    path = Path(tempfile.gettempdir()) / "course-grader-empty"
    if not path.is_file() or path.stat().st_size:
        path.unlink(missing_ok=True)
        path.touch(mode=0o444)
    return path


def sandbox_command(kernel: list[str], work: Path, hidden: list[Path], writable: list[Path] = (),
                    readable: list[Path] = (), disk_bytes: int = Limits.disk_bytes) -> list[str]:
    """The bwrap command that runs `kernel` in folder `work`, able to write only there and in
    `writable`, and to read `readable` (such as the kernel's connection file).

    Each `hidden` folder is replaced by an empty in-memory one (whatever is written there
    vanishes with the kernel); inside the repository, the virtual environment, the helper
    package and the data are mounted back read-only, except the datasets' test splits, which
    read as empty files, and the held-out photos' folders, which are empty. A mount that would put
    a hidden folder back in view is refused.
    """
    room = ["--size", str(disk_bytes)]  # each in-memory folder holds at most this much
    command = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", *room, "--tmpfs", "/tmp"]
    for folder in hidden:
        if folder.exists():  # bwrap cannot mount over a folder that is gone (nothing to hide there)
            command += [*room, "--tmpfs", str(folder)]
    for name in VISIBLE_IN_REPO:
        if (REPO / name).exists():
            command += ["--ro-bind", str(REPO / name), str(REPO / name)]
    for held_out in held_out_files():
        command += ["--ro-bind", str(empty_file()), str(held_out)]  # the capstone's labels stay outside
    for folder in held_out_folders():
        command += ["--tmpfs", str(folder), "--remount-ro", str(folder)]  # an empty, read-only folder
    for flag, paths in (("--ro-bind", readable), ("--bind", [work, *writable])):
        for path in paths:
            exposed = [folder for folder in hidden if folder.is_relative_to(path)]
            if exposed:
                raise ValueError(f"mounting {path} in the sandbox would expose {exposed[0]}")
            command += [flag, str(path), str(path)]
    command += ["--chdir", str(work), "--unshare-net", "--unshare-pid", "--die-with-parent",
                "--setenv", "IPYTHONDIR", "/tmp/ipython", "--setenv", "MPLCONFIGDIR", "/tmp/matplotlib",
                "--setenv", "HOME", "/tmp",
                # ipykernel quits when its parent pid changes, which a new pid namespace does:
                # bwrap's --die-with-parent ends the kernel with nbgrader instead.
                "--unsetenv", "JPY_PARENT_PID", *kernel]
    return command


def main(connection_file: str) -> None:
    kernel = [os.path.abspath(sys.executable), "-m", "ipykernel_launcher", "-f", connection_file]
    limits = Limits(**json.loads(os.environ.get(LIMITS_VARIABLE, "{}")))
    if shutil.which("bwrap") is None:
        print("WARNING: bubblewrap (bwrap) is not installed: the grading kernel is NOT sandboxed "
              "and a submission could read the grader's files.", file=sys.stderr)
        command = kernel
    else:
        extra = [Path(p) for p in os.environ.get(EXTRA_HIDDEN_VARIABLE, "").split(os.pathsep) if p]
        # With IPC transport the connection file names the sockets' path prefix: the private
        # runtime folder that nbgrader_config.py made.
        connection = json.loads(Path(connection_file).read_text())
        sockets = [Path(connection["ip"]).parent] if connection.get("transport") == "ipc" else []
        command = sandbox_command(kernel, Path.cwd().resolve(), [REPO, *extra], writable=sockets,
                                  readable=[Path(connection_file).resolve()],
                                  disk_bytes=limits.disk_bytes)
    report = Path(connection_file + STOPPED_SUFFIX)
    report.unlink(missing_ok=True)
    sys.exit(supervise(command, Path.cwd(), limits, report))


def supervise(command: list[str], work: Path, limits: Limits, report: Path) -> int:
    """Run `command` (the kernel) and watch its process tree; kill it when it goes over a limit,
    writing which one to `report`. Returns the kernel's exit status."""
    import psutil

    def operating_system_limits() -> None:  # in the child, before it starts the kernel
        os.setsid()
        cpu = limits.cpu_seconds + 10  # a backstop: the checks below name the limit first
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large write fails, the kernel lives

    # jupyter_client names the process that started the kernel (it may be gone already).
    grader = int(os.environ.get("JPY_PARENT_PID") or os.getppid())
    child = subprocess.Popen(command, preexec_fn=operating_system_limits)
    signal.signal(signal.SIGTERM, lambda *_: child.kill())
    tree = psutil.Process(child.pid)
    already_there = folder_bytes(work)  # a kernel started again is not blamed for its predecessor
    while child.poll() is None:
        if os.getppid() != grader:  # the grader was killed: nobody will stop this kernel
            os.killpg(child.pid, signal.SIGKILL)
            break
        broken = over_limit(tree, work, already_there, limits)
        if broken:
            report.write_text(broken)
            os.killpg(child.pid, signal.SIGKILL)
            break
        time.sleep(SECONDS_BETWEEN_CHECKS)
    return child.wait()


def over_limit(tree: "psutil.Process", work: Path, already_there: int, limits: Limits) -> str | None:
    """Which limit the kernel's process tree (or what it wrote in its working folder, beyond the
    `already_there` bytes) is over, in words a learner can act on; None while within all."""
    import psutil

    memory = threads = cpu = 0.0
    processes = [tree]
    try:
        processes += tree.children(recursive=True)
    except psutil.Error:
        return None
    for process in processes:
        try:
            with process.oneshot():
                memory += process.memory_info().rss
                threads += process.num_threads()
                times = process.cpu_times()
                cpu = max(cpu, times.user + times.system)
        except psutil.Error:
            continue  # it ended meanwhile
    if len(processes) > limits.processes:
        return f"started more than {limits.processes} processes"
    if threads > limits.threads:
        return f"ran more than {limits.threads} threads"
    if memory > limits.memory_bytes:  # forked children's shared pages count once per child
        return f"used more than {limits.memory_bytes / GIB:g} GiB of memory"
    if cpu > limits.cpu_seconds:
        return f"used more than {limits.cpu_seconds} s of CPU time"
    if folder_bytes(work) - already_there > limits.disk_bytes:
        return f"wrote more than {limits.disk_bytes / GIB:g} GiB of files"
    return None


def folder_bytes(folder: Path) -> int:
    """Bytes in the files under `folder` (links not followed)."""
    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue
    return total


if __name__ == "__main__":
    main(sys.argv[1])
