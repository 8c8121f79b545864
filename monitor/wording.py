"""How alerts speak: amounts in 万元, department names, 预算/决算, percentages."""

from __future__ import annotations

from decimal import Decimal

from storage.metrics import label

WAN = Decimal(10_000)
KIND_WORDS = {"budget": "预算", "final": "决算"}
RATIO_LABELS = {
    "three_public_share": "“三公”经费占支出总计的比例",
    "public_to_personnel": "公用经费与人员经费之比",
    "operating_share": "机关运行经费占基本支出的比例",
    "growth": "支出总计较上年增长倍数",
}


def wan(value: Decimal) -> str:
    """An amount in yuan as the documents write it: '10.77万元', '0万元'."""
    text = format((value / WAN).quantize(Decimal("0.01")), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}万元"


def yuan_text(value: Decimal | None) -> str | None:
    """Exact yuan as a decimal string for the alert's figures (JSON has no decimals)."""
    return None if value is None else format(value, "f")


def kind_word(kind: str | None) -> str:
    """'预算' or '决算' (or '公开' when the kind is unknown)."""
    return KIND_WORDS.get(kind or "", "公开")


def subject(region: str | None, department: str | None) -> str:
    """Who disclosed: the department, prefixed by its region unless its name has it."""
    region, department = region or "", department or "（未知部门）"
    return department if region and region in department else f"{region}{department}"


def metric_name(metric: str) -> str:
    """The Chinese name of a metric or of a peer ratio."""
    return RATIO_LABELS.get(metric) or label(metric)


def percent(ratio: float) -> str:
    """0.052 -> '5.2%'."""
    return f"{ratio * 100:.1f}%"
