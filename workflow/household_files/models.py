"""Packages made: one row per 一户一档 package and one row per part of it (the manifest).

A part records what it was made from — a case's trail head (sheet, archive cover,
notice, announcement), an attachment's SHA-256 (evidence) or the 明白卡's digest — so
the verification page can say whether each part still shows what the system holds.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow import clock
from workflow.extensions import db

PART_KINDS = {"case_cover": "档案封面", "sheet": "审批表", "notice": "公示",
              "announcement": "公告", "evidence": "证明材料", "card": "明白卡"}


class HouseholdFile(db.Model):
    __tablename__ = "household_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        db.ForeignKey("households.id", ondelete="CASCADE"), index=True)
    jurisdiction_path: Mapped[str] = mapped_column(db.String(128), index=True)
    code: Mapped[str] = mapped_column(db.String(8), unique=True)
    pages: Mapped[int]
    size: Mapped[int]  # bytes of the package as made
    sha256: Mapped[str] = mapped_column(db.String(64))  # of the whole package
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    created_by_id: Mapped[int] = mapped_column(db.ForeignKey("users.id"))

    parts: Mapped[list[HouseholdFilePart]] = relationship(
        order_by="HouseholdFilePart.seq", cascade="all, delete-orphan", lazy="selectin")


class HouseholdFilePart(db.Model):
    __tablename__ = "household_file_parts"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(
        db.ForeignKey("household_files.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(db.String(16))  # PART_KINDS
    title: Mapped[str] = mapped_column(db.String(200))  # nothing personal: shown in public
    case_id: Mapped[int | None]
    source_id: Mapped[int | None]  # the attachment or the printed card
    # The case's trail head, the attachment's SHA-256 or the card's digest.
    source_version: Mapped[str] = mapped_column(db.String(64))
    sha256: Mapped[str] = mapped_column(db.String(64))
    code: Mapped[str | None] = mapped_column(db.String(8))  # its own verification code
    first_page: Mapped[int]
    pages: Mapped[int]

    @property
    def kind_title(self) -> str:
        return PART_KINDS.get(self.kind, self.kind)
