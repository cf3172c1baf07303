"""Part 2's hidden reference: it agrees with the closed forms worked out by hand, and its inputs are sound.

Where an exercise's rules ask for autograd, the reference uses autograd (in float64) as well, so it
keeps the rules it grades; these tests check it against the mathematics.
"""

import pytest
import torch
from course_reference import part02_autograd as ref
from torchcourse.functions import ELEMENTWISE, SCALAR, build_function

DOUBLE = torch.float64


def autograd_gradient(function, *inputs: torch.Tensor, upstream: torch.Tensor | None = None):
    """Gradients of function(*inputs) (back-propagating `upstream`), by autograd in float64."""
    leaves = [x.detach().double().requires_grad_() for x in inputs]
    output = function(*leaves)
    return torch.autograd.grad(output, leaves, grad_outputs=upstream)


def test_references_equal_the_closed_forms():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3, 4, generator=g, dtype=DOUBLE)
    assert torch.allclose(ref.grad_of_square_exp(x), (x**2 + 2 * x) * x.exp())

    # y_i = sin(x_i)·s with s = Σ x_j², so dy_i/dx_j = cos(x_i)·s·[i = j] + sin(x_i)·2x_j.
    x, v = torch.randn(6, generator=g, dtype=DOUBLE), torch.randn(6, generator=g, dtype=DOUBLE)
    by_hand = v * x.cos() * (x**2).sum() + 2 * x * (v * x.sin()).sum()
    assert torch.allclose(ref.vector_jacobian_product(x, v), by_hand)

    w, data, y = (torch.randn(*shape, generator=g, dtype=DOUBLE) for shape in [(3,), (11, 3), (11,)])
    for chunk_size in (1, 4, 11, 20):  # a short last chunk (4 + 4 + 3), and a single chunk
        assert torch.allclose(ref.accumulated_gradient(w, data, y, chunk_size),
                              2 / len(data) * data.T @ (data @ w - y))

    data, w = torch.randn(4, 3, generator=g, dtype=DOUBLE), torch.randn(3, 2, generator=g, dtype=DOUBLE)
    t = torch.tanh(data @ w)
    assert torch.allclose(ref.intermediate_grad(data, w), 2 * t * (1 - t**2))

    b, lr = torch.randn((), generator=g, dtype=DOUBLE), 0.1
    w, data, y = (torch.randn(*shape, generator=g, dtype=DOUBLE) for shape in [(2,), (9, 2), (9,)])
    residual = data @ w + b - y
    new_w, new_b = ref.gradient_descent_step(w, b, data, y, lr)
    assert torch.allclose(new_w, w - lr * 2 * data.T @ residual / len(data))
    assert torch.allclose(new_b, b - lr * 2 * residual.mean())


def test_references_leave_their_inputs_alone_and_keep_float32():
    g = torch.Generator().manual_seed(1)
    w, x, y = torch.randn(3, generator=g), torch.randn(7, 3, generator=g), torch.randn(7, generator=g)
    results = [ref.grad_of_square_exp(x), ref.vector_jacobian_product(y, y),
               ref.accumulated_gradient(w, x, y, 3), ref.intermediate_grad(x, w[:, None]),
               *ref.gradient_descent_step(w, w.sum(), x, y, 0.1), *ref.fit_linear_regression(y, y, 0.1, 5)]
    assert all(result.dtype == torch.float32 and not result.requires_grad for result in results)
    assert all(t.grad is None and not t.requires_grad for t in (w, x, y))


def test_fit_linear_regression_takes_the_steps_worked_out_by_hand():
    g = torch.Generator().manual_seed(2)
    x = torch.randn(25, generator=g, dtype=DOUBLE)
    y = 1.5 * x - 0.5 + 0.3 * torch.randn(25, generator=g, dtype=DOUBLE)
    w = b = torch.zeros((), dtype=DOUBLE)
    for _ in range(40):
        residual = w * x + b - y
        w, b = w - 0.1 * 2 * (residual * x).mean(), b - 0.1 * 2 * residual.mean()
    fitted_w, fitted_b = ref.fit_linear_regression(x, y, 0.1, 40)
    assert torch.allclose(fitted_w, w) and torch.allclose(fitted_b, b)


def test_fit_linear_regression_recovers_a_noiseless_line():
    x = torch.linspace(-2, 2, 50)
    w, b = ref.fit_linear_regression(x, 2 * x + 3, lr=0.2, steps=300)
    assert abs(w - 2) < 1e-3 and abs(b - 3) < 1e-3
    assert ref.fit_linear_regression(x, 2 * x + 3, lr=0.2, steps=0) == (0, 0)


def test_straight_through_round_rounds_forward_and_passes_gradients_back():
    x = torch.tensor([-1.7, 0.2, 2.6], requires_grad=True)
    out = ref.straight_through_round(x)
    out.backward(torch.tensor([1.0, 2.0, 3.0]))
    assert out.tolist() == [-2.0, 0.0, 3.0] and x.grad.tolist() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("family", sorted(ELEMENTWISE))
def test_second_derivative_of_each_elementwise_family(family):
    f = build_function({"family": family, "a": 1.3, "b": 0.7, "c": 0.4})
    x = torch.linspace(-2, 2, 9, dtype=DOUBLE)
    h = 1e-4  # second central difference, accurate to about h² here
    numeric = (f(x + h) - 2 * f(x) + f(x - h)) / h**2
    assert torch.allclose(ref.second_derivative(f, x), numeric, atol=1e-5)
    jacobian = torch.autograd.functional.jacobian(f, x)
    assert torch.equal(jacobian, torch.diag(torch.diagonal(jacobian))), "not elementwise"


@pytest.mark.parametrize("family", sorted(SCALAR))
def test_numerical_gradient_is_central_differences_of_each_scalar_family(family):
    f = build_function({"family": family, "a": -1.2, "b": 0.9, "c": 0.3})
    x = torch.tensor([[0.3, -1.1, 0.8], [1.4, 0.0, -0.5]], dtype=DOUBLE)
    assert f(x).shape == ()
    (exact,) = autograd_gradient(f, x)
    for eps in (0.02, 0.01):
        error = (ref.numerical_gradient(f, x, eps) - exact).abs().max()
        assert 1e-9 < error < 10 * eps**2  # O(eps²), and far above float64 rounding


def test_multiply_add_passes_gradcheck_and_matches_autograd():
    inputs = tuple(torch.randn(5, dtype=DOUBLE, requires_grad=True) for _ in range(3))
    assert torch.autograd.gradcheck(ref.MultiplyAdd.apply, inputs)
    upstream = torch.randn(5, dtype=DOUBLE)
    mine = torch.autograd.grad(ref.MultiplyAdd.apply(*inputs), inputs, upstream)
    theirs = torch.autograd.grad(inputs[0] * inputs[1] + inputs[2], inputs, upstream)
    assert all(torch.allclose(a, b) for a, b in zip(mine, theirs))
