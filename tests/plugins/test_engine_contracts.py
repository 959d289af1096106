"""Engines own their kinds' contracts; the registry itself names no engine."""

from __future__ import annotations

import inspect
import re

import pytest

import workbench
from workbench import plugin_contracts, plugins
from workbench.errors import PluginError
from workbench.plugin_contracts import CONTRACTS, Contract, check_contract
from workbench.plugins import get_registry


@pytest.mark.parametrize("module", [plugins, plugin_contracts])
def test_registry_modules_name_no_engine(module):
    source = inspect.getsource(module)
    engines = [m.removeprefix("workbench.").split(".")[0] for m in workbench.ENGINES]
    for engine in set(engines):
        assert not re.search(rf"workbench\.{engine}\b", source), engine


def test_each_contract_holds_the_engine_base_class():
    from workbench.citymodel.mechanisms.base import Mechanism
    from workbench.index.steps.base import Step
    from workbench.siting import SitingModel

    assert CONTRACTS["index_steps"].base is Step
    assert CONTRACTS["siting_models"].base is SitingModel
    assert CONTRACTS["mechanisms"].base is Mechanism


def test_a_contract_must_match_the_registry_kind():
    with pytest.raises(PluginError, match=r"contract of kind 'b' but the registry is 'a'"):
        get_registry("a", contract=Contract("b", "callable"))


def test_register_contract_refuses_other_objects():
    with pytest.raises(
        TypeError, match=r"`contract` must be a workbench.plugin_contracts.Contract"
    ):
        plugin_contracts.register_contract({"kind": "x"})


def test_an_explicit_contract_is_checked():
    contract = Contract("demo", "class", doc="a class")
    with pytest.raises(PluginError, match=r"wrong type: demo plugin 'f' must be a class"):
        check_contract("demo", "f", len, contract=contract)
