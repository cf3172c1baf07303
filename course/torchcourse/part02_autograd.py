"""Part 2 (Autograd): the visible checks, each with an answer worked out another way.

The answers use closed forms, `torch.func`, full Jacobians or `torch.optim`: ways the exercises
do not ask for, so a check compares your autograd code with something independent of it.
"""

from __future__ import annotations

import torch

from .grading import AUTOGRAD_FUNCTION, DIFFERENTIABLE, FUNCTION_OF_FUNCTION
from .spec import Inputs, VisibleCheck, randn


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
