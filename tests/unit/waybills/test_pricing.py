import pytest

from expressdesk.enums import Product
from expressdesk.waybills.pricing import (
    Surcharges,
    ZonePrice,
    chargeable_weight_g,
    default_zone,
    freight_fen,
    quote,
    rate_fee_fen,
    volumetric_weight_g,
)

PRICE = ZonePrice(
    first_weight_g=1000, first_price_fen=1200, additional_unit_g=1000, additional_price_fen=600
)
SURCHARGES = Surcharges(
    insurance_rate_permille=5,
    insurance_min_fen=100,
    cod_rate_permille=10,
    cod_min_fen=200,
    receipt_fee_fen=300,
)


@pytest.mark.parametrize(
    ("weight_g", "expected"),
    [(1, 1200), (1000, 1200), (1001, 1800), (2000, 1800), (2001, 2400), (10_500, 1200 + 10 * 600)],
)
def test_first_weight_then_each_started_unit(weight_g: int, expected: int) -> None:
    assert freight_fen(weight_g, PRICE) == expected


def test_half_kilo_units() -> None:
    half = ZonePrice(1000, 1000, 500, 250)
    assert freight_fen(1600, half) == 1000 + 2 * 250


def test_volumetric_weight_rounds_up_in_grams() -> None:
    # 40 × 30 × 30 cm / 8000 = 4.5 kg
    assert volumetric_weight_g(40, 30, 30, 8000) == 4500
    assert volumetric_weight_g(10, 10, 10, 6000) == 167  # 166.67 g rounded up


def test_chargeable_weight_is_the_heavier() -> None:
    assert chargeable_weight_g(2000, 4500) == 4500
    assert chargeable_weight_g(5000, 4500) == 5000


def test_light_but_bulky_parcel_pays_volumetric_weight() -> None:
    q = quote(
        product=Product.STANDARD,
        zone="3",
        price=PRICE,
        surcharges=SURCHARGES,
        weight_g=1200,
        dimensions_cm=(40, 30, 30),
        volumetric_divisor=8000,
    )
    assert q.chargeable_weight_g == 4500
    assert q.freight_fen == 1200 + 4 * 600
    assert q.total_fen == q.freight_fen


def test_insurance_has_a_minimum_and_is_proportional_above_it() -> None:
    assert rate_fee_fen(0, 5, 100) == 0
    assert rate_fee_fen(10_000, 5, 100) == 100  # ¥100 declared: 0.5 % = ¥0.50, minimum ¥1
    assert rate_fee_fen(200_000, 5, 100) == 1000  # ¥2,000 declared: ¥10


def test_surcharges_add_up_in_the_total() -> None:
    q = quote(
        product=Product.STANDARD,
        zone="3",
        price=PRICE,
        surcharges=SURCHARGES,
        weight_g=800,
        dimensions_cm=None,
        volumetric_divisor=8000,
        declared_value_fen=100_000,
        cod_amount_fen=19_900,
        receipt_return=True,
    )
    assert (q.freight_fen, q.insurance_fee_fen, q.cod_fee_fen, q.receipt_fee_fen) == (
        1200,
        500,
        200,
        300,
    )
    assert q.total_fen == 2200


def test_default_zones() -> None:
    assert default_zone("浙江省", "浙江省") == "1"
    assert default_zone("浙江省", "西藏自治区") == "4"
    assert default_zone("浙江省", "北京市") == "3"
