"""The ``>>>`` examples in the package's docstrings run and print what they show.

Examples that start a Jupyter kernel (``workbench.reports``) are marked ``+SKIP`` in their
docstrings; the report tests run the same calls.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import workbench

# Not importable as a library module (it is the ``python -m workbench`` entry point).
SKIP = {"workbench.__main__"}


def _modules_with_examples() -> list[str]:
    names = ["workbench"]
    names += [
        m.name
        for m in pkgutil.walk_packages(workbench.__path__, "workbench.")
        if m.name not in SKIP
    ]
    found = []
    finder = doctest.DocTestFinder(exclude_empty=True)
    for name in names:
        module = importlib.import_module(name)
        if any(t.examples for t in finder.find(module, name)):
            found.append(name)
    return found


MODULES = _modules_with_examples()


def test_examples_are_found():
    # Guards the collection itself: the package does carry runnable examples.
    assert "workbench.siting.latency" in MODULES
    assert "workbench.data.samples" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
