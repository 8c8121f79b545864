"""Document-level fields: region, department, fiscal year, budget or final."""

from __future__ import annotations

from dataclasses import dataclass

from extract.model import Kind, RawDocument


@dataclass(frozen=True)
class DocumentFields:
    region: str | None
    department: str | None
    year: int | None
    kind: Kind | None


def document_fields(doc: RawDocument) -> DocumentFields:
    """Find region, department, year and kind from the title and opening text."""
    return DocumentFields(region=None, department=None, year=None, kind=None)
