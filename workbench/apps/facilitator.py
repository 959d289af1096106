"""The facilitator's view of a workshop (``/facilitator``): who is where, and the panel's weights.

- who is connected, and which app and city each participant is on;
- the participants' dimension weights aggregated live into a panel weighting (mean, median
  and dispersion per dimension), as participatory weighting in composite-index practice uses
  them (each participant's weights normalised to shares first, so that a participant who
  moves every slider up does not count more);
- the ranking under the panel's weights beside the default (equal weights), with the cities
  whose tier changes;
- a button that publishes the panel's weights to every participant as a new preset.

Access: the page is behind the workshop's password (or OAuth) like every page; with an admin
password (``--admin-password`` or ``$WORKBENCH_ADMIN_PASSWORD``) it also asks for that one.
The numbers come from the engine (:func:`workbench.index.run_index`); this module only
aggregates the participants' weights.
"""

from __future__ import annotations

import hmac
import os
import time
from typing import Any

import numpy as np
import pandas as pd
import panel as pn
import param

from workbench.apps import common, roster
from workbench.apps.base import WorkbenchApp
from workbench.apps.index_views import DIMENSIONS, ranking_table

#: Environment variable holding the facilitator's (admin) password.
ADMIN_PASSWORD_ENV = "WORKBENCH_ADMIN_PASSWORD"

common.add_labels(
    {
        "facilitator_title": {"en": "Facilitator", "zh": "主持人视图"},
        "participants": {"en": "Participants", "zh": "参与者"},
        "panel_weights": {"en": "Panel weights", "zh": "小组权重"},
        "publish": {"en": "Publish panel weights as a preset", "zh": "发布小组权重为预设"},
        "tier_changes": {"en": "Cities whose tier changes", "zh": "梯队变化的城市"},
    }
)


def aggregate_weights(weights: list[dict[str, float]]) -> pd.DataFrame:
    """Aggregate participants' dimension weights into a panel weighting.

    Each participant's weights are first turned into shares (summing to 1), so a participant
    who moves every slider up does not count more than one who moves them down.

    Parameters
    ----------
    weights
        One ``{dimension: weight}`` per participant (all-zero ones are skipped).

    Returns
    -------
    pandas.DataFrame
        Rows = dimensions; columns ``mean``, ``median``, ``std`` (dispersion, population),
        ``min``, ``max`` of the shares, and ``n`` (participants counted).
    """
    rows = []
    for w in weights:
        values = np.array([float(w.get(d, 0.0)) for d in DIMENSIONS])
        total = values.sum()
        if total > 0:
            rows.append(values / total)
    if not rows:
        return pd.DataFrame(
            {"mean": np.nan, "median": np.nan, "std": np.nan, "min": np.nan, "max": np.nan, "n": 0},
            index=list(DIMENSIONS),
        )
    shares = np.vstack(rows)
    return pd.DataFrame(
        {
            "mean": shares.mean(axis=0),
            "median": np.median(shares, axis=0),
            "std": shares.std(axis=0),
            "min": shares.min(axis=0),
            "max": shares.max(axis=0),
            "n": len(rows),
        },
        index=list(DIMENSIONS),
    )


def compare_rankings(cube: Any, panel: dict[str, float], year: int | None) -> pd.DataFrame:
    """Return the ranking under ``panel`` weights beside the default (equal weights).

    Parameters
    ----------
    cube
        The indicator cube.
    panel
        Dimension code -> weight.
    year
        The year.

    Returns
    -------
    pandas.DataFrame
        ``code``, ``city``, ``default_rank``, ``default_tier``, ``panel_rank``,
        ``panel_tier``, ``tier_changed``; sorted by the panel rank.
    """
    from workbench.index import run_index

    def spec(weights: dict[str, float]) -> dict[str, Any]:
        return {
            "steps": [
                {"normalise": {"method": "minmax", "range": [0, 100]}},
                {"weight": {"method": "manual", "weights": weights}},
                {"aggregate": {"method": "arithmetic"}},
            ]
        }

    default = ranking_table(run_index(cube, spec(dict.fromkeys(DIMENSIONS, 1.0)), year=year), cube)
    chosen = ranking_table(run_index(cube, spec(panel), year=year), cube)
    base = default.set_index("code")
    out = pd.DataFrame(
        {
            "code": chosen["code"],
            "city": chosen["name_en"],
            "default_rank": base.loc[chosen["code"], "rank"].to_numpy(),
            "default_tier": base.loc[chosen["code"], "tier"].to_numpy(),
            "panel_rank": chosen["rank"].to_numpy(),
            "panel_tier": chosen["tier"].to_numpy(),
        }
    )
    out["tier_changed"] = out["default_tier"] != out["panel_tier"]
    return out


class Facilitator(WorkbenchApp):
    """The facilitator's live view of the workshop.

    Parameters
    ----------
    admin_password
        Asked for before anything is shown; ``$WORKBENCH_ADMIN_PASSWORD`` when ``None``; no
        extra question when neither is set (the workshop's own password still applies).
    **params
        Initial values of the parameters below.
    """

    statistic: param.Selector[str] = param.Selector(
        default="median", objects=["median", "mean"], doc="How the panel's weights are formed."
    )
    refresh_seconds = param.Number(default=2.0, bounds=(0.5, 60.0), doc="Refresh interval.")
    unlocked = param.Boolean(default=False, doc="Whether the admin password was given.")

    def __init__(self, admin_password: str | None = None, **params: Any) -> None:
        super().__init__(**params)
        self._admin = admin_password or os.environ.get(ADMIN_PASSWORD_ENV) or None
        self.cube = common.shared_sample("city_ai_index")
        years = [int(y) for y in self.cube["year"].to_numpy()] if "year" in self.cube.dims else []
        self.year = years[-1] if years else None
        self.panel_weights: dict[str, float] = {}
        self.summary = aggregate_weights([])
        self.comparison = pd.DataFrame()
        self.participants_frame = pd.DataFrame()
        self._ranking_key: Any = None
        self._build()
        if self._admin is None:
            self.unlocked = True
        self.param.watch(lambda *_: self.refresh(), ["statistic", "unlocked"])
        self.refresh()
        self._every(self.refresh_seconds, self.refresh)

    def _on_login(self) -> None:
        self.unlock(self._password.value or "")

    def _on_publish(self) -> None:
        self.publish()

    def _build(self) -> None:
        self._password = pn.widgets.PasswordInput(
            label="Admin password", css_classes=["admin-password"]
        )
        self._login = pn.widgets.Button(label="Open", color="primary")
        self._login.on_click(lambda _e: self._on_login())
        self._gate = pn.Column(self._password, self._login, self.status.alert)
        self._who = pn.widgets.Tabulator(
            pd.DataFrame(),
            disabled=True,
            show_index=False,
            sizing_mode="stretch_width",
            height=260,
            css_classes=["participants-table"],
        )
        self._count = pn.pane.Markdown("", css_classes=["participants-count"])
        self._weights = pn.widgets.Tabulator(
            pd.DataFrame(),
            disabled=True,
            sizing_mode="stretch_width",
            css_classes=["panel-weights-table"],
        )
        self._changes = pn.pane.Markdown("", css_classes=["tier-changes"])
        self._ranking = pn.widgets.Tabulator(
            pd.DataFrame(),
            disabled=True,
            show_index=False,
            sizing_mode="stretch_width",
            height=380,
            pagination=None,
            css_classes=["panel-ranking-table"],
        )
        self._publish = pn.widgets.Button(
            label=common.label("publish"), color="success", css_classes=["publish-preset"]
        )
        self._publish.on_click(lambda _e: self._on_publish())
        self._published = pn.pane.Markdown("", css_classes=["published"])
        self._statistic_w = pn.widgets.RadioButtonGroup.from_param(self.param.statistic)
        self._controls = pn.Column(
            self._statistic_w, self._publish, self._published, sizing_mode="stretch_width"
        )
        self._body = pn.Column(
            f"### {common.label('participants')}",
            self._count,
            self._who,
            f"### {common.label('panel_weights')} (shares of the total; n = participants)",
            self._weights,
            f"### {common.label('tier_changes')}",
            self._changes,
            self._ranking,
            sizing_mode="stretch_width",
            visible=False,
        )
        self._main = pn.Column(
            f"## {common.label('facilitator_title')}",
            self._gate,
            self._body,
            sizing_mode="stretch_width",
        )

    def unlock(self, password: str) -> bool:
        """Open the view when ``password`` is the admin password.

        Parameters
        ----------
        password
            What the facilitator typed.

        Returns
        -------
        bool
            Whether the view is open.
        """
        if self._admin is None or hmac.compare_digest(str(password), self._admin):
            self.unlocked = True
            self.status.clear()
        else:
            self.status.error("That is not the admin password.")
        return self.unlocked

    def refresh(self) -> None:
        """Read the roster and update every view."""
        self._gate.visible = not self.unlocked
        self._body.visible = self.unlocked
        self._controls.visible = self.unlocked
        if not self.unlocked:
            return
        people = roster.participants()
        now = time.time()
        rows = []
        for p in people:
            weights = p.get("weights") or {}
            rows.append(
                {
                    "user": p.get("user") or "",
                    "session": str(p.get("session", ""))[:8],
                    "app": p.get("app", ""),
                    "city": p.get("city_name") or p.get("city") or "",
                    **{d: weights.get(d) for d in DIMENSIONS},
                    "idle_s": round(now - float(p.get("updated", now))),
                }
            )
        self.participants_frame = pd.DataFrame(rows)
        self._who.value = self.participants_frame
        by_app = self.participants_frame["app"].value_counts().to_dict() if rows else {}
        self._count.object = f"**{len(rows)}** connected · " + ", ".join(
            f"{app}: {n}" for app, n in sorted(by_app.items())
        )
        self.summary = aggregate_weights([p["weights"] for p in people if p.get("weights")])
        self._weights.value = self.summary.round(3)
        column = self.summary[self.statistic]
        if column.isna().any():
            self.panel_weights = {}
            self._changes.object = "No participant's weights yet."
            self._ranking.value = pd.DataFrame()
            return
        self.panel_weights = {d: float(column[d]) for d in DIMENSIONS}
        key = tuple(round(v, 6) for v in self.panel_weights.values())
        if key != self._ranking_key:
            self._ranking_key = key
            self.comparison = compare_rankings(self.cube, self.panel_weights, self.year)
            self._ranking.value = self.comparison
            changed = self.comparison[self.comparison["tier_changed"]]
            self._changes.object = (
                "\n".join(
                    f"- {r.city}: {r.default_tier} → {r.panel_tier}" for r in changed.itertuples()
                )
                or "No city changes tier under the panel's weights."
            )

    def publish(self) -> dict[str, Any] | None:
        """Publish the panel's weights to every participant as a new preset.

        Returns
        -------
        dict or None
            The preset, or ``None`` when there are no weights to publish.
        """
        if not self.unlocked or not self.panel_weights:
            self.status.error("There are no participants' weights to publish yet.")
            return None
        n = int(self.summary["n"].iloc[0])
        name = f"Panel weights ({self.statistic} of {n}, {time.strftime('%H:%M')})"
        # shares times the number of dimensions: equal weights stay 1.0 on the sliders
        scale = len(DIMENSIONS)
        weights = {d: round(w * scale, 2) for d, w in self.panel_weights.items()}
        preset = roster.publish_preset(name, weights)
        self._published.object = f"Published **{name}** to every participant."
        return preset

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(self._controls, self._main, sizing_mode="stretch_width")


__all__ = ["ADMIN_PASSWORD_ENV", "Facilitator", "aggregate_weights", "compare_rankings"]
