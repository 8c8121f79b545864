"""Downloader middlewares for what Scrapy's own components do not cover.

Politeness, retries, robots.txt, timeouts, size caps and decompression are
Scrapy's own middlewares, configured in ``crawler/settings.py``.  These add:
charset repair for GBK portals, anti-bot detection that pauses a site, and
conditional requests from the validators stored in the database.
"""

from __future__ import annotations

import codecs
import logging
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response, TextResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, resolve_encoding

from crawler.state import KnownVersion, known_versions

logger = logging.getLogger(__name__)

CHALLENGE_STATUSES = (403, 412, 521)
# Markers of JS challenges (portals.md §6); a bare 请开启JavaScript counts only on a short page.
STRONG_MARKERS = ("__jsl_clearance", "$_ts=window", "请开启JavaScript并刷新该页", "正在验证浏览器")
WEAK_MARKERS = ("安全验证", "人机验证", "滑动验证", "document.cookie=")
SHORT_BODY = 2000
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def decoded_encoding(body: bytes, declared: str | None) -> str:
    """UTF-8 when the bytes are valid UTF-8, else the declared charset, else GB18030."""
    candidates = ["utf-8"]
    if declared:
        candidates.append(resolve_encoding(declared) or declared)
    candidates.append("gb18030")  # a superset of GBK and GB2312
    for encoding in candidates:
        try:
            body.decode(encoding)
            return encoding
        except (UnicodeDecodeError, LookupError):
            continue
    return "gb18030"


def repair_encoding(response: Response) -> Response:
    """The response re-decoded when its declaration is missing or wrong (GBK sent as UTF-8)."""
    if not isinstance(response, TextResponse):
        return response
    header = response.headers.get(b"Content-Type")
    declared = http_content_type_encoding(header.decode("latin-1") if header else None)
    declared = declared or html_body_declared_encoding(response.body)
    encoding = decoded_encoding(response.body, declared)
    # Compared with the declaration, not ``response.encoding``: asking the response runs
    # Scrapy's charset inference over the whole body on every undeclared page, only to
    # be replaced here.  A BOM outranks any declaration in Scrapy, so it is left to Scrapy.
    same = declared is not None and resolve_encoding(encoding) == resolve_encoding(declared)
    if same and not response.body.startswith(_BOMS):
        return response
    # Not response.replace(encoding=…): it reads every attribute first, the encoding too.
    plain = {name: getattr(response, name) for name in Response.attributes}
    return type(response)(**plain, encoding=encoding)


class CompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression, without guessing the charset of the compressed bytes first.

    Scrapy's middleware builds the decompressed response with ``response.replace``,
    which reads ``response.encoding`` of the gzip bytes: for a page whose charset is
    only in its ``<meta>`` (most GBK portals) that runs charset_normalizer over
    binary data, the costliest step of a page, for a value then thrown away.
    Handing it a plain ``Response`` skips that; the decompressed page's class and
    encoding are worked out as before.
    """

    # Without the deprecated ``spider`` argument, like the other middlewares here.
    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if isinstance(response, TextResponse) and response.headers.get(b"Content-Encoding"):
            plain = {name: getattr(response, name) for name in Response.attributes}
            response = Response(**plain)
        return super().process_response(request, response)


class CharsetMiddleware:
    """Decode pages as their bytes allow: strict UTF-8, the declared charset, then GB18030."""

    def process_response(self, request: Request, response: Response) -> Response:
        return repair_encoding(response)


def challenge_reason(response: Response) -> str | None:
    """Why a response looks like an anti-bot challenge, or None for a normal page."""
    body = response.body[:65536].decode("utf-8", "ignore")
    if response.status in CHALLENGE_STATUSES:
        return f"anti-bot challenge (HTTP {response.status})"
    if any(marker in body for marker in STRONG_MARKERS):
        return "anti-bot challenge (JavaScript check)"
    short = len(response.body) < SHORT_BODY and "<a " not in body.lower()
    if short and any(marker in body for marker in WEAK_MARKERS):
        return "anti-bot challenge (verification page)"
    return None


class SiteBlocked(IgnoreRequest):
    """A request not sent, or a response dropped, because its site answered with a challenge."""

    def __init__(self, site: str, reason: str, *, challenged: bool) -> None:
        super().__init__(f"{site}: {reason}")
        self.site, self.reason, self.challenged = site, reason, challenged


def site_of(request: Request) -> str:
    """The site a request belongs to: the start URL's host it descends from."""
    return str(request.meta.get("site") or urlsplit(request.url).netloc)


class AntiBotMiddleware:
    """Pause a site for the rest of the crawl at its first challenge, instead of hammering it."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.blocked: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        site = site_of(request)
        if site in self.blocked:
            raise SiteBlocked(site, self.blocked[site], challenged=False)

    def process_response(self, request: Request, response: Response) -> Response:
        reason = challenge_reason(response)
        if reason is None:
            return response
        site = site_of(request)
        if site not in self.blocked:
            self.blocked[site] = reason
            logger.warning("pausing %s for this crawl: %s at %s", site, reason, request.url)
            assert self.crawler.stats is not None
            self.crawler.stats.set_value(f"budgetwatch/blocked/{site}", reason)
        raise SiteBlocked(site, reason, challenged=True)


class ConditionalRequestMiddleware:
    """Send If-None-Match / If-Modified-Since for documents whose bytes the store already holds.

    Scrapy's HttpCacheMiddleware also revalidates, but it keeps a second copy
    of every body and answers 304s with the cached 200; the database and the
    content store are our record, so a 304 reaches the spider as a 304.
    """

    def __init__(self, database_url: str, store_dir: Path) -> None:
        self.database_url, self.store_dir = database_url, store_dir
        self.known: dict[str, KnownVersion] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        url = crawler.settings.get("BUDGETWATCH_DATABASE_URL")
        if not url:
            raise NotConfigured("BUDGETWATCH_DATABASE_URL is not set")
        middleware = cls(url, Path(crawler.settings.get("BUDGETWATCH_STORE_DIR", "data/files")))
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self, spider: Any) -> None:
        self.known = known_versions(self.database_url)

    def process_request(self, request: Request) -> None:
        known = self.known.get(request.url)
        if not request.meta.get("document") or known is None:
            return
        if not known.store_path or not Path(known.store_path).exists():
            return  # without the stored bytes a 304 would leave nothing to parse
        if known.etag:
            request.headers[b"If-None-Match"] = known.etag
        if known.last_modified:
            request.headers[b"If-Modified-Since"] = known.last_modified
        if known.etag or known.last_modified:
            request.meta["known_version"] = known
            request.meta["handle_httpstatus_list"] = [304]
