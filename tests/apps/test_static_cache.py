"""Static files are gzipped once per server process and sent from the memo afterwards."""

from __future__ import annotations

import gzip

from tornado.testing import AsyncHTTPTestCase
from tornado.web import Application, RequestHandler, StaticFileHandler

from workbench.apps.static_cache import CachedGZip

BODY = ("const workbench = 1;\n" * 4000).encode()  # 80 kB: several chunks of a static file


class _Page(RequestHandler):
    def get(self) -> None:
        self.set_header("Content-Type", "text/html")
        self.write(b"<p>page</p>" * 500)


class CachedGZipTest(AsyncHTTPTestCase):
    def get_app(self) -> Application:
        import tempfile
        from pathlib import Path

        self._dir = tempfile.TemporaryDirectory()
        (Path(self._dir.name) / "app.js").write_bytes(BODY)
        CachedGZip.clear()
        return Application(
            [
                (r"/static/(.*)", StaticFileHandler, {"path": self._dir.name}),
                (r"/page", _Page),
            ],
            transforms=[CachedGZip],
        )

    def tearDown(self) -> None:
        super().tearDown()
        self._dir.cleanup()
        CachedGZip.clear()

    def _get(self, path: str, **headers: str):
        return self.fetch(
            path, headers={"Accept-Encoding": "gzip", **headers}, decompress_response=False
        )

    def test_a_static_file_is_compressed_once_and_then_sent_from_the_memo(self) -> None:
        first = self._get("/static/app.js?v=1")
        assert first.code == 200
        assert first.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(first.body) == BODY
        assert list(CachedGZip._memo) == ["/static/app.js?v=1"]
        second = self._get("/static/app.js?v=1")
        assert second.code == 200
        assert second.headers["Content-Encoding"] == "gzip"
        assert second.headers["Content-Length"] == str(len(second.body))
        assert "Accept-Encoding" in second.headers["Vary"]
        assert second.body == first.body
        assert gzip.decompress(second.body) == BODY

    def test_a_client_without_gzip_gets_the_plain_file(self) -> None:
        self._get("/static/app.js?v=1")  # memoised compressed
        plain = self.fetch("/static/app.js?v=1", headers={"Accept-Encoding": "identity"})
        assert plain.code == 200
        assert "Content-Encoding" not in plain.headers
        assert plain.body == BODY

    def test_a_revalidation_still_gets_304(self) -> None:
        first = self._get("/static/app.js?v=1")
        again = self._get("/static/app.js?v=1", **{"If-None-Match": first.headers["Etag"]})
        assert again.code == 304
        assert again.body == b""

    def test_pages_are_compressed_but_never_memoised(self) -> None:
        page = self._get("/page")
        assert page.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(page.body) == b"<p>page</p>" * 500
        assert CachedGZip._memo == {}
