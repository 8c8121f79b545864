"""What every rule receives: the session, the sheet, the scope, thresholds, the clock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BindParameter, Select, Table, literal, select, true
from sqlalchemy.orm import Session

from monitor.scope import Scope
from monitor.thresholds import MonitorThresholds
from monitor.wording import yuan_text
from storage.models import DisclosureRow, Document, DocumentVersion, FigureRow, Money
from storage.monitoring import AlertCandidate

CHUNK = 500  # ids per IN (...) list: far below every database's parameter limit


@dataclass(frozen=True)
class Subject:
    """Whose disclosure a finding is about."""

    region: str | None
    department: str | None
    year: int | None
    kind: str | None


@dataclass(frozen=True)
class RuleContext:
    """Everything a rule may read; rules only read, evaluate() writes the alerts."""

    session: Session
    sheet: Table
    scope: Scope
    settings: MonitorThresholds
    now: datetime

    def money(self, value: Decimal | int) -> BindParameter[Decimal]:
        """A yuan amount bound the way the database stores money (fen on SQLite)."""
        return literal(Decimal(value), Money)

    def in_sheet(self, column: Any) -> Any:
        """A filter on a disclosure id column; on a small incremental sheet it drives an index lookup."""
        if self.scope.full:
            return true()  # a full pass reads every figure anyway: scanning is right
        return column.in_(select(self.sheet.c.id))

    def sheet_figures(self) -> Select[Any]:
        """Figures of the disclosures in this pass, with their document source and subject."""
        sheet = self.sheet
        return (
            select(
                FigureRow,
                Document.source,
                sheet.c.region,
                sheet.c.department,
                sheet.c.year,
                sheet.c.kind,
            )
            .join(sheet, sheet.c.id == FigureRow.disclosure_id)
            .where(self.in_sheet(FigureRow.disclosure_id))
            .join(DisclosureRow, DisclosureRow.id == FigureRow.disclosure_id)
            .join(DocumentVersion, DocumentVersion.id == DisclosureRow.document_version_id)
            .join(Document, Document.id == DocumentVersion.document_id)
        )

    def execute(self, statement: Any) -> list[Any]:
        """Run a query in the session (its transaction's connection holds the temporary tables)."""
        return list(self.session.execute(statement).all())

    def evidence(self, wanted: Iterable[tuple[int, str]]) -> dict[tuple[int, str], dict[str, Any]]:
        """The chosen figure of each (disclosure id, metric), as evidence for an alert."""
        wanted = {key for key in wanted if key[0] is not None}
        ids = sorted({disclosure_id for disclosure_id, _ in wanted})
        found: dict[tuple[int, str], dict[str, Any]] = {}
        for start in range(0, len(ids), CHUNK):
            query = (
                select(FigureRow, Document.source)
                .join(DisclosureRow, DisclosureRow.id == FigureRow.disclosure_id)
                .join(DocumentVersion, DocumentVersion.id == DisclosureRow.document_version_id)
                .join(Document, Document.id == DocumentVersion.document_id)
                .where(FigureRow.disclosure_id.in_(ids[start : start + CHUNK]), FigureRow.chosen)
                .order_by(FigureRow.id)
            )
            for figure, source in self.session.execute(query):
                key = (figure.disclosure_id, figure.metric)
                if key in wanted and key not in found:
                    found[key] = figure_evidence(figure, source)
        return found


def figure_evidence(figure: FigureRow, source: str) -> dict[str, Any]:
    """One figure's evidence: where it is, and the sentence or table cell it was read from."""
    item = {
        "source": source,
        "page": figure.page,
        "metric": figure.metric,
        "value": yuan_text(figure.value),
        "unit": figure.unit,
        "raw": figure.raw,
        "text": figure.evidence_text,
        "origin": figure.origin,
        "table": figure.table_title,
        "cell": figure.cell,
    }
    return {key: value for key, value in item.items() if value is not None}


def candidate(
    rule: str,
    severity: str,
    subject: Subject,
    metric: str | None,
    message: str,
    figures: Mapping[str, Any],
    evidence: Iterable[dict[str, Any] | None] = (),
) -> AlertCandidate:
    """An alert candidate; Decimal figures become exact strings, missing evidence is left out."""
    plain = {k: yuan_text(v) if isinstance(v, Decimal) else v for k, v in figures.items()}
    return AlertCandidate(
        rule=rule,
        severity=severity,
        region=subject.region,
        department=subject.department,
        year=subject.year,
        kind=subject.kind,
        metric=metric,
        message=message,
        figures=plain,
        evidence=tuple(item for item in evidence if item),
    )


def subject_of(row: Any) -> Subject:
    """The subject of a sheet row (anything with region, department, year, kind)."""
    return Subject(row.region, row.department, row.year, row.kind)
