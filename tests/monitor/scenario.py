"""A county of 20 departments over three years, clean except for a known list of planted anomalies."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from extract.model import Conflict, Disclosure, Evidence, Figure
from storage.metrics import label
from storage.repository import record_document, store_disclosure

REGION = "清水县"
YEARS = (2021, 2022, 2023)
FINAL_YEARS = (2021, 2022)
NOW = datetime(2024, 1, 15, 9, 0, tzinfo=UTC)  # 2023 budgets and 2022 finals are due
DEPARTMENTS = [
    f"{REGION}{name}"
    for name in (
        "财政局",
        "审计局",
        "教育局",
        "民政局",
        "司法局",
        "统计局",
        "水利局",
        "林业局",
        "农业农村局",
        "交通运输局",
        "文化旅游局",
        "卫生健康局",
        "应急管理局",
        "市场监督管理局",
        "自然资源局",
        "住房和城乡建设局",
        "退役军人事务局",
        "医疗保障局",
        "科学技术局",
        "商务局",
    )
]


@dataclass(frozen=True)
class Planted:
    """One anomaly planted in the scenario: the rule that must find it, and where."""

    rule: str
    department: str
    year: int
    kind: str
    metric: str | None


PLANTED = [
    Planted("yoy_increase", DEPARTMENTS[1], 2023, "budget", "expenditure_total"),
    Planted("three_public_increase", DEPARTMENTS[2], 2023, "budget", "three_public_reception"),
    Planted("stated_change_mismatch", DEPARTMENTS[3], 2023, "budget", "expenditure_total_change"),
    Planted("final_vs_budget", DEPARTMENTS[4], 2022, "final", "expenditure_total"),
    Planted("peer_outlier", DEPARTMENTS[5], 2022, "budget", "three_public_share"),
    Planted("sum_mismatch", DEPARTMENTS[6], 2022, "budget", "expenditure_basic"),
    Planted("narrative_table_mismatch", DEPARTMENTS[7], 2022, "budget", "expenditure_total"),
    Planted("implausible_value", DEPARTMENTS[8], 2022, "budget", "three_public_reception"),
    Planted("document_quality", DEPARTMENTS[9], 2022, "budget", "placeholder"),
    Planted("missing_disclosure", DEPARTMENTS[10], 2023, "budget", None),
    Planted("document_changed", DEPARTMENTS[11], 2022, "budget", None),
    Planted("document_quality", DEPARTMENTS[12], 2022, "budget", "wrong_year"),
]
ANOMALOUS = {planted.department for planted in PLANTED}
CLEAN = [name for name in DEPARTMENTS if name not in ANOMALOUS]


def yuan(value: float) -> Decimal:
    """Whole yuan (figures of 元 tables)."""
    return Decimal(round(value))


def clean_figures(index: int, year: int, kind: str) -> dict[str, Decimal]:
    """Consistent figures: sums add up, 三公 only falls, ratios close to the peers'."""
    step = year - YEARS[0]
    total = yuan((8_000_000 + 400_000 * index) * (1.03 + 0.002 * (index % 5)) ** step)
    if kind == "final":
        total = yuan(float(total) * 1.04)
    basic = yuan(float(total) * 0.3)
    personnel = yuan(float(basic) * (0.85 + 0.002 * (index % 3)))
    # 三公 only falls (只减不增), and a 决算 spends a little less than its 预算.
    operation = yuan((30_000 + 1_500 * index) * 0.97**step * (0.95 if kind == "final" else 1))
    reception = yuan(float(operation) * 0.2)
    return {
        "revenue_total": total,
        "revenue_general_public": total,
        "expenditure_total": total,
        "expenditure_basic": basic,
        "expenditure_project": total - basic,
        "expenditure_personnel": personnel,
        "expenditure_public": basic - personnel,
        "agency_operating_cost": basic - personnel,
        "three_public_total": operation + reception,
        "three_public_outbound": Decimal(0),
        "three_public_vehicle": operation,
        "three_public_vehicle_purchase": Decimal(0),
        "three_public_vehicle_operation": operation,
        "three_public_reception": reception,
    }


def table_figure(metric: str, value: Decimal, year: int, unit: str = "元", raw: str = "") -> Figure:
    """A figure read from a 元 table cell."""
    evidence = Evidence(
        f"{label(metric)} {value}",
        3,
        None,
        "table",
        f"{year}年部门收支总表",
        f"{label(metric)} / 本年数",
    )
    return Figure(metric, value, unit, evidence, raw or str(value))


def disclosure(
    department: str, year: int, kind: str, figures: dict[str, Decimal], **changes: object
) -> Disclosure:
    """A Disclosure as extract returns it, every figure from a table."""
    made = {m: table_figure(m, v, year) for m, v in figures.items()}
    result = Disclosure(
        source=source_of(department, year, kind),
        format="pdf",
        region=REGION,
        department=department,
        year=year,
        kind=kind,  # type: ignore[arg-type]
        figures=made,
        candidates=tuple(made.values()),
        pages=10,
    )
    return replace(result, **changes)  # type: ignore[arg-type]


def source_of(department: str, year: int, kind: str) -> str:
    """The URL a disclosure was found at."""
    digest = hashlib.sha1(department.encode()).hexdigest()[:8]
    return f"http://www.qingshui.gov.cn/{digest}/{year}/{kind}.pdf"


def save(
    session: Session, item: Disclosure, seen: datetime = NOW - timedelta(days=30), variant: str = ""
) -> None:
    """Record the document and store what was extracted from it."""
    sha = hashlib.sha256(f"{item.source}{variant}".encode()).hexdigest()
    version = record_document(session, item.source, sha, 1000, "application/pdf", seen)
    store_disclosure(session, version, item, extracted_at=seen)


def with_changes(
    figures: dict[str, Decimal], previous: dict[str, Decimal] | None
) -> dict[str, Decimal]:
    """Add the stated changes a document gives against last year, computed correctly."""
    if previous is None:
        return figures
    stated = {
        f"{m}_change": figures[m] - previous[m] for m in ("expenditure_total", "three_public_total")
    }
    return {**figures, **stated}


def department_figures(index: int, year: int, kind: str) -> dict[str, Decimal]:
    """Clean figures with stated changes, then the department's planted anomaly if any."""
    previous = clean_figures(index, year - 1, kind) if year > YEARS[0] else None
    figures = with_changes(clean_figures(index, year, kind), previous)
    return plant(index, year, kind, figures)


def plant(index: int, year: int, kind: str, f: dict[str, Decimal]) -> dict[str, Decimal]:
    """Distort the figures of the anomalous departments (sums kept consistent elsewhere)."""
    at = (year, kind)
    if index == 1 and at == (2023, "budget"):  # +60 % in one year
        f = scale(f, Decimal("1.6"))
        f["expenditure_total_change"] = (
            f["expenditure_total"] - clean_figures(1, 2022, "budget")["expenditure_total"]
        )
    if index == 2 and at == (2023, "budget"):  # reception rises
        f["three_public_reception"] += 30_000
        f["three_public_total"] += 30_000
        f["three_public_total_change"] += 30_000
    if index == 3 and at == (2023, "budget"):
        f["expenditure_total_change"] += 500_000
    if index == 4 and at == (2022, "final"):
        f = scale(f, Decimal(2))
    if index == 5:  # 三公 five times the peers' share, every year
        f = {
            **f,
            **{
                m: f[m] * 5
                for m in (
                    "three_public_total",
                    "three_public_vehicle",
                    "three_public_vehicle_operation",
                    "three_public_reception",
                    "three_public_total_change",
                )
                if m in f
            },
        }
    if index == 6 and at == (2022, "budget"):
        f["expenditure_public"] += 100_000
    if index == 8 and at == (2022, "budget"):
        f["three_public_reception"] = Decimal(230_090_000_000)
    return f


def scale(figures: dict[str, Decimal], factor: Decimal) -> dict[str, Decimal]:
    """Every figure times ``factor``, to whole yuan."""
    return {m: (v * factor).quantize(Decimal(1)) for m, v in figures.items()}


def build(session: Session, *, skip: tuple[str, ...] = ()) -> None:
    """Store the whole scenario (budgets 2021–2023, finals 2021–2022)."""
    for index, department in enumerate(DEPARTMENTS):
        for kind, years in (("budget", YEARS), ("final", FINAL_YEARS)):
            for year in years:
                if index == 10 and (year, kind) == (2023, "budget"):
                    continue  # the missing disclosure
                save(session, special(index, department, year, kind), variant="")
    changed = disclosure(DEPARTMENTS[11], 2022, "budget", department_figures(11, 2022, "budget"))
    save(session, changed, NOW - timedelta(days=3), variant="edited")
    session.commit()


def special(index: int, department: str, year: int, kind: str) -> Disclosure:
    """The department's disclosure, with the anomalies that live in evidence rather than figures."""
    figures = department_figures(index, year, kind)
    if index == 11 and (year, kind) == (2022, "budget"):  # the first version, edited later
        figures = {
            **figures,
            "expenditure_project": figures["expenditure_project"] + 1000,
            "expenditure_total": figures["expenditure_total"] + 1000,
            "revenue_total": figures["revenue_total"] + 1000,
            "revenue_general_public": figures["revenue_general_public"] + 1000,
        }
        figures.pop("expenditure_total_change")
    item = disclosure(department, year, kind, figures)
    at = (year, kind)
    if index == 7 and at == (2022, "budget"):
        table = item.figures["expenditure_total"]
        text = Figure(
            "expenditure_total",
            table.value + 1_000_000,
            "万元",
            Evidence(f"{year}年支出预算{(table.value + 1_000_000) / 10000}万元", 1, 5),
            str((table.value + 1_000_000) / 10000),
        )
        item = replace(
            item,
            candidates=(*item.candidates, text),
            conflicts=(Conflict("expenditure_total", table, text),),
        )
    if index == 8 and at == (2022, "budget"):
        odd = table_figure(
            "three_public_reception", Decimal(230_090_000_000), year, "千万", "23009"
        )
        item = replace(
            item,
            figures={**item.figures, "three_public_reception": odd},
            candidates=tuple(
                f if f.metric != "three_public_reception" else odd for f in item.candidates
            ),
        )
    if index == 9 and at == (2022, "budget"):
        item = evidence_text(item, "three_public_total", "XX单位2022年“三公”经费预算")
    if index == 12 and at == (2022, "budget"):
        item = evidence_text(item, "expenditure_total", "截至2019年12月31日，支出总计")
    return item


def evidence_text(item: Disclosure, metric: str, text: str) -> Disclosure:
    """The disclosure with one figure's sentence replaced."""
    old = item.figures[metric]
    new = replace(old, evidence=replace(old.evidence, text=text))
    return replace(
        item,
        figures={**item.figures, metric: new},
        candidates=tuple(new if f is old else f for f in item.candidates),
    )
