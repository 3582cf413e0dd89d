"""Fund sources with yearly budgets per county, allocations to projects, disbursements and
the payment records that must agree with them (账账相符). Money is exact: Numeric(14, 2)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow import clock
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction

LEVELS = {"central": "中央财政", "province": "省级财政", "city": "市级财政", "county": "县级财政"}


class FundSource(db.Model):
    __tablename__ = "fund_sources"
    __table_args__ = (db.UniqueConstraint("county_id", "year", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(db.ForeignKey("jurisdictions.id"), index=True)
    year: Mapped[int]
    name: Mapped[str] = mapped_column(db.String(100))
    level: Mapped[str] = mapped_column(db.String(16))
    budget: Mapped[Decimal] = mapped_column(db.Numeric(14, 2))
    jurisdiction_path: Mapped[str] = mapped_column(db.String(128), index=True)
    # The head of the source's fund trail (workflow/audit/funds.py): its length and hash.
    trail_seq: Mapped[int] = mapped_column(default=0, server_default="0")
    trail_head: Mapped[str | None] = mapped_column(db.String(64))

    county: Mapped[Jurisdiction] = relationship(lazy="joined")


class Allocation(db.Model):
    __tablename__ = "fund_allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(db.ForeignKey("fund_sources.id"), index=True)
    project_id: Mapped[int] = mapped_column(db.ForeignKey("projects.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(db.Numeric(14, 2))
    document_no: Mapped[str] = mapped_column(db.String(64))  # 资金下达文号
    # 下达日期: the date of the allocation document (a China date), not the system time
    # below; a disbursement cannot be dated before it (workflow/funds/operations.py).
    dated_on: Mapped[dt.date] = mapped_column(default=clock.today)
    channel: Mapped[str] = mapped_column(db.String(16))       # api / ui / cli / import / case
    case_id: Mapped[int | None] = mapped_column(db.ForeignKey("cases.id"))
    by_id: Mapped[int | None] = mapped_column(db.ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)

    source: Mapped[FundSource] = relationship(lazy="joined")


class Disbursement(db.Model):
    """县级报账 (treasury reimbursement) against one allocation."""

    __tablename__ = "fund_disbursements"

    id: Mapped[int] = mapped_column(primary_key=True)
    allocation_id: Mapped[int] = mapped_column(db.ForeignKey("fund_allocations.id"), index=True)
    project_id: Mapped[int] = mapped_column(db.ForeignKey("projects.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(db.Numeric(14, 2))
    voucher_no: Mapped[str] = mapped_column(db.String(64))
    paid_on: Mapped[dt.date]
    case_id: Mapped[int | None] = mapped_column(db.ForeignKey("cases.id"))
    by_id: Mapped[int | None] = mapped_column(db.ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)


class PaymentRecord(db.Model):
    """The project's own payment ledger: who received each disbursed yuan."""

    __tablename__ = "project_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(db.ForeignKey("projects.id"), index=True)
    disbursement_id: Mapped[int] = mapped_column(db.ForeignKey("fund_disbursements.id"),
                                                 index=True)
    payee: Mapped[str] = mapped_column(db.String(100))
    amount: Mapped[Decimal] = mapped_column(db.Numeric(14, 2))
    paid_on: Mapped[dt.date]
