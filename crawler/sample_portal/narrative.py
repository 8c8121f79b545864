"""The text of each disclosure: 万元 narrative paragraphs and 单位：万元/元 tables."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from crawler.sample_portal import data, figures
from crawler.sample_portal.catalog import DocSpec
from crawler.sample_portal.catalog import doc as find_doc
from crawler.sample_portal.figures import change_phrase, wan, yuan_text


@dataclass(frozen=True)
class Table:
    """A report table: a name, its unit line and string cells."""

    name: str
    unit: str  # "万元" or "元"
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Report:
    """A disclosure's content, rendered identically into every file format."""

    title: str
    paragraphs: tuple[str, ...]
    tables: tuple[Table, ...]


def _overview(doc: DocSpec) -> list[str]:
    count = figures.counts(doc.slug, doc.short, doc.year)
    return [
        "第一部分 部门概况",
        f"一、部门主要职责。{doc.department}负责本行业、本系统的管理和服务工作（略）。",
        f"二、人员和车辆情况。本部门编制人数{count['staff_count']}人，"
        f"公务用车保有量{count['vehicles_count']}辆。",
    ]


def _three_public_parts(f: dict[str, int]) -> str:
    return (
        f"其中：因公出国（境）费{wan(f['three_public_outbound'])}万元；"
        f"公务用车购置及运行维护费{wan(f['three_public_vehicle'])}万元"
        f"（公务用车购置费{wan(f['three_public_vehicle_purchase'])}万元，"
        f"公务用车运行维护费{wan(f['three_public_vehicle_operation'])}万元）；"
        f"公务接待费{wan(f['three_public_reception'])}万元。"
    )


def _budget_paragraphs(doc: DocSpec, f: dict[str, int]) -> list[str]:
    y, prev = doc.year, f"{doc.year - 1}年"
    return [
        f"第二部分 {y}年部门预算情况说明",
        f"一、收支预算总体情况。{y}年收入预算{wan(f['revenue_total'])}万元，其中：一般公共预算拨款收入"
        f"{wan(f['revenue_general_public'])}万元，政府性基金预算拨款收入{wan(f['revenue_gov_fund'])}万元，"
        f"其他收入{wan(f['revenue_other'])}万元。{y}年支出预算{wan(f['expenditure_total'])}万元，"
        f"{change_phrase(f['expenditure_total_change'], prev + '预算')}。",
        f"二、支出预算情况。基本支出{wan(f['expenditure_basic'])}万元，"
        f"{change_phrase(f['expenditure_basic_change'], prev)}，其中人员经费"
        f"{wan(f['expenditure_personnel'])}万元，公用经费{wan(f['expenditure_public'])}万元；项目支出"
        f"{wan(f['expenditure_project'])}万元，{change_phrase(f['expenditure_project_change'], prev)}。",
        f"三、机关运行经费。{y}年机关运行经费安排{wan(f['agency_operating_cost'])}万元。",
        f"四、“三公”经费预算情况。{y}年“三公”经费预算安排{wan(f['three_public_total'])}万元，"
        f"{change_phrase(f['three_public_total_change'], prev)}。" + _three_public_parts(f),
        f"五、政府采购预算情况。{y}年安排政府采购预算{wan(f['procurement_total'])}万元。",
    ]


def _final_paragraphs(doc: DocSpec, f: dict[str, int]) -> list[str]:
    y, prev = doc.year, f"{doc.year - 1}年度"
    amounts = data.department_amounts(doc.slug, doc.short)[(doc.year, "final")]
    budget = figures.budget_of(doc.slug, doc.short, doc.year)["three_public_total"]
    rate = f"{f['three_public_total'] * 100 / budget:.1f}" if budget else "0.0"
    return [
        f"第二部分 {y}年度部门决算情况说明",
        f"一、收入支出决算总体情况。{y}年度收入总计{wan(f['revenue_total'])}万元，其中：本年收入合计"
        f"{wan(amounts.revenue_current)}万元（一般公共预算财政拨款收入{wan(f['revenue_general_public'])}万元，"
        f"政府性基金预算财政拨款收入{wan(f['revenue_gov_fund'])}万元，其他收入{wan(f['revenue_other'])}万元），"
        f"年初结转和结余{wan(f['revenue_carryover'])}万元。支出总计{wan(f['expenditure_total'])}万元，"
        f"其中：本年支出合计{wan(amounts.spending)}万元，年末结转和结余{wan(amounts.carry_end)}万元。"
        f"支出总计{change_phrase(f['expenditure_total_change'], prev)}。",
        f"二、支出决算情况。基本支出{wan(f['expenditure_basic'])}万元，其中人员经费"
        f"{wan(f['expenditure_personnel'])}万元，公用经费{wan(f['expenditure_public'])}万元；"
        f"项目支出{wan(f['expenditure_project'])}万元。",
        f"三、机关运行经费。{y}年度机关运行经费支出{wan(f['agency_operating_cost'])}万元。",
        f"四、“三公”经费支出情况。{y}年度“三公”经费年初预算{wan(budget)}万元，"
        f"支出决算{wan(f['three_public_total'])}万元，完成预算的{rate}%，"
        f"{change_phrase(f['three_public_total_change'], prev)}。" + _three_public_parts(f),
        f"五、政府采购支出情况。{y}年度政府采购支出总额{wan(f['procurement_total'])}万元。",
    ]


def _signed(units: int) -> str:
    return ("-" if units < 0 else "") + wan(units)


def _budget_tables(doc: DocSpec, f: dict[str, int]) -> tuple[Table, ...]:
    prev = figures.budget_of(doc.slug, doc.short, doc.year - 1)
    summary = tuple(
        (label, wan(f[m]))
        for label, m in (
            ("收入总计", "revenue_total"),
            ("一般公共预算拨款收入", "revenue_general_public"),
            ("政府性基金预算拨款收入", "revenue_gov_fund"),
            ("其他收入", "revenue_other"),
            ("支出总计", "expenditure_total"),
            ("基本支出", "expenditure_basic"),
            ("人员经费", "expenditure_personnel"),
            ("公用经费", "expenditure_public"),
            ("项目支出", "expenditure_project"),
        )
    )
    # The 增减 column is the stated change: the 合计 row's is where a misprint shows.
    three = tuple(
        (label, wan(f[m]), wan(prev[m]), _signed(f[f"{m}_change"]))
        for label, m in THREE_PUBLIC_ROWS
    )
    return (
        Table("部门收支预算总表", "万元", ("项目", "预算数"), summary),
        Table(
            "“三公”经费预算表",
            "万元",
            ("项目", f"{doc.year}年预算数", f"{doc.year - 1}年预算数", "增减"),
            three,
        ),
    )


THREE_PUBLIC_ROWS = (
    ("合计", "three_public_total"),
    ("因公出国（境）费", "three_public_outbound"),
    ("公务用车购置及运行维护费", "three_public_vehicle"),
    ("公务用车购置费", "three_public_vehicle_purchase"),
    ("公务用车运行维护费", "three_public_vehicle_operation"),
    ("公务接待费", "three_public_reception"),
)


def _final_tables(doc: DocSpec, f: dict[str, int]) -> tuple[Table, ...]:
    a = data.department_amounts(doc.slug, doc.short)[(doc.year, "final")]
    budget = figures.budget_of(doc.slug, doc.short, doc.year)
    summary = (
        ("本年收入合计", a.revenue_current),
        ("一般公共预算财政拨款收入", f["revenue_general_public"]),
        ("政府性基金预算财政拨款收入", f["revenue_gov_fund"]),
        ("其他收入", f["revenue_other"]),
        ("年初结转和结余", f["revenue_carryover"]),
        ("收入总计", f["revenue_total"]),
        ("本年支出合计", a.spending),
        ("基本支出", f["expenditure_basic"]),
        ("人员经费", f["expenditure_personnel"]),
        ("公用经费", f["expenditure_public"]),
        ("项目支出", f["expenditure_project"]),
        ("年末结转和结余", a.carry_end),
        ("支出总计", f["expenditure_total"]),
    )
    three = tuple((label, yuan_text(budget[m]), yuan_text(f[m])) for label, m in THREE_PUBLIC_ROWS)
    return (
        Table(
            "收入支出决算总表",
            "元",
            ("项目", "决算数"),
            tuple((label, yuan_text(v)) for label, v in summary),
        ),
        Table(
            "一般公共预算财政拨款“三公”经费支出决算表", "元", ("项目", "预算数", "决算数"), three
        ),
    )


@cache
def report(key: str, version: int = 0) -> Report:
    """The full content of one disclosure at a portal version."""
    doc = find_doc(key)
    f = figures.stated(doc.slug, doc.short, doc.year, doc.kind, version)
    if doc.kind == "budget":
        body, tables = _budget_paragraphs(doc, f), _budget_tables(doc, f)
    else:
        body, tables = _final_paragraphs(doc, f), _final_tables(doc, f)
    closing = [
        "第三部分 名词解释",
        "“三公”经费：指因公出国（境）费、公务用车购置及运行维护费和公务接待费。",
    ]
    return Report(doc.title, tuple(_overview(doc) + body + closing), tables)
