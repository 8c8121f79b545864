"""Numbers and units as written in disclosures, converted to exact yuan."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from storage.errors import InputError

# Multipliers to yuan.  Longest spellings first so "千万元" wins over "万元".
UNIT_FACTORS: dict[str, Decimal] = {
    "千万元": Decimal("10000000"),
    "百万元": Decimal("1000000"),
    "亿元": Decimal("100000000"),
    "万元": Decimal("10000"),
    "千元": Decimal("1000"),
    "亿": Decimal("100000000"),
    "万": Decimal("10000"),
    "元": Decimal("1"),
}


def parse_number(text: str) -> Decimal:
    """Parse '1,790.19', '1, 537.4', '－5.9', '0.77' into a Decimal; raise InputError otherwise."""
    cleaned = (
        text.strip()
        .replace("，", ",")
        .replace(",", "")
        .replace(" ", "")
        .replace("．", ".")
        .replace("－", "-")
        .replace("—", "-")
    )
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise InputError(f"not a number: {text!r}") from exc
    if not value.is_finite():
        raise InputError(f"not a number: {text!r}")
    return value


def to_yuan(number: str, unit: str) -> Decimal:
    """Convert a number written in ``unit`` to exact yuan."""
    factor = UNIT_FACTORS.get(unit.strip())
    if factor is None:
        raise InputError(f"unknown money unit: {unit!r}")
    value = parse_number(number) * factor
    # Normalise away exponent forms (7.76934E+7) while keeping fen.
    return (
        value.quantize(Decimal("0.01")).normalize()
        if value != value.to_integral()
        else value.quantize(Decimal("1"))
    )


def rounding_step(raw: str, unit: str) -> Decimal:
    """The value in yuan of one unit in the last written digit of ``raw``."""
    factor = UNIT_FACTORS.get(unit.strip(), Decimal("1"))
    digits = raw.replace(",", "").replace(" ", "").strip()
    decimals = len(digits.split(".", 1)[1]) if "." in digits else 0
    return factor * Decimal(1).scaleb(-decimals)


# A number as printed: thousands groups ("1,790.19", "1, 537.4") or plain digits.
# The look-behind stops a match from starting inside another number.
# A space may group thousands too ("1 580.67万元"), but only with decimals: "表1 100万元"
# is a table number and an amount.
NUMBER_BODY = r"(?:\d{1,3}(?:,\s?\d{3})+(?:\.\d+)?|\d{1,3}(?: \d{3})+\.\d+|\d+(?:\.\d+)?)(?![\d.])"
NUMBER_PATTERN = rf"(?<![\d.,]){NUMBER_BODY}"
# 万 followed by a counting word is a quantity (万人次), not money.
UNIT_PATTERN = (
    r"千万元|百万元|亿元|万元|千元|元|亿(?![元人户次以])|万(?![元人户亩吨册份套件辆台次股字平以])"
)
# Every amount starts with a digit: the leading look-ahead rejects any other
# position with one test instead of the look-behind and three branches.
AMOUNT_RE = re.compile(
    rf"(?=\d)(?P<numbers>{NUMBER_PATTERN}(?:\s*[,、]\s*{NUMBER_BODY})*)\s*(?P<unit>{UNIT_PATTERN})"
    # "单价在20万元以上", "(20万以下)": a threshold, not an amount.
    r"(?!\s*(?:以上|以下|以内|及以上))"
)
_NUMBER_RE = re.compile(NUMBER_BODY)


@dataclass(frozen=True)
class Amount:
    """Money written in text: one or more numbers sharing one unit ("4125.49,4143.91万元")."""

    raws: tuple[str, ...]
    unit: str
    start: int  # where the first number starts in the searched text
    end: int  # just after the unit
    number_start: int  # where the last number starts

    @property
    def raw(self) -> str:
        """The last number as written (the one the unit belongs to for sure)."""
        return self.raws[-1]

    def values(self) -> tuple[Decimal, ...]:
        """Every number of the amount in yuan."""
        return tuple(to_yuan(raw, self.unit) for raw in self.raws)


# Every unit holds one of these: text without them (most clauses) has no amount.
_UNIT_CHAR = re.compile("[元万亿]")


def find_amounts(text: str) -> list[Amount]:
    """Every number-with-money-unit in ``text``, in order."""
    if not _UNIT_CHAR.search(text):
        return []
    found = []
    for match in AMOUNT_RE.finditer(text):
        numbers = list(_NUMBER_RE.finditer(match.group("numbers")))
        found.append(
            Amount(
                raws=tuple(number.group(0) for number in numbers),
                unit=match.group("unit"),
                start=match.start(),
                end=match.end(),
                number_start=match.start() + numbers[-1].start(),
            )
        )
    return found


def parse_amount(text: str) -> Decimal:
    """Parse one amount with its unit ("1,790.19万元", "4.4亿元") into yuan; raise InputError."""
    match = AMOUNT_RE.fullmatch(text.strip())
    if match is None:
        raise InputError(f"not an amount of money: {text!r}")
    amount = find_amounts(match.group(0))[0]
    if len(amount.raws) != 1:
        raise InputError(f"several numbers in one amount: {text!r}")
    return amount.values()[0]
