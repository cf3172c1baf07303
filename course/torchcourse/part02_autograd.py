"""Part 2 (Autograd): the visible checks, their rules, hints and known mistakes.

What a correct answer gives on each check's inputs is not here: it was saved when the course was
released (see `torchcourse.checks`).
"""

from __future__ import annotations

import torch

from .grading import AUTOGRAD_FUNCTION, DIFFERENTIABLE, FUNCTION_OF_FUNCTION
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
    "grad_of_square_exp": VisibleCheck(lambda g: (randn(g, 3, 4),), 1e-5),
    "vector_jacobian_product": VisibleCheck(lambda g: (randn(g, 5), randn(g, 5)), 1e-5),
    "accumulated_gradient": VisibleCheck(lambda g: (randn(g, 3), randn(g, 10, 3), randn(g, 10), 4), 1e-5),
    "straight_through_round": VisibleCheck(lambda g: (randn(g, 6) * 3, randn(g, 6)), 1e-6,
                                           kind=DIFFERENTIABLE),
    "intermediate_grad": VisibleCheck(lambda g: (randn(g, 4, 3) * 0.7, randn(g, 3, 2) * 0.7), 1e-5),
    "second_derivative": VisibleCheck(_sine, 1e-4, kind=FUNCTION_OF_FUNCTION),
    "numerical_gradient": VisibleCheck(_norm_sine, 1e-8,
                                       kind=FUNCTION_OF_FUNCTION),
    "MultiplyAdd": VisibleCheck(lambda g: tuple(randn(g, 2, 3) for _ in range(4)),
                                1e-6, kind=AUTOGRAD_FUNCTION, extra=_passes_gradcheck),
    "gradient_descent_step": VisibleCheck(lambda g: (randn(g, 2), randn(g), randn(g, 8, 2), randn(g, 8), 0.1), 1e-5),
    "fit_linear_regression": VisibleCheck(_line, 1e-4),
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
        "The copy has the shape of x, and so does its square times its exponential; summing that gives "
        "the 0-d f on which you call backward(). Return the copy's .grad, shape of x, which should equal "
        "(x^2 + 2x) * e^x.",
    ],
    "vector_jacobian_product": [
        "Look back at Section 3 (Non-scalar outputs: the vector-Jacobian product): backward on a "
        "non-scalar tensor needs a vector shaped like that tensor.",
        "Compute y from a tracked copy of x and hand v to backward (or pass grad_outputs=v to "
        "torch.autograd.grad). Known mistakes: y.sum().backward() uses a vector of ones instead of v, and "
        "detaching the sum of squares keeps only the diagonal of the Jacobian.",
        "Shapes: x and v are (n,); the sum of squares of the copy is 0-d and must stay in the graph; y, "
        "the sine of the copy times that sum, is (n,). Back-propagating v through y fills the copy's "
        ".grad with v^T J, shape (n,).",
    ],
    "accumulated_gradient": [
        "Look back at Section 4 (Gradients accumulate): every backward() call on the same leaf adds into "
        "its .grad instead of replacing it.",
        "Loop over chunk starts in steps of chunk_size, compute each chunk's loss on one tracked copy of "
        "w, and call backward() once per chunk without resetting .grad. The known mistakes are a chunk's "
        "own .mean() (too big with several chunks), a reset inside the loop (only the last chunk "
        "survives), and averaging the chunk means (wrong when the last chunk is short).",
        "Write L as a sum with one term per chunk: the chunk's SUM of squared errors divided by N, the "
        "size of the whole batch, not by the chunk's size. A chunk of c rows gives (c, D) @ (D,) -> (c,) "
        "errors and a 0-d term; after the last chunk, the copy's .grad, shape (D,), is the answer.",
    ],
    "straight_through_round": [
        "Look back at Section 5 (Turning gradient tracking off): detach() gives a value that autograd "
        "treats as a constant.",
        "Return x plus a correction whose value is round(x) - x but which autograd does not see, because "
        "it is detached. Known mistakes: plain torch.round has a zero gradient everywhere, and detaching "
        "the whole result cuts x off so no gradient reaches it.",
        "Value: x + (round(x) - x) = round(x). Gradient: the detached correction is a constant, so the "
        "result's derivative with respect to x is 1 and x.grad equals the upstream gradient. Detach only "
        "the correction, never the x it is added to.",
    ],
    "intermediate_grad": [
        "Look back at Section 6 (Gradients of intermediate tensors): retain_grad(), a hook, or "
        "torch.autograd.grad give you the gradient of a non-leaf tensor.",
        "Use a tracked copy of w so that h = x @ w is recorded, ask to keep h's gradient (retain_grad "
        "before backward, say), then build the loss from tanh(h) and back-propagate. Known mistakes: the "
        "gradient with respect to tanh(h) instead of h (one chain-rule link short), and returning the "
        "leaf's .grad instead of h's.",
        "Shapes: x (N, D) @ the copy of w (D, K) gives h (N, K); tanh(h) squared and summed is the 0-d "
        "loss. Return h's gradient, (N, K), which by hand equals 2 tanh(h) (1 - tanh(h)^2).",
    ],
    "second_derivative": [
        "Look back at Section 7 (Higher derivatives): a first derivative can be differentiated again if "
        "autograd recorded how it was computed.",
        "Call torch.autograd.grad twice on a tracked copy of x: first on the sum of f at the copy, then "
        "on the sum of that first derivative. Known mistakes: leaving out create_graph=True in the first "
        "call, so there is no graph to differentiate, and stopping after the first derivative.",
        "Because f is elementwise, differentiating the sum of its outputs gives f' at every element at "
        "once, shape (n,); differentiating the sum of f' gives f'', shape (n,). torch.autograd.grad "
        "returns a tuple, so unpack its one element each time.",
    ],
    "numerical_gradient": [
        "Look back at Section 9 (Checking gradients numerically): a central difference moves one element "
        "up and down by eps.",
        "Loop over the elements of x; for each, build a step that is eps at that element and 0 elsewhere, "
        "and evaluate f at x + step and at x - step, new tensors that leave x alone. Known mistakes: a "
        "one-sided difference (error about eps), dividing by eps instead of 2 * eps, and returning "
        "autograd's exact gradient instead of the estimate.",
        "Work on flat views: x reshaped to one dimension, and a float64 zero result shaped like x viewed "
        "flat to write into. For element i, g_i = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps), each "
        "shifted input reshaped back to x's shape before calling f, which returns a 0-d tensor.",
    ],
    "MultiplyAdd": [
        "Look back at Section 10 (Your own torch.autograd.Function): forward saves tensors on ctx, and "
        "backward turns the incoming gradient into one gradient per input.",
        "In forward, save w and x with ctx.save_for_backward and return the elementwise w x + b; in "
        "backward, read them back from ctx.saved_tensors and multiply each local derivative by "
        "grad_output. Known mistakes: ignoring grad_output (no chain rule) and swapping the gradients of "
        "w and x.",
        "For y = w x + b: dL/dw is grad_output times x, dL/dx is grad_output times w, and dL/db is "
        "grad_output itself, each shaped like its input. Return the three in the order w, x, b; b is "
        "not needed in backward, so it need not be saved.",
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
        "Each step: the predictions w x + b are (N,), the loss is their 0-d mean squared error, and both "
        "gradients are 0-d. Subtract lr times each gradient in place with -=, then set each gradient back "
        "to zero with its in-place zero_() method; after the loop, return both parameters detached.",
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
