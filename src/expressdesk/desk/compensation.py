"""The compensation policy for claims (理赔), as one tested function. Pure; no I/O.

- delay: the fee is refunded, never the insurance fee or other add-ons;
- insured parcels (保价): by the declared value and the insurance terms (the actual loss, never
  more than the declared value; partial damage in proportion);
- uninsured parcels: the actual loss, up to a cap that is company policy (by default 3× the fee,
  configurable per product and per contract), partial damage in proportion.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

CENT = Decimal("0.01")


class ClaimKind(StrEnum):
    LOSS = "loss"  # 丢失
    DAMAGE = "damage"  # 损毁
    MISSING_CONTENTS = "missing_contents"  # 内件短少
    DELAY = "delay"  # 延误


CLAIM_KIND_NAMES: dict[ClaimKind, tuple[str, str]] = {
    ClaimKind.LOSS: ("丢失", "Loss"),
    ClaimKind.DAMAGE: ("损毁", "Damage"),
    ClaimKind.MISSING_CONTENTS: ("内件短少", "Missing contents"),
    ClaimKind.DELAY: ("延误", "Delay"),
}


@dataclass(frozen=True)
class ClaimFacts:
    kind: ClaimKind
    fee: Decimal  # the freight fee paid (资费)
    insurance_fee: Decimal  # the insurance premium paid (保价费); never refunded
    declared_value: Decimal | None  # 保价金额; None: not insured
    goods_value: Decimal  # the actual value of the goods (evidenced)
    # Damage: the share of the goods' value destroyed (0–1). Missing contents: the value
    # missing is ``goods_value × damage_share``. Loss: 1.
    damage_share: Decimal = Decimal(1)
    cap_multiple: Decimal = Decimal(3)


@dataclass(frozen=True)
class Compensation:
    amount: Decimal
    basis_zh: str
    basis_en: str


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def compensation(facts: ClaimFacts) -> Compensation:
    """What the company pays for a claim, and why."""
    if facts.kind is ClaimKind.DELAY:
        return Compensation(
            _money(facts.fee),
            f"延误：退还资费 {facts.fee:.2f} 元（保价费等增值费用不退）",
            f"Delay: the fee of {facts.fee:.2f} yuan is refunded (not the insurance fee)",
        )
    share = Decimal(1) if facts.kind is ClaimKind.LOSS else facts.damage_share
    if not Decimal(0) <= share <= Decimal(1):
        raise ValueError("damage_share must be between 0 and 1")
    loss = facts.goods_value * share
    if facts.declared_value is not None:
        # Insured: the actual loss, at most the declared value's matching share.
        ceiling = facts.declared_value * share
        amount = min(loss, ceiling)
        return Compensation(
            _money(amount),
            f"保价件：按实际损失 {loss:.2f} 元赔偿，不超过保价金额的相应部分 {ceiling:.2f} 元",
            f"Insured: the actual loss of {loss:.2f} yuan, at most the declared value's share "
            f"of {ceiling:.2f} yuan",
        )
    cap = facts.fee * facts.cap_multiple
    amount = min(loss, cap)
    return Compensation(
        _money(amount),
        f"未保价件：按实际损失 {loss:.2f} 元赔偿，"
        f"最高为资费的 {facts.cap_multiple:g} 倍（{cap:.2f} 元）",
        f"Uninsured: the actual loss of {loss:.2f} yuan, at most {facts.cap_multiple:g}× the fee "
        f"({cap:.2f} yuan)",
    )
