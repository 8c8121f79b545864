"""What each county publishes: the disclosure and news entries, with titles, dates and formats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from crawler.sample_portal import data
from crawler.sample_portal.model import Format, Kind

FORMATS: tuple[Format, ...] = ("pdf", "docx", "xlsx", "xls", "zip")

# Title templates per CMS family, after the real titles collected in portals.md §9.
TITLES: dict[str, dict[Kind, str]] = {
    "hanweb": {"budget": "{dept}{year}年部门预算公开", "final": "{dept}{year}年度部门决算公开"},
    "trs": {
        "budget": "{year}年{dept}部门预算信息公开",
        "final": "关于{dept}{year}年度部门决算的说明",
    },
    "gkmlpt": {"budget": "{dept}{year}年部门预算", "final": "{dept}{year}年度部门决算"},
    "generic": {"budget": "{dept}{year}年度部门预算公开", "final": "{dept}{year}年度决算公开"},
}

NEWS_TITLES = (
    ("{county}财政局召开预算编制工作会议", date(2022, 9, 16)),
    ("关于做好2023年预算执行工作的通知", date(2023, 1, 12)),
    ("关于{county}2022年预算执行情况和2023年预算草案的报告", date(2023, 1, 30)),
    ("{county}人大常委会审查2022年本级预算调整方案", date(2022, 11, 8)),
    ("{county}卫生健康局2022年度整体支出绩效评价报告", date(2023, 6, 20)),
)


@dataclass(frozen=True)
class DocSpec:
    """One disclosure before it is given URLs by its CMS module."""

    key: str
    slug: str
    short: str
    department: str
    region: str
    year: int
    kind: Kind
    title: str
    published: date
    fmt: Format
    seq: int  # position in the county's publication order, 0 = oldest


@dataclass(frozen=True)
class NewsSpec:
    """One news entry that mentions 预算 but is not a disclosure."""

    slug: str
    title: str
    published: date
    seq: int
    with_pdf: bool  # the 预算草案 report carries a PDF, to tempt the crawler


def _published(year: int, kind: Kind, dept_index: int) -> date:
    # Budgets go up in February/March of the year; 决算 in August/September of the next.
    if kind == "budget":
        return date(year, 2 + dept_index // 3, 8 + (4 * dept_index) % 21)
    return date(year + 1, 8 + dept_index // 3, 10 + (3 * dept_index) % 19)


@cache
def disclosures(slug: str) -> tuple[DocSpec, ...]:
    """The county's disclosures (departments × years × kinds), oldest first."""
    spec = data.county(slug)
    county_index = data.COUNTIES.index(spec)
    found: list[tuple[date, int, str, str, int, Kind, str, Format]] = []
    for d_index, dept in enumerate(spec.departments):
        name = data.full_department_name(spec, dept)
        for y_index, year in enumerate(data.YEARS):
            for k_index, kind in enumerate(data.KINDS):
                template = TITLES[spec.cms][kind]
                fmt = FORMATS[(county_index + 2 * d_index + y_index + 3 * k_index) % len(FORMATS)]
                title = template.format(dept=name, year=year)
                found.append(
                    (
                        _published(year, kind, d_index),
                        d_index,
                        dept.short,
                        name,
                        year,
                        kind,
                        title,
                        fmt,
                    )
                )
    found.sort()
    return tuple(
        DocSpec(
            f"{slug}/{short}/{year}/{kind}",
            slug,
            short,
            name,
            spec.name,
            year,
            kind,
            title,
            published,
            fmt,
            seq,
        )
        for seq, (published, _, short, name, year, kind, title, fmt) in enumerate(found)
    )


@cache
def news(slug: str) -> tuple[NewsSpec, ...]:
    """The county's news entries that mention 预算."""
    name = data.county(slug).name
    return tuple(
        NewsSpec(slug, title.format(county=name), published, seq, "预算草案" in title)
        for seq, (title, published) in enumerate(NEWS_TITLES)
    )


def doc(key: str) -> DocSpec:
    """Return a disclosure by key."""
    return next(d for d in disclosures(key.split("/", 1)[0]) if d.key == key)
