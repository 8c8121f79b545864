"""Storing what extraction found: figures with their evidence, conflicts, targets."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from storage.errors import InputError
from storage.models import DisclosureRow, FigureRow, TargetRow
from storage.repository import (
    disclosures_for,
    figures_of,
    record_document,
    store_disclosure,
    targets_of,
)
from tests.storage.samples import (
    HOUR,
    OUTBOUND,
    SHA_A,
    SHA_B,
    SOURCE,
    T0,
    TARGETS,
    narrative,
    seed_disclosure,
)


def stored(session: Session, sha256: str = SHA_A, **changes: object) -> int:
    """Fetch SOURCE with ``sha256``, store the seed disclosure for it, commit; return its id."""
    version = record_document(session, SOURCE, sha256, 2048, "application/pdf", T0)
    row = store_disclosure(session, version, seed_disclosure(**changes), extracted_at=T0)
    session.commit()
    return row.id


def count(session: Session, model: type) -> int:
    """Rows in the table of ``model``."""
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_chosen_values_and_candidates_are_stored_with_evidence(
    session: Session, factory: sessionmaker[Session]
) -> None:
    disclosure_id = stored(session)
    with factory() as fresh:
        chosen = {f.metric: f for f in figures_of(fresh, disclosure_id, chosen_only=True)}
        every = figures_of(fresh, disclosure_id)
    assert set(chosen) == {"revenue_total", "expenditure_total", "three_public_outbound"}
    assert len(every) == 5  # the narrative 万元 values stay as evidence
    revenue = chosen["revenue_total"]
    assert (revenue.origin, revenue.unit, revenue.table_title) == ("table", "元", "收支预算总表")
    assert revenue.cell == "收入总计 / 预算数" and revenue.page == 3
    [said] = [f for f in every if f.metric == "revenue_total" and not f.chosen]
    assert (said.evidence_text, said.raw, said.offset) == (
        "2021年预算收入7769.34万元",
        "7769.34",
        12,
    )


def test_a_conflict_is_marked_on_both_sides(session: Session) -> None:
    disclosure_id = stored(session)
    marked = [
        (f.metric, f.origin, f.chosen) for f in figures_of(session, disclosure_id) if f.conflict
    ]
    assert sorted(marked) == [
        ("expenditure_total", "narrative", False),
        ("expenditure_total", "table", True),
    ]


def test_money_round_trips_exactly_as_decimal(
    session: Session, factory: sessionmaker[Session]
) -> None:
    disclosure_id = stored(session)
    with factory() as fresh:
        values = {f.metric: f.value for f in figures_of(fresh, disclosure_id, chosen_only=True)}
    assert values == {
        "revenue_total": Decimal("77693400"),
        "expenditure_total": Decimal("86959408.34"),
        "three_public_outbound": Decimal("0"),
    }
    assert all(type(value) is Decimal for value in values.values())
    assert str(values["expenditure_total"]) == "86959408.34"


@pytest.mark.parametrize(
    "amount", ["9999999999999999.99", "-9999999999999999.99", "0.01", "-403.52", "1790.19"]
)
def test_extreme_amounts_round_trip(
    session: Session, factory: sessionmaker[Session], amount: str
) -> None:
    figure = narrative("fixed_assets_total", amount, amount, f"固定资产金额为{amount}元")
    disclosure_id = stored(session, candidates=(figure,), figures={}, conflicts=())
    with factory() as fresh:
        [row] = figures_of(fresh, disclosure_id)
        # SQL sees the same number too: sums and comparisons run in the database.
        total = fresh.scalar(select(func.sum(FigureRow.value)))
    assert row.value == Decimal(amount) and str(row.value) == str(
        Decimal(amount).quantize(Decimal("0.01"))
    )
    assert total == Decimal(amount)


@pytest.mark.parametrize(
    "value",
    [Decimal("10000000000000000"), Decimal("1.005"), Decimal("NaN"), 0.1],
    ids=["too-large", "sub-fen", "nan", "float"],
)
def test_money_that_cannot_be_stored_exactly_is_refused(session: Session, value: object) -> None:
    figure = narrative("revenue_total", "0", "0", "收入0万元")
    bad = SimpleNamespace(**{**vars(figure), "value": value})
    version = record_document(session, SOURCE, SHA_A, 1, None, T0)
    with pytest.raises(InputError, match=f"{SOURCE}: figure revenue_total"):
        store_disclosure(
            session, version, seed_disclosure(candidates=(bad,), figures={}, conflicts=())
        )
    assert count(session, FigureRow) == 0


def test_storing_the_same_disclosure_twice_changes_nothing(
    session: Session, factory: sessionmaker[Session]
) -> None:
    first = stored(session)
    with factory() as fresh:
        before = [(f.id, f.metric, f.value, f.chosen) for f in figures_of(fresh, first)]
    version = record_document(session, SOURCE, SHA_A, 2048, "application/pdf", T0 + HOUR)
    again = store_disclosure(session, version, seed_disclosure(), extracted_at=T0 + HOUR)
    session.commit()
    with factory() as fresh:
        after = [(f.id, f.metric, f.value, f.chosen) for f in figures_of(fresh, first)]
        row = fresh.get(DisclosureRow, first)
        assert row is not None and row.extracted_at == T0
        assert (count(fresh, DisclosureRow), count(fresh, TargetRow)) == (1, 2)
    assert again.id == first
    assert after == before and len(after) == 5


def test_a_new_extraction_of_the_same_version_replaces_the_old_one(
    session: Session, factory: sessionmaker[Session]
) -> None:
    first = stored(session)
    version = record_document(session, SOURCE, SHA_A, 2048, "application/pdf", T0)
    better = seed_disclosure(
        figures={"three_public_outbound": OUTBOUND},
        candidates=(OUTBOUND,),
        conflicts=(),
        targets=TARGETS[:1],
        department="固安县委组织部",
    )
    store_disclosure(session, version, better, extracted_at=T0 + HOUR)
    session.commit()
    with factory() as fresh:
        [row] = disclosures_for(fresh)
        assert (row.id, row.department, row.extracted_at) == (first, "固安县委组织部", T0 + HOUR)
        assert [f.metric for f in row.figures] == ["three_public_outbound"]
        assert (count(fresh, FigureRow), count(fresh, TargetRow)) == (1, 1)


def test_targets_are_stored_in_document_order(
    session: Session, factory: sessionmaker[Session]
) -> None:
    disclosure_id = stored(session)
    with factory() as fresh:
        targets = targets_of(fresh, disclosure_id)
    assert [(t.level3, t.comparator, t.value, t.unit) for t in targets] == [
        ("培训人次", "≥", "2000", "人次"),
        ("满意度", "≥", "95", "%"),
    ]
    assert (targets[0].description, targets[0].page) == ("全年培训党员", None)
    assert (targets[1].basis, targets[1].page) == ("问卷", 7)


def test_disclosures_are_found_by_region_year_and_kind(session: Session) -> None:
    stored(session)
    other = record_document(session, "http://zs.gov.cn/sj.pdf", SHA_B, 1, None, T0)
    store_disclosure(
        session, other, seed_disclosure(region="柞水县", kind="final", year=2020), extracted_at=T0
    )
    session.commit()
    assert [d.region for d in disclosures_for(session)] == ["柞水县", "固安县"]  # by year
    assert [d.year for d in disclosures_for(session, region="固安县")] == [2021]
    assert [d.kind for d in disclosures_for(session, year=2020)] == ["final"]
    assert disclosures_for(session, region="固安县", kind="final") == []
    [found] = disclosures_for(session, department="中共固安县委组织部", region="固安县")
    assert found.version.document.source == SOURCE


def test_only_the_current_version_counts_unless_history_is_asked_for(session: Session) -> None:
    old = stored(session, SHA_A)
    new = stored(session, SHA_B, pages=13)
    assert [d.id for d in disclosures_for(session, region="固安县")] == [new]
    assert [d.id for d in disclosures_for(session, current_only=False)] == [old, new]


def test_a_duck_typed_disclosure_is_accepted(session: Session) -> None:
    evidence = SimpleNamespace(
        text="公务接待费0.77万元", page=2, offset=5, origin="narrative", table=None, cell=None
    )
    figure = SimpleNamespace(
        metric="three_public_reception",
        value=Decimal("7700"),
        unit="万元",
        evidence=evidence,
        raw="0.77",
    )
    disclosure = SimpleNamespace(
        source="x.txt",
        format="txt",
        region=None,
        department=None,
        year=None,
        kind=None,
        figures={"three_public_reception": figure},
        candidates=(figure,),
        conflicts=(),
        targets=(),
        pages=1,
    )
    version = record_document(session, "x.txt", SHA_A, 1, "text/plain", T0)
    row = store_disclosure(session, version, disclosure)  # type: ignore[arg-type]
    assert [(f.metric, f.value, f.chosen) for f in row.figures] == [
        ("three_public_reception", Decimal("7700"), True)
    ]
    assert row.extracted_at.tzinfo is not None


def test_an_unknown_kind_is_refused(session: Session) -> None:
    version = record_document(session, SOURCE, SHA_A, 1, None, T0)
    with pytest.raises(InputError, match=f"^{SOURCE}: kind must be"):
        store_disclosure(session, version, seed_disclosure(kind="预算"))
    assert count(session, DisclosureRow) == 0
