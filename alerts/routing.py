"""Which channels want an alert: the channel filters (min_severity, regions, rules)."""

from __future__ import annotations

from typing import Protocol

from alerts.settings import (
    SEVERITY_RANK,
    AlertsSettings,
    EmailChannelSettings,
    WebhookChannelSettings,
)


class Routable(Protocol):
    """What routing reads of an alert (an AlertRow or the monitor's AlertCandidate)."""

    @property
    def rule(self) -> str: ...

    @property
    def severity(self) -> str: ...

    @property
    def region(self) -> str | None: ...


def wants(channel: EmailChannelSettings | WebhookChannelSettings, alert: Routable) -> bool:
    """Whether ``channel``'s filters let ``alert`` through."""
    if SEVERITY_RANK.get(alert.severity, 0) < SEVERITY_RANK[channel.min_severity]:
        return False
    if channel.regions and alert.region not in channel.regions:
        return False
    return not channel.rules or alert.rule in channel.rules


def channels_for(alert: Routable, settings: AlertsSettings) -> list[str]:
    """Names of the configured channels that want ``alert``: what to queue in its outbox."""
    return [channel.name for channel in settings.channels if wants(channel, alert)]
