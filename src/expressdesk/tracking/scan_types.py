"""What operators scan, and what each scan means for the customer: one closed table.

Scans are what people and machines do; statuses are what customers see. ``SCAN_RULES`` maps
every scan type to a public status and sub-status (never an ``if`` chain), with the words shown
on the timeline in zh-CN and English.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from expressdesk.enums import ShipmentStatus as S


class ScanType(StrEnum):
    ORDER_INFO = "order_info"  # 电子信息已收到 / order created
    PICKUP = "pickup"  # 揽收
    ARRIVAL = "arrival"  # 到件
    DEPARTURE = "departure"  # 发件
    BAGGING = "bagging"  # 建包
    UNBAGGING = "unbagging"  # 拆包
    LINEHAUL_LOAD = "linehaul_load"  # 装车 / 装机
    LINEHAUL_UNLOAD = "linehaul_unload"  # 卸车 / 卸机
    OUT_FOR_DELIVERY = "out_for_delivery"  # 派件
    DELIVERY_FAILED = "delivery_failed"  # 派送失败
    SIGNED = "signed"  # 签收
    STORED = "stored"  # 入柜 / 入驿站
    PROBLEM = "problem"  # 问题件
    RETURN_STARTED = "return_started"  # 退回
    RETURNED = "returned"  # 退回签收
    FORWARDED = "forwarded"  # 转寄 / 改址
    CUSTOMS_IN = "customs_in"
    CUSTOMS_OUT = "customs_out"
    INTERNATIONAL_DISPATCH = "international_dispatch"
    ARRIVED_ABROAD = "arrived_abroad"
    DECLARED_LOST = "declared_lost"
    CANCELLED = "cancelled"
    PARTNER = "partner"  # an event reported by a partner carrier in its own words


class FailureReason(StrEnum):
    ABSENT = "absent"  # 收件人不在
    UNREACHABLE = "unreachable"  # 电话无法联系
    REFUSED = "refused"  # 拒收
    RESCHEDULED = "rescheduled"  # 改约时间
    ADDRESS_WRONG = "address_wrong"  # 地址错误


class SignerType(StrEnum):
    RECIPIENT = "recipient"  # 本人签收
    FAMILY = "family"  # 家人代收
    MAILROOM = "mailroom"  # 收发室代收
    DOORMAN = "doorman"  # 门卫代收
    LOCKER = "locker"  # 快递柜
    STATION = "station"  # 驿站


class Presence(StrEnum):
    """What a scan says about where the parcel is."""

    AT = "at"  # the parcel is at the scanning facility
    LEAVES = "leaves"  # the parcel leaves the facility it must be at
    NONE = "none"


@dataclass(frozen=True)
class ScanRule:
    scan_type: ScanType
    status: S | None  # None: the scan informs but does not change the status
    sub_status: str
    rank: int  # order of scans made at the same instant (arrival before departure…)
    presence: Presence
    requires: tuple[str, ...]  # fields this scan must carry
    needs_facility: bool
    zh: str  # timeline text; {facility} and {detail} are filled in
    en: str


def _r(
    t: ScanType, status: S | None, sub: str, rank: int, presence: Presence, requires: tuple[str, ...],
    needs_facility: bool, zh: str, en: str,
) -> ScanRule:  # fmt: skip
    return ScanRule(t, status, sub, rank, presence, requires, needs_facility, zh, en)


A, L, N = Presence.AT, Presence.LEAVES, Presence.NONE
SCAN_RULES: dict[ScanType, ScanRule] = {
    r.scan_type: r
    for r in (
        _r(ScanType.ORDER_INFO, S.CREATED, "info_received", 0, N, (), False,
           "已下单，等待揽收", "Order created, awaiting pickup"),
        _r(ScanType.PICKUP, S.PICKED_UP, "picked_up", 1, A, (), True,
           "【{facility}】已揽收{detail}", "Picked up by {facility}{detail}"),
        _r(ScanType.ARRIVAL, S.IN_TRANSIT, "arrived", 2, A, (), True,
           "快件已到达【{facility}】", "Arrived at {facility}"),
        _r(ScanType.LINEHAUL_UNLOAD, S.IN_TRANSIT, "unloaded", 2, A, (), True,
           "快件已在【{facility}】卸车", "Unloaded at {facility}"),
        _r(ScanType.UNBAGGING, S.IN_TRANSIT, "unbagged", 3, A, (), True,
           "快件已在【{facility}】拆包", "Unbagged at {facility}"),
        _r(ScanType.BAGGING, S.IN_TRANSIT, "bagged", 4, N, (), True,
           "快件已在【{facility}】建包", "Bagged at {facility}"),
        _r(ScanType.DEPARTURE, S.IN_TRANSIT, "departed", 5, L, (), True,
           "快件已从【{facility}】发出{detail}", "Departed {facility}{detail}"),
        _r(ScanType.LINEHAUL_LOAD, S.IN_TRANSIT, "loaded", 5, L, (), True,
           "快件已在【{facility}】装车{detail}", "Loaded for linehaul at {facility}{detail}"),
        _r(ScanType.FORWARDED, S.IN_TRANSIT, "forwarded", 5, N, (), False,
           "快件已转寄新地址{detail}", "Forwarded to a new address{detail}"),
        _r(ScanType.CUSTOMS_IN, S.CUSTOMS, "in_customs", 6, N, (), False,
           "快件进入海关查验", "Into customs"),
        _r(ScanType.CUSTOMS_OUT, S.CUSTOMS, "customs_cleared", 6, N, (), False,
           "快件已清关放行", "Out of customs"),
        _r(ScanType.INTERNATIONAL_DISPATCH, S.CUSTOMS, "international_dispatch", 6, N, (), False,
           "快件已发往境外", "International dispatch"),
        _r(ScanType.ARRIVED_ABROAD, S.CUSTOMS, "arrived_abroad", 6, N, (), False,
           "快件已到达目的国家/地区", "Arrived in the destination country"),
        _r(ScanType.OUT_FOR_DELIVERY, S.OUT_FOR_DELIVERY, "out_for_delivery", 7, A, ("courier",), True,
           "【{facility}】快递员正在派件{detail}", "Out for delivery from {facility}{detail}"),
        _r(ScanType.STORED, S.AT_PICKUP_POINT, "at_pickup_point", 8, A, ("pickup_code",), True,
           "快件已存放至【{facility}】，请凭取件码取件", "Stored at {facility}: collect it with the pickup code"),
        _r(ScanType.DELIVERY_FAILED, S.ATTEMPT_FAILED, "attempt_failed", 8, N, ("reason",), False,
           "派送未成功{detail}", "Delivery attempt failed{detail}"),
        _r(ScanType.PROBLEM, S.EXCEPTION, "problem", 8, N, ("problem_code",), False,
           "快件异常{detail}，客服正在处理", "Problem with the parcel{detail}; customer service is on it"),
        _r(ScanType.SIGNED, S.DELIVERED, "signed", 9, N, ("signer_type",), False,
           "快件已签收{detail}", "Delivered{detail}"),
        _r(ScanType.RETURN_STARTED, S.RETURNING, "returning", 8, N, ("reason",), False,
           "快件正在退回寄件人{detail}", "Returning to the sender{detail}"),
        _r(ScanType.RETURNED, S.RETURNED, "returned", 9, N, (), False,
           "退回件已由寄件人签收", "Returned to and signed by the sender"),
        _r(ScanType.DECLARED_LOST, S.LOST, "lost", 9, N, (), False,
           "快件已确认遗失，将按规定赔偿", "Declared lost; compensation follows the rules"),
        _r(ScanType.CANCELLED, S.CANCELLED, "cancelled", 9, N, (), False,
           "订单已取消", "Order cancelled"),
        _r(ScanType.PARTNER, None, "partner", 6, N, ("carrier", "carrier_status"), False,
           "【{carrier}】{detail}", "[{carrier}] {detail}"),
    )
}  # fmt: skip

# Terminal statuses that no later scan undoes: a later scan is kept and flagged as an anomaly.
# LOST is terminal against earlier events only: a later physical scan means the parcel was found.
STICKY_TERMINAL = frozenset({S.DELIVERED, S.RETURNED, S.CANCELLED})
TERMINAL = STICKY_TERMINAL | {S.LOST}
# Scans that declare an end and are refused outright on a parcel that has already ended.
DECLARATIONS = frozenset(
    {ScanType.CANCELLED, ScanType.DECLARED_LOST, ScanType.SIGNED, ScanType.RETURNED}
)

FAILURE_TEXT = {
    FailureReason.ABSENT: ("收件人不在", "recipient absent"),
    FailureReason.UNREACHABLE: ("电话无法联系", "phone unreachable"),
    FailureReason.REFUSED: ("收件人拒收", "refused by the recipient"),
    FailureReason.RESCHEDULED: ("已改约派送时间", "delivery rescheduled"),
    FailureReason.ADDRESS_WRONG: ("地址错误", "address wrong"),
}
SIGNER_TEXT = {
    SignerType.RECIPIENT: ("本人签收", "signed by the recipient"),
    SignerType.FAMILY: ("家人代收", "signed by family"),
    SignerType.MAILROOM: ("收发室代收", "signed by the mailroom"),
    SignerType.DOORMAN: ("门卫代收", "signed by the doorman"),
    SignerType.LOCKER: ("已放入快递柜", "left in a parcel locker"),
    SignerType.STATION: ("驿站代收", "signed by a pickup station"),
}
