"""document_quality: one alert per document and problem, from extraction's notes or the sentences."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from extract import extract_document
from extract.model import QualityNote
from extract.readers import read_document
from monitor.rules.document_quality import DocumentQualityRule
from tests.extract.test_quality import CORPUS_FILES
from tests.monitor import scenario
from tests.monitor.rules import names, only, run, store, wan_disclosure

TOTALS = {"expenditure_total": "1000"}


def note(kind: str, detail: str, evidence: str = "", page: int = 3) -> QualityNote:
    return QualityNote(kind, detail, page, evidence)  # type: ignore[arg-type]


def test_a_missing_table_is_a_warning(session: Session) -> None:
    missing = note(
        "missing_table", "目录列出的“政府采购预算表”未见于文件", "十二、政府采购预算表", 1
    )
    store(session, wan_disclosure(2022, "budget", TOTALS, notes=(missing,)))
    alert = only(run(session, DocumentQualityRule()))
    assert (alert.rule, alert.severity, alert.metric) == (
        "document_quality",
        "warning",
        "missing_table",
    )
    names(alert, "政府采购预算表", "漏公开")
    assert alert.evidence[0]["page"] == 1 and alert.evidence[0]["text"] == "十二、政府采购预算表"


def test_a_blank_three_public_table_is_a_warning(session: Session) -> None:
    blank = note("blank_three_public_table", "“三公”经费表无任何金额", "“三公”经费支出预算表", 9)
    store(session, wan_disclosure(2022, "budget", TOTALS, notes=(blank,)))
    alert = only(run(session, DocumentQualityRule()))
    assert (alert.severity, alert.metric) == ("warning", "blank_three_public_table")
    names(alert, "空表")


def test_one_placeholder_is_info_and_several_a_warning(session: Session) -> None:
    one = note("placeholder", "未替换的占位符“XX”", "XX单位2022年部门预算")
    store(session, wan_disclosure(2022, "budget", TOTALS, notes=(one,)))
    alert = only(run(session, DocumentQualityRule()))
    assert (alert.severity, alert.metric) == ("info", "placeholder")
    names(alert, "XX单位2022年部门预算")
    three = tuple(note("placeholder", "未替换的占位符“XX”", f"XX科室{i}") for i in range(3))
    item = wan_disclosure(2022, "final", TOTALS, notes=three)
    store(session, item)
    alert = only(run(session, DocumentQualityRule()))
    assert (alert.severity, alert.kind, alert.figures["count"]) == ("warning", "final", 3)
    names(alert, "共3处")


def test_several_notes_of_two_kinds_make_two_alerts(session: Session) -> None:
    notes = (
        note("wrong_year", "标题年份与2022年度文件不符", "2021年收入预算总表"),
        note("wrong_year", "标题年份与2022年度文件不符", "2021年收入预算总表"),  # the same line
        note("placeholder", "未替换的占位符“某某”", "某某局"),
    )
    store(session, wan_disclosure(2022, "budget", TOTALS, notes=notes))
    alerts = run(session, DocumentQualityRule())
    assert sorted((a.metric, a.severity) for a in alerts) == [
        ("placeholder", "info"),
        ("wrong_year", "info"),
    ]
    names(next(a for a in alerts if a.metric == "wrong_year"), "2021年收入预算总表")


def test_an_as_of_date_of_last_year_in_a_budget_is_silent(session: Session) -> None:
    item = wan_disclosure(2022, "budget", TOTALS)
    item = scenario.evidence_text(item, "expenditure_total", "截至2021年12月31日，支出总计")
    store(session, item)
    assert run(session, DocumentQualityRule()) == []
    stale = scenario.evidence_text(item, "expenditure_total", "截至2019年12月31日，支出总计")
    store(session, replace(stale, department=scenario.DEPARTMENTS[1], source="x"))
    alert = only(run(session, DocumentQualityRule()))
    assert (alert.metric, alert.severity) == ("wrong_year", "info")
    names(alert, "截至2019年12月31日")


def test_a_doctored_corpus_document_is_caught_end_to_end(
    session: Session, shared_corpus: Path
) -> None:
    # A real document through the real extractor: a listed table taken out.
    name = "sh_pt_sfj_2026_unit_budget.pdf"
    doc = read_document(shared_corpus / name, name)
    genuine = extract_document(doc)
    doctored = extract_document(
        replace(doc, pages=tuple(p for p in doc.pages if p.number not in {9, 10}))
    )
    assert genuine.notes == () and [n.kind for n in doctored.notes] == ["missing_table"]
    scenario.save(session, replace(doctored, region="普陀区"))
    session.commit()
    alert = only(run(session, DocumentQualityRule()))
    assert (alert.severity, alert.metric, alert.year) == ("warning", "missing_table", 2026)
    names(alert, "预算单位收入预算总表")


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_no_genuine_corpus_document_raises_an_alert(
    session: Session, shared_corpus: Path, name: str
) -> None:
    store(session, extract_document(read_document(shared_corpus / name, name)))
    assert run(session, DocumentQualityRule()) == []
