"""Crawler-side queries over the storage models that ``storage.repository`` does not offer (yet)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storage import repository
from storage.db import session_factory
from storage.models import Document, DocumentVersion


@dataclass(frozen=True)
class KnownVersion:
    """The current bytes of a document as stored: digest, HTTP validators, stored copy."""

    sha256: str
    etag: str | None
    last_modified: str | None
    store_path: str | None


def known_versions(database_url: str) -> dict[str, KnownVersion]:
    """Every document's current version by URL, for conditional requests."""
    factory = session_factory(database_url)
    query = (
        select(Document.source, DocumentVersion)
        .join(DocumentVersion, DocumentVersion.document_id == Document.id)
        .where(DocumentVersion.sha256 == Document.sha256)
    )
    with factory() as session:
        rows = session.execute(query).all()
    factory.kw["bind"].dispose()
    return {
        source: KnownVersion(v.sha256, v.etag, v.last_modified, v.store_path) for source, v in rows
    }


def current_versions(session: Session, sources: Sequence[str]) -> dict[str, DocumentVersion]:
    """The current version of each of ``sources`` that has one, with its disclosure loaded."""
    if not sources:
        return {}
    query = (
        select(Document.source, DocumentVersion)
        .join(DocumentVersion, DocumentVersion.document_id == Document.id)
        .where(Document.source.in_(sources), DocumentVersion.sha256 == Document.sha256)
        .options(selectinload(DocumentVersion.disclosure))
    )
    return {source: version for source, version in session.execute(query).tuples()}


def record_extraction_error(session: Session, source: str, error: str) -> None:
    """Keep an extraction failure on the document row; its fetch still succeeded."""
    document = repository.get_document(session, source)
    if document is not None:
        document.error = f"extraction failed: {error}"
        session.flush()
