"""Fairness numbers against hand-computed values; CLI exit codes; import purity."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from matching import below_four_fifths, fairness_report, wilson_interval

ROOT = Path(__file__).resolve().parents[2]


def test_wilson_interval_five_of_ten():
    low, high = wilson_interval(5, 10)
    assert low == pytest.approx(0.2366, abs=1e-4) and high == pytest.approx(0.7634, abs=1e-4)


def test_wilson_interval_edges():
    assert wilson_interval(0, 20)[0] == 0.0 and wilson_interval(20, 20)[1] == 1.0


def test_report_rates_ratio_flag_and_small_groups():
    report = fairness_report({"A": (30, 50), "B": (20, 50), "C": (1, 5)})
    by_group = {g.group: g for g in report.groups}
    assert by_group["A"].rate == 0.6 and by_group["B"].rate == 0.4
    assert not by_group["C"].enough_data and by_group["C"].note == "not enough data" and by_group["C"].rate is None
    assert report.adverse_impact_ratio == pytest.approx(0.4 / 0.6)
    assert report.flagged and report.lowest_group == "B" and report.highest_group == "A"
    # A vs rest: [[30, 20], [21, 34]] — two-sided Fisher exact p, checked against scipy's documented example style.
    from scipy.stats import fisher_exact

    assert by_group["A"].fisher_p_value == pytest.approx(fisher_exact([[30, 20], [21, 34]]).pvalue)


def test_report_not_flagged_above_four_fifths():
    report = fairness_report({"A": (40, 100), "B": (36, 100)})
    assert report.adverse_impact_ratio == pytest.approx(0.9) and not report.flagged


def test_report_rejects_impossible_counts():
    with pytest.raises(ValueError, match="'A'"):
        fairness_report({"A": (11, 10)})


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "matching", *args], capture_output=True, text=True, cwd=ROOT, timeout=60
    )


INSTANCE = {
    "candidates": {"a": ["x", "y"], "b": ["x"], "c": ["y"]},
    "placements": {"x": {"capacity": 1, "ranking": ["b", "a"]}, "y": {"capacity": 1, "ranking": ["a", "c"]}},
    "meta": {"note": "ignored"},
}


def test_cli_assign_then_check_ok(tmp_path):
    instance = tmp_path / "instance.json"
    instance.write_text(json.dumps(INSTANCE))
    assigned = run_cli("assign", str(instance))
    assert assigned.returncode == 0
    assert json.loads(assigned.stdout) == {"assignment": {"a": "y", "b": "x", "c": None}}
    answer = tmp_path / "answer.json"
    answer.write_text(assigned.stdout)
    checked = run_cli("check", str(instance), str(answer))
    assert checked.returncode == 0 and checked.stdout.startswith("OK")


def test_cli_check_reports_violations(tmp_path):
    instance = tmp_path / "instance.json"
    instance.write_text(json.dumps(INSTANCE))
    answer = tmp_path / "answer.json"
    answer.write_text(json.dumps({"assignment": {"a": "x", "b": "x", "c": "x"}}))
    checked = run_cli("check", str(instance), str(answer))
    assert checked.returncode == 1
    assert "capacity" in checked.stdout and "do not both list" in checked.stdout and "blocking pair" in checked.stdout


@pytest.mark.parametrize("content", ["{not json", json.dumps({"candidates": {"a": ["zz"]}, "placements": {}}), "[]"])
def test_cli_bad_input_exits_2_without_traceback(tmp_path, content):
    instance = tmp_path / "instance.json"
    instance.write_text(content)
    result = run_cli("assign", str(instance))
    assert result.returncode == 2 and "Traceback" not in result.stderr and result.stderr.startswith("error:")


def test_cli_missing_file_exits_2(tmp_path):
    result = run_cli("check", str(tmp_path / "nope.json"), str(tmp_path / "nope2.json"))
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_importing_matching_loads_neither_flask_nor_sqlalchemy():
    code = "import sys, matching; matching.worked_example(); print(sorted(m for m in ('flask', 'sqlalchemy', 'recruit') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_command_line_loads_neither_scikit_learn_nor_scipy(tmp_path):
    """`assign` and `check` start fast: the package imports the scoring stack only when it is used."""
    instance = tmp_path / "instance.json"
    instance.write_text(json.dumps({**INSTANCE, "assignment": {"a": "y", "b": "x", "c": None}}))
    code = (
        "import sys; from matching.__main__ import main; "
        f"codes = [main(['assign', {str(instance)!r}]), main(['check', {str(instance)!r}, {str(instance)!r}])]; "
        "print(codes, sorted(m for m in ('sklearn', 'scipy') if m in sys.modules), file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.stderr.strip() == "[0, 0] []"


def test_four_fifths_is_exact_at_the_edge():
    # 6/10 = 0.6 and 9/12 = 0.75: the ratio is exactly 0.8, which floating point makes 0.7999999999999999.
    assert 0.6 / 0.75 < 0.8  # the trap
    report = fairness_report({"A": (6, 10), "B": (9, 12)})
    assert not report.flagged and report.lowest_group == "A" and report.highest_group == "B"
    assert not below_four_fifths((6, 10), (9, 12))
    assert below_four_fifths((599, 1000), (9, 12))  # just under 0.8
    assert not below_four_fifths((8, 10), (10, 10)) and below_four_fifths((7, 10), (10, 10))
    assert fairness_report({"A": (59, 100), "B": (9, 12)}).flagged


def test_rates_equal_as_fractions_tie_by_name_not_by_rounding():
    report = fairness_report({"A": (10, 30), "B": (100, 300), "C": (20, 30)})
    assert report.lowest_group == "A" and report.highest_group == "C" and report.flagged
