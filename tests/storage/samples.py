"""Disclosures built from extract's dataclasses, after the seed document in metrics.md."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from extract.model import Conflict, Disclosure, Evidence, Figure, Target

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
SOURCE = "http://www.guan.gov.cn/zzb/2021/yusuan.pdf"
SHA_A = "a" * 64
SHA_B = "b" * 64


def narrative(metric: str, value: str, raw: str, sentence: str, offset: int = 0) -> Figure:
    """A figure read from a sentence in 万元."""
    return Figure(metric, Decimal(value), "万元", Evidence(sentence, 1, offset), raw)


def table(metric: str, value: str, cell: str) -> Figure:
    """A figure read from a 元 table cell."""
    evidence = Evidence(value, 3, None, "table", "收支预算总表", cell)
    return Figure(metric, Decimal(value), "元", evidence, value)


REVENUE_TEXT = narrative("revenue_total", "77693400", "7769.34", "2021年预算收入7769.34万元", 12)
REVENUE_TABLE = table("revenue_total", "77693400.00", "收入总计 / 预算数")
SPENDING_TABLE = table("expenditure_total", "86959408.34", "支出总计 / 预算数")
SPENDING_TEXT = narrative("expenditure_total", "77693400", "7769.34", "2021年支出预算7769.34万元")
OUTBOUND = narrative("three_public_outbound", "0", "0", "因公出国（境）费0万元", 40)
TARGETS = (
    Target("党员教育培训", "产出指标", "数量指标", "培训人次", "全年培训党员", "≥", "2000", "人次"),
    Target("党员教育培训", "效益指标", "社会效益指标", "满意度", "", "≥", "95", "%", "问卷", 7),
)


def seed_disclosure(**changes: object) -> Disclosure:
    """The seed disclosure: a table value chosen over the narrative, one real conflict."""
    disclosure = Disclosure(
        source=SOURCE,
        format="pdf",
        region="固安县",
        department="中共固安县委组织部",
        year=2021,
        kind="budget",
        figures={
            "revenue_total": REVENUE_TABLE,
            "expenditure_total": SPENDING_TABLE,
            "three_public_outbound": OUTBOUND,
        },
        candidates=(REVENUE_TEXT, REVENUE_TABLE, SPENDING_TEXT, SPENDING_TABLE, OUTBOUND),
        conflicts=(Conflict("expenditure_total", SPENDING_TABLE, SPENDING_TEXT),),
        targets=TARGETS,
        pages=12,
    )
    return dataclasses.replace(disclosure, **changes)  # type: ignore[arg-type]
