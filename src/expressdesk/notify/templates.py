"""Message templates in zh-CN and English. The defaults live here; an admin's edits are stored in
``notification_templates`` and checked when saved (an unknown placeholder is refused then, not at
send time)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from expressdesk.notify.rules import Event

# Every placeholder a template may use; each message fills all of them (blank when unknown).
FIELDS = frozenset(
    {
        "waybill",
        "status",
        "eta",
        "courier",
        "courier_phone",
        "station",
        "pickup_code",
        "signer",
        "reason",
        "next_step",
        "shipper",
        "customer",
        "ticket",
        "message",
        "survey_url",
        "url",
        "failures",
        "unsubscribe_url",
    }
)


@dataclass(frozen=True)
class Template:
    subject: str
    body: str


B = "【ExpressDesk】"
_DEFAULTS: dict[tuple[Event, str, str], Template] = {
    (Event.PICKED_UP, "sms", "zh_CN"): Template("", B + "您的快件{waybill}已由{shipper}寄出并揽收，预计{eta}送达。"),
    (Event.PICKED_UP, "sms", "en"): Template("", "[ExpressDesk] Your parcel {waybill} from {shipper} was picked up; expected by {eta}."),
    (Event.OUT_FOR_DELIVERY, "sms", "zh_CN"): Template("", B + "您的快件{waybill}正在派送，快递员{courier}，电话{courier_phone}。"),
    (Event.OUT_FOR_DELIVERY, "sms", "en"): Template("", "[ExpressDesk] Parcel {waybill} is out for delivery with {courier}, phone {courier_phone}."),
    (Event.AT_PICKUP_POINT, "sms", "zh_CN"): Template("", B + "您的快件{waybill}已存放于{station}，取件码{pickup_code}，请及时领取。"),
    (Event.AT_PICKUP_POINT, "sms", "en"): Template("", "[ExpressDesk] Parcel {waybill} is waiting at {station}; pickup code {pickup_code}."),
    (Event.DELIVERED, "sms", "zh_CN"): Template("", B + "您的快件{waybill}已签收（{signer}）。如有疑问请联系客服。"),
    (Event.DELIVERED, "sms", "en"): Template("", "[ExpressDesk] Parcel {waybill} was delivered ({signer}). Questions? Contact us."),
    (Event.DELIVERY_FAILED, "sms", "zh_CN"): Template("", B + "您的快件{waybill}本次派送未成功：{reason}。{next_step}"),
    (Event.DELIVERY_FAILED, "sms", "en"): Template("", "[ExpressDesk] We could not deliver {waybill}: {reason}. {next_step}"),
    (Event.DELAY_PREDICTED, "sms", "zh_CN"): Template("", B + "抱歉，您的快件{waybill}可能晚于预期送达，新的预计时间{eta}，我们正在跟进。"),
    (Event.DELAY_PREDICTED, "sms", "en"): Template("", "[ExpressDesk] Sorry: parcel {waybill} may be late; new estimate {eta}. We are on it."),
    (Event.SURVEY, "sms", "zh_CN"): Template("", B + "感谢使用我们的服务，请花一分钟评价：{survey_url}"),
    (Event.SURVEY, "sms", "en"): Template("", "[ExpressDesk] Thank you. One minute to rate our service: {survey_url}"),
    (Event.DELAY_PREDICTED, "email", "zh_CN"): Template("快件 {waybill} 可能延误", "您好，{customer}：\n\n您寄出的快件 {waybill} 可能晚于预期送达，新的预计送达时间为 {eta}。我们已通知收件人并在跟进，无需您来电。\n\n退订：{unsubscribe_url}"),
    (Event.DELAY_PREDICTED, "email", "en"): Template("Parcel {waybill} may be late", "Hello {customer},\n\nYour parcel {waybill} may arrive later than promised; the new estimate is {eta}. We have told the recipient and are following it up; no need to call.\n\nUnsubscribe: {unsubscribe_url}"),
    (Event.FIRST_SHIPMENT_THANKS, "email", "zh_CN"): Template("感谢您选择 ExpressDesk", "您好，{customer}：\n\n感谢您寄出第一票快件（{waybill}）。您的专属客服会一直跟进您的每一票快件，有任何问题请随时联系我们。\n\n退订：{unsubscribe_url}"),
    (Event.FIRST_SHIPMENT_THANKS, "email", "en"): Template("Thank you for choosing ExpressDesk", "Hello {customer},\n\nThank you for your first shipment ({waybill}). Our service team follows every parcel of yours; contact us any time.\n\nUnsubscribe: {unsubscribe_url}"),
    (Event.SURVEY, "email", "zh_CN"): Template("请评价我们的服务", "您好：\n\n感谢使用我们的服务（{waybill}{ticket}）。请花一分钟告诉我们您的感受：{survey_url}\n\n退订：{unsubscribe_url}"),
    (Event.SURVEY, "email", "en"): Template("How did we do?", "Hello,\n\nThank you for using our service ({waybill}{ticket}). One minute to tell us how we did: {survey_url}\n\nUnsubscribe: {unsubscribe_url}"),
    (Event.TICKET_UPDATED, "email", "zh_CN"): Template("[{ticket}] 您的工单有新回复", "您好：\n\n{message}\n\n（回复此邮件即可继续沟通。）"),
    (Event.TICKET_UPDATED, "email", "en"): Template("[{ticket}] A reply on your case", "Hello,\n\n{message}\n\n(Reply to this e-mail to continue.)"),
    (Event.SUBSCRIPTION_DISABLED, "email", "zh_CN"): Template("Webhook 已停用：{url}", "您好，{customer}：\n\n您的 Webhook 地址 {url} 连续 {failures} 次投递失败，已被停用。修复后请在客户门户重新启用，未送达的事件可重新投递。"),
    (Event.SUBSCRIPTION_DISABLED, "email", "en"): Template("Webhook disabled: {url}", "Hello {customer},\n\nYour webhook endpoint {url} failed {failures} deliveries in a row and was disabled. Once it is fixed, enable it again; undelivered events can be re-delivered."),
}  # fmt: skip


def default(event: Event, channel: str, locale: str) -> Template | None:
    return _DEFAULTS.get((event, channel, locale))


def all_defaults() -> Mapping[tuple[Event, str, str], Template]:
    return _DEFAULTS


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def render(template: Template, values: Mapping[str, str]) -> tuple[str, str]:
    """Subject and body with the placeholders filled (unknown values left blank)."""
    data = _Blank({k: str(v) for k, v in values.items()})
    return template.subject.format_map(data), template.body.format_map(data)
