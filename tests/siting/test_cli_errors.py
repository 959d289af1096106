"""Error messages of ``workbench siting solve``: unknown models, bad ``--param``, bad flags."""

from __future__ import annotations

import pytest

from workbench.cli import main


@pytest.fixture
def costs_csv(tmp_path):
    path = tmp_path / "costs.csv"
    path.write_text(",s0,s1\nd0,1,4\nd1,3,1\nd2,5,2\n")
    return path


def _err(capsys, *args: str) -> str:
    rc = main(["siting", "solve", *args])
    captured = capsys.readouterr()
    assert rc == 2, captured.out + captured.err
    err = captured.err.strip()
    assert len(err.splitlines()) == 1, err  # one clear line, no traceback
    return err


def test_unknown_model_suggests_close_names_and_lists_all(capsys, tmp_path):
    # the model is checked before any file is read: the costs file does not exist here
    err = _err(capsys, "--model", "resilence", "--costs", str(tmp_path / "nope.csv"),
               "--out", str(tmp_path / "r.json"))  # fmt: skip
    assert "Unknown siting model 'resilence'." in err
    assert "Did you mean 'resilience'" in err
    assert "Valid choices: backup, cflp, lscp, mclp, pcenter, pdispersion, pmedian, " in err
    assert "resilience_budget" in err


def test_unknown_builtin_typo(capsys, costs_csv, tmp_path):
    err = _err(capsys, "--model", "pmedain", "--p", "1", "--costs", str(costs_csv),
               "--out", str(tmp_path / "r.json"))  # fmt: skip
    assert "Unknown siting model 'pmedain'. Did you mean 'pmedian'?" in err


def test_malformed_param_names_item_model_and_settings(capsys, costs_csv, tmp_path):
    err = _err(capsys, "--model", "pmedian", "--p", "1", "--param", "foo",
               "--costs", str(costs_csv), "--out", str(tmp_path / "r.json"))  # fmt: skip
    assert "`--param foo` is malformed: each --param must be KEY=VALUE" in err
    assert "got 'foo'" in err
    assert "Settings of siting model 'pmedian': p (required), capacitated=False." in err


@pytest.mark.parametrize("item", ["=3", "two words=3", "1p=3"])
def test_param_key_must_be_a_name(capsys, costs_csv, tmp_path, item):
    err = _err(capsys, "--model", "pmedian", "--p", "1", "--param", item,
               "--costs", str(costs_csv), "--out", str(tmp_path / "r.json"))  # fmt: skip
    assert f"`--param {item}` is malformed" in err


def test_unknown_setting_names_param_model_and_settings(capsys, costs_csv, tmp_path):
    err = _err(capsys, "--model", "resilience", "--radius", "3", "--param", "district=x.csv",
               "--costs", str(costs_csv), "--out", str(tmp_path / "r.json"))  # fmt: skip
    assert "`--param district=x.csv`: siting model 'resilience' has no setting 'district'." in err
    assert "Did you mean 'districts'?" in err
    assert "Settings of siting model 'resilience': radius (required), districts=None, " in err
    assert "cost='count'." in err


def test_setting_given_twice(capsys, costs_csv, tmp_path):
    err = _err(capsys, "--model", "pmedian", "--p", "1", "--param", "p=2",
               "--costs", str(costs_csv), "--out", str(tmp_path / "r.json"))  # fmt: skip
    assert "Setting 'p' of siting model 'pmedian' is given twice: --p 1 and --param p=2" in err
    err = _err(capsys, "--model", "pmedian", "--param", "p=1", "--param", "p=2",
               "--costs", str(costs_csv), "--out", str(tmp_path / "r.json"))  # fmt: skip
    assert "`--param p=2`: setting 'p' of siting model 'pmedian' is given twice" in err


def test_flag_the_model_does_not_take(capsys, costs_csv, tmp_path):
    err = _err(capsys, "--model", "pmedian", "--p", "1", "--radius", "5",
               "--costs", str(costs_csv), "--out", str(tmp_path / "r.json"))  # fmt: skip
    assert "`--radius` does not apply to --model pmedian: the model has no setting 'radius'." in err
    assert "Drop --radius." in err


def test_required_settings(capsys, costs_csv, tmp_path):
    err = _err(capsys, "--model", "lscp", "--costs", str(costs_csv),
               "--out", str(tmp_path / "r.json"))  # fmt: skip
    assert "`--radius` is required for --model lscp; e.g. --radius 5000." in err
    err = _err(capsys, "--model", "mclp", "--param", "radius=2", "--costs", str(costs_csv),
               "--out", str(tmp_path / "r.json"))  # fmt: skip
    assert "`--p` is required for --model mclp; e.g. --p 4." in err


def test_required_setting_satisfied_by_param(capsys, costs_csv, tmp_path):
    out = tmp_path / "r.json"
    assert main(["siting", "solve", "--model", "lscp", "--param", "radius=2",
                 "--costs", str(costs_csv), "--out", str(out)]) == 0  # fmt: skip
    assert out.is_file()


def test_bad_value_type_is_reported_by_the_model(capsys, costs_csv, tmp_path):
    err = _err(capsys, "--model", "pmedian", "--param", "p=1.5", "--costs", str(costs_csv),
               "--out", str(tmp_path / "r.json"))  # fmt: skip
    assert "`p` must be a whole number of sites; got 1.5" in err
