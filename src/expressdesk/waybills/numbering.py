"""Waybill numbers: a configurable prefix, an 11-digit serial and a Damm check digit.

The Damm algorithm catches every single mistyped digit and every swap of two adjacent digits,
the two mistakes an agent makes when a caller reads a number out over the phone.
"""

from __future__ import annotations

import re
from functools import lru_cache

from stdnum import damm

SERIAL_DIGITS = 11
_SEPARATORS = re.compile(r"[\s\-_]+")


def make_waybill_number(prefix: str, serial: int) -> str:
    """The full number for ``serial``: prefix, zero-padded serial, check digit."""
    if serial < 0 or serial >= 10**SERIAL_DIGITS:
        raise ValueError(f"serial {serial} does not fit in {SERIAL_DIGITS} digits")
    digits = f"{serial:0{SERIAL_DIGITS}d}"
    return f"{prefix}{digits}{damm.calc_check_digit(digits)}"


def normalize_waybill_number(raw: str) -> str:
    """Upper-case the text and drop spaces and dashes people type or paste."""
    return _SEPARATORS.sub("", raw).upper()


@lru_cache(maxsize=65_536)
def is_valid_waybill_number(raw: str, prefix: str) -> bool:
    """True when ``raw`` (after normalising) has our prefix, the right length and check digit."""
    number = normalize_waybill_number(raw)
    if not number.startswith(prefix):
        return False
    digits = number[len(prefix) :]
    return len(digits) == SERIAL_DIGITS + 1 and digits.isdigit() and damm.is_valid(digits)
