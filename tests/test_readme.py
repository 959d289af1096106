"""The README's Python example runs as written (from the repository root)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest


@pytest.mark.subprocess
@pytest.mark.slow
def test_readme_python_example_runs(repo_root):
    text = (repo_root / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "the README has no Python example"
    out = subprocess.run(
        [sys.executable, "-c", blocks[0]],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "Beijing" in out.stdout or "110000" in out.stdout
