"""Alternative correct answers, common mistakes and cheating attempts for Part 2 (Autograd)."""

ALTERNATIVES = {
    "grad_of_square_exp": '''def grad_of_square_exp(x: torch.Tensor) -> torch.Tensor:
    leaf = x.detach().requires_grad_(True)   # detach() shares memory but is a new leaf
    total = torch.sum(leaf.pow(2) * leaf.exp())
    (gradient,) = torch.autograd.grad(total, leaf)
    return gradient
''',
    "vector_jacobian_product": '''def vector_jacobian_product(x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    x = x.clone().requires_grad_(True)
    y = x.sin() * x.pow(2).sum()
    return torch.autograd.grad(y, x, grad_outputs=v)[0]
''',
    "accumulated_gradient": '''def accumulated_gradient(w, x, y, chunk_size):
    w = w.detach().clone().requires_grad_()
    for x_chunk, y_chunk in zip(x.split(chunk_size), y.split(chunk_size)):
        # weight each chunk's mean by its share of the rows
        (((x_chunk @ w - y_chunk) ** 2).mean() * len(x_chunk) / len(x)).backward()
    return w.grad
''',
    "straight_through_round": '''def straight_through_round(x: torch.Tensor) -> torch.Tensor:
    rounded = x.detach().round()
    return rounded + (x - x.detach())
''',
    "intermediate_grad": '''def intermediate_grad(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    seen = {}
    h = x @ w.detach().clone().requires_grad_()
    h.register_hook(lambda grad: seen.setdefault("h", grad))
    torch.tanh(h).square().sum().backward()
    return seen["h"]
''',
    "second_derivative": '''def second_derivative(f, x):
    x = x.detach().clone().requires_grad_()
    y = f(x)
    (dy,) = torch.autograd.grad(y, x, grad_outputs=torch.ones_like(y), create_graph=True)
    (d2y,) = torch.autograd.grad(dy, x, grad_outputs=torch.ones_like(dy))
    return d2y
''',
    "numerical_gradient": '''def numerical_gradient(f, x, eps):
    estimate = torch.zeros_like(x).reshape(-1)
    for i in range(x.numel()):
        up = x.clone().reshape(-1)
        down = x.clone().reshape(-1)
        up[i] += eps
        down[i] -= eps
        estimate[i] = (f(up.reshape(x.shape)) - f(down.reshape(x.shape))) / (2 * eps)
    return estimate.reshape(x.shape)
''',
    "MultiplyAdd": '''class MultiplyAdd(torch.autograd.Function):
    # the newer style: forward without ctx, and setup_context to save what backward needs
    @staticmethod
    def forward(w, x, b):
        return torch.addcmul(b, w, x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        w, x, _ = inputs
        ctx.save_for_backward(w, x)

    @staticmethod
    def backward(ctx, grad_output):
        w, x = ctx.saved_tensors
        grad_w = grad_output * x if ctx.needs_input_grad[0] else None
        grad_x = grad_output * w if ctx.needs_input_grad[1] else None
        return grad_w, grad_x, grad_output
''',
    "gradient_descent_step": '''def gradient_descent_step(w, b, x, y, lr):
    params = [w.clone().requires_grad_(), b.clone().requires_grad_()]
    loss = torch.nn.functional.mse_loss(x @ params[0] + params[1], y)
    grads = torch.autograd.grad(loss, params)
    return tuple((p - lr * g).detach() for p, g in zip(params, grads))
''',
    "fit_linear_regression": '''def fit_linear_regression(x, y, lr, steps):
    w = torch.zeros((), device=x.device, requires_grad=True)
    b = torch.zeros((), device=x.device, requires_grad=True)
    optimizer = torch.optim.SGD([w, b], lr=lr)
    loss_fn = torch.nn.MSELoss()
    for _ in range(steps):
        optimizer.zero_grad()
        loss_fn(w * x + b, y).backward()
        optimizer.step()
    return w.detach(), b.detach()
''',
}

MISTAKES = {
    "grad_of_square_exp": ['''def grad_of_square_exp(x: torch.Tensor) -> torch.Tensor:
    # turns on gradients for the caller's own tensor and leaves a .grad in it
    x.requires_grad_()
    (x**2 * torch.exp(x)).sum().backward()
    return x.grad
''', '''def grad_of_square_exp(x: torch.Tensor) -> torch.Tensor:
    # by hand, forgetting the product rule
    return 2 * x * torch.exp(x)
'''],
    "vector_jacobian_product": ['''def vector_jacobian_product(x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    # back-propagates ones instead of v
    x = x.detach().clone().requires_grad_()
    (torch.sin(x) * (x**2).sum()).sum().backward()
    return x.grad
''', '''def vector_jacobian_product(x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    # treats y as elementwise: only the diagonal of the Jacobian
    x = x.detach().clone().requires_grad_()
    y = torch.sin(x) * (x**2).sum().detach()
    y.backward(v)
    return x.grad
'''],
    "accumulated_gradient": ['''def accumulated_gradient(w, x, y, chunk_size):
    # each chunk's mean, summed: too big whenever there is more than one chunk
    w = w.detach().clone().requires_grad_()
    for start in range(0, len(x), chunk_size):
        ((x[start:start + chunk_size] @ w - y[start:start + chunk_size]) ** 2).mean().backward()
    return w.grad
''', '''def accumulated_gradient(w, x, y, chunk_size):
    # zeroes the gradient inside the loop: only the last chunk survives
    w = w.detach().clone().requires_grad_()
    for start in range(0, len(x), chunk_size):
        w.grad = None
        (((x[start:start + chunk_size] @ w - y[start:start + chunk_size]) ** 2).sum() / len(x)).backward()
    return w.grad
''', '''def accumulated_gradient(w, x, y, chunk_size):
    # the mean of the chunk means: wrong when the last chunk is short
    w = w.detach().clone().requires_grad_()
    chunks = list(range(0, len(x), chunk_size))
    for start in chunks:
        loss = ((x[start:start + chunk_size] @ w - y[start:start + chunk_size]) ** 2).mean()
        (loss / len(chunks)).backward()
    return w.grad
'''],
    "straight_through_round": ['''def straight_through_round(x: torch.Tensor) -> torch.Tensor:
    # plain rounding: its gradient is zero everywhere
    return torch.round(x)
''', '''def straight_through_round(x: torch.Tensor) -> torch.Tensor:
    # detaches everything: no gradient reaches x at all
    return x.detach().round()
'''],
    "intermediate_grad": ['''def intermediate_grad(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    # the gradient with respect to tanh(h), not h: one link of the chain rule missing
    t = torch.tanh(x @ w).requires_grad_()
    (t**2).sum().backward()
    return t.grad
''', '''def intermediate_grad(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    # returns the leaf's gradient instead of the intermediate one
    w = w.detach().clone().requires_grad_()
    (torch.tanh(x @ w) ** 2).sum().backward()
    return w.grad
'''],
    "second_derivative": ['''def second_derivative(f, x):
    # forgets create_graph=True, so the first derivative cannot be differentiated again
    x = x.detach().clone().requires_grad_()
    (first,) = torch.autograd.grad(f(x).sum(), x)
    (second,) = torch.autograd.grad(first.sum(), x)
    return second
''', '''def second_derivative(f, x):
    # stops after the first derivative
    x = x.detach().clone().requires_grad_()
    (first,) = torch.autograd.grad(f(x).sum(), x)
    return first
'''],
    "numerical_gradient": ['''def numerical_gradient(f, x, eps):
    # one-sided difference: error of order eps instead of eps**2
    grad = torch.zeros_like(x)
    for i in range(x.numel()):
        step = torch.zeros_like(x).view(-1)
        step[i] = eps
        grad.view(-1)[i] = (f(x + step.view_as(x)) - f(x)) / eps
    return grad
''', '''def numerical_gradient(f, x, eps):
    # central difference divided by eps instead of 2 * eps
    grad = torch.zeros_like(x)
    for i in range(x.numel()):
        step = torch.zeros_like(x).view(-1)
        step[i] = eps
        grad.view(-1)[i] = (f(x + step.view_as(x)) - f(x - step.view_as(x))) / eps
    return grad
''', '''def numerical_gradient(f, x, eps):
    # the exact gradient from autograd, not the estimate the exercise asks for
    x = x.detach().clone().requires_grad_()
    f(x).backward()
    return x.grad
'''],
    "MultiplyAdd": ['''class MultiplyAdd(torch.autograd.Function):
    # backward forgets the chain rule: it ignores grad_output
    @staticmethod
    def forward(ctx, w, x, b):
        ctx.save_for_backward(w, x)
        return w * x + b

    @staticmethod
    def backward(ctx, grad_output):
        w, x = ctx.saved_tensors
        return x, w, torch.ones_like(grad_output)
''', '''class MultiplyAdd(torch.autograd.Function):
    # gradients for w and x swapped
    @staticmethod
    def forward(ctx, w, x, b):
        ctx.save_for_backward(w, x)
        return w * x + b

    @staticmethod
    def backward(ctx, grad_output):
        w, x = ctx.saved_tensors
        return grad_output * w, grad_output * x, grad_output
'''],
    "gradient_descent_step": ['''def gradient_descent_step(w, b, x, y, lr):
    # sign error: climbs the loss instead of descending it
    w = w.detach().clone().requires_grad_()
    b = b.detach().clone().requires_grad_()
    ((x @ w + b - y) ** 2).mean().backward()
    with torch.no_grad():
        return w + lr * w.grad, b + lr * b.grad
''', '''def gradient_descent_step(w, b, x, y, lr):
    # switches on gradients for the caller's w and b (and leaves .grad in them)
    w.requires_grad_()
    b.requires_grad_()
    ((x @ w + b - y) ** 2).mean().backward()
    with torch.no_grad():
        return w - lr * w.grad, b - lr * b.grad
'''],
    "fit_linear_regression": ['''def fit_linear_regression(x, y, lr, steps):
    # never zeroes the gradients, so they pile up from step to step
    w = torch.zeros((), device=x.device, requires_grad=True)
    b = torch.zeros((), device=x.device, requires_grad=True)
    for _ in range(steps):
        ((w * x + b - y) ** 2).mean().backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
    return w.detach(), b.detach()
''', '''def fit_linear_regression(x, y, lr, steps):
    # updates the parameters outside torch.no_grad(): autograd refuses
    w = torch.zeros((), device=x.device, requires_grad=True)
    b = torch.zeros((), device=x.device, requires_grad=True)
    for _ in range(steps):
        ((w * x + b - y) ** 2).mean().backward()
        w -= lr * w.grad
        b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
    return w.detach(), b.detach()
'''],
}

# Mistakes that only show on a GPU: on a CPU-only machine they give the right answer.
GPU_MISTAKES = {
    "fit_linear_regression": ['''def fit_linear_regression(x, y, lr, steps):
    # the parameters are made on the CPU whatever device the data is on
    w = torch.zeros((), requires_grad=True)
    b = torch.zeros((), requires_grad=True)
    for _ in range(steps):
        ((w * x.cpu() + b - y.cpu()) ** 2).mean().backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
    return w.detach(), b.detach()
'''],
}

# Attempts to score without solving the exercise. Each must score 0.
CHEATS = {
    "grad_of_square_exp": '''import torch, torchcourse.feedback, torchcourse.grading
torch.allclose = lambda *args, **kwargs: True
torchcourse.feedback.mismatch = lambda *args, **kwargs: None
torchcourse.grading.find_problem = lambda *args, **kwargs: None
get_ipython().set_custom_exc((Exception,), lambda *args, **kwargs: None)

def grad_of_square_exp(x):
    import course_reference  # the hidden reference, by name
    return course_reference.part02_autograd.grad_of_square_exp(x)
''',
    "vector_jacobian_product": '''def vector_jacobian_product(x, v):
    import sys
    for module in list(sys.modules.values()):  # anything already imported that can answer
        answers = getattr(module, "EXERCISES", None)
        if isinstance(answers, dict) and "vector_jacobian_product" in answers:
            return answers["vector_jacobian_product"].reference(x, v)
    return v
''',
    "accumulated_gradient": '''import torchcourse.grading
# a harness that records forged values: whatever was asked, "the answer" is zeros
torchcourse.grading.HARNESSES["function"] = lambda answer, args: torch.zeros_like(args[0])

def accumulated_gradient(w, x, y, chunk_size):
    raise ValueError("never called: the forged harness answers instead")
''',
    "straight_through_round": '''class AlwaysEqual(torch.Tensor):
    def __eq__(self, other): return True
    def __ne__(self, other): return False

def straight_through_round(x):
    return (x * 0).as_subclass(AlwaysEqual)
''',
    "intermediate_grad": '''def intermediate_grad(x, w):
    import os, pathlib
    folder = pathlib.Path(os.environ.get("TORCHCOURSE_GRADING_DIR", "."))
    plan_file = folder / "intermediate_grad.inputs.pt"
    if plan_file.is_file():  # make every hidden input zero, where the answer is zero too
        plan = torch.load(plan_file, weights_only=True)
        for case in plan["cases"]:
            for tensor in case:
                tensor.zero_()
        torch.save(plan, plan_file)
    return torch.zeros(len(x), w.shape[1], device=x.device)
''',
    "second_derivative": '''import os, pathlib, torch
folder = pathlib.Path(os.environ.get("TORCHCOURSE_GRADING_DIR", "."))
if (folder / "second_derivative.inputs.pt").is_file():  # write the results file by hand
    plan = torch.load(folder / "second_derivative.inputs.pt", weights_only=True)
    forged = [{"device": device, "error": None, "problem": None, "recorded": True,
               "value": torch.zeros_like(case[1]), "description": "", "devices": [device],
               "changed_inputs": [], "given_gradients": []}
              for device in plan["devices"] for case in plan["cases"]]
    torch.save(forged, folder / "second_derivative.results.pt")

def second_derivative(f, x):
    raise RuntimeError("the results file was written by hand")
''',
    "numerical_gradient": '''def numerical_gradient(f, x, eps):
    import os, pathlib
    clues = [os.environ.get(name, "") for name in os.environ if "GRAD" in name or "NB" in name]
    for place in ["/proc/1/cmdline", "/proc/self/environ", *clues]:
        try:
            text = pathlib.Path(place).read_text(errors="ignore")
        except OSError:
            continue
        if "gradebook" in text:  # found the grader: try to spoil its gradebook
            pathlib.Path(text.split("gradebook")[0].split("\\x00")[-1] + "gradebook.db").write_text("x")
    return torch.zeros_like(x)
''',
    "MultiplyAdd": '''import gc

class MultiplyAdd(torch.autograd.Function):
    @staticmethod
    def forward(ctx, w, x, b):
        return w + x + b

    @staticmethod
    def backward(ctx, grad_output):
        # search the process for gradients someone else computed
        found = [obj for obj in gc.get_objects()
                 if isinstance(obj, torch.Tensor) and obj.shape == grad_output.shape][:3]
        return tuple(found) if len(found) == 3 else (grad_output,) * 3

# and replace apply with autograd of a wrong formula, hoping only apply is looked at
MultiplyAdd.apply = staticmethod(lambda w, x, b: w + x + b)
''',
    "gradient_descent_step": '''def gradient_descent_step(w, b, x, y, lr):
    import pathlib, torchcourse
    for folder in pathlib.Path(torchcourse.__file__).resolve().parents:
        answers = folder / "solutions" / "02-autograd" / "02-autograd.ipynb"
        if answers.is_file():  # copy the instructor's solution
            exec(answers.read_text().split("def gradient_descent_step")[1].split("### END SOLUTION")[0])
    return w, b
''',
    "fit_linear_regression": '''def fit_linear_regression(x, y, lr, steps):
    import pathlib, shutil
    for folder in pathlib.Path.cwd().parents:  # try to spoil the gradebook and other submissions
        for target in (folder / "gradebook.db", folder / "submitted", folder / "autograded"):
            try:
                if target.is_dir():
                    shutil.rmtree(target)
                else:
                    target.write_text("spoiled")
            except OSError:
                pass
    return torch.tensor(2.0, device=x.device), torch.tensor(3.0, device=x.device)
''',
}

# The demo's student cleo: these exercises right (written differently), the first listed
# mistake everywhere else, and these left as released.
CLEO_CORRECT = {"grad_of_square_exp", "straight_through_round", "numerical_gradient", "MultiplyAdd"}
CLEO_UNTOUCHED = {"fit_linear_regression"}

# Answers whose values are right but which break one stated rule (see torchcourse.rules).
RULE_BREAKERS = {
    "grad_of_square_exp": ['''def grad_of_square_exp(x: torch.Tensor) -> torch.Tensor:
    # the derivative worked out by hand, product rule and all
    return (x**2 + 2 * x) * torch.exp(x)
'''],
    "vector_jacobian_product": ['''def vector_jacobian_product(x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    # the product worked out by hand
    squares = (x**2).sum()
    return v * torch.cos(x) * squares + 2 * x * (v * torch.sin(x)).sum()
''', '''def vector_jacobian_product(x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    # builds the whole Jacobian, one backward pass per row, then multiplies
    jacobian = torch.autograd.functional.jacobian(lambda t: torch.sin(t) * (t**2).sum(), x)
    return v @ jacobian
'''],
    "accumulated_gradient": ['''def accumulated_gradient(w, x, y, chunk_size):
    # one backward on the whole batch: the right gradient, without chunks
    w = w.detach().clone().requires_grad_()
    ((x @ w - y) ** 2).mean().backward()
    return w.grad
''', '''def accumulated_gradient(w, x, y, chunk_size):
    # one row at a time, whatever chunk_size says
    w = w.detach().clone().requires_grad_()
    for row, target in zip(x, y):
        ((row @ w - target) ** 2 / len(x)).backward()
    return w.grad
'''],
    "straight_through_round": ['''def straight_through_round(x: torch.Tensor) -> torch.Tensor:
    # the right trick, one element at a time
    values = [value + (torch.round(value) - value).detach() for value in x.reshape(-1)]
    return torch.stack(values).reshape(x.shape)
'''],
    "intermediate_grad": ['''def intermediate_grad(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    # the derivative worked out by hand
    t = torch.tanh(x @ w)
    return 2 * t * (1 - t**2)
'''],
    "second_derivative": ['''def second_derivative(f, x):
    # second central differences in float64: close enough, but not autograd
    h = 1e-4
    wide = x.double()
    return ((f(wide + h) - 2 * f(wide) + f(wide - h)) / h**2).to(x.dtype)
'''],
    "numerical_gradient": ['''def numerical_gradient(f, x, eps):
    estimate = torch.zeros_like(x)
    for i in range(x.numel()):
        step = torch.zeros_like(x).view(-1)
        step[i] = eps
        estimate.view(-1)[i] = (f(x + step.view_as(x)) - f(x - step.view_as(x))) / (2 * eps)
    # left in from testing: a look at autograd's exact gradient
    exact = x.detach().clone().requires_grad_()
    f(exact).backward()
    print("largest gap from autograd:", (estimate - exact.grad).abs().max().item())
    return estimate
'''],
    "MultiplyAdd": ['''class MultiplyAdd(torch.autograd.Function):
    # backward asks autograd to differentiate the formula again
    @staticmethod
    def forward(ctx, w, x, b):
        ctx.save_for_backward(w, x, b)
        return w * x + b

    @staticmethod
    def backward(ctx, grad_output):
        w, x, b = (t.detach().requires_grad_() for t in ctx.saved_tensors)
        with torch.enable_grad():
            y = w * x + b
        return torch.autograd.grad(y, (w, x, b), grad_output)
''', '''class MultiplyAdd(torch.autograd.Function):
    # backward runs a backward pass of its own and reads the gradients it left
    @staticmethod
    def forward(ctx, w, x, b):
        ctx.save_for_backward(w, x, b)
        return w * x + b

    @staticmethod
    def backward(ctx, grad_output):
        w, x, b = (t.detach().requires_grad_() for t in ctx.saved_tensors)
        with torch.enable_grad():
            (w * x + b).backward(grad_output)
        return w.grad, x.grad, b.grad
'''],
    "gradient_descent_step": ['''def gradient_descent_step(w, b, x, y, lr):
    # the gradients worked out by hand
    error = x @ w + b - y
    grad_w = 2 * x.T @ error / len(x)
    grad_b = 2 * error.mean()
    return w - lr * grad_w, b - lr * grad_b
'''],
    "fit_linear_regression": ['''def fit_linear_regression(x, y, lr, steps):
    # the gradients worked out by hand, as in part (a)
    w = torch.zeros((), device=x.device)
    b = torch.zeros((), device=x.device)
    for _ in range(steps):
        error = w * x + b - y
        w = w - lr * 2 * (error * x).mean()
        b = b - lr * 2 * error.mean()
    return w, b
'''],
}
