"""One report run: files, manifest, HTML without code, failures with cell and error, atomicity."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import nbformat
import pytest

from workbench.reports import read_manifest, remote_references, run_report
from workbench.reports.manifest import sha256_file


@pytest.mark.kernel
def test_run_writes_notebook_html_results_and_manifest(probe, kernel, tmp_path):
    out = tmp_path / "run"
    res = run_report(probe, {"n": 4, "seed": 7, "label": "A"}, out, kernel_name=kernel)
    assert res.status == "ok", res.error
    assert sorted(p.name for p in out.iterdir()) == [
        "manifest.json",
        "report.html",
        "report.ipynb",
        "results.json",
    ]
    m = read_manifest(out)
    assert m["status"] == "ok"
    assert m["parameters"] == {"n": 4, "seed": 7, "label": "A"}
    assert m["seed"] == 7
    assert m["defaults"]["scale"] == 1.0
    assert m["kernel_name"] == kernel
    assert m["packages"]["papermill"]
    assert m["packages"]["numpy"]
    assert m["notebook_sha256"] == sha256_file(probe)
    for name, info in m["files"].items():
        assert info["sha256"] == sha256_file(out / name)
    assert m["duration_s"] > 0
    assert m["timings"]["kernel_start_s"] > 0
    results = res.results()
    assert len(results["values"]) == 4
    assert results["label"] == "A"
    # the executed notebook carries the injected parameters; the HTML shows no code
    nb = nbformat.read(out / "report.ipynb", as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)
    html = (out / "report.html").read_text()
    assert "The mean of 4 draws" in html
    assert "np.random.default_rng" not in html
    assert "import numpy" not in html
    assert remote_references(html) == []


@pytest.mark.kernel
def test_same_seed_same_results(probe, kernel, tmp_path):
    a = run_report(probe, {"seed": 3}, tmp_path / "a", kernel_name=kernel)
    b = run_report(probe, {"seed": 3}, tmp_path / "b", kernel_name=kernel)
    assert a.results()["values"] == b.results()["values"]
    assert a.results()["pid"] != b.results()["pid"], "each run must have its own kernel process"


@pytest.mark.kernel
def test_failed_run_reports_cell_and_error(probe, kernel, tmp_path):
    flag = tmp_path / "fail"
    flag.write_text("x")
    res = run_report(
        probe, {"fail_if_exists": str(flag), "label": "B"}, tmp_path / "r", kernel_name=kernel
    )
    assert res.status == "error"
    err = read_manifest(tmp_path / "r")["error"]
    assert err["ename"] == "RuntimeError"
    assert err["evalue"] == "deliberate failure for label=B"
    assert err["template_cell_index"] == 3  # the 4th cell of the template
    assert "raise RuntimeError" in err["source"]
    assert "RuntimeError: deliberate failure" in err["summary"]
    # the executed notebook and its HTML are kept for inspection, but no results
    assert (tmp_path / "r" / "report.html").is_file()
    assert not (tmp_path / "r" / "results.json").exists()
    # the input file named by a parameter is hashed into the manifest
    assert read_manifest(tmp_path / "r")["inputs"][str(flag.resolve())]["sha256"] == sha256_file(
        flag
    )


def _wait_for(pred, timeout=60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.kernel
def test_interrupted_run_leaves_no_complete_looking_folder(probe, kernel, tmp_path):
    out = tmp_path / "run"
    ok = run_report(probe, {"seed": 1}, out, kernel_name=kernel)
    assert ok.status == "ok"
    old_results = (out / "results.json").read_bytes()
    code = (
        "from workbench.reports import run_report\n"
        f"run_report({str(probe)!r}, {{'seed': 2, 'sleep': 60.0}}, {str(out)!r}, "
        f"kernel_name={kernel!r})\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    try:
        staged = lambda: any(out.glob(".staging-*/report.ipynb")) or _running(out)  # noqa: E731
        assert _wait_for(lambda: _running(out) and staged()), "the rerun never started"
        time.sleep(1.0)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    m = read_manifest(out)
    assert m["status"] == "running", "an interrupted run must not look complete"
    assert m["parameters"]["seed"] == 2
    # the interrupted run did not touch the previous results (it writes them in staging first)
    assert (out / "results.json").read_bytes() == old_results
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def _running(out):
    m = read_manifest(out)
    return bool(m and m["status"] == "running")


@pytest.mark.kernel
def test_manifest_is_valid_json_at_every_moment(probe, kernel, tmp_path):
    # written with os.replace: a reader polling during the run never sees a partial file
    out = tmp_path / "run"
    code = (
        "from workbench.reports import run_report\n"
        f"run_report({str(probe)!r}, {{'sleep': 1.0}}, {str(out)!r}, kernel_name={kernel!r})\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code])
    seen = set()
    while proc.poll() is None:
        path = out / "manifest.json"
        if path.exists():
            seen.add(json.loads(path.read_text())["status"])
        time.sleep(0.02)
    assert proc.returncode == 0
    seen.add(json.loads((out / "manifest.json").read_text())["status"])
    assert seen == {"running", "ok"}
