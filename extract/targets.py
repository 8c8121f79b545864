"""Performance targets (绩效目标表) as rows."""

from __future__ import annotations

from extract.model import RawDocument, Target


def performance_targets(doc: RawDocument) -> list[Target]:
    """One Target per indicator row of every performance-target table."""
    return []
