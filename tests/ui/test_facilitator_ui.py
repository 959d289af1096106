"""The facilitator's view in a browser: three participants, their weights aggregated, a preset."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.apps import workshop
from workbench.apps.facilitator import Facilitator
from workbench.apps.server import build_routes

#: Three participants' weights (IND, TEC, PUB, GOV); their shares are easy to check by hand.
PARTICIPANTS = [(1, 1, 1, 1), (2, 1, 1, 0), (3, 0, 1, 0)]


def _facilitator() -> Facilitator:
    apps = [a for apps in workshop._SESSIONS.values() for a in apps]  # noqa: SLF001
    return next(a for a in apps if isinstance(a, Facilitator))


def test_facilitator_aggregates_three_participants_and_publishes_a_preset(
    serve_page, wait_until, tmp_path, monkeypatch
):
    monkeypatch.setenv("WORKBENCH_WORKSHOP_DIR", str(tmp_path))
    session = serve_page(build_routes(admin_password="s3cret"), path="/facilitator")
    page, port = session.page, session.port
    participants = []
    for ind, tec, pub, gov in PARTICIPANTS:
        other = page.context.new_page()
        other.goto(
            f"http://localhost:{port}/index?w_ind={ind}&w_tec={tec}&w_pub={pub}&w_gov={gov}",
            wait_until="domcontentloaded",
        )
        other.locator(".ranking-table .tabulator-row").first.wait_for(timeout=60_000)
        participants.append(other)

    # the view is closed until the admin password is given
    assert not page.locator(".participants-table").is_visible()
    page.locator(".admin-password input").fill("wrong")
    page.get_by_role("button", name="Open").click()
    page.locator(".alert-danger").get_by_text("not the admin password").wait_for(timeout=10_000)
    page.locator(".admin-password input").fill("s3cret")
    page.get_by_role("button", name="Open").click()
    count = page.locator(".participants-count")
    count.get_by_text("3 connected").wait_for(timeout=30_000)
    assert "index: 3" in count.locator("p").inner_text()

    # who is where: three rows, each on the Index Explorer with the default city
    wait_until(lambda: page.locator(".participants-table .tabulator-row").count() == 3, 15)
    rows = page.locator(".participants-table .tabulator-row").all_inner_texts()
    assert all("index" in r and "Shanghai" in r for r in rows), rows

    # the panel weighting: shares of each participant's total, then mean / median / dispersion
    shares = np.array([np.array(p, float) / sum(p) for p in PARTICIPANTS])
    fac = _facilitator()
    np.testing.assert_allclose(fac.summary["mean"], shares.mean(axis=0))
    np.testing.assert_allclose(fac.summary["median"], np.median(shares, axis=0))
    np.testing.assert_allclose(fac.summary["std"], shares.std(axis=0))
    assert (fac.summary["n"] == 3).all()
    table = page.locator(".panel-weights-table")
    ind_row = table.locator(".tabulator-row").filter(has_text="IND").inner_text()
    assert "0.5" in ind_row  # mean and median of IND
    assert f"{shares[:, 0].std():.3f}" in ind_row  # its dispersion, as shown

    # the ranking under the panel's (median) weights beside the default, tier changes listed
    wait_until(lambda: page.locator(".panel-ranking-table .tabulator-row").count() > 10, 30)
    changed = fac.comparison[fac.comparison["tier_changed"]]
    text = page.locator(".tier-changes div").first.inner_text()
    if len(changed):
        assert changed["city"].iloc[0] in text
    else:
        assert "No city changes tier" in text

    # publishing: every participant is offered the panel's weights as a preset
    page.get_by_role("button", name="Publish panel weights as a preset").click()
    page.locator(".published").get_by_text("Published").wait_for(timeout=10_000)
    first = participants[0]
    select = first.locator(".weight-preset select")
    wait_until(lambda: "Panel weights (median of 3" in select.inner_text(), 20)
    option = next(o for o in select.locator("option").all_inner_texts() if "Panel" in o)
    select.select_option(label=option)
    median = np.median(shares, axis=0) * 4  # equal weights are 1.0 on the sliders
    wait_until(
        lambda: (
            first.locator(".weight-ind .bk-slider-value").first.inner_text() == f"{median[0]:g}"
        ),
        20,
    )
    for other in participants:
        other.close()


@pytest.mark.parametrize(
    ("weights", "mean"),
    [([{"IND": 1, "TEC": 1, "PUB": 1, "GOV": 1}, {"IND": 0, "TEC": 0, "PUB": 0, "GOV": 0}], 0.25)],
)
def test_all_zero_weights_do_not_count(weights, mean):
    from workbench.apps.facilitator import aggregate_weights

    summary = aggregate_weights(weights)
    assert (summary["n"] == 1).all()
    assert summary.loc["IND", "mean"] == pytest.approx(mean)
