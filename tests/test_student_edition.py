"""The student edition (`make student`): the course alone, safe to publish, installable with pip."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
import types
from pathlib import Path

import nbclient
import nbformat
import pytest
import yaml
from conftest import REPO, solution_lines
from course_grader import cli, student

EDITION_REPO = "someone/torch-course"
NBGRADER_LAB = Path(sys.prefix, "share", "jupyter", "labextensions", "@jupyter", "nbgrader")
# Switched off for learners: the instructor's tools, and the Assignment List (no exchange on Binder).
INSTRUCTOR_SERVER_EXTENSIONS = {"nbgrader.server_extensions.formgrader",
                                "nbgrader.server_extensions.course_list",
                                "nbgrader.server_extensions.assignment_list"}
INSTRUCTOR_LAB_PLUGINS = {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                          "@jupyter/nbgrader:course-list", "@jupyter/nbgrader:assignment-list"}
CONDA_NAMES = {"torch": "pytorch"}  # pip name -> conda-forge name, where they differ


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    return student.write_edition(tmp_path_factory.mktemp("edition") / "course", EDITION_REPO)


def files_in(folder: Path) -> set[str]:
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*")
            if path.is_file() and ".git" not in path.relative_to(folder).parts}


def released() -> list[str]:
    return [path.relative_to(REPO / "course").as_posix() for path in student.released_notebooks()]


def package_name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement.strip())[0].lower()


def test_edition_holds_exactly_the_course_files(edition):
    package = {f"torchcourse/{name}" for name in files_in(REPO / "course" / "torchcourse")
               if "__pycache__" not in name and not name.endswith(".pyc")}
    assert released(), "no released notebooks: run `make release`"
    assert files_in(edition) == {*released(), *package, "pyproject.toml", "README.md", "GRADING.md",
                                 "data/fetch.py", "data/README.md", "environment.yml",
                                 "postBuild", ".gitignore"}


def test_the_data_readme_asks_for_no_command_the_edition_lacks(edition):
    assert "`python data/fetch.py`" in (edition / "data" / "README.md").read_text(encoding="utf-8")
    assert not (edition / "Makefile").exists()


def test_each_notebook_opens_with_its_badge_and_colab_cell_and_has_no_outputs(edition):
    for name in released():
        original = nbformat.read(REPO / "course" / name, as_version=4)
        copied = nbformat.read(edition / name, as_version=4)
        badge, install, *rest = copied.cells
        assert [cell.source for cell in rest] == [cell.source for cell in original.cells]
        assert badge.cell_type == "markdown" and "nbgrader" not in badge.metadata
        colab = f"https://colab.research.google.com/github/{EDITION_REPO}/blob/main/{name}"
        assert f"({colab})" in badge.source
        assert install.cell_type == "code" and "nbgrader" not in install.metadata
        assert 'if "google.colab" in sys.modules:' in install.source
        assert f'"git+https://github.com/{EDITION_REPO}"' in install.source
        assert all(cell.get("outputs", []) == [] and cell.get("execution_count") is None
                   for cell in copied.cells)


def test_colab_cell_is_silent_outside_colab_and_installs_on_colab(edition, monkeypatch):
    source = nbformat.read(edition / released()[0], as_version=4).cells[1].source
    # Outside Colab, in a real kernel (about 1 s): no output at all, stderr included.
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nbclient.NotebookClient(notebook, timeout=60, kernel_name="python3").execute()
    assert notebook.cells[0].outputs == []
    # On Colab (faked): one quiet pip install of this edition, leaving Colab's torch alone.
    calls = []
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(subprocess, "run", lambda command, **options: calls.append(command)
                        or subprocess.CompletedProcess(command, 0, "", ""))
    exec(source, {})
    assert calls == [[sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                      f"git+https://github.com/{EDITION_REPO}"]]


def test_edition_gives_away_no_solution_hidden_test_or_grader_file(edition):
    # Solution lines are looked for in the notebooks. The helper package is left out: its visible
    # checks work out answers of their own, and a few of their lines (`return w * x + b`) match.
    for name in released():
        leaked = solution_lines(name.split("/")[0])
        assert leaked, f"no solution lines found for {name}: the check below would prove nothing"
        for cell in nbformat.read(edition / name, as_version=4).cells:
            for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "record_for_grading"):
                assert marker not in cell.source, f"{marker} in {name}"
            shown = [line for line in cell.source.splitlines() if line.strip() in leaked]
            assert not shown, f"solution lines in {name}: {shown}"
    grader_files = [REPO / "autograder" / "nbgrader_config.py",
                    *[path for folder in ("reference", "course_grader", "variants")
                      for path in (REPO / "autograder" / folder).rglob("*.py")]]
    grader_hashes = {hashlib.sha256(path.read_bytes()).hexdigest() for path in grader_files}
    for name in files_in(edition):
        path = edition / name
        parts = set(Path(name).parts)
        assert not parts & {"course_reference", "course_grader", "variants", "samples", "solutions",
                            "autograder", "reference", ".grading", "__pycache__",
                            ".ipynb_checkpoints"}, name
        assert not name.endswith(("gradebook.db", "nbgrader_config.py")), name
        assert hashlib.sha256(path.read_bytes()).hexdigest() not in grader_hashes, name
        assert b"course_reference" not in path.read_bytes(), name
    assert not [path for path in edition.rglob("*") if path.name.endswith(".egg-info")
                or path.name in ("gradebook.db", ".grading", "__pycache__")]


def test_environment_yml_installs_what_the_pip_route_installs(edition):
    # pytest stays out: it runs the instructor's tests, learners never need it. nbgrader stays in:
    # it gives learners the Validate button, and postBuild switches its instructor tools off.
    runtime = student.learner_requirements()
    assert "pytest" not in {package_name(line) for line in runtime}
    environment = yaml.safe_load((edition / "environment.yml").read_text())
    assert environment["channels"] == ["conda-forge"]
    dependencies = environment["dependencies"]
    pip_only = [spec for entry in dependencies if isinstance(entry, dict) for spec in entry["pip"]]
    specs = {package_name(spec): spec for spec in dependencies if isinstance(spec, str)}
    specs |= {package_name(spec): spec for spec in pip_only}
    assert set(specs) == {CONDA_NAMES.get(package_name(line), package_name(line))
                          for line in runtime} | {"python", "pip"}
    assert specs["pytorch"].split()[-1] == "cpu*", "Binder gets the CPU build of PyTorch"
    project = tomllib.loads((edition / "pyproject.toml").read_text())["project"]
    assert project["optional-dependencies"]["lab"] == runtime


def test_post_build_switches_off_the_instructor_extensions_only(edition):
    post_build = edition / "postBuild"
    assert post_build.stat().st_mode & stat.S_IXUSR
    commands = post_build.read_text().replace("\\\n", " ").splitlines()
    switched_off = [command.split() for command in commands
                    if command.startswith(("jupyter server extension disable",
                                           "jupyter labextension disable"))]
    names = {word for command in switched_off for word in command if "nbgrader" in word}
    assert names == INSTRUCTOR_SERVER_EXTENSIONS | INSTRUCTOR_LAB_PLUGINS
    assert "pip install --no-deps ." in commands
    # The names are the installed nbgrader's own: its server modules and its lab plugin ids.
    assert all(importlib.util.find_spec(module) for module in INSTRUCTOR_SERVER_EXTENSIONS)
    bundle = "".join(path.read_text() for path in NBGRADER_LAB.glob("static/*.js"))
    assert all(f'"{plugin}"' in bundle for plugin in
               INSTRUCTOR_LAB_PLUGINS | {"@jupyter/nbgrader:validate-assignment"})


def test_edition_installs_with_pip_and_exports_check(edition, tmp_path):
    # About 3 s: pip builds a wheel with setuptools.
    source = shutil.copytree(edition, tmp_path / "clone")  # pip leaves build/ in the source
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-build-isolation", "--target", str(target), str(source)], check=True)
    found = subprocess.run(
        [sys.executable, "-c", "import torchcourse; from torchcourse import check; "
                               "print(torchcourse.__file__)"],
        env={**os.environ, "PYTHONPATH": str(target)}, capture_output=True, text=True, check=True)
    assert Path(found.stdout.strip()).parent == target / "torchcourse"
    # the real Fashion-MNIST subset that Part 5 uses offline, with its licence
    carried = target / "torchcourse" / "fashion_mnist"
    assert {path.name for path in carried.iterdir()} >= {"train-images-idx3-ubyte.gz", "LICENSE", "README.md"}


def test_default_folder_is_beside_the_repository_and_inside_is_refused(tmp_path):
    assert student.default_destination().parent == REPO.parent
    for inside in (REPO, REPO / "student", REPO / "course", REPO.parent):
        with pytest.raises(ValueError, match="outside the instructor repository"):
            student.write_edition(inside)
    with pytest.raises(SystemExit, match="outside the instructor repository"):
        cli.main(["student", "--to", str(REPO / "student-edition")])
    assert not (REPO / "student-edition").exists()
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="not a student edition"):
        student.write_edition(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_regenerating_replaces_the_files_but_keeps_git(tmp_path):
    folder = student.write_edition(tmp_path / "course", EDITION_REPO)
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (folder / "99-removed").mkdir()
    (folder / "99-removed" / "99-removed.ipynb").write_text("{}")
    (folder / "README.md").write_text("stale")
    student.write_edition(folder, EDITION_REPO)
    assert (folder / ".git" / "HEAD").read_text() == "ref: refs/heads/main\n"
    assert not (folder / "99-removed").exists()
    assert f"https://mybinder.org/v2/gh/{EDITION_REPO}/HEAD?urlpath=lab/tree/{released()[0]}" \
        in (folder / "README.md").read_text(encoding="utf-8")
