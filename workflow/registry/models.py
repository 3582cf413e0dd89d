"""The household register (建档立卡): the single source of truth cases act on."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import event, exists, func, inspect, or_
from sqlalchemy.orm import (
    Mapped,
    lazyload,
    mapped_column,
    query_expression,
    relationship,
    selectinload,
    with_expression,
)

from workflow.engine.registry import subject
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction

HOUSEHOLD_STATUSES = {
    "registered_poor": "建档立卡贫困户",
    "exited": "已脱贫",
    "monitored": "监测户",
}
INCOME_KINDS = {
    "wages": "工资性收入",
    "farm_net": "农业经营净收入",
    "business_net": "非农经营净收入",
    "property_income": "财产性收入",
    "transfers": "转移性收入",
}


def mask_id_number(number: str | None) -> str:
    """Show the region prefix and the last digit only: 210323********123X → 210323***********X."""
    if not number:
        return ""
    return number[:6] + "*" * (len(number) - 7) + number[-1]


def mask_account(number: str | None) -> str:
    """A bank account (一卡通) shows its last four digits only."""
    if not number:
        return ""
    return "*" * max(len(number) - 4, 4) + number[-4:]


def mask_phone(number: str | None) -> str:
    """A mobile number shows its first three and last four digits: 138****1234."""
    if not number:
        return ""
    return number[:3] + "*" * max(len(number) - 7, 4) + number[-4:]


@subject("household")
class Household(db.Model):
    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    head_name: Mapped[str] = mapped_column(db.String(64), index=True)
    id_number: Mapped[str] = mapped_column(db.String(18), unique=True)
    phone: Mapped[str | None] = mapped_column(db.String(20))
    address: Mapped[str | None] = mapped_column(db.String(200))
    village_id: Mapped[int] = mapped_column(db.ForeignKey("jurisdictions.id"), index=True)
    jurisdiction_path: Mapped[str] = mapped_column(db.String(128), index=True)
    status: Mapped[str] = mapped_column(db.String(24), default="registered_poor", index=True)
    registered_year: Mapped[int | None]
    exited_on: Mapped[str | None] = mapped_column(db.String(10))
    # Other statuses that make a household eligible for help (e.g. house renovation).
    dibao: Mapped[bool] = mapped_column(default=False)   # 低保户
    tekun: Mapped[bool] = mapped_column(default=False)   # 特困供养户
    # The household's own subsidy account (一卡通); subsidies may be paid only into it.
    bank_account: Mapped[str | None] = mapped_column(db.String(32))
    # Raised by every change of the row (``versioned``) and by each member edit: an edit
    # names the version it was based on and is refused when the row changed meanwhile.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    # 致贫原因 (keys of workflow/support/catalog.yaml ``causes``): the main one and others.
    main_cause: Mapped[str | None] = mapped_column(db.String(24))
    other_causes: Mapped[list | None] = mapped_column(db.JSON)

    village: Mapped[Jurisdiction] = relationship(lazy="joined")
    # The current members; one who left keeps the row (removed_on, removal_reason).
    members: Mapped[list[Member]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="Member.id",
        primaryjoin="and_(Household.id == Member.household_id, Member.removed_on.is_(None))",
        overlaps="household",
    )
    former_members: Mapped[list[Member]] = relationship(
        viewonly=True, order_by="Member.id",
        primaryjoin="and_(Household.id == Member.household_id, "
                    "Member.removed_on.is_not(None))",
    )
    incomes: Mapped[list[IncomeRecord]] = relationship(
        back_populates="household", cascade="all, delete-orphan", order_by="IncomeRecord.year",
    )

    # Whether the household has open discrepancies with a department's data (sectors),
    # loaded with a sign-off's subject (``guard_expressions``) so that the 三保障 guard
    # needs no statement of its own for the many households without any; None when the
    # household was loaded without it.
    has_open_discrepancies: Mapped[bool | None] = query_expression()

    @classmethod
    def prefetch(cls) -> tuple:
        """Loader options that bring what the household guards read, in bulk."""
        return (selectinload(cls.members), selectinload(cls.incomes))

    @classmethod
    def list_options(cls) -> tuple:
        """Loader options for a list of cases' households (the to-do and case lists show
        the head's name and ID and check the status): the members are left to a lazy
        load, which nothing on a list asks for."""
        return (lazyload(cls.members),)

    @classmethod
    def guard_expressions(cls) -> tuple:
        """Loader options for the columns the guards read beside the relationships."""
        from workflow.sectors.models import Discrepancy  # the sector data build on the register

        return (with_expression(cls.has_open_discrepancies, exists().where(
            Discrepancy.household_id == cls.id, Discrepancy.status == "open")),)

    @property
    def size(self) -> int:
        return len(self.members) or 1

    @property
    def masked_id(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_account(self) -> str:
        return mask_account(self.bank_account)

    @property
    def has_disabled_member(self) -> bool:
        return any(m.disabled for m in self.members)

    @property
    def status_title(self) -> str:
        return HOUSEHOLD_STATUSES.get(self.status, self.status)

    def income_for(self, year: int) -> IncomeRecord | None:
        return next((r for r in self.incomes if r.year == year), None)


def versioned(model: type) -> type:
    """Raise ``model.version`` on every flushed change of a row (an ORM update through
    any code path: an edit, a case's effect), unless the change sets it itself."""
    @event.listens_for(model, "before_update")
    def _bump(_mapper, _connection, target) -> None:
        state = inspect(target)
        if state.attrs.version.history.has_changes():
            return
        if state.session.is_modified(target, include_collections=False):
            target.version = (target.version or 0) + 1
    return model


versioned(Household)


def head_name_matches(query: str):
    """A clause for households whose head's name starts or ends with ``query``: the full
    name, the surname or the given name (张喆 by 张, 张喆 or 喆).

    Both ends are index-served on PostgreSQL (a pattern index on the name and one on the
    reversed name, migration 0009); a match in the middle would read the whole register
    (0.3 s for a rare name among a city's million households)."""
    query = query[:64]
    if db.session.get_bind().dialect.name == "postgresql":
        ends = func.reverse(Household.head_name).startswith(query[::-1], autoescape=True)
    else:
        ends = Household.head_name.endswith(query, autoescape=True)
    return or_(Household.head_name.startswith(query, autoescape=True), ends)


class Member(db.Model):
    __tablename__ = "household_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        db.ForeignKey("households.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(db.String(64))
    relation: Mapped[str] = mapped_column(db.String(16))
    id_number: Mapped[str | None] = mapped_column(db.String(18))
    disabled: Mapped[bool] = mapped_column(default=False)  # holds a disability certificate
    # 劳动能力 and 在校生情况 (keys of workflow/support/catalog.yaml ``labour``/``schooling``).
    labour_capacity: Mapped[str | None] = mapped_column(db.String(16))
    schooling: Mapped[str | None] = mapped_column(db.String(16))
    # A member who left (death, marriage, moved out) is marked, never deleted.
    removed_on: Mapped[dt.date | None]
    removal_reason: Mapped[str | None] = mapped_column(db.String(200))

    household: Mapped[Household] = relationship(overlaps="members")

    @property
    def masked_id(self) -> str:
        return mask_id_number(self.id_number)


class IncomeRecord(db.Model):
    """A household's income for one year, by type, in yuan (exact decimals)."""

    __tablename__ = "income_records"
    __table_args__ = (db.UniqueConstraint("household_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        db.ForeignKey("households.id", ondelete="CASCADE"), index=True)
    year: Mapped[int]
    wages: Mapped[Decimal] = mapped_column(db.Numeric(12, 2), default=0)
    farm_net: Mapped[Decimal] = mapped_column(db.Numeric(12, 2), default=0)
    business_net: Mapped[Decimal] = mapped_column(db.Numeric(12, 2), default=0)
    property_income: Mapped[Decimal] = mapped_column(db.Numeric(12, 2), default=0)
    transfers: Mapped[Decimal] = mapped_column(db.Numeric(12, 2), default=0)
    household_size: Mapped[int] = mapped_column(default=1)

    household: Mapped[Household] = relationship(back_populates="incomes")

    @property
    def total(self) -> Decimal:
        return sum((Decimal(getattr(self, k) or 0) for k in INCOME_KINDS), Decimal(0))

    @property
    def per_capita(self) -> Decimal:
        return (self.total / max(self.household_size, 1)).quantize(Decimal("0.01"))
