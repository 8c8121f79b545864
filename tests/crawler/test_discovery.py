"""Title classification, column links, attachment links and dates on real-world title shapes."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from parsel import Selector

from crawler.discovery import (
    attachment_suffix,
    classify_title,
    holds_disclosure_text,
    is_attachment_link,
    is_column_link,
    may_be_attachment,
    page_links,
    parse_date,
    url_date,
)


@pytest.mark.parametrize(
    ("title", "year", "kind", "department"),
    [
        ("柞水县审计局2020年部门决算", 2020, "final", "柞水县审计局"),
        ("大姚县审计局2021年度部门决算", 2021, "final", "大姚县审计局"),
        ("楚雄州农产品质量检测中心2019年度部门决算公开", 2019, "final", "楚雄州农产品质量检测中心"),
        ("2019年度鹿寨县“三公”经费支出决算情况", 2019, "final", "鹿寨县"),
        ("2023年度泸州市中医医院单位决算", 2023, "final", "泸州市中医医院"),
        ("2022年中共宁川县委组织部部门预算信息公开", 2022, "budget", "中共宁川县委组织部"),
        ("关于宁川县财政局2021年度部门决算的说明", 2021, "final", "宁川县财政局"),
        ("云溪县财政局2022年部门预算公开", 2022, "budget", "云溪县财政局"),
        ("南岭县审计局二〇二一年部门预算", 2021, "budget", "南岭县审计局"),
        ('桐溪县水利局2023年"三公"经费预算情况说明', 2023, "budget", "桐溪县水利局"),
    ],
)
def test_disclosure_titles_give_year_kind_and_department(
    title: str, year: int, kind: str, department: str
) -> None:
    info = classify_title(title)
    assert info is not None
    assert (info.year, info.kind, info.department) == (year, kind, department)


def test_three_public_titles_are_marked() -> None:
    info = classify_title("2019年度鹿寨县「三公」经费支出决算情况")
    assert info is not None and info.three_public


@pytest.mark.parametrize(
    "title",
    [
        "云溪县财政局召开预算编制工作会议",
        "关于做好2023年预算执行工作的通知",
        "关于云溪县2022年预算执行情况和2023年预算草案的报告",
        "云溪县人大常委会审查2022年本级预算调整方案",
        "南县住房和城乡建设局2018年度整体支出 绩效评价报告",
        "广东省 2023年预算执行情况和2024年预算草案的报告",
        "2024年办公设备采购项目招标公告（采购预算金额50万元）",
        "县财政局预算决算公开管理办法",
        "2022年春节放假通知",
    ],
)
def test_news_and_rules_that_mention_budgets_are_not_disclosures(title: str) -> None:
    assert classify_title(title) is None


@pytest.mark.parametrize("text", ["预决算公开", "财政预决算", "部门预算", "三公经费", " 预算公开 "])
def test_column_links_are_found_by_text(text: str) -> None:
    assert is_column_link(text)


@pytest.mark.parametrize("text", ["首页", "云溪县财政局2022年部门预算公开", "", "政务公开"])
def test_other_links_are_not_columns(text: str) -> None:
    assert not is_column_link(text)


@pytest.mark.parametrize(
    ("url", "text", "suffix"),
    [
        ("http://x.gov.cn/P020210226.pdf", "", "pdf"),
        (
            "http://x.gov.cn/module/download/downfile.jsp?classid=0&filename=084393c5b6.xls",
            "",
            "xls",
        ),
        ("http://x.gov.cn/attachments/%E9%A2%84%E7%AE%97.pdf20240128.pdf?sid=3", "", "pdf"),
        ("http://x.gov.cn/getFile?id=9", "2022年部门预算.docx", "docx"),
        ("http://x.gov.cn/a/b.et", "", "et"),
    ],
)
def test_attachment_suffix_from_path_query_or_text(url: str, text: str, suffix: str) -> None:
    assert attachment_suffix(url, text) == suffix
    assert is_attachment_link(url, text)


_HREF_PARTS = st.sampled_from(
    ["./", "../", "/", "P0", "20210226", ".pdf", ".PDF", ".xls", ".et", ".html", "?id=", "&name=",
     "%2E", "%E9%A2%84", "downfile.jsp", "DownLoad", "getFile", "art_12", "#p", "x", ".", "et"]
)  # fmt: skip


@given(
    href=st.lists(_HREF_PARTS, max_size=6).map("".join),
    text=st.lists(st.sampled_from(["附件1", ".docx", ".zip", "预算", " ", "下载"]), max_size=3).map("".join),
)
def test_the_cheap_attachment_test_never_rejects_an_attachment(href: str, text: str) -> None:
    # page_links drops what may_be_attachment rejects before resolving the URL: it must
    # never reject a link that is_attachment_link would keep.
    url = f"http://x.gov.cn/col/{href}" if not href.startswith("/") else f"http://x.gov.cn{href}"
    if is_attachment_link(url, text):
        assert may_be_attachment(href, text)


def test_the_cheap_attachment_test_rejects_menu_links() -> None:
    assert not may_be_attachment("/col/col123/index.html", "政务公开")
    assert not may_be_attachment("http://www.gov.cn/", "中国政府网")


def test_download_handlers_without_a_suffix_are_attachments() -> None:
    assert is_attachment_link("http://x.gov.cn/module/download/downfile.jsp?id=12")
    assert not is_attachment_link("http://x.gov.cn/art/2021/3/2/art_1_2.html")


def test_dates_are_read_but_index_numbers_are_not() -> None:
    assert parse_date("[2021.03.02]") == date(2021, 3, 2)
    assert parse_date("发布日期：2022年09月08日") == date(2022, 9, 8)
    assert parse_date("索引号 2026-02-00018") is None
    assert url_date("http://a/202102/t20210226_2616318.shtml") == date(2021, 2, 26)
    assert url_date("http://a/art/2021/3/2/art_1229165988_59001.html") == date(2021, 3, 2)


def test_page_links_prefer_title_attribute_onclick_targets_and_sibling_dates() -> None:
    html = """<ul>
      <li><a href="./t1.html" title="云溪县财政局2022年部门预算公开">云溪县财政局2022年…</a><span>2022-03-01</span></li>
      <li><a href="javascript:void(0)" onclick="openUrl('/art/2.html')">审计局2021年度部门决算</a></li>
      <li><a href="#top">回到顶部</a></li>
    </ul>"""
    links = page_links(Selector(text=html), "http://x.gov.cn/col/index.html#frag")
    assert [(link.url, link.title) for link in links] == [
        ("http://x.gov.cn/col/t1.html", "云溪县财政局2022年部门预算公开"),
        ("http://x.gov.cn/art/2.html", "审计局2021年度部门决算"),
    ]
    assert links[0].published == date(2022, 3, 1)


def test_detail_text_with_figures_holds_the_disclosure() -> None:
    text = "第一部分 部门概况 … 收入总计1,234.56万元，支出总计1,234.56万元，“三公”经费12.3万元"
    assert holds_disclosure_text(text)
    assert not holds_disclosure_text("附件：2022年部门预算.pdf 发布日期 2022-03-01")
