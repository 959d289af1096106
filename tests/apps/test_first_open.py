"""A result on first open: the Siting Studio's default plan, memoised in the pool and on disk."""

from __future__ import annotations

import os

import pytest

from workbench.apps import first_open
from workbench.apps.siting_studio import SitingStudio

#: A small study area stands in for the whole city (its solve takes about a second).
SMALL = {
    "area": ["310101", "310104"],
    "n_hub": 2,
    "n_edge": 6,
    "n_dc": 2,
    "budget_mcny": 3000.0,
    "time_limit": 30.0,
}


@pytest.fixture
def small_default(monkeypatch, tmp_path):
    monkeypatch.setenv(first_open.CACHE_ENV, str(tmp_path))
    real = first_open.default_siting_settings

    def _small(scenario=None):
        return {**real(scenario), **SMALL}

    monkeypatch.setattr(first_open, "default_siting_settings", _small)
    return tmp_path


def test_the_default_settings_are_the_scenario_file_s():
    settings = first_open.default_siting_settings()
    assert settings == SitingStudio(preload=False).settings()
    assert settings["edge_latency_ms"] == 10.0  # sample_data/shanghai_siting/scenario.yaml
    assert settings["area"] == []


def test_the_studio_opens_on_the_default_plan_and_memoises_it_on_disk(small_default):
    app = SitingStudio(**SMALL)  # the default settings (patched to a small area)
    app.wait(120)
    assert app.plan is not None
    assert app.default_plan is app.plan
    assert "Solver status" in app._status_md.object
    memo = list(small_default.glob("siting-default-*.pkl"))
    assert len(memo) == 1
    # a second server process (an empty pool memo) reads the plan from disk, not solving
    stamp = memo[0].stat().st_mtime_ns
    view = first_open.default_plan_job(first_open.default_siting_settings())
    assert view.open_sites == app.plan.open_sites
    assert memo[0].stat().st_mtime_ns == stamp


def test_other_settings_open_without_a_plan_and_compare_with_the_default(small_default):
    app = SitingStudio(**{**SMALL, "n_edge": 3})
    app.wait(120)
    assert app.plan is None  # not the default settings: nothing solved unasked
    app.solve()
    name = app.compare_with_default()
    app.wait(120)
    assert name == "Edge nodes = 3"
    shown = app._compare_table.value
    assert list(shown.columns) == ["Default plan", "Edge nodes = 3"]
    assert "Coverage within budget" in shown.index
    assert app._tabs.active == 3


def test_a_broken_memo_is_solved_again(small_default):
    settings = first_open.default_siting_settings()
    path = first_open._memo_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a pickle")
    view = first_open.default_plan_job(settings)
    assert view.open_sites
    assert path.read_bytes() != b"not a pickle"


class _Planted:
    """A pickle that would leave a mark if it were ever loaded."""

    def __init__(self, mark):
        self.mark = mark

    def __reduce__(self):
        return (open, (self.mark, "w"))


@pytest.mark.skipif(os.name != "posix", reason="owner and mode bits are POSIX")
def test_a_memo_others_could_have_written_is_never_loaded(small_default, tmp_path_factory, caplog):
    import pickle

    settings = first_open.default_siting_settings()
    path = first_open._memo_path(settings)
    mark = tmp_path_factory.mktemp("mark") / "loaded"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(_Planted(str(mark))))
    path.parent.chmod(0o777)  # a shared folder, as /tmp is
    try:
        assert "writable by its group or by others" in first_open.why_memo_untrusted(path)
        with caplog.at_level("WARNING", logger=first_open.__name__):
            view = first_open.default_plan_job(settings)
        assert view.open_sites  # solved instead
        assert not mark.exists()  # the planted pickle never ran
        assert "not using the on-disk memo" in caplog.text
        assert "WORKBENCH_CACHE_DIR" in caplog.text
    finally:
        path.parent.chmod(0o700)


@pytest.mark.skipif(os.name != "posix", reason="owner and mode bits are POSIX")
def test_the_memo_is_private_to_the_user(small_default):
    settings = first_open.default_siting_settings()
    first_open.default_plan_job(settings)
    path = first_open._memo_path(settings)
    assert path.stat().st_mode & 0o077 == 0
    assert first_open.why_memo_untrusted(path) is None
