"""HTML pieces every county site shares: page layout, home page, news pages, error pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from html import escape

from crawler.sample_portal.narrative import Report

CHINA = timezone(timedelta(hours=8))
LIST_STAMP = datetime(2024, 9, 30, 18, 0, tzinfo=CHINA)  # lists were last rebuilt then


def stamp(day: date, hour: int = 9) -> datetime:
    """A publication time (Beijing) for Last-Modified, as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, hour, 30, tzinfo=CHINA).astimezone(UTC)


def layout(
    title: str, body: str, *, charset: str | None = "utf-8", head: str = "", site_name: str = ""
) -> str:
    """A county page: header, navigation bar, body, footer (``charset`` None = undeclared)."""
    meta = (
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        if charset
        else ""
    )
    return (
        "<!DOCTYPE html>\n<html>\n<head>\n"
        f"{meta}\n<title>{escape(title)}</title>\n{head}\n</head>\n<body>\n"
        f'<div class="header"><h1 class="logo">{escape(site_name)}人民政府</h1></div>\n'
        f"{body}\n"
        '<div class="footer"><p>主办单位：' + escape(site_name) + "人民政府办公室　"
        "<noscript>请开启JavaScript以获得更好的浏览体验</noscript></p></div>\n"
        "</body>\n</html>\n"
    )


def home_page(county: str, links: list[tuple[str, str]], extra: str = "") -> str:
    """A county home page whose navigation links (href, text) include the 预决算 column."""
    nav = "\n".join(f'<li><a href="{escape(href)}">{escape(text)}</a></li>' for href, text in links)
    body = (
        f'<ul class="nav">\n{nav}\n</ul>\n'
        '<div class="banner"><img src="/static/banner.jpg" alt="banner"></div>\n'
        f'<div class="news"><h2>政务要闻</h2>{extra}</div>'
    )
    return layout(f"{county}人民政府", body, site_name=county)


def news_body(title: str, published: date, county: str, attachment: str = "") -> str:
    """The body of a news page that mentions 预算 but discloses nothing."""
    return (
        f'<div class="article"><h2 class="title">{escape(title)}</h2>\n'
        f'<div class="info">发布时间：{published.isoformat()}　来源：{escape(county)}财政局</div>\n'
        f'<div class="content"><p>{published.year}年{published.month}月{published.day}日，'
        f"{escape(county)}召开会议，研究部署预算编制和预算执行相关工作，要求各部门严格执行预算，"
        "厉行节约，压减一般性支出。</p>"
        f"{attachment}</div></div>"
    )


def error_page(status: int, message: str) -> bytes:
    """A plain nginx-style error page."""
    return (
        f"<html>\r\n<head><title>{status} {message}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {message}</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n"
    ).encode()


def report_html(rep: Report) -> str:
    """A disclosure's narrative and tables as the HTML of a detail page body."""
    parts = [f"<p>{escape(p)}</p>" for p in rep.paragraphs]
    for table in rep.tables:
        cells = "\n".join(
            "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>"
            for row in (table.header, *table.rows)
        )
        parts.append(
            f'<p class="table-title">{escape(table.name)}</p><p>单位：{table.unit}</p>\n'
            f'<table border="1" cellspacing="0">\n{cells}\n</table>'
        )
    return "\n".join(parts)
