"""document_quality: placeholders, stale years, a blank 三公 table, a listed table absent.

Two sources: the notes extraction kept for each document (``document_notes``,
from ``extract.quality``, which sees the document's structure), and the stored
sentences, table titles and performance targets (documents extracted before
notes existed, or stored by other means).  One alert per document and problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, and_, cast, literal, or_, select

from monitor.context import RuleContext, Subject, candidate, figure_evidence, subject_of
from monitor.wording import kind_word, subject
from storage.models import (
    DisclosureRow,
    Document,
    DocumentNoteRow,
    DocumentVersion,
    FigureRow,
    TargetRow,
)
from storage.monitoring import AlertCandidate

PLACEHOLDER = re.compile(r"XX|ＸＸ|××|某某")
AS_OF = re.compile(r"截至(\d{4})年")
TITLE_YEAR = re.compile(r"(\d{4})年")
PLACEHOLDER_LIKES = ["%XX%", "%ＸＸ%", "%××%", "%某某%"]
WHAT = {
    "placeholder": "含有未替换的占位符",
    "wrong_year": "出现与文件年度不符的年份",
    "blank_three_public_table": "“三公”经费表为空表，而文字说明列有“三公”经费数",
    "missing_table": "目录列出的公开表未见于文件",
}
ADVICE = {
    "placeholder": "疑为套用模板未修改，请核对并更正。",
    "wrong_year": "疑为套用模板未修改，请核对并更正。",
    "blank_three_public_table": "请核实是否漏填并补充公开。",
    "missing_table": "请核实是否漏公开。",
}
# Template leftovers are a hint when alone, a sloppy document when several.
SEVERAL = 3
STRUCTURAL = {"blank_three_public_table", "missing_table"}


def as_of_years(year: int, kind: str | None) -> set[int]:
    """Years a '截至…年' may name: a 预算 cites last year's end, a 决算 its own year."""
    return {year - 1, year} if kind == "budget" else {year, year + 1}


@dataclass
class Finding:
    """One problem of one document: where it shows, in as many places as it does."""

    subject: Subject
    problem: str
    details: list[str] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)

    def add(self, detail: str, evidence: dict[str, Any]) -> None:
        """One more place showing the problem (the same text twice counts once)."""
        if detail not in self.details:
            self.details.append(detail)
            self.evidence.append(evidence)


class DocumentQualityRule:
    """Template leftovers and structural gaps a reader notices at once."""

    name = "document_quality"

    def find(self, ctx: RuleContext) -> Iterator[AlertCandidate]:
        """At most one alert per disclosure and problem."""
        found: dict[tuple[int, str], Finding] = {}

        def finding(row: Any, disclosure_id: int, problem: str) -> Finding:
            key = (disclosure_id, problem)
            return found.setdefault(key, Finding(subject_of(row), problem))

        for row in ctx.execute(self.note_query(ctx)):
            note = row.DocumentNoteRow
            evidence = {"source": row.source, "page": note.page, "text": note.evidence}
            quote = note.detail if note.kind in STRUCTURAL else note.evidence or note.detail
            finding(row, note.disclosure_id, note.kind).add(
                quote, {k: v for k, v in evidence.items() if v is not None}
            )
        # Where extraction left notes of a kind, they saw the whole text: the sentences
        # below would only count the same places twice.
        noted = set(found)
        for row in ctx.execute(self.figure_query(ctx)):
            for problem, detail in self.problems(row):
                if (row.FigureRow.disclosure_id, problem) not in noted:
                    evidence = figure_evidence(row.FigureRow, row.source)
                    finding(row, row.FigureRow.disclosure_id, problem).add(detail, evidence)
        for row in ctx.execute(self.target_query(ctx)):
            target = row.TargetRow
            text = " ".join([target.project, target.level3, target.description, target.value])
            if PLACEHOLDER.search(text) and (target.disclosure_id, "placeholder") not in noted:
                evidence = {"page": target.page, "text": text.strip(), "table": "绩效目标表"}
                finding(row, target.disclosure_id, "placeholder").add(text.strip(), evidence)
        for item in found.values():
            yield self.alert(item)

    @staticmethod
    def note_query(ctx: RuleContext) -> Any:
        """The notes extraction kept for the sheet's disclosures."""
        c = ctx.sheet.c
        return (
            select(DocumentNoteRow, Document.source, c.region, c.department, c.year, c.kind)
            .join(ctx.sheet, c.id == DocumentNoteRow.disclosure_id)
            .where(ctx.in_sheet(DocumentNoteRow.disclosure_id))
            .join(DisclosureRow, DisclosureRow.id == DocumentNoteRow.disclosure_id)
            .join(DocumentVersion, DocumentVersion.id == DisclosureRow.document_version_id)
            .join(Document, Document.id == DocumentVersion.document_id)
            .order_by(DocumentNoteRow.id)
        )

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

    def alert(self, item: Finding) -> AlertCandidate:
        """The alert for one problem of one document, quoting where it shows first."""
        s, problem, count = item.subject, item.problem, len(item.details)
        several = count >= SEVERAL
        severity = "warning" if problem in STRUCTURAL or several else "info"
        quote = f"“{item.details[0][:60]}”"
        where = f"（共{count}处，如{quote}）" if count > 1 else f"（{quote}）"
        message = (
            f"{subject(s.region, s.department)}{s.year}年{kind_word(s.kind)}{WHAT[problem]}"
            f"{where}，{ADVICE[problem]}"
        )
        figures = {"count": count, "details": item.details[:10]}
        return candidate(self.name, severity, s, problem, message, figures, item.evidence[:10])
