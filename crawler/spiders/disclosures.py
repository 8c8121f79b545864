"""The generic ``disclosures`` spider: from a portal's home or 预决算 column to every budget document.

Page roles travel in callbacks: list pages (home, columns, their pagination,
Hanweb dataproxy answers, gkmlpt API pages) yield links; detail pages yield
attachments and, when they hold the text themselves, a document; documents
yield ``DocumentItem`` values for the pipeline.  Failures of documents become
items too, so every document ends with a recorded status.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from scrapy import FormRequest, Request, Spider
from scrapy.http import HtmlResponse, Response, TextResponse
from twisted.python.failure import Failure

from crawler import pagination
from crawler.content_store import ContentStore, disposition_filename
from crawler.discovery import (
    PageLink,
    attachment_suffix,
    classify_title,
    holds_disclosure_text,
    is_attachment_link,
    is_column_link,
    may_be_attachment,
    page_links,
    parse_date,
    script_links,
)
from crawler.items import DocumentItem, Outcome
from crawler.middlewares import SiteBlocked, repair_encoding
from crawler.pagination import PageRequest, gkmlpt, hanweb
from crawler.sites import SiteProfile
from crawler.spiders.outcomes import failure_outcome, soft_404

Item = Request | DocumentItem
_VISIBLE_TEXT = etree.XPath("//body//text()[not(ancestor::script or ancestor::style)]")
# The date shown on a detail page sits in its header, before the disclosure's own text.
PUBLISHED_SCAN = 4000


def visible_text(page: TextResponse) -> str:
    """The page's text as a reader sees it (no scripts or styles)."""
    return " ".join(_VISIBLE_TEXT(page.selector.root))


class DisclosuresSpider(Spider):
    """Finds 部门预算/部门决算/三公经费 documents on county portals and downloads them."""

    name = "disclosures"

    def __init__(
        self,
        start_urls: Sequence[str] = (),
        allowed_domains: Sequence[str] = (),
        profile: SiteProfile | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.start_urls = list(start_urls)
        hosts = [urlsplit(url).hostname or "" for url in self.start_urls]
        self.allowed_domains = list(dict.fromkeys(h for h in [*hosts, *allowed_domains] if h))
        self.profile = profile or SiteProfile.model_validate({"name": "default"})
        self.found: set[str] = set()

    async def start(self) -> AsyncIterator[Request]:
        for url in self.start_urls:
            # Each start URL is a site: a challenge pauses only the requests that descend from it.
            yield self.listing(url, site=url, referrer=None)

    # -- requests ---------------------------------------------------------------------------

    def listing(self, url: str, site: str, referrer: str | None) -> Request:
        """A list page (home page, column, or one of its pages)."""
        meta = {"site": site, "referrer": referrer}
        return Request(url, self.parse_listing, errback=self.on_error, meta=meta)

    def page_request(self, page: PageRequest, callback: Any, meta: dict[str, Any]) -> Request:
        """A further page of a list: GET, or the Hanweb dataproxy POST."""
        if page.method == "POST":
            return FormRequest(page.url, callback, formdata=page.formdata, headers=page.headers,
                               errback=self.on_error, meta=meta)  # fmt: skip
        return Request(page.url, callback, headers=page.headers, errback=self.on_error, meta=meta)

    def document(self, link: PageLink, referrer: str, site: str, *, detail: bool) -> Request:
        """A detail page (detail=True) or an attachment; both may become documents."""
        callback = self.parse_detail if detail else self.parse_document
        meta = {"site": site, "referrer": referrer, "link": link, "document": True}
        return Request(link.url, callback, errback=self.on_error, meta=meta)

    def follow(self, link: PageLink, referrer: str, site: str) -> Iterator[Request]:
        """Follow a column link as a list; a disclosure link as a detail page or a file."""
        if is_column_link(link.title) or link.title in self.profile.column_texts:
            yield self.listing(link.url, site, referrer)
        elif classify_title(link.title) is not None:
            self.note_item(link.url)
            detail = not is_attachment_link(link.url, link.title)
            yield self.document(link, referrer, site, detail=detail)

    def note_item(self, url: str) -> None:
        """Count each disclosure found once, however many pages link to it."""
        if url not in self.found:
            self.found.add(url)
            self.stat("items")

    def stat(self, name: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"budgetwatch/{name}")

    # -- list pages -------------------------------------------------------------------------

    def parse_listing(self, response: Response) -> Iterator[Request]:
        """Links, CMS list islands and pagination of a home page or column page."""
        self.stat("pages")
        if not isinstance(response, TextResponse):
            return
        site, text = response.meta["site"], response.text
        yield from self.gkmlpt_start(response.url, text, site)
        yield from self.hanweb_start(response.url, text, site)
        links = page_links(response.selector, response.url) + hanweb.records(text, response.url)
        for link in links:
            yield from self.follow(link, response.url, site)
        yield from self.profile_links(response, site)
        for url in pagination.html_pages(response.url, text, response.selector):
            yield self.listing(url, site, response.url)

    def profile_links(self, response: TextResponse, site: str) -> Iterator[Request]:
        """Links inside the profile's ``list_links`` containers are disclosures whatever their title."""
        if not self.profile.list_links:
            return
        for area in response.css(self.profile.list_links):
            for link in page_links(area, response.url):
                self.note_item(link.url)
                detail = not is_attachment_link(link.url, link.title)
                yield self.document(link, response.url, site, detail=detail)

    def hanweb_start(self, url: str, text: str, site: str) -> Iterator[Request]:
        """The first dataproxy.jsp POST of a Hanweb column whose island holds only the first records."""
        proxy = hanweb.data_proxy(url, text)
        if proxy is None:
            return
        inline = len(hanweb.records(text, url))
        if proxy.total is not None and inline >= proxy.total:
            return
        meta = {"site": site, "referrer": url, "hanweb": proxy, "start": inline + 1}
        yield self.page_request(hanweb.proxy_request(proxy, inline + 1), self.parse_proxy, meta)

    def parse_proxy(self, response: Response) -> Iterator[Request]:
        """A dataproxy.jsp answer: its records, then the next batch while records remain."""
        self.stat("pages")
        text = response.text if isinstance(response, TextResponse) else response.body.decode()
        proxy, start, site = response.meta["hanweb"], response.meta["start"], response.meta["site"]
        records = hanweb.records(text, proxy.referer)
        for link in records:
            yield from self.follow(link, proxy.referer, site)
        following = hanweb.next_start(start, proxy, hanweb.total_records(text) or proxy.total)
        if records and following is not None:
            meta = {**response.meta, "start": following}
            yield self.page_request(hanweb.proxy_request(proxy, following), self.parse_proxy, meta)

    def gkmlpt_start(self, url: str, text: str, site: str) -> Iterator[Request]:
        """Page 1 of the API of each 预决算 column of a gkmlpt directory."""
        config = gkmlpt.site_config(url, text)
        if config is None:
            return
        for column in config.columns:
            meta = {"site": site, "referrer": url, "gkmlpt": config, "column": column, "page": 1}
            page = PageRequest(
                gkmlpt.api_url(config, column, 1), headers={**gkmlpt.HEADERS, "Referer": url}
            )
            yield self.page_request(page, self.parse_api, {**meta, "got": 0})

    def parse_api(self, response: Response) -> Iterator[Request]:
        """One gkmlpt API page: disclosure articles and their attachments, then the next page."""
        self.stat("pages")
        data = json.loads(response.body)
        articles = gkmlpt.articles(data)
        site, listing = response.meta["site"], response.meta["referrer"]
        for article in articles:
            if classify_title(article.link.title) is None:
                continue
            self.note_item(article.link.url)
            yield self.document(article.link, listing, site, detail=True)
            for attachment in article.attachments:
                named = self.attachment_link(attachment, article.link.title)
                yield self.document(named, article.link.url, site, detail=False)
        got, total = response.meta["got"] + len(articles), gkmlpt.post_count(data)
        if articles and (total is None or got < total):
            yield self.next_api_page(response, got)

    def next_api_page(self, response: Response, got: int) -> Request:
        """The following API page of the same column."""
        meta = response.meta
        page = meta["page"] + 1
        url = gkmlpt.api_url(meta["gkmlpt"], meta["column"], page)
        request = PageRequest(url, headers={**gkmlpt.HEADERS, "Referer": meta["referrer"]})
        keep = {k: meta[k] for k in ("site", "referrer", "gkmlpt", "column")}
        return self.page_request(request, self.parse_api, {**keep, "page": page, "got": got})

    # -- detail pages and documents ---------------------------------------------------------

    def parse_detail(self, response: Response) -> Iterator[Item]:
        """A disclosure's detail page: its attachments, and itself when it holds the text."""
        self.stat("pages")
        # A fresh page was already re-decoded by CharsetMiddleware; a 304 brings no body.
        page = self.stored_page(response) if response.status == 304 else response
        link: PageLink = response.meta["link"]
        if isinstance(page, TextResponse):
            for attachment in self.attachments(page):
                named = self.attachment_link(attachment, link.title)
                yield self.document(named, page.url, response.meta["site"], detail=False)
        if response.status == 304:
            yield self.item(response, Outcome.NOT_MODIFIED)
        elif isinstance(page, TextResponse):
            text = visible_text(page)
            if holds_disclosure_text(text):
                published = link.published or parse_date(text[:PUBLISHED_SCAN])
                yield self.item(response, Outcome.FETCHED, published=published)

    def attachments(self, page: TextResponse) -> list[PageLink]:
        """Attachment links of a detail page (inside the profile's selector when it has one)."""
        area = (
            page.css(self.profile.attachment_links)
            if self.profile.attachment_links
            else [page.selector]
        )
        return [
            link
            for sel in area
            for link in page_links(sel, page.url, keep=is_attachment_link, maybe=may_be_attachment)
            + script_links(sel, page.url)
        ]

    @staticmethod
    def attachment_link(link: PageLink, disclosure_title: str) -> PageLink:
        """Attachments named 附件1.pdf take the disclosure's title; a titled one keeps its own."""
        title = link.title if classify_title(link.title) else disclosure_title
        return PageLink(link.url, title, link.published)

    def stored_page(self, response: Response) -> Response | None:
        """The stored bytes of a detail page that answered 304, to read its attachment links."""
        known = response.meta.get("known_version")
        body = ContentStore.read_path(known.store_path) if known and known.store_path else None
        if body is None:
            return None
        return repair_encoding(HtmlResponse(response.url, body=body, request=response.request))

    def parse_document(self, response: Response) -> Iterator[DocumentItem]:
        """An attachment: its bytes (or a 304, or a soft 404) as an item."""
        if response.status == 304:
            yield self.item(response, Outcome.NOT_MODIFIED)
        elif soft_404(response):
            yield self.item(
                response, Outcome.GONE, error="soft 404: an error page instead of the file"
            )
        else:
            yield self.item(response, Outcome.FETCHED)

    def item(self, response: Response, outcome: Outcome, **fields: Any) -> DocumentItem:
        """The DocumentItem of a document response."""
        link: PageLink = response.meta["link"]
        filename = disposition_filename(response.headers.get(b"Content-Disposition"))
        headers = {
            name: response.headers.get(name)
            for name in (b"Content-Type", b"ETag", b"Last-Modified")
        }
        text = {name: value.decode("latin-1") if value else None for name, value in headers.items()}
        fields.setdefault("published", link.published)
        return DocumentItem(
            url=response.url, outcome=outcome, referrer=response.meta.get("referrer"),
            title=link.title or filename,
            body=response.body if outcome is Outcome.FETCHED else None,
            content_type=text[b"Content-Type"],
            suffix_hint=attachment_suffix(response.url, filename or ""),
            etag=text[b"ETag"], last_modified=text[b"Last-Modified"], **fields,
        )  # fmt: skip

    # -- failures ---------------------------------------------------------------------------

    def on_error(self, failure: Failure) -> Iterator[DocumentItem]:
        """A document that could not be fetched is recorded; so is the page that was a challenge."""
        request: Request = failure.request  # type: ignore[attr-defined]
        exc = failure.value
        challenged = isinstance(exc, SiteBlocked) and exc.challenged
        if not request.meta.get("document") and not challenged:
            self.logger.info("list page failed: %s (%s)", request.url, exc)
            self.stat("pages_failed")
            return
        outcome, error = failure_outcome(failure)
        link: PageLink | None = request.meta.get("link")
        yield DocumentItem(
            url=request.url, outcome=outcome, referrer=request.meta.get("referrer"),
            title=link.title if link else None, published=link.published if link else None, error=error,
        )  # fmt: skip
