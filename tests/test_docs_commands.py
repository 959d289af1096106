"""Collect the shell examples of the documentation, and run them as a user would.

Used by ``tests/test_docs_commands.py``. What counts as an example:

- every line of a fenced ```` ```bash ````, ```` ```sh ```` or ```` ```shell ```` block in
  ``README.md`` and ``docs/*.md`` (backslash continuations joined; comment lines skipped);
- every ``$ command`` line of a ```` ```console ```` block; the lines after it up to the next
  ``$`` are its expected output, and ``$ echo $?`` followed by a number is its exit code;
- every line starting with ``workbench`` in the ``--help`` epilog of any (sub)command.

A fenced block without a language that holds commands is an error: label it ``bash`` (an
example that runs) or ``text`` (a synopsis with placeholders, or output).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHELL_LANGS = ("bash", "sh", "shell", "console")
FENCE = re.compile(r"^```([\w+-]*)[^\n]*\n(.*?)^```", re.S | re.M)

#: Commands that cannot run inside the test, each with its reason. Anything else runs.
CANNOT_RUN: tuple[tuple[str, str], ...] = (
    (r"^make (serve|test)\b", "builds .venv and installs packages; `make test` runs this suite"),
    (
        r"^(\S*/)?dask (scheduler|worker)\b",
        "the test starts a LocalCluster itself and substitutes its address in the commands",
    ),
    (r"^pip install\b", "installs into the environment (the shipped extensions are pre-installed)"),
    (r"^cp -r extensions/template\b", "copies the plugin template out of the repository"),
    (r"^python -m pytest tests$", "the copied plugin template's own test suite"),
    (
        r"--spec spec\.yaml --out scores\.csv",
        "uses the weighted_median aggregator of the plugin the walk-through installs with pip",
    ),
    (
        r"--address 10\.0\.0\.",
        "the several-machine recipe binds machine addresses this host lacks; "
        "tests/workshop/test_proxy.py runs the same recipe on loopback",
    ),
    (
        r"nginx -s reload",
        "writes the system's nginx configuration; tests/workshop/test_proxy.py runs nginx on "
        "loopback with nginx_config()",
    ),
    (
        r"benchmarks/workshop_load\.py",
        "a load benchmark in Chromium (minutes); timing lives in benchmarks/",
    ),
)

#: Environment variables the docs assume the reader has set (OAuth app credentials).
DOC_ENV = {"CLIENT_ID": "example-client-id", "CLIENT_SECRET": "example-client-secret"}

#: Folders of the repository a user's working directory has (the docs run from a checkout).
LINKED = ("sample_data", "notebooks", "workbench", "extensions")


@dataclass
class Example:
    """One shell command from the documentation."""

    where: str  # "docs/reports.md:42" or "--help of `workbench report`"
    command: str
    expect_rc: int = 0
    expect_out: list[str] = field(default_factory=list)

    def cannot_run(self) -> str | None:
        """The reason this command cannot run here, or ``None``."""
        for pattern, reason in CANNOT_RUN:
            if re.search(pattern, self.command):
                return reason
        return None

    @property
    def serves(self) -> bool:
        """Whether the command starts a server that runs until stopped."""
        return bool(re.match(r"^(\w+=\S+\s+)*workbench serve\b", self.command))


def _logical_lines(body: str, first_line: int) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    buf, start = "", None
    for i, raw in enumerate(body.splitlines()):
        line = raw.rstrip()
        if start is None:
            start = first_line + i
        if line.endswith("\\"):
            buf += line[:-1].rstrip() + " "
            continue
        buf += line.strip() if buf else line
        out.append((start, buf))
        buf, start = "", None
    if buf:
        out.append((start or first_line, buf))
    return out


def fenced_blocks(path: Path) -> list[tuple[str, int, str]]:
    """``(language, line of the first body line, body)`` of every fenced block in a file."""
    text = path.read_text(encoding="utf-8")
    blocks = []
    for m in FENCE.finditer(text):
        line = text.count("\n", 0, m.start(2)) + 1
        blocks.append((m.group(1).lower(), line, m.group(2)))
    return blocks


def examples_in(path: Path) -> list[Example]:
    """The shell examples of one Markdown file, in order."""
    rel = path.relative_to(REPO).as_posix() if path.is_relative_to(REPO) else path.name
    found: list[Example] = []
    for lang, line0, body in fenced_blocks(path):
        if lang not in SHELL_LANGS:
            continue
        lines = _logical_lines(body, line0)
        if lang == "console":
            current: Example | None = None
            for no, line in lines:
                s = line.strip()
                if s.startswith("$ "):
                    cmd = s[2:].strip()
                    if cmd == "echo $?":
                        current = Example("", "echo $?")  # its output is the exit code
                        continue
                    current = Example(f"{rel}:{no}", cmd)
                    found.append(current)
                elif current is not None and s:
                    if current.command == "echo $?":
                        found[-1].expect_rc = int(s)
                    else:
                        current.expect_out.append(s)
            continue
        for no, line in lines:
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            found.append(Example(f"{rel}:{no}", s))
    return found


def unlabelled_command_blocks(path: Path) -> list[int]:
    """Lines of fenced blocks without a language whose lines look like commands."""
    bad = []
    for lang, line0, body in fenced_blocks(path):
        if lang:
            continue
        lines = [ln.strip() for ln in body.splitlines() if ln.strip()]
        if any(
            re.match(r"^(\$ )?(workbench|make|pip|python|papermill|dask)\s+[\w.-]+(\s|$)", ln)
            for ln in lines
        ):
            bad.append(line0 - 1)
    return bad


def named_files(path: Path) -> dict[str, str]:
    """Files a document shows in full: fenced blocks whose first line is ``# NAME.ext``."""
    files = {}
    for _, _, body in fenced_blocks(path):
        m = re.match(r"#\s*([\w.-]+\.(?:ya?ml|json|csv|toml))\s*\n", body)
        if m:
            files[m.group(1)] = body
    return files


def doc_files() -> list[Path]:
    """README.md and every guide under docs/."""
    return [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def _subparsers(parser: argparse.ArgumentParser, prog: str):
    yield prog, parser
    for action in parser._actions:  # noqa: SLF001 - argparse has no public walk of sub-parsers
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            for name, sub in action.choices.items():
                yield from _subparsers(sub, f"{prog} {name}")


def help_examples() -> list[Example]:
    """Commands in the ``--help`` epilog (and description) of every (sub)command."""
    from workbench.cli import build_parser

    found: list[Example] = []
    seen: set[str] = set()
    for prog, parser in _subparsers(build_parser(), "workbench"):
        for text in (parser.epilog, parser.description):
            if not text:
                continue
            for _, line in _logical_lines(text, 0):
                s = line.strip()
                if s.startswith("workbench ") and s not in seen:
                    seen.add(s)
                    found.append(Example(f"--help of `{prog}`", s))
    return found


# --- the README's CLI table -----------------------------------------------------------------

_PLACEHOLDER = re.compile(r"^[a-z][a-z0-9_-]*$")


def cli_table_rows(readme: Path) -> list[str]:
    """The first cell of each row of the README's command table (``| command | ... |``)."""
    rows, in_table = [], False
    for line in readme.read_text(encoding="utf-8").splitlines():
        if line.startswith("| command |"):
            in_table = True
            continue
        if in_table:
            if not line.startswith("|"):
                break
            cell = re.split(r"(?<!\\)\|", line)[1].strip()
            if set(cell) <= set("-: "):
                continue
            rows.append(cell.replace("\\|", "|"))
    return rows


def row_commands(cell: str) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """What a table cell promises: ``[(command words, required options), ...]``.

    ``workbench data list` / `info NAME``` gives ``(workbench, data, list)`` and
    ``(workbench, data, info)``; ``--x`` options outside ``[...]`` are required.
    """
    parts = re.findall(r"`([^`]+)`", cell)
    out: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    base: tuple[str, ...] = ()
    for part in parts:
        text = re.sub(r"\[[^\]]*\]", " ", part)  # optional parts
        tokens = text.split()
        if tokens and tokens[0] == "workbench":
            words = []
            for t in tokens:
                if _PLACEHOLDER.match(t) and not t.startswith("-"):
                    words.append(t)
                else:
                    break
            base = tuple(words)
            cmd = base
        elif tokens and tokens[0].startswith("--"):
            cmd = base
        else:
            cmd = (*base[:-1], tokens[0]) if tokens else base
        opts = tuple(t for t in tokens if t.startswith("--"))
        out.append((cmd, opts))
    return out


def covers(example: str, words: tuple[str, ...], opts: tuple[str, ...]) -> bool:
    """Whether a command line runs the table's command with its required options."""
    try:
        tokens = shlex.split(example, comments=True)
    except ValueError:
        return False
    while tokens and re.match(r"^\w+=", tokens[0]):
        tokens = tokens[1:]  # VAR=value prefixes
    if tuple(tokens[: len(words)]) != words:
        return False
    given = {t.split("=", 1)[0] for t in tokens[len(words) :] if t.startswith("--")}
    return all(o in given for o in opts)


# --- running ----------------------------------------------------------------------------------


def doc_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a documented command runs in: this checkout's ``workbench`` first."""
    env = dict(os.environ)
    env.update(DOC_ENV)
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = str(REPO) + (
        os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""
    )
    env["BROWSER"] = "true"  # `--show` must not open a browser here
    env.pop("WORKBENCH_SCHEDULER", None)
    env.update(extra or {})
    return env


def user_dir(path: Path) -> Path:
    """Make ``path`` look like a checkout to a user: the repository's data folders linked in."""
    path.mkdir(parents=True, exist_ok=True)
    for name in LINKED:
        link = path / name
        if not link.exists():
            link.symlink_to(REPO / name, target_is_directory=True)
    return path


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def substitute(command: str, scheduler: str | None) -> str:
    """Point scheduler addresses at the test's cluster."""
    if scheduler:
        command = re.sub(r"tcp://[\w.\-]+:\d+", scheduler, command)
    return command


def apply_export(command: str, env: dict[str, str]) -> bool:
    """Apply ``export NAME=VALUE`` to ``env``; return whether the command was one."""
    if not command.startswith("export "):
        return False
    for token in shlex.split(command, comments=True)[1:]:
        name, _, value = token.partition("=")
        env[name] = value
    return True


def strip_comment(command: str) -> str:
    """Drop a trailing ``# comment`` (outside quotes) from a shell command."""
    quote = None
    for i, ch in enumerate(command):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or command[i - 1].isspace()):
            return command[:i].rstrip()
    return command


def run_command(ex: Example, cwd: Path, env: dict[str, str], scheduler: str | None) -> str:
    """Run one example; return its output. Fails with the example's place on a wrong result."""
    cmd = substitute(strip_comment(ex.command), scheduler)
    if ex.serves:
        return serve_and_probe(ex, cmd, cwd, env)
    proc = subprocess.run(
        ["bash", "-o", "pipefail", "-c", cmd],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == ex.expect_rc, (
        f"{ex.where}: `{cmd}` exited {proc.returncode} (expected {ex.expect_rc}):\n{out[-3000:]}"
    )
    flat = " ".join(out.split())
    for line in ex.expect_out:
        if "..." in line or line.startswith("#"):
            continue
        assert " ".join(line.split()) in flat, (
            f"{ex.where}: `{cmd}` no longer prints {line!r}; it printed:\n{out[-3000:]}"
        )
    return out


def serve_and_probe(ex: Example, cmd: str, cwd: Path, env: dict[str, str]) -> str:
    """Start a serving command on a free port, wait until it answers over HTTP, stop it."""
    port = free_port()
    proc = subprocess.Popen(
        ["bash", "-c", f"{cmd} --port {port}"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    opener = urllib.request.build_opener(_NoRedirect)
    status = None
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status = opener.open(f"http://127.0.0.1:{port}/", timeout=10).status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError:
                time.sleep(0.5)
                continue
            break
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        out = proc.stdout.read() if proc.stdout else ""
    assert status is not None, f"{ex.where}: `{cmd}` did not serve (exit {proc.returncode}):\n{out}"
    assert status < 500, (
        f"{ex.where}: `{cmd}` did not serve on port {port} (HTTP {status}, exit "
        f"{proc.returncode}):\n{out[-3000:]}"
    )
    return out


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a login redirect is an answer
        return None


# --- files the docs assume the reader has -------------------------------------------------------


def _costs(cwd: Path) -> None:
    """costs.csv (30 demand points x 8 sites, metres) and sites.csv (id, district); synthetic.

    Sites sit on a 4 x 2 grid 1.5 km / 3 km apart, districts in a checkerboard, so every demand
    point has sites of both districts within 2.5 km (the docs' resilience example).
    """
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(2026)
    dem = np.column_stack([rng.uniform(500, 5500, 30), rng.uniform(1000, 5000, 30)])
    grid = [
        (750 + 1500 * i, 1500 + 3000 * j, "AB"[(i + j) % 2]) for i in range(4) for j in range(2)
    ]
    sites = np.array([(x, y) for x, y, _ in grid], dtype=float)
    dist = np.hypot(*(dem[:, None, :] - sites[None, :, :]).transpose(2, 0, 1)).round(1)
    ids = [f"S{j}" for j in range(len(grid))]
    frame = pd.DataFrame(dist, columns=ids, index=pd.Index([f"D{i}" for i in range(30)], name="id"))
    frame.to_csv(cwd / "costs.csv")
    pd.DataFrame({"id": ids, "district": [d for _, _, d in grid]}).to_csv(
        cwd / "sites.csv", index=False
    )


def _broken_csv(cwd: Path) -> None:
    """A long indicator table with a word where a number belongs (row 3 of the file)."""
    (cwd / "broken.csv").write_text(
        "city,indicator,year,value\n"
        "310000,ai_firms,2025,10\n"
        "110000,ai_firms,2025,twelve\n"
        "440100,ai_firms,2025,12\n",
        encoding="utf-8",
    )


def _workshop_yaml(cwd: Path) -> None:
    (cwd / "workshop.yaml").write_text(
        "address: 127.0.0.1\nsession_idle_minutes: 5\nupload_limit_mb: 2\n", encoding="utf-8"
    )


def _my_event_yaml(cwd: Path) -> None:
    (cwd / "my_event.yaml").write_text(
        "name: my_event\n"
        "description: a two-day heat spell (example)\n"
        "events:\n"
        "  - {type: heatwave, start_hour: 6, duration_hours: 48, cooling_load_factor: 1.3}\n",
        encoding="utf-8",
    )


def _my_city(cwd: Path) -> None:
    """my_city/: a small city of the user's (the shipped small Shanghai scenario, renamed)."""
    import shutil

    import yaml

    dst = cwd / "my_city"
    shutil.copytree(REPO / "sample_data" / "shanghai_siting_small", dst)
    scenario = yaml.safe_load((dst / "scenario.yaml").read_text(encoding="utf-8"))
    scenario["name"] = "my_city"
    (dst / "scenario.yaml").write_text(yaml.safe_dump(scenario), encoding="utf-8")


def _interop_inputs(cwd: Path) -> None:
    """sites.geojson/plan.geojson (5 sample sites), run.nc (24 h run), observations.json."""
    import geopandas as gpd
    import pandas as pd

    from workbench.citymodel import run
    from workbench.interop import ngsild

    df = pd.read_csv(
        REPO / "sample_data" / "shanghai_siting" / "sites.csv", dtype={"id": str, "district": str}
    ).head(5)
    plan = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=4326)
    for name in ("sites.geojson", "plan.geojson"):
        plan.to_file(cwd / name, driver="GeoJSON")
    res = run("baseline", "none", seed=0, hours=24, n_units=300)
    res.to_netcdf(cwd / "run.nc")
    docs = ngsild.cube_to_temporal(res.to_xarray(), start="2026-07-13T00:00Z", step="1h")
    ngsild.write(docs, cwd / "observations.json")


#: Per document: the files its examples take as given (the user's own data).
DOC_FIXTURES = {
    "README.md": (_workshop_yaml,),
    "docs/data.md": (_broken_csv,),
    "docs/siting.md": (_costs,),
    "docs/citymodel.md": (_my_event_yaml,),
    "docs/reports.md": (_my_city,),
    "docs/interop.md": (_interop_inputs,),
    "--help": (_costs, _interop_inputs),
}


# --- tests ----------------------------------------------------------------------------------------

import pytest  # noqa: E402 - the collector above is plain code, the tests follow

DOCS = {p.relative_to(REPO).as_posix(): p for p in doc_files()}


def _all_examples() -> list[Example]:
    return [ex for p in DOCS.values() for ex in examples_in(p)] + help_examples()


def test_every_command_block_is_labelled():
    bad = {name: unlabelled_command_blocks(p) for name, p in DOCS.items()}
    bad = {k: v for k, v in bad.items() if v}
    assert not bad, (
        "fenced blocks holding commands without a language (label them ```bash to run them as "
        f"examples, or ```text for a synopsis/output), file: lines {bad}"
    )


def test_readme_cli_table_is_covered_by_examples_that_run():
    rows = cli_table_rows(REPO / "README.md")
    assert len(rows) >= 10, rows
    runnable = [ex.command for ex in _all_examples() if not ex.cannot_run()]
    missing = []
    for row in rows:
        for words, opts in row_commands(row):
            if not any(covers(strip_comment(c), words, opts) for c in runnable):
                missing.append(" ".join(words + opts))
    assert not missing, f"README CLI table commands without an example that runs: {missing}"


def test_every_cannot_run_entry_is_still_needed():
    commands = [ex.command for ex in _all_examples()]
    for pattern, reason in CANNOT_RUN:
        assert any(re.search(pattern, c) for c in commands), (pattern, reason)


def test_collector_reads_console_blocks_and_continuations(tmp_path):
    doc = tmp_path / "x.md"
    doc.write_text(
        "```console\n$ workbench data validate a.csv\nOK a.csv: x\n$ echo $?\n2\n```\n"
        "```bash\nworkbench simulate \\\n    --hours 2 --out r.nc   # one run\n# note\n```\n"
        "```\nworkbench data list\n```\n",
        encoding="utf-8",
    )
    exs = examples_in(doc)
    assert [(e.command, e.expect_rc, e.expect_out) for e in exs] == [
        ("workbench data validate a.csv", 2, ["OK a.csv: x"]),
        ("workbench simulate --hours 2 --out r.nc   # one run", 0, []),
    ]
    assert strip_comment(exs[1].command) == "workbench simulate --hours 2 --out r.nc"
    assert unlabelled_command_blocks(doc) == [12]  # the line of its opening fence
    assert row_commands("`workbench data list` / `info NAME` / `validate FILE...`") == [
        (("workbench", "data", "list"), ()),
        (("workbench", "data", "info"), ()),
        (("workbench", "data", "validate"), ()),
    ]
    assert covers("workbench simulate --seeds 3 --out d", ("workbench", "simulate"), ("--seeds",))
    assert not covers("workbench simulate --out d", ("workbench", "simulate"), ("--seeds",))


@pytest.fixture(scope="module")
def docs_cluster():
    """A LocalCluster standing in for the scheduler addresses the docs name."""
    from distributed import LocalCluster

    cluster = LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def _run_all(name: str, examples: list[Example], tmp_path: Path, request) -> list[str]:
    cwd = user_dir(tmp_path / "cwd")
    for make in DOC_FIXTURES.get(name, ()):
        make(cwd)
    if name in DOCS:
        for fname, text in named_files(DOCS[name]).items():
            (cwd / fname).write_text(text, encoding="utf-8")
    env = doc_env()
    ran, skipped = [], []
    for ex in examples:
        if ex.cannot_run():
            skipped.append(ex.command)
            continue
        if apply_export(ex.command, env):
            continue
        scheduler = None
        if re.search(r"tcp://", strip_comment(ex.command)):
            scheduler = request.getfixturevalue("docs_cluster")
        t0 = time.perf_counter()
        run_command(ex, cwd, env, scheduler)
        ran.append(ex.command)
        print(f"{time.perf_counter() - t0:6.1f} s  {ex.where}  {ex.command}")
    for command in skipped:
        print(f"   not run: {command} ({Example('', command).cannot_run()})")
    return ran


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", [n for n, p in DOCS.items() if any(not e.cannot_run() for e in examples_in(p))]
)
def test_documented_commands_run_as_written(name, tmp_path, request):
    ran = _run_all(name, examples_in(DOCS[name]), tmp_path, request)
    assert ran


@pytest.mark.slow
def test_help_examples_run_as_written(tmp_path, request):
    examples = help_examples()
    assert len(examples) >= 5
    ran = _run_all("--help", examples, tmp_path, request)
    assert ran
