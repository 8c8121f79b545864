"""钉钉 group robot: a markdown message; with a 加签 secret, ``timestamp`` and ``sign`` in the query.

sign = urlencode(base64(HMAC-SHA256(key=secret, msg="<timestamp ms>\\n<secret>"))).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote_plus

from alerts.channels.webhook import PreparedRequest, check_robot_answer, json_body
from alerts.http import HttpResponse
from alerts.notice import Batch
from alerts.rendering import one_line, render, subject

RATE_LIMITED = {130101}  # send too fast


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """The base64 signature 钉钉 expects (before URL encoding)."""
    message = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_url(url: str, secret: str | None, now: float) -> str:
    """``url`` with ``timestamp`` and ``sign`` appended when a secret is configured."""
    if not secret:
        return url
    timestamp = int(now * 1000)
    separator = "&" if "?" in url else "?"
    return (
        f"{url}{separator}timestamp={timestamp}&sign={quote_plus(dingtalk_sign(secret, timestamp))}"
    )


class DingtalkFormat:
    """The 钉钉 markdown message."""

    def request(self, batch: Batch, url: str, secret: str | None, now: float) -> PreparedRequest:
        text = render("robot.md.j2", batch, channel="dingtalk")
        body = json_body(
            {
                "msgtype": "markdown",
                "markdown": {"title": one_line(subject(batch), 60), "text": text},
            }
        )
        headers = {"Content-Type": "application/json; charset=utf-8"}
        return PreparedRequest(signed_url(url, secret, now), body, headers)

    def check_answer(self, response: HttpResponse) -> None:
        check_robot_answer(response, "dingtalk", ("errcode",), RATE_LIMITED)
