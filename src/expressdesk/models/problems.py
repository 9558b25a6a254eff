"""Problem shipments (问题件), what the desk did about them, their photos and outlet messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expressdesk.db import Base
from expressdesk.enums import db_enum
from expressdesk.problems.rules import Party, ProblemType


class Problem(Base):
    """One problem with one parcel, with one owner at a time and a due time.

    At most one *open* problem of a type per parcel (a partial unique index): registering the
    same problem twice adds to the existing one instead of creating a second.
    """

    __tablename__ = "problems"
    __table_args__ = (
        Index(
            "uq_problems_open_type",
            "waybill_id",
            "type",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_problems_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    waybill_id: Mapped[int] = mapped_column(ForeignKey("waybills.id"), index=True)
    type: Mapped[ProblemType] = mapped_column(db_enum(ProblemType))
    status: Mapped[str] = mapped_column(String(12), default="open")  # open, resolved
    source: Mapped[str] = mapped_column(String(16))  # scan, attempt, arrival, agent, detector
    detail: Mapped[str | None] = mapped_column(String(80))  # e.g. stalled, past_estimate
    party: Mapped[Party] = mapped_column(db_enum(Party))
    note: Mapped[str] = mapped_column(Text, default="")
    detected_at: Mapped[datetime]
    due_at: Mapped[datetime]
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"), index=True)
    courier_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Missort: the outlet and delivery area that should have the parcel.
    target_facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"))
    target_area_id: Mapped[int | None] = mapped_column(ForeignKey("delivery_areas.id"))
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_at: Mapped[datetime | None]
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    first_action_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution: Mapped[str | None] = mapped_column(String(32))
    resolution_note: Mapped[str] = mapped_column(Text, default="")
    # Bumped on every change; the live queue polls it.
    changed_at: Mapped[datetime] = mapped_column(index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    actions: Mapped[list[ProblemAction]] = relationship(
        back_populates="problem", order_by="ProblemAction.id"
    )
    photos: Mapped[list[ProblemPhoto]] = relationship(order_by="ProblemPhoto.id")


class ProblemAction(Base):
    """One thing done about a problem (hand-over, contact attempt, address correction…)."""

    __tablename__ = "problem_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id"), index=True)
    waybill_id: Mapped[int] = mapped_column(ForeignKey("waybills.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the system
    from_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    to_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    problem: Mapped[Problem] = relationship(back_populates="actions")


class ProblemPhoto(Base):
    """A photo of a problem parcel, stored on disk under the data directory by a random name."""

    __tablename__ = "problem_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id"), index=True)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime]


class OutletMessage(Base):
    """A message to an outlet's queue (留言), e.g. the desk telling the origin outlet."""

    __tablename__ = "outlet_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)
    problem_id: Mapped[int | None] = mapped_column(ForeignKey("problems.id"))
    waybill_id: Mapped[int | None] = mapped_column(ForeignKey("waybills.id"))
    from_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    read_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
