"""Progressive hints for the exercises: `hint("sigmoid")`, then `hint("sigmoid", 2)`, and so on.

Each exercise has a few hints, from a gentle nudge (level 1: which part of the notebook to reread)
to the most specific (the last level: the shapes of the intermediate results, or which tools to
reach for). Ask for one level at a time and try again in between: a hint never gives away the
answer. Each part's hints live in its own module (`part01_tensors`, `part02_autograd`, ...), next
to its checks.
"""

from __future__ import annotations

import textwrap

from .checks import PART_MODULES
from .feedback import unknown_name

HINTS: dict[str, list[str]] = {name: hints for module in PART_MODULES for name, hints in module.HINTS.items()}
LINE_WIDTH = 88  # notebooks break long output lines anywhere, even inside a word


def hint(name: str, level: int = 1) -> None:
    """Print hint number `level` for exercise `name`, and say how to ask for the next one.

    Use it when you are stuck on an exercise: start at level 1 and go up one level at a time.
    A level past the last shows the last hint; a name that is not an exercise's says which
    exercise you may have meant.
    """
    if name not in HINTS:
        print(unknown_name(name, list(HINTS)))
        return
    hints = HINTS[name]
    count = len(hints)
    shown = min(max(level, 1), count)
    print(textwrap.fill(f"Hint {shown} of {count} for {name}: {hints[shown - 1]}", LINE_WIDTH,
                        break_long_words=False, break_on_hyphens=False))
    if shown < count:
        print(f'(More: hint("{name}", {shown + 1}))')
    elif level > count:
        print(f"(There is no hint {level}: this is the last hint for {name}.)")
    else:
        print(f"(This is the last hint for {name}.)")
