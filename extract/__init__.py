"""extract: turn a disclosure file into a ``Disclosure`` with exact figures in yuan.

Entry point: ``extract_file(path) -> Disclosure``.  The steps are plain
functions over plain data: read → fields → narrative + tables → resolve,
plus the performance targets.
"""

from __future__ import annotations

from pathlib import Path

from extract.fields import document_fields
from extract.model import Disclosure, RawDocument
from extract.narrative import narrative_figures
from extract.quality import quality_notes
from extract.readers import read_document
from extract.resolve import resolve
from extract.tables import table_figures
from extract.targets import performance_targets

__all__ = ["extract_document", "extract_file"]


def extract_document(doc: RawDocument) -> Disclosure:
    """Parse an already-read document."""
    fields = document_fields(doc)
    narrative = narrative_figures(doc, fields)
    table = table_figures(doc, fields)
    figures, conflicts = resolve(narrative, table)
    return Disclosure(
        source=doc.source,
        format=doc.format,
        region=fields.region,
        department=fields.department,
        year=fields.year,
        kind=fields.kind,
        figures=figures,
        candidates=tuple(narrative + table),
        conflicts=tuple(conflicts),
        targets=tuple(performance_targets(doc)),
        pages=len(doc.pages),
        warnings=doc.warnings,
        notes=tuple(quality_notes(doc, fields, narrative)),
    )


def extract_file(path: Path | str, source: str | None = None) -> Disclosure:
    """Read and parse one file (any supported format) into a Disclosure."""
    path = Path(path)
    return extract_document(read_document(path, source if source is not None else str(path)))
