"""Rebuild the city model's default plan: ``workbench siting plan shanghai`` on the sample.

Writes ``sample_data/shanghai_siting/plan/`` (``plan_sites.geojson`` and
``plan_summary.json``, the siting engine's own files). The city model reads the plan's
columns by name and ignores extra ones, so a newer siting engine's plan drops in unchanged.

Run: ``PYTHONPATH=. python sample_data/build_citymodel_plan.py``
"""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).resolve().parent / "shanghai_siting" / "plan"


def main() -> None:
    """Solve the sample's "2+M+X" plan and write its sites and summary."""
    from workbench.siting.plan import plan_scenario

    result = plan_scenario("shanghai", time_limit=120.0, mip_rel_gap=1e-3)
    paths = result.save(OUT)
    (paths["netcdf"]).unlink()  # per-demand assignment: not needed by the city model
    print(f"{result.name}: {len(result.selected)} sites -> {OUT}")


if __name__ == "__main__":
    main()
