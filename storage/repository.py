"""The queries budgetwatch needs, named after what they mean for the domain.

Functions add and flush but never commit: the caller owns the transaction
(one per crawled document, or per monitor run).  Disclosures are accepted
duck-typed, so storage needs ``extract`` only for type checking.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, aliased, contains_eager, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

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
    # Extraction hands over chosen values and conflict sides as the candidate objects
    # themselves: an identity check spares comparing field by field with every candidate
    # (a profile hot spot); an equal copy is still found by the scan.
    present = {id(figure) for figure in figures}
    # Chosen values and conflict sides normally are candidates too; never lose one that isn't.
    for figure in [*disclosure.figures.values(), *conflicting]:
        if id(figure) not in present and figure not in figures:
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


@dataclass(frozen=True)
class _Plan:
    """The rows one disclosure becomes, checked and converted before anything is written."""

    version: DocumentVersion
    fields: dict[str, Any]
    figures: list[dict[str, Any]]
    targets: list[dict[str, Any]]
    notes: list[dict[str, Any]]


def _plan(version: DocumentVersion, disclosure: Disclosure) -> _Plan:
    """The rows of ``disclosure``; an InputError names the document it came from."""
    try:
        fields = _disclosure_fields(disclosure)
        figures = _figure_plan(disclosure)
    except InputError as error:
        raise InputError(f"{version.document.source}: {error}") from error
    targets = [_target_fields(target) for target in disclosure.targets]
    # Duck-typed disclosures from before quality notes existed have none.
    notes = [_note_fields(note) for note in getattr(disclosure, "notes", ())]
    return _Plan(version, fields, figures, targets, notes)


def _rounds(plans: Sequence[_Plan]) -> list[list[int]]:
    """Indexes of ``plans`` split so no version occurs twice in a round, order kept per version.

    A version given twice is stored twice, the second time over the first, as one call per
    item would; within a round each version's disclosure is looked up and written once.
    """
    rounds: list[list[int]] = []
    occurrences: dict[int, int] = {}
    for index, plan in enumerate(plans):
        seen = occurrences.get(id(plan.version), 0)
        occurrences[id(plan.version)] = seen + 1
        if seen == len(rounds):
            rounds.append([])
        rounds[seen].append(index)
    return rounds


def _chunks(ids: Sequence[int], size: int = 500) -> list[Sequence[int]]:
    """``ids`` in slices small enough for one IN list (SQLite and psycopg cap bind parameters)."""
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def _load_disclosures(session: Session, versions: Sequence[DocumentVersion]) -> None:
    """Load ``version.disclosure`` of every version not loaded yet, in one query, not one each."""
    unloaded = {v.id: v for v in versions if "disclosure" in sa_inspect(v).unloaded}
    found: dict[int, DisclosureRow] = {}
    for ids in _chunks(list(unloaded)):
        query = select(DisclosureRow).where(DisclosureRow.document_version_id.in_(ids))
        found.update((row.document_version_id, row) for row in session.scalars(query))
    for version_id, version in unloaded.items():
        set_committed_value(version, "disclosure", found.get(version_id))


def _children(
    session: Session, model: type[Any], disclosure_ids: Sequence[int]
) -> dict[int, list[Any]]:
    """The stored rows of ``model`` of each disclosure, in id (document) order."""
    groups: dict[int, list[Any]] = {disclosure_id: [] for disclosure_id in disclosure_ids}
    for ids in _chunks(disclosure_ids):
        query = select(model).where(model.disclosure_id.in_(ids)).order_by(model.id)
        for child in session.scalars(query):
            groups[child.disclosure_id].append(child)
    return groups


def _load_children(
    session: Session, rows: Sequence[DisclosureRow]
) -> dict[int, list[DocumentNoteRow]]:
    """Load the figures and targets of ``rows`` where not loaded, and return their notes.

    Three queries for the whole batch instead of three lazy loads per disclosure.
    """
    ids = [row.id for row in rows]
    for name, model in (("figures", FigureRow), ("targets", TargetRow)):
        pending = [row for row in rows if name in sa_inspect(row).unloaded]
        groups = _children(session, model, [row.id for row in pending])
        for row in pending:
            set_committed_value(row, name, groups[row.id])
    return _children(session, DocumentNoteRow, ids)


def _update(row: DisclosureRow, plan: _Plan, extracted_at: datetime) -> None:
    """Give ``row`` the document-level values of a re-extraction."""
    for name, value in plan.fields.items():
        setattr(row, name, value)
    row.extracted_at = extracted_at


def _drop_children(session: Session, row: DisclosureRow, notes: list[DocumentNoteRow]) -> None:
    """Delete the figures, targets and notes ``row`` had when the batch began, at the flush."""
    # The collections still hold the old rows: the Core inserts bypassed the session.
    row.figures, row.targets = [], []  # delete-orphan deletes them
    for note in notes:
        session.delete(note)


def _insert_disclosures(session: Session, plans: Sequence[_Plan], extracted_at: datetime) -> None:
    """Insert a DisclosureRow for each plan in one statement, and attach each to its version.

    RETURNING hands back persistent rows without a SELECT.  They are matched to their versions
    by document_version_id (unique), not by position: asking SQLAlchemy for parameter order
    makes it send one INSERT per row on SQLite, which cannot promise RETURNING's order.
    """
    if not plans:
        return
    values = [
        {**plan.fields, "document_version_id": plan.version.id, "extracted_at": extracted_at}
        for plan in plans
    ]
    created = session.scalars(insert(DisclosureRow).returning(DisclosureRow), values)
    by_version = {row.document_version_id: row for row in created}
    for plan in plans:
        row = by_version[plan.version.id]
        # Committed state, not assignment: the rows exist already, nothing is left to flush.
        set_committed_value(plan.version, "disclosure", row)
        set_committed_value(row, "version", plan.version)


def _insert_children(session: Session, written: Sequence[tuple[DisclosureRow, _Plan]]) -> None:
    """Insert the figures, targets and notes of every written disclosure: one executemany each.

    Core on the model's table, not ORM objects one by one: the unit of work cost more than
    the extraction itself.  The table's column types (the Money TypeDecorator) still convert
    every value on the way in.  Rows go in plan order, so ids keep each disclosure's order.
    """
    children: tuple[tuple[type[Any], str], ...] = (
        (FigureRow, "figures"),
        (TargetRow, "targets"),
        (DocumentNoteRow, "notes"),
    )
    for model, name in children:
        values = [
            {**child, "disclosure_id": row.id}
            for row, plan in written
            for child in getattr(plan, name)
        ]
        if values:
            session.execute(insert(model.__table__), values)


def _stored(plan: _Plan) -> DisclosureRow:
    """The row stored for ``plan``'s version, once its round has run."""
    row = plan.version.disclosure
    if row is None:
        raise AssertionError(f"version {plan.version.id}: no disclosure after storing one")
    return row


def _store_round(session: Session, plans: Sequence[_Plan], extracted_at: datetime) -> None:
    """Store plans of distinct versions; afterwards each ``plan.version.disclosure`` is stored."""
    _load_disclosures(session, [plan.version for plan in plans])
    existing = [row for plan in plans if (row := plan.version.disclosure) is not None]
    notes = _load_children(session, existing)
    written, replaced = [], []
    for plan in plans:
        row = plan.version.disclosure
        if row is None:
            written.append(plan)
        # Notes count as part of the extraction: a change replaces the figures too, whose new
        # ids tell the monitor's next incremental pass to look at this disclosure again.
        elif not (
            _unchanged(row, plan.fields, plan.figures, plan.targets)
            and _rows_match(notes[row.id], plan.notes)
        ):
            _update(row, plan, extracted_at)  # a re-extraction (a better parser) replaces it all
            written.append(plan)
            replaced.append(row)
    if not written:
        return  # all unchanged: nothing to write, nothing to flush
    _insert_disclosures(
        session, [plan for plan in written if plan.version.disclosure is None], extracted_at
    )
    _insert_children(session, [(_stored(plan), plan) for plan in written])
    # Old children go only after the new ones are in: SQLite hands out max(rowid) + 1, so
    # deleting first would give a disclosure holding the highest ids the same ids again,
    # and the monitor's watermark would never see the change.
    for row in replaced:
        _drop_children(session, row, notes[row.id])
    session.flush()
    for plan in written:
        # The collections load from the rows just inserted when the caller reads them.
        session.expire(_stored(plan), ["figures", "targets"])


def store_disclosures(
    session: Session,
    items: Sequence[tuple[DocumentVersion, Disclosure]],
    *,
    extracted_at: datetime | None = None,
) -> list[DisclosureRow]:
    """Store what was extracted from each version, as ``store_disclosure`` would one by one.

    Returns the stored row of each item, in order.  An unchanged result writes nothing; a
    changed one replaces the version's rows wholesale.  Every disclosure is checked before
    anything is written, so one invalid disclosure fails the whole call (an InputError naming
    its document) and writes nothing; the caller may retry the others alone.
    The new rows of a batch take one INSERT per table, not one per disclosure and table.
    """
    extracted_at = _aware(extracted_at or datetime.now(UTC), "extracted_at")
    plans = [_plan(version, disclosure) for version, disclosure in items]
    if any(plan.version.id is None for plan in plans):
        session.flush()  # the Core inserts need each version's id
    for indexes in _rounds(plans):
        _store_round(session, [plans[index] for index in indexes], extracted_at)
    # After the last round each version holds its final row: also what repeats must return.
    return [_stored(plan) for plan in plans]


def store_disclosure(
    session: Session,
    version: DocumentVersion,
    disclosure: Disclosure,
    *,
    extracted_at: datetime | None = None,
) -> DisclosureRow:
    """Store what was extracted from ``version``; the same result again changes nothing."""
    return store_disclosures(session, [(version, disclosure)], extracted_at=extracted_at)[0]


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
