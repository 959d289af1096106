"""Reproducible reports: Papermill notebooks run with parameters, one kernel per run, on Dask.

>>> from workbench.reports import run_report, run_batch  # doctest: +SKIP
>>> run_report("city_report", {"city": "310000", "draws": 100}, "out/shanghai")  # doctest: +SKIP
>>> run_batch("city_report", ["city=all"], {"draws": 100}, "out/cities")  # doctest: +SKIP

See ``docs/reports.md`` for the command line (``workbench report``) and running on a cluster.
"""

from __future__ import annotations

from workbench.reports.batch import BATCH_FILE, BatchResult, all_values, plan_batch, run_batch
from workbench.reports.catalog import (
    KERNEL_ENV,
    REPORTS_PATH_ENV,
    ReportTemplate,
    default_kernel,
    find_report,
    list_reports,
)
from workbench.reports.export import notebook_to_html, remote_references
from workbench.reports.manifest import MANIFEST
from workbench.reports.params import (
    expand_each,
    notebook_parameters,
    parse_assignments,
    validate_parameters,
)
from workbench.reports.runner import ReportResult, read_manifest, run_report

__all__ = [
    "BATCH_FILE",
    "KERNEL_ENV",
    "MANIFEST",
    "REPORTS_PATH_ENV",
    "BatchResult",
    "ReportTemplate",
    "ReportResult",
    "all_values",
    "default_kernel",
    "expand_each",
    "find_report",
    "list_reports",
    "notebook_parameters",
    "notebook_to_html",
    "parse_assignments",
    "plan_batch",
    "read_manifest",
    "remote_references",
    "run_batch",
    "run_report",
    "validate_parameters",
]
