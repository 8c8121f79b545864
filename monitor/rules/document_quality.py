"""document_quality: placeholders left in (XX, ××, 某某) and years that are not the document's.

What the stored data allows: the sentences and table titles figures were read
from, and the performance-target rows.  A blank 三公 table beside narrative
三公 figures and a listed-but-absent table need the document's structure,
which storage does not keep yet.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy import String, and_, cast, literal, or_, select

from monitor.context import RuleContext, candidate, figure_evidence, subject_of
from monitor.wording import kind_word, subject
from storage.models import DisclosureRow, Document, DocumentVersion, FigureRow, TargetRow
from storage.monitoring import AlertCandidate

PLACEHOLDER = re.compile(r"XX|ＸＸ|××|某某")
AS_OF = re.compile(r"截至(\d{4})年")
TITLE_YEAR = re.compile(r"(\d{4})年")
PLACEHOLDER_LIKES = ["%XX%", "%ＸＸ%", "%××%", "%某某%"]


def as_of_years(year: int, kind: str | None) -> set[int]:
    """Years a '截至…年' may name: a 预算 cites last year's end, a 决算 its own year."""
    return {year - 1, year} if kind == "budget" else {year, year + 1}


class DocumentQualityRule:
    """Template leftovers a reader notices at once: placeholders and stale years."""

    name = "document_quality"

    def find(self, ctx: RuleContext) -> Iterator[AlertCandidate]:
        """At most one alert per disclosure and problem."""
        found: dict[tuple[int, str], AlertCandidate] = {}
        for row in ctx.execute(self.figure_query(ctx)):
            for problem, detail in self.problems(row):
                key = (row.FigureRow.disclosure_id, problem)
                evidence = [figure_evidence(row.FigureRow, row.source)]
                found.setdefault(key, self.alert(row, problem, detail, evidence))
        for row in ctx.execute(self.target_query(ctx)):
            target = row.TargetRow
            text = " ".join([target.project, target.level3, target.description, target.value])
            if PLACEHOLDER.search(text):
                evidence = [{"page": target.page, "text": text.strip(), "table": "绩效目标表"}]
                key = (target.disclosure_id, "placeholder")
                found.setdefault(key, self.alert(row, "placeholder", text.strip(), evidence))
        yield from found.values()

    @staticmethod
    def figure_query(ctx: RuleContext) -> Any:
        """Figures whose sentence or table title may hold a placeholder or a year."""
        c = ctx.sheet.c
        text = FigureRow.evidence_text
        suspicious: list[Any] = [text.like(p) for p in PLACEHOLDER_LIKES]

        def year_like(prefix: str, shift: int) -> Any:
            return literal(f"%{prefix}") + cast(c.year + shift, String) + literal("年%")

        # Only sentences and titles naming a year other than the document's come back.
        suspicious += [
            and_(text.like("%截至%"), *[text.not_like(year_like("截至", d)) for d in (-1, 0, 1)]),
            and_(
                FigureRow.table_title.like("%年%"), FigureRow.table_title.not_like(year_like("", 0))
            ),
        ]
        return (
            select(FigureRow, Document.source, c.region, c.department, c.year, c.kind)
            .join(ctx.sheet, c.id == FigureRow.disclosure_id)
            .where(ctx.in_sheet(FigureRow.disclosure_id))
            .join(DisclosureRow, DisclosureRow.id == FigureRow.disclosure_id)
            .join(DocumentVersion, DocumentVersion.id == DisclosureRow.document_version_id)
            .join(Document, Document.id == DocumentVersion.document_id)
            .where(or_(*suspicious))
            .order_by(FigureRow.id)
        )

    @staticmethod
    def target_query(ctx: RuleContext) -> Any:
        """Performance targets that may hold a placeholder."""
        c = ctx.sheet.c
        columns = [TargetRow.project, TargetRow.level3, TargetRow.description, TargetRow.value]
        return (
            select(TargetRow, c.region, c.department, c.year, c.kind)
            .join(ctx.sheet, c.id == TargetRow.disclosure_id)
            .where(ctx.in_sheet(TargetRow.disclosure_id))
            .where(or_(*[col.like(p) for col in columns for p in PLACEHOLDER_LIKES]))
            .order_by(TargetRow.id)
        )

    @staticmethod
    def problems(row: Any) -> Iterator[tuple[str, str]]:
        """(problem, the text showing it) found in one figure's evidence."""
        figure, year = row.FigureRow, row.year
        if PLACEHOLDER.search(figure.evidence_text):
            yield "placeholder", figure.evidence_text
        if year is None:
            return
        stale = [
            int(y)
            for y in AS_OF.findall(figure.evidence_text)
            if int(y) not in as_of_years(year, row.kind)
        ]
        title_years = [int(y) for y in TITLE_YEAR.findall(figure.table_title or "")]
        if stale:
            yield "wrong_year", figure.evidence_text
        elif title_years and year not in title_years:
            yield "wrong_year", figure.table_title

    def alert(
        self, row: Any, problem: str, detail: str, evidence: list[dict[str, Any]]
    ) -> AlertCandidate:
        """The alert for one problem in one document."""
        s = subject_of(row)
        what = (
            "含有未替换的占位符"
            if problem == "placeholder"
            else f"出现与文件年度（{s.year}年）不符的年份"
        )
        message = (
            f"{subject(s.region, s.department)}{s.year}年{kind_word(s.kind)}{what}"
            f"（“{detail[:60]}”），疑为套用模板未修改，请核对并更正。"
        )
        return candidate(self.name, "warning", s, problem, message, {"text": detail}, evidence)
