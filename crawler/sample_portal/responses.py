"""Requests and responses as plain data, and the HTTP semantics a real server adds to them.

``finalize`` gives every 200 answer an ETag, Last-Modified and Content-Length, turns conditional
requests into 304 Not Modified, and gzips text when the client asks for it.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import parse_qs

HTML_UTF8 = "text/html; charset=utf-8"
COMPRESSIBLE = ("text/", "application/json", "application/xml", "application/javascript")


@dataclass(frozen=True)
class Request:
    """An incoming request, already read from the socket."""

    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-case names
    body: bytes = b""

    def arg(self, name: str, default: str = "") -> str:
        """A query parameter, or a form field of a POST body."""
        for source in (self.query, self.body.decode("utf-8", "replace")):
            values = parse_qs(source, keep_blank_values=True).get(name)
            if values:
                return values[0]
        return default

    def form(self, name: str) -> str:
        """A field of an application/x-www-form-urlencoded POST body only."""
        values = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True).get(name)
        return values[0] if values else ""


@dataclass(frozen=True)
class Response:
    """What a route answers; ``finalize`` adds validators, encoding and length."""

    status: int
    body: bytes
    content_type: str | None = HTML_UTF8
    headers: tuple[tuple[str, str], ...] = ()
    last_modified: datetime | None = None  # aware datetime; None = no validators (dynamic)
    cacheable: bool = True  # False for dynamic answers (dataproxy POSTs, challenges)


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:20] + '"'


def _not_modified(request: Request, etag: str, last_modified: datetime | None) -> bool:
    """RFC 9110: If-None-Match wins over If-Modified-Since."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag in tags or etag.replace("-gzip", "") in tags
    since = request.headers.get("if-modified-since")
    if since and last_modified is not None:
        try:
            return last_modified.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False  # an unparseable date is ignored, as real servers do
    return False


def _wants_gzip(request: Request, response: Response) -> bool:
    accepted = request.headers.get("accept-encoding", "")
    ctype = response.content_type or ""
    return "gzip" in accepted and ctype.startswith(COMPRESSIBLE) and len(response.body) > 256


def finalize(
    request: Request, response: Response, use_gzip: bool
) -> tuple[Response, list[tuple[str, str]]]:
    """Apply conditional requests and gzip; return the response and its full header list."""
    headers = list(response.headers)
    body = response.body
    if response.content_type:
        headers.append(("Content-Type", response.content_type))
    validators = response.status == 200 and response.cacheable and request.method in ("GET", "HEAD")
    if validators:
        etag = _etag(body)
        if use_gzip and _wants_gzip(request, response):
            # mtime=0 keeps gzip output stable; the ETag names the variant like Apache does.
            body = gzip.compress(body, mtime=0)
            etag = etag[:-1] + '-gzip"'
            headers.append(("Content-Encoding", "gzip"))
        headers.append(("Vary", "Accept-Encoding"))
        headers.append(("ETag", etag))
        if response.last_modified is not None:
            headers.append(
                (
                    "Last-Modified",
                    format_datetime(response.last_modified.astimezone(UTC), usegmt=True),
                )
            )
        if _not_modified(request, etag, response.last_modified):
            kept = [h for h in headers if h[0] in ("ETag", "Last-Modified", "Vary")]
            return replace(response, status=304, body=b""), kept
    else:
        headers.append(("Cache-Control", "no-cache"))
    headers.append(("Content-Length", str(len(body))))
    return replace(response, body=body), headers
