"""Fixtures of the data-layer tests: small files written to a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def write(tmp_path: Path):
    """Write ``text`` to ``tmp_path/name`` (bytes when given bytes) and return the path."""

    def _write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture
def xlsx(tmp_path: Path):
    """Write rows to an .xlsx workbook with openpyxl and return the path."""

    def _xlsx(name: str, rows: list[list[object]], sheet: str = "Sheet1") -> Path:
        import openpyxl

        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = sheet
        for row in rows:
            ws.append(row)
        path = tmp_path / name
        wb.save(path)
        return path

    return _xlsx
