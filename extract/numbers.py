"""Numbers and units as written in disclosures, converted to exact yuan."""

from __future__ import annotations

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
    return value.quantize(Decimal("0.01")).normalize() if value != value.to_integral() else value.quantize(Decimal("1"))


def rounding_step(raw: str, unit: str) -> Decimal:
    """The value in yuan of one unit in the last written digit of ``raw``."""
    factor = UNIT_FACTORS.get(unit.strip(), Decimal("1"))
    digits = raw.replace(",", "").replace(" ", "").strip()
    decimals = len(digits.split(".", 1)[1]) if "." in digits else 0
    return factor * Decimal(1).scaleb(-decimals)
