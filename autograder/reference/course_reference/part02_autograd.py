"""Reference answers and hidden test inputs for Part 2 (Autograd).

Where an exercise's rules ask for autograd (or for one backward pass per chunk, per step), the
reference keeps those rules too, and runs them in float64, so its float32 result is the exact
one rounded once; tests/test_reference_part02_autograd.py checks each against the closed form
worked out by hand. Inputs stay where float32 keeps about six significant digits (no saturation,
no overflow); the numerical-gradient exercise works in float64 with steps large enough that its
O(eps²) error is far above rounding, so an exact gradient or a one-sided difference cannot pass
for central differences.
"""

from __future__ import annotations

import torch
from torchcourse.functions import ELEMENTWISE, SCALAR, FunctionSpec
from torchcourse.grading import AUTOGRAD_FUNCTION, DIFFERENTIABLE, FUNCTION_OF_FUNCTION

from .exercise import Case, Exercise
from .part01_tensors import _randint, _randn


def _uniform(generator: torch.Generator, low: float, high: float, *shape: int,
             dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return low + (high - low) * torch.rand(shape, generator=generator, dtype=dtype)


def _shape(generator: torch.Generator, max_dims: int = 3, max_size: int = 5) -> list[int]:
    return [_randint(generator, 1, max_size) for _ in range(_randint(generator, 1, max_dims))]


# --- reference answers -------------------------------------------------------------------

def _wide_leaf(tensor: torch.Tensor) -> torch.Tensor:
    """A float64 copy of `tensor` that autograd tracks, apart from the caller's tensor."""
    return tensor.detach().double().requires_grad_()


def grad_of_square_exp(x: torch.Tensor) -> torch.Tensor:
    wide = _wide_leaf(x)
    (gradient,) = torch.autograd.grad((wide**2 * wide.exp()).sum(), wide)
    return gradient.to(x.dtype)


def vector_jacobian_product(x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    wide = _wide_leaf(x)
    y = wide.sin() * (wide**2).sum()
    (product,) = torch.autograd.grad(y, wide, grad_outputs=v.double())
    return product.to(x.dtype)


def accumulated_gradient(w: torch.Tensor, x: torch.Tensor, y: torch.Tensor,
                         chunk_size: int) -> torch.Tensor:
    wide = _wide_leaf(w)
    for x_part, y_part in zip(x.double().split(chunk_size), y.double().split(chunk_size)):
        (((x_part @ wide - y_part) ** 2).sum() / len(x)).backward()
    return wide.grad.to(w.dtype)


class _RoundWithIdentityGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        return torch.round(x)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> torch.Tensor:
        return grad_output


def straight_through_round(x: torch.Tensor) -> torch.Tensor:
    return _RoundWithIdentityGradient.apply(x)


def intermediate_grad(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    h = (x.double() @ w.double()).requires_grad_()  # a leaf here: what arrives at it is the answer
    (gradient,) = torch.autograd.grad((torch.tanh(h) ** 2).sum(), h)
    return gradient.to(x.dtype)


def second_derivative(f, x: torch.Tensor) -> torch.Tensor:
    wide = _wide_leaf(x)
    (first,) = torch.autograd.grad(f(wide).sum(), wide, create_graph=True)
    (second,) = torch.autograd.grad(first.sum(), wide)
    return second.to(x.dtype)


def numerical_gradient(f, x: torch.Tensor, eps: float) -> torch.Tensor:
    steps = eps * torch.eye(x.numel(), dtype=x.dtype, device=x.device)
    flat = x.reshape(-1)
    differences = [f((flat + step).view_as(x)) - f((flat - step).view_as(x)) for step in steps]
    return (torch.stack(differences) / (2 * eps)).view_as(x)


class MultiplyAdd(torch.autograd.Function):
    @staticmethod
    def forward(ctx, w: torch.Tensor, x: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(w, x)
        return torch.addcmul(b, w, x)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor):
        w, x = ctx.saved_tensors
        return x * grad_output, w * grad_output, grad_output.clone()


def gradient_descent_step(w: torch.Tensor, b: torch.Tensor, x: torch.Tensor, y: torch.Tensor,
                          lr: float) -> tuple[torch.Tensor, torch.Tensor]:
    wide_w, wide_b = _wide_leaf(w), _wide_leaf(b)
    loss = ((x.double() @ wide_w + wide_b - y.double()) ** 2).mean()
    grad_w, grad_b = torch.autograd.grad(loss, (wide_w, wide_b))
    return (wide_w - lr * grad_w).detach().to(w.dtype), (wide_b - lr * grad_b).detach().to(b.dtype)


def fit_linear_regression(x: torch.Tensor, y: torch.Tensor, lr: float,
                          steps: int) -> tuple[torch.Tensor, torch.Tensor]:
    wide_x, wide_y = x.double(), y.double()
    w, b = (torch.zeros((), dtype=torch.float64, device=x.device, requires_grad=True) for _ in range(2))
    for _ in range(steps):
        grad_w, grad_b = torch.autograd.grad(((w * wide_x + b - wide_y) ** 2).mean(), (w, b))
        with torch.no_grad():
            w -= lr * grad_w
            b -= lr * grad_b
    return w.detach().to(x.dtype), b.detach().to(x.dtype)


# --- the known mistakes, in the order of torchcourse.part02_autograd.KNOWN_MISTAKES ---
# (None: recognised by what it raised or changed)

def _by_autograd(function, *inputs: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Gradients of the scalar function(*inputs) with respect to copies of the inputs."""
    leaves = [x.detach().clone().requires_grad_() for x in inputs]
    return torch.autograd.grad(function(*leaves), leaves)


def _fit_without_zeroing(x: torch.Tensor, y: torch.Tensor, lr: float,
                         steps: int) -> tuple[torch.Tensor, torch.Tensor]:
    w, b = (torch.zeros((), device=x.device) for _ in range(2))
    total_w, total_b = torch.zeros_like(w), torch.zeros_like(b)
    for _ in range(steps):
        grad_w, grad_b = _by_autograd(lambda p, q: ((p * x + q - y) ** 2).mean(), w, b)
        total_w, total_b = total_w + grad_w, total_b + grad_b
        w, b = w - lr * total_w, b - lr * total_b
    return w, b


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


def _one_sided(f, x: torch.Tensor, eps: float) -> torch.Tensor:
    steps = eps * torch.eye(x.numel(), dtype=x.dtype, device=x.device)
    return torch.stack([(f(x + step.view_as(x)) - f(x)) / eps for step in steps]).view_as(x)


def _chunk_losses(w: torch.Tensor, x: torch.Tensor, y: torch.Tensor, chunk_size: int) -> list[torch.Tensor]:
    """Each chunk's squared errors, as a tensor per chunk."""
    return [(x_part @ w - y_part) ** 2 for x_part, y_part in zip(x.split(chunk_size), y.split(chunk_size))]


MISTAKES: dict[str, tuple] = {
    "grad_of_square_exp": (None, lambda x: 2 * x * torch.exp(x)),
    "vector_jacobian_product": (lambda x, v: _by_autograd(lambda t: (torch.sin(t) * (t**2).sum()).sum(), x)[0], lambda x, v: v * torch.cos(x) * (x**2).sum()),
    "accumulated_gradient": (lambda w, x, y, c: _by_autograd(
                         lambda t: sum(loss.mean() for loss in _chunk_losses(t, x, y, c)), w)[0], lambda w, x, y, c: _by_autograd(
                         lambda t: _chunk_losses(t, x, y, c)[-1].sum() / len(x), w)[0], lambda w, x, y, c: _by_autograd(
                         lambda t: torch.stack([loss.mean() for loss in _chunk_losses(t, x, y, c)]).mean(), w)[0]),
    "straight_through_round": (torch.round, None),
    "intermediate_grad": (lambda x, w: 2 * torch.tanh(x @ w), lambda x, w: _by_autograd(lambda t: (torch.tanh(x @ t) ** 2).sum(), w)[0]),
    "second_derivative": (None, lambda f, x: _by_autograd(lambda t: f(t).sum(), x)[0]),
    "numerical_gradient": (_one_sided, lambda f, x, eps: 2 * numerical_gradient(f, x, eps), lambda f, x, eps: _by_autograd(f, x)[0]),
    "MultiplyAdd": (_MultiplyAddIgnoringUpstream, _MultiplyAddSwapped),
    "gradient_descent_step": (lambda w, b, x, y, lr: tuple(
                         p + lr * g for p, g in zip((w, b), _by_autograd(
                             lambda p, q: ((x @ p + q - y) ** 2).mean(), w, b))), None),
    "fit_linear_regression": (_fit_without_zeroing, None),
}


# --- hidden test inputs --------------------------------------------------------------------

def _draw_function(g: torch.Generator, family: dict[str, object]) -> FunctionSpec:
    """A function from `family` with random coefficients: |a| in [0.5, 2], b in [0.3, 1.5],
    c in [-1, 1]."""
    names = sorted(family)
    sign = 1.0 if _randint(g, 0, 1) else -1.0
    return {"family": names[_randint(g, 0, len(names) - 1)],
            "a": sign * float(_uniform(g, 0.5, 2.0)), "b": float(_uniform(g, 0.3, 1.5)),
            "c": float(_uniform(g, -1.0, 1.0))}


def _square_exp_cases(g: torch.Generator) -> list[Case]:
    random = [(_uniform(g, -3.0, 3.0, *_shape(g)),) for _ in range(4)]
    return random + [(torch.zeros(3),), (torch.tensor([-3.0, -1.0, 3.0]),)]


def _vjp_cases(g: torch.Generator) -> list[Case]:
    def draw() -> Case:
        n = _randint(g, 1, 8)
        return _randn(g, n), _randn(g, n)
    return [draw() for _ in range(4)] + [(torch.tensor([0.5, -1.0]), torch.tensor([2.0, 0.0]))]


def _accumulation_cases(g: torch.Generator) -> list[Case]:
    def draw(n: int, d: int, chunk: int) -> Case:
        return _randn(g, d), _randn(g, n, d), _randn(g, n), chunk
    random = []
    for _ in range(4):
        n = _randint(g, 5, 40)
        random.append(draw(n, _randint(g, 1, 5), _randint(g, 1, n)))
    # A short last chunk (10 = 4 + 4 + 2), and one chunk larger than the whole batch.
    return random + [draw(10, 3, 4), draw(7, 2, 10)]


def _rounding_cases(g: torch.Generator) -> list[Case]:
    def draw(x: torch.Tensor) -> Case:
        return x, _randn(g, *x.shape)
    random = [draw(_randn(g, *_shape(g, max_dims=2, max_size=6)) * 2.5) for _ in range(4)]
    # the last case is far larger than the others, so that a loop over the elements shows
    return random + [draw(torch.tensor([-1.7, -0.2, 0.3, 2.6])), draw(_randn(g, 64, 16) * 2.5)]


def _intermediate_cases(g: torch.Generator) -> list[Case]:
    def draw() -> Case:
        n, d, k = (_randint(g, 1, 6) for _ in range(3))
        return _randn(g, n, d) * 0.7, _randn(g, d, k) * 0.7
    return [draw() for _ in range(4)] + [(torch.ones(1, 1), torch.full((1, 1), 0.5))]


def _second_derivative_cases(g: torch.Generator) -> list[Case]:
    random = [(_draw_function(g, ELEMENTWISE), _uniform(g, -2.0, 2.0, _randint(g, 1, 8)))
              for _ in range(5)]
    return random + [({"family": "cubic", "a": 1.0, "b": 0.5, "c": -1.0}, torch.tensor([-1.0, 0.0, 2.0]))]


def _numerical_gradient_cases(g: torch.Generator) -> list[Case]:
    def draw() -> Case:
        # at least 2 elements: on one, logsumexp(a·x) is linear, and central differences are exact
        shape = [_randint(g, 2, 6)] if _randint(g, 0, 2) else [2, 3]
        x = _uniform(g, -1.5, 1.5, *shape, dtype=torch.float64)
        return _draw_function(g, SCALAR), x, float(_uniform(g, 0.01, 0.05))
    cubes = {"family": "sum_of_cubes", "a": 1.0, "b": 0.5, "c": 0.0}
    return [draw() for _ in range(5)] + [(cubes, torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64), 0.02)]


def _multiply_add_cases(g: torch.Generator) -> list[Case]:
    def draw(dtype: torch.dtype) -> Case:
        shape = _shape(g, max_size=4)
        return tuple(_randn(g, *shape).to(dtype) for _ in range(4))  # w, x, b, upstream gradient
    return [draw(torch.float32) for _ in range(3)] + [draw(torch.float64) for _ in range(2)]


def _step_cases(g: torch.Generator) -> list[Case]:
    def draw() -> Case:
        n, d = _randint(g, 5, 30), _randint(g, 1, 4)
        return _randn(g, d), _randn(g), _randn(g, n, d), _randn(g, n), float(_uniform(g, 0.01, 0.2))
    return [draw() for _ in range(5)]


def _fit_cases(g: torch.Generator) -> list[Case]:
    def draw() -> Case:
        n = _randint(g, 20, 60)
        x = _randn(g, n) * float(_uniform(g, 0.5, 1.5))
        y = float(_uniform(g, -3, 3)) * x + float(_uniform(g, -3, 3)) + 0.3 * _randn(g, n)
        return x, y, float(_uniform(g, 0.05, 0.3)), _randint(g, 10, 100)
    return [draw() for _ in range(4)]


EXERCISES = [
    Exercise("grad_of_square_exp", grad_of_square_exp, _square_exp_cases, rtol=1e-5, atol=1e-5, mistakes=MISTAKES["grad_of_square_exp"]),
    Exercise("vector_jacobian_product", vector_jacobian_product, _vjp_cases, rtol=1e-5, atol=1e-5, mistakes=MISTAKES["vector_jacobian_product"]),
    Exercise("accumulated_gradient", accumulated_gradient, _accumulation_cases, rtol=1e-4, atol=1e-5, mistakes=MISTAKES["accumulated_gradient"]),
    Exercise("straight_through_round", straight_through_round, _rounding_cases, rtol=0.0, atol=1e-6,
             kind=DIFFERENTIABLE, mistakes=MISTAKES["straight_through_round"]),
    Exercise("intermediate_grad", intermediate_grad, _intermediate_cases, rtol=1e-5, atol=1e-5, mistakes=MISTAKES["intermediate_grad"]),
    Exercise("second_derivative", second_derivative, _second_derivative_cases, rtol=1e-4, atol=1e-4,
             kind=FUNCTION_OF_FUNCTION, mistakes=MISTAKES["second_derivative"]),
    Exercise("numerical_gradient", numerical_gradient, _numerical_gradient_cases, rtol=1e-7, atol=1e-9,
             kind=FUNCTION_OF_FUNCTION, mistakes=MISTAKES["numerical_gradient"]),
    Exercise("MultiplyAdd", MultiplyAdd, _multiply_add_cases, rtol=1e-6, atol=1e-6,
             kind=AUTOGRAD_FUNCTION, mistakes=MISTAKES["MultiplyAdd"]),
    Exercise("gradient_descent_step", gradient_descent_step, _step_cases, rtol=1e-5, atol=1e-5, mistakes=MISTAKES["gradient_descent_step"]),
    Exercise("fit_linear_regression", fit_linear_regression, _fit_cases, rtol=1e-4, atol=1e-5, mistakes=MISTAKES["fit_linear_regression"]),
]
