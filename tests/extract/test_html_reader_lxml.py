"""The lxml-based HTML reader on the markup that trips parsers: what text and tables come out."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.model import RawDocument
from extract.readers import read_document
from storage.errors import InputError

# More than looks_binary samples, so control bytes after it reach the parser.
FILLER = "<p>" + "说明" * 2100 + "</p>\n"


def read(tmp_path: Path, page: str | bytes, name: str = "page.html") -> RawDocument:
    path = tmp_path / name
    path.write_bytes(page.encode("utf-8") if isinstance(page, str) else page)
    return read_document(path)


def lines(tmp_path: Path, page: str | bytes) -> list[str]:
    return read(tmp_path, page).text.splitlines()


@pytest.mark.parametrize(
    "page",
    [
        " \n\t ",
        "<!-- 空 -->",
        "<!DOCTYPE html>",
        "<html><head></head><body><div></div></body></html>",
    ],
)
def test_a_page_without_text_is_refused(tmp_path: Path, page: str) -> None:
    with pytest.raises(InputError, match="HTML page holds no text"):
        read(tmp_path, page)


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file is empty"):
        read(tmp_path, b"")


def test_comments_and_processing_instructions_vanish_but_their_tail_text_stays(
    tmp_path: Path,
) -> None:
    page = "<p>拨款<!-- 注释 -->收入<?php echo 1; ?>100万元</p><div>甲</div><!--x-->乙<div>丙</div>"
    assert lines(tmp_path, page) == ["拨款收入100万元", "甲", "乙", "丙"]


def test_word_conditional_comments_keep_the_text_between_them(tmp_path: Path) -> None:
    page = "<p><![if !supportLists]><span>1.</span><![endif]>收入<o:p></o:p></p>"
    assert lines(tmp_path, page) == ["1.收入"]


def test_entities_are_resolved(tmp_path: Path) -> None:
    page = "<p>收入&amp;支出&nbsp;&lt;100&gt;&#20013;&#x6587;&nbsp元 &rmb;</p>"
    # The no-break space between two CJK characters is a line wrap, so it goes.
    assert lines(tmp_path, page) == ["收入&支出 <100>中文元 &rmb;"]


def test_a_nul_byte_past_the_binary_sniff_is_dropped(tmp_path: Path) -> None:
    page = (FILLER + "<p>拨款\x00收入</p>").encode("utf-8")
    assert lines(tmp_path, page)[-1] == "拨款收入"


def test_whitespace_control_characters_separate_words_and_others_are_dropped(
    tmp_path: Path,
) -> None:
    page = (FILLER + "<p>a\x0cb\x1fc\x01d</p>").encode("utf-8")
    assert lines(tmp_path, page)[-1] == "a b cd"


def test_a_nul_byte_at_the_start_is_binary(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="binary data"):
        read(tmp_path, b"<p>a\x00b</p>")


def test_an_xml_declaration_with_an_encoding_is_no_obstacle(tmp_path: Path) -> None:
    page = '<?xml version="1.0" encoding="gbk"?>\n<html><body><p>收入总计100万元</p></body></html>'
    assert lines(tmp_path, page.encode("gbk")) == ["收入总计100万元"]


def test_a_gbk_page_declaring_its_charset_in_meta(tmp_path: Path) -> None:
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        "<title>预算公开</title></head><body><p>收入总计100万元</p></body></html>"
    )
    assert lines(tmp_path, page.encode("gbk")) == ["预算公开", "收入总计100万元"]


def test_a_utf8_page_whose_meta_claims_gbk_is_read_as_utf8(tmp_path: Path) -> None:
    page = '<meta charset="gbk"><p>收入总计100万元</p>'
    assert lines(tmp_path, page.encode("utf-8")) == ["收入总计100万元"]


def test_a_layout_table_around_a_data_table_is_read_as_blocks(tmp_path: Path) -> None:
    page = (
        "<table><tr><td><p>“三公”经费支出表</p><p>单位：万元</p>"
        "<table><tr><td>项目</td><td>金额</td></tr><tr><td>公务接待费</td><td>1.50</td></tr></table>"
        "</td><td>旁注</td></tr></table>"
    )
    doc = read(tmp_path, page)
    assert doc.text.splitlines() == [
        "“三公”经费支出表",
        "单位：万元",
        "项目 | 金额",
        "公务接待费 | 1.50",
        "旁注",
    ]
    [table] = doc.tables
    assert table.rows == (("项目", "金额"), ("公务接待费", "1.50"))
    assert (table.title, table.unit) == ("“三公”经费支出表", "万元")


def test_unclosed_cells_rows_and_paragraphs_close_where_html_implies(tmp_path: Path) -> None:
    page = "<p>一、概况<p>二、收支<table><tr><th>项目<th>金额<tr><td>收入<td>10<tr><td>支出<td>9</table>"
    doc = read(tmp_path, page)
    assert doc.tables[0].rows == (("项目", "金额"), ("收入", "10"), ("支出", "9"))
    assert doc.text.splitlines() == ["一、概况", "二、收支", "项目 | 金额", "收入 | 10", "支出 | 9"]


def test_a_stray_end_tag_in_a_cell_does_not_end_the_table(tmp_path: Path) -> None:
    # The old html.parser reader closed the table at the </div>; browsers and libxml2 ignore it.
    page = "<div><table><tr><td>收入</div></td><td>10</td></tr><tr><td>支出</td><td>9</td></tr></table></div>"
    assert read(tmp_path, page).tables[0].rows == (("收入", "10"), ("支出", "9"))


def test_line_breaks_and_skipped_elements_keep_the_text_after_them(tmp_path: Path) -> None:
    page = (
        "<p>甲<br>乙<br/>丙</br>丁</p><p>前<script>var s = '<p>脚本</p>';</script>后"
        "<style>p{}</style>续<select><option>选项</option></select>完</p>"
    )
    assert lines(tmp_path, page) == ["甲", "乙", "丙丁", "前后续完"]


def test_text_after_the_closing_html_tag_is_kept(tmp_path: Path) -> None:
    page = "<html><body><p>正文</p></body></html>\n<p>附注</p>尾"
    assert lines(tmp_path, page) == ["正文", "附注", "尾"]


def test_a_tag_cut_off_at_the_end_of_a_truncated_page_is_not_text(tmp_path: Path) -> None:
    assert lines(tmp_path, '<p>收入100万元</p><p>附件：<a href="/down') == ["收入100万元", "附件："]


def test_deep_nesting_after_many_parse_errors_still_keeps_the_text(tmp_path: Path) -> None:
    # libxml2 reports its depth limit even after its error log is full of other complaints.
    # As before, elements past MAX_DEPTH are flattened: the <p> still ends a line before
    # it, but its end tag no longer closes anything.
    page = "</x>" * 500 + "<div>" * 400 + "中<p>甲</p>拨款收入" + "</div>" * 400 + "<p>乙</p>"
    assert lines(tmp_path, page) == ["中", "甲拨款收入", "乙"]


def test_an_inline_image_too_big_for_libxml2_keeps_the_text_after_it(tmp_path: Path) -> None:
    image = "data:image/png;base64," + "A" * 11_000_000  # past libxml2's 10 MB limit
    page = f'<p>收入总计100万元</p><p><img src="{image}"></p><p>支出总计90万元</p>'
    assert lines(tmp_path, page) == ["收入总计100万元", "支出总计90万元"]
