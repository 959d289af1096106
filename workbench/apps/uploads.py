"""Safe uploads: a participant's indicator table (CSV, Excel) or geometry (GeoJSON).

Every upload goes through :func:`check_upload` before anything reads it as data:

1. size: at most ``max_bytes`` (5 MB by default), and not empty;
2. type: the extension must be one of :data:`ALLOWED`, and the content must match it
   (sniffed from the bytes: a zip must be a real ``.xlsx`` workbook without macros; text files
   must be text, not a pickle, an executable or another binary);
3. formula-like cells: a text cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab/carriage
   return) that is not a number is refused, since a spreadsheet would run it when the table is
   opened again (CSV injection); in Excel files formulas are refused too;
4. parsing never executes content: CSV by the ``csv`` module, Excel through openpyxl in
   read-only mode, GeoJSON through ``json.loads``; no pickle, no ``eval``, no macros;
5. validation through :func:`workbench.data.validate_file`, with the data layer's messages.

The file is written only inside the session's own temporary folder (:class:`SessionFiles`),
which is removed when the session ends.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import panel as pn
import param

from workbench.apps import common
from workbench.errors import DataError

log = logging.getLogger(__name__)

#: Largest upload accepted by default (bytes).
MAX_BYTES = 5 * 1024 * 1024
#: Extensions accepted, by kind of content.
ALLOWED: dict[str, str] = {
    ".csv": "text",
    ".tsv": "text",
    ".txt": "text",
    ".xlsx": "xlsx",
    ".geojson": "json",
    ".json": "json",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][+-]?\d+)?%?$")
_BINARY_MAGIC = {
    b"\x80": "a Python pickle",
    b"PK\x03\x04": "a zip archive",
    b"\x7fELF": "an executable",
    b"MZ": "a Windows executable",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\xd0\xcf\x11\xe0": "an old Excel/Office file (.xls)",
    b"\x1f\x8b": "a gzip archive",
    b"\x89HDF": "an HDF5/NetCDF file",
}


def _reject(name: str, rule: str, received: str, fix: str) -> DataError:
    return DataError(f"{name}: {received}. Rule: {rule}. Fix: {fix}.")


def _safe_name(filename: str) -> str:
    """Return a file name without folders or unusual characters (no path traversal)."""
    base = Path(filename.replace("\\", "/")).name
    base = re.sub(r"[^A-Za-z0-9._\-\u4e00-\u9fff]", "_", base).lstrip(".")
    return base or "upload"


def sniff(data: bytes) -> str | None:
    """Name the binary format the bytes start with, or ``None`` for anything else."""
    for magic, what in _BINARY_MAGIC.items():
        if data.startswith(magic):
            return what
    return None


def _decode(name: str, data: bytes) -> str:
    if b"\x00" in data[:65536]:
        raise _reject(
            name,
            "a text table must be text",
            "the file holds binary data (NUL bytes), not text",
            "save it as CSV (UTF-8) from your spreadsheet",
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _reject(
        name,
        "text tables must be UTF-8 or GB18030",
        "the file is in an unknown text encoding",
        "save it as 'CSV UTF-8' from your spreadsheet",
    )


def _formula_like(value: Any) -> bool:
    if not isinstance(value, str) or not value:
        return False
    if not value.startswith(_FORMULA_START):
        return False
    text = value.strip()
    return text not in ("", "-") and not _NUMBER.match(text)


def _check_cells(name: str, rows: Any) -> None:
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if _formula_like(value):
                shown = str(value)[:40]
                raise _reject(
                    name,
                    "cells must not start with =, +, -, @ unless they are numbers (a "
                    "spreadsheet would run them as formulas)",
                    f"formula-like cell at row {r}, column {c}: {shown!r}",
                    "remove the formula or store its value; put a quote or a letter before text "
                    "that must start with these characters",
                )


def _check_text_table(name: str, data: bytes, suffix: str) -> None:
    text = _decode(name, data)
    delimiter = "\t" if suffix == ".tsv" else None
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
    _check_cells(name, csv.reader(io.StringIO(text), delimiter=delimiter))


def _check_xlsx(name: str, data: bytes) -> None:
    if not data.startswith(b"PK\x03\x04"):
        what = sniff(data) or "not a zip-based workbook"
        raise _reject(
            name,
            "an .xlsx file must be an Excel workbook (a zip with xl/workbook.xml)",
            f"the content is {what}",
            "save it as 'Excel Workbook (.xlsx)' or as CSV",
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile as exc:
        raise _reject(
            name, "an .xlsx file must be a valid workbook", f"a broken zip ({exc})", "save it again"
        ) from None
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise _reject(
            name,
            "an .xlsx file must be an Excel workbook (a zip with xl/workbook.xml)",
            "the zip is not an Excel workbook",
            "upload the table itself as .xlsx or CSV, not an archive",
        )
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise _reject(
            name,
            "workbooks with macros are not accepted",
            "the workbook contains VBA macros",
            "save it as 'Excel Workbook (.xlsx)' without macros, or as CSV",
        )
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        for sheet in book.worksheets:
            _check_cells(f"{name} (sheet {sheet.title!r})", sheet.iter_rows(values_only=True))
    finally:
        book.close()


def _check_geojson(name: str, data: bytes) -> None:
    text = _decode(name, data)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _reject(
            name,
            "a GeoJSON file must be valid JSON",
            f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
            "export the layer again as GeoJSON (e.g. from QGIS: Export > Save Features As)",
        ) from None
    kinds = ("FeatureCollection", "Feature")
    if not isinstance(obj, dict) or obj.get("type") not in kinds:
        got = obj.get("type") if isinstance(obj, dict) else type(obj).__name__
        raise _reject(
            name,
            "a GeoJSON file must be a FeatureCollection or a Feature",
            f"found type {got!r}",
            "export the layer as a GeoJSON FeatureCollection",
        )
    features = obj.get("features", [obj]) if obj["type"] == "FeatureCollection" else [obj]
    if not isinstance(features, list):
        raise _reject(
            name, "'features' must be a list", f"found {type(features).__name__}", "fix the file"
        )
    for i, feature in enumerate(features):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict) or "type" not in geometry:
            raise _reject(
                name,
                "every feature needs a geometry with a 'type' and 'coordinates'",
                f"feature {i} has no valid geometry",
                "remove or repair that feature",
            )


def check_upload(filename: str, data: bytes, *, max_bytes: int = MAX_BYTES) -> str:
    """Check an upload's size, type and content before it is read as data.

    Parameters
    ----------
    filename
        The name the browser sent (only its extension is trusted, never its folders).
    data
        The file's bytes.
    max_bytes
        The size limit.

    Returns
    -------
    str
        The kind of content: ``"text"``, ``"xlsx"`` or ``"json"``.

    Raises
    ------
    DataError
        Naming the file, the rule, what was received and the fix.
    """
    name = _safe_name(filename)
    if len(data) > max_bytes:
        raise _reject(
            name,
            f"uploads are at most {max_bytes / 2**20:.1f} MB",
            f"the file has {len(data) / 2**20:.1f} MB",
            "upload a smaller table (one year or fewer indicators), or ask the facilitator",
        )
    if not data:
        raise _reject(
            name,
            "an upload must not be empty",
            "the file is empty (0 bytes)",
            "pick the right file",
        )
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED:
        raise _reject(
            name,
            f"accepted file types are {', '.join(ALLOWED)}",
            f"unsupported file type {suffix or '(none)'!r}",
            "save the table as CSV or .xlsx, geometry as GeoJSON",
        )
    kind = ALLOWED[suffix]
    if kind == "xlsx":
        _check_xlsx(name, data)
        return kind
    binary = sniff(data)
    if binary is not None:
        raise _reject(
            name,
            f"a {suffix} file must be text",
            f"the content is {binary}",
            "save it as CSV (UTF-8) or GeoJSON",
        )
    if kind == "text":
        _check_text_table(name, data, suffix)
    else:
        _check_geojson(name, data)
    return kind


class SessionFiles:
    """A session's own temporary folder for uploads, removed by :meth:`cleanup`.

    Parameters
    ----------
    root
        Where the folder is created (the system's temporary folder by default).
    """

    def __init__(self, root: str | Path | None = None) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="workbench-session-", dir=root))

    def write(self, filename: str, data: bytes) -> Path:
        """Write ``data`` under a safe name inside the folder and return the path."""
        if not self.path.exists():
            msg = "this session has ended; its upload folder is gone. Fix: reload the page."
            raise DataError(msg)
        target = (self.path / _safe_name(filename)).resolve()
        if target.parent != self.path.resolve():  # pragma: no cover - _safe_name prevents it
            msg = f"{filename}: refusing to write outside the session folder."
            raise DataError(msg)
        target.write_bytes(data)
        return target

    def cleanup(self) -> None:
        """Remove the folder and everything in it."""
        shutil.rmtree(self.path, ignore_errors=True)


def read_upload(
    filename: str,
    data: bytes,
    files: SessionFiles,
    *,
    max_bytes: int = MAX_BYTES,
    sheet: str | None = None,
) -> Any:
    """Check an upload, store it in the session's folder and read it through the data layer.

    Parameters
    ----------
    filename
        The name the browser sent.
    data
        The bytes.
    files
        The session's folder.
    max_bytes
        The size limit.
    sheet
        Excel sheet to read (the first when ``None``).

    Returns
    -------
    workbench.data.ReadResult
        What the file holds (``kind`` ``"cube"``, ``"geometries"``, ``"cities"``, ...).

    Raises
    ------
    DataError
        From :func:`check_upload` or from :func:`workbench.data.validate_file`.
    """
    from workbench.data import validate_file

    check_upload(filename, data, max_bytes=max_bytes)
    path = files.write(filename, data)
    try:
        return validate_file(path, sheet=sheet)
    except DataError as exc:
        path.unlink(missing_ok=True)
        # name the file as the participant knows it, not by the server's folder
        raise type(exc)(str(exc).replace(str(path), path.name)) from None


class UploadPanel(pn.viewable.Viewer):
    """A small panel where a participant uploads an indicator table or a geometry file.

    A rejected file shows the data layer's message (toast and alert box); the session goes on
    working. Accepted files are kept in the session's own folder, removed by :meth:`cleanup`
    (the workshop server calls it when the session ends).

    Parameters
    ----------
    max_bytes
        The size limit.
    """

    max_bytes = param.Integer(default=MAX_BYTES, bounds=(1, None), doc="Largest upload (bytes).")
    summary = param.String(default="", doc="What the last accepted upload holds.")
    closed = param.Boolean(default=False, doc="Set when the session has ended.")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.files = SessionFiles()
        self.result: Any = None
        self.status = common.StatusArea()
        self.input = pn.widgets.FileInput(
            accept=",".join(ALLOWED), multiple=False, sizing_mode="stretch_width"
        )
        self.input.param.watch(self._on_upload, "value")
        self._summary = pn.pane.Markdown("", sizing_mode="stretch_width")

    def _on_upload(self, event: Any) -> None:
        if event.new is None:
            return
        self.upload(self.input.filename or "upload", event.new)

    def upload(self, filename: str, data: bytes) -> Any:
        """Check and read one file; show the result or the reason it was refused.

        Parameters
        ----------
        filename
            The file's name.
        data
            Its bytes.

        Returns
        -------
        workbench.data.ReadResult or None
            What was read, or ``None`` when the file was refused.
        """
        try:
            result = read_upload(filename, data, self.files, max_bytes=self.max_bytes)
        except DataError as exc:
            self.status.error(exc)
            return None
        except Exception as exc:  # noqa: BLE001 - a broken file must never end the session
            self.status.error(exc)
            return None
        self.result = result
        self.status.clear()
        self.summary = f"{_safe_name(filename)}: {result.summary()}"
        self._summary.object = f"**Uploaded** {self.summary}"
        return result

    def cleanup(self) -> None:
        """Remove the session's uploads."""
        self.result = None
        self.files.cleanup()

    def close(self) -> int:
        """Release the panel when its session ends: mark it closed, remove the uploads.

        Returns
        -------
        int
            ``0``: the panel has no background work to cancel.
        """
        self.closed = True
        self.cleanup()
        return 0

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Card(
            pn.pane.Markdown(
                "CSV, Excel (.xlsx) or GeoJSON, at most "
                f"{self.max_bytes / 2**20:.1f} MB; checked, never executed."
            ),
            self.input,
            self.status.alert,
            self._summary,
            title="Upload your data · 上传数据",
            collapsed=True,
            sizing_mode="stretch_width",
        )


__all__ = [
    "ALLOWED",
    "MAX_BYTES",
    "SessionFiles",
    "UploadPanel",
    "check_upload",
    "read_upload",
    "sniff",
]
