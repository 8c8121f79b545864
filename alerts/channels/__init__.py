"""Delivery channels: each turns a Batch into one message and sends it, or raises.

A channel raises ``RetryableDeliveryError`` for failures that may pass and
``PermanentDeliveryError`` for those that will not; the outbox decides what
happens next.  ``build_channel`` makes one from its configuration.
"""

from __future__ import annotations

from typing import Protocol

from alerts.notice import AlertNotice, Batch
from alerts.settings import AlertsSettings, EmailChannelSettings, WebhookChannelSettings
from alerts.ssrf import Resolver, system_resolver


class Channel(Protocol):
    """Something that delivers a Batch: a mailbox, a webhook, a group robot."""

    name: str

    def wants(self, alert: AlertNotice) -> bool:
        """Whether the channel's filters (min_severity, regions, rules) let ``alert`` through."""
        ...

    def batches(self, alerts: list[AlertNotice]) -> list[list[AlertNotice]]:
        """How due alerts are split into messages (a digest, or one message each)."""
        ...

    def send(self, batch: Batch) -> None:
        """Deliver one message; return only if the receiver accepted it."""
        ...

    def secrets(self) -> list[str]:
        """Secret values that must never appear in an error message."""
        ...


def one_each(alerts: list[AlertNotice]) -> list[list[AlertNotice]]:
    """One message per alert: what webhooks and group robots get."""
    return [[alert] for alert in alerts]


def build_channel(
    settings: EmailChannelSettings | WebhookChannelSettings,
    alerts: AlertsSettings,
    resolver: Resolver = system_resolver,
) -> Channel:
    """The channel its configuration describes."""
    if isinstance(settings, EmailChannelSettings):
        from alerts.channels.email import EmailChannel

        return EmailChannel(settings, timeout=alerts.timeout_seconds)
    from alerts.channels.webhook import WebhookChannel

    return WebhookChannel(
        settings,
        timeout=alerts.timeout_seconds,
        allow_private=alerts.allow_private_targets,
        resolver=resolver,
    )


def redact(text: str, secrets: list[str]) -> str:
    """``text`` with every secret value replaced, for errors and logs."""
    for secret in secrets:
        if secret and len(secret) >= 3:
            text = text.replace(secret, "**********")
    return text
