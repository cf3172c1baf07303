"""Part 3 (Neural networks with torch.nn): what tests/test_exercises.py does not prove for it.

The references keep the rules they grade, so they no longer lean on PyTorch's own softmax or on a
real convolution: here they are compared with those. The initialiser's hidden models hold layers
the exercise leaves alone; answers learners really wrote get the sentence that names their
mistake; and what the notebook tells a learner (the rules, LeNet's table, the batch dimension) is
true and gives nothing away.
"""

from __future__ import annotations

import re
import secrets

import nbformat
import pytest
import torch
from conftest import define, grade, part_notebook
from course_grader.judge import make_plan
from course_reference import PARTS
from torch import nn
from torchcourse import part03_neural_networks as part
from torchcourse.checks import CHECKS, run_check
from torchcourse.modules import build_layer, build_module, describe_module

PART = "03-neural-networks"
EXERCISES = {exercise.name: exercise for exercise in PARTS[PART]}
MARKDOWN = [cell.source for cell in nbformat.read(part_notebook("solutions", PART), as_version=4).cells
            if cell.cell_type == "markdown"]


def sentence(name: str, index: int) -> str:
    return part.KNOWN_MISTAKES[name][index].sentence


def exercise_text(name: str) -> str:
    """The markdown cell that states exercise `name`."""
    (text,) = [source for source in MARKDOWN if re.match(rf"### Exercise \d+ — {name}\n", source)]
    return text


# --- the references, against PyTorch ------------------------------------------------------

@pytest.mark.parametrize("seed", range(20))
def test_the_reference_convolution_size_is_what_a_real_convolution_gives(seed):
    for size, kernel, stride, padding, dilation in make_plan(EXERCISES["conv_output_size"], seed).cases:
        layer = nn.Conv1d(1, 1, kernel, stride=stride, padding=padding, dilation=dilation)
        expected = layer(torch.zeros(1, 1, size)).shape[-1]
        assert EXERCISES["conv_output_size"].reference(size, kernel, stride, padding, dilation) == expected


@pytest.mark.parametrize("name, pytorchs", [("softmax", torch.softmax), ("log_softmax", torch.log_softmax)])
def test_the_reference_softmaxes_are_pytorchs_in_float64(name, pytorchs):
    for seed in range(20):
        for (x,) in make_plan(EXERCISES[name], seed).cases:
            expected = pytorchs(x.double(), dim=-1).float()
            assert torch.allclose(EXERCISES[name].reference(x), expected, rtol=1e-6, atol=0), seed


# --- init_weights_: models that hold layers to leave alone --------------------------------

LEFT_ALONE = (nn.ConvTranspose2d, nn.Conv1d, (nn.BatchNorm1d, nn.BatchNorm2d))


def test_every_initialiser_model_holds_layers_the_exercise_leaves_alone():
    specs = [case[0] for seed in range(20) for case in make_plan(EXERCISES["init_weights_"], seed).cases]
    specs.append(CHECKS["init_weights_"].make_inputs(torch.Generator())[0])
    for spec in specs:
        modules = list(build_module(spec).modules())
        for kind in LEFT_ALONE:
            assert any(isinstance(module, kind) for module in modules), (kind, describe_module(spec))


def test_the_new_layers_are_built_and_described_like_the_others():
    assert isinstance(build_layer("convtranspose2d", 16, 12, 5), nn.ConvTranspose2d)
    assert isinstance(build_layer("batchnorm1d", 8), nn.BatchNorm1d)
    spec = {"layers": [["conv1d", 64, 40, 3], ["sequential", [["batchnorm2d", 12], ["convtranspose2d", 16, 12, 5]]]]}
    assert describe_module(spec) == "Sequential(Conv1d(64, 40, 3), Sequential(BatchNorm2d(12), ConvTranspose2d(16, 12, 5)))"


# --- answers learners wrote, beyond the listed variants, get their sentence ---------------

FC_NETWORK = '''class FCNetwork(nn.Module):
    def __init__(self, input_size, output_size, hidden_sizes, drop_p=0.5):
        super().__init__()
        sizes = [input_size] + hidden_sizes
        self.hidden_layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.output = nn.Linear(hidden_sizes[-1], output_size)
        self.drop_p = drop_p

    def forward(self, x):
        x = x.view(x.shape[0], -1)
        for layer in self.hidden_layers:
            x = HIDDEN
        return self.output(x)
'''
LENET = '''class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)
        self.log_softmax = nn.LogSoftmax(dim=1)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(torch.flatten(x, 1)))
        return self.log_softmax(self.fc3(F.relu(self.fc2(x))))
'''
NETWORK = '''class Network(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 64)
        self.fc3 = nn.Linear(64, 10)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.fc3(self.relu(self.fc2(self.relu(self.fc1(x)))))
'''
INITIALISER = '''def init_weights_(model):
    for module in model.modules():
        if isinstance(module, (nn.Linear, nn.modules.conv._ConvNd)):   # every convolution
            nn.init.xavier_uniform_(module.weight)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
'''
LEARNERS = [
    ("FCNetwork", FC_NETWORK.replace("HIDDEN", "F.relu(F.dropout(layer(x), self.drop_p))"), 1),
    ("FCNetwork", FC_NETWORK.replace("HIDDEN", "torch.dropout(torch.relu(layer(x)), self.drop_p, True)"), 1),
    ("FCNetwork", FC_NETWORK.replace("return self.output(x)", "return F.log_softmax(self.output(x), dim=-1)")
                            .replace("HIDDEN", "F.dropout(F.relu(layer(x)), self.drop_p, self.training)"), 6),
    ("LeNet", LENET, 5),
    ("Network", NETWORK, 4),
    ("init_weights_", INITIALISER, 7),
]


@pytest.mark.parametrize("name, source, index", LEARNERS)
def test_an_answer_a_learner_wrote_is_told_its_mistake_first(name, source, index, tmp_path, monkeypatch):
    seed = secrets.randbits(62)
    verdict = grade(name, source, "cpu", seed, tmp_path, monkeypatch)
    assert verdict.message.startswith(f"`{name}` failed a hidden test on cpu: {sentence(name, index)}"), \
        f"seed {seed}: {verdict.message}"
    result = run_check(name, define(source, name))
    assert result.message.startswith(f"{name}: {sentence(name, index)}"), result.message


def test_nn_linear_under_another_name_breaks_mylinear_s_rule(tmp_path, monkeypatch):
    verdict = grade("MyLinear", "MyLinear = nn.Linear\n", "cpu", 1, tmp_path, monkeypatch)
    assert not verdict.passed and "`F.linear` (which `nn.Linear` runs)" in verdict.message, verdict.message


# --- what the notebook says ------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_an_exercise_states_rules_exactly_when_they_are_graded_and_says_so(name):
    rules = CHECKS[name].rules
    graded = bool(rules.forbidden or rules.no_loops or rules.no_torch or rules.required
                  or rules.backward_passes)
    stated = [line for line in exercise_text(name).split("\n- ") if line.startswith("**Rules:**")]
    assert bool(stated) == graded, name
    assert all("(checked" in line for line in stated), stated


def test_how_this_notebook_is_graded_is_five_bullets_and_the_shared_page():
    (text,) = [source for source in MARKDOWN if source.startswith("## How this notebook is graded")]
    bullets = [line for line in text.splitlines() if line.startswith("- ")]
    assert len(bullets) == 5, bullets
    assert "[How the notebooks are graded](../GRADING.md)" in bullets[-1]
    assert "Run the cell below first." in text


def test_nothing_a_learner_reads_gives_away_the_inputs_of_lenet_s_fc1():
    told = [exercise_text("LeNet"), *part.HINTS["LeNet"],
            *(mistake.sentence for mistake in part.KNOWN_MISTAKES["LeNet"])]
    assert not [text for text in told if re.search(r"\b400\b", text)]
    assert "| `fc1` | `nn.Linear(?, 120)`, then ReLU | (N, 120) |" in exercise_text("LeNet")


def test_what_section_11_says_about_single_examples_is_true():
    assert nn.Linear(4, 2)(torch.randn(4)).shape == (2,)
    assert nn.Conv2d(3, 2, 3)(torch.randn(3, 8, 8)).shape == (2, 6, 6)
    assert nn.MaxPool2d(2)(torch.randn(3, 8, 8)).shape == (3, 4, 4)
    with pytest.raises(ValueError, match=re.escape("expected 4D input (got 3D input)")):
        nn.BatchNorm2d(3)(torch.randn(3, 8, 8))
    (text,) = [source for source in MARKDOWN if source.startswith("## 11. ")]
    assert "Since PyTorch 1.11 most of them also" in text and "expected 4D input (got 3D input)" in text
