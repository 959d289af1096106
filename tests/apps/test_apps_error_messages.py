"""Messages of the apps' errors name the argument, the rule, what was received and the fix."""

from __future__ import annotations

import pytest

from workbench.apps import common
from workbench.cli import main


def test_download_with_an_unknown_suffix():
    with pytest.raises(ValueError, match=r"`filename` 'x.xlsx' must end with one of .*got '.xlsx'"):
        common.download_button(lambda: None, "x.xlsx")


def test_label_needs_both_languages():
    with pytest.raises(ValueError, match=r"Label 'k' must give a text for 'en' and 'zh'; missing"):
        common.add_labels({"k": {"en": "only English"}})


def test_serve_port_out_of_range(capsys):
    assert main(["serve", "--port", "-1"]) == 2
    assert "--port must be between 0 and 65535; got -1" in capsys.readouterr().err


def test_status_area_shows_a_workbench_error_as_text():
    from workbench.errors import SpecError

    status = common.StatusArea()
    status.error(SpecError("`weights` must not all be zero."))
    assert status.alert.visible
    assert status.message == "SpecError: `weights` must not all be zero."
    assert "Traceback" not in status.alert.object


def test_background_errors_reach_the_status_area():
    status = common.StatusArea()

    def fail():
        raise ValueError("bad draw count")

    common.run_in_background(fail, lambda _: None, status=status).result(timeout=10)
    assert status.message == "ValueError: bad draw count"
