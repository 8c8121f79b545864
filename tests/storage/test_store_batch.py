"""store_disclosures: a batch stores exactly what one store_disclosure call per item would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from extract.model import Disclosure, QualityNote
from storage.errors import InputError
from storage.models import DisclosureRow, DocumentNoteRow, DocumentVersion, FigureRow, TargetRow
from storage.repository import (
    figures_of,
    notes_of,
    record_document,
    store_disclosure,
    store_disclosures,
    targets_of,
)
from tests.storage.samples import HOUR, OUTBOUND, SHA_A, SHA_B, T0, TARGETS, seed_disclosure

NOTES = (
    QualityNote("placeholder", "模板占位符未替换", 2, "XX单位"),
    QualityNote("missing_table", "目录列出的“政府采购预算表”未见于文件"),
)
BETTER = {
    "figures": {"three_public_outbound": OUTBOUND},
    "candidates": (OUTBOUND,),
    "conflicts": (),
    "targets": TARGETS[:1],
    "notes": NOTES[:1],
    "department": "固安县委组织部",
}


def source(name: str) -> str:
    return f"http://www.guan.gov.cn/{name}.pdf"


def version_of(session: Session, name: str, sha256: str = SHA_A) -> DocumentVersion:
    return record_document(session, source(name), sha256, 2048, "application/pdf", T0)


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def snapshot(session: Session, disclosure_id: int) -> tuple[Any, ...]:
    """Everything stored for a disclosure except ids: what two ways of storing must agree on."""
    row = session.get(DisclosureRow, disclosure_id)
    assert row is not None
    fields = ("region", "department", "year", "kind", "format", "pages", "extracted_at")

    def values(child: Any) -> tuple[Any, ...]:
        names = [c.key for c in child.__table__.columns if c.key not in ("id", "disclosure_id")]
        return tuple(getattr(child, name) for name in names)

    return (
        tuple(getattr(row, name) for name in fields),
        [values(f) for f in figures_of(session, disclosure_id)],
        [values(t) for t in targets_of(session, disclosure_id)],
        [values(n) for n in notes_of(session, disclosure_id)],
    )


def seed_stored(session: Session, names: list[str]) -> dict[str, tuple[int, list[int]]]:
    """Store the seed disclosure (with notes) for each name one by one; their ids and figure ids."""
    stored = {}
    for name in names:
        row = store_disclosure(
            session, version_of(session, name), seed_disclosure(notes=NOTES), extracted_at=T0
        )
        stored[name] = (row.id, [f.id for f in row.figures])
    session.commit()
    return stored


def mixed(session: Session, prefix: str) -> list[tuple[DocumentVersion, Disclosure]]:
    """A batch of an unchanged, a changed and two new disclosures, the last new one bare."""
    return [
        (version_of(session, f"{prefix}-same"), seed_disclosure(notes=NOTES)),
        (version_of(session, f"{prefix}-better"), seed_disclosure(**BETTER)),
        (version_of(session, f"{prefix}-new"), seed_disclosure(notes=NOTES, pages=30)),
        (
            version_of(session, f"{prefix}-bare"),
            seed_disclosure(candidates=(), figures={}, conflicts=()),
        ),
    ]


@contextmanager
def inserts(session: Session) -> Iterator[list[str]]:
    """The INSERT statements sent to the database while the block runs (one per executemany)."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            sent.append(statement.split("(")[0].split()[-1])  # the table's name

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_mixed_batch_stores_what_one_call_per_item_stores(
    session: Session, factory: sessionmaker[Session]
) -> None:
    before = seed_stored(session, ["one-same", "one-better", "many-same", "many-better"])
    single = [
        store_disclosure(session, version, disclosure, extracted_at=T0 + HOUR)
        for version, disclosure in mixed(session, "one")
    ]
    batch = store_disclosures(session, mixed(session, "many"), extracted_at=T0 + HOUR)
    session.commit()
    assert [row.id for row in batch[:2]] == [before["many-same"][0], before["many-better"][0]]
    with factory() as fresh:
        assert [snapshot(fresh, row.id) for row in batch] == [
            snapshot(fresh, row.id) for row in single
        ]
        unchanged, better, new, bare = (snapshot(fresh, row.id) for row in batch)
        # Unchanged: nothing written, not even the extraction time.
        assert unchanged[0][-1] == T0 and len(unchanged[1]) == 5 and len(unchanged[3]) == 2
        assert [f.id for f in figures_of(fresh, batch[0].id)] == before["many-same"][1]
        # Changed: replaced wholesale, figures under new (higher) ids for the monitor.
        assert better[0][1] == "固安县委组织部" and better[0][-1] == T0 + HOUR
        assert (len(better[1]), len(better[2]), len(better[3])) == (1, 1, 1)
        assert min(f.id for f in figures_of(fresh, batch[1].id)) > max(before["many-better"][1])
        assert new[0][5] == 30 and (len(new[1]), len(new[2]), len(new[3])) == (5, 2, 2)
        assert (len(bare[1]), len(bare[2]), len(bare[3])) == (0, 2, 0)
        assert count(fresh, DisclosureRow) == 8


def test_new_disclosures_take_one_insert_per_table(session: Session) -> None:
    items = [(version_of(session, f"d{i}"), seed_disclosure(notes=NOTES)) for i in range(6)]
    with inserts(session) as sent:
        rows = store_disclosures(session, items, extracted_at=T0)
    assert sent == ["disclosures", "figures", "performance_targets", "document_notes"]
    session.commit()
    assert len({row.id for row in rows}) == 6
    assert (count(session, FigureRow), count(session, TargetRow)) == (30, 12)
    assert count(session, DocumentNoteRow) == 12


def test_the_session_sees_what_was_stored(session: Session) -> None:
    versions = [version_of(session, f"d{i}") for i in range(3)]
    rows = store_disclosures(session, [(v, seed_disclosure(notes=NOTES)) for v in versions])
    for version, row in zip(versions, rows, strict=True):
        assert version.disclosure is row and row.version is version
        # Figures in document order: candidates first, as store_disclosure keeps them.
        assert [(f.metric, f.chosen, f.conflict) for f in row.figures] == [
            ("revenue_total", False, False),
            ("revenue_total", True, False),
            ("expenditure_total", False, True),
            ("expenditure_total", True, True),
            ("three_public_outbound", True, False),
        ]
        assert [t.level3 for t in row.targets] == ["培训人次", "满意度"]
        assert [n.kind for n in notes_of(session, row.id)] == ["placeholder", "missing_table"]
    money = [f.value for f in rows[0].figures]
    assert money[3] == Decimal("86959408.34") and all(type(v) is Decimal for v in money)


def test_a_batch_reads_the_disclosures_of_versions_from_a_new_session(
    session: Session, factory: sessionmaker[Session]
) -> None:
    before = seed_stored(session, ["a", "b"])
    with factory() as fresh:
        versions = list(fresh.scalars(select(DocumentVersion).order_by(DocumentVersion.id)))
        rows = store_disclosures(
            fresh, [(versions[0], seed_disclosure(notes=NOTES)), (versions[1], seed_disclosure())]
        )
        fresh.commit()
        assert [row.id for row in rows] == [before["a"][0], before["b"][0]]
        assert [n.kind for n in notes_of(fresh, rows[1].id)] == []  # notes went away: a change
        # b held the highest figure ids; its new figures still get higher ones, on SQLite too
        # (which reuses max(rowid) + 1), so the monitor's watermark sees the change.
        assert len(rows[1].figures) == 5 and rows[1].figures[0].id > max(before["b"][1])
        assert [f.id for f in rows[0].figures] == before["a"][1]


def test_a_version_given_twice_ends_with_the_later_disclosure(
    session: Session, factory: sessionmaker[Session]
) -> None:
    version = version_of(session, "twice")
    other = version_of(session, "other", SHA_B)
    first, between, second = store_disclosures(
        session,
        [
            (version, seed_disclosure(notes=NOTES)),
            (other, seed_disclosure()),
            (version, seed_disclosure(**BETTER)),
        ],
        extracted_at=T0,
    )
    session.commit()
    assert first is second and first is not between
    with factory() as fresh:
        row = fresh.get(DisclosureRow, first.id)
        assert row is not None and row.department == "固安县委组织部"
        assert [f.metric for f in row.figures] == ["three_public_outbound"]
        assert [n.kind for n in notes_of(fresh, row.id)] == ["placeholder"]
        assert count(fresh, DisclosureRow) == 2


def test_an_invalid_disclosure_fails_the_batch_naming_its_source(session: Session) -> None:
    good = version_of(session, "good")
    bad = version_of(session, "bad")
    items = [(good, seed_disclosure()), (bad, seed_disclosure(kind="预算"))]
    with pytest.raises(InputError, match=f"^{source('bad')}: kind must be"):
        store_disclosures(session, items)
    session.flush()
    assert count(session, DisclosureRow) == count(session, FigureRow) == 0
    assert good.disclosure is None  # checked before anything was written


def test_an_empty_batch_does_nothing(session: Session) -> None:
    assert store_disclosures(session, []) == []


def test_a_naive_extraction_time_is_refused(session: Session) -> None:
    version = version_of(session, "naive")
    with pytest.raises(InputError, match="extracted_at must be timezone-aware"):
        store_disclosures(
            session, [(version, seed_disclosure())], extracted_at=T0.replace(tzinfo=None)
        )
