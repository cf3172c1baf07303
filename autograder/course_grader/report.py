"""The class report for instructors: how each part went and which mistakes were common.

    python -m course_grader report      # writes autograder/report/report.html and exercises.csv

Scores come from the gradebook; the reasons for failing come from the judge's verdicts in the
autograded notebooks, with the details of each call removed so that the same mistake made by
several students is counted together; the problems (a notebook that could not be read, was
missing or stopped the grader) come from the grading logs.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from torchcourse.checks import KNOWN_MISTAKES

from . import AUTOGRADER, REPO
from .batch import LOGS, PROBLEM
from .worker import open_gradebook

REPORT_FOLDER = AUTOGRADER / "report"
TOP_REASONS = 3
FAILED_TEST = "HiddenTestFailed"
NO_VERDICT = "no verdict was found in the autograded notebook"
FAILED_ON = re.compile(r"`[^`]*` failed (?:a hidden test|the hidden tests) on \w+: ")
CALL_DESCRIPTION = " It was "  # what follows the problem: "It was called with (...)."
# where a learner's own source line is quoted: "(in accuracy, at `raise ...`)"
QUOTED_SOURCE = re.compile(r"\s*\(in [^,()]*, at `[^`]*`\)")
NAMED_EXERCISE = re.compile(r" for `[^`]*`")
SHAPE = re.compile(r"\(\s*-?\d+(?:\s*,\s*-?\d+)*\s*,?\s*\)")
NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?(?![\w])")
CODE = re.compile(r"`([^`]+)`")  # code in a verdict, written as in Markdown


@dataclass
class ExerciseSummary:
    """One graded exercise of one part: how many students were graded, passed, and why not."""

    name: str
    students: int = 0
    passed: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def pass_rate(self) -> float | None:
        """Share of the graded students with full points; None when nobody was graded."""
        return self.passed / self.students if self.students else None

    def top_reasons(self) -> list[tuple[str, int]]:
        """The most common reasons for failing, most common first."""
        return self.reasons.most_common(TOP_REASONS)


@dataclass
class PartSummary:
    """One part (nbgrader assignment): every graded student's score and every exercise."""

    name: str
    max_score: float
    scores: list[float]
    exercises: list[ExerciseSummary]


def failure_reason(exercise: str, verdict: str) -> str:
    """The mistake a failing verdict names, without what is particular to one call.

    A known mistake's sentence is taken as it is; otherwise the problem the verdict states first
    is kept (less the "It was called with (...)." that follows it), with the quoted source line,
    shapes and numbers replaced, so that the same problem reads the same for every student.
    """
    for mistake in KNOWN_MISTAKES.get(exercise, []):
        if mistake.sentence in verdict:
            return mistake.sentence
    detail = NAMED_EXERCISE.sub("", FAILED_ON.sub("", verdict, count=1), count=1)
    detail = detail.split(CALL_DESCRIPTION)[0]
    detail = QUOTED_SOURCE.sub("", detail)
    detail = NUMBER.sub("…", SHAPE.sub("(…)", detail))
    return " ".join(detail.split())


def failing_verdicts(notebook: Path) -> dict[str, str]:
    """The judge's message for every graded test cell of an autograded notebook that failed."""
    if not notebook.is_file():
        return {}
    found = {}
    for cell in nbformat.read(notebook, as_version=4).cells:
        grading = cell.get("metadata", {}).get("nbgrader", {})
        if not grading.get("grade") or grading.get("solution"):
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == FAILED_TEST:
                found[grading["grade_id"]] = str(output.get("evalue", ""))
    return found


def notebook_order(part: str) -> list[str]:
    """The graded cells' names in the order the instructor's notebook of `part` has them."""
    names = []
    for notebook in sorted((REPO / "solutions" / part).glob("*.ipynb")):
        for cell in nbformat.read(notebook, as_version=4).cells:
            grading = cell.get("metadata", {}).get("nbgrader", {})
            if grading.get("grade") and not grading.get("solution"):
                names.append(grading["grade_id"])
    return names


def summarize(gradebook_path: Path = AUTOGRADER / "gradebook.db",
              autograded: Path = AUTOGRADER / "autograded") -> list[PartSummary]:
    """Every part in the gradebook, with its students' scores and each exercise's results."""
    from nbgrader.api import MissingEntry

    summaries = []
    with open_gradebook(gradebook_path) as gradebook:
        students = [student.id for student in gradebook.students]
        for assignment in sorted(gradebook.assignments, key=lambda a: a.name):
            order = notebook_order(assignment.name)
            exercises: dict[str, ExerciseSummary] = {}
            scores = []
            for student in students:
                try:
                    scores.append(gradebook.find_submission(assignment.name, student).score or 0.0)
                except MissingEntry:
                    continue
            for notebook in assignment.notebooks:
                for cell in notebook.grade_cells:
                    exercises.setdefault(cell.name, ExerciseSummary(cell.name))
                for student in students:
                    try:
                        graded = gradebook.find_submission_notebook(notebook.name, assignment.name,
                                                                    student)
                    except MissingEntry:
                        continue
                    verdicts = failing_verdicts(
                        autograded / student / assignment.name / f"{notebook.name}.ipynb")
                    for grade in graded.grades:
                        summary = exercises[grade.name]
                        summary.students += 1
                        if (grade.score or 0.0) >= grade.max_score:
                            summary.passed += 1
                        elif grade.name in verdicts:
                            summary.reasons[failure_reason(grade.name, verdicts[grade.name])] += 1
                        else:
                            summary.reasons[NO_VERDICT] += 1
            ranked = sorted(exercises.values(), key=lambda e: (
                order.index(e.name) if e.name in order else len(order), e.name))
            summaries.append(PartSummary(assignment.name, assignment.max_score, scores, ranked))
    return summaries


def histogram_png(part: PartSummary) -> str:
    """A histogram of the part's scores, one bar per whole point, as base64-encoded PNG."""
    figure = Figure(figsize=(6.4, 2.8), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    top = int(part.max_score)
    axes.hist(part.scores, bins=[point - 0.5 for point in range(top + 2)], color="#4c72b0",
              edgecolor="white")
    axes.set_xlim(-0.5, top + 0.5)
    axes.set_xlabel(f"score (out of {part.max_score:g})")
    axes.set_ylabel("students")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_title(f"{part.name}: {len(part.scores)} students graded")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _rate(exercise: ExerciseSummary) -> str:
    """The pass rate as a percentage with the counts, or a dash when nobody was graded."""
    if exercise.pass_rate is None:
        return "–"
    return f"{exercise.pass_rate:.0%} ({exercise.passed}/{exercise.students})"


def part_html(part: PartSummary) -> str:
    """One part's section of the page: the histogram, then the table of exercises."""
    rows = []
    for exercise in part.exercises:
        reasons = "".join(f"<li><b>{count}×</b> {as_html(reason)}</li>"
                          for reason, count in exercise.top_reasons())
        rows.append(f"<tr><td><code>{html.escape(exercise.name)}</code></td>"
                    f"<td class=rate>{html.escape(_rate(exercise))}</td>"
                    f"<td>{f'<ol>{reasons}</ol>' if reasons else ''}</td></tr>")
    return (f"<h2>{html.escape(part.name)}</h2>\n"
            f'<img src="data:image/png;base64,{histogram_png(part)}" '
            f'alt="histogram of the scores of {html.escape(part.name)}">\n'
            "<table><thead><tr><th>exercise</th><th>pass rate</th>"
            "<th>most common reasons for failing</th></tr></thead><tbody>\n"
            + "\n".join(rows) + "\n</tbody></table>")


def as_html(text: str) -> str:
    """A verdict's text for the page: escaped, with its `code` shown as code."""
    return CODE.sub(r"<code>\1</code>", html.escape(text))


def grading_problems(logs: Path = LOGS) -> list[str]:
    """The problem each submission's latest grading met, from its log (see batch._write_log):
    a notebook that could not be read, was missing, was too large or stopped the grader."""
    problems = []
    for log in sorted(logs.glob("*/*.log")):
        head = log.read_text(encoding="utf-8", errors="replace").splitlines()[1:]
        if head and head[0].startswith(PROBLEM):
            more = [line.strip() for line in head[1:] if line.startswith("  (")][:1]
            problems.append(" ".join([head[0][len(PROBLEM):], *more]))
    return problems


def problems_html(problems: list[str]) -> str:
    """The page's section on submissions that scored nothing for a reason other than their answers."""
    if not problems:
        return "<h2>Problems</h2>\n<p>None: every submission was read and graded.</p>"
    items = "".join(f"<li>{html.escape(problem)}</li>" for problem in problems)
    return ("<h2>Problems</h2>\n<p>Submissions graded in some other way than as handed in (the "
            f"release in their place, for the reason given):</p>\n<ul>{items}</ul>")


def page_html(parts: list[PartSummary], problems: list[str]) -> str:
    """The whole self-contained page: styles inline, plots embedded, nothing fetched."""
    style = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
             "table{border-collapse:collapse;width:100%;margin-bottom:2em}"
             "th,td{border:1px solid #ccc;padding:.4em .6em;text-align:left;vertical-align:top}"
             "th{background:#f0f0f0}td.rate{white-space:nowrap}ol{margin:0;padding-left:1.4em}"
             "li{white-space:pre-wrap}")
    sections = "\n".join([problems_html(problems), *(part_html(part) for part in parts)])
    return ("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
            f"<title>Class report</title><style>{style}</style></head><body>\n"
            "<h1>Class report</h1>\n<p>Pass rate: students with full points on an exercise, "
            "out of the students graded on its part. Reasons come from the judge's verdicts, "
            "with the details of each call left out.</p>\n"
            f"{sections}\n</body></html>\n")


def write_csv(parts: list[PartSummary], path: Path) -> None:
    """One row per part and exercise, with its pass rate and most common reasons for failing."""
    header = ["part", "exercise", "students", "passed", "pass_rate"]
    for rank in range(1, TOP_REASONS + 1):
        header += [f"top_failure_{rank}", f"top_failure_{rank}_count"]
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        for part in parts:
            for exercise in part.exercises:
                top = exercise.top_reasons()
                top += [("", "")] * (TOP_REASONS - len(top))
                rate = "" if exercise.pass_rate is None else f"{exercise.pass_rate:.4f}"
                writer.writerow([part.name, exercise.name, exercise.students, exercise.passed,
                                 rate, *[item for reason in top for item in reason]])


def write_report(folder: Path = REPORT_FOLDER) -> Path:
    """Write report.html and exercises.csv into `folder`; return the page's path."""
    folder.mkdir(parents=True, exist_ok=True)
    parts = summarize()
    page = folder / "report.html"
    page.write_text(page_html(parts, grading_problems()), encoding="utf-8")
    write_csv(parts, folder / "exercises.csv")
    return page
