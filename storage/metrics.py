"""The canonical metric ids (``../shared/metrics.md``): the contract between stages.

Parser, database, monitor and alerts all speak these ids; the Chinese names are
what people read in tables, alerts and mails.
"""

from __future__ import annotations

MONEY_METRICS: dict[str, str] = {
    "revenue_total": "收入总计",
    "revenue_general_public": "一般公共预算拨款收入",
    "revenue_gov_fund": "政府性基金预算拨款收入",
    "revenue_state_capital": "国有资本经营预算拨款收入",
    "revenue_special_account": "财政专户管理资金收入",
    "revenue_other": "其他收入",
    "revenue_carryover": "上年结转",
    "expenditure_total": "支出总计",
    "expenditure_basic": "基本支出",
    "expenditure_personnel": "人员经费",
    "expenditure_public": "公用经费",
    "expenditure_project": "项目支出",
    "agency_operating_cost": "机关运行经费",
    "three_public_total": "“三公”经费合计",
    "three_public_outbound": "因公出国（境）费",
    "three_public_vehicle": "公务用车购置及运行（维护）费",
    "three_public_vehicle_purchase": "公务用车购置费",
    "three_public_vehicle_operation": "公务用车运行（维护）费",
    "three_public_reception": "公务接待费",
    "meeting_fee": "会议费",
    "training_fee": "培训费",
    "procurement_total": "政府采购预算",
    "fixed_assets_total": "固定资产总额",
}

COUNT_METRICS: dict[str, str] = {
    "vehicles_count": "公务用车保有量",
    "staff_count": "编制人数",
}

CHANGE_SUFFIX = "_change"


def is_change(metric: str) -> bool:
    """True for a stated year-on-year change id such as ``revenue_total_change``."""
    return metric.endswith(CHANGE_SUFFIX) and metric[: -len(CHANGE_SUFFIX)] in MONEY_METRICS


def is_known(metric: str) -> bool:
    """True for any canonical id: money, count or a money metric's ``_change``."""
    return metric in MONEY_METRICS or metric in COUNT_METRICS or is_change(metric)


def label(metric: str) -> str:
    """The Chinese name of a metric id, e.g. '公务接待费' or '基本支出（较上年增减）'."""
    if metric in MONEY_METRICS:
        return MONEY_METRICS[metric]
    if metric in COUNT_METRICS:
        return COUNT_METRICS[metric]
    if is_change(metric):
        return MONEY_METRICS[metric[: -len(CHANGE_SUFFIX)]] + "（较上年增减）"
    return metric
