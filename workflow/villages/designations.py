"""低收入村: the designation of a village as a low-income village with the year its exit is
planned for (Zhuanghe's three-year plan, 庄委办发〔2019〕59号: at least 20 % of the 55 in
2018, 70 % cumulative in 2019, all in 2020). Rows are written only by
``villages.operations`` (on the administration trail); this module holds the model and the
read functions the boards, the village list and the village page use."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.jurisdictions.scope import paths_filter

KINDS = {"low_income": "低收入村"}
PLAN_YEARS = (2018, 2019, 2020)


class VillageDesignation(db.Model):
    """One village's designation: its kind, planned exit year and the document naming it.
    A village holds at most one designation of a kind (a later decision updates it; the
    administration trail keeps the before/after)."""

    __tablename__ = "village_designations"
    __table_args__ = (db.UniqueConstraint("village_id", "kind",
                                          name="uq_village_designations_village_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(db.ForeignKey("jurisdictions.id"), index=True)
    kind: Mapped[str] = mapped_column(db.String(16), default="low_income")
    planned_exit_year: Mapped[int]
    document: Mapped[str] = mapped_column(db.String(64))
    recorded_by_id: Mapped[int] = mapped_column(db.ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime]

    village: Mapped[Jurisdiction] = relationship()

    @property
    def kind_title(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def describe(self) -> str:
        """「低收入村，计划 2019 年退出」 as the village list shows it."""
        return f"{self.kind_title}，计划 {self.planned_exit_year} 年退出"


def low_income_villages(scope_paths: list[str]) -> list[Jurisdiction]:
    """The low-income villages under any of ``scope_paths`` (materialized paths), by path."""
    if not scope_paths:
        return []
    return list(db.session.execute(
        select(Jurisdiction).join(VillageDesignation,
                                  VillageDesignation.village_id == Jurisdiction.id)
        .where(VillageDesignation.kind == "low_income",
               paths_filter(Jurisdiction.path, scope_paths))
        .order_by(Jurisdiction.path)).scalars())


def designation_of(village: Jurisdiction | int, kind: str = "low_income"
                   ) -> VillageDesignation | None:
    """The village's designation of ``kind``, else None."""
    village_id = village if isinstance(village, int) else village.id
    return db.session.execute(select(VillageDesignation).where(
        VillageDesignation.village_id == village_id, VillageDesignation.kind == kind)
    ).scalar_one_or_none()


def designations_by_village(village_ids: list[int]) -> dict[int, VillageDesignation]:
    """Low-income designations of the given villages, in one query (for lists)."""
    if not village_ids:
        return {}
    return {d.village_id: d for d in db.session.execute(select(VillageDesignation).where(
        VillageDesignation.kind == "low_income",
        VillageDesignation.village_id.in_(village_ids))).scalars()}
