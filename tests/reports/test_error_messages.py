"""Every bad input to the report runner fails before a kernel starts, with a clear message."""

from __future__ import annotations

import pytest

from workbench.errors import SpecError
from workbench.reports import (
    expand_each,
    find_report,
    parse_assignments,
    plan_batch,
    run_report,
    validate_parameters,
)


@pytest.mark.kernel
def test_unknown_parameter_suggests_close_name(probe, tmp_path):
    with pytest.raises(SpecError, match=r"Unknown parameter 'lable'.*Did you mean 'label'"):
        run_report(probe, parse_assignments(["lable=x"]), tmp_path / "run")
    assert not (tmp_path / "run").exists(), "nothing may be written before validation passes"


def test_unknown_parameter_lists_valid_ones(probe):
    with pytest.raises(
        SpecError, match=r"Parameters of this report: fail_if_exists, fail_label, label, n"
    ):
        validate_parameters(probe, {"zzz": 1})


def test_wrong_type_names_declaration_and_fix(probe):
    with pytest.raises(
        SpecError, match=r"Parameter `n` must be of type int .*`n: int = 5`.*got 'abc'.*-p n=10"
    ):
        validate_parameters(probe, parse_assignments(["n=abc"]))


def test_bool_is_not_an_int(probe):
    with pytest.raises(SpecError, match=r"`n` must be of type int"):
        validate_parameters(probe, {"n": True})


def test_yaml_typing_and_str_declarations(probe):
    got = validate_parameters(probe, parse_assignments(["n=3", "label=310000", "scale=2"]))
    assert got == {"n": 3, "label": "310000", "scale": 2.0}
    assert isinstance(got["scale"], float)


def test_results_path_is_reserved_for_the_runner(probe):
    with pytest.raises(SpecError, match=r"`results_path` .* is set by the runner"):
        validate_parameters(probe, {"results_path": "x.json"})


def test_assignment_without_equals():
    with pytest.raises(SpecError, match=r"`-p` takes key=value; got 'draws'"):
        parse_assignments(["draws"])


def test_each_without_values():
    with pytest.raises(SpecError, match=r"`--each city=...` lists no values"):
        expand_each(["city="])
    with pytest.raises(SpecError, match=r"`--each` takes name=all or name=A,B,C; got 'city'"):
        expand_each(["city"])


def test_each_all_unknown_for_name(probe, tmp_path):
    with pytest.raises(SpecError, match=r"'all' is known for city, scenario and mechanism only"):
        plan_batch(probe, ["label=all"], {}, tmp_path)


def test_each_and_param_twice(probe, tmp_path):
    with pytest.raises(SpecError, match=r"label given both with -p and --each"):
        plan_batch(probe, ["label=a,b"], {"label": "c"}, tmp_path)


def test_batch_validates_every_set_before_running(probe, tmp_path):
    with pytest.raises(SpecError, match=r"Parameter `n` must be of type int"):
        plan_batch(probe, ["n=1,2,x"], {}, tmp_path)


def test_unknown_report_name():
    with pytest.raises(
        SpecError, match=r"Unknown report 'city_reprt'\. Did you mean 'city_report'"
    ):
        find_report("city_reprt")


@pytest.mark.kernel
def test_unknown_kernel(probe, tmp_path):
    with pytest.raises(SpecError, match=r"Unknown Jupyter kernel 'nokernel'.*ipykernel install"):
        run_report(probe, {}, tmp_path / "run", kernel_name="nokernel")


def test_report_list_shows_templates_and_parameters(capsys):
    from workbench.cli import main

    assert main(["report", "list"]) == 0
    out = capsys.readouterr().out
    for name in ("city_report", "siting_report", "scenario_report"):
        assert name in out
    assert "draws: int = 500" in out
    assert "results_path" not in out


def test_cli_bad_param_is_one_line_and_exit_2(capsys, tmp_path):
    from workbench.cli import main

    code = main(["report", "city_report", "-p", "drawz=5", "--out", str(tmp_path / "x")])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: Unknown parameter 'drawz'")
    assert "Did you mean 'draws'" in err
    assert not (tmp_path / "x").exists()
