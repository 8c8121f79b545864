"""Figures stated in sentences (jieba-assisted)."""

from __future__ import annotations

from extract.fields import DocumentFields
from extract.model import Figure, RawDocument


def narrative_figures(doc: RawDocument, fields: DocumentFields) -> list[Figure]:
    """Every figure the document's sentences state, best candidate first per metric."""
    return []
