"""Five sessions on a real workshop server: own state, own uploads, own errors, nothing fails."""

from __future__ import annotations

import base64
import time

import pytest

from workbench.apps import workshop
from workbench.apps.index_explorer import IndexExplorer
from workbench.apps.uploads import UploadPanel

N_SESSIONS = 5
GOOD_CSV = b"city,indicator,year,value\n310000,gdp,2020,1.5\n110000,gdp,2020,2\n"


def _model(doc, type_name, css=None):
    for model in doc.models:
        if not type(model).__name__.endswith(type_name):
            continue
        if css is None or css in (getattr(model, "css_classes", None) or []):
            return model
    msg = f"no {type_name} {css or ''} in the page"
    raise LookupError(msg)


def _apps(session_id):
    apps = workshop._SESSIONS[session_id]  # noqa: SLF001 - the server's own registry
    explorer = next(a for a in apps if isinstance(a, IndexExplorer))
    upload = next(a for a in apps if isinstance(a, UploadPanel))
    return explorer, upload


def _upload(doc, name, data):
    model = _model(doc, "FileInput")
    # as the browser does: the read-only properties come from the client side
    model.set_from_json("mime_type", "text/csv")
    model.set_from_json("filename", name)
    model.set_from_json("value", base64.b64encode(data).decode())


@pytest.fixture(scope="module")
def sessions(workshop_server, bokeh):
    opened = [bokeh.pull(workshop_server + "/index") for _ in range(N_SESSIONS)]
    yield opened
    for session in opened:
        bokeh.close(session)


def test_five_sessions_keep_their_own_weights_and_rankings(sessions, bokeh):
    assert len({s.id for s in sessions}) == N_SESSIONS
    explorers = [_apps(s.id)[0] for s in sessions]
    assert len({id(e) for e in explorers}) == N_SESSIONS
    # the shared read-only cube is loaded once, not per session
    assert len({id(e.cube) for e in explorers}) == 1
    for i, session in enumerate(sessions):
        _model(session.document, "Slider", "weight-pub").value = 1.0 + i
        _model(session.document, "Slider", "weight-ind").value = 5.0 - i
    for i, (session, explorer) in enumerate(zip(sessions, explorers, strict=True)):
        assert bokeh.until(session, lambda e=explorer, i=i: e.weight_pub == 1.0 + i), i
        assert bokeh.until(session, lambda e=explorer, i=i: e.weight_ind == 5.0 - i), i
    for i, explorer in enumerate(explorers):
        weights = explorer.spec()["steps"][1]["weight"]["weights"]
        assert weights == {"IND": 5.0 - i, "TEC": 1.0, "PUB": 1.0 + i, "GOV": 1.0}
        assert explorer.status.message == ""
    leaders = [tuple(e.table["code"].head(10)) for e in explorers]
    scores = [tuple(e.table.sort_values("code")["CAI_score"].round(6)) for e in explorers]
    assert len(set(scores)) == N_SESSIONS, "two sessions with different weights got one ranking"
    assert len(set(leaders)) > 1


def test_an_error_shows_in_its_own_session_only(sessions, bokeh):
    explorers = [_apps(s.id)[0] for s in sessions]
    doc = sessions[1].document
    _model(doc, "Select", None)  # the page has selects
    norm = next(
        m for m in doc.models if type(m).__name__.endswith("Select") and "zscore" in str(m.options)
    )
    agg = next(
        m
        for m in doc.models
        if type(m).__name__.endswith("Select") and "geometric" in str(m.options)
    )
    agg.value = next(v for v in _option_values(agg) if v == "geometric")
    assert bokeh.until(sessions[1], lambda: explorers[1].aggregation == "geometric")
    before = explorers[1].table.copy()  # geometric of min-max scores: a valid ranking
    norm.value = next(v for v in _option_values(norm) if v == "zscore")
    assert bokeh.until(sessions[1], lambda: explorers[1].status.message != "")
    assert "geometric" in explorers[1].status.message or "zscore" in explorers[1].status.message
    assert explorers[1].table.equals(before)  # the previous ranking stays
    for i, explorer in enumerate(explorers):
        if i != 1:
            assert explorer.status.message == "", i
            assert explorer.normalisation == "minmax"
    # the session goes on working
    norm.value = "minmax"
    _model(doc, "Slider", "weight-gov").value = 2.5
    assert bokeh.until(sessions[1], lambda: explorers[1].weight_gov == 2.5)


def _option_values(select):
    return [o[0] if isinstance(o, list | tuple) else o for o in select.options]


def test_a_rejected_upload_stays_in_its_session_and_the_session_goes_on(sessions, bokeh):
    panels = [_apps(s.id)[1] for s in sessions]
    folders = {p.files.path for p in panels}
    assert len(folders) == N_SESSIONS
    doc = sessions[2].document
    _upload(doc, "f.csv", b"city,indicator,year,value\n310000,gdp,2020,=1+1\n")
    assert bokeh.until(sessions[2], lambda: "formula-like cell" in panels[2].status.message)
    _upload(doc, "big.csv", b"1," * 150_000)
    assert bokeh.until(sessions[2], lambda: "uploads are at most" in panels[2].status.message)
    _upload(doc, "mine.csv", GOOD_CSV)
    assert bokeh.until(sessions[2], lambda: "indicator cube" in panels[2].summary)
    assert panels[2].status.message == ""
    assert [p.name for p in panels[2].files.path.iterdir()] == ["mine.csv"]
    for i, panel in enumerate(panels):
        if i != 2:
            assert panel.summary == "", i
            assert panel.status.message == "", i
            assert not any(panel.files.path.iterdir())
    explorer = _apps(sessions[2].id)[0]
    _model(doc, "Slider", "weight-tec").value = 4.0
    assert bokeh.until(sessions[2], lambda: explorer.weight_tec == 4.0)


@pytest.mark.slow  # ~27 s on a loaded 2-core machine
def test_a_closed_session_is_released_with_its_uploads(workshop_server, bokeh):
    session = bokeh.pull(workshop_server + "/index")
    explorer, panel = _apps(session.id)
    panel.upload("mine.csv", GOOD_CSV)
    folder = panel.files.path
    assert folder.exists()
    bokeh.close(session)
    deadline = time.monotonic() + 30
    while session.id in workshop._SESSIONS and time.monotonic() < deadline:  # noqa: SLF001
        time.sleep(0.2)
    assert session.id not in workshop._SESSIONS  # noqa: SLF001
    assert not folder.exists()
    assert explorer.closed is True or getattr(explorer, "closed", None) is True
