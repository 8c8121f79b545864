"""Each CMS family's pagination parser on small snippets shaped like the real pages."""

from __future__ import annotations

from parsel import Selector

from crawler.pagination import gkmlpt, hanweb, html_pages, links, static, trs

COLUMN = "http://www.yx.gov.cn/col/col1229165988/index.html"
HANWEB_PAGE = """<div id="6101313"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=3095&path=/&columnid=1229165988&unitid=6101313&webname=%E4%BA%91&permissiontype=0"></a>]]></nextgroup>
<recordset>
<record><![CDATA[<li><a href="/art/2021/3/2/art_1229165988_59001.html" title="云溪县审计局2021年部门预算公开" target="_blank">云溪县审计局2021年部门…</a><span>2021-03-02</span></li>]]></record>
<record><![CDATA[<li><a href="/art/2021/3/5/art_1229165988_59002.html" title="云溪县财政局召开预算编制工作会议">会议</a><span>2021-03-05</span></li>]]></record>
</recordset></datastore></script></div>
<script>$(function(){ $('#6101313').jpage({perPage:20,totalRecord:95,openCookies:false,barPosition:'bottom'}); });</script>"""


def test_hanweb_records_come_from_the_xml_island_with_full_titles() -> None:
    found = hanweb.records(HANWEB_PAGE, COLUMN)
    assert [link.url for link in found] == [
        "http://www.yx.gov.cn/art/2021/3/2/art_1229165988_59001.html",
        "http://www.yx.gov.cn/art/2021/3/5/art_1229165988_59002.html",
    ]
    assert found[0].title == "云溪县审计局2021年部门预算公开"


def test_hanweb_dataproxy_post_carries_the_column_parameters() -> None:
    proxy = hanweb.data_proxy(COLUMN, HANWEB_PAGE)
    assert proxy is not None
    assert proxy.endpoint == "http://www.yx.gov.cn/module/web/jpage/dataproxy.jsp"
    assert (proxy.total, proxy.perpage) == (95, 20)
    request = hanweb.proxy_request(proxy, 3)
    assert request.method == "POST"
    assert request.url.endswith("dataproxy.jsp?startrecord=3&endrecord=62&perpage=20")
    assert request.formdata["columnid"] == "1229165988"
    assert request.formdata["unitid"] == "6101313"
    assert request.formdata["webid"] == "3095"
    assert request.formdata["webname"] == "云"
    assert request.headers["Referer"] == COLUMN


def test_hanweb_batches_step_by_three_pages_until_the_total() -> None:
    proxy = hanweb.data_proxy(COLUMN, HANWEB_PAGE)
    assert proxy is not None
    assert hanweb.next_start(1, proxy, 95) == 61
    assert hanweb.next_start(61, proxy, 95) is None
    assert hanweb.total_records("<datastore><totalrecord>6163</totalrecord></datastore>") == 6163


def test_pages_without_a_datastore_are_not_hanweb() -> None:
    assert hanweb.data_proxy(COLUMN, "<html><body><ul></ul></body></html>") is None


def test_trs_create_page_html_lists_every_page() -> None:
    html = '<script>createPageHTML(4, 0, "index", "html");</script>'
    assert trs.page_urls("http://a.gov.cn/xxgk/czyjs/index.html", html) == [
        "http://a.gov.cn/xxgk/czyjs/index.html",
        "http://a.gov.cn/xxgk/czyjs/index_1.html",
        "http://a.gov.cn/xxgk/czyjs/index_2.html",
        "http://a.gov.cn/xxgk/czyjs/index_3.html",
    ]


def test_trs_newer_call_with_a_container_id() -> None:
    html = "createPageHTML('page_div',2, 1,'index','shtml',37);"
    assert (
        trs.page_urls("http://a.gov.cn/c/index_1.shtml", html)[-1]
        == "http://a.gov.cn/c/index_1.shtml"
    )


def test_static_index_pages_linked_from_the_pager() -> None:
    html = (
        '<a href="index_2.html">2</a><a href="./column-index-3.shtml">3</a><a href="t1.html">x</a>'
    )
    assert static.page_urls("http://a.gov.cn/c/index.html", html) == [
        "http://a.gov.cn/c/index_2.html",
        "http://a.gov.cn/c/column-index-3.shtml",
    ]


def test_next_links_and_page_queries() -> None:
    html = """<a href="list.jsp?page=2">2</a><a href="/other?page=2">x</a>
              <a href="javascript:;" onclick="go('list.jsp?pageNo=3&c=1')">下一页</a>
              <a href="detail.jsp?id=5">某局2021年部门预算</a>"""
    found = links.page_urls("http://a.gov.cn/list.jsp?page=1", Selector(text=html))
    assert found == ["http://a.gov.cn/list.jsp?page=2", "http://a.gov.cn/list.jsp?pageNo=3&c=1"]


def test_html_pages_combines_the_parsers_without_the_page_itself() -> None:
    html = (
        '<script>createPageHTML(2, 0, "index", "html");</script><a href="index_1.html">下一页</a>'
    )
    url = "http://a.gov.cn/c/index.html"
    assert html_pages(url, html, Selector(text=html)) == ["http://a.gov.cn/c/index_1.html"]


GKMLPT_PAGE = """<script>window._CONFIG = {SID:'755041', TREE:[{"id":1,"name":"政策文件"},
{"id":20765,"name":"财政预决算"},{"id":20766,"name":"部门预算"}]};</script>"""


def test_gkmlpt_config_picks_the_budget_columns() -> None:
    site = gkmlpt.site_config("http://www.nl.gov.cn/gkmlpt/index", GKMLPT_PAGE)
    assert site is not None
    assert (site.base, site.sid, site.columns) == (
        "http://www.nl.gov.cn/gkmlpt/",
        "755041",
        ("20765", "20766"),
    )
    assert (
        gkmlpt.api_url(site, "20765", 2)
        == "http://www.nl.gov.cn/gkmlpt/api/all/20765?page=2&sid=755041"
    )


def test_gkmlpt_without_budget_columns_reads_all() -> None:
    site = gkmlpt.site_config("http://a/gkmlpt/index", "SID:'2' TREE:[{id:1,name:'政策文件'}]")
    assert site is not None and site.columns == ("0",)


def test_gkmlpt_articles_and_attachments() -> None:
    data = {
        "total": 2,
        "classify": {"post_count": 2},
        "articles": [
            {
                "title": "%u5357%u5cad%u53bf%u8d22%u653f%u5c402022%u5e74%u90e8%u95e8%u9884%u7b97",
                "url": "http://a/gkmlpt/content/0/963/post_963149.html",
                "created_at": "2022-03-08 16:25:04",
                "attachment": [
                    {"name": "x.pdf", "url": "http://a/attachment/0/88/88389/963149.pdf"}
                ],
            }
        ],
    }
    [article] = gkmlpt.articles(data)
    assert article.link.title == "南岭县财政局2022年部门预算"
    assert article.link.published is not None and article.link.published.month == 3
    assert [a.url for a in article.attachments] == ["http://a/attachment/0/88/88389/963149.pdf"]
    assert gkmlpt.post_count(data) == 2
