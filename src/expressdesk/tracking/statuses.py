"""What each public status means for the person tracking a parcel, in zh-CN and English."""

from __future__ import annotations

from expressdesk.enums import ShipmentStatus as S

STATUS_MEANING: dict[S, tuple[str, str, str, str]] = {
    # status: (label zh, label en, meaning zh, meaning en)
    S.CREATED: ("已下单", "Order created", "寄件人已下单，快递员尚未揽收。", "The sender has booked it; a courier has not picked it up yet."),
    S.PICKED_UP: ("已揽收", "Picked up", "快递员已取件，即将发往分拨中心。", "A courier has the parcel; it is on its way to the sorting hub."),
    S.IN_TRANSIT: ("运输中", "In transit", "快件正在分拨中心之间运输。", "The parcel is moving between our hubs."),
    S.CUSTOMS: ("清关中", "In customs", "快件正在办理海关手续。", "The parcel is going through customs."),
    S.OUT_FOR_DELIVERY: ("派送中", "Out for delivery", "快递员正在派送，请保持电话畅通。", "A courier is delivering it today; keep your phone on."),
    S.AT_PICKUP_POINT: ("待取件", "Waiting at pickup point", "快件已存放在快递柜或驿站，请凭取件码尽快领取。", "It waits at a locker or station; collect it with the pickup code."),
    S.ATTEMPT_FAILED: ("派送失败", "Delivery attempt failed", "本次派送未成功，快递员会再次联系或改约时间。", "The delivery did not succeed; the courier will call again or reschedule."),
    S.DELIVERED: ("已签收", "Delivered", "快件已签收。", "The parcel was delivered and signed for."),
    S.EXCEPTION: ("异常", "Exception", "快件遇到问题，客服正在处理。", "There is a problem with the parcel; customer service is handling it."),
    S.RETURNING: ("退回中", "Returning to sender", "快件正在退回寄件人。", "The parcel is on its way back to the sender."),
    S.RETURNED: ("已退回", "Returned to sender", "快件已退回寄件人。", "The parcel was returned to the sender."),
    S.LOST: ("已丢失", "Lost", "很抱歉，快件已确认遗失，我们将按规定赔偿。", "We are sorry: the parcel was declared lost; compensation follows the rules."),
    S.CANCELLED: ("已取消", "Cancelled", "订单已在揽收前取消。", "The order was cancelled before pickup."),
}  # fmt: skip


def status_label(status: S, locale: str) -> str:
    zh, en, _, _ = STATUS_MEANING[status]
    return zh if locale == "zh_CN" else en


def status_meaning(status: S, locale: str) -> str:
    _, _, zh, en = STATUS_MEANING[status]
    return zh if locale == "zh_CN" else en
