"""A big generated county site for the crawl benchmark: thousands of pages, built on request.

青山县 in the style of a TRS WCM portal (GBK pages, ``t20220315_1004342.html`` details, ``./P0…``
files), with static ``index.html, index_1.html, …`` pagination linked from the pager:

- Home ``/qingshan/index.html`` links three columns (部门预算, 部门决算, 三公经费) and a news
  column the crawler must not enter (政务要闻).
- Each column lists ``PER_PAGE`` entries a page, newest first; about one entry in seven is news
  that mentions 预算 (a 通知, a 会议) rather than a disclosure.
- Disclosure detail pages either hold the disclosure as text and tables (most), or say 详见附件
  and link one small attachment (pdf, docx, xlsx, xls, zip) from a pool of pre-rendered files.

Nothing is stored per page: every answer is computed from its path, so the server costs little
next to the crawler and the site can have any size.  ``BulkSite.crawl_targets()`` tells how many
responses a correct crawl gets; ``BulkSite.followed(url)`` tells which links it follows.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from html import escape
from typing import Literal

from crawler.sample_portal import pages
from crawler.sample_portal.attachments import attachment_bytes
from crawler.sample_portal.catalog import disclosures
from crawler.sample_portal.responses import Request, Response
from crawler.sample_portal.site import file_response, html_response

SLUG = "qingshan"
NAME = "青山县"
ROOT = f"/{SLUG}"
PER_PAGE = 20
NEWS_EVERY = 7  # one list entry in seven is news
ATTACHMENT_EVERY = 5  # one disclosure in five says 详见附件 and links a file
ROBOTS = "User-agent: *\nDisallow: /qingshan/admin/\n"
FORMATS = ("pdf", "docx", "xlsx", "xls", "zip")
SCAN_EVERY = 4  # one disclosure in four is a scanned table shown as images (no text, no file)
EntryKind = Literal["text", "attachment", "scan", "news"]
NAV = (
    "首页", "政务公开", "政府信息公开指南", "政府信息公开制度", "法定主动公开内容", "政府文件",
    "政策解读", "人事信息", "规划计划", "统计信息", "应急管理", "重点领域", "建议提案办理", "政务服务",
    "办事指南", "便民服务", "互动交流", "县长信箱", "在线访谈", "征集调查", "走进青山", "青山概况",
    "历史沿革", "行政区划", "旅游资源", "招商引资", "专题专栏", "优化营商环境", "乡村振兴专栏",
)  # fmt: skip
FRIENDS = ("中国政府网", "省人民政府", "市人民政府", "国家税务总局", "信用中国", "全国政务服务平台")


@dataclass(frozen=True)
class Column:
    """One 预决算 column of the site."""

    slug: str
    name: str
    title: str  # title template of its disclosures


COLUMNS = (
    Column("bmys", "部门预算", "{dept}{year}年部门预算公开"),
    Column("bmjs", "部门决算", "关于{dept}{year}年度部门决算的说明"),
    Column("sgjf", "三公经费", "{dept}{year}年“三公”经费预算情况"),
)
NEWS_TITLES = (
    "关于做好{year}年部门预算编制工作的通知",
    "{dept}召开{year}年预算执行分析会议",
    "{year}年{dept}政府采购意向公开",
    "{dept}{year}年度整体支出绩效评价报告",
)
BUREAUS = (
    "财政局", "教育局", "公安局", "民政局", "司法局", "人力资源和社会保障局", "自然资源局",
    "生态环境局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局", "文化和旅游局",
    "卫生健康委员会", "退役军人事务局", "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局",
    "林业局", "乡村振兴局", "信访局", "机关事务管理局", "发展和改革局", "科技和工业信息化局", "档案馆",
)  # fmt: skip
TOWNS = ("城关镇", "青石镇", "白沙镇", "龙潭镇", "东岭乡", "西坪乡", "南溪镇", "北山乡", "桃源镇")
UNITS = (*BUREAUS, *TOWNS, *(f"第{n}中学" for n in "一二三四五六七八"), "人民医院", "中医院")
YEARS = tuple(range(2024, 2009, -1))
_LIST = re.compile(rf"^{ROOT}/zwgk/(\w+)/index(?:_(\d+))?\.html$")
_DETAIL = re.compile(rf"^{ROOT}/zwgk/(\w+)/\d{{6}}/t\d{{8}}_(\d+)\.html$")
_FILE = re.compile(rf"^{ROOT}/zwgk/(\w+)/\d{{6}}/P0\d{{8}}_(\d+)\.(\w+)$")
_ID_BASE = 1_000_000


@dataclass(frozen=True)
class Entry:
    """One list entry: a disclosure (text or attachment) or a news item, with its URLs."""

    column: Column
    index: int  # 0 = newest
    kind: EntryKind
    title: str
    published: date
    fmt: str  # the attachment's format (used when kind == "attachment")

    @property
    def number(self) -> int:
        return _ID_BASE + COLUMNS.index(self.column) * 100_000 + self.index

    @property
    def folder(self) -> str:
        return f"{ROOT}/zwgk/{self.column.slug}/{self.published:%Y%m}"

    @property
    def detail_path(self) -> str:
        return f"{self.folder}/t{self.published:%Y%m%d}_{self.number}.html"

    @property
    def file_name(self) -> str:
        return f"P0{self.published:%Y%m%d}_{self.number}.{self.fmt}"


def entry(column: Column, index: int) -> Entry:
    """The ``index``-th entry (newest first) of a column, computed, never stored."""
    unit = UNITS[index % len(UNITS)]
    dept = unit if unit.endswith(TOWNS) else f"{NAME}{unit}"
    year = YEARS[(index // len(UNITS)) % len(YEARS)]
    published = date(2025, 6, 30) - timedelta(days=index // 3)
    fmt = FORMATS[(index // ATTACHMENT_EVERY) % len(FORMATS)]
    if index % NEWS_EVERY == NEWS_EVERY - 1:
        title = NEWS_TITLES[index % len(NEWS_TITLES)].format(dept=dept, year=year)
        return Entry(column, index, "news", title, published, fmt)
    kind: EntryKind = "text"
    if index % ATTACHMENT_EVERY == 0:
        kind = "attachment"
    elif index % SCAN_EVERY == 1:
        kind = "scan"
    return Entry(column, index, kind, column.title.format(dept=dept, year=year), published, fmt)


@dataclass(frozen=True)
class Layout:
    """How many entries each column has, for a site of about ``pages`` crawled responses."""

    entries: int  # per column
    list_pages: int  # per column

    @classmethod
    def for_pages(cls, pages_wanted: int) -> Layout:
        """The smallest layout whose crawl gets at least ``pages_wanted`` responses."""
        entries = PER_PAGE
        while cls(entries, math.ceil(entries / PER_PAGE)).crawl_targets() < pages_wanted:
            entries += PER_PAGE
        return cls(entries, math.ceil(entries / PER_PAGE))

    def crawl_targets(self) -> int:
        """Responses of a complete crawl: robots.txt, home, list pages, details, attachments."""
        kinds = [entry(COLUMNS[0], i).kind for i in range(self.entries)]
        per_column = self.list_pages + sum(
            2 if k == "attachment" else 1 for k in kinds if k != "news"
        )
        return 2 + len(COLUMNS) * per_column


def _chrome(title: str, main: str) -> str:
    """A county page with the navigation, footer and scripts real portals wrap around content."""
    nav = "".join(
        f'<li><a href="{ROOT}/col/col{3000 + i}/index.html" target="_blank">{name}</a></li>'
        for i, name in enumerate(NAV)
    )
    friends = "".join(
        f'<option value="http://www.example.gov.cn/{i}">{name}</option>'
        for i, name in enumerate(FRIENDS)
    )
    body = (
        f'<div class="topbar"><span>欢迎访问{NAME}人民政府网站</span><a href="{ROOT}/wza/">无障碍</a>'
        f'</div>\n<ul class="mainnav">{nav}</ul>\n'
        f'<div class="position">当前位置：<a href="{ROOT}/index.html">首页</a> &gt; 政务公开</div>\n'
        f'{main}\n<div class="links"><select onchange="window.open(this.value)">{friends}</select></div>'
        '<script>var _hmt = _hmt || [];(function(){var hm=document.createElement("script");'
        'hm.src="https://hm.baidu.com/hm.js?0123456789abcdef";var s=document.getElementsByTagName'
        '("script")[0];s.parentNode.insertBefore(hm, s);})();</script>'
    )
    return pages.layout(title, body, charset="gb2312", site_name=NAME)


def _gbk_page(html: str) -> Response:
    # TRS sites are static files behind nginx: GBK bytes, the charset only in the <meta>.
    return html_response(html, pages.LIST_STAMP, encoding="gbk", declared=None)


def _pager(page: int, total: int) -> str:
    def name(k: int) -> str:
        return "index.html" if k == 0 else f"index_{k}.html"

    links = [f'<a href="{name(0)}">首页</a>']
    if page > 0:
        links.append(f'<a href="{name(page - 1)}">上一页</a>')
    for k in range(max(0, page - 2), min(total, page + 3)):
        links.append(f"<span>{k + 1}</span>" if k == page else f'<a href="{name(k)}">{k + 1}</a>')
    if page < total - 1:
        links.append(f'<a href="{name(page + 1)}">下一页</a>')
    links.append(f'<a href="{name(total - 1)}">尾页</a>')
    return f'<div class="page">共{total}页 {" ".join(links)}</div>'


def _text_body(item: Entry) -> str:
    """A disclosure written out on its page: overview, figures and the 收支总表."""
    seed = item.number * 7919 % 100_000
    income, basic = 1_000 + seed % 9_000, 600 + seed % 3_000
    three = 5 + seed % 40
    rows = (
        ("项目", "本年预算数（万元）"),
        ("一般公共预算财政拨款收入", f"{income * 0.9:,.2f}"),
        ("其他收入", f"{income * 0.1:,.2f}"),
        ("收入总计", f"{income:,.2f}"),
        ("基本支出", f"{basic:,.2f}"),
        ("项目支出", f"{income - basic:,.2f}"),
        ("支出总计", f"{income:,.2f}"),
    )
    table = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return (
        f"<p>一、部门概况：{escape(item.title)}。部门主要职责是贯彻执行国家和省市县的方针政策。</p>"
        f"<p>二、收入支出预算总体情况：收入总计{income:,.2f}万元，支出总计{income:,.2f}万元，"
        f"其中财政拨款{income * 0.9:,.2f}万元。</p>"
        f"<p>三、“三公”经费预算{three:.2f}万元，其中公务接待费{three / 5:.2f}万元。</p>"
        f'<p class="table-title">收支总表</p><table border="1">{table}</table>'
        "<p>四、名词解释：基本支出指为保障机构正常运转发生的支出。</p>"
    )


class BulkSite:
    """The site: answers every request from its path; ``respond`` is all the server calls."""

    gzip = True

    def __init__(self, base_url: str, pages_wanted: int = 6000) -> None:
        self.base_url = base_url
        self.layout = Layout.for_pages(pages_wanted)

    @cached_property
    def files(self) -> list[tuple[str, bytes]]:
        """A pool of real, small, extractable attachments, rendered once (touch it to warm up)."""
        keys = [d.key for d in disclosures("tongxi")[:6]]
        return [(fmt, attachment_bytes(key, fmt)) for key in keys for fmt in FORMATS]

    @property
    def home_url(self) -> str:
        return f"{self.base_url}{ROOT}/index.html"

    def crawl_targets(self) -> int:
        """How many responses a complete crawl of the site gets."""
        return self.layout.crawl_targets()

    def followed(self, url: str) -> bool:
        """Whether a correct crawl follows this link: columns, list pages, disclosures, files."""
        path = url.removeprefix(self.base_url).split("?", 1)[0]
        if _LIST.match(path) or _FILE.match(path):
            return True
        found = _DETAIL.match(path)
        item = self._entry(found.group(1), found.group(2)) if found else None
        return item is not None and item.kind != "news"

    # -- serving -------------------------------------------------------------------------------

    def respond(self, request: Request) -> Response:
        """The answer to one request, computed from its path."""
        path = request.path
        if path == "/robots.txt":
            return Response(200, ROBOTS.encode(), "text/plain", last_modified=pages.LIST_STAMP)
        if path in (f"{ROOT}/", f"{ROOT}/index.html"):
            return _gbk_page(self.home())
        for pattern, handler in (
            (_LIST, self.list_page),
            (_DETAIL, self.detail),
            (_FILE, self.attachment),
        ):
            found = pattern.match(path)
            if found is not None:
                answer = handler(*found.groups())
                if answer is not None:
                    return answer
        return Response(404, pages.error_page(404, "Not Found"), cacheable=False)

    def home(self) -> str:
        nav = [(f"{ROOT}/index.html", "首页"), (f"{ROOT}/xwzx/index.html", "政务要闻")]
        nav += [(f"{ROOT}/zwgk/{c.slug}/index.html", c.name) for c in COLUMNS]
        page = pages.home_page(NAME, nav)
        return page.replace("charset=utf-8", "charset=gb2312")

    def _entry(self, slug: str, number: str | int) -> Entry | None:
        column = next((c for c in COLUMNS if c.slug == slug), None)
        index = int(number) - _ID_BASE - (COLUMNS.index(column) * 100_000 if column else 0)
        if column is None or not 0 <= index < self.layout.entries:
            return None
        return entry(column, index)

    def list_page(self, slug: str, number: str | None) -> Response | None:
        column = next((c for c in COLUMNS if c.slug == slug), None)
        page, total = int(number or 0), self.layout.list_pages
        if column is None or not 0 <= page < total or number == "0":
            return None
        first = page * PER_PAGE
        items = [entry(column, i) for i in range(first, min(first + PER_PAGE, self.layout.entries))]
        rows = "\n".join(
            f'<li><a href=".{e.detail_path.removeprefix(f"{ROOT}/zwgk/{slug}")}" '
            f'title="{escape(e.title)}" target="_blank">{escape(e.title)}</a>'
            f"<span>{e.published:%Y-%m-%d}</span></li>"
            for e in items
        )
        body = f'<div class="list"><h2>{column.name}</h2><ul>\n{rows}\n</ul>\n{_pager(page, total)}</div>'
        return _gbk_page(_chrome(column.name, body))

    def detail(self, slug: str, number: str) -> Response | None:
        item = self._entry(slug, number)
        if item is None:
            return None
        if item.kind == "news":
            body = pages.news_body(item.title, item.published, NAME)
        elif item.kind == "text":
            body = _text_body(item)
        elif item.kind == "scan":
            images = "".join(
                f'<p><img src="./W0{item.number}{k}.jpg" alt="{escape(item.title)}（{k}）"></p>'
                for k in range(1, 4)
            )
            body = f"<p>{escape(item.title)}如下：</p>{images}"
        else:
            link = escape(f"{item.title}.{item.fmt}")
            body = (
                f"<p>{escape(item.title)}，详见附件。</p>"
                f'<p>附件：<a href="./{item.file_name}" title="{link}">{link}</a></p>'
            )
        main = (
            f'<div class="detail"><h1>{escape(item.title)}</h1>\n'
            f'<div class="source">发布时间：{item.published.isoformat()}　来源：{NAME}财政局</div>\n'
            f'<div class="TRS_Editor">{body}</div></div>'
        )
        html = _chrome(item.title, main)
        return html_response(html, pages.stamp(item.published), encoding="gbk", declared=None)

    def attachment(self, slug: str, number: str, fmt: str) -> Response | None:
        item = self._entry(slug, number)
        if item is None or item.kind != "attachment" or fmt != item.fmt:
            return None
        pool = [data for f, data in self.files if f == fmt]
        return file_response(pool[item.index % len(pool)], fmt, pages.stamp(item.published))
