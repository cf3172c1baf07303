"""The grading kernel's sandbox: a learner's notebook runs where it cannot see the grader.

nbgrader starts the kernel named `course-grader`, whose command is this file run as a script.
It starts ipykernel under bubblewrap (`bwrap`) with the whole file system read-only, the course
repository hidden except the virtual environment, the student helper package and the data,
a private /tmp, no network and its own process tree. The notebook's own folder is the only
place it can write; the grader's hidden inputs and the learner's recorded results pass through it.
Without bwrap (e.g. on macOS) the kernel runs unsandboxed and a warning says so.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

KERNEL_NAME = "course-grader"
EXTRA_HIDDEN_VARIABLE = "COURSE_GRADER_HIDE"
REPO = Path(__file__).resolve().parents[2]
VISIBLE_IN_REPO = [".venv", "course", "data"]
# torchcourse.data.DATA_VARIABLE, named again here so that starting a kernel does not import torch.
DATA_VARIABLE = "TORCHCOURSE_DATA"
HELD_OUT_FILES = "*/raw/t10k-*"  # test splits (MNIST's): the grader scores trained models on them


def install_kernelspec(jupyter_dir: Path) -> None:
    """Write the `course-grader` kernelspec under `jupyter_dir` and put it on JUPYTER_PATH."""
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
    }
    # Written whole, then renamed: grading workers starting together write the same file.
    incoming = spec_dir / f"kernel.json.{os.getpid()}"
    incoming.write_text(json.dumps(spec, indent=1))
    incoming.replace(spec_dir / "kernel.json")
    paths = os.environ.get("JUPYTER_PATH", "").split(os.pathsep)
    if str(jupyter_dir) not in paths:
        os.environ["JUPYTER_PATH"] = os.pathsep.join([str(jupyter_dir), *filter(None, paths)])


def held_out_files() -> list[Path]:
    """The files the capstone's held-out labels could be read from: the datasets' test splits,
    and scikit-learn's digits, from which the offline stand-in for MNIST is made."""
    data_folders = {REPO / "data", Path(os.environ.get(DATA_VARIABLE) or REPO / "data")}
    files = sorted(path for folder in data_folders for path in folder.glob(HELD_OUT_FILES))
    sklearn = importlib.util.find_spec("sklearn")
    if sklearn and sklearn.submodule_search_locations:
        digits = Path(sklearn.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"
        files += [digits] if digits.is_file() else []
    return files


def empty_file() -> Path:
    """An empty read-only file to mount over each held-out file: the file is still there (so
    torchvision finds its dataset complete and loads the training split) but holds nothing."""
    path = Path(tempfile.gettempdir()) / "course-grader-empty"
    if not path.is_file() or path.stat().st_size:
        path.unlink(missing_ok=True)
        path.touch(mode=0o444)
    return path


def sandbox_command(kernel: list[str], work: Path, hidden: list[Path],
                    writable: list[Path] = (), readable: list[Path] = ()) -> list[str]:
    """The bwrap command that runs `kernel` in folder `work`, able to write only there and in
    `writable`, and to read `readable` (such as the kernel's connection file).

    Each `hidden` folder is replaced by an empty in-memory one (whatever is written there
    vanishes with the kernel); inside the repository, the virtual environment, the helper
    package and the data are mounted back read-only, except the datasets' test splits, which
    read as empty files. A mount that would put a hidden folder back in view is refused.
    """
    command = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    for folder in hidden:
        command += ["--tmpfs", str(folder)]
    for name in VISIBLE_IN_REPO:
        if (REPO / name).exists():
            command += ["--ro-bind", str(REPO / name), str(REPO / name)]
    for held_out in held_out_files():
        command += ["--ro-bind", str(empty_file()), str(held_out)]  # the capstone's labels stay outside
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
    if shutil.which("bwrap") is None:
        print("WARNING: bubblewrap (bwrap) is not installed: the grading kernel is NOT sandboxed "
              "and a submission could read the grader's files.", file=sys.stderr)
        os.execv(sys.executable, kernel)
    extra = [Path(p) for p in os.environ.get(EXTRA_HIDDEN_VARIABLE, "").split(os.pathsep) if p]
    # With IPC transport the connection file names the sockets' path prefix: the private
    # runtime folder that nbgrader_config.py made.
    connection = json.loads(Path(connection_file).read_text())
    sockets = [Path(connection["ip"]).parent] if connection.get("transport") == "ipc" else []
    command = sandbox_command(kernel, Path.cwd().resolve(), [REPO, *extra], writable=sockets,
                              readable=[Path(connection_file).resolve()])
    os.execvp("bwrap", command)


if __name__ == "__main__":
    main(sys.argv[1])
