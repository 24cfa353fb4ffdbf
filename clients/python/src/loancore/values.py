"""Amounts and dates as loancore's wire carries them.

loancore sends every amount and rate as a decimal string ("2105.52",
"9.6") and every date as "YYYY-MM-DD", so that no language rounds them
on the way. These helpers convert between those strings and
decimal.Decimal / datetime.date. They refuse float: a binary float
cannot hold most cent amounts exactly (0.1 + 0.2 != 0.3), and the error
would reach the ledger unseen.

An empty string is how proto3 says "not set" (a FeedEvent without an
amount, a loan without a next due date): the parse functions return None
for it rather than inventing a zero.
"""

from __future__ import annotations

import datetime
import decimal
from typing import Optional, Union

__all__ = ["format_amount", "parse_amount", "format_date", "parse_date"]

AmountLike = Union[decimal.Decimal, int, str]


def format_amount(value: AmountLike) -> str:
    """Return value as the decimal string loancore expects for an amount or rate.

    Accepts a decimal.Decimal, an int or a decimal string (checked, and
    normalised to plain notation: Decimal("1E+3") is sent as "1000").
    Raises TypeError for a float or a bool, and ValueError for anything
    that is not a finite decimal number. Digits are kept as given: the
    server rounds by the loan's rules, or refuses more places than the
    currency has.
    """
    if isinstance(value, bool) or isinstance(value, float):
        # bool is an int subclass; True is not an amount either.
        raise TypeError(f"amounts must be Decimal, int or str, not {type(value).__name__} (floats are inexact)")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        value = _parse_decimal(value)
    if not isinstance(value, decimal.Decimal):
        raise TypeError(f"amounts must be Decimal, int or str, not {type(value).__name__}")
    if not value.is_finite():
        raise ValueError(f"amount {value} is not a finite number")
    return format(value, "f")


def parse_amount(text: str) -> Optional[decimal.Decimal]:
    """Return the amount or rate a response carries as a Decimal, or None if it is empty."""
    if text == "":
        return None
    return _parse_decimal(text)


def format_date(value: Union[datetime.date, str]) -> str:
    """Return value as "YYYY-MM-DD".

    Accepts a datetime.date or an ISO date string (checked). A datetime
    is refused: which calendar day it falls on depends on a time zone,
    and loancore's business dates are in the server's business time zone,
    so the caller must choose the day.
    """
    if isinstance(value, datetime.datetime):
        raise TypeError("pass a datetime.date, not a datetime: choose the business day explicitly")
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value)
    if not isinstance(value, datetime.date):
        raise TypeError(f"dates must be datetime.date or str, not {type(value).__name__}")
    return value.isoformat()


def parse_date(text: str) -> Optional[datetime.date]:
    """Return a "YYYY-MM-DD" date of a response as a datetime.date, or None if it is empty."""
    if text == "":
        return None
    return datetime.date.fromisoformat(text)


def _parse_decimal(text: str) -> decimal.Decimal:
    """Parse text as a finite Decimal, raising ValueError (not decimal's own error) otherwise."""
    try:
        value = decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise ValueError(f"{text!r} is not a decimal number") from None
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a finite number")
    return value
