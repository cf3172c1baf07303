"""Helpers for training loops, shared by the notebooks from Part 4 on.

    for epoch in progress(range(epochs), "epochs"):
        ...

`progress` shows a `tqdm.auto` bar (a widget in Jupyter, text elsewhere) while you work. While
nbgrader runs a notebook (validating or grading it) it shows nothing: a bar writes to stderr,
which would mark a graded cell as failed, and a stored widget shows as a stale "0%" in feedback.
Nor does it show while a check cell runs your answer: the check's verdict is all that cell shows.
"""

from __future__ import annotations

import os
import time
import weakref
from typing import Any, Callable, Iterable, TypeVar


from .grading import GRADING_DIR_VARIABLE
from .rules import watching

Item = TypeVar("Item")
Result = TypeVar("Result")
# What `call_if_written` built over its budget, and what it said then: a capstone's check says so too.
_OVER_BUDGET: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def being_graded() -> bool:
    """Whether nbgrader is running this notebook (autograding or validating it)."""
    return bool(os.environ.get(GRADING_DIR_VARIABLE) or os.environ.get("NBGRADER_EXECUTION"))


def progress(iterable: Iterable[Item], description: str = "", total: int | None = None) -> Iterable[Item]:
    """`iterable` with a progress bar (with the time left) while you work; plain while graded or
    checked."""
    if being_graded() or watching():
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=description, total=total)


def call_if_written(build: Callable[[], Result], budget_seconds: float | None = None) -> Result | None:
    """`build()`, or None while `build` is still the released stub (it raises
    NotImplementedError), after saying so: Run All goes on to the end of the notebook.

    With `budget_seconds`, also say how long `build` took against that budget."""
    name = getattr(build, "__name__", "this function")
    started = time.perf_counter()
    try:
        result = build()
    except NotImplementedError:
        print(f"{name} still raises NotImplementedError: nothing was built yet (None).")
        return None
    seconds = time.perf_counter() - started
    if budget_seconds is None:
        return result
    over = None if seconds <= budget_seconds else (
        f"{name} took {seconds:.1f} s, over its budget of {budget_seconds:g} s: train for fewer steps. "
        "While grading, a cell that runs too long is stopped, and the grading machine may be slower "
        "than this one.")
    print(over or f"{name} took {seconds:.1f} s, within its budget of {budget_seconds:g} s.")
    try:
        if over:
            _OVER_BUDGET[result] = over
        else:
            _OVER_BUDGET.pop(result, None)
    except TypeError:  # a result that cannot be referred to weakly (None, a number...)
        pass
    return result


def over_budget(result: Any) -> str | None:
    """What `call_if_written` said when it built `result` over its budget, or None."""
    try:
        return _OVER_BUDGET.get(result)
    except TypeError:
        return None
