"""Partner carriers' status strings, mapped onto our statuses by a table (never an ``if`` chain).

Each entry carries what the status means for the customer and what the agent should do, in
zh-CN and English. The USPS strings and their meaning come from seed 000 (陽光國際快遞's list of
21 USPS statuses). A string that is not in the table is stored raw, leaves the status alone and
is listed for an admin to map.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from expressdesk.enums import ShipmentStatus as S


@dataclass(frozen=True)
class PartnerStatus:
    carrier: str
    raw: str
    status: S | None  # None: informative only, the parcel's status stays as it is
    sub_status: str
    meaning_zh: str
    meaning_en: str
    advice_zh: str
    advice_en: str


def normalize_partner_status(raw: str) -> str:
    return re.sub(r"\s+", " ", raw).strip().casefold()


def _p(
    raw: str, status: S | None, sub: str, mzh: str, men: str, azh: str, aen: str
) -> PartnerStatus:
    return PartnerStatus("USPS", raw, status, sub, mzh, men, azh, aen)


USPS: tuple[PartnerStatus, ...] = (
    _p("No Record", None, "no_record",
       "面单刚打出，邮局还没收到邮寄信息（一天内属正常）", "Label just printed; USPS has no data yet (normal within a day)",
       "超过一天仍无记录时核对单号是否有效", "If it lasts more than a day, check that the tracking number is valid"),
    _p("Electronic Shipping Info Received", None, "info_received",
       "邮局已收到邮寄信息，包裹不一定已交邮局", "USPS has the shipping data; the parcel may not be handed over yet",
       "等待邮局收寄", "Wait for the acceptance scan"),
    _p("Acceptance", S.IN_TRANSIT, "partner_accepted",
       "邮局已收到包裹实物", "USPS has the parcel", "无需处理", "Nothing to do"),
    _p("Processed through Sort Facility", S.IN_TRANSIT, "partner_sorting",
       "包裹在邮局分拣中心分拣", "Sorted at a USPS facility", "无需处理", "Nothing to do"),
    _p("Arrival at Post Office", S.IN_TRANSIT, "partner_at_delivery_office",
       "包裹已到达收件地址当地邮局", "Arrived at the recipient's local post office",
       "通常一两天内派送", "Usually delivered within a day or two"),
    _p("Delivered", S.DELIVERED, "partner_delivered", "包裹已妥投", "Delivered",
       "客户称未收到时请其先问家人、邻居和信箱", "If the customer says it did not arrive, ask them to check with family, neighbours and the mailbox"),
    _p("Notice Left", S.AT_PICKUP_POINT, "partner_notice_left",
       "投递时无人签收，包裹带回当地邮局保留10天，收件人凭通知单（或其他证明）到邮局领取",
       "Nobody was in: the parcel is held at the local post office for 10 days; the recipient collects it with the notice (or other proof)",
       "提醒收件人10天内凭通知单到邮局取件", "Remind the recipient to collect it with the notice within 10 days"),
    _p("Sorting Complete", S.IN_TRANSIT, "partner_sorted", "分拣完成", "Sorting complete", "无需处理", "Nothing to do"),
    _p("Out for Delivery or Available at PO Box", S.OUT_FOR_DELIVERY, "partner_out_for_delivery",
       "正在投递或可在邮局信箱领取，下一步一般就是妥投", "Out for delivery or available at the PO box; usually delivered next",
       "无需处理", "Nothing to do"),
    _p("Out for Delivery", S.OUT_FOR_DELIVERY, "partner_out_for_delivery",
       "正在投递，下一步一般就是妥投", "Out for delivery; usually delivered next", "无需处理", "Nothing to do"),
    _p("Available at PO Box", S.AT_PICKUP_POINT, "partner_po_box",
       "可在邮局信箱领取", "Available at the PO box", "提醒收件人到信箱取件", "Remind the recipient to collect it"),
    _p("Undeliverable as Addressed", S.EXCEPTION, "partner_undeliverable",
       "所给地址无法投递", "Undeliverable at the given address",
       "联系寄件人核实地址并通知合作方改址", "Confirm the address with the sender and give the partner the correction"),
    _p("Insufficient Address", S.EXCEPTION, "partner_insufficient_address",
       "地址信息不完整，无法投递", "The address is incomplete",
       "联系寄件人补全地址", "Ask the sender for the full address"),
    _p("International Dispatch", S.CUSTOMS, "international_dispatch",
       "国际调度，包裹已发往其他国家", "Dispatched abroad", "无需处理", "Nothing to do"),
    _p("Out of Foreign Customs", S.CUSTOMS, "customs_cleared",
       "国外海关已放行", "Released by foreign customs", "无需处理", "Nothing to do"),
    _p("Arrived Abroad", S.CUSTOMS, "arrived_abroad",
       "包裹已到达收件人所在国家", "Arrived in the recipient's country", "无需处理", "Nothing to do"),
    _p("Into Foreign Customs", S.CUSTOMS, "in_customs",
       "包裹进入国外海关查验", "Into foreign customs for inspection",
       "清关时间较长时提醒客户准备清关资料", "If clearance takes long, ask the customer for clearance documents"),
    _p("Forwarded", S.IN_TRANSIT, "forwarded",
       "面单地址或邮编有误但邮局能判断正确地址，已转运到正确地址",
       "Address or ZIP was wrong but USPS found the right one and forwarded the parcel",
       "无需处理，可提醒寄件人核对地址", "Nothing to do; remind the sender to check addresses"),
    _p("Delivery Status Not Updated", None, "partner_status_not_updated",
       "妥投状态尚未更新，几天后可能显示妥投", "Delivery not yet recorded; it may show as delivered in a few days",
       "请客户耐心等待几天再查询", "Ask the customer to check again in a few days"),
    _p("Vacant", S.RETURNING, "partner_vacant",
       "地址空白（面单地址缺失）无法投递，退回寄件人", "Address missing on the label: returned to the sender",
       "联系寄件人确认地址，准备重新寄出", "Contact the sender to confirm the address and resend"),
    _p("Moved, Left no Address", S.RETURNING, "partner_moved",
       "收件人已搬家且未留转寄地址，退回寄件人", "The recipient moved and left no forwarding address: returned to the sender",
       "联系寄件人获取新地址", "Ask the sender for the new address"),
    _p("Arrival at Pick-Up-Point", S.IN_TRANSIT, "partner_pickup_point",
       "到达提取点，一般仍会派送，可能需要一周左右；客户着急可到当地邮局询问",
       "At a pick-up point; usually still delivered, which may take a week; if urgent the recipient can ask the local post office",
       "告知客户可能还需一周左右，或到当地邮局询问", "Tell the customer it may take about a week, or to ask the local post office"),
    _p("No Such Number", S.RETURNING, "partner_no_such_number",
       "门牌号错误无法投递，包裹将退回", "No such house number: the parcel will be returned",
       "联系寄件人更正门牌号", "Ask the sender to correct the house number"),
)  # fmt: skip

PARTNER_TABLE: dict[tuple[str, str], PartnerStatus] = {
    (p.carrier.upper(), normalize_partner_status(p.raw)): p for p in USPS
}


def lookup_partner_status(carrier: str, raw: str) -> PartnerStatus | None:
    """The table entry for a carrier's status string, or ``None`` if nobody has mapped it yet."""
    return PARTNER_TABLE.get((carrier.strip().upper(), normalize_partner_status(raw)))
