"""The queries budgetwatch needs, named after what they mean for the domain.

Functions add and flush but never commit: the caller owns the transaction
(one per crawled document, or per monitor run).  Disclosures are accepted
duck-typed, so storage needs ``extract`` only for type checking.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, aliased, contains_eager, joinedload, selectinload

from storage.errors import InputError
from storage.models import (
    DisclosureRow,
    Document,
    DocumentNoteRow,
    DocumentStatus,
    DocumentVersion,
    FigureRow,
    TargetRow,
    check_money,
)

if TYPE_CHECKING:
    from extract.model import Disclosure, Figure, QualityNote, Target

SHA256 = re.compile(r"[0-9a-f]{64}")
KINDS = (None, "budget", "final")
ORIGINS = ("narrative", "table")
TARGET_COLUMNS = (
    "project",
    "level1",
    "level2",
    "level3",
    "description",
    "comparator",
    "value",
    "unit",
    "basis",
    "page",
)
NOTE_COLUMNS = ("kind", "detail", "page", "evidence")


def _aware(moment: datetime, name: str) -> datetime:
    """Return ``moment`` if it carries a timezone; naive times are ambiguous."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InputError(f"{name} must be timezone-aware, got {moment.isoformat()}")
    return moment


def get_document(session: Session, source: str) -> Document | None:
    """The document fetched from ``source``, if budgetwatch has seen it."""
    return session.scalars(select(Document).where(Document.source == source)).one_or_none()


def _document(session: Session, source: str, seen_at: datetime) -> Document:
    """The document for ``source``, created on first sight, with ``last_seen`` moved forward."""
    document = get_document(session, source)
    if document is None:
        document = Document(source=source, first_seen=seen_at, last_seen=seen_at)
        session.add(document)
    # Out-of-order reports (a slow retry) must not move last_seen backwards.
    document.last_seen = max(document.last_seen, seen_at)
    return document


def record_document(
    session: Session,
    source: str,
    sha256: str,
    size: int,
    content_type: str | None,
    seen_at: datetime,
    *,
    title: str | None = None,
    referrer: str | None = None,
    published_date: date | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    store_path: str | None = None,
) -> DocumentVersion:
    """Record a successful fetch of ``source``; new bytes become a new version, old ones stay."""
    _aware(seen_at, "seen_at")
    digest = sha256.lower()
    if not SHA256.fullmatch(digest):
        raise InputError(f"{source}: sha256 must be 64 hex digits, got {sha256!r}")
    document = _document(session, source, seen_at)
    version = next((v for v in document.versions if v.sha256 == digest), None)
    if version is None:
        # disclosure=None: new bytes have none yet, and readers need not query to learn that.
        version = DocumentVersion(
            sha256=digest, size=size, content_type=content_type, fetched_at=seen_at, disclosure=None
        )
        document.versions.append(version)
    # Validators and the stored copy may change without the bytes changing.
    version.etag = etag if etag is not None else version.etag
    version.last_modified = last_modified if last_modified is not None else version.last_modified
    version.store_path = store_path if store_path is not None else version.store_path
    document.sha256, document.size, document.content_type = digest, size, content_type
    document.title = title if title is not None else document.title
    document.referrer = referrer if referrer is not None else document.referrer
    if published_date is not None:
        document.published_date = published_date
    document.status, document.error, document.failures = DocumentStatus.OK.value, None, 0
    session.flush()
    return version


def record_failure(
    session: Session,
    source: str,
    error: str,
    seen_at: datetime,
    *,
    status: DocumentStatus | str = DocumentStatus.FAILED,
) -> Document:
    """Record that fetching ``source`` failed; versions already stored are kept for retry."""
    _aware(seen_at, "seen_at")
    failures = [s.value for s in DocumentStatus if s is not DocumentStatus.OK]
    if str(status) not in failures:
        raise InputError(f"{source}: failure status must be one of {failures}, got {status!r}")
    document = _document(session, source, seen_at)
    document.status, document.error = str(status), error
    document.failures = (document.failures or 0) + 1
    session.flush()
    return document


def list_documents(session: Session, status: DocumentStatus | str | None = None) -> list[Document]:
    """Every known document in discovery order, optionally only those with ``status``."""
    query = select(Document).order_by(Document.first_seen, Document.id)
    if status is not None:
        query = query.where(Document.status == DocumentStatus(status).value)
    return list(session.scalars(query))


def changed_versions(session: Session, since: datetime) -> list[DocumentVersion]:
    """Versions fetched at or after ``since`` that replaced earlier bytes of their document."""
    _aware(since, "since")
    earlier = aliased(DocumentVersion)
    first = (
        select(earlier.id)
        .where(earlier.document_id == DocumentVersion.document_id)
        .order_by(earlier.fetched_at, earlier.id)
        .limit(1)
        .scalar_subquery()
    )
    query = (
        select(DocumentVersion)
        .where(DocumentVersion.fetched_at >= since, DocumentVersion.id != first)
        .options(joinedload(DocumentVersion.document))
        .order_by(DocumentVersion.fetched_at, DocumentVersion.id)
    )
    return list(session.scalars(query))


def _figure_fields(figure: Figure, *, chosen: bool, conflict: bool) -> dict[str, Any]:
    """The column values of one figure row."""
    evidence = figure.evidence
    if evidence.origin not in ORIGINS:
        raise InputError(f"figure {figure.metric}: origin must be one of {ORIGINS}")
    try:
        value = check_money(figure.value)
    except ValueError as error:
        raise InputError(f"figure {figure.metric}: {error}") from error
    return {
        "metric": figure.metric,
        "value": value,
        "unit": figure.unit,
        "raw": figure.raw,
        "evidence_text": evidence.text,
        "page": evidence.page,
        "offset": evidence.offset,
        "origin": evidence.origin,
        "table_title": evidence.table,
        "cell": evidence.cell,
        "chosen": chosen,
        "conflict": conflict,
    }


def _figure_plan(disclosure: Disclosure) -> list[dict[str, Any]]:
    """One row per candidate, the chosen value per metric marked, conflicts flagged."""
    conflicting = [side for c in disclosure.conflicts for side in (c.chosen, c.other)]
    figures: list[Figure] = list(disclosure.candidates)
    # Chosen values and conflict sides normally are candidates too; never lose one that isn't.
    for figure in [*disclosure.figures.values(), *conflicting]:
        if figure not in figures:
            figures.append(figure)
    unmarked = dict(disclosure.figures)
    rows = []
    for figure in figures:
        chosen = unmarked.get(figure.metric) == figure
        if chosen:
            del unmarked[figure.metric]  # a repeated candidate is chosen only once
        rows.append(_figure_fields(figure, chosen=chosen, conflict=figure in conflicting))
    return rows


def _target_fields(target: Target) -> dict[str, Any]:
    """The column values of one performance-target row."""
    return {name: getattr(target, name) for name in TARGET_COLUMNS}


def _note_fields(note: QualityNote) -> dict[str, Any]:
    """The column values of one document-note row."""
    return {name: getattr(note, name) for name in NOTE_COLUMNS}


def notes_of(session: Session, disclosure_id: int) -> list[DocumentNoteRow]:
    """The quality notes stored for a disclosure, in document order."""
    query = select(DocumentNoteRow).where(DocumentNoteRow.disclosure_id == disclosure_id)
    return list(session.scalars(query.order_by(DocumentNoteRow.id)))


def _insert_rows(
    session: Session, model: type[Any], disclosure_id: int, rows: list[dict[str, Any]]
) -> None:
    """Insert a disclosure's child rows in one executemany.

    Core on the model's table, not ORM objects one by one: the unit of work cost more than
    the extraction itself.  The table's column types (the Money TypeDecorator) still convert
    every value on the way in.
    """
    if rows:
        session.execute(
            insert(model.__table__), [{**values, "disclosure_id": disclosure_id} for values in rows]
        )


def _disclosure_fields(disclosure: Disclosure) -> dict[str, Any]:
    """The document-level column values of a disclosure."""
    if disclosure.kind not in KINDS:
        raise InputError(f"kind must be budget or final, got {disclosure.kind!r}")
    names = ("region", "department", "year", "kind", "format", "pages")
    return {name: getattr(disclosure, name) for name in names}


def _columns(row: Any, names: Sequence[str]) -> dict[str, Any]:
    """The named attributes of a stored row, to compare with planned values."""
    return {name: getattr(row, name) for name in names}


def _rows_match(rows: Sequence[Any], planned: list[dict[str, Any]]) -> bool:
    """Whether stored ``rows`` hold exactly the ``planned`` values, in order."""
    return len(rows) == len(planned) and all(
        _columns(row, list(values)) == values for row, values in zip(rows, planned, strict=True)
    )


def _unchanged(
    row: DisclosureRow,
    fields: dict[str, Any],
    figures: list[dict[str, Any]],
    targets: list[dict[str, Any]],
) -> bool:
    """Whether ``row`` already stores exactly this extraction."""
    return (
        _columns(row, list(fields)) == fields
        and _rows_match(row.figures, figures)
        and _rows_match(row.targets, targets)
    )


def store_disclosure(
    session: Session,
    version: DocumentVersion,
    disclosure: Disclosure,
    *,
    extracted_at: datetime | None = None,
) -> DisclosureRow:
    """Store what was extracted from ``version``; the same result again changes nothing."""
    extracted_at = _aware(extracted_at or datetime.now(UTC), "extracted_at")
    try:
        fields = _disclosure_fields(disclosure)
        figures = _figure_plan(disclosure)
    except InputError as error:
        raise InputError(f"{version.document.source}: {error}") from error
    targets = [_target_fields(target) for target in disclosure.targets]
    # Duck-typed disclosures from before quality notes existed have none.
    notes = [_note_fields(note) for note in getattr(disclosure, "notes", ())]
    row = version.disclosure
    # Notes count as part of the extraction: a change replaces the figures too, whose new
    # ids tell the monitor's next incremental pass to look at this disclosure again.
    if (
        row is not None
        and _unchanged(row, fields, figures, targets)
        and _rows_match(notes_of(session, row.id), notes)
    ):
        return row
    if row is None:
        row = DisclosureRow(version=version, extracted_at=extracted_at, **fields)
        session.add(row)
    else:
        # A re-extraction (a better parser) replaces the old rows wholesale.
        for name, value in fields.items():
            setattr(row, name, value)
        row.extracted_at = extracted_at
        row.figures, row.targets = [], []  # delete-orphan deletes the old rows at the flush
        for old in notes_of(session, row.id):
            session.delete(old)
    session.flush()
    _insert_rows(session, FigureRow, row.id, figures)
    _insert_rows(session, TargetRow, row.id, targets)
    _insert_rows(session, DocumentNoteRow, row.id, notes)
    # The collections load from the rows just inserted when the caller reads them.
    session.expire(row, ["figures", "targets"])
    return row


def disclosures_for(
    session: Session,
    region: str | None = None,
    year: int | None = None,
    *,
    kind: str | None = None,
    department: str | None = None,
    current_only: bool = True,
) -> list[DisclosureRow]:
    """Disclosures matching the given fields; by default only of each document's current bytes."""
    query = (
        select(DisclosureRow)
        .join(DisclosureRow.version)
        .join(DocumentVersion.document)
        .options(
            # The joins that filter also fill version.document: no query per row.
            contains_eager(DisclosureRow.version).contains_eager(DocumentVersion.document),
            selectinload(DisclosureRow.figures),
            selectinload(DisclosureRow.targets),
        )
        .order_by(
            DisclosureRow.year.nulls_last(),
            DisclosureRow.region.nulls_last(),
            DisclosureRow.department.nulls_last(),
            DisclosureRow.id,
        )
    )
    filters = {"region": region, "year": year, "kind": kind, "department": department}
    for name, value in filters.items():
        if value is not None:
            query = query.where(getattr(DisclosureRow, name) == value)
    if current_only:
        query = query.where(DocumentVersion.sha256 == Document.sha256)
    return list(session.scalars(query))


def figures_of(
    session: Session, disclosure_id: int, *, chosen_only: bool = False
) -> list[FigureRow]:
    """The figures stored for a disclosure (every candidate, or only the chosen values)."""
    query = select(FigureRow).where(FigureRow.disclosure_id == disclosure_id)
    if chosen_only:
        query = query.where(FigureRow.chosen.is_(True))
    return list(session.scalars(query.order_by(FigureRow.id)))


def targets_of(session: Session, disclosure_id: int) -> list[TargetRow]:
    """The performance targets stored for a disclosure, in document order."""
    query = select(TargetRow).where(TargetRow.disclosure_id == disclosure_id)
    return list(session.scalars(query.order_by(TargetRow.id)))
