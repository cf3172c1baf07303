"""The messages a learner reads: what was expected and what was got."""

import pytest
import torch
from torchcourse.feedback import describe, mismatch


def test_matching_tensors_and_numbers_have_no_mismatch():
    x = torch.randn(3, 4)
    assert mismatch(x, x.clone()) is None
    assert mismatch(0.25, 0.25) is None


@pytest.mark.parametrize("got, words", [
    (torch.zeros(4, 3), ["shape (3, 4)", "shape (4, 3)", "shape differs"]),
    (torch.zeros(3, 4, dtype=torch.int64), ["torch.float32", "torch.int64", "dtype differs"]),
    ([1.0, 2.0], ["the list [1.0, 2.0]"]),
    ([torch.ones(1), 2.0], ["a tuple or list of 2 values"]),
])
def test_a_wrong_kind_of_result_is_described(got, words):
    message = mismatch(torch.zeros(3, 4), got)
    for word in words:
        assert word in message, message


def test_wrong_values_name_the_first_bad_index_and_both_values():
    expected = torch.zeros(2, 3)
    got = expected.clone()
    got[1, 2] = 0.5
    assert mismatch(expected, got) == ("1 of 6 values are wrong; the first at index (1, 2): "
                                       "expected 0, got 0.5")


def test_nan_is_never_close():
    assert "got nan" in mismatch(torch.ones(2), torch.tensor([1.0, float("nan")]))


def test_a_one_element_tensor_for_a_number_suggests_item():
    assert ".item()" in mismatch(0.5, torch.tensor(0.5))


def test_describe_mentions_shape_dtype_and_device():
    assert describe(torch.ones(2, 5)) == "a tensor of shape (2, 5), dtype torch.float32, on cpu"


def test_lists_and_dicts_are_compared_item_by_item_and_the_item_is_named():
    expected = {"output": torch.ones(2), "gradients": [torch.zeros(2), None]}
    assert mismatch(expected, {"output": torch.ones(2), "gradients": [torch.zeros(2), None]}) is None
    wrong = {"output": torch.ones(2), "gradients": [torch.ones(2), None]}
    assert mismatch(expected, wrong).startswith("`gradients`: item 0 of 2: 2 of 2 values are wrong")
    assert "got None" in mismatch([torch.ones(1)], [None])
    assert "expected the list [1.0, 2.0], got a tensor" in mismatch([1.0, 2.0], torch.ones(2))


def test_a_dict_missing_a_key_or_of_another_type_is_named():
    expected = {"loss": 1.0, "weights": [torch.zeros(2)]}
    assert mismatch(expected, {}) == "expected a key `loss`, missing from an empty dict"
    assert mismatch(expected, {"loss": 1.0}) == "expected a key `weights`, missing from a dict with keys `loss`"

    class Record(dict):
        pass

    assert mismatch(expected, Record(expected)) == (
        "expected a dict with keys `loss`, `weights`, got an object of type Record, "
        "a subclass of dict")


def test_the_class_report_keeps_a_verdicts_problem_without_the_call():
    from course_grader.report import failure_reason

    verdict = ("`sigmoid` failed a hidden test on cpu: expected a tensor of shape (3, 4), dtype "
               "torch.float32, on cpu, got None. It was called with (a tensor of shape (3, 4), dtype "
               "torch.float32, on cpu).")
    assert failure_reason("sigmoid", verdict) == ("expected a tensor of shape (…), dtype torch.float32, "
                                                  "on cpu, got None.")
    named = ("`sigmoid` failed a hidden test on cuda: These are the values of 1 / (1 + e^x): the minus "
             "sign in e^(−x) is missing. 12 of 12 values are wrong. It was called with (…).")
    assert failure_reason("sigmoid", named).startswith("These are the values of 1 / (1 + e^x)")


def test_a_cells_printed_output_reads_the_same_however_the_kernel_flushed():
    """stdout and stderr pieces interleave as the kernel's flushes fall; the graded page must not."""
    from course_grader.preprocessors import CoalesceStreams
    from nbformat.v4 import new_code_cell, new_output

    def stream(name: str, text: str):
        return new_output("stream", name=name, text=text)

    figure = new_output("display_data", data={"text/plain": "<figure>"})
    flushed_one_way = [stream("stdout", "a\n"), stream("stderr", "warning\n"), stream("stdout", "b\n"),
                       figure, stream("stdout", "c\n")]
    flushed_another = [stream("stdout", "a\n"), stream("stdout", "b\n"), stream("stderr", "warning\n"),
                       figure, stream("stdout", "c\n")]
    pages = []
    for outputs in (flushed_one_way, flushed_another):
        cell, _ = CoalesceStreams().preprocess_cell(new_code_cell(outputs=outputs), {}, 0)
        pages.append([(output.output_type, output.get("name"), output.get("text")) for output in cell.outputs])
    assert pages[0] == pages[1] == [("stream", "stdout", "a\nb\n"), ("stream", "stderr", "warning\n"),
                                    ("display_data", None, None), ("stream", "stdout", "c\n")]


def test_the_score_table_keeps_its_column_headers_apart(capsys):
    from course_grader.cli import parts, print_scores

    print_scores({"ada": {part: 1 for part in parts()}, "mallory": {}})
    header, *rows = capsys.readouterr().out.splitlines()
    assert header.split() == ["student", *parts()]
    assert rows[1].split() == ["mallory", *["-"] * len(parts())]
    assert len({len(line) for line in (header, *rows)}) == 1  # columns line up
