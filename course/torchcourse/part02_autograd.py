"""Part 2 (Autograd): the visible checks, each with an answer worked out another way.

The answers use closed forms, `torch.func`, full Jacobians or `torch.optim`: ways the exercises
do not ask for, so a check compares your autograd code with something independent of it.
"""

from __future__ import annotations

import torch

from .grading import AUTOGRAD_FUNCTION, DIFFERENTIABLE, FUNCTION_OF_FUNCTION
from .spec import Inputs, KnownMistake, VisibleCheck, randn


def _square_exp_by_formula(x: torch.Tensor) -> torch.Tensor:
    return (x**2 + 2 * x) * torch.exp(x)


def _vjp_by_jacobian(x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    jacobian = torch.autograd.functional.jacobian(lambda t: torch.sin(t) * (t**2).sum(), x)
    return v @ jacobian


def _full_batch_gradient(w: torch.Tensor, x: torch.Tensor, y: torch.Tensor, chunk_size: int) -> torch.Tensor:
    w = w.detach().clone().requires_grad_()
    ((x @ w - y) ** 2).mean().backward()
    return w.grad


def _intermediate_by_formula(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    t = torch.tanh(x @ w)
    return 2 * t * (1 - t**2)


def _second_derivative_by_func(f, x: torch.Tensor) -> torch.Tensor:
    return torch.func.vmap(torch.func.grad(torch.func.grad(f)))(x)


def _central_differences_loop(f, x: torch.Tensor, eps: float) -> torch.Tensor:
    estimate = torch.empty_like(x)
    for index in torch.cartesian_prod(*[torch.arange(size) for size in x.shape]).reshape(x.numel(), -1):
        where = tuple(index.tolist())
        up, down = x.clone(), x.clone()
        up[where] += eps
        down[where] -= eps
        estimate[where] = (f(up) - f(down)) / (2 * eps)
    return estimate


class _MultiplyAddByFunc(torch.autograd.Function):
    @staticmethod
    def forward(ctx, w: torch.Tensor, x: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(w, x, b)
        return w * x + b

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor):
        _, pullback = torch.func.vjp(lambda w, x, b: w * x + b, *ctx.saved_tensors)
        return pullback(grad_output)


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


def _sgd_step(w: torch.Tensor, b: torch.Tensor, x: torch.Tensor, y: torch.Tensor,
              lr: float) -> tuple[torch.Tensor, torch.Tensor]:
    w, b = w.detach().clone().requires_grad_(), b.detach().clone().requires_grad_()
    optimizer = torch.optim.SGD([w, b], lr=lr)
    torch.nn.functional.mse_loss(x @ w + b, y).backward()
    optimizer.step()
    return w.detach(), b.detach()


def _fit_with_optimizer(x: torch.Tensor, y: torch.Tensor, lr: float,
                        steps: int) -> tuple[torch.Tensor, torch.Tensor]:
    w, b = (torch.zeros((), device=x.device, requires_grad=True) for _ in range(2))
    optimizer, loss_function = torch.optim.SGD([w, b], lr=lr), torch.nn.MSELoss()
    for _ in range(steps):
        optimizer.zero_grad()
        loss_function(w * x + b, y).backward()
        optimizer.step()
    return w.detach(), b.detach()


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
    "grad_of_square_exp": VisibleCheck(lambda g: (randn(g, 3, 4),), _square_exp_by_formula, 1e-5),
    "vector_jacobian_product": VisibleCheck(lambda g: (randn(g, 5), randn(g, 5)), _vjp_by_jacobian, 1e-5),
    "accumulated_gradient": VisibleCheck(lambda g: (randn(g, 3), randn(g, 10, 3), randn(g, 10), 4),
                                         _full_batch_gradient, 1e-5),
    "straight_through_round": VisibleCheck(lambda g: (randn(g, 6) * 3, randn(g, 6)),
                                           lambda x: torch.round(x.detach()) + x - x.detach(), 1e-6,
                                           kind=DIFFERENTIABLE),
    "intermediate_grad": VisibleCheck(lambda g: (randn(g, 4, 3) * 0.7, randn(g, 3, 2) * 0.7),
                                      _intermediate_by_formula, 1e-5),
    "second_derivative": VisibleCheck(_sine, _second_derivative_by_func, 1e-4, kind=FUNCTION_OF_FUNCTION),
    "numerical_gradient": VisibleCheck(_norm_sine, _central_differences_loop, 1e-8,
                                       kind=FUNCTION_OF_FUNCTION),
    "MultiplyAdd": VisibleCheck(lambda g: tuple(randn(g, 2, 3) for _ in range(4)), _MultiplyAddByFunc,
                                1e-6, kind=AUTOGRAD_FUNCTION, extra=_passes_gradcheck),
    "gradient_descent_step": VisibleCheck(lambda g: (randn(g, 2), randn(g), randn(g, 8, 2), randn(g, 8), 0.1),
                                          _sgd_step, 1e-5),
    "fit_linear_regression": VisibleCheck(_line, _fit_with_optimizer, 1e-4),
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


def _by_autograd(function, *inputs: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Gradients of the scalar function(*inputs) with respect to copies of the inputs."""
    leaves = [x.detach().clone().requires_grad_() for x in inputs]
    return torch.autograd.grad(function(*leaves), leaves)


def _chunk_losses(w: torch.Tensor, x: torch.Tensor, y: torch.Tensor, chunk_size: int) -> list[torch.Tensor]:
    """Each chunk's squared errors, as a tensor per chunk."""
    return [(x_part @ w - y_part) ** 2 for x_part, y_part in zip(x.split(chunk_size), y.split(chunk_size))]


def _one_sided(f, x: torch.Tensor, eps: float) -> torch.Tensor:
    steps = eps * torch.eye(x.numel(), dtype=x.dtype, device=x.device)
    return torch.stack([(f(x + step.view_as(x)) - f(x)) / eps for step in steps]).view_as(x)


class _MultiplyAddIgnoringUpstream(torch.autograd.Function):
    @staticmethod
    def forward(ctx, w: torch.Tensor, x: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(w, x)
        return w * x + b

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor):
        w, x = ctx.saved_tensors
        return x, w, torch.ones_like(grad_output)


class _MultiplyAddSwapped(_MultiplyAddIgnoringUpstream):
    @staticmethod
    def backward(ctx, grad_output: torch.Tensor):
        w, x = ctx.saved_tensors
        return grad_output * w, grad_output * x, grad_output


def _fit_without_zeroing(x: torch.Tensor, y: torch.Tensor, lr: float,
                         steps: int) -> tuple[torch.Tensor, torch.Tensor]:
    w, b = (torch.zeros((), device=x.device) for _ in range(2))
    total_w, total_b = torch.zeros_like(w), torch.zeros_like(b)
    for _ in range(steps):
        grad_w, grad_b = _by_autograd(lambda p, q: ((p * x + q - y) ** 2).mean(), w, b)
        total_w, total_b = total_w + grad_w, total_b + grad_b
        w, b = w - lr * total_w, b - lr * total_b
    return w, b


_NOT_ON_CALLERS_TENSOR = ("`requires_grad_()` on a tensor you were given switches on gradients for "
                          "the caller's own tensor and leaves a `.grad` in it: differentiate a copy, "
                          "`x.detach().clone().requires_grad_()`.")

# The mistakes learners make most often, in the order of autograder/variants/part02_autograd.py.
KNOWN_MISTAKES: dict[str, list[KnownMistake]] = {
    "grad_of_square_exp": [
        KnownMistake(_NOT_ON_CALLERS_TENSOR, changes_input=True),
        KnownMistake("These are the values of 2x·eˣ: the product rule also needs the term x²·eˣ.",
                     answer=lambda x: 2 * x * torch.exp(x))],
    "vector_jacobian_product": [
        KnownMistake("These are the values for v = ones (`y.sum().backward()`): pass `v` to "
                     "`y.backward(v)`.",
                     answer=lambda x, v: _by_autograd(lambda t: (torch.sin(t) * (t**2).sum()).sum(), x)[0]),
        KnownMistake("Only the diagonal of the Jacobian is there: y[i] depends on every x[j] "
                     "through the sum of squares, so that sum must stay in the graph.",
                     answer=lambda x, v: v * torch.cos(x) * (x**2).sum())],
    "accumulated_gradient": [
        KnownMistake("Each chunk's own `.mean()` was back-propagated, so the chunks add up to too "
                     "much: scale each chunk's loss so that the chunks sum to the full-batch mean.",
                     answer=lambda w, x, y, c: _by_autograd(
                         lambda t: sum(loss.mean() for loss in _chunk_losses(t, x, y, c)), w)[0]),
        KnownMistake("Only the last chunk's gradient is left: the gradient was reset inside the "
                     "loop. Let the chunks accumulate.",
                     answer=lambda w, x, y, c: _by_autograd(
                         lambda t: _chunk_losses(t, x, y, c)[-1].sum() / len(x), w)[0]),
        KnownMistake("This is the mean of the chunk means, which weighs the rows of a short last "
                     "chunk too heavily: weigh every row the same.",
                     answer=lambda w, x, y, c: _by_autograd(
                         lambda t: torch.stack([loss.mean() for loss in _chunk_losses(t, x, y, c)]).mean(), w)[0])],
    "straight_through_round": [
        KnownMistake("Plain `torch.round` passes a zero gradient back to x: the rounding must be "
                     "invisible to autograd (detached) while x itself stays in the graph.",
                     answer=torch.round),
        KnownMistake("Everything was detached, so no gradient reaches x: detach only the rounding "
                     "correction, not x itself.", raised="it is not connected to the input")],
    "intermediate_grad": [
        KnownMistake("These are the gradients with respect to tanh(h): the chain rule also "
                     "multiplies by tanh′(h) = 1 − tanh²(h). Ask autograd for the gradient at h.",
                     answer=lambda x, w: 2 * torch.tanh(x @ w)),
        KnownMistake("This is the gradient of the weights `w`, not of the intermediate `h`: keep "
                     "h's with `h.retain_grad()` or a hook, or use `torch.autograd.grad(loss, h)`.",
                     answer=lambda x, w: _by_autograd(lambda t: (torch.tanh(x @ t) ** 2).sum(), w)[0])],
    "second_derivative": [
        KnownMistake("The first derivative was computed without `create_graph=True`, so it cannot "
                     "be differentiated again.", raised="does not require grad and does not have a grad_fn"),
        KnownMistake("These are the first derivatives f′(x): differentiate once more.",
                     answer=lambda f, x: _by_autograd(lambda t: f(t).sum(), x)[0])],
    "numerical_gradient": [
        KnownMistake("This is the one-sided difference (f(x + ε) − f(x)) / ε, whose error is of "
                     "order ε: use f(x + ε) − f(x − ε), divided by 2ε.", answer=_one_sided),
        KnownMistake("This is the central difference divided by ε instead of 2ε: twice too large.",
                     answer=lambda f, x, eps: 2 * _central_differences_loop(f, x, eps)),
        KnownMistake("This is the exact gradient from autograd; the exercise asks for the "
                     "central-difference estimate, which differs from it by about ε².",
                     answer=lambda f, x, eps: _by_autograd(f, x)[0])],
    "MultiplyAdd": [
        KnownMistake("`backward` ignores `grad_output`: the chain rule multiplies each local "
                     "derivative by the incoming gradient.", answer=_MultiplyAddIgnoringUpstream),
        KnownMistake("The gradients for `w` and `x` are swapped: ∂y/∂w is x, and ∂y/∂x is w.",
                     answer=_MultiplyAddSwapped)],
    "gradient_descent_step": [
        KnownMistake("These parameters moved up the gradient: a descent step subtracts `lr * grad`.",
                     answer=lambda w, b, x, y, lr: tuple(
                         p + lr * g for p, g in zip((w, b), _by_autograd(
                             lambda p, q: ((x @ p + q - y) ** 2).mean(), w, b)))),
        KnownMistake(_NOT_ON_CALLERS_TENSOR, changes_input=True)],
    "fit_linear_regression": [
        KnownMistake("These are the parameters you get when the gradients are never reset: `.grad` "
                     "adds up from step to step. Zero it after every update.",
                     answer=_fit_without_zeroing),
        KnownMistake("Autograd refuses to change a parameter in place while it is recording: do "
                     "the update under `with torch.no_grad():`.",
                     raised="a leaf Variable that requires grad is being used in an in-place operation")],
}
