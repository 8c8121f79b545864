"""飞书 group robot: an interactive card with markdown; with a secret, ``timestamp`` and ``sign`` in the body.

sign = base64(HMAC-SHA256(key="<timestamp s>\\n<secret>", msg=b"")).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from alerts.channels.webhook import PreparedRequest, check_robot_answer, json_body
from alerts.http import HttpResponse
from alerts.notice import Batch
from alerts.rendering import one_line, render, subject

RATE_LIMITED = {9499, 11232}  # too many requests / frequency limited
HEADER_COLOURS = {"critical": "red", "warning": "orange", "info": "blue"}


def feishu_sign(secret: str, timestamp: int) -> str:
    """The base64 signature 飞书 expects: the key is the timestamp and secret, the message empty."""
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


def card(batch: Batch) -> dict[str, Any]:
    """The card: a coloured title and the markdown body."""
    worst = max(
        (alert.severity for alert in batch.alerts),
        default="info",
        key=list(HEADER_COLOURS)[::-1].index,
    )
    return {
        "config": {"wide_screen_mode": True},
        "header": {
            "title": {"tag": "plain_text", "content": one_line(subject(batch), 100)},
            "template": HEADER_COLOURS.get(worst, "blue"),
        },
        "elements": [
            {"tag": "markdown", "content": render("robot.md.j2", batch, channel="feishu")}
        ],
    }


class FeishuFormat:
    """The 飞书 interactive-card message."""

    def request(self, batch: Batch, url: str, secret: str | None, now: float) -> PreparedRequest:
        payload: dict[str, Any] = {}
        if secret:
            timestamp = int(now)
            payload.update(timestamp=str(timestamp), sign=feishu_sign(secret, timestamp))
        payload.update(msg_type="interactive", card=card(batch))
        return PreparedRequest(
            url, json_body(payload), {"Content-Type": "application/json; charset=utf-8"}
        )

    def check_answer(self, response: HttpResponse) -> None:
        check_robot_answer(response, "feishu", ("code", "StatusCode"), RATE_LIMITED)
