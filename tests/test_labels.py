"""The planner's label table and number formatting (workbench.labels)."""

from __future__ import annotations

import math

import pytest

from workbench import labels


def test_every_label_has_both_languages_and_differs_from_its_key():
    for key, texts in labels.LABELS.items():
        assert set(texts) == {"en", "zh"}, key
        assert texts["en"], key
        assert texts["zh"], key
        assert "_" not in texts["en"] or key.startswith("mech_"), (key, texts["en"])


@pytest.mark.parametrize(
    ("key", "en"),
    [
        ("edge_latency_ms", "Edge latency budget (ms)"),
        ("budget_mcny", "Capex budget (million CNY)"),
        ("n_hub", "Hubs"),
        ("n_edge", "Edge nodes"),
        ("n_dc", "Urban data centres"),
        ("IND", "Industrial Development"),
    ],
)
def test_the_issue_s_labels(key, en):
    assert labels.label(key) == en
    assert labels.label(key, "zh") != en


def test_unknown_names_are_put_into_words_with_their_unit():
    assert labels.label("grid_import_kw") == "Grid import (kW)"
    assert labels.label("battery_soc_kwh") == "Battery soc (kWh)"
    assert labels.label("emissions_t") == "Emissions (t CO2)"
    assert labels.label("plain") == "Plain"
    assert labels.label("IND", "fr") == "Industrial Development"  # unknown language: English


def test_column_titles_cover_every_column():
    titles = labels.column_titles(["rank", "IND", "served_tokens_per_day"])
    assert titles == {
        "rank": "Rank",
        "IND": "Industrial Development",
        "served_tokens_per_day": "Served (tokens/day)",
    }


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (2.0, "2"),
        (7.2201, "7.22"),
        (0.012345, "0.0123"),
        (37150.77, "37,151"),
        (1234567.0, "1.23 million"),
        (float("nan"), "–"),
        (None, "–"),
        (math.inf, "∞"),
        (-0.5, "-0.500"),
    ],
)
def test_significant_figures_with_thousands_separators(value, text):
    assert labels.sig(value) == text


def test_quantities_are_scaled_and_carry_their_unit():
    assert labels.quantity(37_150.8, "t CO2") == "37,151 t CO2"
    assert labels.quantity(7.4958e9, "CNY") == "7.50 billion CNY"
    assert labels.quantity(1.0e12, "tokens/s") == "1 trillion tokens/s"
    assert labels.quantity(64_053.06, "MWh") == "64,053 MWh"
    assert labels.quantity(2.5e6, "CNY", "zh") == "2.50百万 CNY"
    assert labels.percent(0.98754) == "98.8 %"


def test_indicator_names_come_from_the_cube():
    from workbench.data import load_sample

    cube = load_sample("city_ai_index")
    assert labels.indicator_label("IND_REV", cube) == "AI core industry revenue (billion CNY)"
    assert labels.indicator_label("IND_REV", cube, "zh").startswith("人工智能核心产业营收")
    assert labels.indicator_label("NOPE", cube) == "NOPE"
    assert labels.indicator_label("IND_REV") == "IND_REV"
    options = labels.indicator_options(cube)
    assert len(options) == cube.sizes["indicator"]
    assert all(code not in text for text, code in options.items())
