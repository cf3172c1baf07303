"""Which submissions a folder holds, in the layouts they really arrive in.

`make autograde SUBMISSIONS=DIR` takes DIR as it is:

- ours: `DIR/<student>/<part>/<part>.ipynb`;
- an nbgrader course folder: `DIR/submitted/<student>/<part>/...` (only `submitted/` is read);
- nbgrader's exchange, as `nbgrader collect` reads it: `DIR/inbound`, `DIR/<course_id>/inbound`,
  or DIR being `inbound` itself, holding `<student>+<part>+<timestamp>[+<random>]/` folders; of
  several submissions of one student's part, the latest timestamp wins;
- an LMS export: files named as Canvas (`alice_12345_678901_04-training.ipynb`, and its
  `alice_LATE_...` form) or Moodle (`Ada Lovelace_12345_assignsubmission_file_04-training.ipynb`,
  or such a folder per student) name them, loose in DIR, in a folder named after the part, or in
  `.zip` archives. nbgrader's zip_collect plugins read them: `FileNameCollectorPlugin` with a
  regular expression per LMS takes the student and the file name apart, and `unzip` (what
  `ExtractorPlugin` runs for each archive) opens the archives. The part is the one named by a
  folder on the way to the file, else the one the file's name starts with.

A part's only notebook under another name (`04-training-Copy1.ipynb`, `04-training (1).ipynb`,
`Untitled.ipynb` alone in a part folder) is graded as `<part>.ipynb`, and a note says so. What
cannot be matched (a file name no pattern fits, an unknown part, an unusable student id, the same
part handed in twice) is a problem that names it. Files beside the submissions that are not
notebooks are named in a note; hidden files and folders (`.ipynb_checkpoints`, `.DS_Store`) and
the `__MACOSX` folders of archives are left out unnamed.
"""

from __future__ import annotations

import functools
import logging
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .worker import COURSE_ID, Submission, fingerprint, read_submission

NOTE = "NOTE: "  # how the summary of `make autograde` shows a note
# Never `+`: nbgrader's exchange joins student, part and time with it.
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
STUDENT_ID_RULE = "letters, digits, @ . _ -"
# An LMS's file names, as nbgrader's FileNameCollectorPlugin reads them: matched, as zip_collect
# does, against the whole path (so Moodle's folder per student matches too).
LMS_FILE_NAMES = {
    "Canvas": r"^(?:.*/)?(?P<student_id>[^/]+?)(?:_LATE|_late)?_\d+_\d+_(?P<file_id>[^/]+)$",
    "Moodle": r"^(?:.*/)?(?P<student_id>[^/]+?)_\d+_assignsubmission_file_/?(?P<file_id>[^/]+)$",
}
ARCHIVES = [".zip"]
LEFT_OUT = {"__MACOSX"}  # besides hidden names


@dataclass
class Found:
    """What a submissions folder holds: the submissions to grade, notes for the instructor (a
    notebook graded under its released name, a folder read as nbgrader's) and problems (what is
    not graded, and why), each a sentence."""

    submissions: list[Submission] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class _HandedIn:
    """One student's part as found, before it becomes a Submission; `where` names it for messages."""

    student: str
    part: str
    where: str
    files: dict[str, bytes]


def find_submissions(folder: Path, known_parts: list[str]) -> Found:
    """The submissions in `folder`, in whichever layout above it holds them."""
    found, folder = Found(), folder.resolve()
    if (folder / "submitted").is_dir():
        found.notes.append(f"{folder.name}/submitted is nbgrader's submissions folder: "
                           "graded what it holds, nothing else")
        handed_in = _loose_and_in_folders(folder / "submitted", known_parts, found)
    elif inbound := _exchange_inbound(folder, found):
        handed_in = [one for path in inbound for one in _exchange(path, known_parts, found)]
    else:
        handed_in = _loose_and_in_folders(folder, known_parts, found)
    by_key: dict[tuple[str, str], list[_HandedIn]] = {}
    for one in handed_in:
        by_key.setdefault((one.student, one.part), []).append(one)
    for (student, part), copies in sorted(by_key.items()):
        if len(copies) > 1:
            found.problems.append(f"{student}/{part}: handed in more than once "
                                  f"({'; '.join(one.where for one in copies)}); not graded")
            continue
        files, renamed = canonical_names(copies[0].files, part)
        if renamed:
            found.notes.append(f"{student}/{part}: graded {renamed!r} as {part}.ipynb "
                               f"(from {copies[0].where})")
        found.submissions.append(Submission(student, part, files, fingerprint(part)))
    if not found.submissions and not found.problems:
        found.problems.append(
            f"{folder}: no submissions found. It takes <student>/<part>/<part>.ipynb, nbgrader's "
            "submitted/ or exchange inbound/, or an LMS download (Canvas: "
            "alice_12345_678901_04-training.ipynb, also zipped)")
    return found


def canonical_names(files: dict[str, bytes], part: str) -> tuple[dict[str, bytes], str | None]:
    """`files` with the part's notebook under its released name `<part>.ipynb` when it was handed
    in under another (it is the only notebook at the top of the folder), and that other name."""
    wanted = f"{part}.ipynb"
    notebooks = [name for name in files if name.endswith(".ipynb") and "/" not in name]
    if wanted in files or len(notebooks) != 1:
        return files, None  # several and none named so: the grader lists them as a problem
    return {wanted if name == notebooks[0] else name: content
            for name, content in files.items()}, notebooks[0]


def part_named(name: str, known_parts: list[str]) -> str | None:
    """The part a file's name starts with (`04-training-Copy1.ipynb`: `04-training`), whatever
    the case and whether words are joined by `-`, `_` or spaces; the longest if several do."""
    def simple(text: str) -> str:
        return re.sub(r"[\s_]+", "-", text.lower())

    return max((part for part in known_parts if simple(name).startswith(simple(part))),
               key=len, default=None)


def _visible(folder: Path) -> list[Path]:
    return sorted(path for path in folder.iterdir()
                  if not path.name.startswith(".") and path.name not in LEFT_OUT)


def _loose_and_in_folders(root: Path, known_parts: list[str], found: Found) -> list[_HandedIn]:
    """Student folders (ours), and LMS files: loose, in a folder named after a part, in a folder
    of LMS-named files, or in archives."""
    handed_in, lms = [], []
    for entry in _visible(root):
        if entry.is_dir() and entry.name not in known_parts and not _holds_lms_files(entry):
            handed_in += _student_folder(entry, known_parts, found)
        else:
            lms.append(entry)
    return handed_in + _lms_export(lms, root, known_parts, found)


def _student_folder(folder: Path, known_parts: list[str], found: Found) -> list[_HandedIn]:
    """Ours: `<student>/<part>/` folders."""
    student = folder.name
    if not STUDENT_ID.match(student):
        found.problems.append(f"{student!r}: not a usable student id ({STUDENT_ID_RULE})")
        return []
    handed_in, entries = [], _visible(folder)
    if not entries:
        found.problems.append(f"{student}: an empty folder; nothing graded")
    for path in entries:
        if not path.is_dir():
            found.problems.append(f"{student}/{path.name}: not in a part folder "
                                  f"({student}/<part>/); not graded")
        elif path.name not in known_parts:
            found.problems.append(f"{student}: unknown part folder {path.name!r}")
        else:
            files = read_submission(path, student, path.name).files
            handed_in.append(_HandedIn(student, path.name, f"{student}/{path.name}/", files))
    return handed_in


def _exchange_inbound(folder: Path, found: Found) -> list[Path]:
    """nbgrader exchange `inbound` folders in `folder`: itself, its `inbound/`, or its courses'
    `<course_id>/inbound/` (only this course's when the exchange holds several)."""
    if folder.name == "inbound" or any(_exchange_time(path.name) for path in _visible(folder)):
        return [folder]
    if (folder / "inbound").is_dir():
        found.notes.append(f"{folder.name}/ is an nbgrader exchange course: graded its inbound/")
        return [folder / "inbound"]
    courses = [path for path in _visible(folder) if (path / "inbound").is_dir()]
    ours = [path for path in courses if path.name == COURSE_ID]
    if ours and len(courses) > 1:
        others = ", ".join(path.name for path in courses if path.name != COURSE_ID)
        found.notes.append(f"{folder.name}/ is an nbgrader exchange: graded {COURSE_ID}/inbound/, "
                           f"not the other courses' ({others})")
    return [path / "inbound" for path in ours or courses]


def _exchange(inbound: Path, known_parts: list[str], found: Found) -> list[_HandedIn]:
    """Submissions in an exchange `inbound/` folder: the latest of each student's part."""
    latest: dict[tuple[str, str], tuple[datetime, Path]] = {}
    for entry in _visible(inbound):
        where = f"{inbound.name}/{entry.name}"
        when = _exchange_time(entry.name) if entry.is_dir() else None
        if when is None:
            found.problems.append(f"{where}: not an nbgrader exchange submission "
                                  "(<student>+<part>+<timestamp>[+<random>]/); not graded")
            continue
        student, part = entry.name.split("+")[:2]
        if not STUDENT_ID.match(student):
            found.problems.append(f"{where}: {student!r} is not a usable student id "
                                  f"({STUDENT_ID_RULE}); not graded")
        elif part not in known_parts:
            found.problems.append(f"{where}: unknown part {part!r}; not graded")
        elif (student, part) not in latest or when > latest[student, part][0]:
            latest[student, part] = (when, entry)
    return [_HandedIn(student, part, f"{inbound.name}/{entry.name}",
                      read_submission(entry, student, part).files)
            for (student, part), (_, entry) in latest.items()]


def _exchange_time(name: str) -> datetime | None:
    """When a submission in nbgrader's exchange, `<student>+<part>+<timestamp>[+<random>]`, was
    handed in (UTC), or None if `name` is not such a name."""
    from nbgrader.utils import parse_utc

    fields = name.split("+")
    try:
        return parse_utc(fields[2]) if len(fields) in (3, 4) else None
    except (ValueError, OverflowError):
        return None


@functools.cache
def _collectors() -> tuple:
    """nbgrader's FileNameCollectorPlugin, one per LMS naming, quiet about names it does not match
    (every name that no pattern matches is listed as a problem instead); made once."""
    from nbgrader.plugins import FileNameCollectorPlugin

    quiet = logging.getLogger("course_grader.layouts.collector")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    return tuple(FileNameCollectorPlugin(named_regexp=pattern, log=quiet)
                 for pattern in LMS_FILE_NAMES.values())


def _lms_fields(path: Path, collectors: tuple) -> dict | None:
    """The student id and file name an LMS put in `path`'s name, or None if no naming fits."""
    return next((info for plugin in collectors if (info := plugin.collect(str(path)))), None)


def _holds_lms_files(folder: Path) -> bool:
    """Whether files an LMS named lie in `folder` (a Moodle folder per student, a download)."""
    collectors = _collectors()
    return any(path.is_file() and _lms_fields(path, collectors) for path in _visible(folder))


def _lms_export(entries: list[Path], root: Path, known_parts: list[str],
                found: Found) -> list[_HandedIn]:
    """The notebooks an LMS named among `entries` (files and folders of `root`, archives opened),
    by student and part."""
    collectors = _collectors()
    by_key: dict[tuple[str, str], _HandedIn] = {}
    twice: set[tuple[str, str]] = set()
    with tempfile.TemporaryDirectory(prefix="course-grader-lms-") as scratch:
        files = _unpacked(entries, root, Path(scratch), found)
        others = [shown for path, _, shown in files if path.suffix != ".ipynb"]
        if others:  # a list of grades, the demo's expected scores, an LMS's page of online text
            found.notes.append(f"left out, not notebooks: {', '.join(others)}")
        for path, base, shown in files:
            if path.suffix != ".ipynb":
                continue
            fields = _lms_fields(path, collectors)
            if fields is None:
                found.problems.append(f"{shown}: the name matches no LMS naming "
                                      f"({', '.join(LMS_FILE_NAMES)}); not graded")
                continue
            student, name = _usable_id(fields["student_id"]), fields["file_id"]
            folders = (root.name, *path.relative_to(base).parts[:-1])
            part = next((folder for folder in reversed(folders) if folder in known_parts), None)
            part = part or part_named(name, known_parts)
            if not STUDENT_ID.match(student):
                found.problems.append(f"{shown}: {fields['student_id']!r} is not a usable "
                                      f"student id ({STUDENT_ID_RULE}); not graded")
            elif part is None:
                found.problems.append(f"{shown}: neither its name nor its folder names a part; "
                                      "not graded")
            elif name in by_key.setdefault((student, part), _HandedIn(student, part, shown, {})).files:
                found.problems.append(f"{student}/{part}: two files named {name} "
                                      f"({by_key[student, part].where}; {shown}); not graded")
                twice.add((student, part))
            else:
                by_key[student, part].files[name] = path.read_bytes()
    return [one for key, one in by_key.items() if key not in twice and one.files]


def _unpacked(entries: list[Path], root: Path, scratch: Path, found: Found) -> list[tuple[Path, Path, str]]:
    """Every file among `entries` (files and folders of `root`), those in archives extracted into
    `scratch` as nbgrader's ExtractorPlugin does: each (file, the folder its path counts from,
    its name for messages). Symbolic links are problems, as in read_submission."""
    from nbgrader.utils import unzip

    def left_out(relative: Path) -> bool:
        return any(name.startswith(".") or name in LEFT_OUT for name in relative.parts)

    files = []
    for entry in entries:
        for path in [entry] if not entry.is_dir() else sorted(entry.rglob("*")):
            relative = path.relative_to(root)
            if left_out(relative):
                continue
            if path.is_symlink():
                found.problems.append(f"{relative}: a symbolic link; not graded")
            elif path.suffix.lower() in ARCHIVES and path.is_file():
                into = scratch / relative.parent
                into.mkdir(parents=True, exist_ok=True)
                try:
                    unzip(str(path), str(into), zip_ext=ARCHIVES, create_own_folder=True, tree=True)
                except Exception as error:  # any way of being unreadable is treated the same
                    found.problems.append(f"{relative}: could not be opened ({error}); not graded")
                    continue
                files += [(inner, scratch, f"{relative}:{inner.relative_to(into / path.stem)}")
                          for inner in sorted((into / path.stem).rglob("*"))
                          if inner.is_file() and inner.suffix.lower() not in ARCHIVES
                          and not left_out(inner.relative_to(into))]
            elif path.is_file():
                files.append((path, root, str(relative)))
    return files


def _usable_id(name: str) -> str:
    """An LMS's name for a student as a student id: as it is when usable, else with accents
    dropped and spaces as `_` (Moodle's `Zoë Lovelace` is `Zoe_Lovelace`)."""
    if STUDENT_ID.match(name):
        return name
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"\s+", "_", plain.strip())
