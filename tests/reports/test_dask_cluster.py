"""Report batches on a real Dask scheduler and workers started on loopback with the dask CLI.

The results of a batch on the cluster are identical to the same batch run one by one in this
process (same seeds), and every run had its own kernel process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbench.reports import run_batch

pytestmark = pytest.mark.dask

DASK = Path(sys.executable).with_name("dask")


def _start(args, log):
    return subprocess.Popen(
        [str(DASK), *args],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """``dask scheduler`` + two ``dask worker`` processes on 127.0.0.1; yields the address."""
    tmp = tmp_path_factory.mktemp("dask")
    sched_file = tmp / "scheduler.json"
    log = (tmp / "cluster.log").open("w")
    procs = [
        _start(
            [
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(sched_file),
            ],
            log,
        )
    ]
    try:
        end = time.monotonic() + 60
        while not sched_file.exists() and time.monotonic() < end:
            time.sleep(0.2)
        assert sched_file.exists(), (tmp / "cluster.log").read_text()
        address = json.loads(sched_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        for i in range(2):
            procs.append(
                _start(
                    [
                        "worker",
                        "--scheduler-file",
                        str(sched_file),
                        "--nthreads",
                        "1",
                        "--nworkers",
                        "1",
                        "--no-dashboard",
                        "--host",
                        "127.0.0.1",
                        "--name",
                        f"w{i}",
                        "--local-directory",
                        str(tmp / f"w{i}"),
                    ],
                    log,
                )
            )
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        log.close()


def _values(out):
    return {
        p.name: json.loads((p / "results.json").read_text())
        for p in sorted(out.iterdir())
        if p.is_dir()
    }


@pytest.mark.subprocess
def test_batch_on_real_scheduler_equals_one_process_run(dask_cluster, probe, kernel, tmp_path):
    each = {"seed": [1, 2, 3, 4]}
    params = {"n": 6, "scale": 2.5}
    local = run_batch(
        probe, each, params, tmp_path / "serial", kernel_name=kernel, serial=True, progress=False
    )
    remote = run_batch(
        probe,
        each,
        params,
        tmp_path / "cluster",
        kernel_name=kernel,
        scheduler=dask_cluster,
        progress=False,
    )
    assert local.ok
    assert remote.ok
    a, b = _values(tmp_path / "serial"), _values(tmp_path / "cluster")
    assert sorted(a) == ["seed=1", "seed=2", "seed=3", "seed=4"]
    assert {k: v["values"] for k, v in a.items()} == {k: v["values"] for k, v in b.items()}
    # one kernel process per run, on the cluster too
    assert len({v["pid"] for v in b.values()}) == 4
    batch = json.loads((tmp_path / "cluster" / "batch.json").read_text())
    assert batch["scheduler"] == dask_cluster
    manifests = [
        json.loads((p / "manifest.json").read_text())
        for p in (tmp_path / "cluster").iterdir()
        if p.is_dir()
    ]
    assert {m["status"] for m in manifests} == {"ok"}


@pytest.mark.subprocess
def test_scheduler_from_environment_and_cli(dask_cluster, probe, kernel, tmp_path, monkeypatch):
    from workbench.cli import main

    monkeypatch.setenv("WORKBENCH_SCHEDULER", dask_cluster)
    out = tmp_path / "env"
    code = main(
        [
            "report",
            str(probe),
            "--each",
            "label=x,y",
            "--out",
            str(out),
            "--kernel",
            kernel,
            "--no-progress",
        ]
    )
    assert code == 0
    assert json.loads((out / "batch.json").read_text())["scheduler"] == dask_cluster
    assert sorted(_values(out)) == ["label=x", "label=y"]


@pytest.mark.subprocess
def test_index_uncertainty_on_real_scheduler_equals_one_process(dask_cluster):
    import numpy as np

    from workbench.data import load_sample
    from workbench.index.uncertainty import uncertainty

    cube = load_sample("city_ai_index")
    kw = {"n_draws": 400, "seed": 11, "chunk_size": 100, "year": 2025}
    local = uncertainty(cube, **kw)
    remote = uncertainty(cube, scheduler=dask_cluster, **kw)
    np.testing.assert_array_equal(local.ranks, remote.ranks)
    assert local.tier_probability.equals(remote.tier_probability)


@pytest.mark.subprocess
def test_citymodel_ensemble_on_real_scheduler_equals_one_process(dask_cluster):
    from workbench.citymodel import ensemble

    kw = {"hours": 24, "n_units": 300}
    local = ensemble(["baseline", "heatwave"], ["none", "priority"], [0, 1], **kw)
    remote = ensemble(
        ["baseline", "heatwave"], ["none", "priority"], [0, 1], scheduler=dask_cluster, **kw
    )
    assert local.equals(remote)
