"""NGSI-LD export of siting plans and results; temporal import; schemas."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import xarray as xr

from workbench.errors import DataError, SchemaError, SpecError
from workbench.interop import ngsild, validate
from workbench.interop._common import unit_code


def test_plan_entities_have_the_ngsild_shape(plan):
    entities = ngsild.plan_to_entities(plan, plan_id="sh-2026", observed_at="2026-01-01")
    plan_entity, *sites = entities
    assert plan_entity["id"] == "urn:ngsi-ld:SitingPlan:sh-2026"
    assert plan_entity["numberOfSites"]["value"] == 5
    assert len(sites) == 5
    s = sites[0]
    assert s["id"] == "urn:ngsi-ld:ComputeSite:H001"
    assert s["type"] == "ComputeSite"
    assert s["@context"] == ngsild.CORE_CONTEXT
    assert s["location"] == {
        "type": "GeoProperty",
        "value": {"type": "Point", "coordinates": [121.9, 30.93]},
    }
    assert s["refDistrict"] == {"type": "Relationship", "object": "urn:ngsi-ld:District:310115"}
    assert s["refSitingPlan"]["object"] == plan_entity["id"]
    assert s["power_kw_max"] == {
        "type": "Property",
        "value": 14109.7,  # sample rebuilt at city scale (issue 13)
        "observedAt": "2026-01-01T00:00:00Z",
        "unitCode": "KWT",
    }
    # the sample's free-text `location` column does not overwrite the GeoProperty
    assert s["site_location"]["value"].startswith("named area")


def test_plan_round_trips(plan):
    back = ngsild.entities_to_plan(ngsild.plan_to_entities(plan))
    cols = [c for c in plan.columns if c != "geometry"]
    assert list(back["id"]) == list(plan["id"])
    for c in cols:
        assert list(back[c]) == list(plan[c]), c
    assert back.geometry.equals(plan.geometry)


def test_temporal_export_shape(cube):
    entities = ngsild.cube_to_temporal(cube)
    assert [e["id"] for e in entities] == [
        "urn:ngsi-ld:District:310101",
        "urn:ngsi-ld:District:310104",
        "urn:ngsi-ld:District:310115",
    ]
    load = entities[0]["grid_load_mw"]
    assert len(load) == 6
    assert load[0]["type"] == "Property"
    assert load[0]["observedAt"] == "2026-07-15T00:00:00Z"
    assert load[0]["unitCode"] == "MAW"
    assert entities[0]["latency_ms"][0]["unitCode"] == "C26"
    # the missing value is an absent instance, not a null
    assert len(entities[1]["grid_load_mw"]) == 5


def test_temporal_round_trip(cube):
    back = ngsild.temporal_to_cube(ngsild.cube_to_temporal(cube))
    xr.testing.assert_allclose(back[list(cube.data_vars)], cube.drop_attrs(), rtol=0, atol=0)
    assert back["grid_load_mw"].attrs == {"unitCode": "MAW", "units": "MW"}
    assert back["latency_ms"].attrs["units"] == "ms"
    assert back["time"].dtype == np.dtype("datetime64[ns]")


def test_metric_dimension_and_numeric_ticks(metric_cube, cube):
    with pytest.raises(SpecError, match=r"holds numbers .* Pass start="):
        ngsild.cube_to_temporal(metric_cube)
    entities = ngsild.cube_to_temporal(metric_cube, start="2026-07-15T00:00:00Z", step="1h")
    back = ngsild.temporal_to_cube(entities)
    np.testing.assert_array_equal(back["time"].to_numpy(), cube["time"].to_numpy())
    np.testing.assert_allclose(back["grid_load_mw"], cube["grid_load_mw"])


def test_simplified_temporal_representation_is_imported():
    doc = {
        "id": "urn:ngsi-ld:District:310101",
        "type": "District",
        "temperature": {
            "type": "Property",
            "unitCode": "CEL",
            "values": [[31.5, "2026-07-15T12:00:00Z"], [33.0, "2026-07-15T13:00:00+00:00"]],
        },
    }
    ds = ngsild.temporal_to_cube([doc])
    assert ds["temperature"].sel(district="310101").to_numpy().tolist() == [31.5, 33.0]
    assert ds["temperature"].attrs["units"] == "degC"


def test_published_example_entity_validates():
    # The Vehicle example of ETSI GS CIM 009 (normalized representation), abridged.
    example = {
        "id": "urn:ngsi-ld:Vehicle:A4567",
        "type": "Vehicle",
        "brandName": {"type": "Property", "value": "Mercedes"},
        "isParked": {
            "type": "Relationship",
            "object": "urn:ngsi-ld:OffStreetParking:Downtown1",
            "observedAt": "2017-07-29T12:00:04Z",
            "providedBy": {"type": "Relationship", "object": "urn:ngsi-ld:Person:Bob"},
        },
        "speed": {"type": "Property", "value": 80, "unitCode": "KMH"},
        "location": {
            "type": "GeoProperty",
            "value": {"type": "Point", "coordinates": [-8.5, 41.2]},
        },
        "@context": ["https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld"],
    }
    validate(example, "ngsild_entity")


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda e: e.update(id="ComputeSite-H001"), r"at id: .* does not match"),
        (lambda e: e["power_kw_max"].pop("value"), r"at power_kw_max"),
        (lambda e: e["refDistrict"].update(object="310115"), r"at refDistrict"),
        (lambda e: e["location"]["value"].update(coordinates=[1.0]), r"at location"),
        (lambda e: e["pue"].update(observedAt="yesterday"), r"at pue"),
        (lambda e: e["pue"].update(unitCode="kilowatt"), r"at pue"),
    ],
)
def test_schema_rejects_malformed_entities(plan, mutate, match):
    entity = copy.deepcopy(ngsild.plan_to_entities(plan, observed_at="2026-01-01")[1])
    mutate(entity)
    with pytest.raises(SchemaError, match=match):
        validate(entity, "ngsild_entity")


def test_import_errors_are_clear(cube):
    entities = ngsild.cube_to_temporal(cube)
    entities[0]["grid_load_mw"][0]["value"] = "high"
    with pytest.raises(DataError, match=r"non-numeric value 'high'"):
        ngsild.temporal_to_cube(entities)
    with pytest.raises(DataError, match="No temporal observations"):
        ngsild.temporal_to_cube([{"id": "urn:ngsi-ld:District:1", "type": "District"}])
    dup = ngsild.cube_to_temporal(cube)
    dup[0]["latency_ms"].append(dict(dup[0]["latency_ms"][0]))
    with pytest.raises(DataError, match=r"Two observations of 'latency_ms' for district '310101'"):
        ngsild.temporal_to_cube(dup)


def test_unit_codes():
    assert unit_code("x", "kW") == "KWT"
    assert unit_code("energy_kwh") == "KWH"
    assert unit_code("tokens_per_s") is None
    assert unit_code("x", "CNY/kWh") is None


def test_broker_style_temporal_response_is_imported():
    # The shape a temporal API (GET /ngsi-ld/v1/temporal/entities) returns: instance ids,
    # broker timestamps, a GeoProperty and a non-numeric attribute next to the numeric ones.
    doc = {
        "id": "urn:ngsi-ld:District:310104",
        "type": "District",
        "createdAt": "2026-07-01T00:00:00Z",
        "location": {
            "type": "GeoProperty",
            "value": {"type": "Point", "coordinates": [121.4, 31.2]},
        },
        "gridLoadMW": [
            {
                "type": "Property",
                "value": 71.5,
                "observedAt": "2026-07-15T12:00:00.000Z",
                "unitCode": "MAW",
                "instanceId": "urn:ngsi-ld:attribute:instance:1",
                "createdAt": "2026-07-15T12:00:01Z",
            },
            {
                "type": "Property",
                "value": 74.0,
                "observedAt": "2026-07-15T13:00:00.000Z",
                "unitCode": "MAW",
            },
        ],
        "@context": "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld",
    }
    ds = ngsild.temporal_to_cube(doc)
    assert ds["gridLoadMW"].sel(district="310104").to_numpy().tolist() == [71.5, 74.0]
    assert ds["gridLoadMW"].attrs["units"] == "MW"
