"""Two counties that never get past their anti-bot front: 加速乐 (521) and 瑞数 (412).

A crawler without a JavaScript engine cannot pass either; it should detect them and report the
county as blocked instead of retrying or treating the challenge body as an empty list.
"""

from __future__ import annotations

import hashlib

from crawler.sample_portal.model import County, NastyCase
from crawler.sample_portal.responses import Request, Response
from crawler.sample_portal.site import Site

JSL_SLUG, JSL_NAME = "baishi", "白石县"
RUISHU_SLUG, RUISHU_NAME = "shiling", "石岭县"


def _jsl(request: Request) -> Response:
    """加速乐 first round: 521, a cookie-setting script, and a __jsluid cookie."""
    token = hashlib.md5(request.path.encode()).hexdigest()
    script = (
        "<script>document.cookie=('_')+('_')+('j')+('s')+('l')+('_')+('c')+('l')+('e')+('a')+('r')"
        f"+('a')+('n')+('c')+('e')+('=1700000000.123|0|{token[:24]}%3D;max-age=3600;path=/');"
        "location.href=location.pathname+location.search</script>"
    )
    cookie = ("Set-Cookie", f"__jsluid_h={token}; max-age=31536000; path=/; HttpOnly")
    return Response(521, script.encode(), "text/html", headers=(cookie,), cacheable=False)


def _ruishu(_request: Request) -> Response:
    """瑞数 first round: 412 with the meta r='m' tag and the $_ts bootstrap."""
    body = (
        '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        '<meta id="9DhefwqGPrzGxEp9hPaoag" content="Qm9vdHN0cmFw" r=\'m\'>'
        "<script type=\"text/javascript\" r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=52108;"
        '$_ts.cd="qEqkrrAlqGW";</script><script type="text/javascript" charset="utf-8" '
        "src=\"/shiling/4QbVtADbnLVIc/c.FxJzG50F.dfe1675.js\" r='m'></script>"
        "</head><body><script type=\"text/javascript\" r='m'>$_ts.lcd();</script></body></html>"
    )
    cookie = (
        "Set-Cookie",
        "FSSBBIl1UgzbN7N80S=Zk9vYmFy; Path=/; expires=Fri, 01 Jan 2038 00:00:00 GMT",
    )
    return Response(412, body.encode(), "text/html", headers=(cookie,), cacheable=False)


def mount(site: Site) -> None:
    """Put both counties behind their challenge: every path under them answers it."""
    site.prefix(f"/{JSL_SLUG}/", _jsl)
    site.prefix(f"/{RUISHU_SLUG}/", _ruishu)
    for slug, name, kind, status in (
        (JSL_SLUG, JSL_NAME, "jsl", 521),
        (RUISHU_SLUG, RUISHU_NAME, "ruishu", 412),
    ):
        home = site.url(f"/{slug}/index.html")
        site.county_list.append(County(name, slug, None, home, None, None, blocked=kind))
        site.nasty.append(
            NastyCase(
                f"anti_bot_{kind}",
                home,
                f"{status} challenge on every page; report the county as blocked "
                f"({kind}), do not retry in a loop",
                slug,
            )
        )
