import pytest

from expressdesk.waybills.addresses import parse_address, parse_addresses
from expressdesk.waybills.phones import InvalidPhone, mask_phone, normalize_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("86 13812345678", "13812345678"),
        ("010-88886666", "01088886666"),
        ("(0571) 8888 6666", "057188886666"),
    ],
)
def test_mainland_mobiles_and_landlines_are_accepted(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "12345", "8888666", "0000000000", "+1 415 555 2671", "phone", "1381234567"]
)
def test_anything_else_is_refused_with_a_reason(raw: str) -> None:
    with pytest.raises(InvalidPhone):
        normalize_phone(raw)


def test_masking_keeps_first_three_and_last_four() -> None:
    assert mask_phone("13812345678") == "138****5678"


def test_full_address_is_split_into_region_and_detail() -> None:
    parsed = parse_address("浙江省杭州市西湖区文三路100号")
    assert (parsed.province, parsed.city, parsed.district, parsed.detail) == (
        "浙江省",
        "杭州市",
        "西湖区",
        "文三路100号",
    )
    assert parsed.parsed


def test_abbreviated_address_gets_its_province() -> None:
    parsed = parse_address("广州天河区体育西路")
    assert (parsed.province, parsed.city, parsed.district) == ("广东省", "广州市", "天河区")


def test_municipality_city_is_the_municipality() -> None:
    parsed = parse_address("北京市朝阳区建国路88号")
    assert (parsed.province, parsed.city, parsed.district) == ("北京市", "北京市", "朝阳区")


def test_unplaceable_address_is_marked_unparsed() -> None:
    parsed = parse_address("门口那家小卖部旁边")
    assert not parsed.parsed
    assert parsed.raw == "门口那家小卖部旁边"


def test_batch_parse_keeps_order() -> None:
    results = parse_addresses(["上海市浦东新区张江路1号", "老地方", "成都市武侯区人民南路"])
    assert [r.district for r in results] == ["浦东新区", None, "武侯区"]
