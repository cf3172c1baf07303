"""The student edition: the course alone, as a folder an instructor publishes as its own repository.

    python -m course_grader student --to DIR --repo OWNER/NAME

DIR gets the released notebooks (one folder per part, each opening with an "Open in Colab" badge
and a cell that installs the helper package on Colab only), the helper package `torchcourse` with
a pyproject.toml at the top (so `pip install .` and `pip install git+https://github.com/OWNER/NAME`
both work), data/fetch.py, Binder's environment.yml and postBuild, and a README for learners.
Nothing comes from solutions/ or autograder/. Everything in DIR except `.git` is replaced.
"""

from __future__ import annotations

import re
import shutil
import stat
from pathlib import Path
from string import Template

import nbformat

from . import REPO

COURSE = REPO / "course"
FILES = Path(__file__).resolve().parent / "student_files"
DEFAULT_REPO = "your-github-user/pytorch-course-student"
GITHUB_REPO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$")
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
BINDER_BADGE = "https://mybinder.org/badge_logo.svg"
# requirements.txt names the instructor's pip route; learners need all of it except the test tools.
INSTRUCTOR_ONLY = {"pytest", "playwright", "distributed", "psutil", "latex2mathml"}
TEMPLATE_FILES = {".gitignore": "gitignore", "environment.yml": "environment.yml",
                  "postBuild": "postBuild"}


def default_destination() -> Path:
    """Where `make student` writes when no folder is named: beside the instructor repository."""
    return REPO.parent / "pytorch-course-student"


def released_notebooks() -> list[Path]:
    """Every released notebook, course/<part>/<name>.ipynb, in part order."""
    return sorted(COURSE.glob("*/*.ipynb"))


def colab_url(repo: str, notebook: str) -> str:
    """The link that opens `notebook` (a path inside the edition) from GitHub in Colab."""
    return f"https://colab.research.google.com/github/{repo}/blob/main/{notebook}"


def check_destination(destination: Path) -> None:
    """Refuse a folder whose contents must not be replaced.

    That is the instructor repository, any folder inside it (learners would get a copy that sits
    next to the solutions) or above it, and a folder holding files that are not a student edition
    (regenerating deletes everything there but `.git`).
    """
    destination = destination.resolve()
    if destination == REPO or REPO in destination.parents or destination in REPO.parents:
        raise ValueError(f"The student edition needs a folder of its own outside the instructor "
                         f"repository ({REPO}); {destination} is inside it or holds it. "
                         f"The default is {default_destination()}.")
    if destination.exists() and not destination.is_dir():
        raise ValueError(f"{destination} is a file, not a folder.")
    if not destination.is_dir() or (destination / "torchcourse" / "__init__.py").is_file():
        return
    others = [path.name for path in destination.iterdir() if path.name != ".git"]
    if others:
        raise ValueError(f"{destination} holds files that are not a student edition "
                         f"({', '.join(sorted(others)[:5])}); name an empty or new folder.")


def clear(destination: Path) -> None:
    """Delete everything in `destination` except its `.git` folder."""
    for path in destination.iterdir():
        if path.name == ".git":
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def colab_cells(repo: str, notebook: str) -> list[nbformat.NotebookNode]:
    """The two plain cells put at the top of a notebook: its Colab badge, and the Colab install.

    They carry no nbgrader metadata, so grading ignores them; outside Colab the code cell does
    nothing and prints nothing.
    """
    badge = nbformat.v4.new_markdown_cell(
        f"[![Open In Colab]({COLAB_BADGE})]({colab_url(repo, notebook)})", id="open-in-colab")
    template = Template((FILES / "colab_cell.py").read_text(encoding="utf-8"))
    install = nbformat.v4.new_code_cell(template.substitute(repo=repo).strip(), id="colab-install")
    return [badge, install]


def write_notebook(source: Path, target: Path, repo: str, notebook: str) -> None:
    """Copy one released notebook with the Colab cells on top and no outputs."""
    book = nbformat.read(source, as_version=4)
    for cell in book.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    book.cells[:0] = colab_cells(repo, notebook)
    nbformat.validate(book)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(book, target)


def learner_requirements() -> list[str]:
    """requirements.txt's pinned packages that a learner's JupyterLab needs (all but the test tools)."""
    text = (REPO / "requirements.txt").read_text(encoding="utf-8")
    lines = [line.split("#")[0].strip() for line in text.splitlines()]
    return [line for line in lines
            if line and re.split(r"[\s<>=!~;\[]", line)[0].lower() not in INSTRUCTOR_ONLY]


def pyproject() -> str:
    """course/pyproject.toml plus a `lab` extra, so `pip install ".[lab]"` also installs JupyterLab,
    nbgrader and the rest at the versions the course is tested with."""
    extra = "".join(f'    "{requirement}",\n' for requirement in learner_requirements())
    course = (COURSE / "pyproject.toml").read_text(encoding="utf-8").rstrip()
    return (f"{course}\n\n[project.optional-dependencies]\n"
            "# The rest of a working setup, pinned as tested: pip install \".[lab]\"\n"
            f"lab = [\n{extra}]\n")


def notebook_title(notebook: Path) -> str:
    """The notebook's first heading ("Part 1 — Tensors"), or its file name when it has none."""
    for cell in nbformat.read(notebook, as_version=4).cells:
        for line in cell.source.splitlines() if cell.cell_type == "markdown" else []:
            if line.startswith("# "):
                return line[2:].strip()
    return notebook.stem


def readme(repo: str, notebooks: list[str], titles: list[str]) -> str:
    """The learners' README: the parts with their Colab badges, and the ways to start."""
    rows = "\n".join(f"| [{title}]({notebook}) | [![Open In Colab]({COLAB_BADGE})]"
                     f"({colab_url(repo, notebook)}) |"
                     for notebook, title in zip(notebooks, titles))
    binder = f"https://mybinder.org/v2/gh/{repo}/HEAD?urlpath=lab/tree/{notebooks[0]}"
    return Template((FILES / "README.md").read_text(encoding="utf-8")).substitute(
        repo=repo, name=repo.split("/")[1], parts=rows, first=notebooks[0],
        binder_badge=f"[![Binder]({BINDER_BADGE})]({binder})")


def write_edition(destination: Path, repo: str = DEFAULT_REPO) -> Path:
    """Write the student edition into `destination` for the GitHub repository `repo` (OWNER/NAME);
    return the folder. Everything already there except `.git` is replaced."""
    if not GITHUB_REPO.match(repo):
        raise ValueError(f"{repo!r} is not a GitHub repository name of the form OWNER/NAME.")
    check_destination(destination)
    sources = released_notebooks()
    if not sources:
        raise ValueError(f"No released notebooks in {COURSE}: run `make release` first.")
    destination = destination.resolve()
    destination.mkdir(parents=True, exist_ok=True)
    clear(destination)
    notebooks = [source.relative_to(COURSE).as_posix() for source in sources]
    for source, notebook in zip(sources, notebooks):
        write_notebook(source, destination / notebook, repo, notebook)
    shutil.copytree(COURSE / "torchcourse", destination / "torchcourse",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info",
                                                  ".ipynb_checkpoints"))
    shutil.copy(COURSE / "GRADING.md", destination / "GRADING.md")
    (destination / "pyproject.toml").write_text(pyproject(), encoding="utf-8")
    (destination / "data").mkdir()
    for name in ("fetch.py", "README.md"):
        shutil.copy(REPO / "data" / name, destination / "data" / name)
    for target, template in TEMPLATE_FILES.items():
        shutil.copy(FILES / template, destination / target)
    post_build = destination / "postBuild"
    post_build.chmod(post_build.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    titles = [notebook_title(source) for source in sources]
    (destination / "README.md").write_text(readme(repo, notebooks, titles), encoding="utf-8")
    return destination
