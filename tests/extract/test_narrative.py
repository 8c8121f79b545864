"""Figures stated in sentences, on small fixture texts."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from extract.fields import DocumentFields, document_fields
from extract.lexicon import TERMS, find_terms, may_split_word, token_starts
from extract.model import Figure, Page, RawDocument
from extract.narrative import narrative_figures
from extract.sentences import clauses, document_sentences
from tests.conftest import FIXTURES


def _doc(text: str, source: str = "inline.txt") -> RawDocument:
    return RawDocument(source=source, format="txt", pages=(Page(number=1, text=text),))


def _chosen(figures: list[Figure]) -> dict[str, Decimal]:
    chosen: dict[str, Decimal] = {}
    for figure in figures:
        chosen.setdefault(figure.metric, figure.value)
    return chosen


def _fixture_figures(name: str) -> dict[str, Decimal]:
    doc = _doc((FIXTURES / "text" / name).read_text(encoding="utf-8"), name)
    return _chosen(narrative_figures(doc, document_fields(doc)))


def test_county_budget_figures_and_changes() -> None:
    got = _fixture_figures("county_budget.txt")
    assert got["revenue_total"] == Decimal("12345600")
    assert got["revenue_other"] == Decimal("345600")  # unit split across lines
    assert got["expenditure_personnel"] == Decimal("7000000")
    assert got["expenditure_public"] == Decimal("1005000")
    assert got["expenditure_project"] == Decimal("4340600")
    # the change sits behind a page footer and inherits both totals
    assert got["revenue_total_change"] == got["expenditure_total_change"] == Decimal("1000000")
    assert got["expenditure_basic_change"] == Decimal("-200000")
    assert got["three_public_total_change"] == Decimal("-20000")
    assert got["three_public_reception_change"] == Decimal("0")
    assert got["three_public_vehicle"] == Decimal("50000")  # 公车 … 运维费
    assert got["fixed_assets_total"] == Decimal("581900")
    assert got["vehicles_count"] == Decimal("2")


def test_prior_year_amount_is_a_decoy() -> None:
    got = _fixture_figures("county_budget.txt")
    assert got["expenditure_total"] == Decimal("12345600")
    all_values = {f.value for f in narrative_figures(*_doc_and_fields("county_budget.txt"))}
    assert Decimal("11345600") not in all_values


def _doc_and_fields(name: str) -> tuple[RawDocument, DocumentFields]:
    doc = _doc((FIXTURES / "text" / name).read_text(encoding="utf-8"), name)
    return doc, document_fields(doc)


def test_final_takes_actual_spending_and_ignores_own_budget_comparison() -> None:
    got = _fixture_figures("sangong_final.txt")
    assert got["three_public_total"] == Decimal("55000")  # 决算 5.5, not 预算 6
    assert got["three_public_reception_change"] == Decimal("-2000")  # vs 2018 决算, not vs budget
    assert got["three_public_vehicle_operation"] == Decimal("40000")
    assert got["three_public_vehicle_operation_change"] == Decimal("0")  # 增加(减少)0万元
    assert got["vehicles_count"] == Decimal("3")  # holdings, not the 1 bought


def test_all_funds_section_beats_appropriation_section() -> None:
    text = (
        "一、收支预算总体情况说明\n某厅2018年度收入、支出预算总计200万元，与上年相比收、支预算总计各增加10万元。\n"
        "四、财政拨款收支预算总体情况说明\n某厅2018年度财政拨款收、支总预算180万元。与上年相比收、支预算总计各增加12万元。\n"
    )
    fields = DocumentFields(region=None, department=None, year=2018, kind="budget")
    got = _chosen(narrative_figures(_doc(text), fields))
    assert got["revenue_total_change"] == Decimal("100000")
    assert got["expenditure_total"] == Decimal("2000000")


def test_pairwise_totals_of_a_final() -> None:
    text = "2022年度收、支总计各是4125.49,4143.91万元。与2021年相比，收、支总计各减少1267.86,2570.97万元。"
    fields = DocumentFields(region=None, department=None, year=2022, kind="final")
    got = _chosen(narrative_figures(_doc(text), fields))
    assert got["revenue_total"] == Decimal("41254900")
    assert got["expenditure_total"] == Decimal("41439100")
    assert got["expenditure_total_change"] == Decimal("-25709700")


def test_percentages_and_expenditure_zeros_give_nothing() -> None:
    text = (
        "2018年公务接待费预算8万元，比上年下降9%。2018年政府性基金支出预算支出0万元，与上年数一致。"
    )
    fields = DocumentFields(region=None, department=None, year=2018, kind="budget")
    got = _chosen(narrative_figures(_doc(text), fields))
    assert got == {"three_public_reception": Decimal("80000")}


def test_dropped_wan_is_demoted() -> None:
    text = "2015年公务接待费1.58元，经核查，2015年度我单位支出公务接待费为1.58万元。"
    fields = DocumentFields(region=None, department=None, year=2015, kind="final")
    figures = narrative_figures(_doc(text), fields)
    assert _chosen(figures)["three_public_reception"] == Decimal("15800")


def test_evidence_points_at_the_sentence() -> None:
    doc, fields = _doc_and_fields("county_budget.txt")
    figure = next(f for f in narrative_figures(doc, fields) if f.metric == "expenditure_basic")
    assert figure.evidence.origin == "narrative"
    assert "基本支出800.5万元" in figure.evidence.text
    assert figure.raw == "800.5" and figure.unit == "万元"
    assert figure.evidence.offset is not None and figure.evidence.page == 1


def test_page_footers_and_numbers_are_stripped() -> None:
    text = "增长\n3\n17.31%，与上年相比增\n— 6 —\n加 941.62 万元"
    sentences = document_sentences(_doc(text))
    assert "".join(s.text for s in sentences) == "增长17.31%,与上年相比增加941.62万元"


def test_seed_document_is_exact(shared_corpus: Path) -> None:
    label = next(
        json.loads(line)
        for line in (shared_corpus / "gold.jsonl").read_text(encoding="utf-8").splitlines()
        if '"guan_zuzhibu_2021_budget"' in line
    )
    text = (shared_corpus / "guan_zuzhibu_2021_budget.txt").read_text(encoding="utf-8")
    doc = _doc(text, "guan_zuzhibu_2021_budget.txt")
    got = _chosen(narrative_figures(doc, document_fields(doc)))
    wrong = {m: (v, got.get(m)) for m, v in label["figures"].items() if got.get(m) != Decimal(v)}
    assert wrong == {}


@pytest.mark.parametrize("name", ["county_budget.txt", "sangong_final.txt"])
def test_first_figure_per_metric_is_unique_and_signed_only_for_changes(name: str) -> None:
    doc, fields = _doc_and_fields(name)
    for figure in narrative_figures(doc, fields):
        if not figure.metric.endswith("_change"):
            assert figure.value >= 0, figure


def test_jieba_keeps_a_term_from_being_read_out_of_another_word() -> None:
    # 采购货物预算 (a blocker) starts inside the word 政府采购: jieba must drop it.
    doc = _doc(
        "2019年本部门政府采购货物预算1.44万元、政府采购工程预算36.44万元、"
        "政府采购服务预算1446.32万元。"
    )
    got = [(f.metric, f.value) for f in narrative_figures(doc, document_fields(doc))]
    assert got == [
        ("procurement_total", Decimal("14400")),
        ("procurement_total", Decimal("364400")),
        ("procurement_total", Decimal("14463200")),
    ]


def _clauses_of_fixtures() -> list[str]:
    texts = [path.read_text(encoding="utf-8") for path in (FIXTURES / "text").glob("*.txt")]
    return [
        clause
        for text in texts
        for sentence in document_sentences(_doc(text))
        for _start, clause in clauses(sentence.text)
    ]


def test_anchor_shortcut_finds_the_same_terms_as_every_pattern() -> None:
    for clause in _clauses_of_fixtures() + ["收、支总计各是4125.49,4143.91万元", "运行费12万元"]:
        every = sorted(
            (m.start(), m.end())
            for term in TERMS
            for m in term.pattern.finditer(clause)
            if m.end() > m.start()
        )
        found = {(t.start, t.end) for t in find_terms(clause)}
        # The chosen terms are a subset of all matches, and a clause with any has some.
        assert found <= set(every)
        assert bool(found) == bool(every)


def test_every_term_match_holds_an_anchor() -> None:
    for clause in _clauses_of_fixtures():
        for term in TERMS:
            for match in term.pattern.finditer(clause):
                assert not term.anchors or term.anchors & set(match.group(0)), term.pattern


def test_jieba_is_skipped_only_where_a_term_must_start_a_word() -> None:
    for clause in _clauses_of_fixtures():
        starts = token_starts(clause)
        for term in find_terms(clause):
            if not may_split_word(clause, term.start):
                assert term.start in starts, (clause, term.text)
    # 预算支出 read out of 一般公共预算|支出: a dictionary word runs across its start.
    assert may_split_word("一般公共预算支出预算", 4)


def _figures(text: str, year: int = 2023, kind: str = "budget") -> dict[str, Decimal]:
    doc = _doc(text)
    fields = DocumentFields(region=None, department=None, year=year, kind=kind)  # type: ignore[arg-type]
    return _chosen(narrative_figures(doc, fields))


def test_aside_with_amounts_does_not_take_over_the_change_after_it() -> None:
    got = _figures(
        "公务用车购置及运行维护费10万元（其中：公务用车购置费0万元，公务用车运行维护费10万元），"
        "比上年预算数减少1万元。"
    )
    assert got["three_public_vehicle_change"] == Decimal("-10000")
    assert "three_public_vehicle_operation_change" not in got


def test_terms_listed_together_share_one_amount() -> None:
    got = _figures("其中：公务接待费1.2万元；因公出国（境）费、公务用车购置及运行费均为0。")
    assert got["three_public_outbound"] == Decimal(0)
    assert got["three_public_vehicle"] == Decimal(0)


def test_signed_template_change_and_revenue_without_the_word_income() -> None:
    got = _figures(
        "“三公”经费预算安排8.3万元，比2022年预算数增（减）-1.2万元。\n"
        "（一）收入预算：一般公共预算拨款15,320.18万元，政府性基金预算拨款6,100万元。"
    )
    assert got["three_public_total_change"] == Decimal("-12000")
    assert got["revenue_general_public"] == Decimal("153201800")
    assert got["revenue_gov_fund"] == Decimal("61000000")


def test_final_budget_quoted_in_the_items_own_words_is_skipped() -> None:
    got = _figures(
        "2022年度“三公”经费财政拨款支出预算为9.5万元，支出决算为6.83万元，完成预算的71.89%。\n"
        "（一）因公出国（境）费。年初预算为0.5万元，支出决算为0.2万元，与上年持平。",
        year=2022,
        kind="final",
    )
    assert got["three_public_total"] == Decimal("68300")
    assert got["three_public_outbound"] == Decimal("2000")
    assert "expenditure_total" not in got


def test_reason_clause_governs_nothing_and_subtotal_changes_skip_in_finals() -> None:
    got = _figures(
        "2022年度收入合计11,987.32万元，较上年减少856.21万元。\n"
        "决算数9.36万元，主要是严格控制公务接待支出；与2021年决算数相比，减少0.76万元。",
        year=2022,
        kind="final",
    )
    assert "revenue_total" not in got and "revenue_total_change" not in got
    assert "three_public_reception_change" not in got
