"""Setting values as append-only rows: each change adds a row, the newest row for a key,
year (or effective date) and place supersedes the older ones, and the older stay as history."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow import clock
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction


class SettingValue(db.Model):
    """One value set for a key; ``place_id`` NULL: installation-wide."""

    __tablename__ = "setting_values"
    __table_args__ = (db.Index("ix_setting_values_key_place", "key", "place_path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(db.String(96))
    # JSON: an int (yuan, days, counts), a str (decimal as text, "MM-DD", a choice) or a
    # list of choices; decimals travel as text so nothing is lost to floats.
    value: Mapped[Any] = mapped_column(db.JSON)
    year: Mapped[int | None] = mapped_column()
    effective_on: Mapped[dt.date | None] = mapped_column(db.Date)
    place_id: Mapped[int | None] = mapped_column(db.ForeignKey("jurisdictions.id"))
    # The place's materialized path, for the precedence query and scope filters.
    place_path: Mapped[str | None] = mapped_column(db.String(128))
    document: Mapped[str] = mapped_column(db.String(128))  # 文号
    reason: Mapped[str] = mapped_column(db.String(500), default="", server_default="")
    set_by_id: Mapped[int] = mapped_column(db.ForeignKey("users.id"))
    set_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)

    place: Mapped[Jurisdiction | None] = relationship(lazy="joined")
    set_by = relationship("User", lazy="joined")

    def __repr__(self) -> str:
        return f"<SettingValue {self.key} {self.value!r} {self.year or self.effective_on}>"
