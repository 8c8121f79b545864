"""What a monitor pass returns: plain views of the alerts it stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from storage.models import AlertRow


@dataclass(frozen=True)
class AlertView:
    """One stored alert as the CLI and other stages show it."""

    id: int
    rule: str
    severity: str
    region: str | None
    department: str | None
    year: int | None
    kind: str | None
    metric: str | None
    message: str
    figures: dict[str, Any]
    evidence: list[dict[str, Any]]
    status: str

    @classmethod
    def of(cls, row: AlertRow) -> AlertView:
        """The view of a stored alert row."""
        return cls(
            id=row.id,
            rule=row.rule,
            severity=row.severity,
            region=row.region,
            department=row.department,
            year=row.year,
            kind=row.kind,
            metric=row.metric,
            message=row.message,
            figures=dict(row.figures),
            evidence=[dict(item) for item in row.evidence],
            status=row.status,
        )


@dataclass(frozen=True)
class MonitorReport:
    """The outcome of one pass: alerts raised for the first time, and alerts whose facts changed."""

    run_id: int
    full: bool
    new: list[AlertView] = field(default_factory=list)
    changed: list[AlertView] = field(default_factory=list)
    unchanged: int = 0
