"""A scenario plugin (``workbench.citymodel`` contract): a :class:`Scenario` object."""

from __future__ import annotations

from workbench.citymodel.scenarios import Scenario

#: One hot afternoon on day 1 (events use the city model's event types; see EVENT_TYPES).
HOT_DAY = Scenario(
    name="template_hot_day",
    description="One hot afternoon: cooling load x1.3 from 12:00 to 20:00 (template plugin).",
    events=(
        {"type": "heatwave", "start_hour": 12, "duration_hours": 8, "cooling_load_factor": 1.3},
    ),
)
