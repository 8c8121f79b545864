"""What a message carries: plain frozen data read from the alert and delivery rows."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from storage.models import AlertRow, DeliveryRow

KIND_LABELS = {"budget": "预算", "final": "决算"}
SEVERITY_LABELS = {"info": "提示", "warning": "警告", "critical": "严重"}


@dataclass(frozen=True)
class AlertNotice:
    """One alert as sent on one channel, with the delivery's idempotency key."""

    key: str
    alert_id: int
    rule: str
    severity: str
    region: str | None
    department: str | None
    year: int | None
    kind: str | None
    metric: str | None
    message: str
    figures: Mapping[str, Any] = field(default_factory=dict)
    evidence: Sequence[Mapping[str, Any]] = ()

    @property
    def severity_label(self) -> str:
        """严重 / 警告 / 提示."""
        return SEVERITY_LABELS.get(self.severity, self.severity)

    @property
    def kind_label(self) -> str:
        """预算 / 决算, or empty."""
        return KIND_LABELS.get(self.kind or "", self.kind or "")

    def as_json(self) -> dict[str, Any]:
        """The alert fields a JSON webhook receives."""
        return {
            "id": self.alert_id,
            "rule": self.rule,
            "severity": self.severity,
            "region": self.region,
            "department": self.department,
            "year": self.year,
            "kind": self.kind,
            "metric": self.metric,
            "message": self.message,
            "figures": dict(self.figures),
            "evidence": [dict(item) for item in self.evidence],
        }


@dataclass(frozen=True)
class FailureNotice:
    """A delivery that ended ``failed``, to announce on a channel that works."""

    delivery_id: int
    alert_id: int
    channel: str
    error: str
    message: str

    def as_json(self) -> dict[str, Any]:
        """The failure as a JSON webhook receives it."""
        return {
            "delivery_id": self.delivery_id,
            "alert_id": self.alert_id,
            "channel": self.channel,
            "error": self.error,
            "message": self.message,
        }


@dataclass(frozen=True)
class Batch:
    """What one message carries: alerts, failures to announce, and its idempotency key."""

    key: str
    alerts: tuple[AlertNotice, ...] = ()
    failures: tuple[FailureNotice, ...] = ()
    test: bool = False


def batch_key(keys: Sequence[str]) -> str:
    """The key of a message carrying several deliveries: the same set gives the same key."""
    if len(keys) == 1:
        return keys[0]
    return hashlib.sha256("\n".join(sorted(keys)).encode("ascii")).hexdigest()[:32]


def alert_notice(delivery: DeliveryRow) -> AlertNotice:
    """The notice for a claimed delivery, from its alert's current row."""
    alert: AlertRow = delivery.alert
    return AlertNotice(
        key=delivery.idempotency_key,
        alert_id=alert.id,
        rule=alert.rule,
        severity=alert.severity,
        region=alert.region,
        department=alert.department,
        year=alert.year,
        kind=alert.kind,
        metric=alert.metric,
        message=alert.message,
        figures=dict(alert.figures or {}),
        evidence=[dict(item) for item in alert.evidence or []],
    )


def failure_notice(delivery: DeliveryRow) -> FailureNotice:
    """The announcement of a failed delivery."""
    return FailureNotice(
        delivery_id=delivery.id,
        alert_id=delivery.alert_id,
        channel=delivery.channel,
        error=delivery.last_error or "unknown error",
        message=delivery.alert.message,
    )
