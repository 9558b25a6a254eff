"""The scheduled monthly run: each key account with an e-mail address gets its report for the
month just ended, as a PDF attachment, once (a row per account and month, and the outbox key)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.models import Customer, ReportMailing
from expressdesk.notify.outbox import enqueue
from expressdesk.notify.rules import Event
from expressdesk.reports import data, document, export

# The run starts on the first of the month at this local hour (the night's rollup is done);
# a worker that was down catches up until the third.
MAIL_HOUR = 8
CATCH_UP_DAYS = 3


@dataclass(frozen=True)
class MailingRun:
    month: str
    queued: int
    skipped: int  # no address, or already sent


def due(now: datetime, tz: ZoneInfo) -> bool:
    local = now.astimezone(tz)
    return 1 < local.day <= CATCH_UP_DAYS or (local.day == 1 and local.hour >= MAIL_HOUR)


def mail_monthly_reports(
    session: Session, settings: Settings, now: datetime, period: data.Period | None = None
) -> MailingRun:
    """Queue each key account's report for ``period`` (default: last month) in the outbox."""
    tz = ZoneInfo(settings.timezone)
    period = period or data.previous_month(now, tz)
    sent = set(session.scalars(select(ReportMailing.customer_id).where(
        ReportMailing.month == period.name)))  # fmt: skip
    accounts = session.scalars(
        select(Customer)
        .where(Customer.tier == "key", Customer.is_active.is_(True), Customer.lost_at.is_(None))
        .order_by(Customer.code)
    ).all()
    queued = skipped = 0
    folder = Path(settings.data_dir) / "reports"
    for customer in accounts:
        if customer.id in sent or not customer.email:
            skipped += 1
            continue
        report = data.customer_report(session, customer, period, tz, now)
        doc = document.customer_document(report, tz, "zh_CN")
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{customer.code}-{period.name}.pdf"
        (folder / name).write_bytes(export.to_pdf(doc))
        key = f"monthly_report:{customer.code}:{period.name}"
        volume = report.total.figures["volume"] or 0
        body = (
            f"{customer.contact_name}，您好：\n\n附件是贵司 {period.name} 的月度服务报告"
            f"（业务量 {int(volume):,} 件，时效、派车与到车及时率、单证准确率、"
            "货损货差、投诉与理赔）。如有疑问请回复本邮件或致电客服。\n\n"
            f"Dear {customer.contact_name},\n\nattached is your monthly service report for "
            f"{period.name}: volume, on-time and punctuality rates, document accuracy, damage "
            "and loss, complaints and claims. Reply to this e-mail with any question."
            "\n\nExpressDesk"
        )
        enqueue(session, now=now, settings=settings, key=key, channel="email",
                event=Event.MONTHLY_REPORT, recipient=customer.email, customer_id=customer.id,
                subject=f"月度服务报告 Monthly report {period.name} · {customer.name}", body=body,
                payload={"attachments": [{"path": f"reports/{name}", "filename": name,
                                          "content_type": "application/pdf"}]})  # fmt: skip
        mailing = ReportMailing(customer_id=customer.id, month=period.name,
                                path=f"reports/{name}", outbox_key=key, created_at=now)  # fmt: skip
        session.add(mailing)
        session.flush()
        queued += 1
    return MailingRun(period.name, queued, skipped)
