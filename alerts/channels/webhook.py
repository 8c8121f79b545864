"""Webhooks: a signed JSON POST per alert, or a group robot's message format.

The format decides the body, the signature and how to read the answer; the
channel does the rest the same way for all of them: SSRF-guarded, pinned
connection, no redirects, 2xx only.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from alerts.channels import one_each
from alerts.failures import PermanentDeliveryError, RetryableDeliveryError
from alerts.http import HttpResponse, check_status, post
from alerts.notice import AlertNotice, Batch
from alerts.routing import wants
from alerts.settings import WebhookChannelSettings
from alerts.signing import ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from alerts.ssrf import Resolver, system_resolver


@dataclass(frozen=True)
class PreparedRequest:
    """What a format builds: where to POST, what, and with which headers."""

    url: str
    body: bytes
    headers: dict[str, str]


class WebhookFormat(Protocol):
    """A receiver's message format: the request for a batch, and how to read its answer."""

    def request(self, batch: Batch, url: str, secret: str | None, now: float) -> PreparedRequest:
        """The request that delivers ``batch``."""
        ...

    def check_answer(self, response: HttpResponse) -> None:
        """Raise if a 2xx answer still says the message was refused (robots do that)."""
        ...


def json_body(payload: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON, Chinese kept readable."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class JsonFormat:
    """budgetwatch's own JSON: one alert per POST, signed with HMAC-SHA256."""

    def request(self, batch: Batch, url: str, secret: str | None, now: float) -> PreparedRequest:
        payload: dict[str, Any] = {"id": batch.key, "test": batch.test}
        if len(batch.alerts) == 1:
            payload["alert"] = batch.alerts[0].as_json()
        else:
            payload["alerts"] = [alert.as_json() for alert in batch.alerts]
        payload["delivery_failures"] = [failure.as_json() for failure in batch.failures]
        body = json_body(payload)
        timestamp = int(now)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            ID_HEADER: batch.key,
            TIMESTAMP_HEADER: str(timestamp),
        }
        if secret:
            headers[SIGNATURE_HEADER] = sign(secret, timestamp, body)
        return PreparedRequest(url, body, headers)

    def check_answer(self, response: HttpResponse) -> None:
        """Any 2xx is an acceptance."""


def check_robot_answer(
    response: HttpResponse, robot: str, code_fields: tuple[str, ...], retry_codes: set[int]
) -> None:
    """Group robots answer 200 with an error code: 0 is success, rate limits retry."""
    try:
        answer = json.loads(response.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise RetryableDeliveryError(f"{robot} robot: answer is not JSON") from error
    code = next(
        (answer[field] for field in code_fields if isinstance(answer, dict) and field in answer),
        None,
    )
    if code in (0, "0"):
        return
    detail = (
        str(answer.get("errmsg") or answer.get("msg") or "") if isinstance(answer, dict) else ""
    )
    message = f"{robot} robot refused the message: code {code} {detail[:200]}".rstrip()
    if isinstance(code, int) and code in retry_codes:
        raise RetryableDeliveryError(message)
    raise PermanentDeliveryError(message)


def format_for(name: str) -> WebhookFormat:
    """The format called ``name`` in the config."""
    if name == "json":
        return JsonFormat()
    if name == "wecom":
        from alerts.channels.wecom import WecomFormat

        return WecomFormat()
    if name == "dingtalk":
        from alerts.channels.dingtalk import DingtalkFormat

        return DingtalkFormat()
    from alerts.channels.feishu import FeishuFormat

    return FeishuFormat()


class WebhookChannel:
    """POSTs each alert to one URL in the configured format."""

    def __init__(
        self,
        settings: WebhookChannelSettings,
        *,
        timeout: float,
        allow_private: bool,
        resolver: Resolver = system_resolver,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.name = settings.name
        self.timeout = timeout
        self.allow_private = allow_private
        self.resolver = resolver
        # Signatures carry wall-clock time: receivers check it against theirs.
        self.clock = clock
        self.format = format_for(settings.format)

    def wants(self, alert: AlertNotice) -> bool:
        """Whether this channel's filters let ``alert`` through."""
        return wants(self.settings, alert)

    def batches(self, alerts: list[AlertNotice]) -> list[list[AlertNotice]]:
        """One POST per alert, so each carries its own idempotency key."""
        return one_each(alerts)

    def send(self, batch: Batch) -> None:
        """POST the batch; return only on a 2xx that the receiver's answer confirms."""
        secret = self.settings.secret.get_secret_value() if self.settings.secret else None
        url = self.settings.url.get_secret_value()
        prepared = self.format.request(batch, url, secret, self.clock())
        headers = {"User-Agent": "budgetwatch-alerts/0.1", **prepared.headers}
        response = post(
            prepared.url,
            prepared.body,
            headers,
            timeout=self.timeout,
            allow_private=self.allow_private,
            resolver=self.resolver,
        )
        check_status(url, response, datetime.now(UTC))
        self.format.check_answer(response)

    def secrets(self) -> list[str]:
        """The URL (robots keep their token in it) and the signing secret."""
        values = [self.settings.url.get_secret_value()]
        if self.settings.secret is not None:
            values.append(self.settings.secret.get_secret_value())
        return values
