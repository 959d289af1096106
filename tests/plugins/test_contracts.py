"""The per-kind contracts: every built-in honours them; the checks catch what they promise."""

from __future__ import annotations

import mesa
import numpy as np
import pytest

from workbench.errors import PluginError
from workbench.plugin_contracts import CONTRACTS, check_contract, describe_contracts
from workbench.plugins import KINDS, builtin_contract_problems, check_workbench_version


def test_every_builtin_honours_its_contract():
    assert builtin_contract_problems() == []


def test_every_kind_has_a_contract():
    assert set(CONTRACTS) == set(KINDS)
    assert {k for k, _, _ in describe_contracts()} == set(KINDS)


def test_siting_model_must_implement_solve():
    from workbench.siting import SitingModel

    class NoSolve(SitingModel):
        name = "x"

    with pytest.raises(PluginError, match=r"missing method: .* does not implement solve\(\)"):
        check_contract("siting_models", "nosolve", NoSolve)

    class NotAModel:
        def solve(self, problem):
            return None

    with pytest.raises(
        PluginError, match=r"must derive from workbench\.siting\.models\.base\.SitingModel"
    ):
        check_contract("siting_models", "plain", NotAModel)


def test_method_parameters_are_checked():
    from workbench.citymodel.mechanisms.base import Mechanism

    class NoArgs(Mechanism):
        def allocate(self):
            return None

    with pytest.raises(
        PluginError, match=r"allocate\(\) must take the positional parameters \(claims\)"
    ):
        check_contract("mechanisms", "noargs", NoArgs)

    class Fine(Mechanism):
        @staticmethod
        def allocate(claims):
            return claims

    check_contract("mechanisms", "fine", Fine)


def test_scenario_must_be_a_scenario_object_or_path():
    from workbench.citymodel import Scenario

    with pytest.raises(PluginError, match=r"wrong type: scenarios plugin 'd' must be a .*Scenario"):
        check_contract("scenarios", "d", {"name": "x", "events": []})
    with pytest.raises(PluginError, match=r"must be an instance, not the class"):
        check_contract("scenarios", "cls", Scenario)


def test_agent_inheriting_only_mesa_placeholder_is_refused():
    class Lazy(mesa.Agent):
        pass

    class Busy(mesa.Agent):
        def step(self):
            return None

    with pytest.raises(PluginError, match="does not implement step"):
        check_contract("agents", "lazy", Lazy)
    check_contract("agents", "busy", Busy)


def test_callable_shapes():
    with pytest.raises(PluginError, match=r"must be a function .* got type"):
        check_contract("index_aggregators", "cls", type("Agg", (), {}))
    check_contract("index_aggregators", "ok", lambda x, w, p=2: np.nanmean(x, -1))
    check_contract("index_aggregators", "varargs", lambda *a: a[0])


@pytest.mark.parametrize(
    ("spec", "ok"),
    [(">=0.1,<0.2", True), (">=0.1", True), ("<0.1", False), ("==0.1.*", True), ("", True)],
)
def test_version_specifiers(spec, ok):
    if ok:
        check_workbench_version(spec, "x")
    else:
        with pytest.raises(PluginError, match=r"it requires workbench <0.1 \(x\) but workbench"):
            check_workbench_version(spec, "x")
