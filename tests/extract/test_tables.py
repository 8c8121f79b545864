"""Table grids (as Word/Excel readers deliver them) → figures."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from extract.fields import DocumentFields
from extract.model import Page, RawDocument, Table
from extract.tables import column_role, normalise, table_figures

BUDGET_2017 = DocumentFields(region=None, department=None, year=2017, kind="budget")
FINAL_2016 = DocumentFields(region=None, department=None, year=2016, kind="final")


def first_values(tables: tuple[Table, ...], fields: DocumentFields) -> dict[str, Decimal]:
    doc = RawDocument(source="t.xlsx", format="xlsx", pages=(Page(1, ""),), tables=tables)
    found: dict[str, Decimal] = {}
    for figure in table_figures(doc, fields):
        found.setdefault(figure.metric, figure.value)
    return found


def test_excel_sangong_grid_with_merged_header() -> None:
    table = Table(
        title="“三公”经费和机关运行经费预算表",
        unit="万元",
        rows=(
            (
                "合计",
                "因公出国(境)费",
                "公务接待费",
                "公务用车购置及运行费",
                "",
                "",
                "机关运行经费",
            ),
            ("", "", "", "小计", "购置费", "运行费", ""),
            ("10.71", "0.00", "0.73", "9.98", "0.00", "9.98", "184.59"),
        ),
    )
    found = first_values((table,), BUDGET_2017)
    assert found["three_public_total"] == Decimal("107100")
    assert found["three_public_reception"] == Decimal("7300")
    assert found["three_public_vehicle"] == Decimal("99800")
    assert found["three_public_vehicle_purchase"] == Decimal("0")
    assert found["agency_operating_cost"] == Decimal("1845900")


def test_all_funds_total_beats_appropriation_table() -> None:
    appropriation = Table(
        title="财政拨款收支预算总表",
        unit="万元",
        rows=(("项目", "金额", "项目", "金额"), ("", "", "一、基本支出", "5,836.27")),
    )
    all_funds = Table(
        title="收支预算总表",
        unit="万元",
        rows=(
            ("项目", "金额", "项目", "金额"),
            ("收入合计", "9,146.79", "一、基本支出", "5,916.27"),
        ),
    )
    found = first_values((appropriation, all_funds), BUDGET_2017)
    assert found["expenditure_basic"] == Decimal("59162700")
    assert found["revenue_total"] == Decimal("91467900")


def test_final_table_takes_current_year_and_signed_change() -> None:
    table = Table(
        title="2016年“三公”经费决算情况统计表",
        unit="万元",
        rows=(
            ("项目", "上年决算数", "本年决算数", "比上年增、减情况", ""),
            ("", "", "", "增、减金额", "增、减幅度"),
            ("合计", "2911.47", "2706.86", "-204.61", "-7.03%"),
            ("其中:(1)公务用车购置费", "14.80", "0", "-14.8", "-100%"),
        ),
    )
    found = first_values((table,), FINAL_2016)
    assert found["three_public_total"] == Decimal("27068600")
    assert found["three_public_total_change"] == Decimal("-2046100")
    assert found["three_public_vehicle_purchase"] == Decimal("0")
    assert found["three_public_vehicle_purchase_change"] == Decimal("-148000")


def test_unit_in_cell_overrides_header_unit() -> None:
    table = Table(title="政府采购预算表", unit="元", rows=(("项目", "金额"), ("合计", "44万元")))
    assert first_values((table,), BUDGET_2017)["procurement_total"] == Decimal("440000")


def test_prior_year_column_is_a_decoy() -> None:
    assert column_role("2016年预算数", 2017, "budget", []) == "skip"
    assert column_role("2017年预算数", 2017, "budget", []) == "value"
    assert column_role("预算数", 2018, "final", ["预算数", "决算数"]) == "skip"


@given(
    st.sampled_from(["一、", "1.", "（2）", "(3)", "其中:", "二、"]),
    st.sampled_from(["基本支出", "公务接待费"]),
)
def test_normalise_strips_list_numbering(prefix: str, label: str) -> None:
    assert normalise(prefix + label) == label


def test_value_printed_with_fen_beats_the_same_value_rounded() -> None:
    # sh_pt_sfj_2026: 支出预算总表 prints 22,118,861, the 经济分类 table 22,118,861.34
    expenditure = Table(
        title="支出预算总表",
        unit="元",
        rows=(
            ("项目", "合计", "基本支出", "项目支出"),
            ("合计", "86,959,408.34", "22,118,861", ""),
        ),
    )
    economic = Table(
        title="基本支出经济分类预算表",
        unit="元",
        rows=(("项目", "合计", "人员经费", "公用经费"), ("合计", "22,118,861.34", "", "")),
    )
    found = first_values((expenditure, economic), BUDGET_2017)
    assert found["expenditure_basic"] == Decimal("22118861.34")
    assert found["expenditure_total"] == Decimal("86959408.34")


def test_rounded_value_stays_when_no_table_agrees_within_a_unit() -> None:
    expenditure = Table(
        title="支出预算总表",
        unit="元",
        rows=(("项目", "合计", "基本支出"), ("合计", "9,000", "5,000")),
    )
    economic = Table(
        title="基本支出经济分类预算表",
        unit="元",
        rows=(("项目", "合计"), ("合计", "5,001.50")),
    )
    assert first_values((expenditure, economic), BUDGET_2017)["expenditure_basic"] == Decimal(
        "5000"
    )


def test_budget_total_line_beats_this_years_subtotal() -> None:
    table = Table(
        title="收支预算总表",
        unit="万元",
        rows=(
            ("收入", "预算数", "支出", "预算数"),
            ("一般公共预算拨款收入", "3,005.40", "城乡社区支出", "3,125.40"),
            ("本年收入合计", "3,025.40", "本年支出合计", "3,125.40"),
            ("上年结转", "100.00", "年末结转", "0.00"),
            ("收入总计", "3,125.40", "支出总计", "3,125.40"),
        ),
    )
    got = first_values((table,), BUDGET_2017)
    assert got["revenue_total"] == Decimal("31254000")
    assert got["revenue_carryover"] == Decimal("1000000")
