"""Document-level fields: region, department, year, kind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extract.fields import document_fields
from extract.model import Page, RawDocument


def _fields(text: str):  # type: ignore[no-untyped-def]
    return document_fields(RawDocument(source="x.txt", format="txt", pages=(Page(1, text),)))


@pytest.mark.parametrize(
    ("text", "region", "department", "year", "kind"),
    [
        (
            "固安县中共固安县委组织部2021年部门预算公开情况说明\n按照《地方预决算公开操作规程》",
            "固安县",
            "固安县中共固安县委组织部",
            2021,
            "budget",
        ),
        (
            "- 1 -\n江苏省政协办公厅 2018 年度\n部门预算公开\n",
            "江苏省",
            "江苏省政协办公厅",
            2018,
            "budget",
        ),
        (
            "一、2018年一般公共预算财政拨款“三公”经费支出决算\n石台县司法局2018 年度一般公共预算",
            "石台县",
            "石台县司法局",
            2018,
            "final",
        ),
        ("2019年度鹿寨县“三公”经费支出决算情况\n", "鹿寨县", "鹿寨县", 2019, "final"),
        (
            "经长乐区财政局汇总,2017年区级“三公”经费公共财政拨款支出1360.13万元",
            "长乐区",
            "长乐区财政局",
            2017,
            "final",
        ),
        (
            "表一\n部门：中共江苏省委办公厅\n单位：万元\n2019年预算数",
            "江苏省",
            "中共江苏省委办公厅",
            2019,
            None,
        ),
        (
            "杜集经济开发区管委会2020年部门\n“三公”经费预算\n2020年2月",
            "杜集区",
            "杜集经济开发区管委会",
            2020,
            "budget",
        ),
    ],
)
def test_fields_from_titles(
    text: str, region: str, department: str, year: int, kind: str | None
) -> None:
    fields = _fields(text)
    assert (fields.region, fields.department, fields.year) == (region, department, year)
    if kind is not None:
        assert fields.kind == kind


def test_signing_date_is_not_the_year() -> None:
    fields = _fields(
        "一、预算收支增减变化情况说明\n2018年基本支出预算较上年增50.8 万元\n临沧市茶叶科学研究所\n2019年1月14日"
    )
    assert fields.year == 2018
    assert fields.kind == "budget"
    assert fields.department == "临沧市茶叶科学研究所"


def test_corpus_fields(shared_corpus: Path) -> None:
    from extract.readers import read_document

    misses = []
    for line in (shared_corpus / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        label = json.loads(line)
        path = next(shared_corpus.glob(label["id"] + ".*"))
        fields = document_fields(read_document(path, str(path)))
        if (fields.year, fields.kind) != (label["year"], label["kind"]):
            misses.append(label["id"])
    assert misses == []


def test_budget_openness_boilerplate_does_not_make_a_final_a_budget() -> None:
    fields = _fields(
        "根据财政部、省财政厅关于推进政府预算信息公开的工作安排,经龙泉市财政局汇总,"
        "2018年龙泉市部门及乡镇政府“三公”经费决算总额2771万元,比上年下降1.8%。"
    )
    assert fields.kind == "final"


def test_title_after_a_long_run_of_spaces_is_still_in_the_opening() -> None:
    # Spaces before Chinese text are dropped, so the title is within the first characters.
    fields = _fields(" " * 8000 + "江苏省政协办公厅2018年度部门预算公开\n")
    assert (fields.department, fields.year, fields.kind) == ("江苏省政协办公厅", 2018, "budget")


@pytest.mark.parametrize(
    ("department", "region"),
    [
        ("重庆市綦江区城市管理局", "重庆市綦江区"),
        ("上海市普陀区司法局", "上海市普陀区"),
        ("某某市公安局开发区分局", "某某市"),
        ("江苏省人大常委会办公厅", "江苏省"),
    ],
)
def test_region_keeps_the_district_after_its_city(department: str, region: str) -> None:
    assert _fields(f"{department}2023年部门预算公开说明\n").region == region
