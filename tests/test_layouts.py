"""Submissions as they really arrive: our folders, nbgrader's submitted/ and exchange inbound/,
and LMS downloads (Canvas, Moodle, loose or zipped), read by course_grader.layouts.

Fast: folders of tiny files in tmp_path, nothing graded, except the one test at the end, which
grades a single Canvas-named notebook of Part 1 through `autograde`.
"""

from __future__ import annotations

import json
import uuid
import zipfile
from pathlib import Path

import pytest
from conftest import REPO
from course_grader import cli
from course_grader.layouts import NOTE, Found, find_submissions, part_named

PARTS = cli.parts()
NOTEBOOK = (REPO / "course" / "01-tensors" / "01-tensors.ipynb").read_bytes()
OTHER = NOTEBOOK.replace(b'"cells"', b'"cells" ', 1)  # another valid notebook, other bytes


def put(folder: Path, files: dict[str, bytes]) -> Path:
    """Write `files` (relative name: content) under `folder`."""
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    return folder


def zipped(path: Path, files: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)


def found_files(found: Found) -> dict[str, dict[str, bytes]]:
    """`student/part`: its files, of every submission found."""
    return {submission.key: submission.files for submission in found.submissions}


def test_our_layout_is_read_as_before(tmp_path):
    put(tmp_path, {"alice/01-tensors/01-tensors.ipynb": NOTEBOOK, "alice/01-tensors/notes.txt": b"x",
                   "alice/04-training/04-training.ipynb": OTHER,
                   "alice/01-tensors/.ipynb_checkpoints/01-tensors-checkpoint.ipynb": OTHER})
    found = find_submissions(tmp_path, PARTS)
    assert found_files(found) == {
        "alice/01-tensors": {"01-tensors.ipynb": NOTEBOOK, "notes.txt": b"x"},
        "alice/04-training": {"04-training.ipynb": OTHER}}
    assert (found.notes, found.problems) == ([], [])


def test_our_layout_lists_what_it_cannot_grade(tmp_path):
    put(tmp_path, {"not a student id!/01-tensors/01-tensors.ipynb": NOTEBOOK,
                   "erin/99-no-such-part/x.ipynb": NOTEBOOK,
                   "fay/01-tensors.ipynb": NOTEBOOK})
    (tmp_path / "gus").mkdir()
    found = find_submissions(tmp_path, PARTS)
    assert found.submissions == []
    assert found.problems == [
        "erin: unknown part folder '99-no-such-part'",
        "fay/01-tensors.ipynb: not in a part folder (fay/<part>/); not graded",
        "gus: an empty folder; nothing graded",
        "'not a student id!': not a usable student id (letters, digits, @ . _ -)"]


def test_e_mail_ids_are_student_ids_but_not_plus(tmp_path):
    put(tmp_path, {"alice@uni.edu/01-tensors/01-tensors.ipynb": NOTEBOOK,
                   "bob+x@uni.edu/01-tensors/01-tensors.ipynb": NOTEBOOK})
    found = find_submissions(tmp_path, PARTS)
    assert list(found_files(found)) == ["alice@uni.edu/01-tensors"]
    assert found.problems == ["'bob+x@uni.edu': not a usable student id (letters, digits, @ . _ -)"]


def test_the_parent_of_nbgraders_submitted_folder(tmp_path):
    put(tmp_path / "course", {"submitted/alice/04-training/04-training.ipynb": NOTEBOOK,
                              "source/04-training/04-training.ipynb": OTHER,
                              "autograded/alice/04-training/04-training.ipynb": OTHER,
                              "gradebook.db": b""})
    found = find_submissions(tmp_path / "course", PARTS)
    assert found_files(found) == {"alice/04-training": {"04-training.ipynb": NOTEBOOK}}
    assert found.notes == ["course/submitted is nbgrader's submissions folder: graded what it holds, "
                           "nothing else"]
    assert found.problems == []


def exchange(root: Path) -> None:
    """An nbgrader exchange holding this course (alice handed in twice, bob once, and one
    entry that is no submission) and another course."""
    inbound = root / "pytorch-course" / "inbound"
    put(inbound, {
        "alice+04-training+2026-12-01 10:00:00.000000 UTC+aB3_x-9/04-training.ipynb": OTHER,
        "alice+04-training+2026-12-01 10:00:00.000000 UTC+aB3_x-9/timestamp.txt": b"first",
        "alice+04-training+2026-12-02 09:30:00.000000 UTC+Zz0-_q1/04-training.ipynb": NOTEBOOK,
        "alice+04-training+2026-12-02 09:30:00.000000 UTC+Zz0-_q1/timestamp.txt": b"latest",
        "bob@uni.edu+01-tensors+2026-11-30 23:59:00.000000 UTC/01-tensors.ipynb": NOTEBOOK,
        "carol+99-nope+2026-11-30 23:59:00.000000 UTC/x.ipynb": NOTEBOOK,
        "stray/x.ipynb": NOTEBOOK,
    })
    put(root / "pytorch-course" / "outbound", {"04-training/04-training.ipynb": OTHER})
    put(root / "other-course" / "inbound", {"zed+hw1+2026-12-01 10:00:00 UTC/hw1.ipynb": OTHER})


@pytest.mark.parametrize("given", ["exchange", "exchange/pytorch-course",
                                   "exchange/pytorch-course/inbound"])
def test_nbgraders_exchange_inbound_the_latest_submission_wins(tmp_path, given):
    exchange(tmp_path / "exchange")
    found = find_submissions(tmp_path / given, PARTS)
    assert found_files(found) == {
        "alice/04-training": {"04-training.ipynb": NOTEBOOK, "timestamp.txt": b"latest"},
        "bob@uni.edu/01-tensors": {"01-tensors.ipynb": NOTEBOOK}}
    assert found.problems == [
        "inbound/carol+99-nope+2026-11-30 23:59:00.000000 UTC: unknown part '99-nope'; not graded",
        "inbound/stray: not an nbgrader exchange submission "
        "(<student>+<part>+<timestamp>[+<random>]/); not graded"]
    assert found.notes == {
        "exchange": ["exchange/ is an nbgrader exchange: graded pytorch-course/inbound/, "
                     "not the other courses' (other-course)"],
        "exchange/pytorch-course": ["pytorch-course/ is an nbgrader exchange course: graded its inbound/"],
        "exchange/pytorch-course/inbound": []}[given]


CANVAS = {
    "alice_12345_678901_04-training.ipynb": NOTEBOOK,
    "bob_LATE_23456_789012_04-training-Copy1.ipynb": OTHER,
    "carol_34567_890123_01-tensors (1).ipynb": NOTEBOOK,
}


def test_canvas_files_loose_with_the_late_form_and_renamed_copies(tmp_path):
    found = find_submissions(put(tmp_path, CANVAS), PARTS)
    assert found_files(found) == {"alice/04-training": {"04-training.ipynb": NOTEBOOK},
                                  "bob/04-training": {"04-training.ipynb": OTHER},
                                  "carol/01-tensors": {"01-tensors.ipynb": NOTEBOOK}}
    assert found.notes == [
        "bob/04-training: graded '04-training-Copy1.ipynb' as 04-training.ipynb "
        "(from bob_LATE_23456_789012_04-training-Copy1.ipynb)",
        "carol/01-tensors: graded '01-tensors (1).ipynb' as 01-tensors.ipynb "
        "(from carol_34567_890123_01-tensors (1).ipynb)"]
    assert found.problems == []


def test_canvas_files_in_a_zip_and_in_a_folder_named_after_the_part(tmp_path):
    zipped(tmp_path / "submissions.zip", CANVAS)
    put(tmp_path, {"04-training/dave_45678_901234_Untitled.ipynb": NOTEBOOK})
    found = find_submissions(tmp_path, PARTS)
    assert found_files(found) == {"alice/04-training": {"04-training.ipynb": NOTEBOOK},
                                  "bob/04-training": {"04-training.ipynb": OTHER},
                                  "carol/01-tensors": {"01-tensors.ipynb": NOTEBOOK},
                                  "dave/04-training": {"04-training.ipynb": NOTEBOOK}}
    assert found.notes[0] == ("bob/04-training: graded '04-training-Copy1.ipynb' as 04-training.ipynb "
                              "(from submissions.zip:bob_LATE_23456_789012_04-training-Copy1.ipynb)")
    assert found.notes[-1] == ("dave/04-training: graded 'Untitled.ipynb' as 04-training.ipynb "
                               "(from 04-training/dave_45678_901234_Untitled.ipynb)")
    assert found.problems == []


def test_moodle_files_flat_and_in_a_folder_per_student_inside_a_zip(tmp_path):
    put(tmp_path, {"Ada Lovelace_101_assignsubmission_file_01-tensors.ipynb": NOTEBOOK})
    zipped(tmp_path / "04-training.zip", {
        "Zoë Lovelace_102_assignsubmission_file_/my work.ipynb": OTHER,
        "Zoë Lovelace_102_assignsubmission_onlinetext_/onlinetext.html": b"<p>hi</p>",
        "__MACOSX/._junk": b""})
    found = find_submissions(tmp_path, PARTS)
    assert found_files(found) == {"Ada_Lovelace/01-tensors": {"01-tensors.ipynb": NOTEBOOK},
                                  "Zoe_Lovelace/04-training": {"04-training.ipynb": OTHER}}
    assert found.notes[0] == ("left out, not notebooks: 04-training.zip:"
                              "Zoë Lovelace_102_assignsubmission_onlinetext_/onlinetext.html")
    assert found.problems == []


def test_a_renamed_notebook_in_a_part_folder_is_graded_under_the_released_name(tmp_path):
    put(tmp_path, {"alice/04-training/04-training-Copy1.ipynb": NOTEBOOK,
                   "alice/04-training/data.csv": b"1,2",
                   "bob/01-tensors/Untitled.ipynb": OTHER})
    found = find_submissions(tmp_path, PARTS)
    assert found_files(found) == {"alice/04-training": {"04-training.ipynb": NOTEBOOK, "data.csv": b"1,2"},
                                  "bob/01-tensors": {"01-tensors.ipynb": OTHER}}
    assert found.notes == [
        "alice/04-training: graded '04-training-Copy1.ipynb' as 04-training.ipynb (from alice/04-training/)",
        "bob/01-tensors: graded 'Untitled.ipynb' as 01-tensors.ipynb (from bob/01-tensors/)"]


def test_several_candidate_notebooks_are_not_renamed(tmp_path):
    """None is guessed at: the grader grades the release in their place and lists the problem
    naming them (the end-to-end test below shows the line)."""
    files = {"04-training-Copy1.ipynb": NOTEBOOK, "Untitled.ipynb": OTHER}
    put(tmp_path / "alice" / "04-training", files)
    found = find_submissions(tmp_path, PARTS)
    assert found_files(found) == {"alice/04-training": files}
    assert (found.notes, found.problems) == ([], [])


def test_files_that_match_nothing_are_listed_by_name(tmp_path):
    put(tmp_path, {"notes.ipynb": NOTEBOOK, "grades.csv": b"", ".DS_Store": b"",
                   "alice_12345_678901_homework.ipynb": NOTEBOOK,
                   "broken.zip": b"not a zip"})
    found = find_submissions(tmp_path, PARTS)
    assert found.submissions == []
    assert found.problems[0].startswith("broken.zip: could not be opened (")
    assert found.problems[1:] == [
        "alice_12345_678901_homework.ipynb: neither its name nor its folder names a part; not graded",
        "notes.ipynb: the name matches no LMS naming (Canvas, Moodle); not graded"]
    assert found.notes == ["left out, not notebooks: grades.csv"]


def test_the_same_part_handed_in_twice_is_a_problem(tmp_path):
    put(tmp_path, {"alice/04-training/04-training.ipynb": NOTEBOOK,
                   "alice_12345_678901_04-training.ipynb": OTHER,
                   "bob_1_2_01-tensors.ipynb": NOTEBOOK, "bob_1_3_01-tensors.ipynb": OTHER})
    found = find_submissions(tmp_path, PARTS)
    assert found.submissions == []
    assert found.problems == [
        "bob/01-tensors: two files named 01-tensors.ipynb (bob_1_2_01-tensors.ipynb; "
        "bob_1_3_01-tensors.ipynb); not graded",
        "alice/04-training: handed in more than once (alice/04-training/; "
        "alice_12345_678901_04-training.ipynb); not graded"]


@pytest.mark.parametrize("content", [{}, {".ipynb_checkpoints/x.ipynb": NOTEBOOK}])
def test_an_empty_folder_says_so(tmp_path, content):
    found = find_submissions(put(tmp_path, content), PARTS)
    assert found.submissions == [] and found.notes == []
    assert len(found.problems) == 1 and found.problems[0].startswith(f"{tmp_path}: no submissions found")


def test_part_named_by_the_start_of_a_file_name():
    assert part_named("04-training-Copy1.ipynb", PARTS) == "04-training"
    assert part_named("04_Training (1).ipynb", PARTS) == "04-training"
    assert part_named("Untitled.ipynb", PARTS) is None


def test_a_canvas_download_grades_as_the_canonical_layout_does(tmp_path, capsys):
    """One end-to-end run: a Canvas-named copy of the sample `ada`'s Part 1, under an e-mail id and
    a Duplicate's name, scores what the sample scores in its own folder; a part folder with two
    notebooks and neither under the released name is a listed problem naming them."""
    part, run = "01-tensors", uuid.uuid4().hex[:8]
    ada, amy = f"ada-{run}@uni.edu", f"amy-{run}"
    handed_in = (cli.SAMPLES / "ada" / part / f"{part}.ipynb").read_bytes()
    put(tmp_path, {f"{ada}_12345_678901_{part}-Copy1.ipynb": handed_in,
                   f"{amy}/{part}/{part}-Copy1.ipynb": handed_in, f"{amy}/{part}/Untitled.ipynb": NOTEBOOK})
    problems = cli.autograde(tmp_path, jobs=1)
    assert problems == [f"{amy}/{part}: no {part}.ipynb (handed in: {part}-Copy1.ipynb, Untitled.ipynb); "
                        "the release was graded in its place"]
    output = capsys.readouterr().out
    assert (f"{NOTE}{ada}/{part}: graded '{part}-Copy1.ipynb' as {part}.ipynb "
            f"(from {ada}_12345_678901_{part}-Copy1.ipynb)") in output.splitlines()
    expected = json.loads(cli.EXPECTED_SCORES.read_text())["ada"][part]
    assert cli.scores()[ada][part] == expected and cli.scores()[amy][part] == 0
    assert (cli.SUBMITTED / ada / part / f"{part}.ipynb").read_bytes() == handed_in
