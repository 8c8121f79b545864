"""Crawl health as alerts: a site that fails, is blocked, yields nothing or changed its structure.

Staff must learn that the watcher is blind, not only what it saw, so these
findings go through the same alerts table and outbox as the monitor's.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from storage.monitoring import AlertCandidate
from storage.service import SiteRunCounts, previous_good_run, streak_start

RULE = "crawl_health"


def _candidate(site: str, problem: str, severity: str, message: str, figures: dict[str, object],
               detail: str | None) -> AlertCandidate:  # fmt: skip
    """A crawl_health alert about ``site``; the site's name stands where a region would."""
    evidence = [{"source": site, "text": detail}] if detail else []
    return AlertCandidate(
        RULE, severity, site, None, None, None, problem, message, figures, evidence
    )


def health_findings(
    session: Session, site: str, run_id: int, counts: SiteRunCounts, now: datetime
) -> list[AlertCandidate]:
    """The crawl_health alerts one finished crawl of ``site`` calls for (none if it went well)."""
    if counts.result in ("failed", "blocked", "empty"):
        # The facts are the problem and since when: one alert per outage, not one a day.
        since = streak_start(session, site, counts.result, now).date().isoformat()
        figures: dict[str, object] = {"problem": counts.result, "since": since}
        if counts.result == "failed":
            message = f"站点“{site}”自{since}起抓取失败，budgetwatch 无法监测该站点的预决算公开，请检查网络和站点地址。"
            return [_candidate(site, "failed", "critical", message, figures, counts.error)]
        if counts.result == "blocked":
            message = f"站点“{site}”自{since}起拒绝抓取（{counts.blocked_reason}），budgetwatch 无法获取其预决算公开，请联系网站管理方。"
            return [_candidate(site, "blocked", "warning", message, figures, counts.blocked_reason)]
        previous = previous_good_run(session, site, run_id)
        if previous is None:
            message = f"站点“{site}”自{since}起未发现任何预决算公开信息，请检查起始地址和站点配置。"
            return [_candidate(site, "empty", "warning", message, figures, None)]
        figures = {"problem": "structure_changed", "since": since,
                   "previous_disclosures": previous.disclosures}  # fmt: skip
        when = previous.started_at.date().isoformat()
        message = (
            f"站点“{site}”本次抓取发现0条预决算公开信息，而{when}发现{previous.disclosures}条，"
            "网站结构可能已改版，budgetwatch 已无法监测该站点，请检查站点配置。"
        )
        return [_candidate(site, "structure_changed", "critical", message, figures, None)]
    return []
