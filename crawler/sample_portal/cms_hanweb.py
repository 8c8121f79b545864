"""云溪县 in the style of 大汉 Hanweb JCMS: datastore XML islands, POST dataproxy.jsp, downfile.jsp.

- Home ``/yunxi/index.html`` links 预决算公开 -> ``/yunxi/col/col1229165988/index.html``.
- The column page holds the first 10 records in ``<script type="text/xml"><datastore>``; the rest
  come only from ``/yunxi/module/web/jpage/dataproxy.jsp`` (POST with startrecord/endrecord/perpage
  in the query and columnid/unitid/webid in the body, or GET with page=N like the nextgroup link).
- Articles ``/yunxi/art/2022/3/2/art_1229165988_59012.html`` (UTF-8, ContentStart/ContentEnd, #zoom).
- Files ``/yunxi/module/download/downfile.jsp?classid=0&filename=<32hex>.pdf`` with the real name in
  Content-Disposition.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import date
from functools import partial
from html import escape

from crawler.sample_portal import catalog, pages
from crawler.sample_portal.attachments import attachment_bytes, news_pdf
from crawler.sample_portal.model import Attachment, County, NastyCase, NewsItem
from crawler.sample_portal.narrative import report
from crawler.sample_portal.responses import Request, Response
from crawler.sample_portal.site import (
    Handler,
    PublishedDoc,
    Site,
    lazy_file,
    redirect,
    static_html,
)

SLUG = "yunxi"
COLUMN_ID = 1229165988
UNIT_ID = 6101313
WEB_ID = 3095
WEB_NAME = "云溪县人民政府"
INLINE_RECORDS = 10  # what the column page carries in its datastore island
ROOT = f"/{SLUG}"
DATAPROXY = f"{ROOT}/module/web/jpage/dataproxy.jsp"
DOWNFILE = f"{ROOT}/module/download/downfile.jsp"
COLUMN = f"{ROOT}/col/col{COLUMN_ID}/index.html"
REDIRECTED_SEQ = 4  # this article is listed under an old .jhtml URL that answers 302
PREVIEW_SEQ = 7  # this article also links its file under /attach/-1/ (same bytes, second URL)
GBK_NAME_SEQ = 9  # this file's Content-Disposition carries a raw GBK name, as old servers send


@dataclass(frozen=True)
class Record:
    """One list record: title, the href the list gives, and its date."""

    title: str
    href: str
    published: date


def _art_path(day: date, article_id: int) -> str:
    # Hanweb does not zero-pad month and day in /art/ paths.
    return f"{ROOT}/art/{day.year}/{day.month}/{day.day}/art_{COLUMN_ID}_{article_id}.html"


def _file_id(key: str, fmt: str) -> str:
    return hashlib.md5(f"hanweb/{key}/{fmt}".encode()).hexdigest() + f".{fmt}"


def _record_li(record: Record, absolute: str) -> str:
    short = record.title if len(record.title) <= 18 else record.title[:18] + "…"
    return (
        f'<li><a href="{escape(absolute)}" title="{escape(record.title)}" target="_blank">'
        f"{escape(short)}</a><span>{record.published.isoformat()}</span></li>"
    )


def _nextgroup(page: int) -> str:
    return (
        f'<a href="{DATAPROXY}?page={page}&appid=1&webid={WEB_ID}&path=/&columnid={COLUMN_ID}'
        f'&unitid={UNIT_ID}&webname={WEB_NAME}&permissiontype=0"></a>'
    )


def _datastore(records: list[Record], total: int, perpage: int, page: int) -> str:
    rows = "\n".join(f"<record><![CDATA[{_record_li(r, r.href)}]]></record>" for r in records)
    return (
        f"<datastore>\n<totalrecord>{total}</totalrecord>\n"
        f"<totalpage>{math.ceil(total / perpage)}</totalpage>\n"
        f"<nextgroup><![CDATA[{_nextgroup(page + 1)}]]></nextgroup>\n"
        f"<recordset>\n{rows}\n</recordset>\n</datastore>"
    )


def _column_page(records: list[Record]) -> str:
    island = _datastore(records[:INLINE_RECORDS], len(records), INLINE_RECORDS, 1)
    body = (
        '<div class="position">当前位置：首页 &gt; 政府信息公开 &gt; 预决算公开</div>\n'
        f'<div id="{UNIT_ID}"><script type="text/xml">{island}</script></div>\n'
        "<script>$(function(){$('#" + str(UNIT_ID) + "').jpage({dataStore:dataStore,"
        f"proxyUrl:'{DATAPROXY}',perPage:{INLINE_RECORDS},totalRecord:{len(records)},"
        "openCookies:false,barPosition:'bottom',groupSize:3});});</script>"
    )
    head = '<meta name="ColumnName" content="预决算公开">'
    return pages.layout("预决算公开", body, head=head, site_name="云溪县")


def _dataproxy(records: list[Record], request: Request) -> Response:
    """Answer a jpage request; a wrong columnid/unitid gets the empty datastore real sites send."""
    if request.arg("columnid") != str(COLUMN_ID) or request.arg("unitid") != str(UNIT_ID):
        empty = "<datastore><recordset></recordset></datastore>"
        return Response(200, empty.encode(), "text/xml;charset=UTF-8", cacheable=False)
    perpage = int(request.arg("perpage") or INLINE_RECORDS)
    if request.arg("startrecord"):
        start = max(1, int(request.arg("startrecord")))
        end = int(request.arg("endrecord") or start + perpage - 1)
        page = (end - 1) // perpage + 1
    else:
        page = max(1, int(request.arg("page") or 1))
        start, end = (page - 1) * perpage + 1, page * perpage
    xml = _datastore(records[start - 1 : end], len(records), perpage, page)
    return Response(200, xml.encode(), "text/xml;charset=UTF-8", cacheable=False)


def _article_html(title: str, published: date, body: str, files: list[tuple[str, str]]) -> str:
    links = "".join(
        f'<p>附件：<a href="{escape(href)}">{escape(name)}</a></p>' for href, name in files
    )
    head = (
        f'<meta name="ArticleTitle" content="{escape(title)}">\n'
        f'<meta name="PubDate" content="{published.isoformat()} 09:30">\n'
        '<meta name="ContentSource" content="云溪县财政局">\n'
        '<meta name="ColumnName" content="预决算公开">'
    )
    main = (
        f'<div class="article"><h2>{escape(title)}</h2>\n'
        f'<div class="info">发布日期：{published.isoformat()}　信息来源：云溪县财政局</div>\n'
        f'<meta name="ContentStart"><div id="zoom">{body}</div><meta name="ContentEnd">\n'
        f'<div class="attach">{links}</div></div>'
    )
    return pages.layout(title, main, head=head, site_name="云溪县")


class HanwebCounty:
    """Builds and mounts 云溪县."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.files: dict[str, Handler] = {}  # downfile.jsp filename -> its handler
        self.records: list[tuple[date, int, Record]] = []

    def _download(self, request: Request) -> Response:
        found = self.files.get(request.arg("filename"))
        if found is None:
            return Response(404, pages.error_page(404, "Not Found"), cacheable=False)
        return found(request)

    def _publish_doc(self, spec: catalog.DocSpec) -> None:
        article = _art_path(spec.published, 59001 + spec.seq)
        name = f"{spec.title}.{spec.fmt}"
        file_id = _file_id(spec.key, spec.fmt)
        modified = pages.stamp(spec.published)
        render = partial(attachment_bytes, spec.key, spec.fmt)
        self.files[file_id] = lazy_file(
            render, spec.fmt, modified, name, raw_gbk_name=spec.seq == GBK_NAME_SEQ
        )
        links = [(f"{DOWNFILE}?classid=0&filename={file_id}", name)]
        attachment = Attachment(self.site.url(links[0][0]), name, spec.fmt)
        extra: tuple[Attachment, ...] = ()
        if spec.seq == PREVIEW_SEQ:
            preview = f"{ROOT}/attach/-1/{file_id}"
            self.site.route(preview, lazy_file(render, spec.fmt, modified))
            links.append((preview, f"{name}（在线预览）"))
            extra = (
                Attachment(self.site.url(preview), name, spec.fmt, same_bytes_as=attachment.url),
            )
        html = _article_html(spec.title, spec.published, pages.report_html(report(spec.key)), links)
        self.site.route(article, static_html(html, modified))
        listed = article
        if spec.seq == REDIRECTED_SEQ:
            listed = article.replace(".html", ".jhtml")
            self.site.route(listed, redirect(302, self.site.url(article)))
        self.records.append((spec.published, spec.seq, Record(spec.title, listed, spec.published)))
        self.site.published.append(
            PublishedDoc(
                spec, self.site.url(listed), self.site.url(article), (attachment, *extra), "utf-8"
            )
        )

    def _publish_news(self, item: catalog.NewsSpec) -> None:
        article = _art_path(item.published, 59101 + item.seq)
        files: list[tuple[str, str]] = []
        attachments: tuple[Attachment, ...] = ()
        if item.with_pdf:
            file_id = _file_id(f"news/{item.seq}", "pdf")
            self.files[file_id] = lazy_file(
                partial(news_pdf, item.title),
                "pdf",
                pages.stamp(item.published),
                f"{item.title}.pdf",
            )
            files.append((f"{DOWNFILE}?classid=0&filename={file_id}", f"{item.title}.pdf"))
            attachments = (Attachment(self.site.url(files[0][0]), f"{item.title}.pdf", "pdf"),)
        html = _article_html(
            item.title, item.published, pages.news_body(item.title, item.published, "云溪县"), files
        )
        modified = pages.stamp(item.published)
        self.site.route(article, static_html(html, modified))
        self.records.append(
            (item.published, 100 + item.seq, Record(item.title, article, item.published))
        )
        self.site.news.append(
            NewsItem(SLUG, item.title, self.site.url(article), item.published, attachments)
        )

    def mount(self) -> None:
        """Register every route of 云溪县 and record what it publishes."""
        for spec in catalog.disclosures(SLUG):
            self._publish_doc(spec)
        for item in catalog.news(SLUG):
            self._publish_news(item)
        records = [r for _, _, r in sorted(self.records, key=lambda t: (t[0], t[1]), reverse=True)]
        column = _column_page(records)
        self.site.route(COLUMN, static_html(column, pages.LIST_STAMP))
        self.site.route(DATAPROXY, lambda r: _dataproxy(records, r), ("GET", "HEAD", "POST"))
        self.site.route(DOWNFILE, self._download)
        home = pages.home_page(
            "云溪县",
            [
                (f"{ROOT}/index.html", "首页"),
                (COLUMN, "预决算公开"),
                ("/yunxi/col/col1229165990/index.html", "政策解读"),
            ],
        )
        for path in (f"{ROOT}/", f"{ROOT}/index.html"):
            self.site.route(path, static_html(home, pages.LIST_STAMP))
        self._add_county_and_cases(records)

    def _add_county_and_cases(self, records: list[Record]) -> None:
        self.site.county_list.append(
            County(
                "云溪县",
                SLUG,
                "hanweb",
                self.site.url(f"{ROOT}/index.html"),
                self.site.url(COLUMN),
                "预决算公开",
            )
        )
        by_seq = {d.spec.seq: d for d in self.site.published if d.spec.slug == SLUG}
        redirected, preview = by_seq[REDIRECTED_SEQ], by_seq[PREVIEW_SEQ]
        self.site.nasty += [
            NastyCase(
                "hanweb_datastore_paging",
                self.site.url(DATAPROXY),
                f"{len(records) - INLINE_RECORDS} of {len(records)} records only via POST "
                "dataproxy.jsp (startrecord/endrecord/perpage; columnid/unitid/webid in body)",
                SLUG,
            ),
            NastyCase(
                "redirect_302",
                redirected.listed_url,
                f"302 to {redirected.detail_url}; store under the final URL",
                SLUG,
            ),
            NastyCase(
                "same_bytes_two_urls",
                preview.attachments[1].url,
                f"same bytes as {preview.attachments[0].url}; store the content once",
                SLUG,
            ),
            NastyCase(
                "content_disposition_gbk",
                self.site.url(DOWNFILE)
                + "?classid=0&filename="
                + _file_id(by_seq[GBK_NAME_SEQ].spec.key, by_seq[GBK_NAME_SEQ].spec.fmt),
                "Content-Disposition filename is raw GBK bytes; fall back to the link text",
                SLUG,
            ),
            NastyCase(
                "dead_nav_link",
                self.site.url("/yunxi/col/col1229165990/index.html"),
                "404 from a navigation link; not an error of the crawl",
                SLUG,
            ),
        ]


def mount(site: Site) -> None:
    """Mount 云溪县 (Hanweb JCMS) into the site."""
    HanwebCounty(site).mount()
