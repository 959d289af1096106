"""Report batches: a broken parameter set does not stop the others; --resume reruns only it."""

from __future__ import annotations

import json

import pytest

from workbench.cli import main
from workbench.reports import BATCH_FILE, read_manifest, run_batch


def _started(out):
    return {p.name: read_manifest(p)["started"] for p in sorted(out.iterdir()) if p.is_dir()}


def test_cli_batch_broken_set_exit_code_message_and_resume(probe, kernel, tmp_path, capsys):
    out = tmp_path / "batch"
    flag = tmp_path / "broken"
    flag.write_text("present")
    args = [
        "report",
        str(probe),
        "--each",
        "label=a,b,c",
        "-p",
        "fail_label=b",
        "-p",
        f"fail_if_exists={flag}",
        "-p",
        "n=3",
        "--out",
        str(out),
        "--kernel",
        kernel,
        "--no-progress",
        "--serial",
    ]
    assert main(args) == 1
    captured = capsys.readouterr()
    assert "2 ran ok, 0 already complete, 1 failed" in captured.out
    assert "FAILED" in captured.err
    assert "label=b: cell 4" in captured.err
    assert "RuntimeError: deliberate failure for label=b" in captured.err
    batch = json.loads((out / BATCH_FILE).read_text())
    assert [r["status"] for r in batch["runs"]] == ["ok", "error", "ok"]
    assert batch["runs"][1]["error"]["ename"] == "RuntimeError"
    assert (out / "label=a" / "results.json").is_file()
    assert (out / "label=c" / "results.json").is_file()
    before = _started(out)
    # resume while still broken: only b runs (and fails again)
    assert main([*args, "--resume"]) == 1
    assert "0 ran ok, 2 already complete, 1 failed" in capsys.readouterr().out
    mid = _started(out)
    assert [n for n in mid if mid[n] != before[n]] == ["label=b"]
    flag.unlink()
    assert main([*args, "--resume"]) == 0
    assert "1 ran ok, 2 already complete, 0 failed" in capsys.readouterr().out
    after = _started(out)
    assert [n for n in after if after[n] != mid[n]] == ["label=b"]
    assert all(read_manifest(out / n)["status"] == "ok" for n in after)
    # a completed batch resumes to nothing
    assert main([*args, "--resume"]) == 0
    assert "0 ran ok, 3 already complete, 0 failed" in capsys.readouterr().out


@pytest.mark.kernel
def test_resume_reruns_when_parameters_changed(probe, kernel, tmp_path):
    out = tmp_path / "b"
    run_batch(probe, ["label=a"], {"n": 2}, out, kernel_name=kernel, serial=True, progress=False)
    res = run_batch(
        probe,
        ["label=a"],
        {"n": 3},
        out,
        kernel_name=kernel,
        serial=True,
        resume=True,
        progress=False,
    )
    assert [r.status for r in res.runs] == ["ok"]
    assert len(res.runs[0].results()["values"]) == 3


@pytest.mark.kernel
@pytest.mark.dask
def test_batch_on_local_cluster_broken_set_then_resume(probe, kernel, tmp_path):
    out = tmp_path / "b"
    flag = tmp_path / "broken"
    flag.write_text("present")
    params = {"n": 3, "fail_label": "b", "fail_if_exists": str(flag)}
    each = {"label": ["a", "b", "c"]}
    res = run_batch(probe, each, params, out, kernel_name=kernel, n_workers=2, progress=False)
    assert [r.status for r in res.runs] == ["ok", "error", "ok"]
    assert res.exit_code == 1
    (broken,) = res.failed
    assert broken.error["ename"] == "RuntimeError"
    assert broken.error["template_cell_index"] == 3
    # each run had its own kernel process
    pids = {
        json.loads((out / n / "results.json").read_text())["pid"] for n in ("label=a", "label=c")
    }
    assert len(pids) == 2
    before = _started(out)
    flag.unlink()
    again = run_batch(
        probe, each, params, out, kernel_name=kernel, n_workers=2, progress=False, resume=True
    )
    assert [r.status for r in again.runs] == ["skipped", "ok", "skipped"]
    after = _started(out)
    assert [n for n in after if after[n] != before[n]] == ["label=b"]
    df = again.to_dataframe()
    assert list(df["status"]) == ["skipped", "ok", "skipped"]
