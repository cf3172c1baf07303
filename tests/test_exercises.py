"""Every graded test is honest: it accepts correct answers on fresh inputs and rejects wrong ones.

These run the grader's own path in-process: the recorder the hidden test cell calls, then the
trusted judge. tests/test_pipeline.py does the same through nbgrader.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
import torch
from conftest import DEVICES, answer_sources, define, grade, grade_answer, part_notebook, train_small_network
from course_grader.judge import judge, make_plan, read_results, write_inputs
from course_reference import PARTS
from torchcourse import CheckFailed, check
from torchcourse.data import DATA_VARIABLE
from torchcourse.checks import (CHECKS, KNOWN_MISTAKES, NOT_WRITTEN, PART_MODULES, PASSED, WRONG,
                                expected_records, part_module, run_check)
from torchcourse.grading import COMPARISONS, PASS_DESCRIPTIONS, GRADING_DIR_VARIABLE, loop_problem, record_for_grading, run_case
from torchcourse.rules import input_size
from variants import PARTS as VARIANTS

EXERCISES = {exercise.name: exercise for exercises in PARTS.values() for exercise in exercises}
# The capstone is judged by a pass mark on held-out data, not against a reference answer; it has
# its own tests below.
JUDGED_BY_PASS_MARK = {name for name, exercise in EXERCISES.items() if exercise.kind in PASS_DESCRIPTIONS}
NAMES = sorted(set(EXERCISES) - JUDGED_BY_PASS_MARK)
SOLUTIONS = {name: source for part in PARTS
             for name, source in answer_sources(part_notebook("solutions", part)).items()}
STUBS = {name: source for part in PARTS
         for name, source in answer_sources(part_notebook("course", part)).items()}
ALTERNATIVES = {name: source for part in PARTS for name, source in VARIANTS[part].ALTERNATIVES.items()}
MISTAKE_SOURCES = {name: sources for part in PARTS for name, sources in VARIANTS[part].MISTAKES.items()}
GPU_MISTAKES = {name: sources for part in PARTS for name, sources in VARIANTS[part].GPU_MISTAKES.items()}
MISTAKES = [(name, index) for name in NAMES for index in range(len(MISTAKE_SOURCES[name]))]
# Exercises judged on properties (a seeded split) say which property failed instead of naming a
# mistake; every other exercise names each of its listed mistakes in a sentence.
JUDGED_ON_PROPERTIES = {name for name in NAMES if EXERCISES[name].kind in COMPARISONS}
NAMED_MISTAKES = [(name, index) for name, index in MISTAKES if name not in JUDGED_ON_PROPERTIES]
RULE_BREAKER_SOURCES = {name: sources for part in PARTS
                        for name, sources in VARIANTS[part].RULE_BREAKERS.items()}
RULE_BREAKERS = [(name, index) for name, sources in sorted(RULE_BREAKER_SOURCES.items())
                 for index in range(len(sources))]
# What a verdict says for each kind of rule broken (see torchcourse.rules.Rules).
RULE_WORDS = {"forbidden": "which this exercise rules out", "no_loops": "without a loop",
              "no_torch": "plain Python arithmetic", "required": "never",
              "backward_passes": "backward pass"}
# Every failure message says what went wrong in one of these ways.
# Real MNIST, beside the checkout on the course's own machines only (../shared/data/README.md).
REAL_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data"
EXPLAINED = ("expected", "raised", "in place", "requires_grad", "no gradient can flow", "rules out",
             "without a loop", "backward pass", "never")


def explains(message: str) -> bool:
    return any(words in message.lower() for words in EXPLAINED)


@pytest.mark.parametrize("part", sorted(PARTS))
def test_every_graded_exercise_has_a_reference_and_answer_variants(part):
    graded = set(answer_sources(part_notebook("solutions", part)))
    variants = VARIANTS[part]
    assert graded == {exercise.name for exercise in PARTS[part]} == set(variants.ALTERNATIVES) \
        == set(variants.MISTAKES) == set(answer_sources(part_notebook("course", part)))
    assert all(variants.MISTAKES[name] for name in graded), "each exercise needs a realistic mistake"
    assert variants.CLEO_CORRECT | variants.CLEO_UNTOUCHED <= graded


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", NAMES)
def test_solution_passes_on_many_fresh_draws(name, device, tmp_path, monkeypatch):
    for _ in range(100):
        seed = secrets.randbits(62)
        verdict = grade(name, SOLUTIONS[name], device, seed, tmp_path, monkeypatch)
        assert verdict.passed, f"seed {seed}: {verdict.message}"


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", NAMES)
def test_correct_answer_written_differently_passes(name, device, tmp_path, monkeypatch):
    for _ in range(10):
        seed = secrets.randbits(62)
        verdict = grade(name, ALTERNATIVES[name], device, seed, tmp_path, monkeypatch)
        assert verdict.passed, f"seed {seed}: {verdict.message}"


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name, index", MISTAKES)
def test_realistic_mistake_is_rejected_on_every_draw(name, index, device, tmp_path, monkeypatch):
    for _ in range(5):
        seed = secrets.randbits(62)
        verdict = grade(name, MISTAKE_SOURCES[name][index], device, seed, tmp_path, monkeypatch)
        assert not verdict.passed, f"seed {seed}: mistake {index} of {name} was accepted"
        assert explains(verdict.message), verdict.message


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
@pytest.mark.parametrize("name", sorted(GPU_MISTAKES))
def test_mistakes_that_only_show_on_a_gpu_are_rejected_there(name, tmp_path, monkeypatch):
    for source in GPU_MISTAKES[name]:
        verdict = grade(name, source, "cuda", secrets.randbits(62), tmp_path, monkeypatch)
        assert not verdict.passed and "on cpu" in verdict.message, verdict.message


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", NAMES)
def test_released_stub_fails_and_says_what_to_do(name, device, tmp_path, monkeypatch):
    verdict = grade(name, STUBS[name], device, secrets.randbits(62), tmp_path, monkeypatch)
    assert not verdict.passed
    assert "not written yet: replace `raise NotImplementedError()`" in verdict.message


# --- the rules each exercise states are graded ---------------------------------------------------

def rule_kinds(name: str) -> set[str]:
    """The kinds of rule exercise `name` states (see torchcourse.rules.Rules)."""
    rules = CHECKS[name].rules
    return {kind for kind, stated in [("forbidden", rules.forbidden), ("no_loops", rules.no_loops),
                                      ("no_torch", rules.no_torch), ("required", rules.required),
                                      ("backward_passes", rules.backward_passes)] if stated}


@pytest.mark.parametrize("name, index", RULE_BREAKERS)
def test_an_answer_that_breaks_a_stated_rule_is_rejected_and_told_which(name, index, tmp_path, monkeypatch):
    source = RULE_BREAKER_SOURCES[name][index]
    said = [RULE_WORDS[kind] for kind in rule_kinds(name)]
    for _ in range(3):
        seed = secrets.randbits(62)
        verdict = grade(name, source, "cpu", seed, tmp_path, monkeypatch)
        assert not verdict.passed and any(words in verdict.message for words in said), \
            f"seed {seed}: {verdict.message}"
    result = run_check(name, define(source, name))
    assert result.status == WRONG and any(words in result.message for words in said), result.message


@pytest.mark.parametrize("name", sorted(name for name in NAMES if rule_kinds(name)))
def test_every_kind_of_rule_an_exercise_states_has_a_breaker_proven_rejected(name, tmp_path, monkeypatch):
    shown = set()
    for source in RULE_BREAKER_SOURCES.get(name, []):
        message = grade(name, source, "cpu", secrets.randbits(62), tmp_path, monkeypatch).message
        shown |= {kind for kind, words in RULE_WORDS.items() if words in message}
    assert rule_kinds(name) <= shown, f"no variant of {name} proves these rules graded: {rule_kinds(name) - shown}"


@pytest.mark.parametrize("name", NAMES)
def test_the_reference_keeps_the_rules_it_grades(name):
    exercise, rules = EXERCISES[name], CHECKS[name].rules
    cases = [list(case) for case in make_plan(exercise, seed=3).cases]
    records = [run_case(exercise.kind, exercise.reference, case, "cpu") for case in cases]
    for case, record in zip(cases, records):
        assert rules.problem_with_calls(record["calls"], case) is None, record["calls"]
    assert loop_problem(rules, cases, records) is None


@pytest.mark.parametrize("name", sorted(name for name in NAMES if CHECKS[name].rules.no_loops))
def test_a_loop_shows_on_every_draw_and_in_the_check(name):
    """The largest hidden case, and the check's largest input, hold many times the elements of the
    smallest, so a loop over them makes many more calls."""
    for seed in range(20):
        sizes = [input_size(case) for case in make_plan(EXERCISES[name], seed=seed).cases]
        assert max(sizes) >= 16 * max(min(sizes), 1), (seed, sizes)
    sizes = [input_size(draw["inputs"]) for draw in expected_records(part_module(name))[name]]
    assert max(sizes) >= 8 * max(min(sizes), 1), sizes


def test_nothing_recorded_is_a_failure_with_a_reason(tmp_path):
    plan = make_plan(EXERCISES["sigmoid"], seed=1)
    verdict = judge(plan, read_results(plan, tmp_path))
    assert not verdict.passed and "No results were recorded" in verdict.message


def same(a, b) -> bool:
    """Whether two cases' plain data are equal: tensors (shape and values), lists, dicts, numbers."""
    if isinstance(a, torch.Tensor):  # NaN where the other has NaN counts as equal
        return (isinstance(b, torch.Tensor) and a.shape == b.shape and a.dtype == b.dtype
                and torch.equal(a.isnan(), b.isnan()) and torch.equal(a.nan_to_num(), b.nan_to_num()))
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def test_hidden_inputs_are_fresh_each_run_and_repeatable_from_a_seed():
    for exercise in EXERCISES.values():
        first, again = make_plan(exercise, seed=7).cases, make_plan(exercise, seed=7).cases
        assert same(first, again), exercise.name
        assert not same(first, make_plan(exercise).cases), exercise.name


def test_recorder_does_nothing_outside_grading(monkeypatch, tmp_path):
    monkeypatch.delenv(GRADING_DIR_VARIABLE, raising=False)
    monkeypatch.chdir(tmp_path)
    record_for_grading("sigmoid", lambda x: 1 / 0)
    assert list(tmp_path.iterdir()) == []


# --- the visible checks a learner runs while working ------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_visible_check_accepts_correct_answers(name):
    for source in (SOLUTIONS[name], ALTERNATIVES[name]):
        result = run_check(name, define(source, name))
        assert result.status == PASSED and result.message.startswith(f"{name} passed"), result


@pytest.mark.parametrize("name, index", MISTAKES)
def test_visible_check_explains_each_mistake(name, index):
    result = run_check(name, define(MISTAKE_SOURCES[name][index], name))
    assert result.status == WRONG and explains(result.message), result


@pytest.mark.parametrize("name", NAMES)
def test_visible_check_on_the_stub_asks_for_code(name):
    result = run_check(name, define(STUBS[name], name))
    assert result.status == NOT_WRITTEN
    assert result.text() == f"… {name} is not written yet: replace `raise NotImplementedError()` with your code."


@pytest.mark.parametrize("module", PART_MODULES, ids=lambda module: module.__name__)
def test_the_checks_saved_records_are_what_the_reference_gives_now(module):
    """`make release` writes them; they must be in step with the reference and the checks."""
    from course_grader.records import part_records

    saved = expected_records(module)
    assert same(saved, part_records(module)), (
        f"{module.__name__}'s expected records are out of date: run `make release`")


def test_a_check_shows_one_line_and_never_raises(capsys, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    check("sigmoid", lambda x: 1 / 0)
    shown = capsys.readouterr().out
    assert shown.startswith("✗ sigmoid: it raised ZeroDivisionError") and shown.count("\n") == 1
    assert "It was called with (a tensor of shape (3, 4)" in shown
    assert "ZeroDivisionError: division by zero (in <lambda>, at `check(\"sigmoid\"" in shown


def test_under_validate_an_unfinished_check_raises_one_short_line(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    with pytest.raises(CheckFailed) as failure:
        check("relu", define(STUBS["relu"], "relu"))
    assert failure.value._render_traceback_() == [
        "… relu is not written yet: replace `raise NotImplementedError()` with your code."]
    check("relu", define(SOLUTIONS["relu"], "relu"))  # a passing check raises nothing


# --- well-known mistakes are named, in the check and in the grader's verdict -------------------

def test_every_listed_mistake_has_a_sentence_that_names_it():
    for name in NAMES:
        listed = 0 if name in JUDGED_ON_PROPERTIES else len(MISTAKE_SOURCES[name])
        assert len(KNOWN_MISTAKES[name]) == listed, name
        assert all(mistake.sentence.endswith(".") for mistake in KNOWN_MISTAKES[name]), name


@pytest.mark.parametrize("name, index", NAMED_MISTAKES)
def test_each_listed_mistake_is_named_by_the_grader_and_the_check(name, index, tmp_path, monkeypatch):
    sentence = KNOWN_MISTAKES[name][index].sentence
    for _ in range(3):
        seed = secrets.randbits(62)
        verdict = grade(name, MISTAKE_SOURCES[name][index], "cpu", seed, tmp_path, monkeypatch)
        # the sentence that helps comes first, before what was expected and what was got
        assert verdict.message.startswith(f"`{name}` failed a hidden test on cpu: {sentence}"), \
            f"seed {seed}: {verdict.message}"
    result = run_check(name, define(MISTAKE_SOURCES[name][index], name))
    assert result.message.startswith(f"{name}: {sentence}"), result.message


@pytest.mark.parametrize("name", NAMES)
def test_a_correct_answer_is_never_told_it_made_a_mistake(name, tmp_path, monkeypatch):
    sentences = [mistake.sentence for mistakes in KNOWN_MISTAKES.values() for mistake in mistakes]
    for source in (SOLUTIONS[name], ALTERNATIVES[name]):
        verdict = grade(name, source, "cpu", secrets.randbits(62), tmp_path, monkeypatch)
        result = run_check(name, define(source, name))
        for message in (verdict.message, result.message):
            assert not any(sentence in message for sentence in sentences), message


# --- exercise kinds beyond plain functions -----------------------------------------------------

def test_a_function_whose_apply_is_replaced_is_judged_by_its_own_backward(tmp_path, monkeypatch):
    """Replacing `apply` with plain autograd of the right formula does not hide a wrong backward."""
    source = '''class MultiplyAdd(torch.autograd.Function):
    @staticmethod
    def forward(ctx, w, x, b):
        ctx.save_for_backward(w, x)
        return w * x + b

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, grad_output, grad_output

MultiplyAdd.apply = staticmethod(lambda w, x, b: w * x + b)
'''
    verdict = grade("MultiplyAdd", source, "cpu", secrets.randbits(62), tmp_path, monkeypatch)
    assert not verdict.passed and "`backward`" in verdict.message, verdict.message


def test_a_class_that_is_not_an_autograd_function_is_told_so(tmp_path, monkeypatch):
    source = "class MultiplyAdd:\n    pass\n"
    verdict = grade("MultiplyAdd", source, "cpu", 1, tmp_path, monkeypatch)
    assert "expected a class derived from torch.autograd.Function" in verdict.message


def test_a_verdict_on_a_function_of_a_function_shows_the_function_drawn(tmp_path, monkeypatch):
    verdict = grade("numerical_gradient", MISTAKE_SOURCES["numerical_gradient"][0], "cpu", 5,
                    tmp_path, monkeypatch)
    assert "called with (f(x) = " in verdict.message, verdict.message


def test_an_answer_waiting_for_keyboard_input_is_told_to_take_that_line_out(tmp_path, monkeypatch):
    """`input()`, `breakpoint()` or `pdb.set_trace()` left in an answer: nobody can type while it is
    graded (here stdin is empty, as input() finds it in a batch)."""
    import io
    import sys

    from torchcourse.grading import ASKS_FOR_INPUT

    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    source = "def sigmoid(x):\n    answer = input('continue? ')\n    return 1 / (1 + torch.exp(-x))\n"
    verdict = grade("sigmoid", source, "cpu", 1, tmp_path, monkeypatch)
    assert verdict.message.startswith(f"`sigmoid` failed a hidden test on cpu: {ASKS_FOR_INPUT}")
    assert "(in sigmoid, at `answer = input('continue? ')`)" in verdict.message, verdict.message


def test_an_error_names_the_line_of_the_learners_code(tmp_path, monkeypatch):
    source = "def grad_of_square_exp(x):\n    return x / undefined_name\n"
    verdict = grade("grad_of_square_exp", source, "cpu", 1, tmp_path, monkeypatch)
    assert "NameError" in verdict.message and "`return x / undefined_name`" in verdict.message


# --- module classes, models drawn as data, initialisers ----------------------------------------

def test_a_module_factory_that_returns_something_else_is_told_so(tmp_path, monkeypatch):
    verdict = grade("build_mlp", "def build_mlp(sizes):\n    return [nn.Linear(2, 2)]\n", "cpu", 1,
                    tmp_path, monkeypatch)
    assert "expected an nn.Module, got a tuple or list of 1 values" in verdict.message, verdict.message


def test_a_buffer_where_a_parameter_is_asked_for_is_named(tmp_path, monkeypatch):
    source = '''class MyLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.register_buffer("weight", torch.zeros(out_features, in_features))
        self.bias = nn.Parameter(torch.zeros(out_features))

    def forward(self, x):
        return x @ self.weight.T + self.bias
'''
    verdict = grade("MyLinear", source, "cpu", 2, tmp_path, monkeypatch)
    assert "`weight` is in your module's state_dict but is not a trainable parameter" in verdict.message


def test_a_layer_the_exercise_does_not_ask_for_is_named(tmp_path, monkeypatch):
    source = SOLUTIONS["Network"].replace("self.fc3 = nn.Linear(64, 10)",
                                          "self.fc3 = nn.Linear(64, 10)\n        self.extra = nn.Linear(10, 10)")
    verdict = grade("Network", source, "cpu", 3, tmp_path, monkeypatch)
    assert "your module has `extra.weight`, which the exercise does not ask for" in verdict.message


def test_a_module_verdict_says_how_the_module_was_built(tmp_path, monkeypatch):
    verdict = grade("FCNetwork", MISTAKE_SOURCES["FCNetwork"][2], "cpu", 4, tmp_path, monkeypatch)
    assert verdict.message.startswith("`FCNetwork` failed a hidden test on cpu: ")
    assert "It was built as `FCNetwork(" in verdict.message
    assert "to be given the test's weights and called with (a tensor of shape" in verdict.message


def test_a_module_wrong_in_training_mode_only_is_told_so(tmp_path, monkeypatch):
    """An unlisted dropout in Network changes nothing in eval mode, and the verdict says where to look."""
    from torchcourse.grading import TRAINING_MODE_ONLY

    source = SOLUTIONS["Network"].replace("return self.fc3(x)", "return self.fc3(F.dropout(x, 0.2, self.training))")
    assert source != SOLUTIONS["Network"]
    verdict = grade("Network", source, "cpu", secrets.randbits(62), tmp_path, monkeypatch)
    assert not verdict.passed, verdict.message
    assert verdict.message.startswith(f"`Network` failed a hidden test on cpu: {TRAINING_MODE_ONLY}"), verdict.message


def test_dropout_is_compared_in_training_mode_on_the_cpu_with_the_seed_fixed(tmp_path, monkeypatch):
    """The same network gives the same training-mode output twice; another dropout rate does not."""
    from torchcourse.grading import MODULE_CLASS, run_case

    plan = make_plan(EXERCISES["FCNetwork"], seed=5)
    answer = define(SOLUTIONS["FCNetwork"], "FCNetwork")
    first, again = (run_case(MODULE_CLASS, answer, list(plan.cases[0]), "cpu") for _ in range(2))
    assert torch.equal(first["value"]["training output"], again["value"]["training output"])
    assert not torch.equal(first["value"]["training output"], first["value"]["output"])


# --- the capstone: a trained model, judged by a pass mark on held-out images ------------------

def train_mlp(root: Path) -> torch.nn.Module:
    """A small network trained for a few seconds on 6,000 digits of the MNIST in `root`."""
    return train_small_network("MNIST", root, epochs=8, batch_size=64, count=6000)


@pytest.fixture(scope="module")
def trained_mlp():
    from torchcourse.data import prepare_mnist

    return train_mlp(prepare_mnist(allow_download=False))


@pytest.mark.skipif(not (REAL_MNIST / "MNIST" / "raw").is_dir(),
                    reason=f"no real MNIST subset in {REAL_MNIST} (only the course's own machines have one)")
def test_on_real_mnist_a_trained_model_passes_the_capstone_and_an_untrained_one_fails(tmp_path, monkeypatch):
    from course_reference.part04_training import SMALL_MNIST_PASS_MARK, held_out_mnist

    monkeypatch.setenv(DATA_VARIABLE, str(REAL_MNIST))
    held_out_mnist.cache_clear()
    try:
        verdict = grade_answer("capstone", train_mlp(REAL_MNIST), "cpu", secrets.randbits(62), tmp_path,
                               monkeypatch)
        assert verdict.passed, verdict.message
        assert f"(pass mark {SMALL_MNIST_PASS_MARK:.0%})" in verdict.message, verdict.message
        torch.manual_seed(1)
        untrained = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
        verdict = grade_answer("capstone", untrained, "cpu", secrets.randbits(62), tmp_path, monkeypatch)
        assert not verdict.passed and "about what guessing gives" in verdict.message, verdict.message
    finally:
        held_out_mnist.cache_clear()


@pytest.mark.parametrize("device", DEVICES)
def test_a_trained_model_passes_the_capstone(trained_mlp, device, tmp_path, monkeypatch):
    verdict = grade_answer("capstone", trained_mlp.to(device), device, secrets.randbits(62), tmp_path,
                           monkeypatch)
    assert verdict.passed and "held-out images correctly (pass mark" in verdict.message, verdict.message


def test_an_untrained_model_fails_the_capstone_and_is_told_its_score(tmp_path, monkeypatch):
    torch.manual_seed(1)
    untrained = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
    verdict = grade_answer("capstone", untrained, "cpu", secrets.randbits(62), tmp_path, monkeypatch)
    assert not verdict.passed and "held-out images correctly; the pass mark is" in verdict.message
    assert "That is about what guessing gives" in verdict.message, verdict.message


def test_the_capstone_stub_and_a_wrong_shape_fail_with_a_reason(tmp_path, monkeypatch):
    for answer, reason in [(torch.nn.Flatten(), "expected one row of 10 class scores per image"),
                           (lambda images: 0, "expected your trained model (an nn.Module)")]:
        verdict = grade_answer("capstone", answer, "cpu", 1, tmp_path, monkeypatch)
        assert not verdict.passed and reason in verdict.message, verdict.message


def test_the_capstone_inputs_hold_images_and_no_labels(tmp_path):
    plan = make_plan(EXERCISES["capstone"], seed=2)
    write_inputs(plan, tmp_path)
    written = torch.load(next(tmp_path.iterdir()), weights_only=True)
    assert set(written) == {"kind", "cases", "devices"}  # nothing beside the cases
    ((images, classes, pass_mark),) = written["cases"]  # images, the class count, the pass mark
    assert images.dtype == torch.float32 and images.shape[1:] == (1, 28, 28)
    assert classes == 10 and isinstance(pass_mark, float)


def test_the_capstone_check_only_checks_the_contract(trained_mlp):
    assert run_check("capstone", trained_mlp.cpu()).status == PASSED
    assert run_check("capstone", torch.nn.Flatten()).status == WRONG
