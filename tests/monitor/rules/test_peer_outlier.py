"""peer_outlier: a robust (median/MAD) outlier among at least ``peer_min_count`` departments."""

from __future__ import annotations

from sqlalchemy.orm import Session

from monitor.rules.peer_outlier import PeerOutlierRule
from tests.monitor import scenario
from tests.monitor.rules import names, only, run, store, wan_disclosure


def store_peers(session: Session, count: int) -> str:
    """``count`` departments spending about 1 % on 三公; the last spends 10 %."""
    items = [
        wan_disclosure(
            2022,
            "budget",
            {"expenditure_total": "1000", "three_public_total": f"{10 + (i % 3) * 0.5:.2f}"},
            department=department,
        )
        for i, department in enumerate(scenario.DEPARTMENTS[: count - 1])
    ]
    outlier = scenario.DEPARTMENTS[count - 1]
    totals = {"expenditure_total": "1000", "three_public_total": "100"}
    store(session, *items, wan_disclosure(2022, "budget", totals, department=outlier))
    return outlier


def test_an_outlier_among_enough_peers_alerts(session: Session) -> None:
    outlier = store_peers(session, 8)
    alert = only(run(session, PeerOutlierRule()))
    assert (alert.rule, alert.severity, alert.metric, alert.department) == (
        "peer_outlier",
        "info",
        "three_public_share",
        outlier,
    )
    names(alert, "10.0%", "中位数为1.1%", "8个部门")
    assert alert.figures["peers"] == 8


def test_a_group_below_the_minimum_peer_count_is_silent(session: Session) -> None:
    store_peers(session, 7)
    assert run(session, PeerOutlierRule()) == []


def test_a_lower_minimum_makes_the_same_group_count(session: Session) -> None:
    store_peers(session, 7)
    assert [a.metric for a in run(session, PeerOutlierRule(), peer_min_count=7)] == [
        "three_public_share"
    ]
