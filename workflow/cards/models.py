"""Printed cards: one row per 明白卡 printed, with the digest of what it showed.

A card is ``current`` while what it would show today is what it showed then (the same
digest), ``outdated`` once a measure, a payment, the income or the household changed. The
row is also the record of who printed a household's card and when.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Mapped, mapped_column

from workflow import clock
from workflow.extensions import db


class PolicyCard(db.Model):
    __tablename__ = "policy_cards"
    __table_args__ = (db.Index("ix_policy_cards_household_code", "household_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        db.ForeignKey("households.id", ondelete="CASCADE"))
    jurisdiction_path: Mapped[str] = mapped_column(db.String(128), index=True)
    year: Mapped[int]
    code: Mapped[str] = mapped_column(db.String(8))
    digest: Mapped[str] = mapped_column(db.String(64))
    printed_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    printed_by_id: Mapped[int] = mapped_column(db.ForeignKey("users.id"))
