"""The HTTP server: a ThreadingHTTPServer whose handler asks the Site and logs every answer."""

from __future__ import annotations

import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

from crawler.sample_portal.model import RequestRecord
from crawler.sample_portal.responses import Request, Response, finalize

if TYPE_CHECKING:
    from crawler.sample_portal.site import Site

LOGGED_HEADERS = (
    "if-none-match",
    "if-modified-since",
    "user-agent",
    "referer",
    "cookie",
    "accept",
    "accept-encoding",
    "x-requested-with",
    "content-type",
    "range",
)
REASONS = {521: "Origin Down", 412: "Precondition Failed"}  # http.server knows no 521
MAX_BODY = 1 << 20  # a POST body larger than this is refused: no real form is this big


class RequestLog:
    """A thread-safe list of RequestRecord that tests can wait on."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self._records: list[RequestRecord] = []

    def add(self, record: RequestRecord) -> None:
        """Append a record and wake the waiters."""
        with self.changed:
            self._records.append(record)
            self.changed.notify_all()

    def snapshot(self) -> list[RequestRecord]:
        """A copy of the records, oldest first."""
        with self.changed:
            return list(self._records)

    def snapshot_locked(self) -> list[RequestRecord]:
        """A copy of the records; the caller already holds ``changed``."""
        return list(self._records)

    def clear(self) -> None:
        """Forget every record."""
        with self.changed:
            self._records.clear()
            self.changed.notify_all()


class PortalHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that carries the Site and the RequestLog for its handlers."""

    daemon_threads = True
    allow_reuse_address = True
    site: Site

    def __init__(self, address: tuple[str, int], log: RequestLog) -> None:
        super().__init__(address, PortalRequestHandler)
        self.log = log


class PortalRequestHandler(BaseHTTPRequestHandler):
    """Reads a request, asks the Site, logs, then writes the answer (HTTP/1.1 keep-alive)."""

    protocol_version = "HTTP/1.1"
    timeout = 30  # close idle keep-alive connections so stopped portals leave no threads behind
    server_version = "nginx"
    sys_version = ""
    server: PortalHTTPServer

    def do_GET(self) -> None:
        self._answer()

    def do_HEAD(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _read_request(self) -> Request:
        length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        headers = {name.lower(): value for name, value in self.headers.items()}
        return Request(self.command, path, query, headers, body)

    def _answer(self) -> None:
        request = self._read_request()
        site = self.server.site
        try:
            answer = site.respond(request)
        except Exception:  # a bug in a page must show as a 500, not as a dropped connection
            traceback.print_exc()
            answer = Response(500, b"Internal Server Error", "text/plain", cacheable=False)
        response, headers = finalize(request, answer, site.gzip)
        body = b"" if request.method == "HEAD" or response.status == 304 else response.body
        logged = tuple((n, request.headers[n]) for n in LOGGED_HEADERS if n in request.headers)
        # Log before writing, so a client that has the answer always finds it in the log.
        self.server.log.add(
            RequestRecord(
                request.method, request.path, request.query, response.status, len(body), logged
            )
        )
        self.send_response(response.status, REASONS.get(response.status))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if body:
            self.wfile.write(body)

    def version_string(self) -> str:
        """Answer as the nginx most county sites run behind."""
        return "nginx"

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: the RequestLog is the record."""
