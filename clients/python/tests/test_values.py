"""Amounts and dates: exact on the way out and on the way in, never floats."""

import datetime
from decimal import Decimal

import pytest

from loancore import format_amount, format_date, parse_amount, parse_date


@pytest.mark.parametrize("value, wire", [
    (Decimal("2105.52"), "2105.52"),
    (Decimal("0.10"), "0.10"),
    (Decimal("1E+3"), "1000"),
    (Decimal("-3.90"), "-3.90"),
    (24000, "24000"),
    ("9.6", "9.6"),
    ("1e2", "100"),
    (Decimal("123456789012345.6789"), "123456789012345.6789"),
])
def test_format_amount(value, wire):
    assert format_amount(value) == wire


@pytest.mark.parametrize("value", [0.1, 2105.52, True])
def test_format_amount_refuses_floats_and_bools(value):
    with pytest.raises(TypeError):
        format_amount(value)


@pytest.mark.parametrize("value", ["", "abc", "1,000.00", "NaN", "Infinity", Decimal("NaN"), Decimal("-Infinity")])
def test_format_amount_refuses_non_numbers(value):
    with pytest.raises(ValueError):
        format_amount(value)


def test_parse_amount_is_exact():
    assert parse_amount("0.10") == Decimal("0.10")
    assert str(parse_amount("0.10")) == "0.10", "the scale the server sent is kept"
    assert parse_amount("0.1") + parse_amount("0.2") == Decimal("0.3")
    assert parse_amount("") is None
    with pytest.raises(ValueError):
        parse_amount("1.2.3")


def test_dates():
    assert format_date(datetime.date(2026, 1, 5)) == "2026-01-05"
    assert format_date("2026-04-10") == "2026-04-10"
    assert parse_date("2026-02-05") == datetime.date(2026, 2, 5)
    assert parse_date("") is None
    with pytest.raises(ValueError):
        format_date("2026-02-30")
    with pytest.raises(TypeError, match="business day"):
        format_date(datetime.datetime(2026, 1, 5, 23, 30))
