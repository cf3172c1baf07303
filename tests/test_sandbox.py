"""The grading kernel's sandbox hides the grader and lets the notebook write only its own folder."""

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from course_grader.sandbox import DATA_VARIABLE, REPO, held_out_files, sandbox_command

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")

PROBE = r"""
import pathlib, socket, sys
repo = pathlib.Path(sys.argv[1])
found = {}
try:
    import course_reference
    found["import"] = True
except ImportError:
    found["import"] = False
found["reference file"] = (repo / "autograder/reference/course_reference/part01_tensors.py").exists()
found["solutions"] = (repo / "solutions").exists() and any((repo / "solutions").iterdir())
found["gradebook"] = (repo / "autograder/gradebook.db").exists()
found["helper package"] = (repo / "course/torchcourse/__init__.py").exists()
for name in ("course/written-by-kernel", "written-by-kernel"):
    try:
        (repo / name).write_text("x")  # the helper package is read-only; the rest is a decoy
    except OSError:
        pass
(pathlib.Path.cwd() / "own-folder.txt").write_text("ok")
try:
    socket.create_connection(("127.0.0.1", 22), timeout=1)
    found["network"] = True
except OSError:
    found["network"] = False
print(found)
"""


def test_sandboxed_code_cannot_see_or_change_the_grader(tmp_path):
    work, runtime = tmp_path / "work", tmp_path / "runtime"
    work.mkdir(), runtime.mkdir()
    command = sandbox_command([os.path.abspath(sys.executable), "-c", PROBE, str(REPO)],
                              work, [REPO], writable=[runtime])
    result = subprocess.run(command, cwd=work, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert eval(result.stdout) == {"import": False, "reference file": False, "solutions": False,
                                   "gradebook": False, "helper package": True,
                                   "network": False}
    assert (work / "own-folder.txt").read_text() == "ok"
    assert not (REPO / "written-by-kernel").exists()
    assert not (REPO / "course" / "written-by-kernel").exists()


def test_a_mount_that_would_expose_a_hidden_folder_is_refused(tmp_path):
    """A connection file in /tmp must not bring back a repository that lives under /tmp."""
    repo_in_tmp = tmp_path / "course-repo"
    with pytest.raises(ValueError, match="would expose"):
        sandbox_command(["true"], repo_in_tmp / "autograded" / "s" / "p", [repo_in_tmp],
                        writable=[tmp_path])


def run_in_sandbox(probe: str, work: Path) -> subprocess.CompletedProcess[str]:
    """Run the Python source `probe` in a sandboxed interpreter working in `work`, the repository
    hidden, as a grading kernel runs."""
    return subprocess.run(sandbox_command([os.path.abspath(sys.executable), "-c", probe], work, [REPO]),
                          cwd=work, capture_output=True, text=True, timeout=60)


def test_the_test_split_cannot_be_read_inside_the_sandbox(tmp_path):
    """The capstone is scored on MNIST's test split, whose labels must not reach the kernel."""
    from torchcourse.data import prepare_mnist
    from torchvision import datasets

    root = prepare_mnist(REPO / "data", allow_download=False)
    labels = root / "MNIST" / "raw" / "t10k-labels-idx1-ubyte"
    probe = (f"import pathlib\nfrom torchvision import datasets\n"
             f"print(len(pathlib.Path({str(labels)!r}).read_bytes()))\n"
             f"print(len(datasets.MNIST({str(root)!r}, train=True, download=True)))")
    result = run_in_sandbox(probe, tmp_path)
    training_images = len(datasets.MNIST(root, train=True))
    assert labels.stat().st_size > 0, "the test split was not prepared"
    # The labels read as nothing, while the training split still loads as usual.
    assert result.stdout.split() == ["0", str(training_images)], result.stderr
    probe = ("from sklearn.datasets import load_digits\ntry:\n    load_digits()\n    print('read')\n"
             "except Exception as error:\n    print(type(error).__name__)")
    result = run_in_sandbox(probe, tmp_path)
    assert result.stdout.strip() not in ("", "read"), result.stderr  # the stand-in's source too


def test_the_fashion_mnist_test_split_and_its_carried_copy_cannot_be_read_inside_the_sandbox(tmp_path):
    """Part 5's capstone is scored on Fashion-MNIST's test split; the helper package carries a
    compressed copy of it for offline use, which must read as nothing in the kernel too."""
    from torchcourse.data import CARRIED_FASHION_MNIST, prepare_fashion_mnist

    root = prepare_fashion_mnist(REPO / "data", allow_download=False)
    labels = root / "FashionMNIST" / "raw" / "t10k-labels-idx1-ubyte"
    carried = CARRIED_FASHION_MNIST / "t10k-labels-idx1-ubyte.gz"
    probe = (f"import pathlib\nfrom torchvision import datasets\n"
             f"print(len(pathlib.Path({str(labels)!r}).read_bytes()))\n"
             f"print(len(pathlib.Path({str(carried)!r}).read_bytes()))\n"
             f"print(len(datasets.FashionMNIST({str(root)!r}, train=True, download=True)))")
    result = run_in_sandbox(probe, tmp_path)
    assert labels.stat().st_size > 0 and carried.stat().st_size > 0
    assert result.stdout.split()[:2] == ["0", "0"], result.stderr
    assert int(result.stdout.split()[2]) >= 1000, result.stderr  # the training split still loads


def test_the_held_out_photos_are_an_empty_folder_in_the_kernel_and_the_training_photos_load(tmp_path):
    """The test photos are held out (for Part 8's capstone): the kernel sees none of them, neither
    in the data folder nor in the package, while the training photos load as an ImageFolder."""
    from torchcourse.data import CARRIED_CATS_DOGS, prepare_cats_dogs

    folder = prepare_cats_dogs(REPO / "data")
    probe = (f"import pathlib\nfrom torchvision import datasets\n"
             f"print(len(list(pathlib.Path({str(folder / 'test')!r}).rglob('*.jpg'))))\n"
             f"print(len(list(pathlib.Path({str(CARRIED_CATS_DOGS / 'test')!r}).rglob('*.jpg'))))\n"
             f"print(len(datasets.ImageFolder({str(folder / 'train')!r})))")
    result = run_in_sandbox(probe, tmp_path)
    assert len(list((folder / "test").rglob("*.jpg"))) == 111
    assert result.stdout.split() == ["0", "0", "259"], result.stderr


def test_a_data_folder_named_by_the_environment_has_its_test_split_held_out(tmp_path, monkeypatch):
    """An instructor grading with TORCHCOURSE_DATA=elsewhere keeps that test split hidden too."""
    labels = tmp_path / "MNIST" / "raw" / "t10k-labels-idx1-ubyte"
    labels.parent.mkdir(parents=True)
    labels.write_bytes(b"labels")
    monkeypatch.setenv(DATA_VARIABLE, str(tmp_path))
    assert labels in held_out_files()


def test_the_data_kept_in_the_users_cache_has_its_test_split_held_out(tmp_path, monkeypatch):
    """A notebook run outside the repository keeps its data in ~/.cache/torchcourse."""
    labels = tmp_path / ".cache" / "torchcourse" / "MNIST" / "raw" / "t10k-labels-idx1-ubyte"
    labels.parent.mkdir(parents=True)
    labels.write_bytes(b"labels")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert labels in held_out_files()


def test_folders_an_instructor_hides_stay_hidden_beside_the_graders_own(tmp_path, monkeypatch):
    from course_grader.sandbox import EXTRA_HIDDEN_VARIABLE, hide_from_kernels

    monkeypatch.setenv(EXTRA_HIDDEN_VARIABLE, "/srv/other-copy-of-mnist")
    hide_from_kernels(tmp_path)
    hide_from_kernels(tmp_path)
    assert os.environ[EXTRA_HIDDEN_VARIABLE] == os.pathsep.join(["/srv/other-copy-of-mnist", str(tmp_path)])


def test_a_hidden_folder_that_is_gone_does_not_stop_the_kernel(tmp_path):
    """Folders hidden earlier in a long-lived grader (a finished batch's submissions) may be deleted.
    One outside /tmp, which is an in-memory folder inside the sandbox, where it could be made again."""
    work, gone = tmp_path / "work", Path("/") / f"course-grader-deleted-{secrets.token_hex(4)}"
    work.mkdir()
    result = subprocess.run(sandbox_command([os.path.abspath(sys.executable), "-c", "print('ran')"],
                                            work, [REPO, gone]),
                            cwd=work, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "ran", result.stderr
