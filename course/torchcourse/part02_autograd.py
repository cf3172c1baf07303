"""Part 2 (Autograd): the visible checks, their rules, hints and known mistakes.

What a correct answer gives on each check's inputs is not here: it was saved when the course was
released (see `torchcourse.checks`).
"""

from __future__ import annotations

from typing import Any

import torch

from .grading import AUTOGRAD_FUNCTION, DIFFERENTIABLE, FUNCTION_OF_FUNCTION
from .rules import BACKWARD_CALLS, Rules
from .spec import Inputs, KnownMistake, VisibleCheck, randn


def _passes_gradcheck(answer: object) -> str | None:
    """Run torch.autograd.gradcheck on an autograd Function in float64."""
    if not (isinstance(answer, type) and issubclass(answer, torch.autograd.Function)):
        return None  # the harness has already said what is wrong
    generator = torch.Generator().manual_seed(0)
    inputs = tuple(torch.randn(4, generator=generator, dtype=torch.float64).requires_grad_()
                   for _ in range(3))
    try:
        if torch.autograd.gradcheck(answer.apply, inputs, raise_exception=False):
            return None
    except Exception as error:  # the learner's Function may fail in ways gradcheck does not catch
        return f"torch.autograd.gradcheck could not run it ({type(error).__name__}: {error})."
    return ("torch.autograd.gradcheck (float64) found that your backward disagrees with "
            "numerical differences of your forward.")


def _uses_autograd(instead: str, **other_rules: Any) -> Rules:
    """The rule "compute the gradient with autograd, not a derivative typed in by hand", said with
    what the exercise asks `instead`, and any other rules of the exercise."""
    return Rules(required=BACKWARD_CALLS, required_reason="it never calls `backward()` or "
                 f"`torch.autograd.grad`: {instead}", **other_rules)


def _chunk_count(case: list[Any]) -> int:
    """How many chunks of `chunk_size` rows accumulated_gradient's case (w, x, y, chunk_size) has."""
    rows, chunk_size = len(case[1]), case[3]
    return -(-rows // chunk_size)


def _line(g: torch.Generator) -> Inputs:
    x = randn(g, 30)
    return x, 2 * x + 3 + 0.3 * randn(g, 30), 0.1, 25


def _sine(g: torch.Generator) -> Inputs:
    a, b, c = (float(v) for v in torch.rand(3, generator=g) + 0.5)
    return {"family": "scaled_sine", "a": a, "b": b, "c": c}, torch.linspace(-2, 2, 7)


def _norm_sine(g: torch.Generator) -> Inputs:
    spec = {"family": "sine_of_norm", "a": 1.5, "b": 0.8, "c": 0.3}
    return spec, randn(g, 2, 3).double(), 0.02


CHECKS: dict[str, VisibleCheck] = {
    "grad_of_square_exp": VisibleCheck(lambda g: (randn(g, 3, 4),), 1e-5, rules=_uses_autograd(
        "the exercise asks autograd for the gradient, not for a derivative typed in by hand.")),
    "vector_jacobian_product": VisibleCheck(lambda g: (randn(g, 5), randn(g, 5)), 1e-5, rules=_uses_autograd(
        "let autograd compute the product (`y.backward(v)` or `grad_outputs=v`) instead of a formula "
        "worked out by hand.",
        backward_passes=lambda case: 1,
        backward_reason="one backward pass with `v` gives vᵀJ without building the Jacobian, which "
                        "takes a pass per row (`torch.autograd.functional.jacobian`, or a loop).")),
    "accumulated_gradient": VisibleCheck(
        lambda g: (randn(g, 3), randn(g, 10, 3), randn(g, 10), 4), 1e-5, rules=Rules(
            backward_passes=_chunk_count,
            backward_reason="the exercise asks for one `backward` per chunk of `chunk_size` "
                            "consecutive rows (the last chunk may be shorter), never one on the "
                            "whole batch.")),
    "straight_through_round": VisibleCheck(lambda g: (randn(g, 6) * 3, randn(g, 6)), 1e-6,
                                           kind=DIFFERENTIABLE, rules=Rules(no_loops=True),
                                           large=lambda g: (randn(g, 48, 8) * 3, randn(g, 48, 8))),
    "intermediate_grad": VisibleCheck(lambda g: (randn(g, 4, 3) * 0.7, randn(g, 3, 2) * 0.7), 1e-5,
                                      rules=_uses_autograd("ask autograd for the gradient at h "
                                                           "(`retain_grad`, a hook or "
                                                           "`torch.autograd.grad`) instead of typing "
                                                           "in the derivative.")),
    "second_derivative": VisibleCheck(_sine, 1e-4, kind=FUNCTION_OF_FUNCTION, rules=_uses_autograd(
        "differentiate twice with autograd (the first time with `create_graph=True`), not with "
        "finite differences.")),
    "numerical_gradient": VisibleCheck(_norm_sine, 1e-8, kind=FUNCTION_OF_FUNCTION, rules=Rules(
        forbidden={"backward": "`backward()`", "grad": "`torch.autograd.grad`"},
        instead="the estimate comes from values of `f` alone, by central differences, without "
                "autograd.")),
    "MultiplyAdd": VisibleCheck(lambda g: tuple(randn(g, 2, 3) for _ in range(4)),
                                1e-6, kind=AUTOGRAD_FUNCTION, extra=_passes_gradcheck, rules=Rules(
        forbidden={"backward": "autograd (`backward()`)", "grad": "autograd (`torch.autograd.grad`)"},
        instead="write each gradient yourself, from the saved tensors and `grad_output`.")),
    "gradient_descent_step": VisibleCheck(
        lambda g: (randn(g, 2), randn(g), randn(g, 8, 2), randn(g, 8), 0.1), 1e-5,
        rules=_uses_autograd("the exercise asks autograd for the gradients, on tracked copies of "
                             "`w` and `b`.")),
    "fit_linear_regression": VisibleCheck(_line, 1e-4, rules=Rules(
        backward_passes=lambda case: case[3],
        backward_reason="each of the `steps` updates uses gradients from its own backward pass.")),
}


# Hints a learner asks for with `hint(name, level)`, from a nudge (1) to the most specific (3).
# None of them holds a line of the solution: tests/test_hints.py checks that.
HINTS: dict[str, list[str]] = {
    "grad_of_square_exp": [
        "Look back at Section 2 (backward() and .grad): build f from a tensor that requires grad, call "
        "backward() on the scalar result, then read .grad.",
        "Work on a tracked copy (detach, clone, then requires_grad_()), never on x itself: switching on "
        "requires_grad of the caller's tensor leaves a .grad in it, and the hidden tests check that. Let "
        "autograd differentiate; a derivative typed by hand easily misses the product rule.",
        "Test your function at points you can work out on paper: at x = 0 the gradient is 0, and at "
        "x = 1 it is 3e, about 8.155 (2e, about 5.437, means the product rule was missed). If the check "
        "says the input changed or gained a .grad, look at which tensor you switched tracking on for: "
        "the caller's x, or your own copy?",
    ],
    "vector_jacobian_product": [
        "Look back at Section 3 (Non-scalar outputs: the vector-Jacobian product): backward on a "
        "non-scalar tensor needs a vector shaped like that tensor.",
        "Compute y from a tracked copy of x and hand v to backward (or pass grad_outputs=v to "
        "torch.autograd.grad). Known mistakes: y.sum().backward() uses a vector of ones instead of v, and "
        "detaching the sum of squares keeps only the diagonal of the Jacobian.",
        "Test it where the answer can be worked out on paper: x = [1.0, 0.0] and v = [1.0, 1.0] give "
        "about [2.223, 1.000]. If you get [0.540, 1.000], the sum of squares was cut out of the graph. If "
        "the check counts more than one backward pass, v is not going into a single backward: the "
        "Jacobian is being built row by row.",
    ],
    "accumulated_gradient": [
        "Look back at Section 4 (Gradients accumulate): every backward() call on the same leaf adds into "
        "its .grad instead of replacing it.",
        "Loop over chunk starts in steps of chunk_size, compute each chunk's loss on one tracked copy of "
        "w, and call backward() once per chunk without resetting .grad. The known mistakes are a chunk's "
        "own .mean() (too big with several chunks), a reset inside the loop (only the last chunk "
        "survives), and averaging the chunk means (wrong when the last chunk is short).",
        "Write L on paper as a sum with one term per chunk, each term holding that chunk's squared "
        "errors: which factor in front of each term makes them add up to the mean over all N rows? Test "
        "with N = 10 rows in chunks of 4, 4 and 2, against the gradient of the full-batch mean computed "
        "once outside your function; they must agree for every chunk_size.",
    ],
    "straight_through_round": [
        "Look back at Section 5 (Turning gradient tracking off): detach() gives a value that autograd "
        "treats as a constant.",
        "One expression must show two faces: its value must be round(x), while autograd must see only "
        "x, whose derivative is 1. A detached term adds its value but no gradient. Known mistakes: plain "
        "torch.round has a zero gradient everywhere, and detaching the whole result cuts x off so no "
        "gradient reaches it.",
        "Start from x itself, which already has the gradient you want, and ask what must be added to it "
        "to turn its value into round(x); then make sure autograd cannot see that addition. Work on the "
        "whole tensor at once: a loop over the elements is ruled out.",
    ],
    "intermediate_grad": [
        "Look back at Section 6 (Gradients of intermediate tensors): retain_grad(), a hook, or "
        "torch.autograd.grad give you the gradient of a non-leaf tensor.",
        "Use a tracked copy of w so that h = x @ w is recorded, ask to keep h's gradient (retain_grad "
        "before backward, say), then build the loss from tanh(h) and back-propagate. Known mistakes: the "
        "gradient with respect to tanh(h) instead of h (one chain-rule link short), and returning the "
        "leaf's .grad instead of h's.",
        "Shapes: x (N, D) times w (D, K) gives h (N, K), the loss is 0-d, and the gradient at h has h's "
        "shape. To test, compare with 2 tanh(h) (1 - tanh(h)^2) worked out by hand, but let autograd "
        "produce the answer, as the rules ask. If h's .grad is None after backward, autograd dropped it, "
        "as it does for every non-leaf unless told otherwise.",
    ],
    "second_derivative": [
        "Look back at Section 7 (Higher derivatives): a first derivative can be differentiated again if "
        "autograd recorded how it was computed.",
        "Call torch.autograd.grad twice on a tracked copy of x: first on the sum of f at the copy, then "
        "on the sum of that first derivative. Known mistakes: leaving out create_graph=True in the first "
        "call, so there is no graph to differentiate, and stopping after the first derivative.",
        "Test it with f = torch.sin, whose second derivative is -sin(x), and with f(t) = t**3, whose "
        "second derivative is 6x. If the second differentiation complains that a tensor does not "
        "require grad, the first derivative came out as a constant: look at the options of the first "
        "call. torch.autograd.grad returns a tuple, even for a single input.",
    ],
    "numerical_gradient": [
        "Look back at Section 9 (Checking gradients numerically): a central difference moves one element "
        "up and down by eps.",
        "Loop over the elements of x; for each, build a step that is eps at that element and 0 elsewhere, "
        "and evaluate f at x + step and at x - step, new tensors that leave x alone. Known mistakes: a "
        "one-sided difference (error about eps), dividing by eps instead of 2 * eps, and returning "
        "autograd's exact gradient instead of the estimate.",
        "A flat version of a tensor (reshape(-1)) lets one index i reach every element, whatever the "
        "shape; give f inputs of x's own shape. Test with f(t) = (t**2).sum(), whose gradient is 2x: "
        "central differences get it right up to rounding, a one-sided difference is off by eps, and 4x "
        "means the division was by eps instead of 2 eps.",
    ],
    "MultiplyAdd": [
        "Look back at Section 10 (Your own torch.autograd.Function): forward saves tensors on ctx, and "
        "backward turns the incoming gradient into one gradient per input.",
        "In forward, save w and x with ctx.save_for_backward and return the elementwise w x + b; in "
        "backward, read them back from ctx.saved_tensors and multiply each local derivative by "
        "grad_output. Known mistakes: ignoring grad_output (no chain rule) and swapping the gradients of "
        "w and x.",
        "Work the local derivatives out on paper for plain numbers first: how much does y = w x + b move "
        "when w moves a little, when x does, and when b does? Save only what those need. Then test your "
        "Function with torch.autograd.gradcheck on float64 inputs, as in the Exp demo, and check the "
        "order of the three gradients you return.",
    ],
    "gradient_descent_step": [
        "Look back at Section 11 (Linear regression three ways), part (b): autograd gives the gradients, "
        "and the update is done with recording switched off.",
        "Make tracked copies of w and b, compute the mean squared error of x @ w + b against y, call "
        "backward(), then compute the new values under torch.no_grad(). Known mistakes: a plus sign in "
        "the update (climbing the loss), and switching on requires_grad of the caller's w and b.",
        "Shapes: x (N, D) @ w (D,) gives (N,), plus the 0-d b gives the (N,) predictions; the loss is "
        "0-d; the gradients are shaped like w (D,) and b (0-d). Return each copy minus lr times its "
        "gradient, computed out of place so the results do not require grad.",
    ],
    "fit_linear_regression": [
        "Look back at Section 11, part (b): the step of gradient_descent_step, repeated steps times on "
        "the same two parameters.",
        "Create w and b as 0-d zeros on x.device with requires_grad=True, then loop: loss, backward(), "
        "in-place update under torch.no_grad(), reset the gradients. Known mistakes: never zeroing the "
        "gradients (they pile up from step to step), updating outside torch.no_grad() (autograd "
        "refuses), and making the parameters on the CPU when the data is on a GPU.",
        "Test on a line without noise: x = torch.linspace(-2, 2, 50) and y = 2x + 3, with lr = 0.2 and "
        "300 steps, should give w close to 2 and b close to 3, and 0 steps should give (0, 0). If the "
        "loss grows from step to step, gradients are piling up; if .grad is None after the first step, "
        "the update made a new tensor instead of changing the parameter in place.",
    ],
}


_NOT_ON_CALLERS_TENSOR = ("`requires_grad_()` on a tensor you were given switches on gradients for "
                          "the caller's own tensor and leaves a `.grad` in it: differentiate a copy, "
                          "`x.detach().clone().requires_grad_()`.")

# The mistakes learners make most often, in the order of autograder/variants/part02_autograd.py.
KNOWN_MISTAKES: dict[str, list[KnownMistake]] = {
    "grad_of_square_exp": [
        KnownMistake(_NOT_ON_CALLERS_TENSOR, changes_input=True),
        KnownMistake("These are the values of 2x·eˣ: the product rule also needs the term x²·eˣ.")],
    "vector_jacobian_product": [
        KnownMistake("These are the values for v = ones (`y.sum().backward()`): pass `v` to "
                     "`y.backward(v)`."),
        KnownMistake("Only the diagonal of the Jacobian is there: y[i] depends on every x[j] "
                     "through the sum of squares, so that sum must stay in the graph.")],
    "accumulated_gradient": [
        KnownMistake("Each chunk's own `.mean()` was back-propagated, so the chunks add up to too "
                     "much: scale each chunk's loss so that the chunks sum to the full-batch mean."),
        KnownMistake("Only the last chunk's gradient is left: the gradient was reset inside the "
                     "loop. Let the chunks accumulate."),
        KnownMistake("This is the mean of the chunk means, which weighs the rows of a short last "
                     "chunk too heavily: weigh every row the same.")],
    "straight_through_round": [
        KnownMistake("Plain `torch.round` passes a zero gradient back to x: the rounding must be "
                     "invisible to autograd (detached) while x itself stays in the graph."),
        KnownMistake("Everything was detached, so no gradient reaches x: detach only the rounding "
                     "correction, not x itself.", raised="it is not connected to the input")],
    "intermediate_grad": [
        KnownMistake("These are the gradients with respect to tanh(h): the chain rule also "
                     "multiplies by tanh′(h) = 1 − tanh²(h). Ask autograd for the gradient at h."),
        KnownMistake("This is the gradient of the weights `w`, not of the intermediate `h`: keep "
                     "h's with `h.retain_grad()` or a hook, or use `torch.autograd.grad(loss, h)`.")],
    "second_derivative": [
        KnownMistake("The first derivative was computed without `create_graph=True`, so it cannot "
                     "be differentiated again.", raised="does not require grad and does not have a grad_fn"),
        KnownMistake("These are the first derivatives f′(x): differentiate once more.")],
    "numerical_gradient": [
        KnownMistake("This is the one-sided difference (f(x + ε) − f(x)) / ε, whose error is of "
                     "order ε: use f(x + ε) − f(x − ε), divided by 2ε."),
        KnownMistake("This is the central difference divided by ε instead of 2ε: twice too large."),
        KnownMistake("This is the exact gradient from autograd; the exercise asks for the "
                     "central-difference estimate, which differs from it by about ε².")],
    "MultiplyAdd": [
        KnownMistake("`backward` ignores `grad_output`: the chain rule multiplies each local "
                     "derivative by the incoming gradient."),
        KnownMistake("The gradients for `w` and `x` are swapped: ∂y/∂w is x, and ∂y/∂x is w.")],
    "gradient_descent_step": [
        KnownMistake("These parameters moved up the gradient: a descent step subtracts `lr * grad`."),
        KnownMistake(_NOT_ON_CALLERS_TENSOR, changes_input=True)],
    "fit_linear_regression": [
        KnownMistake("These are the parameters you get when the gradients are never reset: `.grad` "
                     "adds up from step to step. Zero it after every update."),
        KnownMistake("Autograd refuses to change a parameter in place while it is recording: do "
                     "the update under `with torch.no_grad():`.",
                     raised="a leaf Variable that requires grad is being used in an in-place operation")],
}
