"""A learner's JupyterLab in a real browser: the student edition's notebooks run top to bottom from
Run ▸ Run All Cells, and a wrong answer typed into a cell shows a ✗ verdict, not a traceback.

It drives Debian's Chromium with Playwright's Python package (never `playwright install`) and is
skipped where either is missing; .ci/run installs both. Screenshots go to .browser-screenshots/.
About 30 s.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from conftest import REPO
from course_grader import student
from jupyter_in_browser import CHROMIUM, CHROMIUM_ARGS, browser_missing, jupyterlab

if browser_missing():
    pytest.skip(browser_missing(), allow_module_level=True)
from playwright.sync_api import BrowserContext, Locator, Page, expect, sync_playwright  # noqa: E402

EDITION_REPO = "someone/torch-course"
NOTEBOOKS = [path.relative_to(student.COURSE).as_posix() for path in student.released_notebooks()]
KERNEL = "Python 3 (PyTorch course)"  # the venv's python3 kernel, as `make setup` registers it
SCREENSHOTS = REPO / ".browser-screenshots"
# Written into a private settings folder: no "get Jupyter news?" question, and every cell kept in
# the page (JupyterLab otherwise may leave cells that are out of view unrendered).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}
WRONG_SIGMOID = "def sigmoid(x):\n    return 1 / (1 + torch.exp(x))"
RUN_ALL_MS, CELL_MS, KERNEL_MS = 120_000, 30_000, 60_000


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh student edition, as learners get it."""
    return student.write_edition(tmp_path_factory.mktemp("edition") / "course", EDITION_REPO)


@pytest.fixture(scope="module")
def lab(edition: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """JupyterLab serving the edition with private settings; yields its URL."""
    private = tmp_path_factory.mktemp("jupyterlab")
    with jupyterlab(edition, edition, private, LAB_SETTINGS,
                    {"TORCHCOURSE_DATA": str(private / "data")}) as url:
        yield url


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    """Chromium with a fresh profile, closed at the end."""
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tmp_path_factory.mktemp("chromium-profile"), executable_path=CHROMIUM,
            args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 900})
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def screenshots() -> Path:
    """.browser-screenshots/, emptied of an earlier run's screenshots."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir()
    return SCREENSHOTS


@pytest.fixture
def page(browser: BrowserContext) -> Iterator[Page]:
    """A new tab, closed without asking about unsaved notebooks."""
    tab = browser.new_page()
    tab.set_default_timeout(CELL_MS)
    try:
        yield tab
    finally:
        tab.close()


def open_notebook(page: Page, lab: str, notebook: str) -> Locator:
    """Open `notebook` alone (`?reset` forgets earlier tabs) and wait until the course's kernel
    is idle; return the notebook's panel."""
    page.goto(f"{lab}/lab/tree/{notebook}?reset")
    expect(page.locator(".jp-StatusBar-Widget")).to_contain_text(f"{KERNEL} | Idle",
                                                                 timeout=KERNEL_MS)
    panel = page.locator(".jp-NotebookPanel")
    expect(panel).to_have_count(1)
    return panel


def run_all_cells(page: Page, panel: Locator) -> None:
    """Run ▸ Run All Cells, then wait until every code cell shows its execution count."""
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    unfinished = panel.locator(".jp-CodeCell .jp-InputPrompt", has_text=re.compile(r"\[\D*\]"))
    expect(unfinished).to_have_count(0, timeout=RUN_ALL_MS)
    expect(page.locator(".jp-StatusBar-Widget")).to_contain_text(f"{KERNEL} | Idle")


def code_cell(panel: Locator, source: str) -> Locator:
    """The one code cell whose source contains `source`."""
    cell = panel.locator(".jp-CodeCell").filter(
        has=panel.page.locator(".jp-InputArea-editor", has_text=source))
    expect(cell).to_have_count(1)
    return cell


def error_outputs(scope: Locator) -> Locator:
    """Outputs that JupyterLab shows as errors: stderr text and tracebacks."""
    return scope.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')


def exercises(notebook: Path) -> list[str]:
    """The exercise names of a notebook: the grade ids of its graded test cells."""
    return [cell.metadata.nbgrader.grade_id for cell in nbformat.read(notebook, as_version=4).cells
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade")
            and not cell.metadata.nbgrader.get("solution")]


def announce(capsys: pytest.CaptureFixture[str], screenshot: Path) -> None:
    """Say where a screenshot went, even while pytest captures output."""
    with capsys.disabled():
        print(f"\nscreenshot: {screenshot}")


def screenshot_whole_notebook(page: Page, panel: Locator, path: Path) -> None:
    """A screenshot of the notebook from top to bottom: JupyterLab scrolls inside the page, so the
    window is made as tall as the notebook first."""
    notebook = panel.locator(".jp-WindowedPanel-outer")
    hidden = notebook.evaluate("node => node.scrollHeight - node.clientHeight")
    page.set_viewport_size({"width": 1280, "height": 900 + hidden})
    notebook.evaluate("node => node.scrollTo(0, 0)")
    page.screenshot(path=path)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[name.split("/")[0] for name in NOTEBOOKS])
def test_run_all_cells_runs_every_cell_and_every_check_says_not_written_yet(
        edition, lab, page, screenshots, capsys, notebook):
    panel = open_notebook(page, lab, notebook)
    run_all_cells(page, panel)
    expect(error_outputs(panel)).to_have_count(0)
    assert not [text for text in panel.locator(".jp-OutputArea-output").all_text_contents()
                if "Traceback" in text]
    verdicts = panel.locator(".jp-OutputArea-output").filter(has_text="is not written yet")
    assert sorted(verdicts.all_text_contents()) == sorted(
        f"… {name} is not written yet: replace `raise NotImplementedError()` with your code."
        for name in exercises(edition / notebook))
    path = screenshots / f"{notebook.split('/')[0]}-run-all.png"
    screenshot_whole_notebook(page, panel, path)
    announce(capsys, path)


def test_wrong_answer_typed_in_the_browser_shows_what_was_expected_and_what_it_got(
        lab, page, screenshots, capsys):
    notebook = NOTEBOOKS[0]
    panel = open_notebook(page, lab, notebook)
    run_all_cells(page, panel)
    answer = code_cell(panel, "def sigmoid(")
    answer.locator(".cm-content").click()
    expect(panel.locator(".jp-Notebook")).to_have_class(re.compile(r"\bjp-mod-editMode\b"))
    page.keyboard.press("ControlOrMeta+a")  # in the cell's editor: its whole source
    page.keyboard.insert_text(WRONG_SIGMOID)  # typed as is: no auto-indent
    expect(answer.locator(".cm-content")).to_have_text(WRONG_SIGMOID.replace("\n", ""))
    page.keyboard.press("Shift+Enter")  # runs the answer, moves to its check
    page.keyboard.press("Shift+Enter")  # runs the check
    checked = code_cell(panel, 'check("sigmoid", sigmoid)')
    verdict = checked.locator(".jp-OutputArea-output")
    expect(verdict).to_have_text(re.compile(r"^✗ sigmoid: "), timeout=CELL_MS)
    assert "expected" in verdict.text_content() and "got" in verdict.text_content()
    for cell in (answer, checked):
        expect(error_outputs(cell)).to_have_count(0)
        assert "Traceback" not in cell.text_content()
    answer.scroll_into_view_if_needed()
    top, bottom = answer.bounding_box(), checked.bounding_box()
    clip = {"x": top["x"], "y": top["y"], "width": max(top["width"], bottom["width"]),
            "height": bottom["y"] + bottom["height"] - top["y"]}
    path = screenshots / f"{notebook.split('/')[0]}-wrong-sigmoid.png"
    page.screenshot(path=path, clip=clip)
    announce(capsys, path)
