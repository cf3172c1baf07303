"""Part 2's hidden reference: its closed forms agree with autograd, and its inputs are sound."""

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


def test_closed_forms_equal_autograd():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3, 4, generator=g, dtype=DOUBLE)
    (expected,) = autograd_gradient(lambda t: (t**2 * t.exp()).sum(), x)
    assert torch.allclose(ref.grad_of_square_exp(x), expected)

    x, v = torch.randn(6, generator=g, dtype=DOUBLE), torch.randn(6, generator=g, dtype=DOUBLE)
    (expected,) = autograd_gradient(lambda t: t.sin() * (t**2).sum(), x, upstream=v)
    assert torch.allclose(ref.vector_jacobian_product(x, v), expected)

    w, data, y = (torch.randn(*shape, generator=g, dtype=DOUBLE) for shape in [(3,), (11, 3), (11,)])
    (expected,) = autograd_gradient(lambda t: ((data @ t - y) ** 2).mean(), w)
    assert torch.allclose(ref.accumulated_gradient(w, data, y, 4), expected)

    data, w = torch.randn(4, 3, generator=g, dtype=DOUBLE), torch.randn(3, 2, generator=g, dtype=DOUBLE)
    h = (data @ w).requires_grad_()
    (expected,) = torch.autograd.grad((torch.tanh(h) ** 2).sum(), h)
    assert torch.allclose(ref.intermediate_grad(data, w), expected)

    b, lr = torch.randn((), generator=g, dtype=DOUBLE), 0.1
    w, data, y = (torch.randn(*shape, generator=g, dtype=DOUBLE) for shape in [(2,), (9, 2), (9,)])
    grad_w, grad_b = autograd_gradient(lambda p, q: ((data @ p + q - y) ** 2).mean(), w, b)
    new_w, new_b = ref.gradient_descent_step(w, b, data, y, lr)
    assert torch.allclose(new_w, w - lr * grad_w) and torch.allclose(new_b, b - lr * grad_b)


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
