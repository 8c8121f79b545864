"""The Site: the routing table every CMS module mounts into, plus the portal-wide state.

State that changes while serving (the version and the fail-once pages already failed) lives here,
behind a lock, so handler threads see one consistent view.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from crawler.sample_portal.catalog import DocSpec
from crawler.sample_portal.model import Attachment, County, NastyCase, NewsItem
from crawler.sample_portal.pages import error_page
from crawler.sample_portal.responses import Request, Response

Handler = Callable[[Request], Response]

MIME = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
    "zip": "application/zip",
}


@dataclass(frozen=True)
class PublishedDoc:
    """Where a CMS module put a disclosure: its URLs and attachments."""

    spec: DocSpec
    listed_url: str
    detail_url: str | None
    attachments: tuple[Attachment, ...]
    page_encoding: str


def html_response(
    html: str,
    last_modified: datetime | None,
    *,
    encoding: str = "utf-8",
    declared: str | None = "utf-8",
) -> Response:
    """An HTML page encoded as ``encoding`` with ``declared`` as the header charset (None: none)."""
    ctype = f"text/html; charset={declared}" if declared else "text/html"
    return Response(200, html.encode(encoding), ctype, last_modified=last_modified)


def static_html(
    html: str,
    last_modified: datetime | None,
    *,
    encoding: str = "utf-8",
    declared: str | None = "utf-8",
) -> Handler:
    """A handler that always answers the same page (encoded once, here)."""
    response = html_response(html, last_modified, encoding=encoding, declared=declared)
    return lambda _request: response


def file_response(
    data: bytes,
    fmt: str,
    last_modified: datetime | None,
    filename: str | None = None,
    *,
    raw_gbk_name: bool = False,
) -> Response:
    """An attachment; with ``filename`` it is a download named in Content-Disposition.

    The name is RFC 5987 percent-encoded, or with ``raw_gbk_name`` the raw GBK bytes old Java
    servers send (http.server writes header text as latin-1, so those bytes go out unchanged).
    """
    headers: tuple[tuple[str, str], ...] = ()
    ctype = MIME[fmt]
    if filename is not None:
        ctype = "application/octet-stream"
        if raw_gbk_name:
            disposition = f'attachment; filename="{filename.encode("gbk").decode("latin-1")}"'
        else:
            encoded = quote(filename)
            disposition = f"attachment; filename=\"{encoded}\"; filename*=UTF-8''{encoded}"
        headers = (("Content-Disposition", disposition),)
    return Response(200, data, ctype, headers=headers, last_modified=last_modified)


def lazy_file(
    render: Callable[[], bytes],
    fmt: str,
    last_modified: datetime | None,
    filename: str | None = None,
    *,
    raw_gbk_name: bool = False,
) -> Handler:
    """A handler that renders (and the renderer caches) the file on first request only."""

    def handle(_request: Request) -> Response:
        return file_response(render(), fmt, last_modified, filename, raw_gbk_name=raw_gbk_name)

    return handle


def redirect(status: int, location: str) -> Handler:
    """A handler answering a 301/302 to an absolute ``location``."""

    def handle(_request: Request) -> Response:
        return Response(status, b"", None, headers=(("Location", location),), cacheable=False)

    return handle


class Site:
    """All county sites of the portal, their routes and what they publish."""

    def __init__(self, base_url: str, *, big_file_mb: float = 3.0, gzip: bool = True) -> None:
        self.base_url = base_url
        self.big_file_mb = big_file_mb
        self.gzip = gzip
        self._lock = threading.Lock()
        self._version = 0
        self._routes: dict[str, tuple[Handler, tuple[str, ...]]] = {}
        self._prefixes: list[tuple[str, Handler]] = []
        self._fail_once: set[str] = set()
        self._failed: set[str] = set()
        self.county_list: list[County] = []
        self.published: list[PublishedDoc] = []
        self.news: list[NewsItem] = []
        self.nasty: list[NastyCase] = []
        from crawler.sample_portal.mounts import mount_all

        mount_all(self)

    # -- registration (used by the cms_* modules) ---------------------------------------------

    def route(
        self, path: str, handler: Handler, methods: tuple[str, ...] = ("GET", "HEAD")
    ) -> None:
        """Serve ``path`` (no query) with ``handler``."""
        self._routes[path] = (handler, methods)

    def prefix(self, prefix: str, handler: Handler) -> None:
        """Serve every path under ``prefix`` with ``handler`` (anti-bot counties)."""
        self._prefixes.append((prefix, handler))

    def fail_once(self, path: str) -> None:
        """Answer 500 the first time ``path`` is requested."""
        self._fail_once.add(path)

    def url(self, path: str) -> str:
        """Absolute URL of a portal path."""
        return self.base_url + path

    # -- state -----------------------------------------------------------------------------------

    @property
    def version(self) -> int:
        with self._lock:
            return self._version

    def bump_version(self) -> int:
        """Alter the versioned attachment; return the new version."""
        with self._lock:
            self._version += 1
            return self._version

    def reset_faults(self) -> None:
        """Arm the fail-once pages again."""
        with self._lock:
            self._failed.clear()

    def counties(self) -> list[County]:
        """The counties, in mounting order."""
        return list(self.county_list)

    # -- serving ---------------------------------------------------------------------------------

    def _first_failure(self, path: str) -> bool:
        with self._lock:
            if path in self._fail_once and path not in self._failed:
                self._failed.add(path)
                return True
            return False

    def respond(self, request: Request) -> Response:
        """Route a request to its handler; 404/405/500 as a real server would."""
        for prefix, handler in self._prefixes:
            if request.path.startswith(prefix):
                return handler(request)
        found = self._routes.get(request.path)
        if found is None:
            return Response(404, error_page(404, "Not Found"), cacheable=False)
        handler, methods = found
        if request.method not in methods:
            return Response(405, error_page(405, "Not Allowed"), cacheable=False)
        if self._first_failure(request.path):
            return Response(500, error_page(500, "Internal Server Error"), cacheable=False)
        return handler(request)
