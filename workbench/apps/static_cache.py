"""Static resources compressed once per server process, not once per request.

Tornado's ``compress_response`` gzips every response as it is written, so each new browser
(every workshop participant, every fresh page in a test) makes the serving loop compress the
same 3 MB of JavaScript and CSS again: about a third of a second of loop time per page opened,
during which no participant's slider moves. :class:`CachedGZip` is that transform with a memo:
a static file (a URL under ``/static/`` or the workbench's own ``workbench-static/`` route,
whose URLs carry a version) is compressed the first time it is sent and its compressed bytes
are sent as they are to every later browser. Everything else is compressed as before.
"""

from __future__ import annotations

from typing import ClassVar

from tornado.httputil import HTTPHeaders, HTTPServerRequest
from tornado.web import GZipContentEncoding

#: URL path fragments of static resources whose content never changes while a server runs.
STATIC_PARTS = ("/static/", "/workbench-static/")
#: Largest response kept compressed (bytes before compression).
MAX_ENTRY = 8 * 2**20
#: Largest total of kept compressed bytes per server process.
MAX_TOTAL = 64 * 2**20


class CachedGZip(GZipContentEncoding):
    """Gzip responses (as ``compress_response`` does), static ones from a per-process memo.

    A server uses it with ``transforms=[CachedGZip]`` (in place of ``compress_response``);
    ``workbench.apps.server.server_kwargs`` sets that.
    """

    _memo: ClassVar[dict[str, bytes]] = {}
    _memo_bytes: ClassVar[int] = 0

    def __init__(self, request: HTTPServerRequest) -> None:
        super().__init__(request)
        static = request.method == "GET" and any(p in request.path for p in STATIC_PARTS)
        self._key = request.uri if static else None
        self._hit = False
        self._parts: list[bytes] | None = None
        self._raw = 0

    def transform_first_chunk(
        self, status_code: int, headers: HTTPHeaders, chunk: bytes, finishing: bool
    ) -> tuple[int, HTTPHeaders, bytes]:
        """Send a memoised body at once, or compress this one (and memoise a static file's)."""
        key = self._key if status_code == 200 else None
        memo = self._memo.get(key) if key is not None and self._gzipping else None
        if memo is not None and "Content-Encoding" not in headers:
            headers["Vary"] = (
                headers["Vary"] + ", Accept-Encoding" if "Vary" in headers else "Accept-Encoding"
            )
            headers["Content-Encoding"] = "gzip"
            headers["Content-Length"] = str(len(memo))
            self._hit = True
            return status_code, headers, memo
        status_code, headers, out = super().transform_first_chunk(
            status_code, headers, chunk, finishing
        )
        if key is not None and self._gzipping:
            self._parts, self._raw = [], 0
            self._keep(out, len(chunk), finishing)
        return status_code, headers, out

    def transform_chunk(self, chunk: bytes, finishing: bool) -> bytes:
        """Compress the next piece (nothing to send after a memoised body)."""
        if self._hit:
            return b""
        out: bytes = super().transform_chunk(chunk, finishing)
        self._keep(out, len(chunk), finishing)
        return out

    def _keep(self, out: bytes, raw: int, finishing: bool) -> None:
        if self._parts is None or self._key is None:
            return
        self._parts.append(out)
        self._raw += raw
        if self._raw > MAX_ENTRY:
            self._parts = None
            return
        if finishing:
            body = b"".join(self._parts)
            self._parts = None
            cls = type(self)
            if self._key not in cls._memo and cls._memo_bytes + len(body) <= MAX_TOTAL:
                cls._memo[self._key] = body
                cls._memo_bytes += len(body)

    @classmethod
    def clear(cls) -> None:
        """Forget every memoised body (tests)."""
        cls._memo.clear()
        cls._memo_bytes = 0


__all__ = ["CachedGZip"]
