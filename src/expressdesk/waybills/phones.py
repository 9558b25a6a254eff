"""Mainland China phone numbers (mobiles and landlines), validated with ``phonenumbers``."""

from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumberType

_ACCEPTED_TYPES = frozenset(
    {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


class InvalidPhone(ValueError):
    """The text is not a valid mainland mobile or landline number."""


def normalize_phone(raw: str) -> str:
    """A valid mainland number in national digits (``13812345678``, ``02188886666``).

    Accepts spaces, dashes, brackets and a +86 / 86 prefix; landlines need their area code.
    """
    text = raw.strip()
    if not text:
        raise InvalidPhone("phone number is empty")
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"'{raw}' is not a phone number") from exc
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        raise InvalidPhone(
            f"'{raw}' is not a valid mainland China mobile or landline number "
            "(mobiles have 11 digits starting with 1; landlines need the area code)"
        )
    if phonenumbers.number_type(number) not in _ACCEPTED_TYPES:
        raise InvalidPhone(f"'{raw}' is not a mobile or landline number")
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return "".join(ch for ch in national if ch.isdigit())


def mask_phone(phone: str) -> str:
    """138****5678: the first three and last four digits stay visible."""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"
