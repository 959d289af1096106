"""Every control of the three apps shows a human label from the label table, never a name.

The apps are built inline (no browser); their controls are walked and each widget's visible
name is checked against the label table (workbench.labels, plus the apps' own UI labels).
"""

from __future__ import annotations

import panel as pn
import pytest

from workbench import labels
from workbench.apps import common


def _known_texts(language: str) -> set[str]:
    texts = {t[language] for t in labels.LABELS.values()}
    texts |= {t[language] for t in common._LABELS.values()}
    return texts


def _widgets(layout):
    skip = (pn.widgets.Player, pn.widgets.indicators.Indicator)  # not controls
    return [w for w in layout.select(pn.widgets.Widget) if not isinstance(w, skip)]


def _visible_name(widget) -> str:
    if isinstance(widget, pn.widgets.Button | pn.widgets.FileDownload):
        return str(widget.label or widget.name or getattr(widget, "filename", ""))
    return str(widget.name)


@pytest.fixture(scope="module")
def apps():
    from workbench.apps.coordination_lab import CoordinationLab
    from workbench.apps.index_explorer import IndexExplorer
    from workbench.apps.siting_studio import SitingStudio

    built = {
        "index": IndexExplorer(n_draws=20),
        "siting": SitingStudio(preload=False),
        "lab": CoordinationLab(),
    }
    yield built
    for app in built.values():
        app.close()


@pytest.mark.parametrize("name", ["index", "siting", "lab"])
@pytest.mark.parametrize("language", ["en", "zh"])
def test_no_raw_parameter_names_in_the_controls(apps, name, language):
    app = apps[name]
    app.language = language
    try:
        known = _known_texts(language)
        params = set(app.param)
        checked = 0
        for widget in _widgets(app.controls()):
            if isinstance(widget, pn.widgets.FileDownload):
                continue  # the download buttons name their file format
            text = _visible_name(widget)
            assert text, f"{name}: a {type(widget).__name__} has no accessible name"
            assert text not in params, f"{name}: a control shows the parameter name {text!r}"
            assert text in known, f"{name}: {text!r} is not in the label table"
            checked += 1
        assert checked >= 5
    finally:
        app.language = "en"


def test_siting_controls_carry_the_issue_s_labels(apps):
    names = {w.name for w in _widgets(apps["siting"].controls())}
    assert {
        "Edge latency budget (ms)",
        "Capex budget (million CNY)",
        "Hubs",
        "Edge nodes",
        "Urban data centres",
    } <= names


def test_index_table_and_indicator_picker_use_full_names(apps):
    app = apps["index"]
    titles = app._table.titles
    assert titles["IND"] == "Industrial Development"
    assert titles["TEC"] == "Technological Innovation"
    options = app._whatif_ind_w.options
    assert "AI core industry revenue (billion CNY)" in options
    assert options["AI core industry revenue (billion CNY)"] == "IND_REV"
    assert "IND_REV" in app._whatif_ind_w.description  # the codes, on hover


def test_index_methods_are_named_in_words_in_both_languages(apps):
    app = apps["index"]
    for widget, prefix in ((app._norm_w, "norm"), (app._agg_w, "agg")):
        for name in widget.values:
            assert f"{prefix}_{name}" in labels.LABELS, f"{name} has no label"
        assert not set(widget.values) & set(widget.options)  # names are values, not the text
    assert app._norm_w.options["Min-max"] == "minmax"
    assert app._agg_w.options["Arithmetic mean"] == "arithmetic"
    app.language = "zh"
    try:
        assert app._agg_w.options["算术平均"] == "arithmetic"
        assert app.aggregation == "arithmetic"  # relabelling keeps the choice
    finally:
        app.language = "en"


def test_lab_kpis_are_named_in_words(apps):
    table = apps["lab"]._kpi_table.value
    assert "Energy cost" in set(table["kpi"])
    assert "energy_cost_cny" in set(table["code"])  # the code stays for downloads
    assert apps["lab"]._kpi_table.titles["baseline_none"] == "Without coordination"


def test_every_map_has_a_legend(apps):
    assert "Leading" in apps["index"]._legend.object
    assert "CAI score" in apps["index"]._legend.object
    assert "Edge node" in apps["siting"]._legend.object
    assert "Urban data centre" in apps["siting"]._legend.object
    assert "Grid import (kW)" in apps["lab"]._legend.object
