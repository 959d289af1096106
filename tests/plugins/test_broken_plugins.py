"""A broken plugin (missing method, wrong type, version mismatch, ...) is reported and skipped."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from workbench.errors import PluginError, SpecError
from workbench.plugins import Registry


def _fresh(kind: str, description: str) -> Registry:
    # A registry of its own, so that the fixture plugins never reach the global registries.
    return Registry(kind, description)


def _reasons(reg: Registry) -> dict[str, str]:
    return {b.name: b.reason for b in reg.broken}


def test_good_plugins_load_next_to_broken_ones(broken_site):
    agents = _fresh("agents", "agent type")
    aggs = _fresh("index_aggregators", "aggregation method")
    assert "fixture_walker" in agents.names()
    assert "fixture_minimum" in aggs.names()
    info = aggs.info_of("fixture_minimum")
    assert info.source == "wb-broken-fixture"
    assert info.version == "0.1"
    assert info.requires_workbench == ">=0.1,<1"
    assert info.status == "plugin"
    assert info.summary.startswith("Minimum of the children")
    x = np.array([[1.0, 2.0], [3.0, 0.5]])
    assert aggs.get("fixture_minimum")(x, np.ones(2)).tolist() == [1.0, 0.5]


def test_missing_method_is_reported(broken_site):
    reasons = _reasons(_fresh("agents", "agent type"))
    assert "missing method" in reasons["fixture_lazy"]
    assert "step()" in reasons["fixture_lazy"]
    assert "LazyAgent" in reasons["fixture_lazy"]


def test_wrong_type_is_reported(broken_site):
    agents = _reasons(_fresh("agents", "agent type"))
    assert agents["fixture_function_agent"].startswith("wrong type: agents plugin")
    assert "must be a class" in agents["fixture_function_agent"]
    aggs = _reasons(_fresh("index_aggregators", "aggregation method"))
    assert "must be a function" in aggs["fixture_number"]
    assert "got int 42" in aggs["fixture_number"]
    assert "(x, w)" in aggs["fixture_one_arg"]


def test_version_mismatch_is_reported(broken_site):
    aggs = _reasons(_fresh("index_aggregators", "aggregation method"))
    assert "requires workbench >=99.0" in aggs["fixture_too_new"]
    assert "wb_broken_fixture.too_new.requires_workbench" in aggs["fixture_too_new"]
    assert "is not a valid version specifier" in aggs["fixture_bad_pin"]
    assert "does not declare which workbench versions" in aggs["fixture_undeclared"]


def test_import_error_is_reported(broken_site):
    agents = _reasons(_fresh("agents", "agent type"))
    assert "ModuleNotFoundError" in agents["fixture_missing_module"]


def test_name_clash_with_builtin_is_reported(broken_site):
    aggs = _fresh("index_aggregators", "aggregation method")
    aggs.register("fixture_clash", np.nanmean, builtin=True)
    assert aggs.get("fixture_clash") is np.nanmean
    assert (
        "clashes with the built-in aggregation method 'fixture_clash'"
        in _reasons(aggs)["fixture_clash"]
    )


def test_builtin_registered_after_plugin_wins(broken_site):
    aggs = _fresh("index_aggregators", "aggregation method")
    aggs.load_entry_points()
    assert aggs.info_of("fixture_clash").source == "wb-broken-fixture"
    aggs.register("fixture_clash", np.nanmax, builtin=True)
    assert aggs.get("fixture_clash") is np.nanmax
    assert "clashes with the built-in" in _reasons(aggs)["fixture_clash"]


def test_looking_up_a_broken_plugin_says_why(broken_site):
    aggs = _fresh("index_aggregators", "aggregation method")
    with pytest.raises(SpecError, match=r"installed but broken: it requires workbench >=99.0"):
        aggs.get("fixture_too_new")


def test_clash_between_two_plugins_names_both_sources():
    from workbench.citymodel.mechanisms.base import Mechanism

    class AuctionA(Mechanism):
        def allocate(self, claims):
            return None

    class AuctionB(AuctionA):
        pass

    reg = _fresh("mechanisms", "coordination mechanism")
    reg.register("auction", AuctionA, source="pkg-a")
    with pytest.raises(
        PluginError, match=r"'auction' from pkg-b: the name is already used by pkg-a"
    ):
        reg.register("auction", AuctionB, source="pkg-b")


def test_register_checks_the_contract_of_the_kind():
    # Registry.register runs the kind's contract on every component, not only on entry points.
    reg = _fresh("mechanisms", "coordination mechanism")
    with pytest.raises(
        PluginError,
        match=r"wrong type: mechanisms plugin 'auction' must derive from "
        r"workbench\.citymodel\.mechanisms\.base\.Mechanism; dict does not\. Subclass it",
    ):
        reg.register("auction", dict, source="pkg-a")
    assert "auction" not in reg


@pytest.mark.subprocess
def test_cli_lists_broken_plugins_with_reasons(broken_env):
    out = subprocess.run(
        [sys.executable, "-m", "workbench", "plugins", "list", "--broken", "--json"],
        capture_output=True,
        text=True,
        env=broken_env,
        check=True,
    )
    rows = {(r["kind"], r["name"]): r for r in json.loads(out.stdout)}
    assert all(r["status"] == "BROKEN" for r in rows.values())
    assert "missing method" in rows[("agents", "fixture_lazy")]["summary"]
    assert "requires workbench >=99.0" in rows[("index_aggregators", "fixture_too_new")]["summary"]
    assert "is not a workbench plugin kind" in rows[("agentz", "fixture_typo_group")]["summary"]
    assert ("agents", "fixture_walker") not in rows


@pytest.mark.subprocess
def test_cli_check_fails_and_list_still_shows_good_plugins(broken_env):
    check = subprocess.run(
        [sys.executable, "-m", "workbench", "plugins", "check"],
        capture_output=True,
        text=True,
        env=broken_env,
    )
    assert check.returncode == 1
    assert "broken plugin(s), skipped" in check.stdout
    assert "agents/fixture_lazy from wb-broken-fixture" in check.stdout
    listing = subprocess.run(
        [sys.executable, "-m", "workbench", "plugins", "list", "--kind", "agents"],
        capture_output=True,
        text=True,
        env=broken_env,
        check=True,
    )
    lines = listing.stdout.splitlines()
    walker = next(line for line in lines if "fixture_walker" in line)
    assert "plugin" in walker
    assert "wb-broken-fixture" in walker
    lazy = next(line for line in lines if "fixture_lazy" in line)
    assert "BROKEN" in lazy


@pytest.mark.subprocess
def test_cli_rejects_unknown_kind():
    out = subprocess.run(
        [sys.executable, "-m", "workbench", "plugins", "list", "--kind", "agent"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    assert "Unknown plugin kind 'agent'. Did you mean 'agents'" in out.stderr
