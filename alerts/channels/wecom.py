"""企业微信 group robot: ``{"msgtype": "markdown", "markdown": {"content": …}}``; no signature.

The robot's key sits in the URL (``…/cgi-bin/webhook/send?key=…``), which is
why the channel URL is a secret.  Markdown content is limited to 4096 bytes.
"""

from __future__ import annotations

from alerts.channels.webhook import PreparedRequest, check_robot_answer, json_body
from alerts.http import HttpResponse
from alerts.notice import Batch
from alerts.rendering import render

MAX_CONTENT_BYTES = 4096
RATE_LIMITED = {45009}  # api freq out of limit


def truncate_utf8(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, never inside a character."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", "ignore") + "…"


class WecomFormat:
    """The 企业微信 markdown message."""

    def request(self, batch: Batch, url: str, secret: str | None, now: float) -> PreparedRequest:
        content = truncate_utf8(render("robot.md.j2", batch, channel="wecom"), MAX_CONTENT_BYTES)
        body = json_body({"msgtype": "markdown", "markdown": {"content": content}})
        return PreparedRequest(url, body, {"Content-Type": "application/json; charset=utf-8"})

    def check_answer(self, response: HttpResponse) -> None:
        check_robot_answer(response, "wecom", ("errcode",), RATE_LIMITED)
