"""Comparing a learner's result with the expected one, in words a learner can act on.

Shared by the visible checks in the notebooks and by the instructor's grader, so a learner sees
the same kind of message while working as in their graded feedback.
"""

from __future__ import annotations

import difflib
from typing import Any

import torch

from .functions import describe_function, is_function_spec
from .modules import describe_loader, describe_module, is_loader_spec, is_module_spec

NOT_WRITTEN_YET = "not written yet: replace `raise NotImplementedError()` with your code."


def unknown_name(name: str, known: list[str]) -> str:
    """What to say about an exercise name that does not exist, with the nearest real one."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    close = [known_name for known_name in known if known_name.lower() == name.lower()] or close
    suggestion = f"; did you mean `{close[0]}`?" if close else f". The exercises are: {', '.join(known)}."
    return f"There is no exercise called `{name}`{suggestion}"


def changed_in_place(positions: list[int]) -> str:
    """What to tell a learner whose function changed its inputs at these 0-based positions."""
    numbers = ", ".join(f"#{position + 1}" for position in positions)
    return (f"changed its input {numbers} in place. Work on a copy (`.clone()`) or use "
            "out-of-place operations, so the caller's tensor stays as it was.")


def given_gradients(positions: list[int]) -> str:
    """What to tell a learner whose function turned on gradients for (or left a `.grad` in) the
    caller's tensors at these 0-based positions."""
    numbers = ", ".join(f"#{position + 1}" for position in positions)
    return (f"turned on `requires_grad` for its input {numbers}, or left a gradient in its "
            "`.grad`. Work on a copy: `x = x.detach().clone().requires_grad_()`.")


def describe(value: Any) -> str:
    """A short description of a value: its shape, dtype and device for tensors, else its type."""
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)}, dtype {value.dtype}, on {value.device.type}"
    if is_function_spec(value):
        return describe_function(value)
    if is_module_spec(value):
        return f"the model {describe_module(value)}"
    if is_loader_spec(value):
        return describe_loader(value)
    if value is None:
        return "None"
    if isinstance(value, (list, tuple)) and 0 < len(value) <= 12 and all(
            type(item) in (int, float) for item in value):
        return f"the list {[round(item, 6) for item in value]}"  # short and plain: shown whole
    if isinstance(value, (list, tuple)) and 0 < len(value) <= 8 and all(type(item) is str for item in value):
        return f"the list {list(value)}"
    if isinstance(value, (list, tuple)):
        return f"a tuple or list of {len(value)} values"
    if isinstance(value, dict) and type(value) is not dict:
        return f"an object of type {type(value).__name__}, a subclass of dict"
    if isinstance(value, dict):
        keys = ", ".join(f"`{key}`" for key in value)
        return f"a dict with keys {keys}" if value else "an empty dict"
    if isinstance(value, float):
        return f"the float {value:.6g}"
    if isinstance(value, (bool, int)):
        return f"the {type(value).__name__} {value!r}"
    if isinstance(value, str):
        return f"the string {value[:60]!r}"
    return f"an object of type {type(value).__name__}"


def mismatch(expected: Any, got: Any, rtol: float = 1e-5, atol: float = 1e-6,
             equal_nan: bool = False) -> str | None:
    """Why `got` does not match `expected`, or None when it does.

    Tensors must agree in type, shape, dtype and device, then in every value within
    `atol + rtol * |expected|` (NaN matches NaN only with `equal_nan`). Numbers must agree within
    the same tolerance. Lists (a returned tuple is recorded as a list) and dicts must agree item by
    item, and a dict must have no key beyond the expected ones; the message names the item.
    """
    if isinstance(expected, torch.Tensor):
        return _tensor_mismatch(expected, got, rtol, atol, equal_nan)
    if expected is None:
        return None if got is None else f"expected None, got {describe(got)}"
    if isinstance(expected, bool):
        return None if got is expected else f"expected {expected}, got {got!r}"
    if isinstance(expected, str):
        return None if got == expected else f"expected {expected!r}, got {describe(got)}"
    if isinstance(expected, (list, dict)):
        return _container_mismatch(expected, got, rtol, atol, equal_nan)
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        if isinstance(got, torch.Tensor) and got.numel() == 1:
            return (f"expected a Python number, got a one-element tensor ({describe(got)}): "
                    "call `.item()` on it")
        if not isinstance(got, (int, float)) or isinstance(got, bool):
            return f"expected a Python number like {expected!r}, got {describe(got)}"
        if abs(got - expected) > atol + rtol * abs(expected):
            return f"expected {_number(expected)}, got {_number(got)}"
        return None
    raise TypeError(f"cannot compare with an expected {type(expected).__name__}")


def _number(value: int | float) -> str:
    """An int as it is, a float to six significant digits."""
    return f"{value:.6g}" if isinstance(value, float) else repr(value)


def _container_mismatch(expected: list | dict, got: Any, rtol: float, atol: float,
                        equal_nan: bool) -> str | None:
    if type(got) is not type(expected) or (isinstance(got, list) and len(got) != len(expected)):
        return f"expected {describe(expected)}, got {describe(got)}"
    keys = expected.keys() if isinstance(expected, dict) else range(len(expected))
    for key in keys:
        if isinstance(expected, dict) and key not in got:
            return f"expected a key `{key}`, missing from {describe(got)}"
        problem = mismatch(expected[key], got[key], rtol, atol, equal_nan)
        if problem:
            label = f"`{key}`" if isinstance(expected, dict) else f"item {key} of {len(expected)}"
            return f"{label}: {problem}"
    extra = [key for key in got if key not in expected] if isinstance(expected, dict) else []
    if extra:
        return f"{describe(got)}: `{extra[0]}` was not expected (expected {describe(expected)})"
    return None


def _tensor_mismatch(expected: torch.Tensor, got: Any, rtol: float, atol: float,
                     equal_nan: bool) -> str | None:
    if not isinstance(got, torch.Tensor):
        return f"expected {describe(expected)}, got {describe(got)}"
    for what in ("shape", "dtype"):
        if getattr(got, what) != getattr(expected, what):
            return f"expected {describe(expected)}, got {describe(got)}: the {what} differs"
    if got.device.type != expected.device.type:
        return (f"expected a result on {expected.device.type}, the inputs' device, got one on "
                f"{got.device.type}: create new tensors on the inputs' device")
    got, expected = got.detach().cpu(), expected.detach().cpu()
    if expected.is_floating_point():
        close = torch.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=equal_nan)
    else:
        close = got == expected
    if bool(close.all()):
        return None
    wrong = (~close).nonzero()[0].tolist()
    index = tuple(wrong)
    shown = "" if not index else f" at index {index}"
    count = int((~close).sum())
    return (f"{count} of {expected.numel()} values are wrong; the first{shown}: "
            f"expected {expected[index].item():.6g}, got {got[index].item():.6g}")
