"""three_public_increase: any rise beyond the rounding of the unit written (只减不增)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from monitor.rules.three_public_increase import ThreePublicIncreaseRule
from tests.monitor.rules import names, only, run, store, wan_disclosure


def test_a_rise_of_five_hundredths_of_a_wan_alerts(session: Session) -> None:
    store(
        session,
        wan_disclosure(2021, "budget", {"three_public_reception": "0.77"}),
        wan_disclosure(2022, "budget", {"three_public_reception": "0.82"}),
    )
    alert = only(run(session, ThreePublicIncreaseRule()))
    assert (alert.rule, alert.severity, alert.metric) == (
        "three_public_increase",
        "warning",
        "three_public_reception",
    )
    names(alert, "公务接待费", "0.82万元", "0.05万元", "只减不增")
    assert alert.figures["increase"] == "500.00"


def test_a_rounding_rise_of_one_hundredth_is_silent(session: Session) -> None:
    store(
        session,
        wan_disclosure(2021, "budget", {"three_public_reception": "0.77"}),
        wan_disclosure(2022, "budget", {"three_public_reception": "0.78"}),
    )
    assert run(session, ThreePublicIncreaseRule()) == []


def test_a_stated_rise_alerts_without_last_years_document(session: Session) -> None:
    store(
        session,
        wan_disclosure(
            2022, "budget", {"three_public_total": "10.77", "three_public_total_change": "0.5"}
        ),
    )
    alert = only(run(session, ThreePublicIncreaseRule()))
    assert (alert.metric, alert.figures["increase"]) == ("three_public_total", "5000.00")
    names(alert, "10.77万元", "0.5万元")


def test_a_fall_is_silent(session: Session) -> None:
    store(
        session,
        wan_disclosure(2021, "budget", {"three_public_total": "12"}),
        wan_disclosure(
            2022, "budget", {"three_public_total": "10.77", "three_public_total_change": "-1.23"}
        ),
    )
    assert run(session, ThreePublicIncreaseRule()) == []


def vehicle(year: int, purchase: str, operation: str, line: bool = True) -> dict[str, str]:
    """The vehicle lines of a 三公 table in 万元, with or without their sum."""
    lines = {"three_public_vehicle_purchase": purchase, "three_public_vehicle_operation": operation}
    total = Decimal(purchase) + Decimal(operation)
    return {**lines, "three_public_vehicle": str(total)} if line else lines


def test_a_car_bought_out_of_a_shrinking_vehicle_line_is_silent(session: Session) -> None:
    store(
        session,
        wan_disclosure(2021, "budget", vehicle(2021, "0", "12.40")),
        wan_disclosure(2022, "budget", vehicle(2022, "3.50", "8.20")),  # a car replaced
        wan_disclosure(2023, "budget", vehicle(2023, "0", "11.10")),  # and the usual running
    )
    assert run(session, ThreePublicIncreaseRule()) == []


def test_a_vehicle_line_that_rises_alerts_once_for_the_line(session: Session) -> None:
    store(
        session,
        wan_disclosure(2021, "budget", vehicle(2021, "0", "12.40")),
        wan_disclosure(2022, "budget", vehicle(2022, "5.00", "8.20")),
    )
    alert = only(run(session, ThreePublicIncreaseRule()))
    assert (alert.metric, alert.figures["increase"]) == ("three_public_vehicle", "8000.00")


def test_without_the_vehicle_line_its_sub_lines_are_judged_alone(session: Session) -> None:
    store(
        session,
        wan_disclosure(2021, "budget", vehicle(2021, "0", "12.40", line=False)),
        wan_disclosure(2022, "budget", vehicle(2022, "3.50", "8.20", line=False)),
    )
    alert = only(run(session, ThreePublicIncreaseRule()))
    assert alert.metric == "three_public_vehicle_purchase"
