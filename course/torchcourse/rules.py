"""The rules an exercise states ("build it from `torch.exp`", "no loops"), and how they are seen.

While an answer runs, `watch_calls` notes every PyTorch function and tensor method called, by
name: `torch.sigmoid(x)`, `x.sigmoid()`, `F.sigmoid(x)` and `nn.Sigmoid()(x)` are all a call of
"sigmoid", and `x @ w` is a call of "matmul". Only the outermost call is noted, not what PyTorch
does inside it (`F.cross_entropy` is one call of "cross_entropy", not also one of "log_softmax").
The names and counts are plain data, recorded with the answer's result; the rules are judged on
them, in the visible check and by the grader alike.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import torch
from torch.overrides import TorchFunctionMode

Calls = dict[str, int]
"""How many times each PyTorch function or tensor method was called, by name."""

BACKWARD_CALLS = ("backward", "grad")  # `loss.backward()`, `torch.autograd.backward` and `.grad`
# A loop shows as operations that grow with the input; this much growth is still "no loop" (a
# loop over the dimensions of a tensor, or a branch taken for one shape only).
LOOP_SLACK = 10
_COUNTING = ContextVar("counting", default=True)
_WATCHING = ContextVar("watching", default=False)


class _CallCounter(TorchFunctionMode):
    """Counts the PyTorch calls made while it is active (only the outermost ones: PyTorch runs
    each call with the mode switched off)."""

    def __init__(self, calls: Calls) -> None:
        super().__init__()
        self.calls = calls

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if _COUNTING.get():
            name = getattr(func, "__name__", type(func).__name__)
            self.calls[name] = self.calls.get(name, 0) + 1
        return func(*args, **(kwargs or {}))


@contextlib.contextmanager
def watch_calls(calls: Calls) -> Iterator[Calls]:
    """Count into `calls` the PyTorch functions and tensor methods called inside the block."""
    token = _WATCHING.set(True)
    try:
        with _CallCounter(calls):
            yield calls
    finally:
        _WATCHING.reset(token)


def watching() -> bool:
    """Whether an answer is running under `watch_calls` (a visible check, or the grader)."""
    return _WATCHING.get()


@contextlib.contextmanager
def not_counted() -> Iterator[None]:
    """Inside `watch_calls`, a block whose calls are the grader's own, not the answer's."""
    token = _COUNTING.set(False)
    try:
        yield
    finally:
        _COUNTING.reset(token)


@dataclass(frozen=True)
class Rules:
    """What an exercise's "Rules" say, in the form the grader checks.

    - `forbidden`: calls the answer must not make, by name, with how a learner would have written
      them, e.g. {"sigmoid": "`torch.sigmoid` (or `x.sigmoid()`, `F.sigmoid`)"};
    - `instead`: what the exercise asks for instead, said after a forbidden call is named;
    - `no_loops`: the number of PyTorch calls must not grow with the size of the input;
    - `no_torch`: plain Python arithmetic, no PyTorch call at all;
    - `required`: at least one of these calls must be made (e.g. "backward" or "grad": let autograd
      work it out), said with `required_reason`;
    - `backward_passes`: given a case, how many backward passes the answer must run on it,
      with `backward_reason` saying why.
    """

    forbidden: dict[str, str] = field(default_factory=dict)
    instead: str = ""
    no_loops: bool = False
    no_torch: bool = False
    required: tuple[str, ...] = ()
    required_reason: str = ""
    backward_passes: Callable[[list[Any]], int] | None = None
    backward_reason: str = ""

    def problem_with_calls(self, calls: Calls, case: list[Any]) -> str | None:
        """What in one run's `calls` breaks these rules, in a sentence; None if nothing does."""
        for name, spelled in self.forbidden.items():
            if calls.get(name):
                return f"it calls {spelled}, which this exercise rules out: {self.instead}"
        if self.no_torch and calls:
            used = ", ".join(f"`{name}`" for name in sorted(calls) if not name.startswith("_"))
            return (f"it calls PyTorch ({used}); the exercise asks for plain Python arithmetic on "
                    "the numbers it is given.")
        if self.required and not any(calls.get(name) for name in self.required):
            return self.required_reason
        if self.backward_passes is not None:
            expected, got = self.backward_passes(case), backward_count(calls)
            if got != expected:
                return (f"it ran {got} backward pass{'es' if got != 1 else ''} where {expected} "
                        f"{'were' if expected != 1 else 'was'} expected: {self.backward_reason}")
        return None

    def problem_with_growth(self, smallest: Calls, largest: Calls, largest_input: str) -> str | None:
        """Whether the calls on the largest input grew from those on the smallest, as a loop over
        the input's elements makes them grow."""
        if not self.no_loops:
            return None
        small, large = sum(smallest.values()), sum(largest.values())
        if large <= 2 * small + LOOP_SLACK:
            return None
        return (f"it made {large} PyTorch calls on {largest_input}, against {small} on the "
                "smallest input: the number grows with the input, which is what a Python loop over "
                "its elements does. The exercise asks for whole-tensor operations, without a loop.")


def backward_count(calls: Calls) -> int:
    """How many backward passes `calls` ran (`backward()` and `torch.autograd.grad`)."""
    return sum(calls.get(name, 0) for name in BACKWARD_CALLS)


def input_size(case: Any) -> int:
    """How big a case is: the number of elements of all its tensors, and its plain numbers."""
    if isinstance(case, torch.Tensor):
        return case.numel()
    if isinstance(case, dict):
        return sum(input_size(value) for value in case.values())
    if isinstance(case, (list, tuple)):
        return sum(input_size(value) for value in case)
    return 0
