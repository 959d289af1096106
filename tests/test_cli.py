"""The ``workbench`` command's core: help, version, and error handling."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

import workbench
from workbench.cli import COMMAND_MODULES, build_parser, main
from workbench.errors import SpecError, unknown_name


def test_version_matches_package(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"workbench {workbench.__version__}"


def test_help_lists_every_command_group():
    text = build_parser().format_help()
    for name in COMMAND_MODULES:
        assert importlib.util.find_spec(f"workbench.cli.{name}") is not None, name
        assert name in text


@pytest.mark.subprocess
def test_console_script_runs_as_a_module():
    out = subprocess.run(
        [sys.executable, "-m", "workbench", "--help"], capture_output=True, text=True, check=True
    )
    assert "usage: workbench" in out.stdout


def test_unknown_name_suggests_close_matches():
    msg = unknown_name("normalisation method", "minmx", ["minmax", "zscore", "rank"])
    assert msg.startswith("Unknown normalisation method 'minmx'. Did you mean 'minmax'?")
    assert msg.endswith("Valid choices: minmax, rank, zscore.")
    assert issubclass(SpecError, ValueError)


@pytest.mark.subprocess
def test_public_api_resolves_every_name():
    import subprocess as sp

    for name in workbench.__all__:
        assert getattr(workbench, name) is not None, name
    # importing the package alone stays light: no Panel, Mesa or HiGHS
    code = (
        "import sys, workbench; "
        "print(sorted(m for m in ('panel', 'mesa', 'highspy') if m in sys.modules))"
    )
    out = sp.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
