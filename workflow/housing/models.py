"""Houses in the register with their appraisals, and what a renovation case leaves behind:
the archive file (批准一户、建档一户) and the subsidy payment."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from workflow import clock
from workflow.engine.registry import subject
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.registry.models import Household, versioned

GRADES = {"A": "A级（安全）", "B": "B级（局部不安全）", "C": "C级（局部危险）",
          "D": "D级（整体危险）"}
METHODS = {"repair": "修缮加固", "rebuild": "原址翻建", "new_build": "异地新建"}
STRUCTURES = {"earth_wood": "土木结构", "brick_wood": "砖木结构", "brick_concrete": "砖混结构",
              "stone": "石木结构", "other": "其他"}
# The appraisal certificate copy is kept at each of these levels (DOMAIN.md §3).
CERTIFICATE_COPIES = ["县", "乡镇", "村", "农户"]


@subject("house")
class House(db.Model):
    __tablename__ = "houses"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(db.ForeignKey("households.id"), index=True)
    address: Mapped[str] = mapped_column(db.String(200))
    structure: Mapped[str] = mapped_column(db.String(24))
    year_built: Mapped[int | None]
    area: Mapped[Decimal] = mapped_column(db.Numeric(8, 2))  # floor area, m²
    village_id: Mapped[int] = mapped_column(db.ForeignKey("jurisdictions.id"), index=True)
    jurisdiction_path: Mapped[str] = mapped_column(db.String(128), index=True)
    registered_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")  # see Household

    household: Mapped[Household] = relationship(lazy="joined")
    village: Mapped[Jurisdiction] = relationship(lazy="joined")
    appraisals: Mapped[list[HouseAppraisal]] = relationship(
        back_populates="house", order_by="HouseAppraisal.id", lazy="selectin")

    @classmethod
    def prefetch(cls) -> tuple:
        return (selectinload(cls.appraisals),
                selectinload(cls.household).selectinload(Household.members))

    # What a case shows about its subject: the household behind the house.
    @property
    def head_name(self) -> str:
        return self.household.head_name

    @property
    def masked_id(self) -> str:
        return self.household.masked_id

    @property
    def size(self) -> int:
        return self.household.size

    @property
    def structure_title(self) -> str:
        return STRUCTURES.get(self.structure, self.structure)

    @property
    def latest_appraisal(self) -> HouseAppraisal | None:
        return self.appraisals[-1] if self.appraisals else None


versioned(House)


class HouseAppraisal(db.Model):
    """One appraisal (农村危险房屋鉴定) with its certificate."""

    __tablename__ = "house_appraisals"

    id: Mapped[int] = mapped_column(primary_key=True)
    house_id: Mapped[int] = mapped_column(db.ForeignKey("houses.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(db.ForeignKey("cases.id"))
    grade: Mapped[str] = mapped_column(db.String(1))
    appraised_on: Mapped[dt.date]
    appraiser: Mapped[str] = mapped_column(db.String(64))
    certificate_no: Mapped[str] = mapped_column(db.String(64))
    # The scan of the certificate (the case's latest appraisal_certificate upload).
    certificate_id: Mapped[int | None] = mapped_column(db.ForeignKey("attachments.id"))
    recorded_by_id: Mapped[int] = mapped_column(db.ForeignKey("users.id"))

    house: Mapped[House] = relationship(back_populates="appraisals")

    @property
    def grade_title(self) -> str:
        return GRADES.get(self.grade, self.grade)


class FileNumberCounter(db.Model):
    """The last archive number given per township and year; bumped under a row lock."""

    __tablename__ = "file_number_counters"

    township_id: Mapped[int] = mapped_column(db.ForeignKey("jurisdictions.id"),
                                             primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class ArchiveFile(db.Model):
    """The one-household file opened with the county approval (批准一户、建档一户)."""

    __tablename__ = "archive_files"
    __table_args__ = (db.UniqueConstraint("township_id", "year", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(db.ForeignKey("cases.id"), unique=True)
    house_id: Mapped[int] = mapped_column(db.ForeignKey("houses.id"), index=True)
    household_id: Mapped[int] = mapped_column(db.ForeignKey("households.id"), index=True)
    township_id: Mapped[int] = mapped_column(db.ForeignKey("jurisdictions.id"))
    year: Mapped[int]
    seq: Mapped[int]
    number: Mapped[str] = mapped_column(db.String(64), unique=True)
    certificate_copies: Mapped[list] = mapped_column(db.JSON, default=list)
    opened_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    opened_by_id: Mapped[int] = mapped_column(db.ForeignKey("users.id"))
    closed_at: Mapped[dt.datetime | None]


class SubsidyPayment(db.Model):
    """The subsidy paid straight into the household's own account, with its voucher."""

    __tablename__ = "subsidy_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(db.ForeignKey("cases.id"), index=True)
    household_id: Mapped[int] = mapped_column(db.ForeignKey("households.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(db.Numeric(12, 2))
    account: Mapped[str] = mapped_column(db.String(32))
    voucher_no: Mapped[str] = mapped_column(db.String(64))
    paid_on: Mapped[dt.date]
    recorded_by_id: Mapped[int] = mapped_column(db.ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
