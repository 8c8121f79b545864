"""Charset repair and anti-bot detection on responses shaped like the portals' answers."""

from __future__ import annotations

from scrapy.http import HtmlResponse, Request

from crawler.middlewares import challenge_reason, decoded_encoding, repair_encoding

TEXT = "云溪县财政局2022年部门预算公开"


def html(body: bytes, content_type: str | None = None, status: int = 200) -> HtmlResponse:
    headers = {"Content-Type": content_type} if content_type else {}
    return HtmlResponse("http://a.gov.cn/x.html", status=status, body=body, headers=headers)


def test_undeclared_gbk_is_read_as_gb18030() -> None:
    response = repair_encoding(html(f"<html><body>{TEXT}</body></html>".encode("gbk"), "text/html"))
    assert TEXT in response.text


def test_gbk_declared_as_utf8_is_repaired() -> None:
    body = f"<html><body>{TEXT}</body></html>".encode("gbk")
    response = repair_encoding(html(body, "text/html; charset=utf-8"))
    assert TEXT in response.text


def test_utf8_declared_as_gb2312_stays_utf8() -> None:
    body = f'<html><head><meta charset="gb2312"></head><body>{TEXT}</body></html>'.encode()
    assert decoded_encoding(body, "gb2312") == "utf-8"
    assert TEXT in repair_encoding(html(body, "text/html")).text


def test_declared_gb2312_is_decoded_as_its_superset() -> None:
    body = f'<meta charset="gb2312">{TEXT}'.encode("gb18030")
    assert decoded_encoding(body, "gb2312") == "gb18030"


def test_challenges_are_recognised() -> None:
    jsl = b"<script>document.cookie=('__jsl_clearance=1');location.href=location.pathname</script>"
    assert challenge_reason(html(jsl, status=521)) == "anti-bot challenge (HTTP 521)"
    ruishu = b"<html><meta content='x' r='m'><script>$_ts=window['$_ts'];</script></html>"
    assert challenge_reason(html(ruishu)) == "anti-bot challenge (JavaScript check)"
    assert challenge_reason(html(b"forbidden", status=403)) is not None


def test_normal_pages_with_noscript_hints_are_not_challenges() -> None:
    page = (
        "<html><body><noscript>请开启JavaScript</noscript><ul>"
        + "<li><a href='t.html'>某局2021年部门预算</a></li>" * 40
        + "</ul></body></html>"
    )
    assert challenge_reason(html(page.encode())) is None
    request = Request("http://a.gov.cn/")
    assert (
        challenge_reason(HtmlResponse(request.url, body=b"<html>ok</html>", request=request))
        is None
    )
