"""Alternative correct answers, common mistakes and cheating attempts for Part 1 (Tensors)."""

ALTERNATIVES = {
    "sigmoid": '''def sigmoid(x: torch.Tensor) -> torch.Tensor:
    # 1 / (1 + e^-x) rewritten with tanh: the same function
    return 0.5 * (torch.tanh(x / 2) + 1)
''',
    "relu": '''def relu(x: torch.Tensor) -> torch.Tensor:
    out = torch.zeros_like(x)
    keep = x > 0
    out[keep] = x[keep]
    return out
''',
    "flatten_batch": '''def flatten_batch(images: torch.Tensor) -> torch.Tensor:
    return images.reshape(len(images), -1)
''',
    "channels_last": '''def channels_last(images: torch.Tensor) -> torch.Tensor:
    return images.transpose(1, 2).transpose(2, 3)
''',
    "standardize": '''def standardize(x: torch.Tensor) -> torch.Tensor:
    centred = x - x.mean(dim=0, keepdim=True)
    return centred / centred.pow(2).mean(dim=0, keepdim=True).sqrt()
''',
    "pairwise_distances": '''def pairwise_distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a.unsqueeze(1) - b.unsqueeze(0)).norm(dim=2)
''',
    "accuracy": '''def accuracy(scores: torch.Tensor, labels: torch.Tensor) -> float:
    predicted = scores.max(dim=1).indices
    return (predicted == labels).sum().item() / len(labels)
''',
    "one_hot": '''def one_hot(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    return torch.eye(num_classes, device=labels.device)[labels]
''',
    "neuron_sum": '''def neuron_sum(features: torch.Tensor, weights: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    total = (features * weights.view(1, -1)).sum(dim=-1) + bias
    return 1 / (1 + torch.exp(-total))
''',
    "neuron_matmul": '''def neuron_matmul(features: torch.Tensor, weights: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    return torch.sigmoid(torch.mm(features, weights) + bias)
''',
    "two_layer_forward": '''def two_layer_forward(x, w1, b1, w2, b2):
    hidden = torch.sigmoid(torch.addmm(b1, x, w1))
    return torch.sigmoid(torch.addmm(b2, hidden, w2))
''',
}

MISTAKES = {
    "sigmoid": ['''def sigmoid(x: torch.Tensor) -> torch.Tensor:
    # forgot the minus sign in the exponent
    return 1 / (1 + torch.exp(x))
'''],
    "relu": ['''def relu(x: torch.Tensor) -> torch.Tensor:
    # zeroes the negatives of the caller's tensor in place
    x[x < 0] = 0
    return x
'''],
    "flatten_batch": ['''def flatten_batch(images: torch.Tensor) -> torch.Tensor:
    # flattens the batch dimension too
    return images.flatten()
''', '''def flatten_batch(images: torch.Tensor) -> torch.Tensor:
    # hard-codes MNIST's image size
    return images.view(-1, 784)
'''],
    "channels_last": ['''def channels_last(images: torch.Tensor) -> torch.Tensor:
    # right shape, scrambled pixels: view does not move data
    n, c, h, w = images.shape
    return images.view(n, h, w, c)
'''],
    "standardize": ['''def standardize(x: torch.Tensor) -> torch.Tensor:
    # statistics over the wrong dimension (rows instead of columns)
    return (x - x.mean(dim=1, keepdim=True)) / x.std(dim=1, correction=0, keepdim=True)
''', '''def standardize(x: torch.Tensor) -> torch.Tensor:
    # the sample standard deviation, not the population one asked for
    return (x - x.mean(dim=0)) / x.std(dim=0)
'''],
    "pairwise_distances": ['''def pairwise_distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    # squared distances: forgot the square root
    return ((a[:, None, :] - b[None, :, :]) ** 2).sum(dim=-1)
'''],
    "accuracy": ['''def accuracy(scores: torch.Tensor, labels: torch.Tensor) -> float:
    # averages the boolean matches directly, which torch refuses
    return torch.mean(scores.argmax(dim=1) == labels).item()
''', '''def accuracy(scores: torch.Tensor, labels: torch.Tensor) -> float:
    # returns a one-element tensor, not a Python float
    return (scores.argmax(dim=1) == labels).float().mean()
'''],
    "one_hot": ['''def one_hot(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    # integer dtype: F.one_hot returns int64
    return torch.nn.functional.one_hot(labels, num_classes)
''', '''def one_hot(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    # counts classes from the labels, ignoring num_classes
    return torch.eye(int(labels.max()) + 1, device=labels.device)[labels]
'''],
    "neuron_sum": ['''def neuron_sum(features: torch.Tensor, weights: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    # sums over everything: one number for the whole batch
    return torch.sigmoid((features * weights).sum() + bias)
'''],
    "neuron_matmul": ['''def neuron_matmul(features: torch.Tensor, weights: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    # forgot the bias
    return torch.sigmoid(features @ weights)
'''],
    "two_layer_forward": ['''def two_layer_forward(x, w1, b1, w2, b2):
    # no activation on the hidden layer
    return torch.sigmoid((x @ w1 + b1) @ w2 + b2)
'''],
}

# Mistakes that only show on a GPU: on a CPU-only machine they give the right answer.
GPU_MISTAKES = {
    "one_hot": ['''def one_hot(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    # builds the result on the CPU whatever device the labels are on
    out = torch.zeros(len(labels), num_classes)
    out[torch.arange(len(labels)), labels.cpu()] = 1
    return out
'''],
}

# Attempts to score without solving the exercise. Each must score 0. The first also patches the
# kernel so that every check inside it would pass and every error would vanish.
CHEATS = {
    "sigmoid": '''import torch, torchcourse.feedback, torchcourse.checks
torch.allclose = lambda *args, **kwargs: True
torch.equal = lambda *args, **kwargs: True
torchcourse.feedback.mismatch = lambda *args, **kwargs: None
torchcourse.checks.mismatch = lambda *args, **kwargs: None
get_ipython().set_custom_exc((Exception,), lambda *args, **kwargs: None)

def sigmoid(x):
    import course_reference  # the hidden reference, by name
    return course_reference.part01_tensors.sigmoid(x)
''',
    "relu": '''def relu(x):
    import sys
    for module in list(sys.modules.values()):  # anything already imported that can answer
        answer = getattr(module, "EXERCISES", None)
        if isinstance(answer, dict) and "relu" in answer:
            return answer["relu"].reference(x)
    return x
''',
    "flatten_batch": '''def flatten_batch(images):
    import importlib.util, os, sys, pathlib
    places = list(sys.path) + os.environ.get("PYTHONPATH", "").split(os.pathsep)
    places += [str(p) for p in pathlib.Path.cwd().parents]
    for place in places:  # the package itself, or an autograder/reference folder holding it
        for found in (pathlib.Path(place or ".") / sub / "course_reference" / "__init__.py"
                      for sub in ("", "reference", "autograder/reference")):
            if found.is_file():
                spec = importlib.util.spec_from_file_location("course_reference", found)
                module = importlib.util.module_from_spec(spec)
                sys.modules["course_reference"] = module
                spec.loader.exec_module(module)
                return module.EXERCISES["flatten_batch"].reference(images)
    return images
''',
    "channels_last": '''def channels_last(images):
    import pathlib, torchcourse
    starts = [pathlib.Path.cwd(), pathlib.Path(torchcourse.__file__).resolve()]
    for start in starts:
        for folder in start.parents:
            path = folder / "autograder" / "reference" / "course_reference" / "part01_tensors.py"
            if path.is_file():
                source = path.read_text().replace("from .exercise import Case, Exercise", "Exercise = Case = None")
                space = {}
                exec(source.split("# --- hidden test inputs")[0], space)
                return space["channels_last"](images)
            answers = folder / "solutions" / "01-tensors" / "01-tensors.ipynb"
            if answers.is_file():
                return images.permute(0, 2, 3, 1) if "permute" in answers.read_text() else images
    return images
''',
    "standardize": '''class AlwaysEqual(torch.Tensor):
    def __eq__(self, other): return True
    def __ne__(self, other): return False

def standardize(x):
    return torch.zeros_like(x).as_subclass(AlwaysEqual)
''',
    "pairwise_distances": '''torch.isclose = lambda a, b, **kwargs: torch.ones_like(a, dtype=torch.bool)

def pairwise_distances(a, b):
    return torch.zeros(len(a), len(b), device=a.device)
''',
    "accuracy": '''def accuracy(scores, labels):
    raise RuntimeError("swallowed by the custom exception handler")
''',
    "one_hot": '''def one_hot(labels, num_classes):
    import pathlib, shutil
    for folder in pathlib.Path.cwd().parents:  # try to spoil the gradebook and other submissions
        for target in (folder / "gradebook.db", folder / "submitted"):
            try:
                if target.is_dir():
                    shutil.rmtree(target)
                else:
                    target.write_text("spoiled")
            except OSError:
                pass
    return torch.zeros(len(labels), num_classes, device=labels.device)
''',
    "neuron_sum": '''def neuron_sum(features, weights, bias):
    import os, pathlib
    folder = pathlib.Path(os.environ.get("TORCHCOURSE_GRADING_DIR", "."))
    plan_file = folder / "neuron_sum.inputs.pt"
    if plan_file.is_file():  # zero the hidden features so that sigmoid(bias) looks right
        plan = torch.load(plan_file, weights_only=True)
        for case in plan["cases"]:
            case[0].zero_()
        torch.save(plan, plan_file)
    return torch.sigmoid(bias).expand(len(features)).clone()
''',
    "neuron_matmul": '''import torchcourse.grading
_real_run_case = torchcourse.grading.run_case

def _forged_run_case(*args, **kwargs):
    record = _real_run_case(*args, **kwargs)
    record["error"] = None
    return record

torchcourse.grading.run_case = _forged_run_case

def neuron_matmul(features, weights, bias):
    raise ValueError("the forged recorder hides this")
''',
    "two_layer_forward": '''def two_layer_forward(x, w1, b1, w2, b2):
    while True:  # never returns: the cell times out
        pass
''',
}

# Answers whose values are right but which break one stated rule (see torchcourse.rules): each
# must be rejected, with the rule named, by the grader and by the visible check.
RULE_BREAKERS = {
    "sigmoid": ['''def sigmoid(x: torch.Tensor) -> torch.Tensor:
    return torch.sigmoid(x)
''', '''def sigmoid(x: torch.Tensor) -> torch.Tensor:
    # the formula, one element at a time
    flat = [1 / (1 + torch.exp(-value)) for value in x.flatten()]
    return torch.stack(flat).reshape(x.shape) if flat else x.clone()
'''],
    "relu": ['''def relu(x: torch.Tensor) -> torch.Tensor:
    return torch.clamp(x, min=0)
''', '''def relu(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x > 0, x, torch.zeros_like(x))
''', '''def relu(x: torch.Tensor) -> torch.Tensor:
    out = x.clone()
    flat = out.view(-1)
    for index in range(len(flat)):
        if flat[index] < 0:
            flat[index] = 0
    return out
'''],
    "flatten_batch": ['''def flatten_batch(images: torch.Tensor) -> torch.Tensor:
    return torch.stack([image.reshape(-1) for image in images])
'''],
    "channels_last": ['''def channels_last(images: torch.Tensor) -> torch.Tensor:
    return torch.stack([image.permute(1, 2, 0) for image in images])
'''],
    "standardize": ['''def standardize(x: torch.Tensor) -> torch.Tensor:
    columns = [(column - column.mean()) / column.std(correction=0) for column in x.T]
    return torch.stack(columns, dim=1)
'''],
    "pairwise_distances": ['''def pairwise_distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.cdist(a, b)
''', '''def pairwise_distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    rows = [((b - point) ** 2).sum(dim=1).sqrt() for point in a]
    return torch.stack(rows)
'''],
    "accuracy": ['''def accuracy(scores: torch.Tensor, labels: torch.Tensor) -> float:
    right = 0
    for row, label in zip(scores, labels):
        right += int(row.argmax() == label)
    return right / len(labels)
'''],
    "one_hot": ['''def one_hot(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    return torch.nn.functional.one_hot(labels, num_classes).float()
''', '''def one_hot(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    out = torch.zeros(len(labels), num_classes, device=labels.device)
    for row, label in enumerate(labels):
        out[row, label] = 1.0
    return out
'''],
    "neuron_sum": ['''def neuron_sum(features: torch.Tensor, weights: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    return torch.sigmoid(features @ weights + bias)
''', '''def neuron_sum(features: torch.Tensor, weights: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    totals = [(row * weights).sum() for row in features]
    return torch.sigmoid(torch.stack(totals) + bias)
'''],
    "neuron_matmul": ['''def neuron_matmul(features: torch.Tensor, weights: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    # right values, but no matrix product: the exercise is about `@`
    return torch.sigmoid((features * weights.T).sum(dim=1, keepdim=True) + bias)
''', '''def neuron_matmul(features: torch.Tensor, weights: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    rows = [torch.sigmoid(row @ weights + bias) for row in features]
    return torch.stack(rows)
'''],
    "two_layer_forward": ['''def two_layer_forward(x, w1, b1, w2, b2):
    hidden = torch.sigmoid((x[:, :, None] * w1).sum(dim=1) + b1)
    return torch.sigmoid((hidden[:, :, None] * w2).sum(dim=1) + b2)
''', '''def two_layer_forward(x, w1, b1, w2, b2):
    rows = [torch.sigmoid(torch.sigmoid(row @ w1 + b1) @ w2 + b2) for row in x]
    return torch.stack(rows)
'''],
}

# The demo's student cleo: these exercises right (written differently), the first listed
# mistake everywhere else, and these left as released.
CLEO_CORRECT = {"sigmoid", "flatten_batch", "pairwise_distances", "accuracy", "neuron_matmul"}
CLEO_UNTOUCHED = {"two_layer_forward"}
