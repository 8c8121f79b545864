"""The seed document alone (metrics.md's worked example): no cross-year alerts, its sums add up."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

import monitor
from budgetwatch.config import MonitorSettings
from extract.model import Disclosure, Evidence, Figure
from tests.monitor.scenario import NOW, save

SEED = {
    "revenue_total": ("77693400", "7769.34", "2021年预算收入7769.34万元"),
    "revenue_general_public": ("77693400", "7769.34", "其中：一般公共预算收入7769.34万元"),
    "revenue_gov_fund": ("0", "0", "基金预算收入0万元"),
    "expenditure_total": ("77693400", "7769.34", "2021年支出预算7769.34万元"),
    "expenditure_basic": ("10389200", "1038.92", "其中基本支出1038.92万元"),
    "expenditure_personnel": ("9283200", "928.32", "人员类项目经费928.32万元"),
    "expenditure_public": ("1106000", "110.6", "运转类公用项目经费110.6万元"),
    "expenditure_project": ("67304200", "6730.42", "项目支出6730.42万元"),
    "expenditure_total_change": ("4035200", "403.52", "较2020年预算增加403.52万元"),
    "expenditure_basic_change": ("-111100", "11.11", "基本支出减少11.11万元"),
    "agency_operating_cost": ("1106000", "110.60", "机关运行经费共计安排110.60万元"),
    "three_public_total": ("107700", "10.77", "“三公”经费预算安排10.77万元"),
    "three_public_outbound": ("0", "0", "因公出国（境）费0万元"),
    "three_public_vehicle": ("100000", "10", "公务用车购置及运维费10万元"),
    "three_public_vehicle_purchase": ("0", "0", "公务用车购置费为0万元"),
    "three_public_vehicle_operation": ("100000", "10", "公务用车运维费10万元"),
    "three_public_reception": ("7700", "0.77", "公务接待费0.77万元"),
    "three_public_total_change": ("-59000", "5.9", "与2020年相比减少5.9万元"),
    "fixed_assets_total": (
        "3581900",
        "358.19",
        "截至2020年12月31日，上年末固定资产金额为358.19万元",
    ),
}


def seed_figures() -> dict[str, Figure]:
    """The worked example's figures, as the extractor would give them (万元 narrative)."""
    return {
        m: Figure(m, Decimal(v), "万元", Evidence(text, 1), raw)
        for m, (v, raw, text) in SEED.items()
    }


def seed_disclosure(figures: dict[str, Figure]) -> Disclosure:
    """The seed document (中共固安县委组织部 2021 budget) with the given figures."""
    return Disclosure(
        "http://www.guan.gov.cn/zzb/2021/yusuan.pdf",
        "pdf",
        "固安县",
        "中共固安县委组织部",
        2021,
        "budget",
        figures,
        tuple(figures.values()),
        pages=12,
    )


def test_the_seed_document_alone_raises_nothing(session: Session) -> None:
    figures = seed_figures()
    seed = seed_disclosure(figures)
    save(session, seed)
    report = monitor.evaluate(session, now=NOW, settings=MonitorSettings())
    assert [a.message for a in report.new] == []


def test_the_seed_with_a_broken_sum_is_caught(session: Session) -> None:
    figures = seed_figures()
    # 0.01万元 off is rounding at most; 0.05万元 off is a real error in a 万元 document.
    figures["three_public_reception"] = Figure(
        "three_public_reception", Decimal(7800), "万元", Evidence("公务接待费0.78万元", 1), "0.78"
    )
    seed = seed_disclosure(figures)
    save(session, seed)
    assert monitor.evaluate(session, now=NOW, settings=MonitorSettings()).new == []
    figures["three_public_reception"] = Figure(
        "three_public_reception", Decimal(8200), "万元", Evidence("公务接待费0.82万元", 1), "0.82"
    )
    save(
        session,
        seed.__class__(
            **{**seed.__dict__, "figures": figures, "candidates": tuple(figures.values())}
        ),
        NOW,
        variant="v2",
    )
    rules = [
        (a.rule, a.metric)
        for a in monitor.evaluate(session, now=NOW, settings=MonitorSettings()).new
    ]
    assert rules == [("sum_mismatch", "three_public_total"), ("document_changed", None)]
