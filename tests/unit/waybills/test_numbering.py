from hypothesis import given
from hypothesis import strategies as st

from expressdesk.waybills.numbering import (
    SERIAL_DIGITS,
    is_valid_waybill_number,
    make_waybill_number,
    normalize_waybill_number,
)

serials = st.integers(min_value=0, max_value=10**SERIAL_DIGITS - 1)


@given(serials)
def test_every_issued_number_validates(serial: int) -> None:
    assert is_valid_waybill_number(make_waybill_number("ED", serial), "ED")


@given(serials, st.data())
def test_any_single_mistyped_digit_is_caught(serial: int, data: st.DataObject) -> None:
    number = make_waybill_number("ED", serial)
    pos = data.draw(st.integers(min_value=2, max_value=len(number) - 1))
    wrong = data.draw(st.sampled_from([d for d in "0123456789" if d != number[pos]]))
    assert not is_valid_waybill_number(number[:pos] + wrong + number[pos + 1 :], "ED")


@given(serials, st.data())
def test_any_swap_of_adjacent_digits_is_caught(serial: int, data: st.DataObject) -> None:
    number = make_waybill_number("ED", serial)
    pos = data.draw(st.integers(min_value=2, max_value=len(number) - 2))
    if number[pos] == number[pos + 1]:
        return
    swapped = number[:pos] + number[pos + 1] + number[pos] + number[pos + 2 :]
    assert not is_valid_waybill_number(swapped, "ED")


def test_spaces_dashes_and_lower_case_are_tolerated() -> None:
    number = make_waybill_number("ED", 12345)
    typed = f" {number[:4].lower()}-{number[4:8]} {number[8:]} "
    assert normalize_waybill_number(typed) == number
    assert is_valid_waybill_number(typed, "ED")


def test_wrong_prefix_or_length_is_invalid() -> None:
    number = make_waybill_number("ED", 12345)
    assert not is_valid_waybill_number("XX" + number[2:], "ED")
    assert not is_valid_waybill_number(number[:-1], "ED")
    assert not is_valid_waybill_number(number + "0", "ED")
    assert not is_valid_waybill_number("", "ED")
