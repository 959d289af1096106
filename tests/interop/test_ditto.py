"""Eclipse Ditto export of siting plans and results as Things; round trips; schema."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import xarray as xr

from workbench.errors import SchemaError, SpecError
from workbench.interop import ditto, validate


def test_site_things_have_the_ditto_shape(plan):
    things = ditto.plan_to_things(plan, namespace="cn.shanghai.compute", plan_id="sh-2026")
    t = things[0]
    assert t["thingId"] == "cn.shanghai.compute:site-H001"
    assert t["attributes"]["tier"] == "hub"
    assert t["attributes"]["district"] == "310115"
    assert t["attributes"]["location"] == {"longitude": 121.9, "latitude": 30.93}
    assert (
        t["features"]["capacity"]["properties"]["power_kw_max"] == 14109.7
    )  # sample rebuilt at city scale (issue 13)
    assert t["features"]["plan"]["properties"] == {"open": False}
    assert t["features"]["plan"]["desiredProperties"] == {
        "open": True,
        "planId": "sh-2026",
        "tier": "hub",
    }


def test_plan_round_trips(plan):
    back = ditto.things_to_plan(ditto.plan_to_things(plan))
    for c in [c for c in plan.columns if c != "geometry"]:
        assert list(back[c]) == list(plan[c]), c
    assert back.geometry.equals(plan.geometry)


def test_results_round_trip(cube):
    things = ditto.cube_to_things(cube, namespace="cn.shanghai")
    assert things[0]["thingId"] == "cn.shanghai:district-310101"
    load = things[1]["features"]["grid_load_mw"]["properties"]
    assert load["unit"] == "MW"
    assert load["unitCode"] == "MAW"
    assert load["observedAt"] == "2026-07-15T05:00:00Z"
    assert load["series"]["values"][2] is None
    back = ditto.things_to_cube(things)
    xr.testing.assert_allclose(back[list(cube.data_vars)], cube.drop_attrs(), rtol=0, atol=0)
    assert back["grid_load_mw"].attrs["units"] == "MW"


def test_published_example_thing_validates():
    # The minimal thing of Ditto's "Domain model" page, and a feature with desired properties.
    validate(
        {
            "thingId": "the.namespace:the-thing-id",
            "policyId": "the.namespace:the-policy-id",
            "definition": "digitaltwin:DigitaltwinExample:1.0.0",
            "attributes": {"location": "Kitchen"},
            "features": {
                "lamp": {
                    "definition": ["com.mycompany.fb:Lamp:1.0.0"],
                    "properties": {"status": {"on": False}},
                    "desiredProperties": {"configuration": {"on": False}},
                }
            },
        },
        "ditto_thing",
    )


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda t: t.update(thingId="no-namespace-separator"), r"at thingId"),
        (lambda t: t.update(thingId="1bad.ns:x"), r"at thingId"),
        (lambda t: t.update(thingId="ns:a/b"), r"at thingId"),
        (lambda t: t["features"]["plan"].update(desired={"open": True}), r"at features/plan"),
        (lambda t: t.update(attributes=[1, 2]), r"at attributes"),
        (lambda t: t.update(extra=1), r"Additional properties"),
    ],
)
def test_schema_rejects_malformed_things(plan, mutate, match):
    thing = copy.deepcopy(ditto.plan_to_things(plan)[0])
    mutate(thing)
    with pytest.raises(SchemaError, match=match):
        validate(thing, "ditto_thing")


def test_bad_namespace_is_refused(plan):
    with pytest.raises(SpecError, match=r"`namespace` must be a dotted name .* got 'cn/shanghai'"):
        ditto.plan_to_things(plan, namespace="cn/shanghai")


def test_metric_dimension_cube(metric_cube):
    things = ditto.cube_to_things(metric_cube, start="2026-07-15", step="30min")
    back = ditto.things_to_cube(things)
    assert back["time"].to_numpy()[1] == np.datetime64("2026-07-15T00:30")
    assert set(back.data_vars) == {"grid_load_mw", "latency_ms"}


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        ("ditto", r"Ditto JSON .*broken\.json.* JSON file of things"),
        ("ngsild", r"NGSI-LD JSON .*broken\.json.* JSON file of entities"),
    ],
)
def test_unreadable_json_names_the_file_and_the_fix(tmp_path, module, expected):
    import importlib

    from workbench.errors import DataError

    path = tmp_path / "broken.json"
    path.write_text("[{not json", encoding="utf-8")
    reader = importlib.import_module(f"workbench.interop.{module}")
    with pytest.raises(DataError, match=rf"Cannot read {expected}"):
        reader.read(path)
    one = tmp_path / "one.json"
    one.write_text('{"id": "x"}', encoding="utf-8")
    assert reader.read(one) == [{"id": "x"}]
