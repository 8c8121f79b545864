"""missing_disclosure: a department that disclosed last year has nothing this year after the deadline."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select

from monitor.context import RuleContext, Subject, candidate
from monitor.thresholds import MonitorThresholds
from monitor.wording import kind_word, subject
from storage.models import DisclosureRow, Document, DocumentVersion
from storage.monitoring import AlertCandidate


def deadline(settings: MonitorThresholds, kind: str, year: int) -> date:
    """When the ``kind`` disclosure of ``year`` is due: 预算 that year, 决算 the next."""
    month, day = (settings.budget_deadline if kind == "budget" else settings.final_deadline).split(
        "-"
    )
    return date(year if kind == "budget" else year + 1, int(month), int(day))


def latest_due_year(settings: MonitorThresholds, kind: str, now: datetime) -> int:
    """The latest year whose ``kind`` disclosure is overdue at ``now``."""
    year = now.year + 1
    while deadline(settings, kind, year) >= now.date():
        year -= 1
    return year


def current(regions: Any = None) -> Any:
    """(region, department, year, kind) with a current-version disclosure, maybe of some regions."""
    d = DisclosureRow
    query = (
        select(d.region, d.department, d.year, d.kind, func.max(Document.source).label("source"))
        .join(DocumentVersion, DocumentVersion.id == d.document_version_id)
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(
            DocumentVersion.sha256 == Document.sha256,
            d.region.is_not(None),
            d.department.is_not(None),
            d.year.is_not(None),
            d.kind.is_not(None),
        )
        .group_by(d.region, d.department, d.year, d.kind)
    )
    if regions is not None:
        query = query.where(d.region.in_(regions))
    return query.cte("current_disclosures")


class MissingDisclosureRule:
    """Departments silent after the deadline while their region published that year."""

    name = "missing_disclosure"

    def find(self, ctx: RuleContext) -> Iterator[AlertCandidate]:
        """One alert per department, year and kind that is overdue."""
        for row in ctx.execute(self.query(ctx)):
            yield self.alert(ctx, row)

    def query(self, ctx: RuleContext) -> Any:
        """Disclosures whose next year is absent (LEAD), where the region has that year's."""
        table = ctx.scope.table
        scoped = self.scoped(ctx) and table is not None
        # Scoped, only the scope's regions are read: an index lookup, not a pass over all.
        cur = current(select(table.c.region).distinct() if scoped and table is not None else None)
        following = func.lead(cur.c.year).over(
            partition_by=(cur.c.region, cur.c.department, cur.c.kind), order_by=cur.c.year
        )
        last = select(cur, following.label("next_year")).subquery("last")
        # A region with nothing that year is a crawl gap, not a silent department.
        published = select(cur.c.region, cur.c.kind, cur.c.year).distinct().subquery("published")
        due = or_(
            *[
                and_(
                    last.c.kind == kind,
                    last.c.year + 1 <= latest_due_year(ctx.settings, kind, ctx.now),
                )
                for kind in ("budget", "final")
            ]
        )
        query = (
            select(last)
            .join(
                published,
                and_(
                    published.c.region == last.c.region,
                    published.c.kind == last.c.kind,
                    published.c.year == last.c.year + 1,
                ),
            )
            .where(due, or_(last.c.next_year.is_(None), last.c.next_year != last.c.year + 1))
        )
        if scoped and table is not None:
            query = query.join(
                table, and_(table.c.region == last.c.region, table.c.year == last.c.year + 1)
            )
        return query.order_by(last.c.region, last.c.department, last.c.year, last.c.kind)

    @staticmethod
    def scoped(ctx: RuleContext) -> bool:
        """Whether only the scope needs looking at: no deadline passed since the last run."""
        since = ctx.scope.since
        if ctx.scope.full or since is None:
            return False
        return all(
            latest_due_year(ctx.settings, kind, since)
            == latest_due_year(ctx.settings, kind, ctx.now)
            for kind in ("budget", "final")
        )

    def alert(self, ctx: RuleContext, row: Any) -> AlertCandidate:
        """The alert for one overdue disclosure."""
        year = row.year + 1
        s = Subject(row.region, row.department, year, row.kind)
        due = deadline(ctx.settings, row.kind, year)
        word = kind_word(row.kind)
        message = (
            f"{subject(s.region, s.department)}已公开{row.year}年部门{word}，但截至"
            f"{due:%Y年%m月%d日}（公开期限）仍未发现{year}年部门{word}，请核实是否按时公开。"
        )
        figures = {"last_disclosed_year": row.year, "deadline": due.isoformat()}
        evidence = [{"source": row.source, "text": f"{row.year}年部门{word}（上一年度已公开）"}]
        return candidate(self.name, "warning", s, None, message, figures, evidence)
