"""Messages from notices: Jinja2 templates for mail (text + HTML) and robot markdown.

Every string in an alert was scraped from a portal, so none is trusted: HTML
is autoescaped, markdown is backslash-escaped, links are kept only for
http(s) URLs, and anything that reaches a mail header is one line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from itertools import groupby
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from alerts.notice import AlertNotice, Batch

FIGURE_LABELS = {
    "current": "本年",
    "this_year": "本年",
    "previous": "上年",
    "last_year": "上年",
    "change": "增减",
    "stated_change": "文中所述增减",
    "computed_change": "计算增减",
    "budget": "预算数",
    "final": "决算数",
    "total": "合计",
    "parts": "分项之和",
    "ratio": "比例",
}
CURRENT_KEYS = ("current", "this_year", "final")
PREVIOUS_KEYS = ("previous", "last_year", "budget")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
# Scraped text never starts a line (a "- " or "> " comes first), so only inline syntax matters.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def one_line(value: object, limit: int = 200) -> str:
    """``value`` as a single header-safe line: CR, LF and other controls become spaces."""
    text = " ".join(_CONTROL.sub(" ", str(value)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe_link(url: object) -> str | None:
    """``url`` if it is an http(s) link; ``javascript:`` and friends are never linked."""
    text = str(url or "").strip()
    return text if re.match(r"https?://[^\s<>\"']+$", text, re.IGNORECASE) else None


def markdown_escape(value: object) -> str:
    """``value`` as literal markdown text on one line: no links, headings or tags of its own."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", one_line(value, limit=1000))


def _number(value: object) -> Decimal | None:
    """A figure's value as a Decimal, if it is a number."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def figure_text(value: object) -> str:
    """A figure for people: 1234567.8 → 1,234,567.80; anything else as written."""
    number = _number(value)
    if number is None:
        return one_line(value)
    return f"{number:,.2f}" if number != number.to_integral_value() else f"{number:,.0f}"


def figure_rows(figures: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) per figure, in the order the monitor gave them."""
    return [(FIGURE_LABELS.get(key, key), figure_text(value)) for key, value in figures.items()]


def year_on_year(figures: Mapping[str, Any]) -> str:
    """ "较上年增加 X（+N%）" when the figures hold this year's and last year's value."""
    current = next((_number(figures[k]) for k in CURRENT_KEYS if k in figures), None)
    previous = next((_number(figures[k]) for k in PREVIOUS_KEYS if k in figures), None)
    if current is None or previous is None:
        return ""
    change = current - previous
    word = "增加" if change >= 0 else "减少"
    percent = f"（{change / previous * 100:+.1f}%）" if previous else ""
    return f"{word} {figure_text(abs(change))}{percent}"


def by_department(alerts: Iterable[AlertNotice]) -> list[tuple[str, list[AlertNotice]]]:
    """Alerts grouped per region and department, for one table each."""

    def place(alert: AlertNotice) -> str:
        return (
            " ".join(part for part in (alert.region, alert.department) if part) or "（未注明部门）"
        )

    ordered = sorted(alerts, key=lambda alert: (place(alert), alert.alert_id))
    return [(name, list(group)) for name, group in groupby(ordered, key=place)]


def environment() -> Environment:
    """The template environment: autoescape for HTML, strict about missing names."""
    env = Environment(
        loader=PackageLoader("alerts", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        one_line=one_line,
        safe_link=safe_link,
        md=markdown_escape,
        figure_rows=figure_rows,
        year_on_year=year_on_year,
    )
    return env


_ENVIRONMENT = environment()


def render(template: str, batch: Batch, **extra: Any) -> str:
    """Render ``template`` (a file in alerts/templates) for ``batch``."""
    context = {"batch": batch, "groups": by_department(batch.alerts), **extra}
    return _ENVIRONMENT.get_template(template).render(context)


def subject(batch: Batch) -> str:
    """The mail subject: one line, whatever the alerts contain."""
    if batch.test:
        return "[budgetwatch] 测试消息"
    if not batch.alerts:
        return f"[budgetwatch] {len(batch.failures)} 条预警投递失败"
    if len(batch.alerts) == 1:
        alert = batch.alerts[0]
        return one_line(f"[budgetwatch][{alert.severity_label}] {alert.message}")
    worst = max(
        batch.alerts, key=lambda alert: ("info", "warning", "critical").index(alert.severity)
    )
    return one_line(
        f"[budgetwatch] {len(batch.alerts)} 条预算预警（最高级别：{worst.severity_label}）"
    )
