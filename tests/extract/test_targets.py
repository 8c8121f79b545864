"""Performance-target tables (绩效目标表) read into Target rows."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extract.model import Page, RawDocument, Table, Target
from extract.readers import read_document
from extract.targets import parse_target_value, performance_targets
from tests.conftest import FIXTURES

TARGET_FIXTURES = FIXTURES / "targets"
SEED = "guan_zuzhibu_2021_budget.txt"


def text_document(name: str) -> RawDocument:
    """A one-page document holding a fixture text."""
    text = (TARGET_FIXTURES / name).read_text(encoding="utf-8")
    return RawDocument(source=name, format="txt", pages=(Page(number=1, text=text),))


def row(target: Target) -> tuple[str, ...]:
    """The fields a reader of the target table checks."""
    return (
        target.level1,
        target.level2,
        target.level3,
        target.comparator,
        target.value,
        target.unit,
    )


@pytest.fixture(scope="module")
def seed_targets(shared_corpus: Path) -> list[Target]:
    return performance_targets(read_document(shared_corpus / SEED))


def rows_of(targets: list[Target], project: str) -> list[tuple[str, ...]]:
    return [row(target) for target in targets if target.project == project]


# --- the seed document (40 tables flattened from Word) ----------------------


def test_seed_has_forty_projects_and_every_indicator_row(seed_targets: list[Target]) -> None:
    projects = {target.project for target in seed_targets}
    assert len(projects) == 40
    # 261 six-cell rows plus 2 rows that an empty paragraph in a cell split in two.
    assert len(seed_targets) == 263
    assert {t.level1 for t in seed_targets} == {"产出指标", "效果指标", "满意度指标"}
    assert all(t.level3 and t.value and t.description for t in seed_targets)


def test_seed_first_project_rows(seed_targets: list[Target]) -> None:
    assert rows_of(seed_targets, "大督查及选派干部督察组工作经费") == [
        ("产出指标", "数量指标", "人数", "", "30", "人"),
        ("产出指标", "质量指标", "运转率", "≥", "95", "%"),
        ("产出指标", "时效指标", "时间", "", "及时完成", ""),
        ("产出指标", "成本指标", "预算控制数", "≤", "27816", "元"),
        ("效果指标", "社会效益指标", "影响力", "", "有效提升", ""),
        ("满意度指标", "服务对象满意度指标", "综合满意度", "≥", "95", "%"),
    ]
    first = next(t for t in seed_targets if t.level3 == "人数")
    assert (first.description, first.basis) == ("工作人员数量", "实际人数")


def test_seed_rates_per_person_keep_their_unit(seed_targets: list[Target]) -> None:
    project = "提前下达2021年老党员生活补贴省级补助经费廊财行【2020】42号"
    standards = [t for t in seed_targets if t.project == project and t.level3 == "发放标准"]
    assert [(t.description, t.value, t.unit) for t in standards] == [
        ("抗日战争前", "710", "元/人"),
        ("解放战争前", "630", "元/人"),
    ]


def test_seed_headings_printed_after_their_table(seed_targets: list[Target]) -> None:
    # The export put headings 26, 32 and 34 below their tables; content must still match.
    greening = rows_of(seed_targets, "固安县妇女儿童中心及老年大学项目绿化工程费")
    assert greening[0] == ("产出指标", "数量指标", "绿化面积", "", "9736.52", "平米")
    hardship = rows_of(seed_targets, "离退休干部特困补助经费")
    assert hardship[0] == ("产出指标", "数量指标", "发放补助人数", "≥", "20", "人")
    network = rows_of(seed_targets, "组工网年度运行经费")
    assert network[0] == ("产出指标", "数量指标", "个数", "", "1", "个")


def test_seed_row_split_by_empty_paragraph_is_whole(seed_targets: list[Target]) -> None:
    project = "固安县妇女儿童中心及老年大学项目二期工程项目配套设施建设资金"
    last = [t for t in seed_targets if t.project == project][-1]
    assert row(last) == ("满意度指标", "服务对象满意度指标", "服务对象满意度", "≥", "95", "%")
    assert last.description == "对活动人员调查中满意人数占调查总人数的比率"


# --- small fixtures: each layout -------------------------------------------


def test_word_text_tables_with_displaced_heading() -> None:
    targets = performance_targets(text_document("word_text.txt"))
    assert [(t.project, *row(t)) for t in targets] == [
        ("村级阵地维护经费", "产出指标", "数量指标", "维护场所数", "≥", "12", "个"),
        ("村级阵地维护经费", "产出指标", "质量指标", "验收合格率", "", "100", "%"),
        ("村级阵地维护经费", "产出指标", "成本指标", "预算控制数", "≤", "10", "万元"),
        ("村级阵地维护经费", "满意度指标", "服务对象满意度指标", "群众满意度", "≥", "95", "%"),
        ("老党员生活补贴经费", "产出指标", "时效指标", "发放时间", "", "按时完成", ""),
        ("老党员生活补贴经费", "效益指标", "社会效益指标", "生活改善", "=", "3", "次"),
        ("党员教育培训经费", "产出指标", "数量指标", "培训人次", "", "500", "人次"),
    ]
    assert targets[3].description == "受益群众满意度"
    assert targets[3].basis == "问卷调查"


def test_pdf_flattened_lines_with_merged_cells_left_out() -> None:
    targets = performance_targets(text_document("pdf_flattened.txt"))
    assert {t.project for t in targets} == {"社区矫正经费"}
    assert [row(t) for t in targets] == [
        ("产出指标", "数量指标", "监管对象人数", "≥", "120", "人"),
        ("产出指标", "质量指标", "脱管率", "≤", "1", "%"),
        ("产出指标", "时效指标", "报到及时率", "", "100", "%"),
        ("效益指标", "社会效益指标", "重新犯罪率", "<", "2", "%"),
        ("满意度指标", "服务对象满意度指标", "社区群众满意度", "≥", "95", "%"),
    ]
    assert targets[1].basis == "超出不得分"


def test_one_cell_per_line_web_table() -> None:
    targets = performance_targets(text_document("one_cell_per_line.txt"))
    assert {t.project for t in targets} == {"某县档案馆"}
    assert [row(t) for t in targets] == [
        ("产出指标", "数量指标", "档案接收数量", "≥", "3000", "卷"),
        ("产出指标", "数量指标", "档案数字化页数", "", "20", "万页"),
        ("产出指标", "质量指标", "档案完好率", "", "100", "%"),
        ("满意度指标", "服务对象满意度指标", "查档群众满意度", "≥", "90", "%"),
    ]


def test_pipe_separated_rows() -> None:
    targets = performance_targets(text_document("pipe_rows.txt"))
    assert [(t.project, *row(t)) for t in targets] == [
        ("河道保洁经费", "产出指标", "数量指标", "保洁河道长度", "", "42", "公里"),
        ("河道保洁经费", "产出指标", "时效指标", "完成时间", "", "12月底前", ""),
        ("河道保洁经费", "效益指标", "生态效益指标", "水质达标率", "≥", "90", "%"),
    ]


def test_text_without_targets_yields_nothing() -> None:
    assert performance_targets(text_document("no_targets.txt")) == []


def test_project_named_on_the_page_before_the_table() -> None:
    # Pages before the first 指标/绩效 are skipped, but not the one just before it.
    doc = RawDocument(
        source="x.pdf",
        format="pdf",
        pages=(
            Page(1, "一、部门职责\n本部门负责全县水利工作。"),
            Page(2, "项目名称 农村饮水安全维修"),
            Page(3, "一级指标 二级指标 三级指标 指标值\n产出指标 数量指标 维修工程处数 ≥35处\n"),
        ),
    )
    [target] = performance_targets(doc)
    assert (target.project, target.level3, target.comparator, target.value, target.unit) == (
        "农村饮水安全维修",
        "维修工程处数",
        "≥",
        "35",
        "处",
    )


# --- grid tables (Word/Excel) -----------------------------------------------

PROJECT_GRID = Table(
    rows=(
        ("项目名称", "农村饮水安全维修", "主管部门", "某县水利局", "", "", ""),
        ("年度目标", "完成饮水工程维修", "", "", "", "", ""),
        ("一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "评(扣)分标准"),
        ("产出指标", "数量指标", "维修工程处数", "≥", "35", "处", "每少1处扣1分"),
        ("产出指标", "质量指标", "工程验收合格率", "=", "100", "%", "不达标不得分"),
        ("效益指标", "社会效益指标", "受益人口", "≥", "2.5", "万人", "按比例扣分"),
        ("合计", "", "", "", "", "", ""),
    ),
    title="项目支出绩效目标表",
    page=7,
)

DEPARTMENT_GRID = Table(
    rows=(
        ("一级指标", "二级指标", "指标内容", "指标值", "指标值确定依据"),
        ("产出指标", "时效指标", "预算执行率", "≥90%", "财政要求"),
        ("", "成本指标", "“三公”经费控制率", "≤100%", "预算批复"),
    ),
    title="2021年某县水利局部门整体支出绩效目标表",
    page=9,
)


def test_table_grids_with_their_own_columns() -> None:
    doc = RawDocument("x.docx", "docx", (Page(1, ""),), (PROJECT_GRID, DEPARTMENT_GRID))
    targets = performance_targets(doc)
    assert [(t.project, *row(t), t.basis, t.page) for t in targets] == [
        ("农村饮水安全维修", "产出指标", "数量指标", "维修工程处数", "≥", "35", "处", "每少1处扣1分", 7),
        ("农村饮水安全维修", "产出指标", "质量指标", "工程验收合格率", "=", "100", "%", "不达标不得分", 7),
        ("农村饮水安全维修", "效益指标", "社会效益指标", "受益人口", "≥", "2.5", "万人", "按比例扣分", 7),
        ("某县水利局", "产出指标", "时效指标", "", "≥", "90", "%", "财政要求", 9),
        ("某县水利局", "产出指标", "成本指标", "", "≤", "100", "%", "预算批复", 9),
    ]  # fmt: skip
    assert targets[3].description == "预算执行率"


def test_table_also_flattened_into_page_text_is_read_once() -> None:
    flattened = "\n".join(" ".join(cell for cell in cells if cell) for cells in PROJECT_GRID.rows)
    doc = RawDocument("x.docx", "docx", (Page(1, flattened),), (PROJECT_GRID,))
    assert len(performance_targets(doc)) == 3


# --- values -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "parsed"),
    [
        ("≥95%", ("≥", "95", "%")),
        ("≤10万元", ("≤", "10", "万元")),
        ("100%", ("", "100", "%")),
        ("按时完成", ("", "按时完成", "")),
        ("=3次", ("=", "3", "次")),
        (">=98.5 %", ("≥", "98.5", "%")),
        ("不超过1,200元", ("≤", "1,200", "元")),
        ("95%以上", ("≥", "95", "%")),
        ("710元/人", ("", "710", "元/人")),
        ("12月底前", ("", "12月底前", "")),
        ("≥良好", ("≥", "良好", "")),
        ("", ("", "", "")),
    ],
)
def test_parse_target_value(written: str, parsed: tuple[str, str, str]) -> None:
    assert parse_target_value(written) == parsed


@given(
    comparator=st.sampled_from(["", "≥", "≤", "=", "<", ">"]),
    number=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False),
    unit=st.sampled_from(["", "%", "万元", "人次", "个", "元/人"]),
)
def test_parse_target_value_round_trips(comparator: str, number: Decimal, unit: str) -> None:
    written = f"{comparator}{number}{unit}"
    assert parse_target_value(written) == (comparator, str(number), unit)


def test_grid_without_a_name_takes_the_heading_from_page_text() -> None:
    grid = Table(rows=PROJECT_GRID.rows[2:], title=None, page=1)
    text = "5.农村饮水安全维修绩效目标表\n" + "\n".join(
        " | ".join(cell for cell in cells if cell) for cells in grid.rows
    )
    doc = RawDocument("x.docx", "docx", (Page(1, text),), (grid,))
    targets = performance_targets(doc)
    assert [(t.project, t.level3, t.comparator, t.value) for t in targets] == [
        ("农村饮水安全维修", "维修工程处数", "≥", "35"),
        ("农村饮水安全维修", "工程验收合格率", "=", "100"),
        ("农村饮水安全维修", "受益人口", "≥", "2.5"),
    ]
