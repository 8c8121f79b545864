"""企业微信 / 钉钉 / 飞书 group robots: their message formats and signatures, checked by a local receiver."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
from sqlalchemy.orm import Session, sessionmaker

from alerts.channels.webhook import WebhookChannel
from alerts.delivery import Outbox, deliver_due
from alerts.settings import WebhookChannelSettings
from tests.alerts.conftest import T0, add_alert
from tests.alerts.http_receiver import Answer, Receiver

ROBOT_SECRET = "SEC0123456789abcdef"


def robot(url: str, fmt: str, secret: str | None = ROBOT_SECRET) -> WebhookChannel:
    data = {"name": "group", "type": "webhook", "url": url, "format": fmt}
    if secret:
        data["secret"] = secret
    return WebhookChannel(
        WebhookChannelSettings.model_validate(data), timeout=5, allow_private=True
    )


def deliver(factory: sessionmaker[Session], channel: WebhookChannel, outbox: Outbox) -> None:
    add_alert(factory, ["group"])
    report = deliver_due(factory, [channel], outbox, T0)[0]
    assert report.sent == 1, report.errors


def test_wecom_gets_a_markdown_message(
    factory: sessionmaker[Session], receiver: Receiver, outbox: Outbox
) -> None:
    deliver(factory, robot(receiver.url("/cgi-bin/webhook/send?key=abc"), "wecom", None), outbox)
    [request] = receiver.wait_for(1)
    assert request.query == {"key": ["abc"]}
    payload = request.json()
    assert payload["msgtype"] == "markdown"
    content = payload["markdown"]["content"]
    assert "【警告】固安县 中共固安县委组织部" in content
    assert "\\<script\\>" in content and "<script>" not in content  # scraped text is inert markdown
    assert "[原文第3页](http://www.guan.gov.cn/yusuan/2021/zzb.pdf)" in content
    assert len(content.encode()) <= 4096


def test_dingtalk_signs_the_query_when_a_secret_is_set(
    factory: sessionmaker[Session], receiver: Receiver, outbox: Outbox
) -> None:
    deliver(factory, robot(receiver.url("/robot/send?access_token=tok"), "dingtalk"), outbox)
    [request] = receiver.wait_for(1)
    timestamp = request.query["timestamp"][0]
    assert abs(int(timestamp) - time.time() * 1000) < 60_000  # milliseconds
    string_to_sign = f"{timestamp}\n{ROBOT_SECRET}".encode()
    expected = base64.b64encode(
        hmac.new(ROBOT_SECRET.encode(), string_to_sign, hashlib.sha256).digest()
    )
    assert request.query["sign"] == [expected.decode()]  # parse_qs undid the URL encoding
    assert request.query["access_token"] == ["tok"]
    payload = request.json()
    assert payload["msgtype"] == "markdown"
    assert payload["markdown"]["title"].startswith("[budgetwatch][警告]")
    assert "107,700" in payload["markdown"]["text"]


def test_feishu_signs_the_body_when_a_secret_is_set(
    factory: sessionmaker[Session], receiver: Receiver, outbox: Outbox
) -> None:
    deliver(factory, robot(receiver.url("/open-apis/bot/v2/hook/xyz"), "feishu"), outbox)
    [request] = receiver.wait_for(1)
    payload = request.json()
    timestamp = payload["timestamp"]
    assert abs(int(timestamp) - time.time()) < 60  # seconds
    key = f"{timestamp}\n{ROBOT_SECRET}".encode()
    assert payload["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert payload["msg_type"] == "interactive"
    card = payload["card"]
    assert card["header"]["template"] == "orange"
    assert card["elements"][0]["tag"] == "markdown"
    assert "中共固安县委组织部" in card["elements"][0]["content"]


def test_without_a_secret_nothing_is_signed(
    factory: sessionmaker[Session], receiver: Receiver, outbox: Outbox
) -> None:
    deliver(factory, robot(receiver.url("/open-apis/bot/v2/hook/xyz"), "feishu", None), outbox)
    payload = receiver.wait_for(1)[0].json()
    assert "sign" not in payload and "timestamp" not in payload


@pytest.mark.parametrize(
    ("fmt", "answer", "status"),
    [
        ("dingtalk", {"errcode": 310000, "errmsg": "sign not match"}, "failed"),
        ("dingtalk", {"errcode": 130101, "errmsg": "send too fast"}, "pending"),
        ("wecom", {"errcode": 93000, "errmsg": "invalid webhook url"}, "failed"),
        ("feishu", {"code": 19021, "msg": "sign match fail"}, "failed"),
        ("feishu", {"code": 9499, "msg": "too many request"}, "pending"),
    ],
)
def test_a_robot_refusal_inside_200_is_not_a_delivery(
    factory: sessionmaker[Session],
    receiver: Receiver,
    outbox: Outbox,
    fmt: str,
    answer: dict[str, object],
    status: str,
) -> None:
    add_alert(factory, ["group"])
    receiver.script(Answer(200, body=json.dumps(answer).encode()))
    report = deliver_due(factory, [robot(receiver.url(), fmt)], outbox, T0)[0]
    assert report.sent == 0 and "robot refused the message" in report.errors[0]
    assert (report.failed, report.retrying) == ((1, 0) if status == "failed" else (0, 1))
