"""Recording a crawl's fetches in batches: documents, their versions, their last status.

``repository.record_document`` and ``record_failure`` record one fetch through the
ORM, a query and a flush each.  A crawl records thousands of fetches, in the crawl
process, on the thread that shares its interpreter lock with Scrapy's event loop;
there the ORM's per-object work showed as a third of the crawl's time.  This module
records a whole batch with a handful of set-based statements instead, with the same
outcome as recording the fetches one by one in order:

- a fetch of new bytes adds a version; the old versions stay;
- the same bytes again only move ``last_seen`` and refresh the HTTP validators;
- a 304 (``unchanged``) keeps the current bytes and counts as a success;
- a failure keeps the versions, sets the status and error, counts consecutive failures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from storage.errors import InputError
from storage.models import DisclosureRow, Document, DocumentStatus, DocumentVersion
from storage.repository import SHA256

DOCUMENTS: Table = Document.__table__  # type: ignore[assignment]
VERSIONS: Table = DocumentVersion.__table__  # type: ignore[assignment]
DISCLOSURES: Table = DisclosureRow.__table__  # type: ignore[assignment]
# The document columns a fetch may change (an UPDATE writes them all, one shape for all rows).
DOCUMENT_FIELDS = (
    "title", "referrer", "published_date", "content_type", "size", "sha256", "last_seen",
    "status", "error", "failures",
)  # fmt: skip
VERSION_FIELDS = ("etag", "last_modified", "store_path")


@dataclass(frozen=True)
class Fetch:
    """One fetch of a document, as the crawler saw it.

    ``kind`` is ``fetched`` (bytes came: ``sha256``, ``size`` and ``store_path`` are set),
    ``unchanged`` (an HTTP 304: the current bytes still hold) or ``failed`` (``status``
    says how, ``error`` says what).
    """

    source: str
    kind: Literal["fetched", "unchanged", "failed"]
    sha256: str | None = None
    size: int | None = None
    content_type: str | None = None
    store_path: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    title: str | None = None
    referrer: str | None = None
    published_date: date | None = None
    status: DocumentStatus = DocumentStatus.OK
    error: str | None = None


@dataclass(frozen=True)
class FetchRecord:
    """What recording one fetch did.

    ``result`` is ``new`` (first bytes of the document), ``changed`` (other bytes than
    before), ``unchanged`` (the same bytes, or a 304) or ``failed`` (a failure, or a 304
    for a document with no stored bytes).  ``pending`` is the stored file of the current
    version when no disclosure has been extracted from it yet.
    """

    result: str
    pending: str | None = None


@dataclass
class _Version:
    id: int | None  # None until inserted
    sha256: str
    size: int
    content_type: str | None
    fetched_at: datetime
    etag: str | None
    last_modified: str | None
    store_path: str | None
    extracted: bool
    dirty: bool = False


@dataclass
class _Document:
    id: int | None  # None until inserted
    row: dict[str, Any]
    versions: dict[str, _Version] = field(default_factory=dict)
    dirty: bool = False


def record_fetches(
    session: Session, fetches: Sequence[Fetch], seen_at: datetime
) -> list[FetchRecord]:
    """Record ``fetches`` in order (the caller owns the transaction); one record each."""
    if seen_at.tzinfo is None or seen_at.utcoffset() is None:
        raise InputError(f"seen_at must be timezone-aware, got {seen_at.isoformat()}")
    for fetch in fetches:
        if fetch.kind == "fetched" and not SHA256.fullmatch(fetch.sha256 or ""):
            raise InputError(f"{fetch.source}: sha256 must be 64 hex digits, got {fetch.sha256!r}")
    known = _load(session, list(dict.fromkeys(f.source for f in fetches)))
    records = [_apply(known, fetch, seen_at) for fetch in fetches]
    _write(session, known)
    return records


def _load(session: Session, sources: list[str]) -> dict[str, _Document]:
    """The stored documents among ``sources`` with their versions (and whether extracted)."""
    known: dict[str, _Document] = {}
    if not sources:
        return known
    rows = session.execute(select(DOCUMENTS).where(DOCUMENTS.c.source.in_(sources)))
    by_id: dict[int, _Document] = {}
    for row in rows.mappings():
        document = _Document(row["id"], {name: row[name] for name in DOCUMENT_FIELDS})
        known[row["source"]] = by_id[row["id"]] = document
    if not by_id:
        return known
    extracted = (
        select(DISCLOSURES.c.id)
        .where(DISCLOSURES.c.document_version_id == VERSIONS.c.id)
        .exists()
        .label("extracted")
    )
    query = select(VERSIONS, extracted).where(VERSIONS.c.document_id.in_(list(by_id)))
    for row in session.execute(query).mappings():
        by_id[row["document_id"]].versions[row["sha256"]] = _Version(
            row["id"], row["sha256"], row["size"], row["content_type"], row["fetched_at"],
            row["etag"], row["last_modified"], row["store_path"], bool(row["extracted"]),
        )  # fmt: skip
    return known


def _apply(known: dict[str, _Document], fetch: Fetch, seen_at: datetime) -> FetchRecord:
    """Apply one fetch to the loaded state (written later by ``_write``)."""
    document = known.get(fetch.source)
    if fetch.kind == "unchanged" and (document is None or document.row["sha256"] is None):
        return FetchRecord("failed")  # a 304 for bytes we never stored: nothing to keep
    if document is None:
        row = dict.fromkeys(DOCUMENT_FIELDS) | {"first_seen": seen_at, "failures": 0}
        document = known[fetch.source] = _Document(None, row)
    row, document.dirty = document.row, True
    # Out-of-order reports (a slow retry) must not move last_seen backwards.
    row["last_seen"] = max(row["last_seen"] or seen_at, seen_at)
    if fetch.kind == "failed":
        row["status"], row["error"] = str(fetch.status), fetch.error
        row["failures"] = (row["failures"] or 0) + 1
        row["title"] = row["title"] or fetch.title
        row["referrer"] = row["referrer"] or fetch.referrer
        return FetchRecord("failed")
    before = row["sha256"]
    if fetch.kind == "unchanged":
        version = document.versions[before]  # the current bytes (a 304 of none failed above)
    else:
        assert fetch.sha256 is not None and fetch.size is not None
        version = _version_for(document, fetch, seen_at)
        row["sha256"], row["size"], row["content_type"] = (
            version.sha256,
            fetch.size,
            fetch.content_type,
        )
        for name in ("title", "referrer", "published_date"):
            value = getattr(fetch, name)
            row[name] = value if value is not None else row[name]
    row["status"], row["error"], row["failures"] = DocumentStatus.OK.value, None, 0
    result = "new" if before is None else "unchanged" if before == row["sha256"] else "changed"
    pending = None if version.extracted else version.store_path
    return FetchRecord(result, pending)


def _version_for(document: _Document, fetch: Fetch, seen_at: datetime) -> _Version:
    """The version of the fetched bytes, new or known, with the fetch's validators."""
    assert fetch.sha256 is not None and fetch.size is not None
    digest = fetch.sha256.lower()
    version = document.versions.get(digest)
    if version is None:
        version = document.versions[digest] = _Version(
            None, digest, fetch.size, fetch.content_type, seen_at, None, None, None, False
        )
    # Validators and the stored copy may change without the bytes changing.
    for name in VERSION_FIELDS:
        value = getattr(fetch, name)
        if value is not None and value != getattr(version, name):
            setattr(version, name, value)
            version.dirty = True
    return version


def _write(session: Session, known: dict[str, _Document]) -> None:
    """Insert the new documents and versions, update the changed ones: a few statements."""
    new = [(source, d) for source, d in known.items() if d.id is None]
    changed = [d for d in known.values() if d.dirty and d.id is not None]
    if new:
        rows = [{"source": source, **d.row} for source, d in new]
        insert_documents = insert(DOCUMENTS).returning(DOCUMENTS.c.id, sort_by_parameter_order=True)
        ids = session.execute(insert_documents, rows).scalars().all()
        for (_, document), new_id in zip(new, ids, strict=True):
            document.id = new_id
    if changed:
        values: dict[str, Any] = {name: bindparam(f"v_{name}") for name in DOCUMENT_FIELDS}
        statement = update(DOCUMENTS).where(DOCUMENTS.c.id == bindparam("v_id")).values(values)
        params = [
            {"v_id": d.id, **{f"v_{name}": d.row[name] for name in DOCUMENT_FIELDS}}
            for d in changed
        ]
        session.connection().execute(statement, params)
    new_versions = [
        {
            "document_id": d.id,
            "sha256": v.sha256,
            "size": v.size,
            "content_type": v.content_type,
            "fetched_at": v.fetched_at,
            "etag": v.etag,
            "last_modified": v.last_modified,
            "store_path": v.store_path,
        }  # fmt: skip
        for d in known.values()
        for v in d.versions.values()
        if v.id is None
    ]
    if new_versions:
        session.execute(insert(VERSIONS), new_versions)
    dirty_versions = [
        {"v_id": v.id, **{f"v_{name}": getattr(v, name) for name in VERSION_FIELDS}}
        for d in known.values()
        for v in d.versions.values()
        if v.id is not None and v.dirty
    ]
    if dirty_versions:
        columns: dict[str, Any] = {name: bindparam(f"v_{name}") for name in VERSION_FIELDS}
        statement = update(VERSIONS).where(VERSIONS.c.id == bindparam("v_id")).values(columns)
        session.connection().execute(statement, dirty_versions)
