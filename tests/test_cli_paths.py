"""Paths as users type them, output folders that fail safe, and interrupted commands.

Every command that reads or writes files is run here with relative paths (from another working
directory), ``~``, spaces and Chinese characters in folder and file names. Every command that
writes is killed (SIGKILL) at the moment its finished output would be moved into place, and must
leave no file under the final name (a previous output stays as it was).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.data.paths import PARTIAL, atomic_output, staged_folder, user_path
from workbench.errors import SpecError

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "workbench" / "index" / "specs" / "city_ai_index.yaml"
DATA = "规划 数据"  # the inputs' folder: a space and Chinese characters
OUT = "结果 目录"  # where outputs go


def _small_scenario(folder: Path) -> None:
    """A copy of the shipped small Shanghai siting scenario (four central districts)."""
    shutil.copytree(REPO / "sample_data" / "shanghai_siting_small", folder)


def _costs(path: Path) -> None:
    """A small wide cost matrix (12 demand points x 5 sites, metres); synthetic."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(7)
    dist = rng.uniform(500, 9000, size=(12, 5)).round(1)
    frame = pd.DataFrame(
        dist, columns=[f"站{j}" for j in range(5)], index=pd.Index([f"点{i}" for i in range(12)])
    )
    frame.index.name = "id"
    frame.to_csv(path)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A user's project folder ``我的 项目/`` with inputs under ``规划 数据/``."""
    root = tmp_path_factory.mktemp("paths") / "我的 项目"
    data = root / DATA
    data.mkdir(parents=True)
    shutil.copy(REPO / "sample_data" / "city_ai_index.nc", data / "城市 指数.nc")
    shutil.copy(SPEC, data / "指数 规格.yaml")
    _small_scenario(data / "小 场景")
    _costs(data / "成本 矩阵.csv")
    (data / "我的 场景.yaml").write_text(
        "name: 热浪\ndescription: 两天高温 (example)\nevents:\n"
        "  - {type: heatwave, start_hour: 2, duration_hours: 3, cooling_load_factor: 1.4}\n",
        encoding="utf-8",
    )
    from workbench.citymodel import run
    from workbench.interop import ngsild

    res = run("baseline", "none", seed=0, hours=4, n_units=200)
    res.to_netcdf(data / "运行.nc")
    docs = ngsild.cube_to_temporal(res.to_xarray(), start="2026-07-13T00:00Z", step="1h")
    ngsild.write(docs, data / "观测.json")
    return root


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


# --- the helper ---------------------------------------------------------------------------------


def test_user_path_resolves_once_against_the_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "家"))
    assert user_path("a b/中文.csv") == tmp_path / "a b" / "中文.csv"
    assert user_path("~/规划/x.nc") == tmp_path / "家" / "规划" / "x.nc"
    assert user_path("../x", base=tmp_path / "sub") == tmp_path / "x"
    assert user_path(tmp_path / "abs") == tmp_path / "abs"


def test_atomic_output_leaves_nothing_on_error(tmp_path):
    dest = tmp_path / "结果.csv"

    def fail() -> None:
        with atomic_output(dest) as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail()
    assert list(tmp_path.iterdir()) == []
    with atomic_output(dest) as tmp:
        assert (tmp.parent, tmp.suffix, tmp.name[0]) == (tmp_path, ".csv", ".")
        tmp.write_text("ok", encoding="utf-8")
    assert dest.read_text(encoding="utf-8") == "ok"
    assert [p.name for p in tmp_path.iterdir()] == ["结果.csv"]


def test_staged_folder_refuses_a_folder_of_other_files(tmp_path):
    out = tmp_path / "计划"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    with (
        pytest.raises(SpecError, match=r"already holds files this command did not write \(notes"),
        staged_folder(out, owned=["plan.nc"]),
    ):
        pass
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    (out / "notes.txt").unlink()
    (out / "plan.nc").write_text("old", encoding="utf-8")
    with staged_folder(out, owned=["plan.nc"]) as stage:
        (stage / "plan.nc").write_text("new", encoding="utf-8")
    assert (out / "plan.nc").read_text(encoding="utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["计划"]


def test_staged_folder_never_replaces_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with (
        pytest.raises(SpecError, match=r"is the working directory .* name a sub-folder"),
        staged_folder(".", owned=[]),
    ):
        pass
    assert tmp_path.is_dir()


# --- every command, with paths as users type them -------------------------------------------------


@pytest.mark.slow
def test_every_command_takes_relative_paths_spaces_chinese_and_home(project, monkeypatch, capsys):
    monkeypatch.chdir(project)
    monkeypatch.setenv("HOME", str(project))
    before = _files(project)
    cube, spec = f"{DATA}/城市 指数.nc", f"{DATA}/指数 规格.yaml"
    runs = [
        ["data", "validate", cube, f"{DATA}/小 场景"],
        ["index", "run", cube, "--spec", spec, "--year", "2025", "--tiers"]
        + ["--out", f"{OUT}/得分 表.csv", "--netcdf", f"{OUT}/指数 结果.nc"],
        ["index", "run", f"~/{cube}", "--spec", f"~/{spec}", "--year", "2025"]
        + ["--out", f"~/{OUT}/家 目录.csv"],
        ["index", "uncertainty", cube, "--spec", spec, "--year", "2025", "--draws", "20"]
        + ["--out", f"{OUT}/不确定 性.csv"],
        ["index", "profile", "310000", cube, "--spec", spec, "--year", "2025"],
        ["siting", "solve", "--model", "pmedian", "--costs", f"{DATA}/成本 矩阵.csv", "--p", "2"]
        + ["--out", f"{OUT}/选址 结果.json"],
        ["siting", "plan", f"{DATA}/小 场景/scenario.yaml", "--out", f"{OUT}/计划 一"],
        ["scenarios", "show", f"{DATA}/我的 场景.yaml"],
        ["simulate", "--scenario", f"{DATA}/我的 场景.yaml", "--hours", "6", "--units", "200"]
        + ["--out", f"{OUT}/运行 一.nc"],
        ["simulate", "--scenario", "baseline", "--mechanism", "none,priority", "--seeds", "1"]
        + ["--hours", "6", "--units", "200", "--out", f"{OUT}/集合 运行"],
        ["export", "--format", "ngsi-ld", f"{OUT}/计划 一/plan_sites.geojson"]
        + ["--out", f"{OUT}/计划 实体.json"],
        ["export", "--format", "ditto", f"{OUT}/运行 一.nc", "--start", "2026-07-13T00:00Z"]
        + ["--step", "1h", "--out", f"{OUT}/运行 事物.json"],
        ["export", "--format", "ngsi-ld", f"{OUT}/运行 一.nc", "--start", "2026-07-13T00:00Z"]
        + ["--step", "1h", "--out", f"{OUT}/运行 时序.json"],
        ["export", "--format", "netcdf", f"{OUT}/运行 时序.json", "--out", f"{OUT}/观测 值.nc"],
    ]
    printed = {}
    for argv in runs:
        code = main(argv)
        captured = capsys.readouterr()
        assert code == 0, (argv, captured.err)
        printed[" ".join(argv[:2])] = captured.out
    new = _files(project) - before
    assert new == {
        f"{OUT}/{name}"
        for name in (
            "得分 表.csv",
            "指数 结果.nc",
            "家 目录.csv",
            "不确定 性.csv",
            "选址 结果.json",
            "计划 一/plan_sites.geojson",
            "计划 一/plan.nc",
            "计划 一/plan_summary.json",
            "运行 一.nc",
            "集合 运行/comparison.csv",
            "计划 实体.json",
            "运行 事物.json",
            "运行 时序.json",
            "观测 值.nc",
        )
    }
    # JSON printed and written keeps Chinese readable
    assert f'"{project / OUT / "计划 一" / "plan.nc"}"' in printed["siting plan"]
    assert "\\u" not in printed["siting plan"]
    summary = (project / OUT / "计划 一" / "plan_summary.json").read_text(encoding="utf-8")
    assert "\\u" not in summary
    assert "站" in (project / OUT / "选址 结果.json").read_text(encoding="utf-8")


@pytest.mark.slow
def test_report_and_batch_with_relative_out_from_another_cwd(project):
    """The issue's failing command, and a batch on a LocalCluster, with relative ``--out``."""
    from workbench.reports import default_kernel

    kernel = default_kernel()
    cwd = project / "工作 目录"
    cwd.mkdir()
    probe = Path(os.path.relpath(REPO / "tests/reports/notebooks/probe_report.ipynb", cwd))
    env = {**os.environ, "PYTHONPATH": str(REPO), "WORKBENCH_KERNEL": kernel}
    wb = [sys.executable, "-m", "workbench"]

    def run(*args):
        return subprocess.run([*wb, *args], cwd=cwd, env=env, capture_output=True, text=True)

    single = run("report", "city_report", "-p", "city=510100", "-p", "draws=50")
    assert single.returncode == 2  # --out is required
    single = run(
        *"report city_report -p city=510100 -p draws=50 --out".split(), "../报告 输出/成都"
    )
    assert single.returncode == 0, single.stderr
    run_dir = project / "报告 输出" / "成都"
    assert json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))["status"] == "ok"
    assert {p.name for p in run_dir.iterdir()} == {
        "manifest.json",
        "report.html",
        "report.ipynb",
        "results.json",
        "results.nc",
    }
    batch = run(
        *["report", str(probe), "--each", "label=一,b", "-p", "n=3", "--workers", "1"],
        *["--no-progress", "--out", "批次 输出/探针"],
    )
    assert batch.returncode == 0, batch.stderr
    out = cwd / "批次 输出" / "探针"
    assert sorted(p.name for p in out.iterdir()) == ["batch.json", "label=b", "label=一"]
    for name in ("label=一", "label=b"):
        assert json.loads((out / name / "results.json").read_text(encoding="utf-8"))["values"]
    # a batch folder holding unrelated files is refused before anything runs, unless --force
    (cwd / "杂项").mkdir()
    (cwd / "杂项" / "笔记.txt").write_text("mine", encoding="utf-8")
    refused = run(*["report", str(probe), "--each", "label=c", "--out", "杂项", "--serial"])
    assert refused.returncode == 2
    assert "already holds files this command did not write (笔记.txt)" in refused.stderr
    assert "--force" in refused.stderr
    assert sorted(p.name for p in (cwd / "杂项").iterdir()) == ["笔记.txt"]
    forced = run(
        *["report", str(probe), "--each", "label=c", "--out", "杂项", "--serial", "--force"],
        "--no-progress",
    )
    assert forced.returncode == 0, forced.stderr
    assert (cwd / "杂项" / "label=c" / "results.json").is_file()


# --- interrupted commands -----------------------------------------------------------------------

#: Runs the CLI with its N-th commit (``$KILL_AT``, default 1) replaced by SIGKILL: the process
#: dies after that output was written in full under its temporary name, just before the rename
#: that would publish it.
KILL_AT_COMMIT = """
import os, signal, sys
import workbench.data.paths as paths
commit, count = paths.commit, [0]
def die(tmp, dest):
    count[0] += 1
    if count[0] < int(os.environ.get("KILL_AT", "1")):
        return commit(tmp, dest)
    assert os.path.exists(tmp), tmp
    os.kill(os.getpid(), signal.SIGKILL)
paths.commit = die
from workbench.cli import main
sys.exit(main(sys.argv[1:]))
"""
PLAIN = "import sys\nfrom workbench.cli import main\nsys.exit(main(sys.argv[1:]))\n"

CUBE = f"{DATA}/城市 指数.nc"
START = ["--start", "2026-07-13T00:00Z", "--step", "1h"]
#: command -> (arguments before --out, --out value, the file that must not appear, which commit)
KILLED = {
    "index run": (
        ["index", "run", CUBE, "--spec", f"{DATA}/指数 规格.yaml", "--year", "2025"],
        "得分.csv",
        "得分.csv",
        1,
    ),
    "index run --netcdf": (
        ["index", "run", CUBE, "--year", "2025", "--netcdf", "输出 目录/结果.nc"],
        "表.csv",
        "结果.nc",
        2,  # the CSV is published first; killed while publishing the NetCDF
    ),
    "index uncertainty": (
        ["index", "uncertainty", CUBE, "--year", "2025", "--draws", "10"],
        "u.csv",
        "u.csv",
        1,
    ),
    "siting solve": (
        ["siting", "solve", "--model", "pmedian", "--costs", f"{DATA}/成本 矩阵.csv", "--p", "2"],
        "选址.json",
        "选址.json",
        1,
    ),
    "siting plan": (["siting", "plan", f"{DATA}/小 场景/scenario.yaml"], "计划", "计划", 1),
    "simulate": (["simulate", "--hours", "4", "--units", "200"], "运行.nc", "运行.nc", 1),
    "simulate ensemble": (
        ["simulate", "--mechanism", "none,priority", "--hours", "4", "--units", "200"],
        "集合",
        "集合/comparison.csv",
        1,
    ),
    "export ngsi-ld": (
        ["export", "--format", "ngsi-ld", f"{DATA}/运行.nc", *START],
        "实体.json",
        "实体.json",
        1,
    ),
    "export ditto": (
        ["export", "--format", "ditto", f"{DATA}/运行.nc", *START],
        "事物.json",
        "事物.json",
        1,
    ),
    "export netcdf": (
        ["export", "--format", "netcdf", f"{DATA}/观测.json"],
        "观测.nc",
        "观测.nc",
        1,
    ),
}


def _cli(argv: list[str], cwd: Path, *, kill: int = 0) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "KILL_AT": str(kill)}
    return subprocess.run(
        [sys.executable, "-c", KILL_AT_COMMIT if kill else PLAIN, *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )


def _published(folder: Path) -> dict[str, bytes]:
    """Every file a user would take for output: anything not under a hidden partial name."""
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and not any(PARTIAL in part for part in p.relative_to(folder).parts)
    }


@pytest.mark.slow
@pytest.mark.parametrize("name", list(KILLED))
def test_killed_command_leaves_no_file_that_looks_complete(name, project, tmp_path):
    work = tmp_path / "工作 区"
    work.mkdir()
    (work / DATA).symlink_to(project / DATA, target_is_directory=True)
    out_dir = work / "输出 目录"
    args, out, final, at = KILLED[name]
    argv = [*args, "--out", f"输出 目录/{out}"]

    killed = _cli(argv, work, kill=at)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr[-2000:])
    assert not (out_dir / final).exists()
    published = set(_published(out_dir))
    assert published == ({"表.csv"} if at == 2 else set()), published  # only finished outputs
    leftovers = [p.name for p in out_dir.rglob("*") if p.is_file() and p.parent == out_dir]
    assert all(n.startswith(".") and PARTIAL in n for n in leftovers if n != "表.csv"), leftovers

    if name in ("index run", "siting plan"):
        # a previous output survives an interrupted rerun
        done = _cli(argv, work)
        assert done.returncode == 0, done.stderr
        previous = _published(out_dir)
        assert previous
        again = _cli(argv, work, kill=at)
        assert again.returncode == -signal.SIGKILL
        if name == "index run":
            assert _published(out_dir) == previous
            return
        # a folder output is swapped: killed in between, the final name is absent (never a mix
        # of old and new files) and the previous folder waits, complete, under a hidden name
        assert not (out_dir / final).exists()
        kept = [_published(p) for p in out_dir.iterdir() if PARTIAL in p.name]
        assert {k.removeprefix(f"{final}/"): v for k, v in previous.items()} in kept


def test_batch_run_folders_keep_chinese_and_never_merge_two_values(tmp_path):
    from workbench.reports import plan_batch

    probe = REPO / "tests" / "reports" / "notebooks" / "probe_report.ipynb"
    _, _, runs = plan_batch(probe, ["label=成都,武汉,成都"], {}, tmp_path / "批")
    assert [Path(d).name for d, _ in runs] == ["label=成都", "label=武汉"]
    assert all(Path(d).parent == tmp_path / "批" for d, _ in runs)
    with pytest.raises(SpecError, match=r"would share the run folder 'label=a_b'"):
        plan_batch(probe, ["label=a b,a/b"], {}, tmp_path / "批")
