"""Figures from the standard disclosure tables (PDF, Excel, Word, flattened text)."""

from __future__ import annotations

from extract.fields import DocumentFields
from extract.model import Figure, RawDocument


def table_figures(doc: RawDocument, fields: DocumentFields) -> list[Figure]:
    """Every figure read from the document's standard tables, best candidate first per metric."""
    return []
