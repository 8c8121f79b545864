"""One monitor pass: plan the scope, build the sheet, run every rule, store the alerts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from monitor.context import RuleContext
from monitor.report import AlertView, MonitorReport
from monitor.rules import RULES, Rule
from monitor.scope import current_watermarks, drop_scope, plan_scope
from monitor.sheet import build_sheet, drop_sheet
from monitor.thresholds import MonitorThresholds
from storage.models import MonitorRunRow
from storage.monitoring import AlertCandidate, last_run, upsert_alert


def evaluate(
    session: Session,
    *,
    now: datetime,
    settings: MonitorThresholds,
    full: bool = False,
    channels: Sequence[str] = (),
    rules: Sequence[Rule] = RULES,
) -> MonitorReport:
    """Evaluate what changed since the last run (everything if ``full``); the caller commits."""
    previous = last_run(session)
    watermarks = current_watermarks(session)
    scope = plan_scope(session, previous, full)
    run = MonitorRunRow(started_at=now, full=scope.full, alerts_new=0, alerts_changed=0)
    session.add(run)
    try:
        ctx = RuleContext(session, build_sheet(session, scope), scope, settings, now)
        found = (c for rule in rules for c in rule.find(ctx))
        candidates = unique(c for c in found if scope.covers(c.region, c.year))
    finally:
        drop_sheet(session)
        drop_scope(session, scope)
    report = store(session, run, candidates, now, channels)
    run.finished_at = now
    run.watermark, run.disclosure_watermark = watermarks.figure, watermarks.disclosure
    session.flush()
    return report


def unique(candidates: Iterable[AlertCandidate]) -> list[AlertCandidate]:
    """The first candidate of each dedup key: a second one would flip the stored facts."""
    kept: dict[str, AlertCandidate] = {}
    for item in candidates:
        kept.setdefault(item.dedup_key, item)
    return list(kept.values())


def store(
    session: Session,
    run: MonitorRunRow,
    candidates: list[AlertCandidate],
    now: datetime,
    channels: Sequence[str],
) -> MonitorReport:
    """Upsert every candidate and sort the outcomes into the report."""
    session.flush()
    new, changed, unchanged = [], [], 0
    for item in candidates:
        row, outcome = upsert_alert(session, item, now, channels)
        if outcome == "new":
            new.append(AlertView.of(row))
        elif outcome == "changed":
            changed.append(AlertView.of(row))
        else:
            unchanged += 1
    run.alerts_new, run.alerts_changed = len(new), len(changed)
    return MonitorReport(run.id, run.full, new, changed, unchanged)
