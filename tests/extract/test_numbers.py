"""Numbers and units as written in disclosures."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from extract.numbers import find_amounts, parse_amount, parse_number, rounding_step, to_yuan
from storage.errors import InputError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,790.19", Decimal("1790.19")),
        ("1, 537.4", Decimal("1537.4")),
        ("－5.9", Decimal("-5.9")),
        ("0.77", Decimal("0.77")),
    ],
)
def test_parse_number_reads_printed_forms(text: str, expected: Decimal) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    ("number", "unit", "yuan"),
    [
        ("13649.07", "万元", Decimal("136490700")),
        ("4.4", "亿元", Decimal("440000000")),
        ("0.07", "亿元", Decimal("7000000")),
        ("12", "千元", Decimal("12000")),
        ("86,959,408.34", "元", Decimal("86959408.34")),
        ("144.1", "万", Decimal("1441000")),
    ],
)
def test_to_yuan_is_exact(number: str, unit: str, yuan: Decimal) -> None:
    assert to_yuan(number, unit) == yuan


def test_rounding_step_follows_the_last_digit() -> None:
    assert rounding_step("7769.34", "万元") == Decimal("100")
    assert rounding_step("10", "万元") == Decimal("10000")


def test_find_amounts_reads_lists_separators_and_spaces() -> None:
    found = find_amounts("收、支总计各是4125.49,4143.91万元，另有1, 537.4 万元和2248.37 万元")
    assert [a.raws for a in found] == [("4125.49", "4143.91"), ("1, 537.4",), ("2248.37",)]
    assert found[0].values() == (Decimal("41254900"), Decimal("41439100"))


def test_find_amounts_skips_percentages_counts_and_thresholds() -> None:
    text = "增长17.31%，接待28598人次，共3万人次，单价在20万元以上的设备，(20万以下)，支出5万元"
    assert [a.raw for a in find_amounts(text)] == ["5"]


def test_parse_amount_rejects_text_without_unit() -> None:
    with pytest.raises(InputError):
        parse_amount("123.4")
    assert parse_amount("1,790.19万元") == Decimal("17901900")


@given(st.text(max_size=30))
def test_parse_number_gives_a_value_or_input_error(text: str) -> None:
    try:
        value = parse_number(text)
    except InputError:
        return
    assert value.is_finite()


@given(
    st.text(alphabet="0123456789.,， 万元亿千-－%以上", max_size=20),
    st.sampled_from(["万元", "元", "亿元", "千元", "万", "斤"]),
)
@example(".001", "元")
@example("0.005", "元")
def test_to_yuan_gives_a_value_or_input_error(number: str, unit: str) -> None:
    try:
        value = to_yuan(number, unit)
    except InputError:
        return
    # Exact to the fen, the precision money is stored with (a written 0.001 元 is 0).
    exact = parse_number(number) * to_yuan("1", unit)
    assert value == exact.quantize(Decimal("0.01"))


@given(st.text(alphabet="0123456789.,、 万元亿千以上人%支出", max_size=40))
def test_find_amounts_never_raises_and_values_are_exact(text: str) -> None:
    for amount in find_amounts(text):
        assert all(value.is_finite() for value in amount.values())
        assert text[amount.start : amount.end].endswith(amount.unit)


@given(
    st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
    st.sampled_from(["万元", "元", "亿元"]),
)
def test_written_amount_round_trips(value: Decimal, unit: str) -> None:
    written = f"{value:,}{unit}"
    assert parse_amount(written) == to_yuan(str(value), unit)
