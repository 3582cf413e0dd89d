"""One row per spell of monitoring: history is kept when the risk is removed."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Mapped, mapped_column

from workflow.extensions import db


class MonitoringRecord(db.Model):
    __tablename__ = "monitoring_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(db.ForeignKey("households.id"), index=True)
    entry_case_id: Mapped[int] = mapped_column(db.ForeignKey("cases.id"))
    removal_case_id: Mapped[int | None] = mapped_column(db.ForeignKey("cases.id"))
    source: Mapped[str] = mapped_column(db.String(24))
    risks: Mapped[str] = mapped_column(db.String(200))
    status_before: Mapped[str] = mapped_column(db.String(24))
    entered_on: Mapped[dt.date]
    removed_on: Mapped[dt.date | None]
