"""The template package (``extensions/template``) loads cleanly and its examples work.

The template is not installed by ``make test`` (users copy it); here it is made visible to
``importlib.metadata`` the pip-free way: its ``src`` folder plus a ``*.dist-info`` folder
whose ``entry_points.txt`` is generated from the template's ``pyproject.toml``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib

import pytest


@pytest.fixture(scope="module")
def template_env(repo_root, tmp_path_factory):
    root = repo_root / "extensions" / "template"
    meta = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    project = meta["project"]
    site = tmp_path_factory.mktemp("template_site")
    info = site / f"workbench_template-{project['version']}.dist-info"
    info.mkdir()
    lines = [f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}"]
    lines += [f"Requires-Dist: {dep}" for dep in project["dependencies"]]
    (info / "METADATA").write_text("\n".join(lines) + "\n", encoding="utf-8")
    eps = []
    for group, entries in project["entry-points"].items():
        eps.append(f"[{group}]")
        eps += [f"{name} = {value}" for name, value in entries.items()]
    (info / "entry_points.txt").write_text("\n".join(eps) + "\n", encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(root / "src"), env.get("PYTHONPATH", "")])
    return env, project


@pytest.mark.subprocess
def test_every_template_plugin_loads_and_validates(template_env):
    env, project = template_env
    out = subprocess.run(
        [sys.executable, "-m", "workbench", "plugins", "list", "--json"],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    rows = {(r["kind"], r["name"]): r for r in json.loads(out.stdout)}
    for group, entries in project["entry-points"].items():
        kind = group.removeprefix("workbench.")
        for name in entries:
            row = rows[(kind, name)]
            assert row["status"] == "plugin", (kind, name, row["summary"])
            assert row["source"] == "workbench-template"
    check = subprocess.run(
        [sys.executable, "-m", "workbench", "plugins", "check"],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout


@pytest.mark.subprocess
def test_template_own_tests_pass(template_env, repo_root):
    env, _ = template_env
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         str(repo_root / "extensions" / "template" / "tests")],
        capture_output=True, text=True, env=env, cwd=repo_root,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
