"""Document quality notes: silent on the genuine corpus, each planted defect found."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from extract import extract_document
from extract.fields import document_fields
from extract.model import QualityNote, RawDocument
from extract.narrative import narrative_figures
from extract.quality import quality_notes
from extract.readers import read_document

CORPUS_FILES = [
    "changle_sangong_2017_final.txt",
    "daying_danwei_2022_final.txt",
    "duji_kaifaqu_2020_budget.txt",
    "feixi_zhengxie_2018_budget.txt",
    "gannan_danwei_sangong_2015_final.txt",
    "guan_zuzhibu_2021_budget.txt",
    "hunan_shengji_sangong_2016_budget.txt",
    "js_rd_2017_budget.pdf",
    "js_rd_2018_budget.pdf",
    "js_rd_2019_budget_tables.pdf",
    "js_swbgt_2017_budget_tables.pdf",
    "js_swbgt_2017_budget_text.pdf",
    "js_swbgt_2018_budget_tables.pdf",
    "js_swbgt_2018_budget_text.pdf",
    "js_swbgt_2019_budget_tables.pdf",
    "js_swbgt_2019_budget_text.pdf",
    "js_zx_2017_budget_tables.pdf",
    "js_zx_2017_budget_text.pdf",
    "js_zx_2018_budget_tables.pdf",
    "js_zx_2018_budget_text.pdf",
    "lincang_chayesuo_2018_budget.txt",
    "longquan_sangong_2018_final.txt",
    "luzhai_sangong_2019_final.txt",
    "mouding_sangong_2017_final.txt",
    "nanchang_jiedaiban_2021_budget.txt",
    "sh_pt_sfj_2026_unit_budget.pdf",
    "shidian_sangong_2016_final.txt",
    "shitai_sifaju_2018_final.txt",
    "xishuangbanna_minzongju_2017_budget.txt",
    "xuancheng_shizhigongwei_2018_final.txt",
    "yingde_huanbaoju_2014_budget.txt",
    "yingde_jingxinju_2016_budget.txt",
    "yueyang_shibenji_sangong_2016_budget.txt",
]


def read(corpus: Path, name: str) -> RawDocument:
    return read_document(corpus / name, name)


def notes_of(doc: RawDocument) -> list[QualityNote]:
    fields = document_fields(doc)
    return quality_notes(doc, fields, narrative_figures(doc, fields))


def edit_page(doc: RawDocument, number: int, edit: object) -> RawDocument:
    """``doc`` with the text of page ``number`` passed through ``edit``."""
    pages = tuple(
        replace(page, text=edit(page.text)) if page.number == number else page  # type: ignore[operator]
        for page in doc.pages
    )
    return replace(doc, pages=pages)


def kinds(notes: list[QualityNote]) -> list[str]:
    return sorted({note.kind for note in notes})


def test_the_33_genuine_documents_raise_no_note(shared_corpus: Path) -> None:
    # None of the corpus README's real defects (sums, self-contradicting narrative) is a
    # quality note: a note on any of these files would be a false alarm.
    found = {name: extract_document(read(shared_corpus, name)).notes for name in CORPUS_FILES}
    assert len(found) == 33
    assert {name: notes for name, notes in found.items() if notes} == {}


def test_a_placeholder_left_in_is_found(shared_corpus: Path) -> None:
    doc = read(shared_corpus, "guan_zuzhibu_2021_budget.txt")
    doctored = edit_page(doc, 1, lambda text: text.replace("机关运行经费", "XX单位机关运行经费", 1))
    notes = notes_of(doctored)
    assert kinds(notes) == ["placeholder"]
    assert "XX单位机关运行经费" in notes[0].evidence and notes[0].page == 1


def test_a_heading_with_another_year_is_found(shared_corpus: Path) -> None:
    doc = read(shared_corpus, "sh_pt_sfj_2026_unit_budget.pdf")
    doctored = edit_page(
        doc,
        9,
        lambda text: text.replace("2026年预算单位收入预算总表", "2025年预算单位收入预算总表"),
    )
    notes = notes_of(doctored)
    assert [(n.kind, n.page) for n in notes] == [("wrong_year", 9)]
    assert "2025年预算单位收入预算总表" in notes[0].evidence


def test_an_as_of_date_of_another_year_is_found(shared_corpus: Path) -> None:
    doc = read(shared_corpus, "sh_pt_sfj_2026_unit_budget.pdf")
    page = next(p.number for p in doc.pages if "截至2025年8月31日" in p.text)
    doctored = edit_page(doc, page, lambda text: text.replace("截至2025年", "截至2023年"))
    notes = notes_of(doctored)
    assert [(n.kind, n.page) for n in notes] == [("wrong_year", page)]
    assert "2023" in notes[0].detail


def blank_numbers(text: str, title: str) -> str:
    """The page text with every digit after ``title`` removed (a table left empty)."""
    head, _, body = text.partition(title)
    return head + title + re.sub(r"[\d.,]+", "", body)


@pytest.mark.parametrize(
    ("name", "page", "title"),
    [
        ("sh_pt_sfj_2026_unit_budget.pdf", 20, "2026年单位“三公”经费和机关运行经费预算表"),
        ("duji_kaifaqu_2020_budget.txt", 1, "一、2020年“三公”经费支出预算表\n单位"),
    ],
)
def test_a_blank_three_public_table_is_found(
    shared_corpus: Path, name: str, page: int, title: str
) -> None:
    doc = read(shared_corpus, name)
    if name.endswith(".txt"):  # only the table: the narrative keeps its figures
        text = doc.pages[0].text
        table, rest = text.split("二、2020年“三公”经费支出预算情况说明")
        doctored = edit_page(
            doc,
            1,
            lambda _: blank_numbers(table, title) + "二、2020年“三公”经费支出预算情况说明" + rest,
        )
    else:
        doctored = edit_page(doc, page, lambda text: blank_numbers(text, title))
    notes = notes_of(doctored)
    assert [(n.kind, n.page) for n in notes] == [("blank_three_public_table", page)]
    assert "三公" in notes[0].evidence


def test_a_blank_three_public_table_without_narrative_figures_is_not_judged(
    shared_corpus: Path,
) -> None:
    doc = read(shared_corpus, "sh_pt_sfj_2026_unit_budget.pdf")
    title = "2026年单位“三公”经费和机关运行经费预算表"
    doctored = edit_page(doc, 20, lambda text: blank_numbers(text, title))
    assert quality_notes(doctored, document_fields(doctored), ()) == []


@pytest.mark.parametrize(
    ("name", "dropped", "title"),
    [
        ("sh_pt_sfj_2026_unit_budget.pdf", {9, 10}, "预算单位收入预算总表"),
        ("js_rd_2017_budget.pdf", {9}, "收入预算总表"),
    ],
)
def test_a_listed_table_removed_is_found(
    shared_corpus: Path, name: str, dropped: set[int], title: str
) -> None:
    doc = read(shared_corpus, name)
    doctored = replace(doc, pages=tuple(p for p in doc.pages if p.number not in dropped))
    notes = notes_of(doctored)
    assert [(n.kind, n.detail) for n in notes] == [
        ("missing_table", f"目录列出的“{title}”未见于文件")
    ]


def test_a_narrative_only_file_lists_tables_published_elsewhere_silently(
    shared_corpus: Path,
) -> None:
    # "具体公开表样附后": the tables are the other file of a split publication.
    doc = read(shared_corpus, "js_zx_2017_budget_text.pdf")
    assert notes_of(doc) == []
    without_phrase = replace(
        doc, pages=tuple(replace(p, text=p.text.replace("附后", "")) for p in doc.pages)
    )
    assert notes_of(without_phrase) == []


def test_placeholder_pattern_ignores_urls_and_latin_words() -> None:
    from extract.model import Page

    text = "信息公开目录 http://luzhai.gov.cn/xxgk/XXGK/ 见 TAXX 文件\n本单位2021年预算。"
    doc = RawDocument("x.txt", "txt", (Page(1, text),))
    assert [n for n in notes_of(doc) if n.kind == "placeholder"] == []
